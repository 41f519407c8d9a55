"""A seller's notification address is used only once its owner proved they read it (H13).

Reminder digests name buyers and their questions, so an address the seller merely typed must
not get them. Setting a new address stores it as pending with the hash of a random
single-use code and mails the code there, once; `confirm` with that code makes it the active
address. Until then digests keep going where they went (the active or the registered
address). At most `CHANGES_PER_DAY` new addresses per seller and UTC day: each one costs a
mail to an address nobody has verified yet, which is the only reflection left.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from parley.adapters.mailer import PermanentSendError
from parley.adapters.store import ConditionFailed, PartyModel
from parley.center.errors import InvalidInput, NotAllowedNow, TooManyRequests
from parley.core.i18n import language, text
from parley.core.time import iso, parse_iso, utcnow
from parley.mail.addresses import formatted
from parley.mail.outbound import AUTO_GENERATED, Outbound, build
from parley.pipeline.ratelimit import take

if TYPE_CHECKING:
    from parley.app import Services

log = logging.getLogger("parley")

CHANGES_PER_DAY = 3
CODE_HOURS = 24
MAX_ATTEMPTS = 5  # wrong codes before the pending address is dropped


def _hash(party_key: str, code: str) -> str:
    return hashlib.sha256(f"{party_key}\n{code.strip().lower()}".encode()).hexdigest()


def pending_of(me: PartyModel, now: datetime | None = None) -> str | None:
    """The address awaiting its code, while the code is valid."""
    if not me.notification_email_pending or not me.notification_code_expires_at:
        return None
    if parse_iso(me.notification_code_expires_at) <= (now or utcnow()):
        return None
    return str(me.notification_email_pending)


def _clear_pending() -> list[Any]:
    return [
        PartyModel.notification_email_pending.remove(),
        PartyModel.notification_code_hash.remove(),
        PartyModel.notification_code_expires_at.remove(),
        PartyModel.notification_code_attempts.remove(),
    ]


def change_actions(svc: Services, me: PartyModel, address: str | None) -> list[Any]:
    """The updates for a requested notification address (None: back to the registered one).

    The address the seller already has (or none, when they have none) changes nothing, so a
    form that sends every field back leaves a pending confirmation alone.
    """
    if address == me.notification_email:
        return []
    if address is None or address == me.email:  # the registered address needs no proof
        return [PartyModel.notification_email.remove(), *_clear_pending()]
    # a new code, also for the pending address again (a lost mail): it counts like any change
    now = utcnow()
    if not take(
        svc.store, f"notify-address#{me.party_key}", CHANGES_PER_DAY, now, daily=True
    ).allowed:
        raise TooManyRequests(
            f"at most {CHANGES_PER_DAY} new notification addresses a day",
            field="notification_email",
        )
    code = secrets.token_hex(6)  # 48 bits, MAX_ATTEMPTS guesses
    _send_code(svc, me, address, code)
    return [
        PartyModel.notification_email_pending.set(address),
        PartyModel.notification_code_hash.set(_hash(me.party_key, code)),
        PartyModel.notification_code_expires_at.set(iso(now + timedelta(hours=CODE_HOURS))),
        PartyModel.notification_code_attempts.remove(),
    ]


def _send_code(svc: Services, me: PartyModel, address: str, code: str) -> None:
    lang = language(me.locale)
    marketplace = svc.settings.marketplace_name
    mail = Outbound(
        from_header=formatted(f"{marketplace} Messaging", svc.settings.notice_sender),
        to=address,
        subject=text("verify.subject", lang, marketplace=marketplace),
        text=text("verify.text", lang, marketplace=marketplace, code=code, hours=CODE_HOURS),
        message_id_domain=svc.settings.relay_domain,
        auto_submitted=AUTO_GENERATED,
        language=lang,
    )
    try:
        svc.mailer.send_raw(
            sender=svc.settings.notice_sender,
            recipient=address,
            data=build(mail).as_bytes(),
            tags={"parley_kind": "address-confirmation"},
        )
    except PermanentSendError as exc:
        log.warning("confirmation code refused", extra={"code": exc.code})
        raise InvalidInput("this address does not accept mail", field="notification_email") from exc


def confirm(svc: Services, me: PartyModel, code: str) -> None:
    """Make the pending address the active one, if `code` is the one mailed to it."""
    pending = pending_of(me)
    if pending is None or not me.notification_code_hash:
        raise NotAllowedNow("no notification address awaits confirmation", field="code")
    expected = str(me.notification_code_hash)
    if not hmac.compare_digest(_hash(me.party_key, code), expected):
        attempts = int(me.notification_code_attempts or 0) + 1
        actions = (
            _clear_pending()
            if attempts >= MAX_ATTEMPTS
            else [PartyModel.notification_code_attempts.set(attempts)]
        )
        # confirmed or replaced meanwhile: the code is wrong all the same
        with contextlib.suppress(ConditionFailed):
            svc.store.update(me, actions, condition=PartyModel.notification_code_hash == expected)
        raise InvalidInput("this is not the code sent to the new address", field="code")
    try:  # single use: the hash must still be the one checked
        svc.store.update(
            me,
            [PartyModel.notification_email.set(pending), *_clear_pending()],
            condition=PartyModel.notification_code_hash == expected,
        )
    except ConditionFailed as exc:
        raise NotAllowedNow("this code was already used", field="code") from exc
