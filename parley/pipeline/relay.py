"""Relay: compose the anonymized copy and send it through SES, exactly once."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import timedelta
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from parley.adapters.keys import delivered_attachment_key, delivered_key
from parley.adapters.mailer import PermanentSendError
from parley.adapters.queues import Reference
from parley.adapters.store import (
    ConditionFailed,
    MessageModel,
    OrderModel,
    PairModel,
    PairView,
    PartyModel,
)
from parley.core.image_tokens import ProxyLinks
from parley.core.observability import count
from parley.core.time import iso, now_iso, utcnow
from parley.directory.aliases import replacements_for
from parley.mail.compose import Composed, ComposeError, Envelope, compose_delivery
from parley.mail.names import client_name, name_replacements, shown_name
from parley.mail.parsing import UnacceptableMessage, header, safe_file_name
from parley.mail.plaintext import best_effort_text, rebuild_as_plain_text
from parley.mail.scrub import own_domains
from parley.models.tables import AttachmentMap, ViolationMap
from parley.pipeline.common import (
    RetryLater,
    attempt,
    finish,
    in_stage,
    load_record,
    log,
    pair_view_of,
    send_notice,
)
from parley.pipeline.events import content_of, delivered_events, sender_event
from parley.pipeline.stored import load_message
from parley.pipeline.threads import counterparts, remember, side_of_sender
from parley.responses import clocks
from parley.responses.intake import buyer_message_delivered

if TYPE_CHECKING:
    from parley.app import Services

# A claim older than this belongs to an attempt that died (Lambda timeout is far shorter).
CLAIM_LEASE = timedelta(minutes=15)


@dataclass(frozen=True)
class RelayOutcome:
    message_id: str
    status: str
    ses_message_id: str | None = None


def relay_message(
    message_id: str, svc: Services, receive_count: int = 1, hint: Reference | None = None
) -> RelayOutcome:
    with attempt(svc, message_id, receive_count):
        record, view = load_record(svc, message_id, hint)
        if record is None or not in_stage(record, "relay"):
            return RelayOutcome(message_id, record.status if record else "unknown")
        return _relay(
            svc, record, view, hint.carried(sanitized=bool(record.body_key)) if hint else None
        )


def _claim(svc: Services, record: MessageModel, facts: list[Any] | None = None) -> bool:
    """At most one attempt may call SES for a message: a conditional claim decides which.

    A claim left by an attempt that died between SES and the record write cannot tell
    whether SES sent: rather than risk a second copy, the message goes to the operators.
    """
    if record.relay_claimed_at is not None:
        if record.relay_claimed_at > iso(utcnow() - CLAIM_LEASE):
            raise RetryLater("another attempt holds the relay claim")
        finish(svc, record, "dead_lettered", reason="send-outcome-unknown")
        return False
    try:
        svc.store.update(
            record,
            [MessageModel.relay_claimed_at.set(now_iso()), *(facts or [])],
            condition=MessageModel.relay_claimed_at.does_not_exist()
            & (MessageModel.stage == "relay"),
        )
    except ConditionFailed:
        return False
    return True


def _record_sent(svc: Services, record: MessageModel, ses_message_id: str) -> None:
    """SES took the mail: write that down, trying harder than usual, because losing this
    write leaves only the dead-letter path (`send-outcome-unknown`) for a sent message."""
    for tries in range(4):
        try:
            svc.store.update(record, [MessageModel.ses_outbound_id.set(ses_message_id)])
            return
        except Exception:
            if tries == 3:
                log.error(
                    "sent, but could not record it",
                    extra={"message_id": record.message_id, "ses_message_id": ses_message_id},
                )
                raise
            time.sleep(0.2 * 2**tries)


def _release(svc: Services, record: MessageModel) -> None:
    svc.store.update(record, [MessageModel.relay_claimed_at.remove()])


@dataclass(frozen=True)
class Parties:
    """Who sends and who receives, with the aliases each side is known by."""

    pair: PairModel
    sender_side: str
    sender: PartyModel
    recipient: PartyModel
    order: OrderModel | None = None  # read with them, for the response clock

    @property
    def sender_alias(self) -> str:
        return str(self.pair.buyer_alias if self.sender_side == "buyer" else self.pair.seller_alias)

    @property
    def recipient_alias(self) -> str:
        return str(self.pair.seller_alias if self.sender_side == "buyer" else self.pair.buyer_alias)


def _relay(
    svc: Services, record: MessageModel, view: PairView | None, carried: bytes | None
) -> RelayOutcome:
    """Load the parties, address the copy, send it once, then record and keep time."""
    parties = _load_parties(svc, record, view)
    if isinstance(parties, RelayOutcome):
        return parties
    envelope = _envelope(svc, record, parties)
    copy = None  # the copy as delivered, when this attempt composed it
    if record.ses_outbound_id is None:  # not sent yet (a retry after sending skips this)
        sent = _send_once(svc, record, parties, envelope, carried)
        if isinstance(sent, RelayOutcome):
            return sent
        copy = sent
    return _delivered(svc, record, parties, envelope, copy)


def _load_parties(
    svc: Services, record: MessageModel, view: PairView | None
) -> Parties | RelayOutcome:
    assert record.pair_id and record.direction
    view = pair_view_of(svc, record, view)  # pair, parties and order: one request
    pair = view.pair
    if pair is None:
        finish(svc, record, "rejected", reason="pair-missing")
        return RelayOutcome(record.message_id, "rejected")
    sender_side = side_of_sender(record.direction)
    recipient_side = "seller" if sender_side == "buyer" else "buyer"
    sender = view.party(sender_side)
    recipient = view.party(recipient_side)
    if sender is None or recipient is None:
        finish(svc, record, "rejected", reason="party-missing")
        return RelayOutcome(record.message_id, "rejected")
    return Parties(pair, sender_side, sender, recipient, view.order)


def _envelope(svc: Services, record: MessageModel, parties: Parties) -> Envelope:
    """Aliases in From, the real recipient in To, thread ids mapped to what each side saw."""
    asked = record.thread_refs()
    mapped = (
        counterparts(svc.store, str(record.pair_id), parties.sender_side, asked) if asked else {}
    )
    references = tuple(
        dict.fromkeys(mapped[i.lower()].counterpart_id for i in asked if i.lower() in mapped)
    )
    replied = (record.in_reply_to or "").lower()
    sender_replacements = replacements_for(parties.sender, parties.sender_alias) | _own_domains(
        svc, parties
    )
    return Envelope(
        from_name=shown_name(parties.sender.name, parties.sender_side, svc.settings.display_name),
        from_alias=parties.sender_alias,
        to_address=svc.settings.support_address
        if record.redirected_to_support
        else parties.recipient.email,
        message_id=f"{record.message_id}@{svc.settings.relay_domain}",
        in_reply_to=mapped[replied].counterpart_id if replied in mapped else None,
        references=references,
        auto_submitted=record.auto_submitted,
        replacements=sender_replacements
        | replacements_for(parties.recipient, parties.recipient_alias),
        scrub=sender_replacements,
        remote_images=svc.settings.remote_images,
        image_proxy=_image_proxy(svc),
    )


def _image_proxy(svc: Services) -> ProxyLinks | None:
    """How a remote image URL is rewritten under `remoteImages: proxy` (None otherwise)."""
    settings = svc.settings
    if settings.remote_images != "proxy" or svc.image_proxy_key is None:
        return None
    key = svc.image_proxy_key.value()
    expires = int(utcnow().timestamp()) + settings.image_proxy_days * 86400
    return ProxyLinks(settings.image_proxy_url, expires, key)


def _warm_images(svc: Services, envelope: Envelope) -> None:
    """Right after sending: the proxy fetches the copy's images now, not when it is opened."""
    links = envelope.image_proxy
    if not isinstance(links, ProxyLinks) or not links.urls or svc.image_warmer is None:
        return
    try:
        svc.image_warmer(links.urls)
    except Exception as exc:  # the copy's images then stay unavailable (views never fetch)
        log.warning("image warm-up failed", extra={"error": type(exc).__name__})


def _compose(
    message: EmailMessage, envelope: Envelope, registered: str, *, critical: bool
) -> tuple[Composed, EmailMessage]:
    """The outbound copy (and the message it was made of); names the sender's mail program
    added are replaced as well. A critical message the composer refuses goes out as its text
    only (a critical message is never lost to a structure that fails the same way every time)."""
    names = name_replacements(registered, client_name(header(message, "From")), envelope.from_name)
    envelope = replace(envelope, names=names)
    try:
        return compose_delivery(message, envelope), message
    except ComposeError:
        if not critical:
            raise
    fallback = EmailMessage()
    for name, value in message.items():
        if not name.lower().startswith("content-") and name.lower() != "mime-version":
            fallback[name] = value
    rebuild_as_plain_text(fallback, best_effort_text(message))
    return compose_delivery(fallback, envelope), fallback


def _send_once(
    svc: Services,
    record: MessageModel,
    parties: Parties,
    envelope: Envelope,
    carried: bytes | None = None,
) -> RelayOutcome | EmailMessage:
    """Compose and send under the claim; the copy SES took (and that is recorded).
    `carried`: the compact record the queue record brought (the sanitized one when the
    policy rewrote the message: the caller checks which)."""
    try:
        sanitized = bool(record.body_key)
        message, _size = load_message(svc, record, sanitized=sanitized, carried=carried)
        composed, message = _compose(
            message, envelope, parties.sender.name, critical=record.category == "critical"
        )
        data = composed.data
    except (UnacceptableMessage, ComposeError) as exc:
        log.warning(
            "message could not be composed",
            extra={"message_id": record.message_id, "error": str(exc)[:200]},
        )
        return _refused(svc, record, parties, "unencodable", str(exc))
    if not svc.settings.ses_rewrites_message_id:
        # The copy keeps our Message-ID, so its thread mapping can exist before anyone
        # holds the copy: a reply, however fast, is recognized as one.
        own_id = envelope.message_id
        _remember(svc, record, parties.sender_side, [own_id], own_id)
    if not _claim(svc, record, _store_delivered(svc, record, composed)):
        return RelayOutcome(record.message_id, "duplicate")
    try:
        sent = svc.mailer.send_raw(
            sender=parties.sender_alias,
            recipient=envelope.to_address,
            data=data,
            tags={"parley_kind": "relay", "parley_message_id": record.message_id},
        )
    except PermanentSendError as exc:
        return _refused(svc, record, parties, "send-rejected", str(exc))
    except Exception:
        _release(svc, record)  # SES answered with an error or never got it: safe to retry
        raise
    # Recorded at once: whatever fails after this point is retried without sending again.
    _record_sent(svc, record, sent.ses_message_id)
    _warm_images(svc, envelope)
    return message  # compose_delivery made it the recipient's copy


def _delivered(
    svc: Services,
    record: MessageModel,
    parties: Parties,
    envelope: Envelope,
    copy: EmailMessage | None,
) -> RelayOutcome:
    ses_message_id = str(record.ses_outbound_id)
    own_id = envelope.message_id
    ses_visible = f"{ses_message_id}@{svc.settings.outbound_message_id_domain}"
    if svc.settings.ses_rewrites_message_id:  # only now is the id the recipient sees known
        _remember(svc, record, parties.sender_side, [own_id, ses_visible], ses_visible)
    status = "delivered_sanitized" if record.verdict == "deliver_sanitized" else "delivered"
    left_out = _uncleanable(record)
    if left_out:
        status = "delivered_sanitized"
    outbound_id = ses_visible if svc.settings.ses_rewrites_message_id else own_id
    content = content_of(svc, record, copy)
    svc.events.publish(*delivered_events(svc, record, parties.pair, content, status))
    finish(svc, record, status, actions=[MessageModel.outbound_message_id.set(outbound_id)])
    try:
        _keep_time(svc, record, parties, content)
        if record.message_type and record.order_id:  # what messaging actions still offer
            svc.store.update(
                OrderModel(record.order_id),
                [OrderModel.sent_types.add({record.message_type})],
                condition=OrderModel.order_id.exists(),
            )
    except Exception:  # the mail is out and recorded; a clock error must not undo that
        log.exception("response clock bookkeeping failed", extra={"message_id": record.message_id})
        count("ClockErrors")
    if left_out and not record.auto_submitted:
        _tell_uncleanable(svc, record, parties.sender, left_out)
    return RelayOutcome(record.message_id, status, ses_message_id)


def _remember(
    svc: Services, record: MessageModel, sender_side: str, visible: list[str], primary: str
) -> None:
    remember(
        svc.store,
        record,
        sender_side=sender_side,
        recipient_visible_ids=visible,
        recipient_primary_id=primary,
    )


def _keep_time(
    svc: Services, record: MessageModel, parties: Parties, content: tuple[str, str]
) -> None:
    """A delivered buyer message starts the response clock (see responses.intake: thanks,
    away); a seller's own answer stops it.

    Automatic mail (auto-replies, out-of-office) is delivered but never moves the clock.
    """
    if record.auto_submitted or record.redirected_to_support:
        return
    if record.direction == "buyer_to_seller":
        buyer, seller = parties.sender, parties.recipient
        buyer_message_delivered(
            svc, record, parties.pair, seller, buyer, content, order=parties.order
        )
    else:
        clocks.stop(svc, record.order_id, utcnow(), "answered")


def _refused(
    svc: Services, record: MessageModel, parties: Parties, reason: str, detail: str
) -> RelayOutcome:
    sender = parties.sender
    svc.events.publish(
        *sender_event(svc, "message.rejected", record, parties.pair, None, "rejected", reason)
    )
    notified = False
    if not record.auto_submitted:
        notified = send_notice(
            svc,
            to=sender.email,
            kind="rejected",
            record=record,
            locale=sender.locale,
            reason=reason,
        )
    finish(
        svc,
        record,
        "rejected",
        reason=reason,
        actions=[
            MessageModel.last_error.set(detail[:500]),
            MessageModel.notice_sent.set(notified),
        ],
    )
    return RelayOutcome(record.message_id, "rejected")


# -- the one delivered copy -------------------------------------------------------------------

UNCLEANABLE_RULE = "attachment-uncleanable"


def _own_domains(svc: Services, parties: Parties) -> dict[str, str]:
    """The sender's own domains (not a common mailbox provider's, not the recipient's)."""
    theirs = replacements_for(parties.recipient, "")
    exclude = {svc.settings.relay_domain, *(a.rpartition("@")[2] for a in theirs)}
    if svc.settings.support_address:
        exclude.add(svc.settings.support_address.rpartition("@")[2])
    return own_domains(replacements_for(parties.sender, ""), exclude)


def _store_delivered(svc: Services, record: MessageModel, composed: Composed) -> list[Any]:
    """Store exactly what is about to be sent, and each attachment as sent: every view the
    recipient has (downloads, API, history, digests, replies) reads these, never the
    original. Returns the record's facts, written together with the relay claim."""
    svc.blobs.put(delivered_key(record.message_id), composed.data, "message/rfc822")
    files = []
    for index, item in enumerate(composed.attachments):
        key = delivered_attachment_key(record.message_id, index, safe_file_name(item.name))
        svc.blobs.put(key, item.data, item.content_type)
        files.append(
            AttachmentMap(
                name=item.name, key=key, content_type=item.content_type, size=len(item.data)
            )
        )
    facts: list[Any] = [
        MessageModel.delivered_key.set(delivered_key(record.message_id)),
        MessageModel.delivered_subject.set(composed.subject[:250]),
        MessageModel.delivered_attachments.set(files),
    ]
    if composed.uncleanable:
        facts.append(MessageModel.violations.set(_with_uncleanable(record, composed.uncleanable)))
        facts.append(MessageModel.attachments.set(_mark_uncleanable(record, composed.uncleanable)))
    return facts


def _with_uncleanable(record: MessageModel, names: tuple[str, ...]) -> list[ViolationMap]:
    kept = [v for v in record.violations or [] if v.rule != UNCLEANABLE_RULE]
    added = [
        ViolationMap(
            rule=UNCLEANABLE_RULE, action="strip", evidence=f"{name}: could not be cleaned"
        )
        for name in names
    ]
    return [*kept, *added]


def _mark_uncleanable(record: MessageModel, names: tuple[str, ...]) -> list[AttachmentMap]:
    left_out = set(names)
    for item in record.attachments or []:
        if item.removed_by is None and item.name in left_out:
            item.removed_by = UNCLEANABLE_RULE
    return list(record.attachments or [])


def _uncleanable(record: MessageModel) -> list[str]:
    return [v.evidence for v in record.violations or [] if v.rule == UNCLEANABLE_RULE]


def _tell_uncleanable(
    svc: Services, record: MessageModel, sender: PartyModel, left_out: list[str]
) -> None:
    """The sender hears which files were left out (the mail itself went)."""
    from parley.policy.model import Action, Violation

    try:
        send_notice(
            svc,
            to=sender.email,
            kind="sanitized",
            record=record,
            locale=sender.locale,
            violations=[Violation(UNCLEANABLE_RULE, Action.STRIP, e) for e in left_out],
        )
    except Exception:  # the mail is out and recorded; a lost notice must not undo that
        log.exception("uncleanable notice failed", extra={"message_id": record.message_id})
