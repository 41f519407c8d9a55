"""Away mode: a seller away from `from` until `until` has buyers answered once per conversation
with their away message, from the seller's alias, through the same ingest and policy as any
seller mail (marked `Auto-Submitted: auto-replied`, so it never moves the response clock)."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from parley.adapters import keys
from parley.adapters.store import ConditionFailed
from parley.core.time import iso, now_iso, parse_iso, utcnow
from parley.mail.addresses import formatted
from parley.mail.outbound import AUTO_REPLIED, Outbound, build
from parley.models.tables import MessageModel, OrderModel, PairModel, PartyModel

if TYPE_CHECKING:
    from parley.app import Services

LANGUAGES = ("en", "de")
MAX_MESSAGE = 500
MAX_AWAY = timedelta(days=90)
KEEP_PERIODS = 20


class AwayError(ValueError):
    def __init__(self, message: str, field: str = "away") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Away:
    start: datetime
    until: datetime
    messages: dict[str, str]

    @property
    def period(self) -> str:
        return f"{iso(self.start)}/{iso(self.until)}"

    def covers(self, at: datetime) -> bool:
        return self.start <= at < self.until

    def message_for(self, locale: str | None) -> str:
        lang = (locale or "en")[:2].lower()
        fallback = next(iter(self.messages.values()), "")
        return self.messages.get(lang) or self.messages.get("en") or fallback

    def as_dict(self) -> dict[str, Any]:
        return {"from": iso(self.start), "until": iso(self.until), "message": dict(self.messages)}


def away_of(seller: PartyModel | None) -> Away | None:
    if seller is None or not seller.away_from or not seller.away_until:
        return None
    return Away(
        parse_iso(seller.away_from),
        parse_iso(seller.away_until),
        json.loads(seller.away_messages or "{}") or {"en": ""},
    )


def parse_away(value: Any, now: datetime) -> Away | None:
    """The `away` setting as sent (None clears it); AwayError names what is wrong."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {"from", "until", "message"}:
        raise AwayError("an object with from, until and message")
    try:
        start = parse_iso(str(value.get("from") or iso(now)))
        until = parse_iso(str(value["until"]))
    except (KeyError, ValueError) as exc:
        raise AwayError("from and until are ISO 8601 times with a zone", "away.until") from exc
    if start.tzinfo is None or until.tzinfo is None:
        raise AwayError("from and until need a time zone (e.g. Z)", "away.until")
    if until <= start or until <= now:
        raise AwayError("until must be after from and in the future", "away.until")
    if until - start > MAX_AWAY:
        raise AwayError("at most 90 days", "away.until")
    messages = value.get("message")
    if isinstance(messages, str):
        messages = {"en": messages}
    if not isinstance(messages, dict) or not messages:
        raise AwayError('a message per language, e.g. {"en": "...", "de": "..."}', "away.message")
    cleaned = {}
    for lang, text in messages.items():
        if lang not in LANGUAGES:
            raise AwayError(f"languages: {', '.join(LANGUAGES)}", "away.message")
        if not isinstance(text, str) or not 1 <= len(text.strip()) <= MAX_MESSAGE:
            raise AwayError(f"1-{MAX_MESSAGE} characters per language", "away.message")
        cleaned[lang] = text.strip()
    return Away(start, until, cleaned)


def set_away(svc: Services, seller: PartyModel, away: Away | None) -> None:
    """Store (or clear) the seller's away setting; periods are kept for the stats."""
    if away is None:
        actions = [
            PartyModel.away_from.remove(),
            PartyModel.away_until.remove(),
            PartyModel.away_messages.remove(),
        ]
        current = away_of(seller)
        if current is not None and current.start <= utcnow() < current.until:
            # ended early: the recorded period ends now
            actions.append(_replace_period(seller, current, Away(current.start, utcnow(), {})))
        svc.store.update(seller, actions)
        return
    periods = [str(p) for p in seller.away_periods or []]
    periods = [p for p in periods if p != (away_of(seller) or away).period]
    periods = [*periods, away.period][-KEEP_PERIODS:]
    svc.store.update(
        seller,
        [
            PartyModel.away_from.set(iso(away.start)),
            PartyModel.away_until.set(iso(away.until)),
            PartyModel.away_messages.set(json.dumps(away.messages, ensure_ascii=False)),
            PartyModel.away_periods.set(periods),  # type: ignore[arg-type]
        ],
    )


def _replace_period(seller: PartyModel, old: Away, new: Away) -> Any:
    periods = [new.period if str(p) == old.period else str(p) for p in seller.away_periods or []]
    return PartyModel.away_periods.set(periods)  # type: ignore[arg-type]


def periods_since(seller: PartyModel | None, since: datetime) -> list[dict[str, str]]:
    shown = []
    for period in (seller.away_periods if seller else None) or []:
        start, _, until = str(period).partition("/")
        if until and parse_iso(until) >= since:
            shown.append({"from": start, "until": until})
    return shown


def counts_from(seller: PartyModel | None, received: datetime, pauses: bool) -> datetime:
    """When a new clock starts counting: at the seller's return when away pauses the clock."""
    away = away_of(seller) if pauses else None
    return away.until if away is not None and away.covers(received) else received


def reply_if_away(
    svc: Services,
    record: MessageModel,
    pair: PairModel,
    seller: PartyModel,
    buyer: PartyModel,
    now: datetime,
) -> str | None:
    """Answer a delivered buyer message with the away message, once per conversation and
    away period. Returns the submitted message id, or None."""
    away = away_of(seller)
    if (
        away is None
        or not away.covers(now)
        or record.direction != "buyer_to_seller"
        or record.auto_submitted
        or not record.order_id
    ):
        return None
    try:  # once per conversation and period, however often the buyer writes
        svc.store.update(
            OrderModel(record.order_id),
            [OrderModel.away_replied.set(away.period)],
            condition=OrderModel.order_id.exists()
            & (OrderModel.away_replied.does_not_exist() | (OrderModel.away_replied != away.period)),
        )
    except ConditionFailed:
        return None
    return _submit(svc, record, pair, seller, away.message_for(buyer.locale))


def _submit(
    svc: Services, record: MessageModel, pair: PairModel, seller: PartyModel, text: str
) -> str:
    from parley.mail.authentication import Verdicts
    from parley.pipeline.ingest import InboundMail, ingest  # only when away

    settings = svc.settings
    subject = record.subject or ""
    message = build(
        Outbound(
            from_header=formatted(seller.name, seller.email),
            to=pair.buyer_alias,
            subject=subject if subject.lower().startswith(("re:", "aw:")) else f"Re: {subject}",
            text=text,
            message_id_domain=f"away.{settings.relay_domain}",
            auto_submitted=AUTO_REPLIED,
            # the id the seller's mail client knows: the reply threads on both sides
            in_reply_to=record.outbound_message_id,
        )
    )
    submission_id = f"away-{secrets.token_hex(14)}"
    svc.blobs.put(
        keys.raw_key(submission_id, settings.raw_prefix), message.as_bytes(), "message/rfc822"
    )
    mail = InboundMail(
        ses_message_id=submission_id,
        recipients=(pair.buyer_alias,),
        timestamp=now_iso(),
        source=seller.email,
        # written by Parley for the seller's registered address, like the message center's mail
        verdicts=Verdicts(spf="PASS", dkim="PASS", dmarc="PASS", virus="PASS", spam="PASS"),
        order_id=record.order_id,
    )
    return ingest(mail, svc)[0].message_id
