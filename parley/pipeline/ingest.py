"""Ingest: SES has stored the raw mail in S3; turn it into checked, stored message records."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from typing import TYPE_CHECKING, Any

from parley.adapters import keys
from parley.adapters.blobs import BlobNotFound
from parley.adapters.store import AliasModel, ConditionFailed, MessageModel, PairModel, Wanted
from parley.core.observability import count
from parley.core.settings import SHORT_RETENTION_TAG
from parley.core.time import now_iso, utcnow
from parley.directory.upkeep import keep_directory_until
from parley.mail.addresses import MalformedSender, Sender, normalize, strict_sender
from parley.mail.authentication import Authentication, Verdicts, authenticate
from parley.mail.onepass import parse_once
from parley.mail.parsing import (
    UnacceptableMessage,
    header,
    is_auto_submitted,
    message_ids,
    parse_headers,
    safe_file_name,
)
from parley.mail.stored import FileRef, NewFile, record_of, stored_ref
from parley.models.tables import TERMINAL_STATUSES, AttachmentMap, set_or_remove
from parley.pipeline.common import (
    finish,
    hand_over,
    log,
    may_notify,
    message_id_for,
    send_notice,
)
from parley.pipeline.events import sender_event
from parley.pipeline.ratelimit import take
from parley.pipeline.stored import keep
from parley.pipeline.threads import counterparts
from parley.policy.model import order_ids_in

if TYPE_CHECKING:
    from parley.app import Services


@dataclass(frozen=True)
class InboundMail:
    ses_message_id: str
    recipients: tuple[str, ...]
    timestamp: str
    source: str = ""
    verdicts: Verdicts = field(default_factory=Verdicts)
    message_type: str | None = None  # a typed message submitted through the message center
    order_id: str | None = None  # the conversation the message center already knows


@dataclass(frozen=True)
class IngestOutcome:
    message_id: str
    recipient: str
    status: str
    reason: str | None = None


class Rejection(Exception):
    def __init__(
        self,
        reason: str,
        notify: bool = True,
        locale: str | None = None,
        *,
        party: bool = False,
        detail: str | None = None,
        registered: tuple[PairModel, str, EmailMessage] | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.notify = notify  # worth telling the sender, if they authenticated
        self.locale = locale  # the sender's, when they are a registered party
        self.party = party  # the sender is the pair's authenticated party
        self.detail = detail  # for the record and the operator, never for the sender
        self.registered = registered  # (pair, direction, message) of a registered sender


def ingest(mail: InboundMail, svc: Services) -> list[IngestOutcome]:
    """Process every envelope recipient of one SES message. Safe to run again."""
    count("MessagesReceived")
    outcomes = []
    message: _Message | None = None
    recipients = list(dict.fromkeys(normalize(r) for r in mail.recipients)) or [""]
    for recipient in recipients:
        message_id = message_id_for(mail.ses_message_id, recipient)
        record, alias = _open_record(svc, mail, recipient, message_id)
        if record.stage != "ingest":
            outcomes.append(_done_before(svc, record))
            continue
        if message is None:
            message = _Message.read(svc, mail)
        outcomes.append(_ingest_one(svc, mail, record, message, alias))
    if message is not None and message.raw is not None:
        _shorten_retention(svc, mail, outcomes)
    return outcomes


# Mail that reached no party: kept briefly (a lifecycle rule on the tag), not as evidence.
STRANGER_REASONS = frozenset(
    {
        "unknown-alias",
        "unauthorized-sender",
        "unauthenticated-sender",
        "malformed-sender",
        "spoofed-sender",
        "loop",
    }
)


def _shorten_retention(svc: Services, mail: InboundMail, outcomes: list[IngestOutcome]) -> None:
    """A message that every recipient rejected as not from a party is nobody's evidence: its
    raw copy gets the short-retention tag (the quarantine's days, not the messages')."""
    if not outcomes or any(
        o.status != "rejected" or o.reason not in STRANGER_REASONS for o in outcomes
    ):
        return
    key = keys.raw_key(mail.ses_message_id, svc.settings.raw_prefix)
    try:
        svc.blobs.tag(key, dict([SHORT_RETENTION_TAG]))
    except Exception:  # retention is housekeeping: the verdict stands without it
        log.warning("could not tag for short retention", extra={"key": key})


class _Message:
    """What one SES message is, read once for all of its recipients: the raw bytes, the
    parsed message (or why it cannot be), its one strict sender, and whether that sender's
    domain authenticated it (decided on first need: it may cost a DNS look-up)."""

    def __init__(
        self,
        raw: bytes | None,
        headers: Message | None,
        parsed: EmailMessage | None,
        error: UnacceptableMessage | BlobNotFound | None,
    ) -> None:
        self.raw, self.headers, self.parsed, self.error = raw, headers, parsed, error
        self.sender: Sender | None = None
        self.malformed: str | None = None
        if headers is not None:
            try:
                self.sender = strict_sender(headers, _head(raw or b""))
            except MalformedSender as exc:
                self.malformed = str(exc)
        self.auto = headers is not None and is_auto_submitted(headers)
        self.subject = header(headers, "Subject") if headers is not None else None
        self._authentication: Authentication | None = None

    @classmethod
    def read(cls, svc: Services, mail: InboundMail) -> _Message:
        raw = headers = parsed = None
        try:
            raw = svc.blobs.get(keys.raw_key(mail.ses_message_id, svc.settings.raw_prefix))
            headers = parse_headers(raw)
            parsed = parse_once(raw, svc.settings.max_message_bytes)
        except (UnacceptableMessage, BlobNotFound) as exc:
            return cls(raw, headers, None, exc)
        return cls(raw, headers, parsed, None)

    @property
    def address(self) -> str | None:
        return self.sender.address if self.sender else None

    def authentication(self, svc: Services, mail: InboundMail) -> Authentication:
        """DMARC-aligned authentication of the From domain (see mail.authentication)."""
        if self._authentication is None:
            if self.sender is None:
                return Authentication(aligned=False, accepted=False, method="no-sender")
            self._authentication = authenticate(
                from_domain=self.sender.domain,
                mail_from=mail.source,
                verdicts=mail.verdicts,
                raw=self.raw,
                lookup=svc.dns,
                mode=svc.settings.sender_authentication,
            )
        return self._authentication


def _head(raw: bytes) -> bytes:
    end = raw.find(b"\r\n\r\n")
    end = raw.find(b"\n\n") if end < 0 else end
    return raw[: end if end >= 0 else len(raw)]


def _open_record(
    svc: Services, mail: InboundMail, recipient: str, message_id: str
) -> tuple[MessageModel, AliasModel | None]:
    """The recipient's record as stored, or a new one that is not written yet, and the
    recipient's alias, read in one request. A new record is written once, with its outcome
    (`OUTCOME_CONDITION`): no claim write first, the read tells a repeated delivery."""
    wanted: list[Wanted] = [(MessageModel, message_id, True)]
    if recipient:
        wanted.append((AliasModel, recipient, False))
    found = svc.store.read_many(wanted)
    alias = found.get((AliasModel, recipient))
    existing = found.get((MessageModel, message_id))
    if isinstance(existing, MessageModel):
        return existing, alias if isinstance(alias, AliasModel) else None
    return _new_record(svc, mail, recipient, message_id), (
        alias if isinstance(alias, AliasModel) else None
    )


# The one write of an ingested record: it creates the record, or finishes one that a failed
# run left in the ingest stage (give_up's dead letter, replayed). A concurrent run of the same
# SES event that wrote first makes it fail: that run's outcome stands.
OUTCOME_CONDITION = MessageModel.message_id.does_not_exist() | (MessageModel.stage == "ingest")
_OPENING = (
    MessageModel.ses_message_id,
    MessageModel.recipient_alias,
    MessageModel.received_at,
    MessageModel.raw_key,
    MessageModel.message_type,
    MessageModel.expires_at,
)


def _opening(record: MessageModel) -> list[Any]:
    """What a record is from the start, written with its outcome (unchanged for one stored)."""
    return [set_or_remove(a, getattr(record, a.attr_name)) for a in _OPENING]


def _done_before(svc: Services, record: MessageModel) -> IngestOutcome:
    """A record an earlier run wrote. Accepted, it is handed over again (the hand-over may
    not have happened)."""
    if record.stage == "filter":
        hand_over(svc.filter_queue, record)
    return IngestOutcome(record.message_id, record.recipient_alias, record.status, record.reason)


def _new_record(svc: Services, mail: InboundMail, recipient: str, message_id: str) -> MessageModel:
    now = now_iso()
    record = MessageModel(
        message_id,
        ses_message_id=mail.ses_message_id,
        recipient_alias=recipient,
        received_at=mail.timestamp or now,
        updated_at=now,
        status="received",
        stage="ingest",
        raw_key=keys.raw_key(mail.ses_message_id, svc.settings.raw_prefix),
        message_type=mail.message_type,
        # The raw mail was stored just now: record and objects expire together.
        expires_at=svc.settings.retention.message_expiry(utcnow()),
    )
    return record


def _created_or_existing(
    svc: Services, mail: InboundMail, recipient: str, message_id: str
) -> MessageModel:
    record = _new_record(svc, mail, recipient, message_id)
    if svc.store.create(record, MessageModel.message_id):
        return record
    return _existing(svc, message_id)


def _existing(svc: Services, message_id: str) -> MessageModel:
    """The record a concurrent run of the same event wrote first."""
    existing = svc.store.get(MessageModel, message_id)
    assert existing is not None  # it was there a moment ago and records are never deleted
    return existing


def _ingest_one(
    svc: Services,
    mail: InboundMail,
    record: MessageModel,
    message: _Message,
    alias: AliasModel | None,
) -> IngestOutcome:
    try:
        return _judge(svc, mail, record, message, alias)
    except ConditionFailed:  # the outcome's write lost to a concurrent run of the same event
        return _done_before(svc, _existing(svc, record.message_id))


def _judge(
    svc: Services,
    mail: InboundMail,
    record: MessageModel,
    message: _Message,
    alias: AliasModel | None,
) -> IngestOutcome:
    try:
        if isinstance(message.error, BlobNotFound):
            raise Rejection("raw-missing", notify=False)
        if mail.verdicts.virus == "FAIL":
            raise Rejection("virus")
        if mail.verdicts.spoofed:
            raise Rejection("spoofed-sender", notify=False)
        if isinstance(message.error, UnacceptableMessage):
            raise Rejection(message.error.reason)
        assert message.parsed is not None
        if message.sender is None:
            # Not one clean mailbox: nobody to authenticate, nobody to answer.
            log.info("malformed sender", extra={"message_id": record.message_id})
            raise Rejection("malformed-sender", notify=False, detail=message.malformed)
        if message.sender.domain == svc.settings.relay_domain:
            raise Rejection("loop", notify=False)  # an alias or our own notice writing to us
        return _accept(svc, mail, record, message, alias)
    except Rejection as rejection:
        return _reject(svc, mail, record, rejection, message)


@dataclass(frozen=True)
class _Sender:
    """Who wrote, once ingest has checked it: the pair and the sides."""

    pair: PairModel
    kind: str  # the sender's side: "buyer" or "seller"
    recipient_side: str


def _accept(
    svc: Services,
    mail: InboundMail,
    record: MessageModel,
    message: _Message,
    alias: AliasModel | None,
) -> IngestOutcome:
    """Check the sender, file the message under its conversation, store its attachments once,
    record it (one write) and hand it to the filter."""
    assert message.sender is not None and message.parsed is not None
    sender = _check_sender(svc, mail, record, message, alias)
    parsed = message.parsed
    subject = header(parsed, "Subject") or ""
    in_reply_to = message_ids(header(parsed, "In-Reply-To"))
    order_id = mail.order_id or _conversation(svc, sender.pair, subject, in_reply_to, sender.kind)
    # The record expires after the messages retention; what it names must not go first.
    expiry = svc.settings.retention.message_expiry(utcnow())
    keep_directory_until(svc.store, sender.pair, order_id, expiry)
    own_ids = message_ids(header(parsed, "Message-ID"), limit=1)
    # SES's spam scan says FAIL: kept (with its files) for an operator, not relayed.
    quarantined = mail.verdicts.spam == "FAIL"
    status, stage = ("quarantined", "quarantine") if quarantined else ("accepted", "filter")
    files, compact = _store_record(svc, record, parsed, len(message.raw or b""), not quarantined)
    svc.store.update(
        record,
        [
            *_opening(record),
            MessageModel.status.set(status),
            MessageModel.pair_id.set(sender.pair.pair_id),
            set_or_remove(MessageModel.order_id, order_id),
            MessageModel.direction.set(f"{sender.kind}_to_{sender.recipient_side}"),
            MessageModel.subject.set(subject[:250]),
            MessageModel.attachments.set(files),
            set_or_remove(MessageModel.rfc_message_id, own_ids[0] if own_ids else None),
            set_or_remove(MessageModel.in_reply_to, in_reply_to[-1] if in_reply_to else None),
            set_or_remove(
                MessageModel.references, message_ids(header(parsed, "References")) or None
            ),
            MessageModel.auto_submitted.set(message.auto),
            MessageModel.updated_at.set(now_iso()),
            MessageModel.stage.set(stage),
            *([MessageModel.reason.set("spam")] if quarantined else []),
        ],
        condition=OUTCOME_CONDITION,
    )
    if quarantined:
        count("MessagesQuarantined")
        log.info("message quarantined", extra={"message_id": record.message_id})
        return IngestOutcome(record.message_id, record.recipient_alias, "quarantined", "spam")
    # Recorded first, then handed over: a crash in between is healed by the retry, which
    # finds the record in the filter stage and sends the reference again.
    hand_over(svc.filter_queue, record, compact)
    log.info("message accepted", extra={"message_id": record.message_id})
    return IngestOutcome(record.message_id, record.recipient_alias, "accepted")


def _check_sender(
    svc: Services,
    mail: InboundMail,
    record: MessageModel,
    message: _Message,
    alias: AliasModel | None,
) -> _Sender:
    """Only the other side's registered addresses, authenticated, within the rate limit."""
    assert message.sender is not None and message.parsed is not None
    sender_address = message.sender.address
    if alias is None:  # a guess, a typo or a harvested list: never answered (no reflection)
        raise Rejection("unknown-alias", notify=False)
    # The alias belongs to its side; only the other side's registered addresses may use it.
    sender_kind = "seller" if alias.side == "buyer" else "buyer"
    view, _found = svc.store.pair_view(alias.pair_id, sides=(sender_kind,))  # one request
    pair = view.pair
    if pair is None:
        raise Rejection("unknown-alias", notify=False)
    sender_party = view.party(sender_kind)
    allowed = (
        {normalize(a) for a in (sender_party.email, *(sender_party.authorized_senders or ()))}
        if sender_party
        else set()
    )
    if sender_address not in allowed:
        raise Rejection("unauthorized-sender")
    # The party's address, but is it the party? Only when the From domain vouches for it.
    authentication = message.authentication(svc, mail)
    if not authentication.accepted:
        raise Rejection("unauthenticated-sender", notify=False, detail=authentication.method)
    locale = sender_party.locale if sender_party else None
    limit = svc.settings.alias_hourly_limit
    if limit:
        rate = take(svc.store, f"{record.recipient_alias}|{sender_address}", limit, utcnow())
        if not rate.allowed:
            count("RateLimited")
            raise Rejection(
                "rate-limited",
                notify=rate.first_refusal,
                locale=locale,
                party=True,
                registered=(pair, f"{sender_kind}_to_{alias.side}", message.parsed),
            )
    return _Sender(pair, sender_kind, str(alias.side))


def _store_record(
    svc: Services, record: MessageModel, parsed: EmailMessage, raw_size: int, carry: bool
) -> tuple[list[AttachmentMap], bytes | None]:
    """The one parse kept for the filter and the relay: each attachment decoded once and
    stored as received (evidence), and the compact record naming them (parley.mail.stored),
    to carry in the queue record when it fits (else stored in S3: None)."""

    def store(new: NewFile) -> FileRef:
        key = keys.attachment_key(record.message_id, new.index, safe_file_name(new.name))
        svc.blobs.put(key, new.data, new.content_type)
        return stored_ref(key, new)

    compact = record_of(parsed, raw_size, store)
    files = [
        AttachmentMap(name=f.name, key=f.key, content_type=f.content_type, size=f.size)
        for f in compact.files
    ]
    return files, keep(svc, keys.record_key(record.message_id), compact, carry=carry)


def _conversation(
    svc: Services, pair: PairModel, subject: str, in_reply_to: list[str], sender_kind: str
) -> str | None:
    """The order the subject names, else the one of the message answered, else the latest."""
    mentioned = [o for o in order_ids_in(subject) if o in (pair.order_ids or set())]
    if mentioned:
        return mentioned[0]
    if in_reply_to:
        known = counterparts(svc.store, pair.pair_id, sender_kind, in_reply_to[-1:])
        for item in known.values():
            answered = svc.store.get(MessageModel, item.message_id, consistent=False)
            if answered is not None and answered.order_id:
                return answered.order_id
    return pair.latest_order_id


# A stranger's subject is quoted short in a notice: a notice must not carry their text.
STRANGER_SUBJECT_CHARS = 80


def _reject(
    svc: Services,
    mail: InboundMail,
    record: MessageModel,
    rejection: Rejection,
    message: _Message,
) -> IngestOutcome:
    address = message.address
    # Only an address whose domain authenticated the message (DMARC-aligned) is ever
    # answered: no backscatter to forged senders, no reflection through us to a victim.
    notify = (
        rejection.notify
        and may_notify(address, svc, message.auto)
        and message.authentication(svc, mail).aligned
    )
    if message.subject is not None:
        record.subject = message.subject[:250]
    notified = False
    if notify and address:
        locale = rejection.locale or svc.settings.default_locale  # may be a stranger
        notified = send_notice(
            svc,
            to=address,
            kind="rejected",
            record=record,
            locale=locale,
            reason=rejection.reason,
            quote_chars=None if rejection.party else STRANGER_SUBJECT_CHARS,
        )
    actions = [MessageModel.notice_sent.set(notified)]
    if record.subject is not None:
        actions.append(MessageModel.subject.set(record.subject))
    if rejection.detail:
        actions.append(MessageModel.last_error.set(rejection.detail[:500]))
    if rejection.registered is not None:  # a registered sender: its integrations hear of it
        pair, record.direction, parsed = rejection.registered
        event = sender_event(
            svc,
            "message.rejected",
            record,
            pair,
            parsed,
            status="rejected",
            reason=rejection.reason,
        )
        svc.events.publish(*event)
    actions += _opening(record)
    finish(
        svc,
        record,
        "rejected",
        reason=rejection.reason,
        actions=actions,
        condition=OUTCOME_CONDITION,
    )
    return IngestOutcome(record.message_id, record.recipient_alias, "rejected", rejection.reason)


def give_up(mail: InboundMail, error: str, svc: Services) -> list[str]:
    """Lambda stopped retrying ingest for this SES message: every recipient's record ends
    `dead_lettered` with the error (created if ingest never got that far), so that nothing
    stays silently unfinished. The record keeps its stage for reconcile and redrive."""
    finished = []
    recipients = list(dict.fromkeys(normalize(r) for r in mail.recipients)) or [""]
    for recipient in recipients:
        message_id = message_id_for(mail.ses_message_id, recipient)
        record = _created_or_existing(svc, mail, recipient, message_id)
        if record.status in TERMINAL_STATUSES:
            continue
        finish(
            svc,
            record,
            "dead_lettered",
            reason="ingest-failed",
            actions=[MessageModel.last_error.set(error[:500])],
        )
        finished.append(message_id)
    return finished
