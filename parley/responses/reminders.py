"""The reminder sweep: read the clocks that are due (never the whole table), claim each stage
once, and send every seller one digest per sweep in their language."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from parley.adapters.mailer import PermanentSendError
from parley.adapters.store import ClockModel, ConditionFailed, PairModel, PartyModel
from parley.core.i18n import language, text
from parley.core.ids import party_key
from parley.core.observability import count
from parley.core.time import iso, parse_iso
from parley.mail.addresses import formatted
from parley.mail.names import shown_name
from parley.mail.outbound import AUTO_GENERATED, Outbound, build
from parley.models.tables import set_or_remove
from parley.pipeline.events import reminder_event
from parley.responses.clocks import SHARDS, running_clocks, schedule
from parley.responses.deadlines import STAGES, due_stage, stage_times

if TYPE_CHECKING:
    from parley.app import Services

log = logging.getLogger("parley")


@dataclass
class SweepResult:
    items_read: int = 0
    queries: int = 0
    reminders: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STAGES, 0))
    digests_sent: int = 0
    undeliverable: int = 0
    clocks_running: int = 0

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class DueEntry:
    clock: ClockModel
    stage: str


def sweep(svc: Services, now: datetime) -> SweepResult:
    """One sweep at `now`. Safe to run twice at once: each stage is claimed conditionally."""
    result = SweepResult()
    claimed: dict[str, list[DueEntry]] = defaultdict(list)
    for shard in range(SHARDS):
        result.queries += 1
        for clock in svc.store.due_clocks(str(shard), iso(now)):
            result.items_read += 1
            entry = _claim(svc, clock, now)
            if entry is not None:
                claimed[clock.seller_id].append(entry)
    for seller_id, entries in claimed.items():
        _send_digest(svc, seller_id, entries, now, result)
    result.clocks_running = running_clocks(svc.store)
    count("ClocksRunning", value=result.clocks_running)
    return result


def _claim(svc: Services, clock: ClockModel, now: datetime) -> DueEntry | None:
    times = stage_times(parse_iso(clock.received_at), parse_iso(clock.deadline_at), svc.deadlines)
    sent = set(clock.stages_sent or ())
    stage = due_stage(times, sent, now)
    if stage is None:
        return None
    # Older stages a late sweep skipped are marked too: each is sent at most once, or never.
    marked = {s for s in STAGES[: STAGES.index(stage) + 1] if s in times} - sent
    _next, next_due = schedule(clock.received_at, clock.deadline_at, sent | marked, svc.deadlines)
    # Published before the claim: a sweep that dies after it cannot lose the event, and a
    # second sweep publishes the same event id.
    svc.events.publish(reminder_event(svc, clock, stage))
    try:
        svc.store.update(
            clock,
            [
                ClockModel.stages_sent.add(marked),
                set_or_remove(ClockModel.next_due_at, next_due),
                *([ClockModel.shard.remove()] if next_due is None else []),
            ],
            condition=(ClockModel.status == "open") & ~ClockModel.stages_sent.contains(stage),
        )
    except ConditionFailed:
        return None  # another sweep sent it, or the seller answered meanwhile
    return DueEntry(clock, stage)


def _duration(delta: timedelta) -> str:
    minutes = int(abs(delta).total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"


def render_digest(
    entries: list[tuple[DueEntry, str, str]], locale: str | None, tz: ZoneInfo, now: datetime
) -> tuple[str, str]:
    """(subject, text) of one seller's digest. entries: (entry, buyer first name, alias)."""
    lang = language(locale)

    def words(key: str) -> str:
        return text(f"digest.{key}", lang)

    lines = [words("intro"), ""]
    for entry, first_name, alias in entries:
        clock = entry.clock
        due = parse_iso(clock.deadline_at)
        received = parse_iso(clock.received_at).astimezone(tz)
        left = due - now
        remaining = (
            _duration(left) if left.total_seconds() > 0 else f"{words('late_by')} {_duration(left)}"
        )
        lines += [
            f"- {words('order')} {clock.order_id} ({words(entry.stage)})",
            f"  {words('buyer')}: {first_name}",
            f"  {words('subject_label')}: {clock.subject or '-'}",
            f"  {words('received')}: {received:%Y-%m-%d %H:%M %Z}",
            f"  {words('deadline')}: {due.astimezone(tz):%Y-%m-%d %H:%M %Z}",
            f"  {words('left')}: {remaining}",
            f"  {words('reply_to')}: {alias}",
            "",
        ]
    lines += ["-- ", words("footer")]
    return text("digest.subject", lang, n=len(entries)), "\n".join(lines) + "\n"


def _send_digest(
    svc: Services, seller_id: str, entries: list[DueEntry], now: datetime, result: SweepResult
) -> None:
    seller = svc.store.get(PartyModel, party_key("seller", seller_id), consistent=False)
    rows = []
    for entry in entries:
        pair = svc.store.get(PairModel, entry.clock.pair_id, consistent=False)
        buyer = svc.store.get(PartyModel, f"buyer:{entry.clock.buyer_id}", consistent=False)
        name = shown_name(buyer.name, "buyer", svc.settings.display_name) if buyer else ""
        rows.append((entry, name or "-", pair.buyer_alias if pair else "-"))
    to = (seller.notification_email or seller.email) if seller else None
    delivered = False
    if to:
        subject, text = render_digest(
            rows, seller.locale if seller else None, ZoneInfo(svc.deadlines.timezone), now
        )
        digest = Outbound(
            from_header=formatted(
                f"{svc.settings.marketplace_name} Messaging", svc.settings.notice_sender
            ),
            to=to,
            subject=subject,
            text=text,
            message_id_domain=svc.settings.relay_domain,
            auto_submitted=AUTO_GENERATED,
            date=now,
        )
        try:
            svc.mailer.send_raw(
                sender=svc.settings.notice_sender,
                recipient=to,
                data=build(digest).as_bytes(),
                tags={"parley_kind": "reminder"},
            )
            delivered = True
            result.digests_sent += 1
        except PermanentSendError as exc:
            log.warning("reminder digest refused", extra={"seller_id": seller_id, "code": exc.code})
    for entry in entries:
        if delivered:
            result.reminders[entry.stage] += 1
            count("RemindersSent", {"Stage": entry.stage})
        else:  # recorded, never silently skipped
            result.undeliverable += 1
            svc.store.update(entry.clock, [ClockModel.undeliverable.add({entry.stage})])
            count("RemindersUndeliverable", {"Stage": entry.stage})
