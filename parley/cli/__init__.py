"""The `parley` command: the local stack, registration, history and the demo."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

app = typer.Typer(
    help="Parley: anonymizing buyer-seller messaging relay.",
    no_args_is_help=True,
    add_completion=False,
)
orders_app = typer.Typer(
    help="Orders, and with them sellers, buyers and their aliases.", no_args_is_help=True
)
app.add_typer(orders_app, name="orders")
messages_app = typer.Typer(help="Single messages.", no_args_is_help=True)
app.add_typer(messages_app, name="messages")
reminders_app = typer.Typer(help="The response-deadline reminders.", no_args_is_help=True)
app.add_typer(reminders_app, name="reminders")
sellers_app = typer.Typer(help="Sellers' figures.", no_args_is_help=True)
app.add_typer(sellers_app, name="sellers")

EnvFile = Annotated[Path, typer.Option("--env-file", help="Settings written by `parley dev`.")]
DEFAULT_ENV_FILE: Path = Path("var/dev.env")


def fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def _load_env(env_file: Path) -> None:
    """Find the stack: the environment wins, else the file `parley dev` wrote."""
    from devstack.runtime import read_env_file

    if "PARLEY_RELAY_DOMAIN" in os.environ:
        return
    if not env_file.exists():
        fail(f"{env_file} not found: start `parley dev` first (or set the PARLEY_* environment)")
    for key, value in read_env_file(env_file).items():
        os.environ.setdefault(key, value)


def _store(env_file: Path):  # type: ignore[no-untyped-def]
    from parley.adapters.store import Store
    from parley.core.settings import SettingsError, get_settings

    _load_env(env_file)
    try:
        return Store(get_settings())
    except SettingsError as exc:
        fail(str(exc))


@app.command()
def dev(
    aws_port: Annotated[int, typer.Option(help="Port of the moto server (AWS APIs).")] = 5055,
    smtp_host: Annotated[
        str, typer.Option(help="Address the SMTP server listens on.")
    ] = "127.0.0.1",
    smtp_port: Annotated[
        int, typer.Option(help="Port of the SMTP server (plays SES inbound).")
    ] = 2525,
    outbox: Annotated[Path, typer.Option(help="Maildir that receives what SES sent.")] = Path(
        "var/outbox"
    ),
    var_dir: Annotated[Path, typer.Option(help="Where dev.env is written.")] = Path("var"),
    relay_domain: Annotated[
        str, typer.Option(help="Domain of the aliases.")
    ] = "marketplace.example",
    reminder_seconds: Annotated[
        float, typer.Option(help="Seconds between reminder sweeps (0: none).")
    ] = 60.0,
    api_port: Annotated[
        int, typer.Option(help="Port of the message center API on 127.0.0.1 (0: none).")
    ] = 8025,
) -> None:
    """Run the whole system locally in the foreground until Ctrl-C."""
    from devstack.runtime import DevConfig, LocalStack

    config = DevConfig(
        aws_port=aws_port,
        smtp_host=smtp_host,
        smtp_port=smtp_port,
        outbox=outbox,
        var_dir=var_dir,
        relay_domain=relay_domain,
        reminder_seconds=reminder_seconds,
        api_port=api_port,
    )
    stack = LocalStack(config)
    stopped = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        stack.start()
    except OSError as exc:
        fail(f"could not start the local stack: {exc}")
    typer.echo(
        f"parley dev: AWS APIs on http://127.0.0.1:{aws_port}, SMTP on "
        f"{smtp_host}:{smtp_port}, outbox {outbox}/new, settings in {var_dir}/dev.env"
    )
    if api_port:
        typer.echo(
            f"message center API on http://127.0.0.1:{api_port} "
            f"(OpenAPI at /openapi.json; tokens: parley token seller:ID)"
        )
    typer.echo("Ctrl-C stops it.")
    sys.stdout.flush()
    stopped.wait()
    typer.echo("stopping…")
    stack.stop()


@orders_app.command("add")
def orders_add(
    order_id: Annotated[str, typer.Option(help="17 digits as 3-7-7, e.g. 123-1234567-1234567.")],
    seller_id: Annotated[str, typer.Option()],
    seller_name: Annotated[str, typer.Option()],
    seller_email: Annotated[str, typer.Option()],
    buyer_id: Annotated[str, typer.Option()],
    buyer_name: Annotated[str, typer.Option()],
    buyer_email: Annotated[str, typer.Option()],
    locale: Annotated[str, typer.Option(help="Locale of new parties, e.g. de-DE.")] = "en-US",
    delivered_on: Annotated[str | None, typer.Option(help="YYYY-MM-DD, when delivered.")] = None,
    seller_fulfillment: Annotated[
        str,
        typer.Option(help="merchant or marketplace: who ships (sets the messaging default)."),
    ] = "merchant",
    env_file: EnvFile = DEFAULT_ENV_FILE,
) -> None:
    """Register an order (and its seller and buyer when new); prints the pair's aliases."""
    from parley.directory.registration import (
        OrderRegistration,
        PartyInfo,
        RegistrationError,
        register_order,
    )

    store = _store(env_file)
    registration = OrderRegistration(
        order_id=order_id,
        seller=PartyInfo(seller_id, seller_name, seller_email, locale),
        buyer=PartyInfo(buyer_id, buyer_name, buyer_email, locale),
        delivered_on=delivered_on,
        seller_fulfillment=seller_fulfillment,
    )
    try:
        result = register_order(store, registration)
    except RegistrationError as exc:
        fail(str(exc))
    typer.echo(json.dumps(result.as_dict(), indent=2))


@orders_app.command("cancel")
def orders_cancel(
    order_id: Annotated[str, typer.Argument(help="The order to cancel.")],
    env_file: EnvFile = DEFAULT_ENV_FILE,
) -> None:
    """Mark an order cancelled: buyers are sent to customer service instead of the seller."""
    from parley.directory.registration import RegistrationError, cancel_order

    try:
        cancelled_at = cancel_order(_store(env_file), order_id)
    except RegistrationError as exc:
        fail(str(exc))
    typer.echo(json.dumps({"order_id": order_id, "cancelled_at": cancelled_at}))


@app.command()
def token(
    party: Annotated[str, typer.Argument(help="seller:ID or buyer:ID")],
    hours: Annotated[float, typer.Option(help="How long the token is valid.")] = 1.0,
    var_dir: Annotated[Path, typer.Option(help="Where `parley dev` keeps its key.")] = Path("var"),
) -> None:
    """Print a token for the local message center API (the local stand-in for Cognito)."""
    from devstack.api_server import LocalIssuer
    from parley.center.service import Principal

    if Principal.from_claim(party) is None:
        fail(f"{party!r} is not seller:ID or buyer:ID")
    try:
        typer.echo(LocalIssuer(var_dir / "dev-issuer.pem").token(party, int(hours * 3600)))
    except FileNotFoundError as exc:
        fail(str(exc))


@app.command()
def openapi() -> None:
    """Print the message center API's OpenAPI document (generated from the handler's routes)."""
    from devstack.api_server import openapi_json

    typer.echo(openapi_json())


@app.command()
def history(
    order_id: Annotated[str, typer.Option(help="The order whose conversation to show.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document.")] = False,
    export: Annotated[
        Path | None,
        typer.Option(help="Write one .zip with every message, attachment and verdict."),
    ] = None,
    env_file: EnvFile = DEFAULT_ENV_FILE,
) -> None:
    """Print a conversation: every message with direction, time, status, verdict, attachments."""
    from parley.ops.history import conversation, export_conversation

    store = _store(env_file)
    if export is not None:
        from parley.app import default_services

        try:
            summary = export_conversation(default_services(), order_id, export)
        except (LookupError, OSError) as exc:
            fail(f"cannot export {order_id}: {exc}")
        typer.echo(json.dumps(summary))
        return
    entries = conversation(store, order_id)
    if as_json:
        typer.echo(json.dumps([e.as_dict() for e in entries], indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Order {order_id}: {len(entries)} message(s)")
    for column in (
        "received",
        "direction",
        "status",
        "verdict",
        "rules / reason",
        "subject",
        "attachments",
    ):
        table.add_column(column, overflow="fold")
    for e in entries:
        table.add_row(
            e.received_at,
            e.direction,
            e.status,
            e.verdict or "-",
            ", ".join(e.rules) or (e.reason or "-"),
            e.subject,
            ", ".join(e.attachments),
        )
    Console(width=160).print(table)


def _instant(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        fail(f"{value!r} is not an ISO-8601 time (like 2026-12-01T09:00:00Z)")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


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

    _store(env_file)
    result = sweep(default_services(), _instant(now))
    typer.echo(json.dumps(result.as_dict()))


@messages_app.command("no-response-needed")
def no_response_needed(
    message_id: Annotated[str, typer.Argument(help="The buyer message (see parley history).")],
    env_file: EnvFile = DEFAULT_ENV_FILE,
) -> None:
    """Mark a buyer message as needing no answer: its clock stops, nothing goes to the buyer."""
    from parley.adapters.store import MessageModel
    from parley.responses import clocks

    store = _store(env_file)
    record = store.get(MessageModel, message_id)
    if record is None:
        fail(f"no message {message_id}")
    try:
        stopped = clocks.no_response_needed(store, record, datetime.now(UTC))
    except clocks.NotABuyerMessage as exc:
        fail(str(exc))
    typer.echo(
        json.dumps(
            {
                "message_id": message_id,
                "order_id": record.order_id,
                "clock_stopped": stopped is not None,
            }
        )
    )


@sellers_app.command("stats")
def sellers_stats(
    seller_id: Annotated[str, typer.Argument()],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document.")] = False,
    env_file: EnvFile = DEFAULT_ENV_FILE,
) -> None:
    """Late-response rate, median and 90th percentile response time (7/30/90 days), open clocks."""
    from parley.responses.stats import seller_stats

    _store(env_file)
    figures = seller_stats(seller_id, datetime.now(UTC))
    if as_json:
        typer.echo(json.dumps(figures, indent=2))
        return
    typer.echo(f"Seller {seller_id}")
    for window, row in figures["windows"].items():  # type: ignore[attr-defined]
        rate = "-" if row["late_rate"] is None else f"{row['late_rate']:.1%}"
        median = "-" if row["median_seconds"] is None else f"{row['median_seconds'] / 3600:.1f} h"
        p90 = "-" if row["p90_seconds"] is None else f"{row['p90_seconds'] / 3600:.1f} h"
        typer.echo(
            f"  {window:>4}: {row['answered']} answered, late {rate}, median {median}, p90 {p90}"
        )
    for clock in figures["open"]:  # type: ignore[attr-defined]
        typer.echo(
            f"  open: order {clock['order_id']} due {clock['deadline_at']} "
            f"({clock['seconds_left'] / 3600:.1f} h left)"
        )


@app.command()
def reconcile(
    since: Annotated[str | None, typer.Option(help="Only messages received since (ISO).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document.")] = False,
    env_file: EnvFile = DEFAULT_ENV_FILE,
) -> None:
    """List every message not in a final state and every dead-lettered one, with stage and error."""
    from parley.core.time import iso
    from parley.ops.reconcile import reconcile as unfinished

    store = _store(env_file)
    rows = list(unfinished(store, iso(_instant(since)) if since else None))
    if as_json:
        typer.echo(json.dumps([r.as_dict() for r in rows], indent=2))
        return
    for row in rows:
        typer.echo(
            f"{row.received_at}  {row.stage:<6} {row.status:<14} {row.message_id}  "
            f"{row.reason or ''} {(row.last_error or '')[:80]}"
        )
    typer.echo(f"{len(rows)} message(s) not finished")


dlq_app = typer.Typer(help="Dead-letter queues.", no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")


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

    store = _store(env_file)
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


class Direction(StrEnum):
    SELLER_TO_BUYER = "seller-to-buyer"
    BUYER_TO_SELLER = "buyer-to-seller"


@app.command()
def check(
    file: Annotated[Path, typer.Argument(help="The message as a .eml file.")],
    direction: Annotated[Direction, typer.Option(help="Who writes to whom.")] = (
        Direction.SELLER_TO_BUYER
    ),
    reply: Annotated[bool, typer.Option("--reply", help="It answers a buyer message.")] = False,
    order_id: Annotated[
        list[str] | None,
        typer.Option(
            "--order-id",
            help="An order of this buyer (repeat); without it any well-formed order id counts.",
        ),
    ] = None,
    delivered_on: Annotated[str | None, typer.Option(help="YYYY-MM-DD the order arrived.")] = None,
    opted_out: Annotated[bool, typer.Option("--opted-out", help="The buyer opted out.")] = False,
    review_requests_sent: Annotated[int, typer.Option(help="Review requests already sent.")] = 0,
    buyer_locale: Annotated[str | None, typer.Option(help="e.g. de-DE")] = None,
    marketplace: Annotated[str, typer.Option(help="Policy section to apply.")] = "default",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """Check a message against the communication policy before you send it.

    Runs the same policy code as the relay, offline, without AWS. Sellers can run it on a
    draft saved as .eml to see whether it would be delivered, changed or blocked, and why.
    Exit code 0 when the message was evaluated, 2 when the file cannot be read.
    """
    from datetime import UTC, date, datetime

    from parley.mail.parsing import UnacceptableMessage, parse_message
    from parley.policy import PolicyContext, evaluate
    from parley.policy.config import PolicyConfigError, load_policy

    try:
        raw = file.read_bytes()
        message = parse_message(raw, max_bytes=len(raw) + 1)
        config = load_policy(marketplace)
        delivered = date.fromisoformat(delivered_on) if delivered_on else None
    except (OSError, UnacceptableMessage, PolicyConfigError, ValueError) as exc:
        fail(f"cannot check {file}: {exc}")
    context = PolicyContext(
        direction=direction.value.replace("-", "_"),
        is_reply=reply,
        pair_order_ids=frozenset(order_id) if order_id else None,
        config=config,
        delivered_on=delivered,
        now=datetime.now(UTC),
        buyer_opted_out=opted_out,
        buyer_locale=buyer_locale,
        review_requests_sent=review_requests_sent,
        raw_size=len(raw),
    )
    decision = evaluate(message, context)
    if as_json:
        typer.echo(json.dumps(decision.as_dict(), ensure_ascii=False))
        return
    typer.echo(f"{decision.verdict} ({decision.category}, policy {decision.policy_version})")
    for violation in decision.violations:
        typer.echo(f"  {violation.rule}: {violation.action} - {violation.evidence}")


@app.command()
def demo() -> None:
    """Run a scripted conversation through the real pipeline on a private local stack."""
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    from devstack.demo import print_table, run_demo

    steps = run_demo()
    print_table(steps)
    wrong = [s for s in steps if not s.ok]
    if wrong:
        fail("; ".join(f"{s.title}: expected {s.expected}, got {s.status}" for s in wrong))
    typer.echo("demo: every step ended as expected.")


from parley.cli.parties import parties_app  # noqa: E402  (it uses the helpers above)

app.add_typer(parties_app, name="parties")


def main() -> None:
    app()
