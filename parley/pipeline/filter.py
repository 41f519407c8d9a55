"""Filter: classify, apply the communication policy, hand deliverable messages to relay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from parley.adapters.store import MessageModel, OrderModel, PairModel, PartyModel
from parley.core.kinds import CRITICAL_KINDS
from parley.core.observability import count
from parley.core.time import now_iso, utcnow
from parley.mail.parsing import UnacceptableMessage, parse_message
from parley.models.tables import AttachmentMap, ViolationMap, set_or_remove
from parley.pipeline.common import attempt, finish, in_stage, log, party, send_notice
from parley.pipeline.threads import counterparts, side_of_sender
from parley.policy import Decision, PolicyContext, Verdict, evaluate
from parley.responses import clocks

if TYPE_CHECKING:
    from parley.app import Services

NO_RESPONSE_TAG = "[no response needed]"


@dataclass(frozen=True)
class FilterOutcome:
    message_id: str
    status: str
    verdict: str | None = None


def filter_message(message_id: str, svc: Services, receive_count: int = 1) -> FilterOutcome:
    with attempt(svc, message_id, receive_count):
        record = svc.store.get(MessageModel, message_id)
        if in_stage(record, "relay") and record is not None and not record.relay_claimed_at:
            svc.relay_queue.send_reference(message_id)  # heal a hand-over lost in a crash
        if record is None or not in_stage(record, "filter"):
            return FilterOutcome(message_id, record.status if record else "unknown")
        return _filter(svc, record)


def _filter(svc: Services, record: MessageModel) -> FilterOutcome:
    assert record.pair_id and record.direction
    pair = svc.store.get(PairModel, record.pair_id, consistent=False)
    raw = svc.blobs.get(record.raw_key)
    try:
        message = parse_message(raw, svc.settings.max_message_bytes)
    except UnacceptableMessage as exc:  # ingest parsed it; only a changed object lands here
        finish(svc, record, "rejected", reason=exc.reason)
        return FilterOutcome(record.message_id, "rejected")

    if record.direction == "seller_to_buyer" and NO_RESPONSE_TAG in (record.subject or "").lower():
        return _no_response_needed(svc, record, pair)
    sender_side = side_of_sender(record.direction)
    asked = record.thread_refs()
    known = counterparts(svc.store, record.pair_id, sender_side, asked) if asked else {}
    answered = [m for m in known.values() if m.direction == "buyer_to_seller"]
    order = svc.store.get(OrderModel, record.order_id) if record.order_id else None
    buyer = party(svc, "buyer", pair.buyer_id) if pair else None
    seller = party(svc, "seller", pair.seller_id) if pair else None
    sender = seller if sender_side == "seller" else buyer
    redirect = False
    if record.direction == "buyer_to_seller":
        if order is not None and order.cancelled_at:
            return _turn_away(svc, record, buyer, "order-cancelled")
        redirect = seller is not None and not seller.messaging_enabled()
        if redirect and not svc.settings.support_address:
            return _turn_away(svc, record, buyer, "seller-messaging-disabled")
    context = PolicyContext(
        direction=record.direction,
        is_reply=bool(answered),
        pair_order_ids=frozenset(pair.order_ids or ()) if pair else frozenset(),
        config=svc.policy,
        delivered_on=date.fromisoformat(order.delivered_on)
        if order and order.delivered_on
        else None,
        now=utcnow(),
        buyer_opted_out=bool(buyer and buyer.opted_out),
        buyer_locale=buyer.locale if buyer else None,
        review_requests_sent=int(order.review_requests or 0) if order else 0,
        seller_link_hosts=frozenset(seller.link_hosts or ()) if seller else frozenset(),
        relay_domain=svc.settings.relay_domain,
        raw_size=len(raw),
        declared_critical=record.message_type in CRITICAL_KINDS,
    )
    decision = evaluate(message, context)
    for violation in decision.violations:
        count("PolicyViolations", {"Rule": violation.rule, "Action": str(violation.action)})
    facts = [
        MessageModel.verdict.set(str(decision.verdict)),
        MessageModel.category.set(str(decision.category)),
        MessageModel.policy_version.set(decision.policy_version),
        set_or_remove(
            MessageModel.violations,
            [ViolationMap(**v.as_dict()) for v in decision.violations] or None,
        ),
    ]
    if answered:
        facts.append(MessageModel.answers_message_id.set(answered[-1].message_id))
    if decision.removed_attachments:
        facts.append(MessageModel.attachments.set(_mark_removed(record, decision)))
    if redirect:
        facts.append(MessageModel.redirected_to_support.set(True))

    if decision.verdict is Verdict.BLOCK:
        notified = _notify_sender(
            svc,
            record,
            sender,
            "blocked",
            decision,
        )
        finish(svc, record, "blocked", actions=[*facts, MessageModel.notice_sent.set(notified)])
        return FilterOutcome(record.message_id, "blocked", str(decision.verdict))

    if decision.category == "critical" and decision.modified and seller is not None:
        svc.store.update(seller, [PartyModel.sanitized_critical.add(1)])
    if decision.review_request and order is not None and record.direction == "seller_to_buyer":
        svc.store.update(order, [OrderModel.review_requests.add(1)])
    if decision.modified:
        body_key = f"messages/{record.message_id}/sanitized.eml"
        svc.blobs.put(body_key, message.as_bytes(), "message/rfc822")
        facts.append(MessageModel.body_key.set(body_key))
    notified = False
    if decision.verdict is Verdict.DELIVER_SANITIZED:
        notified = _notify_sender(svc, record, sender, "sanitized", decision)
    if redirect and sender is not None and not record.auto_submitted:  # who reads it now
        redirected = send_notice(
            svc, to=sender.email, kind="redirected", record=record, locale=sender.locale
        )
        notified = redirected or notified
    svc.store.update(
        record,
        [
            *facts,
            MessageModel.stage.set("relay"),
            MessageModel.updated_at.set(now_iso()),
            MessageModel.notice_sent.set(notified),
        ],
    )
    svc.relay_queue.send_reference(record.message_id)
    log.info(
        "message filtered",
        extra={
            "message_id": record.message_id,
            "verdict": str(decision.verdict),
            "rules": decision.rule_ids,
        },
    )
    return FilterOutcome(record.message_id, "filtered", str(decision.verdict))


def _no_response_needed(
    svc: Services, record: MessageModel, pair: PairModel | None
) -> FilterOutcome:
    """The seller's "[No response needed]" mail: stop the clock, tell the seller, relay nothing."""
    stopped = clocks.stop(svc.store, record.order_id, utcnow(), "no_response_needed")
    seller = party(svc, "seller", pair.seller_id) if pair else None
    notified = False
    if seller is not None and not record.auto_submitted:
        kind = "no_response" if stopped else "no_response_none"
        notified = send_notice(svc, to=seller.email, kind=kind, record=record, locale=seller.locale)
    finish(
        svc,
        record,
        "blocked",
        reason="no-response-needed",
        actions=[
            MessageModel.verdict.set("no_response_needed"),
            MessageModel.category.set("control"),
            MessageModel.notice_sent.set(notified),
        ],
    )
    return FilterOutcome(record.message_id, "blocked", "no_response_needed")


def _turn_away(
    svc: Services, record: MessageModel, buyer: PartyModel | None, reason: str
) -> FilterOutcome:
    """Buyer mail the seller must not get (cancelled order, messaging off, no support desk)."""
    notified = False
    if buyer is not None and not record.auto_submitted:
        notified = send_notice(
            svc, to=buyer.email, kind="rejected", record=record, locale=buyer.locale, reason=reason
        )
    finish(svc, record, "rejected", reason=reason, actions=[MessageModel.notice_sent.set(notified)])
    return FilterOutcome(record.message_id, "rejected")


def _mark_removed(record: MessageModel, decision: Decision) -> list[AttachmentMap]:
    """The stored attachments stay (evidence for disputes); the removed ones say by which rule."""
    removed_rule = {v.evidence.split(":")[0]: v.rule for v in decision.violations}
    for item in record.attachments or []:
        if item.name in decision.removed_attachments:
            item.removed_by = removed_rule.get(item.name, "unsafe-attachment")
    return list(record.attachments or [])


def _notify_sender(
    svc: Services, record: MessageModel, sender: PartyModel | None, kind: str, decision: Decision
) -> bool:
    if record.auto_submitted or sender is None:
        return False  # machines are never answered: no loops
    # Notices go to the registered address, never to whatever From the mail claimed.
    return send_notice(
        svc,
        to=sender.email,
        kind=kind,
        record=record,
        locale=sender.locale,
        violations=decision.violations,
    )
