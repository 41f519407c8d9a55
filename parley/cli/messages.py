"""`parley history` and `parley messages`: one conversation, one message."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from parley.cli.common import DEFAULT_ENV_FILE, EnvFile, fail, open_store

messages_app = typer.Typer(help="Single messages.", no_args_is_help=True)


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

    store = open_store(env_file)
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
            e.status + (f" ({e.response_outcome})" if e.response_outcome else ""),
            e.verdict or "-",
            ", ".join(e.rules) or (e.reason or "-"),
            e.subject,
            ", ".join(e.attachments),
        )
    Console(width=160).print(table)


@messages_app.command("no-response-needed")
def no_response_needed(
    message_id: Annotated[str, typer.Argument(help="The buyer message (see parley history).")],
    env_file: EnvFile = DEFAULT_ENV_FILE,
) -> None:
    """Mark a buyer message as needing no answer: its clock stops, nothing goes to the buyer."""
    from parley.adapters.store import MessageModel
    from parley.responses import clocks

    store = open_store(env_file)
    record = store.get(MessageModel, message_id)
    if record is None:
        fail(f"no message {message_id}")
    from parley.app import default_services

    try:
        stopped = clocks.no_response_needed(default_services(), record, datetime.now(UTC))
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


COMMANDS = [history]
