"""What every stage shares: record transitions, notices, dead-lettering."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from parley.adapters.mailer import PermanentSendError
from parley.adapters.queues import Reference, StageQueue
from parley.adapters.store import MessageModel, PairView, PartyModel
from parley.core.ids import party_key
from parley.core.observability import count
from parley.core.time import now_iso, utcnow
from parley.mail.addresses import domain_of
from parley.policy.model import Violation

if TYPE_CHECKING:
    from parley.app import Services

log = logging.getLogger("parley")

_STATUS_METRICS = {
    "delivered": "MessagesDelivered",
    "delivered_sanitized": "MessagesSanitized",
    "blocked": "MessagesBlocked",
    "rejected": "MessagesRejected",
    "dead_lettered": "MessagesDeadLettered",
}


class RetryLater(Exception):
    """Another attempt is working on this message right now; the queue brings it back."""


def message_id_for(ses_message_id: str, recipient: str) -> str:
    """One record per (SES message, recipient): deterministic, so retries find it."""
    digest = hashlib.sha256(recipient.lower().encode()).hexdigest()[:10]
    return f"{ses_message_id}-{digest}"


def finish(
    svc: Services,
    record: MessageModel,
    status: str,
    *,
    reason: str | None = None,
    actions: Sequence[Any] = (),
    condition: Any = None,
) -> None:
    """Move a record to a terminal status.

    Delivered, blocked and rejected records leave the in-flight index. A dead-lettered one
    keeps its stage, so that a redrive resumes exactly there.
    """
    updates = [
        MessageModel.status.set(status),
        MessageModel.updated_at.set(now_iso()),
        *actions,
    ]
    if status != "dead_lettered":
        updates.append(MessageModel.stage.remove())
    if reason is not None:
        updates.append(MessageModel.reason.set(reason))
    svc.store.update(record, updates, condition=condition)
    count(_STATUS_METRICS[status], {"Reason": reason} if status == "rejected" and reason else None)
    log.info(
        "message finished",
        extra={"message_id": record.message_id, "status": status, "reason": reason},
    )


def may_notify(address: str | None, svc: Services, auto_submitted: bool) -> bool:
    """Never answer machines, ourselves or nobody: no loops, no backscatter."""
    if not address or auto_submitted:
        return False
    local = address.partition("@")[0].lower()
    if local in {"mailer-daemon", "postmaster", "no-reply", "noreply"}:
        return False
    return domain_of(address) != svc.settings.relay_domain


def send_notice(
    svc: Services,
    *,
    to: str,
    kind: str,
    record: MessageModel,
    locale: str | None,
    reason: str | None = None,
    violations: Sequence[Violation] = (),
    quote_chars: int | None = None,
) -> bool:
    """Send one notice; a permanent SES refusal is logged, never retried forever.

    At most `notice_hourly_limit` notices an hour go to one address, whatever they are
    about: nobody can make us mail someone in bulk. `quote_chars` bounds how much of the
    subject is quoted (a stranger's text must not ride on our notice).
    """
    from parley.pipeline.notices import NoticeFacts, compose_notice  # most messages never need one

    if not _within_notice_limit(svc, to, record):
        return False
    facts = NoticeFacts(
        kind=kind,
        locale=locale,
        subject=_quoted(record.subject or "", quote_chars),
        received_at=record.received_at,
        order_id=record.order_id,
        reason=reason,
        violations=violations,
    )
    data = compose_notice(
        facts,
        sender=svc.settings.notice_sender,
        sender_name=f"{svc.settings.marketplace_name} Messaging",
        to=to,
    )
    try:
        svc.mailer.send_raw(
            sender=svc.settings.notice_sender,
            recipient=to,
            data=data,
            tags={"parley_kind": "notice"},
        )
    except PermanentSendError as exc:
        log.warning(
            "notice refused by SES", extra={"message_id": record.message_id, "code": exc.code}
        )
        return False
    return True


def _within_notice_limit(svc: Services, to: str, record: MessageModel) -> bool:
    """At most `notice_hourly_limit` notices an hour to one address, whatever they are about."""
    from parley.pipeline.ratelimit import take

    limit = svc.settings.notice_hourly_limit
    if limit and not take(svc.store, f"notice|{to.lower()}", limit, utcnow()).allowed:
        count("NoticesRateLimited")
        log.info("notice rate-limited", extra={"message_id": record.message_id})
        return False
    return True


def _quoted(subject: str, quote_chars: int | None) -> str:
    if quote_chars is not None and len(subject) > quote_chars:
        return subject[: quote_chars - 1].rstrip() + "…"
    return subject


def in_stage(record: MessageModel | None, stage: str) -> bool:
    """Whether this stage still owes the record work (duplicates and late retries: no)."""
    return record is not None and record.stage == stage


def party(svc: Services, kind: str, party_id: str) -> PartyModel | None:
    return svc.store.get(PartyModel, party_key(kind, party_id), consistent=False)


def hand_over(
    queue: StageQueue, record: MessageModel, compact: bytes | None = None, sanitized: bool = False
) -> None:
    """Queue the record for the next stage, naming its pair and order, so that the next stage
    reads the record and what it needs about the pair in one request; with the compact record
    when it fits (parley.pipeline.stored.keep), so that the next stage reads no S3 object."""
    queue.send_reference(
        record.message_id,
        pair_id=record.pair_id,
        order_id=record.order_id,
        record=compact,
        sanitized=sanitized,
    )


def load_record(
    svc: Services, message_id: str, hint: Reference | None = None
) -> tuple[MessageModel | None, PairView | None]:
    """The message record, read consistently, and, when the queue record names the pair,
    the pair's view from the same BatchGetItem."""
    if hint is None or not hint.pair_id:
        return svc.store.get(MessageModel, message_id), None
    view, found = svc.store.pair_view(
        hint.pair_id, hint.order_id, also=[(MessageModel, message_id, True)]
    )
    record = found.get((MessageModel, message_id))
    return (record if isinstance(record, MessageModel) else None), view


def pair_view_of(svc: Services, record: MessageModel, view: PairView | None) -> PairView:
    """The view read with the record when it is the record's pair and order, else one read."""
    assert record.pair_id
    if view is not None and (view.pair_id, view.order_id) == (record.pair_id, record.order_id):
        return view
    return svc.store.pair_view(record.pair_id, record.order_id)[0]


@contextmanager
def attempt(svc: Services, message_id: str, receive_count: int) -> Iterator[None]:
    """Run one delivery attempt; on the last allowed one, record `dead_lettered` first.

    The queue then moves the record to its dead-letter queue, where operators see it and
    can redrive it; the record says why.
    """
    try:
        yield
    except Exception as exc:
        if receive_count >= svc.settings.max_receive_count:
            record = svc.store.get(MessageModel, message_id)
            if record is not None and record.stage is not None:
                try:
                    finish(
                        svc,
                        record,
                        "dead_lettered",
                        reason="retries-exhausted",
                        actions=[MessageModel.last_error.set(repr(exc)[:500])],
                    )
                except Exception:  # the original error matters more
                    log.exception("could not record dead-lettering")
        raise
