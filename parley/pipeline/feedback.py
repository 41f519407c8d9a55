"""What SES says after sending (configuration-set events): recorded on the message.

A hard bounce tells the original sender that the mail did not arrive; a complaint about a
seller's message is counted on the seller. Events about our own notices and reminders are
only logged: answering them could start a loop.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from parley.adapters.store import MessageModel, PairModel, PartyModel
from parley.core.observability import count
from parley.core.time import now_iso
from parley.pipeline.common import send_notice
from parley.pipeline.events import sender_event
from parley.pipeline.threads import side_of_sender

if TYPE_CHECKING:
    from parley.app import Services

log = logging.getLogger("parley")
_EVENTS = {
    "Bounce": "bounce",
    "Complaint": "complaint",
    "Delivery": "delivery",
    "Reject": "reject",
    "DeliveryDelay": "delivery_delay",
    "Send": "send",
}


@dataclass(frozen=True)
class FeedbackOutcome:
    kind: str
    message_id: str | None
    action: str


def _tag(mail: dict[str, Any], name: str) -> str | None:
    values = (mail.get("tags") or {}).get(name) or []
    return str(values[0]) if values else None


def record_feedback(svc: Services, detail: dict[str, Any]) -> FeedbackOutcome:
    kind = _EVENTS.get(str(detail.get("eventType") or detail.get("notificationType")), "other")
    mail = detail.get("mail") or {}
    count("SesEvents", {"Event": kind})
    if _tag(mail, "parley_kind") != "relay":
        return FeedbackOutcome(kind, None, "ignored")  # notices, reminders: never answered
    message_id = _tag(mail, "parley_message_id")
    record = svc.store.get(MessageModel, message_id) if message_id else None
    if record is None:
        log.warning("SES event for an unknown message", extra={"event": kind})
        return FeedbackOutcome(kind, message_id, "unknown-message")
    if kind in {"send", "other"}:
        return FeedbackOutcome(kind, message_id, "ignored")
    hard_bounce = kind == "bounce" and (detail.get("bounce") or {}).get("bounceType") == "Permanent"
    label = "hard_bounce" if hard_bounce else kind
    if record.feedback == label:
        return FeedbackOutcome(kind, message_id, "duplicate")  # events come at least once
    pair = svc.store.get(PairModel, record.pair_id, consistent=False) if record.pair_id else None
    if kind == "bounce":  # before it is recorded: a retry publishes again (same event id)
        svc.events.publish(*sender_event(svc, "message.bounced", record, pair, reason=label))
    svc.store.update(
        record, [MessageModel.feedback.set(label), MessageModel.feedback_at.set(now_iso())]
    )
    if pair is None or record.direction is None:
        return FeedbackOutcome(kind, message_id, "recorded")
    sender_kind = side_of_sender(record.direction)
    sender = svc.store.get(
        PartyModel, f"{sender_kind}:{pair.seller_id if sender_kind == 'seller' else pair.buyer_id}"
    )
    if kind == "complaint" and sender_kind == "seller" and sender is not None:
        svc.store.update(sender, [PartyModel.complaints.add(1)])
        return FeedbackOutcome(kind, message_id, "complaint-counted")
    if hard_bounce and sender is not None and not record.auto_submitted:
        send_notice(
            svc,
            to=sender.email,
            kind="rejected",
            record=record,
            locale=sender.locale,
            reason="recipient-bounced",
        )
        return FeedbackOutcome(kind, message_id, "sender-notified")
    return FeedbackOutcome(kind, message_id, "recorded")
