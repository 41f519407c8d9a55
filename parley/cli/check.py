"""`parley check`: the policy on one message, no AWS involved."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from parley.cli.common import fail


class Direction(StrEnum):
    SELLER_TO_BUYER = "seller-to-buyer"
    BUYER_TO_SELLER = "buyer-to-seller"


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
    from datetime import date

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


COMMANDS = [check]
