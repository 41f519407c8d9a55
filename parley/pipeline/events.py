"""Build events from the records the stages keep (the pure event model is parley.events).

Subject and text are read from the copy as delivered (for a message that was not delivered:
as its sender wrote it); addresses masked."""

from __future__ import annotations

from email.message import EmailMessage
from typing import TYPE_CHECKING

from parley.adapters.blobs import BlobNotFound
from parley.core.time import now_iso
from parley.events.model import (
    Event,
    Party,
    conversation_path,
    excerpt,
    mask_addresses,
    message_path,
)
from parley.mail.parsing import UnacceptableMessage, parse_message
from parley.mail.text import readable
from parley.models.tables import ClockModel, MessageModel, PairModel

if TYPE_CHECKING:
    from parley.app import Services


def sender_and_recipient(record: MessageModel, pair: PairModel) -> tuple[Party, Party]:
    seller, buyer = Party("seller", pair.seller_id), Party("buyer", pair.buyer_id)
    return (seller, buyer) if record.direction == "seller_to_buyer" else (buyer, seller)


def content_of(
    svc: Services, record: MessageModel, copy: EmailMessage | bytes | None = None
) -> tuple[str, str]:
    """(subject, text) of the given copy, else of the stored one (the delivered copy first)."""
    try:
        if copy is None:
            copy = svc.blobs.get(record.delivered_key or record.body_key or record.raw_key)
        if isinstance(copy, bytes):
            copy = parse_message(copy, svc.settings.max_message_bytes)
        return readable(copy)
    except (BlobNotFound, UnacceptableMessage):
        return record.subject or "", ""


def message_event(
    svc: Services,
    event_type: str,
    record: MessageModel,
    party: Party,
    content: tuple[str, str],
    *,
    status: str | None = None,
    reason: str | None = None,
) -> Event:
    """A `message.*` event about `record` for `party`; `content` is (subject, text)."""
    own = record.direction is not None and record.direction.startswith(party.kind)
    subject, text = content
    delivered_names = [
        mask_addresses(a.name)
        for a in record.attachments or []
        if own or not a.removed_by  # the recipient never got what the policy removed
    ]
    show_violations = own and event_type in {"message.blocked", "message.sanitized"}
    data = {
        "message_id": record.message_id,
        "conversation_id": record.order_id,
        "direction": record.direction,
        "message_type": record.message_type,
        "category": record.category,
        "status": status or record.status,
        "verdict": record.verdict,
        "rules": sorted({v.rule for v in record.violations or []}),
        "violations": [
            {"rule": v.rule, "action": v.action, "evidence": mask_addresses(v.evidence)[:500]}
            for v in record.violations or []
        ]
        if show_violations
        else [],
        "reason": reason if reason is not None else record.reason,
        "subject": mask_addresses(subject)[:250],
        "excerpt": excerpt(text),
        "attachments": delivered_names,
        "received_at": record.received_at,
        "api_path": message_path(record.message_id),
    }
    return Event(
        type=event_type,
        party=party,
        data=data,
        occurred_at=now_iso(),
        marketplace=svc.settings.marketplace,
        key=record.message_id,
    )


def delivered_events(
    svc: Services, record: MessageModel, pair: PairModel, content: tuple[str, str], status: str
) -> list[Event]:
    """`message.sent` for the sender and `message.received` for the recipient (none when the
    marketplace's support desk got it instead of the seller)."""
    sender, recipient = sender_and_recipient(record, pair)
    events = [message_event(svc, "message.sent", record, sender, content, status=status)]
    if not record.redirected_to_support:
        events.append(
            message_event(svc, "message.received", record, recipient, content, status=status)
        )
    return events


def sender_event(
    svc: Services,
    event_type: str,
    record: MessageModel,
    pair: PairModel | None,
    copy: EmailMessage | bytes | None = None,
    status: str | None = None,
    reason: str | None = None,
) -> list[Event]:
    """An event for the message's sender (blocked, sanitized, rejected, bounced): none when
    the sender is not a registered party of a known pair."""
    if pair is None or record.direction is None:
        return []
    sender, _recipient = sender_and_recipient(record, pair)
    content = content_of(svc, record, copy)
    return [message_event(svc, event_type, record, sender, content, status=status, reason=reason)]


def clock_event(
    svc: Services,
    event_type: str,
    clock: ClockModel,
    *,
    stage: str | None = None,
    outcome: str | None = None,
    stopped_at: str | None = None,
    response_seconds: int | None = None,
    late: bool | None = None,
) -> Event:
    """A `response.*` event about one response clock, for its seller."""
    data: dict[str, object] = {
        "conversation_id": clock.order_id,
        "clock_id": clock.clock_id,
        "message_ids": list(clock.message_ids or []),
        "subject": mask_addresses(clock.subject or "")[:250],
        "received_at": clock.received_at,
        "deadline_at": clock.deadline_at,
        "api_path": conversation_path(clock.order_id),
    }
    key = clock.clock_id
    if event_type == "response.reminder":
        data["stage"] = stage
        key = f"{clock.clock_id}|{stage}"
    if event_type == "response.stopped":
        data |= {
            "outcome": outcome,
            "stopped_at": stopped_at,
            "response_seconds": response_seconds,
            "late": late,
        }
        key = f"{clock.clock_id}|{outcome}|{stopped_at}"
    return Event(
        type=event_type,
        party=Party("seller", clock.seller_id),
        data=data,
        occurred_at=now_iso(),
        marketplace=svc.settings.marketplace,
        key=key,
    )


def reminder_event(svc: Services, clock: ClockModel, stage: str) -> Event:
    """`response.reminder` (first, last) or `response.overdue` for a reminder stage."""
    if stage == "overdue":
        return clock_event(svc, "response.overdue", clock)
    return clock_event(svc, "response.reminder", clock, stage=stage)
