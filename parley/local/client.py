"""Talk to a running local stack like a user would: SMTP in, Maildir out, records to watch."""

from __future__ import annotations

import re
import smtplib
import time
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import SMTP as SMTP_POLICY
from email.policy import default as default_policy
from pathlib import Path

from parley.adapters.store import MessageModel, Store
from parley.models.tables import TERMINAL_STATUSES
from parley.pipeline.common import message_id_for

_QUEUED = re.compile(r"queued as (\S+)")


def send_smtp(
    host: str, port: int, message: EmailMessage, mail_from: str, recipients: list[str]
) -> str:
    """Send over real SMTP; returns the SES message id the server assigned."""
    with smtplib.SMTP(host, port, timeout=30) as smtp:
        smtp.ehlo()
        code, _ = smtp.mail(mail_from)
        if code != 250:
            raise RuntimeError(f"MAIL FROM refused: {code}")
        for recipient in recipients:
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                raise RuntimeError(f"RCPT TO {recipient} refused: {code} {reply!r}")
        # smtplib sends bytes as they are: SMTP needs CRLF line ends.
        code, reply = smtp.data(message.as_bytes(policy=SMTP_POLICY))
        if code != 250:
            raise RuntimeError(f"DATA refused: {code} {reply!r}")
    found = _QUEUED.search(reply.decode("ascii", "replace"))
    if not found:
        raise RuntimeError(f"server did not say which message it queued: {reply!r}")
    return found.group(1)


def wait_for_terminal(
    store: Store, ses_id: str, recipient: str, timeout: float = 30.0
) -> MessageModel:
    message_id = message_id_for(ses_id, recipient)
    deadline = time.monotonic() + timeout
    while True:
        record = store.get(MessageModel, message_id)
        if record is not None and record.status in TERMINAL_STATUSES:
            return record
        if time.monotonic() > deadline:
            state = record.status if record else "no record"
            raise TimeoutError(f"{message_id} did not finish in {timeout}s (last: {state})")
        time.sleep(0.1)


def outbox_messages(outbox: Path) -> list[EmailMessage]:
    """Every message in the Maildir (new/ and cur/), oldest first."""
    files = sorted(
        (p for sub in ("new", "cur") if (outbox / sub).is_dir() for p in (outbox / sub).iterdir()),
        key=lambda p: p.stat().st_mtime_ns,
    )
    parser = BytesParser(policy=default_policy)
    return [parser.parsebytes(p.read_bytes()) for p in files]  # type: ignore[misc]


def wait_for_outbox(outbox: Path, predicate: object, timeout: float = 15.0) -> EmailMessage:
    deadline = time.monotonic() + timeout
    while True:
        for message in outbox_messages(outbox):
            if callable(predicate) and predicate(message):
                return message
        if time.monotonic() > deadline:
            raise TimeoutError("expected message did not arrive in the outbox")
        time.sleep(0.1)
