"""Sellers' webhook endpoints: register, list, remove, and the deliveries each one got."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from parley.adapters.outbound_http import UnsafeEndpoint
from parley.core.time import now_iso
from parley.events.model import EVENT_TYPES
from parley.models.tables import DeliveryModel, WebhookModel

if TYPE_CHECKING:
    from parley.app import Services

MAX_WEBHOOKS = 10
TEST_EVENT = "webhook.test"


class WebhookError(ValueError):
    """A registration the seller must change (field names which part)."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class NoSuchWebhook(LookupError):
    pass


def event_types(requested: Iterable[str] | None) -> set[str] | None:
    """The event types asked for (None: all of them); unknown names are refused."""
    if requested is None:
        return None
    wanted = {name.strip() for name in requested if name.strip()}
    unknown = sorted(wanted - set(EVENT_TYPES))
    if unknown:
        raise WebhookError(
            f"unknown event types: {', '.join(unknown)}; known: {', '.join(EVENT_TYPES)}",
            field="events",
        )
    return wanted or None


def view(hook: WebhookModel, *, with_secret: bool = False) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "webhook_id": hook.webhook_id,
        "seller_id": hook.seller_id,
        "url": hook.url,
        "events": sorted(hook.events) if hook.events else list(EVENT_TYPES),
        "created_at": hook.created_at,
    }
    if with_secret:  # only once, when it is created: store it to verify signatures
        shown["secret"] = hook.secret
    return shown


def add(
    svc: Services, seller_id: str, url: str, events: Iterable[str] | None = None
) -> dict[str, Any]:
    """Register an endpoint; the answer carries the signing secret (shown only now)."""
    try:
        svc.webhook_client.check(url)
    except UnsafeEndpoint as exc:
        raise WebhookError(str(exc), field="url") from exc
    wanted = event_types(events)
    if sum(1 for _ in WebhookModel.by_seller.query(seller_id)) >= MAX_WEBHOOKS:
        raise WebhookError(f"at most {MAX_WEBHOOKS} webhooks per seller", field="url")
    hook = WebhookModel(
        f"wh_{secrets.token_hex(10)}",
        seller_id=seller_id,
        url=url,
        events=wanted,
        secret=_new_secret(),
        created_at=now_iso(),
    )
    svc.store.create(hook, WebhookModel.webhook_id)
    return view(hook, with_secret=True)


def _new_secret() -> str:
    from parley.webhooks.signing import new_secret

    return new_secret()


def of_seller(seller_id: str) -> list[WebhookModel]:
    return list(WebhookModel.by_seller.query(seller_id))


def owned(svc: Services, seller_id: str | None, webhook_id: str) -> WebhookModel:
    """The webhook, if it belongs to `seller_id` (None: an operator, any seller)."""
    hook = svc.store.get(WebhookModel, webhook_id)
    if hook is None or (seller_id is not None and hook.seller_id != seller_id):
        raise NoSuchWebhook(webhook_id)
    return hook


def remove(svc: Services, seller_id: str | None, webhook_id: str) -> None:
    owned(svc, seller_id, webhook_id).delete()


def deliveries(
    svc: Services, seller_id: str | None, webhook_id: str, limit: int = 50
) -> list[dict[str, Any]]:
    """The endpoint's deliveries, newest first, with each one's attempts and outcome."""
    hook = owned(svc, seller_id, webhook_id)
    items = DeliveryModel.by_webhook.query(hook.webhook_id, scan_index_forward=False, limit=limit)
    return [delivery_view(d) for d in items]


def delivery_view(item: DeliveryModel) -> dict[str, Any]:
    return {
        "delivery_id": item.delivery_id,
        "event_id": item.event_id,
        "event_type": item.event_type,
        "status": item.status,
        "attempts": int(item.attempts or 0),
        "created_at": item.created_at,
        "last_attempt_at": item.last_attempt_at,
        "next_attempt_at": item.next_attempt_at if item.status == "pending" else None,
        "last_status_code": int(item.last_status) if item.last_status is not None else None,
        "last_error": item.last_error,
        "delivered_at": item.delivered_at,
    }
