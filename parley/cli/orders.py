"""`parley orders`: register and cancel orders (and with them parties and aliases)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from parley.cli.common import DEFAULT_ENV_FILE, EnvFile, fail, open_store

orders_app = typer.Typer(
    help="Orders, and with them sellers, buyers and their aliases.", no_args_is_help=True
)


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

    store = open_store(env_file)
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
        cancelled_at = cancel_order(open_store(env_file), order_id)
    except RegistrationError as exc:
        fail(str(exc))
    typer.echo(json.dumps({"order_id": order_id, "cancelled_at": cancelled_at}))
