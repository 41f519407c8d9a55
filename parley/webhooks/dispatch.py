"""The webhook dispatcher: fan an event out to the seller's endpoints, deliver, retry, give up.

One SQS queue carries two kinds of records: events from the bus (EventBridge rule target),
and wake-ups for one delivery. The delivery record in DynamoDB is the truth (attempts, next
attempt, outcome); a wake-up that comes early is put back with the remaining delay (SQS
delays at most 15 minutes). Backoff doubles from `webhook_backoff_seconds` up to an hour;
after `webhook_retry_hours` (24) the delivery is `dead`: the seller sees it in
`GET /webhooks/{id}/deliveries`, an operator redrives it with `parley webhooks redrive`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from parley.adapters.store import ConditionFailed
from parley.core.observability import count
from parley.core.time import iso, parse_iso
from parley.models.tables import DeliveryModel, WebhookModel
from parley.webhooks.signing import EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, sign

if TYPE_CHECKING:
    from parley.app import Services

log = logging.getLogger("parley")
MAX_BACKOFF_SECONDS = 3600
MAX_QUEUE_DELAY = 900  # SQS's limit


@dataclass(frozen=True)
class AttemptOutcome:
    delivery_id: str
    status: str  # delivered, retrying, dead, waiting, cancelled, done, failed (a test)
    status_code: int | None = None
    error: str | None = None


def backoff(attempts: int, base: float) -> float:
    """Seconds before the next attempt after `attempts` failed ones: base, 2x, 4x, ... 1 h."""
    return float(min(base * 2 ** max(0, attempts - 1), MAX_BACKOFF_SECONDS))


def delivery_id_of(webhook_id: str, event_id: str) -> str:
    return f"{webhook_id}.{event_id}"


def route(svc: Services, event: dict[str, Any], now: datetime) -> list[str]:
    """Create one delivery per endpoint of the event's seller that wants its type.

    Idempotent: the delivery id is the webhook and the event id, so the same event routed
    twice (a replay from the archive, a stage that published twice) is delivered once.
    """
    party = event.get("party") or {}
    event_id, event_type = str(event.get("id", "")), str(event.get("type", ""))
    if party.get("kind") != "seller" or not event_id.startswith("evt_"):
        return []
    created = []
    for hook in WebhookModel.by_seller.query(str(party.get("id"))):
        if hook.events and event_type not in hook.events:
            continue
        delivery = _new_delivery(hook, event, now, svc.settings.retention.webhook_deliveries)
        if svc.store.create(delivery, DeliveryModel.delivery_id):
            svc.webhook_queue.wake(delivery.delivery_id)
            created.append(delivery.delivery_id)
    return created


def _new_delivery(
    hook: WebhookModel, event: dict[str, Any], now: datetime, keep_days: int
) -> DeliveryModel:
    """`keep_days`: the marketplace's retention of webhook deliveries (its TTL)."""
    body = json.dumps(event, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return DeliveryModel(
        delivery_id_of(hook.webhook_id, str(event["id"])),
        webhook_id=hook.webhook_id,
        event_id=str(event["id"]),
        event_type=str(event["type"]),
        body=body,
        status="pending",
        attempts=0,
        created_at=iso(now),
        window_start=iso(now),
        next_attempt_at=iso(now),
        expires_at=now + timedelta(days=keep_days),
    )


def attempt(svc: Services, delivery_id: str, now: datetime) -> AttemptOutcome:
    """One wake-up of one delivery: wait longer, send once, or finish."""
    delivery = svc.store.get(DeliveryModel, delivery_id)
    if delivery is None or delivery.status != "pending":
        return AttemptOutcome(delivery_id, "done")
    wait = (parse_iso(delivery.next_attempt_at) - now).total_seconds()
    if wait > 1:
        svc.webhook_queue.wake(delivery_id, delay=int(min(wait, MAX_QUEUE_DELAY)))
        return AttemptOutcome(delivery_id, "waiting")
    hook = svc.store.get(WebhookModel, delivery.webhook_id)
    if hook is None:  # the seller removed the endpoint meanwhile
        svc.store.update(delivery, [DeliveryModel.status.set("cancelled")])
        return AttemptOutcome(delivery_id, "cancelled")
    seen = int(delivery.attempts or 0)
    try:  # one sender per attempt, even when a wake-up arrives twice
        svc.store.update(
            delivery,
            [DeliveryModel.attempts.set(seen + 1), DeliveryModel.last_attempt_at.set(iso(now))],
            condition=(DeliveryModel.attempts == seen) & (DeliveryModel.status == "pending"),
        )
    except ConditionFailed:
        return AttemptOutcome(delivery_id, "done")
    result = send(svc, hook, delivery.body, delivery.event_id, delivery.event_type, now)
    if result.ok:
        svc.store.update(
            delivery,
            [
                DeliveryModel.status.set("delivered"),
                DeliveryModel.delivered_at.set(iso(now)),
                DeliveryModel.last_status.set(result.status),
                DeliveryModel.last_error.remove(),
            ],
        )
        count("WebhookDeliveries", {"Outcome": "delivered"})
        return AttemptOutcome(delivery_id, "delivered", result.status)
    error = result.error or f"HTTP {result.status}: {result.snippet[:120]}"
    count("WebhookDeliveryFailures")
    window = timedelta(hours=svc.settings.webhook_retry_hours)
    retry_until = parse_iso(delivery.window_start) + window
    next_at = now + timedelta(seconds=backoff(seen + 1, svc.settings.webhook_backoff_seconds))
    facts = [
        DeliveryModel.last_error.set(error[:300]),
        DeliveryModel.last_status.set(result.status)
        if result.status is not None
        else DeliveryModel.last_status.remove(),
    ]
    if next_at > retry_until:
        svc.store.update(delivery, [*facts, DeliveryModel.status.set("dead")])
        count("WebhookDeadLetters")
        log.warning(
            "webhook delivery dead-lettered",
            extra={"delivery_id": delivery_id, "attempts": seen + 1, "error": error[:200]},
        )
        return AttemptOutcome(delivery_id, "dead", result.status, error)
    svc.store.update(delivery, [*facts, DeliveryModel.next_attempt_at.set(iso(next_at))])
    svc.webhook_queue.wake(
        delivery_id, delay=int(min((next_at - now).total_seconds(), MAX_QUEUE_DELAY))
    )
    return AttemptOutcome(delivery_id, "retrying", result.status, error)


def send(
    svc: Services, hook: WebhookModel, body: str, event_id: str, event_type: str, now: datetime
) -> Any:
    data = body.encode("utf-8")
    headers = {
        SIGNATURE_HEADER: sign(hook.secret, int(now.timestamp()), data),
        EVENT_ID_HEADER: event_id,
        EVENT_TYPE_HEADER: event_type,
    }
    return svc.webhook_client.post(hook.url, data, headers)


def redrive(svc: Services, webhook_id: str, now: datetime) -> list[str]:
    """Operators: give every dead delivery of an endpoint a fresh retry window."""
    moved = []
    for delivery in DeliveryModel.by_webhook.query(webhook_id):
        if delivery.status != "dead":
            continue
        try:
            svc.store.update(
                delivery,
                [
                    DeliveryModel.status.set("pending"),
                    DeliveryModel.window_start.set(iso(now)),
                    DeliveryModel.next_attempt_at.set(iso(now)),
                ],
                condition=DeliveryModel.status == "dead",
            )
        except ConditionFailed:
            continue  # another redrive took it
        svc.webhook_queue.wake(delivery.delivery_id)
        moved.append(delivery.delivery_id)
    return moved


def handle_record(svc: Services, body: str, now: datetime) -> Any:
    """One queue record: an event from the bus (its EventBridge envelope) or a wake-up."""
    payload = json.loads(body)
    if not isinstance(payload, dict):
        raise ValueError("queue record is not a JSON object")
    if "delivery_id" in payload:
        return attempt(svc, str(payload["delivery_id"]), now)
    detail = payload.get("detail")
    if isinstance(detail, dict):
        return route(svc, detail, now)
    raise ValueError("queue record is neither an event nor a delivery wake-up")


def send_test(svc: Services, hook: WebhookModel, now: datetime) -> dict[str, Any]:
    """`POST /webhooks/{id}/test`: one signed `webhook.test` event, sent now, no retries."""
    import secrets

    event = {
        "id": f"evt_{secrets.token_hex(16)}",
        "type": "webhook.test",
        "version": "1",
        "occurred_at": iso(now),
        "marketplace": svc.settings.marketplace,
        "party": {"kind": "seller", "id": hook.seller_id},
        "data": {"webhook_id": hook.webhook_id},
    }
    delivery = _new_delivery(hook, event, now, svc.settings.retention.webhook_deliveries)
    result = send(svc, hook, delivery.body, delivery.event_id, delivery.event_type, now)
    delivery.attempts = 1
    delivery.last_attempt_at = iso(now)
    delivery.last_status = result.status
    delivery.status = "delivered" if result.ok else "failed"
    if result.ok:
        delivery.delivered_at = iso(now)
    else:
        delivery.last_error = (result.error or f"HTTP {result.status}")[:300]
    delivery.save()
    return {
        "delivery_id": delivery.delivery_id,
        "event_id": delivery.event_id,
        "delivered": result.ok,
        "status_code": result.status,
        "error": None if result.ok else delivery.last_error,
    }
