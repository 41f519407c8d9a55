"""`parley webhooks ...` (operators manage sellers' endpoints, see deliveries, redrive dead
ones) and `parley sellers away` (a seller's away mode)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from parley.cli.common import DEFAULT_ENV_FILE, EnvFile, fail, open_store
from parley.cli.sellers import sellers_app

webhooks_app = typer.Typer(help="Sellers' webhook endpoints for events.", no_args_is_help=True)


def _services(env_file: Any) -> Any:
    open_store(env_file)
    from parley.app import default_services

    return default_services()


def _echo(value: Any, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(value, indent=2))
    elif isinstance(value, list):
        for item in value:
            typer.echo("  ".join(f"{k}={v}" for k, v in item.items() if v is not None))
    else:
        typer.echo("  ".join(f"{k}={v}" for k, v in value.items() if v is not None))


@webhooks_app.command("add")
def webhooks_add(
    seller_id: Annotated[str, typer.Option("--seller-id", help="The seller it belongs to.")],
    url: Annotated[str, typer.Option("--url", help="HTTPS endpoint (dev: http://127.0.0.1).")],
    events: Annotated[
        str | None, typer.Option("--events", help="Comma-separated event types (default: all).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document.")] = False,
    env_file: EnvFile = DEFAULT_ENV_FILE,
) -> None:
    """Register an endpoint; prints its signing secret (shown only now)."""
    from parley.webhooks import registry

    svc = _services(env_file)
    try:
        added = registry.add(svc, seller_id, url, events.split(",") if events else None)
    except registry.WebhookError as exc:
        fail(f"{exc.field}: {exc}")
    _echo(added, as_json)


@webhooks_app.command("list")
def webhooks_list(
    seller_id: Annotated[str, typer.Option("--seller-id")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document.")] = False,
    env_file: EnvFile = DEFAULT_ENV_FILE,
) -> None:
    """A seller's endpoints."""
    from parley.webhooks import registry

    _services(env_file)
    _echo([registry.view(h) for h in registry.of_seller(seller_id)], as_json)


@webhooks_app.command("remove")
def webhooks_remove(
    webhook_id: Annotated[str, typer.Argument(help="wh_… (see `parley webhooks list`).")],
    env_file: EnvFile = DEFAULT_ENV_FILE,
) -> None:
    """Remove an endpoint; its pending deliveries are cancelled."""
    from parley.webhooks import registry

    svc = _services(env_file)
    try:
        registry.remove(svc, None, webhook_id)
    except registry.NoSuchWebhook:
        fail(f"no webhook {webhook_id}")
    typer.echo(json.dumps({"webhook_id": webhook_id, "removed": True}))


@webhooks_app.command("deliveries")
def webhooks_deliveries(
    webhook_id: Annotated[str, typer.Argument()],
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document.")] = False,
    env_file: EnvFile = DEFAULT_ENV_FILE,
) -> None:
    """An endpoint's deliveries, newest first (dead ones included)."""
    from parley.webhooks import registry

    svc = _services(env_file)
    try:
        _echo(registry.deliveries(svc, None, webhook_id, limit), as_json)
    except registry.NoSuchWebhook:
        fail(f"no webhook {webhook_id}")


@webhooks_app.command("redrive")
def webhooks_redrive(
    webhook_id: Annotated[str, typer.Argument()],
    env_file: EnvFile = DEFAULT_ENV_FILE,
) -> None:
    """Give every dead delivery of an endpoint a fresh 24-hour retry window."""
    from parley.webhooks import registry
    from parley.webhooks.dispatch import redrive

    svc = _services(env_file)
    try:
        registry.owned(svc, None, webhook_id)
    except registry.NoSuchWebhook:
        fail(f"no webhook {webhook_id}")
    moved = redrive(svc, webhook_id, datetime.now(UTC))
    typer.echo(json.dumps({"webhook_id": webhook_id, "redriven": moved}))


@sellers_app.command("away")
def sellers_away(
    seller_id: Annotated[str, typer.Argument()],
    until: Annotated[
        str | None, typer.Option(help="ISO time of return, e.g. 2026-12-24T08:00Z")
    ] = None,
    since: Annotated[str | None, typer.Option("--from", help="ISO start (default: now).")] = None,
    message: Annotated[
        list[str] | None,
        typer.Option("--message", help="LANG=TEXT, once per language (en, de)."),
    ] = None,
    clear: Annotated[bool, typer.Option("--clear", help="End away mode now.")] = False,
    env_file: EnvFile = DEFAULT_ENV_FILE,
) -> None:
    """Set (or end) a seller's away mode: buyers get one automatic reply per conversation."""
    from parley.models.tables import PartyModel
    from parley.responses.away import AwayError, away_of, parse_away, set_away

    svc = _services(env_file)
    seller = svc.store.get(PartyModel, f"seller:{seller_id}")
    if seller is None:
        fail(f"no seller {seller_id}")
    value: dict[str, Any] | None = None
    if not clear:
        if not until or not message:
            fail("--until and at least one --message LANG=TEXT (or --clear)")
        texts = dict(m.split("=", 1) for m in message if "=" in m)
        value = {"until": until, "message": texts, **({"from": since} if since else {})}
    try:
        away = parse_away(value, datetime.now(UTC))
    except AwayError as exc:
        fail(f"{exc.field}: {exc}")
    set_away(svc, seller, away)
    current = away_of(svc.store.get(PartyModel, f"seller:{seller_id}"))
    typer.echo(json.dumps({"seller_id": seller_id, "away": current.as_dict() if current else None}))
