"""Operators: `parley reminders run`, `parley reconcile`, `parley dlq redrive`."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from parley.cli.common import DEFAULT_ENV_FILE, EnvFile, fail, load_env, open_store, parse_instant

reminders_app = typer.Typer(help="The response-deadline reminders.", no_args_is_help=True)
dlq_app = typer.Typer(help="Dead-letter queues.", no_args_is_help=True)


@reminders_app.command("run")
def reminders_run(
    now: Annotated[
        str | None, typer.Option(help="Sweep as if it were this instant (ISO-8601).")
    ] = None,
    env_file: EnvFile = DEFAULT_ENV_FILE,
) -> None:
    """Run one reminder sweep against the stack; digests land in the outbox like any mail."""
    from parley.app import default_services
    from parley.responses.reminders import sweep

    load_env(env_file)
    result = sweep(default_services(), parse_instant(now))
    typer.echo(json.dumps(result.as_dict()))


def reconcile(
    since: Annotated[str | None, typer.Option(help="Only messages received since (ISO).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document.")] = False,
    env_file: EnvFile = DEFAULT_ENV_FILE,
) -> None:
    """List every message not in a final state and every dead-lettered one, with stage and error."""
    from parley.core.time import iso
    from parley.ops.reconcile import reconcile as unfinished

    store = open_store(env_file)
    rows = list(unfinished(store, iso(parse_instant(since)) if since else None))
    if as_json:
        typer.echo(json.dumps([r.as_dict() for r in rows], indent=2))
        return
    for row in rows:
        typer.echo(
            f"{row.received_at}  {row.stage:<6} {row.status:<14} {row.message_id}  "
            f"{row.reason or ''} {(row.last_error or '')[:80]}"
        )
    typer.echo(f"{len(rows)} message(s) not finished")


@dlq_app.command("redrive")
def dlq_redrive(
    queue: Annotated[str, typer.Argument(help="ingest, filter or relay")],
    env_file: EnvFile = DEFAULT_ENV_FILE,
) -> None:
    """Move a stage's dead-lettered messages back to its queue (safe to run twice); for
    ingest, run ingest again on the SES events it gave up on."""
    import os as _os

    from rich.progress import Progress

    from parley.adapters.aws import client
    from parley.ops.reconcile import redrive

    store = open_store(env_file)
    if queue not in {"ingest", "filter", "relay"}:
        fail("queue must be ingest, filter or relay")
    settings = store.settings
    if queue == "ingest":
        _replay_ingest(settings)
        return
    dlq_url = _os.environ.get(f"PARLEY_{queue.upper()}_DLQ_URL")
    if not dlq_url:
        fail(f"PARLEY_{queue.upper()}_DLQ_URL is not set")
    sqs = client("sqs", settings)
    target = settings.filter_queue_url if queue == "filter" else settings.relay_queue_url
    waiting = int(
        sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["ApproximateNumberOfMessages"])[
            "Attributes"
        ]["ApproximateNumberOfMessages"]
    )
    with Progress() as bar:
        task = bar.add_task(f"redriving {queue}", total=waiting or None)
        moved = redrive(sqs, store, dlq_url, target, lambda n: bar.advance(task, n))
    typer.echo(json.dumps({"queue": queue, "moved": moved}))


def _replay_ingest(settings) -> None:  # type: ignore[no-untyped-def]
    from rich.progress import Progress

    from devstack.lambda_runtime import LocalContext
    from functions.ingest.handler import handler
    from parley.adapters.aws import client
    from parley.ops.reconcile import replay_ingest

    if not settings.ingest_dlq_url:
        fail("PARLEY_INGEST_DLQ_URL is not set")
    with Progress() as bar:
        task = bar.add_task("replaying ingest", total=None)
        replayed, failing = replay_ingest(
            client("sqs", settings),
            settings.ingest_dlq_url,
            lambda event: handler(event, LocalContext("ingest-replay")),
            lambda n: bar.advance(task, n),
        )
    typer.echo(json.dumps({"queue": "ingest", "replayed": replayed, "still_failing": failing}))


COMMANDS = [reconcile]
