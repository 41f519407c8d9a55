"""Filter: classify, apply the communication policy, hand deliverable messages to relay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from parley.adapters import keys
from parley.adapters.queues import Reference
from parley.adapters.store import MessageModel, OrderModel, PairModel, PairView, PartyModel
from parley.core.kinds import CRITICAL_KINDS
from parley.core.observability import count
from parley.core.time import now_iso, parse_iso, utcnow
from parley.mail.parsing import UnacceptableMessage
from parley.mail.plaintext import best_effort_text, rebuild_as_plain_text
from parley.models.tables import AttachmentMap, ThreadIdModel, ViolationMap, set_or_remove
from parley.pipeline.common import (
    attempt,
    finish,
    hand_over,
    in_stage,
    load_record,
    log,
    pair_view_of,
    send_notice,
)
from parley.pipeline.events import sender_event
from parley.pipeline.stored import keep_sanitized_record, load_message
from parley.pipeline.threads import counterparts, side_of_sender
from parley.policy import Decision, PolicyContext, Verdict, evaluate
from parley.policy.engine import fallback
from parley.policy.model import UNPROCESSABLE
from parley.responses import clocks

if TYPE_CHECKING:
    from parley.app import Services

NO_RESPONSE_TAG = "[no response needed]"


@dataclass(frozen=True)
class FilterOutcome:
    message_id: str
    status: str
    verdict: str | None = None


def filter_message(
    message_id: str, svc: Services, receive_count: int = 1, hint: Reference | None = None
) -> FilterOutcome:
    with attempt(svc, message_id, receive_count):
        record, view = load_record(svc, message_id, hint)
        if in_stage(record, "relay") and record is not None and not record.relay_claimed_at:
            hand_over(svc.relay_queue, record)  # heal a hand-over lost in a crash
        if record is None or not in_stage(record, "filter"):
            return FilterOutcome(message_id, record.status if record else "unknown")
        return _filter(svc, record, view, hint.carried(sanitized=False) if hint else None)


@dataclass
class Situation:
    """What the filter knows about a message before the policy looks at it."""

    record: MessageModel
    message: EmailMessage
    raw_size: int
    pair: PairModel | None
    order: OrderModel | None
    buyer: PartyModel | None
    seller: PartyModel | None
    answered: list[ThreadIdModel]
    # the compact record to carry to the relay: ingest's as it came, or the sanitized one
    carried: bytes | None = None
    carried_sanitized: bool = False

    @property
    def sender(self) -> PartyModel | None:
        return self.seller if side_of_sender(str(self.record.direction)) == "seller" else self.buyer


def _filter(
    svc: Services, record: MessageModel, view: PairView | None, carried: bytes | None
) -> FilterOutcome:
    """Load, route, judge, then block or hand over: each step below is one of these."""
    situation = _load(svc, record, view, carried)
    if isinstance(situation, FilterOutcome):
        return situation
    if record.direction == "seller_to_buyer" and NO_RESPONSE_TAG in (record.subject or "").lower():
        return _no_response_needed(svc, record, situation.seller)
    route = _route_buyer_mail(svc, situation)
    if isinstance(route, FilterOutcome):
        return route
    redirect = route
    decision = _judge(svc, situation)
    if decision is None:
        return _unprocessable(svc, situation)
    for violation in decision.violations:
        count("PolicyViolations", {"Rule": violation.rule, "Action": str(violation.action)})
    facts = _decision_facts(situation, decision, redirect)
    if decision.verdict is Verdict.BLOCK:
        return _block(svc, situation, decision, facts)
    _count_for_the_order(svc, situation, decision)
    facts += _keep_sanitized_copy(svc, situation, decision)
    notified = _tell_the_sender(svc, situation, decision, redirect)
    return _hand_to_relay(svc, situation, decision, facts, notified)


def _load(
    svc: Services, record: MessageModel, view: PairView | None, carried: bytes | None
) -> Situation | FilterOutcome:
    assert record.pair_id and record.direction
    view = pair_view_of(svc, record, view)  # pair, parties and order: one request
    try:  # ingest's one parse
        message, raw_size = load_message(svc, record, files=True, carried=carried)
    except UnacceptableMessage as exc:  # ingest parsed it; only a changed object lands here
        finish(svc, record, "rejected", reason=exc.reason)
        return FilterOutcome(record.message_id, "rejected")
    asked = record.thread_refs()
    sender_side = side_of_sender(record.direction)
    known = counterparts(svc.store, record.pair_id, sender_side, asked) if asked else {}
    return Situation(
        record=record,
        message=message,
        raw_size=raw_size,
        pair=view.pair,
        order=view.order,
        buyer=view.buyer if view.pair else None,
        seller=view.seller if view.pair else None,
        carried=carried,
        answered=_recent_buyer_messages(
            svc, [m for m in known.values() if m.direction == "buyer_to_seller"]
        ),
    )


def _recent_buyer_messages(svc: Services, answered: list[ThreadIdModel]) -> list[ThreadIdModel]:
    """The buyer messages this one answers that arrived within the reply window: a seller's
    References to an old buyer message does not make a message a reply forever."""
    if not answered:
        return []
    window = timedelta(days=svc.policy.reply_window_days)
    found = svc.store.batch_get(MessageModel, [m.message_id for m in answered])
    received = {m.message_id: m.received_at for m in found if m.received_at}
    oldest = utcnow() - window
    return [
        m
        for m in answered
        if m.message_id in received and parse_iso(received[m.message_id]) >= oldest
    ]


def _route_buyer_mail(svc: Services, situation: Situation) -> bool | FilterOutcome:
    """Buyer mail for a cancelled order or a seller without messaging: turned away, or
    redirected to the support desk (True)."""
    record, order, seller = situation.record, situation.order, situation.seller
    if record.direction != "buyer_to_seller":
        return False
    if order is not None and order.cancelled_at:
        return _turn_away(svc, situation, "order-cancelled")
    redirect = seller is not None and not seller.messaging_enabled()
    if redirect and not svc.settings.support_address:
        return _turn_away(svc, situation, "seller-messaging-disabled")
    return redirect


def _policy_context(svc: Services, situation: Situation) -> PolicyContext:
    record, pair, order = situation.record, situation.pair, situation.order
    buyer, seller = situation.buyer, situation.seller
    return PolicyContext(
        direction=str(record.direction),
        is_reply=bool(situation.answered),
        pair_order_ids=frozenset(pair.order_ids or ()) if pair else frozenset(),
        config=svc.policy,
        delivered_on=date.fromisoformat(order.delivered_on)
        if order and order.delivered_on
        else None,
        now=utcnow(),
        buyer_opted_out=bool(buyer and buyer.opted_out),
        buyer_locale=buyer.locale if buyer else None,
        review_requests_sent=int(order.review_requests or 0) if order else 0,
        seller_link_hosts=approved_link_hosts(seller),
        relay_domain=svc.settings.relay_domain,
        raw_size=situation.raw_size,
        declared_critical=record.message_type in CRITICAL_KINDS,
    )


def _judge(svc: Services, situation: Situation) -> Decision | None:
    """The policy's decision. Evaluation is pure: an error in it happens again on every retry,
    so it never burns one. A critical message is still delivered (as text/plain only); for
    anything else the answer is None, and the message ends `rejected`, `unprocessable`."""
    context = _policy_context(svc, situation)
    try:
        return evaluate(situation.message, context)
    except Exception as exc:
        log.warning(
            "policy could not evaluate the message",
            extra={"message_id": situation.record.message_id, "error": repr(exc)},
        )
        return fallback(situation.message, context, exc)


def _unprocessable(svc: Services, situation: Situation) -> FilterOutcome:
    record, sender = situation.record, situation.sender
    notified = False
    if sender is not None and not record.auto_submitted:
        notified = send_notice(
            svc,
            to=sender.email,
            kind="rejected",
            record=record,
            locale=sender.locale,
            reason=UNPROCESSABLE,
        )
    finish(
        svc,
        record,
        "rejected",
        reason=UNPROCESSABLE,
        actions=[MessageModel.notice_sent.set(notified)],
    )
    return FilterOutcome(record.message_id, "rejected")


def approved_link_hosts(seller: PartyModel | None) -> frozenset[str]:
    """The seller's link hosts that an operator approved (and the seller still asks for)."""
    if seller is None:
        return frozenset()
    return frozenset(seller.link_hosts or ()) & frozenset(seller.approved_link_hosts or ())


def _decision_facts(situation: Situation, decision: Decision, redirect: bool) -> list[Any]:
    """The verdict as record updates (written with the block or with the hand-over)."""
    record = situation.record
    facts = [
        MessageModel.verdict.set(str(decision.verdict)),
        MessageModel.category.set(str(decision.category)),
        MessageModel.policy_version.set(decision.policy_version),
        set_or_remove(
            MessageModel.violations,
            [ViolationMap(**v.as_dict()) for v in decision.violations] or None,
        ),
    ]
    if situation.answered:
        facts.append(MessageModel.answers_message_id.set(situation.answered[-1].message_id))
    if decision.removed_attachments:
        facts.append(MessageModel.attachments.set(_mark_removed(record, decision)))
    if redirect:
        facts.append(MessageModel.redirected_to_support.set(True))
    # The verdict on the record in hand too: the events are built from it before it is written.
    record.verdict, record.category = str(decision.verdict), str(decision.category)
    record.violations = [ViolationMap(**v.as_dict()) for v in decision.violations] or None
    return facts


def _block(
    svc: Services, situation: Situation, decision: Decision, facts: list[Any]
) -> FilterOutcome:
    record = situation.record
    blocked = sender_event(
        svc, "message.blocked", record, situation.pair, situation.message, status="blocked"
    )
    svc.events.publish(*blocked)
    notified = _notify_sender(svc, record, situation.sender, "blocked", decision)
    if situation.order is not None and record.direction == "seller_to_buyer":  # the inbox filter
        svc.store.update(situation.order, [OrderModel.blocked_ids.add({record.message_id})])
    finish(svc, record, "blocked", actions=[*facts, MessageModel.notice_sent.set(notified)])
    return FilterOutcome(record.message_id, "blocked", str(decision.verdict))


def _count_for_the_order(svc: Services, situation: Situation, decision: Decision) -> None:
    """Sanitized critical messages count against the seller; review requests against the order."""
    seller, order = situation.seller, situation.order
    if decision.category == "critical" and decision.modified and seller is not None:
        svc.store.update(seller, [PartyModel.sanitized_critical.add(1)])
    if (
        decision.review_request
        and order is not None
        and situation.record.direction == "seller_to_buyer"
    ):
        svc.store.update(order, [OrderModel.review_requests.add(1)])


def _keep_sanitized_copy(svc: Services, situation: Situation, decision: Decision) -> list[Any]:
    if not decision.modified:
        return []
    body_key = keys.sanitized_key(situation.record.message_id)
    try:
        data = situation.message.as_bytes()
    except Exception:  # a structure the serializer refuses: the text survives, plainly
        rebuild_as_plain_text(situation.message, best_effort_text(situation.message))
        data = situation.message.as_bytes()
    svc.blobs.put(body_key, data, "message/rfc822")  # for people (history, the sender's view)
    situation.carried = keep_sanitized_record(
        svc, situation.record, situation.message, situation.raw_size
    )
    situation.carried_sanitized = True
    return [MessageModel.body_key.set(body_key)]


def _tell_the_sender(
    svc: Services, situation: Situation, decision: Decision, redirect: bool
) -> bool:
    """What was removed, and who reads the mail now when the seller does not."""
    record, sender = situation.record, situation.sender
    notified = False
    if decision.verdict is Verdict.DELIVER_SANITIZED:
        svc.events.publish(
            *sender_event(
                svc, "message.sanitized", record, situation.pair, situation.message, "in_progress"
            )
        )
        notified = _notify_sender(svc, record, sender, "sanitized", decision)
    if redirect and sender is not None and not record.auto_submitted:
        redirected = send_notice(
            svc, to=sender.email, kind="redirected", record=record, locale=sender.locale
        )
        notified = redirected or notified
    return notified


def _hand_to_relay(
    svc: Services, situation: Situation, decision: Decision, facts: list[Any], notified: bool
) -> FilterOutcome:
    record = situation.record
    svc.store.update(
        record,
        [
            *facts,
            MessageModel.stage.set("relay"),
            MessageModel.updated_at.set(now_iso()),
            MessageModel.notice_sent.set(notified),
        ],
    )
    hand_over(svc.relay_queue, record, situation.carried, situation.carried_sanitized)
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
    svc: Services, record: MessageModel, seller: PartyModel | None
) -> FilterOutcome:
    """The seller's "[No response needed]" mail: stop the clock, tell the seller, relay nothing."""
    stopped = clocks.stop(svc, record.order_id, utcnow(), "no_response_needed")
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


def _turn_away(svc: Services, situation: Situation, reason: str) -> FilterOutcome:
    """Buyer mail the seller must not get (cancelled order, messaging off, no support desk)."""
    record, buyer = situation.record, situation.buyer
    svc.events.publish(
        *sender_event(
            svc, "message.rejected", record, situation.pair, situation.message, "rejected", reason
        )
    )
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
