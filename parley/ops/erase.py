"""Erasure (GDPR Art. 17): one party's personal data out of every store, with a legal hold for
named orders and an audit record that holds no personal data.

The walk is generic: a conversation's message records lead to every S3 object of a message
(its raw mail and everything under `messages/<id>/`, whatever a stage put there), to its
thread-id mappings and to its response clock. Safe to run again: what is already erased is
skipped and not counted, and the party's own record goes last, so an interrupted run still
knows whom to look for when it is repeated.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from parley.adapters import keys
from parley.adapters.blobs import BlobNotFound
from parley.adapters.store import (
    ClockModel,
    MessageModel,
    OrderModel,
    PairModel,
    PartyModel,
    ThreadIdModel,
)
from parley.core.ids import PARTY_ID_FORMAT, party_key
from parley.core.time import iso, utcnow
from parley.mail.redaction import ERASED, Identity, redact_message, redact_text
from parley.models.tables import (
    ERASED_PAIR,
    AliasModel,
    AttachmentMap,
    ViolationMap,
)
from parley.pipeline.threads import thread_key
from parley.responses import clocks

if TYPE_CHECKING:
    from parley.app import Services

ERASURE_REASON = "erasure"
# What is reported, in this order (a class with nothing to erase reports 0).
CLASSES = (
    "party",
    "settings",
    "aliases",
    "pairs",
    "messages_sent",
    "messages_received",
    "objects_deleted",
    "objects_redacted",
    "attachments",
    "thread_ids",
    "clocks",
    "counters",
    "uploads",
    "exports",
    "templates",
    "webhooks",
    "webhook_deliveries",
)
SETTINGS = (
    "authorized_senders",
    "notification_email",
    "notification_email_pending",
    "opted_out",
    "link_hosts",
    "fulfillment",
    "messaging_enabled_setting",
    "locale",
)


class ErasureError(ValueError):
    """The request names no valid party, or an order that is not theirs."""


@dataclass(frozen=True)
class Party:
    kind: str
    party_id: str

    @property
    def key(self) -> str:
        return party_key(self.kind, self.party_id)

    @classmethod
    def parse(cls, value: str) -> Party:
        kind, _, party_id = value.partition(":")
        if kind not in {"buyer", "seller"} or not PARTY_ID_FORMAT.match(party_id):
            raise ErasureError(f"party {value!r} must look like buyer:B1 or seller:S1")
        return cls(kind, party_id)


@dataclass
class Erasure:
    party: str
    at: str
    counts: Counter[str] = field(default_factory=Counter)
    held: dict[str, str] = field(default_factory=dict)  # order id -> held until
    audit_key: str | None = None

    @property
    def nothing_new(self) -> bool:
        return not any(self.counts.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "party": self.party,
            "erased_at": self.at,
            "erased": {name: self.counts.get(name, 0) for name in CLASSES},
            "held_orders": dict(sorted(self.held.items())),
            "nothing_new": self.nothing_new,
            "audit": self.audit_key,
        }


def hold_key(party: Party) -> str:
    return keys.hold_key(party.kind, party.party_id)


def erase_party(
    svc: Services,
    party_ref: str,
    *,
    keep_evidence_for: Sequence[str] = (),
    operator: str = "operator",
    now: datetime | None = None,
) -> Erasure:
    party = Party.parse(party_ref)
    moment = now or utcnow()
    report = Erasure(party.key, iso(moment))
    item = svc.store.get(PartyModel, party.key)
    hold = _read_hold(svc, party)
    identity = _identity(item, hold)
    orders = list(svc.store.orders_of(party.kind, party.party_id))
    mine = {o.order_id for o in orders}
    foreign = sorted(set(keep_evidence_for) - mine)
    if foreign:
        raise ErasureError(f"not orders of {party.key}: {', '.join(foreign)}")
    held = set(keep_evidence_for)
    until = iso(svc.settings.retention.message_expiry(moment))
    for order in orders:
        records = list(svc.store.messages_of_order(order.order_id))
        if order.order_id in held:
            report.held[order.order_id] = _hold(svc, records, until, hold)
            continue
        for record in records:
            _erase_message(svc, record, party, identity, report.counts)
        _erase_clocks(svc, party, order, records, report.counts, moment)
    pairs = sorted({o.pair_id for o in orders})
    for pair_id in pairs:
        _erase_pair(svc, pair_id, moment, report.counts)
    if identity is not None:
        report.counts["counters"] += svc.store.delete_counters_mentioning(identity.addresses)
    report.counts["uploads"] += svc.blobs.delete_prefix(
        keys.party_prefix(keys.UPLOADS, party.kind, party.party_id)
    )
    report.counts["exports"] += svc.blobs.delete_prefix(
        keys.party_prefix(keys.EXPORTS, party.kind, party.party_id)
    )
    if party.kind == "seller":
        report.counts["templates"] += svc.store.delete_templates(party.party_id)
    _erase_webhooks(svc, party, orders, identity, report.counts)
    _write_hold(svc, party, identity, report.held, hold)
    if item is not None:
        report.counts["settings"] += sum(
            1 for name in SETTINGS if getattr(item, name, None) not in (None, False, set())
        )
        svc.store.delete(item)
        report.counts["party"] += 1
    report.audit_key = _audit(svc, report, operator, moment)
    return report


def _erase_webhooks(
    svc: Services,
    party: Party,
    orders: Sequence[OrderModel],
    identity: Identity | None,
    counts: Counter[str],
) -> None:
    """A seller's endpoints and every delivery to them go; for a buyer, the deliveries to
    their sellers' endpoints that tell of their conversations (30 days at most) go."""
    from parley.models.tables import DeliveryModel
    from parley.webhooks.registry import of_seller

    if party.kind == "seller":
        for hook in of_seller(party.party_id):
            for delivery in DeliveryModel.by_webhook.query(hook.webhook_id):
                delivery.delete()
                counts["webhook_deliveries"] += 1
            hook.delete()
            counts["webhooks"] += 1
        return
    conversations = {o.order_id for o in orders}
    mentions = [*conversations, *(identity.addresses if identity else ())]
    names = identity.names if identity else ()
    for seller_id in sorted({o.seller_id for o in orders}):
        for hook in of_seller(seller_id):
            for delivery in DeliveryModel.by_webhook.query(hook.webhook_id):
                body = delivery.body or ""
                if any(m and m in body for m in mentions) or any(n in body for n in names):
                    delivery.delete()
                    counts["webhook_deliveries"] += 1


def _identity(item: PartyModel | None, hold: dict[str, Any] | None) -> Identity | None:
    if item is not None:
        addresses = [item.email, *(item.authorized_senders or ())]
        if item.notification_email:
            addresses.append(item.notification_email)
        if item.notification_email_pending:
            addresses.append(item.notification_email_pending)
        return Identity.of(item.name, addresses)
    if hold is not None:  # a hold kept what identifies them until the evidence is released
        return Identity.of(str(hold.get("name", "")), list(hold.get("addresses", [])))
    return None


def _erase_message(
    svc: Services,
    record: MessageModel,
    party: Party,
    identity: Identity | None,
    counts: Counter[str],
) -> None:
    if record.erased_at:
        return
    sent = (record.direction or "").startswith(party.kind)
    blobs = svc.blobs
    counts["objects_deleted"] += blobs.delete_prefix(keys.message_prefix(record.message_id))
    _forget_thread_ids(svc, record, counts)
    actions: list[Any] = [
        MessageModel.erased_at.set(iso(utcnow())),
        MessageModel.body_key.remove(),
        MessageModel.last_error.remove(),
        # the delivered copy and its files went with the message's prefix
        MessageModel.delivered_key.remove(),
        MessageModel.delivered_attachments.remove(),
    ]
    files = record.attachments or []
    counts["attachments"] += sum(1 for a in files if a.key)
    if sent:
        # Their own words: nothing of it stays, not for the other party either.
        counts["objects_deleted"] += blobs.delete([record.raw_key])
        counts["messages_sent"] += 1
        actions += [
            MessageModel.subject.remove(),
            MessageModel.delivered_subject.remove(),
            MessageModel.sender_name.remove(),
            MessageModel.rfc_message_id.remove(),
            MessageModel.in_reply_to.remove(),
            MessageModel.references.remove(),
            MessageModel.attachments.set([_removed(ERASED, a) for a in files]),
            MessageModel.violations.set([_violation(v, None) for v in record.violations or []]),
        ]
    else:
        # The other party's words stay in their copy, with this party taken out of them.
        counts["messages_received"] += 1
        if identity is not None and _redact_object(svc, record.raw_key, identity):
            counts["objects_redacted"] += 1
            # A rewritten object starts a new lifecycle: its record expires with it.
            actions.append(
                MessageModel.expires_at.set(svc.settings.retention.message_expiry(utcnow()))
            )
        subject = record.subject
        if subject and identity is not None:
            subject = redact_text(subject, identity)[0]
        delivered_subject = record.delivered_subject
        if delivered_subject and identity is not None:
            delivered_subject = redact_text(delivered_subject, identity)[0]
        actions += [
            MessageModel.subject.set(subject) if subject else MessageModel.subject.remove(),
            MessageModel.delivered_subject.set(delivered_subject)
            if delivered_subject
            else MessageModel.delivered_subject.remove(),
            MessageModel.attachments.set(
                [
                    _removed(redact_text(a.name, identity)[0] if identity else ERASED, a)
                    for a in files
                ]
            ),
            MessageModel.violations.set([_violation(v, identity) for v in record.violations or []]),
        ]
    svc.store.update(record, actions)


def _removed(name: str, attachment: AttachmentMap) -> AttachmentMap:
    return AttachmentMap(  # type: ignore[no-untyped-call]
        name=name,
        key="",
        content_type=attachment.content_type,
        size=int(attachment.size),
        removed_by=ERASURE_REASON,
    )


def _violation(violation: ViolationMap, identity: Identity | None) -> ViolationMap:
    evidence = redact_text(violation.evidence, identity)[0] if identity else ERASED
    return ViolationMap(  # type: ignore[no-untyped-call]
        rule=violation.rule, action=violation.action, evidence=evidence
    )


def _redact_object(svc: Services, key: str, identity: Identity) -> bool:
    try:
        data, content_type, _metadata = svc.blobs.get_with_metadata(key)
    except BlobNotFound:
        return False
    redacted = redact_message(data, identity)
    if redacted == data:
        return False
    svc.blobs.put(key, redacted, content_type or "message/rfc822")
    return True


def _forget_thread_ids(svc: Services, record: MessageModel, counts: Counter[str]) -> None:
    """The mappings this message made (ids it carried, the ids its copy carried)."""
    if not record.pair_id:
        return
    ids = [record.rfc_message_id, f"{record.message_id}@{svc.settings.relay_domain}"]
    if record.ses_outbound_id:
        ids.append(f"{record.ses_outbound_id}@{svc.settings.outbound_message_id_domain}")
    if record.outbound_message_id:
        ids.append(record.outbound_message_id)
    keys = [thread_key(record.pair_id, i) for i in ids if i]
    counts["thread_ids"] += svc.store.delete_existing(ThreadIdModel, keys)


def _erase_clocks(
    svc: Services,
    party: Party,
    order: OrderModel,
    records: Iterable[MessageModel],
    counts: Counter[str],
    moment: datetime,
) -> None:
    """A buyer's clocks stay as the seller's figures, without the subject; a seller's go."""
    ids = [f"{order.order_id}#{r.message_id}" for r in records]
    for clock in svc.store.batch_get(ClockModel, ids):
        if clock.status == "open":
            clocks.stop(svc, order.order_id, moment, "erased")
            clock.refresh()
        if party.kind == "seller":
            svc.store.delete(clock)
            counts["clocks"] += 1
        elif clock.subject:
            svc.store.update(clock, [ClockModel.subject.remove()])
            counts["clocks"] += 1


def _erase_pair(svc: Services, pair_id: str, moment: datetime, counts: Counter[str]) -> None:
    """The pair's aliases stop working and are never handed out again (the tombstone stays)."""
    pair = svc.store.get(PairModel, pair_id)
    if pair is None:
        return
    for alias in (pair.buyer_alias, pair.seller_alias):
        item = svc.store.get(AliasModel, alias)
        if item is not None and item.pair_id != ERASED_PAIR:
            svc.store.update(
                item,
                [
                    AliasModel.pair_id.set(ERASED_PAIR),
                    AliasModel.erased_at.set(iso(moment)),
                    AliasModel.expires_at.remove(),
                ],
            )
            counts["aliases"] += 1
    if not pair.erased_at:
        svc.store.update(pair, [PairModel.erased_at.set(iso(moment))])
        counts["pairs"] += 1


def _hold(
    svc: Services, records: list[MessageModel], until: str, hold: dict[str, Any] | None
) -> str:
    """Evidence for a named dispute stays whole until the hold ends: objects and records get
    a fresh lifecycle that ends then (a repeated erase without the order lifts it)."""
    previous = (hold or {}).get("orders", {})
    if isinstance(previous, dict) and previous.get(records[0].order_id if records else ""):
        return str(previous[records[0].order_id])
    expiry = svc.settings.retention.message_expiry(utcnow())
    for record in records:
        stored = [record.raw_key, *svc.blobs.keys(keys.message_prefix(record.message_id))]
        for key in stored:
            svc.blobs.refresh(key, {"legal-hold-until": until})
        svc.store.update(record, [MessageModel.expires_at.set(expiry)])
    return until


def _read_hold(svc: Services, party: Party) -> dict[str, Any] | None:
    try:
        data = json.loads(svc.blobs.get(hold_key(party)))
    except BlobNotFound:
        return None
    return data if isinstance(data, dict) else None


def _write_hold(
    svc: Services,
    party: Party,
    identity: Identity | None,
    held: dict[str, str],
    previous: dict[str, Any] | None,
) -> None:
    """While evidence is held, what identifies the party is kept with it (to finish the
    erasure when the hold is lifted); without holds, nothing is kept."""
    if not held:
        if previous is not None:
            svc.blobs.delete([hold_key(party)])
        return
    body = {
        "party": party.key,
        "name": " ".join(identity.names[:1]) if identity else "",
        "addresses": list(identity.addresses) if identity else [],
        "orders": held,
    }
    svc.blobs.put(hold_key(party), json.dumps(body).encode(), "application/json")


def _audit(svc: Services, report: Erasure, operator: str, moment: datetime) -> str:
    """Who was erased (the marketplace's id), by whom, when, how many items of each class."""
    key = keys.audit_key(f"{moment:%Y/%m/%d/%H%M%S}", uuid.uuid4().hex[:12])
    body = {
        "action": "erase",
        "party": report.party,
        "operator": operator,
        "at": report.at,
        "erased": {name: report.counts.get(name, 0) for name in CLASSES},
        "held_orders": sorted(report.held),
    }
    svc.blobs.put(key, json.dumps(body, sort_keys=True).encode(), "application/json")
    return key
