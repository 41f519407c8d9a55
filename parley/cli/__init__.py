"""The `parley` command: one module per command group; this one only assembles them."""

from __future__ import annotations

import typer

from parley.cli import check, dev, messages, ops, orders, parties, sellers, workday

app = typer.Typer(
    help="Parley: anonymizing buyer-seller messaging relay.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(orders.orders_app, name="orders")
app.add_typer(messages.messages_app, name="messages")
app.add_typer(ops.reminders_app, name="reminders")
app.add_typer(sellers.sellers_app, name="sellers")
app.add_typer(ops.dlq_app, name="dlq")
app.add_typer(parties.parties_app, name="parties")
app.add_typer(workday.webhooks_app, name="webhooks")
for module in (dev, messages, ops, check):
    for command in module.COMMANDS:
        app.command()(command)


def main() -> None:
    app()
