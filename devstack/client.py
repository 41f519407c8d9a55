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
from typing import Any

from parley.adapters.store import MessageModel, Store
from parley.models.tables import TERMINAL_STATUSES
from parley.pipeline.common import message_id_for

_QUEUED = re.compile(r"queued as (\S+)")


def send_smtp(
    host: str, port: int, message: EmailMessage | bytes, mail_from: str, recipients: list[str]
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
        data = message if isinstance(message, bytes) else message.as_bytes(policy=SMTP_POLICY)
        code, reply = smtp.data(data)  # bytes go as they are (a DKIM signature survives)
        if code != 250:
            raise RuntimeError(f"DATA refused: {code} {reply!r}")
    found = _QUEUED.search(reply.decode("ascii", "replace"))
    if not found:
        raise RuntimeError(f"server did not say which message it queued: {reply!r}")
    return found.group(1)


def wait_for_terminal(
    store: Store, ses_id: str, recipient: str, timeout: float = 30.0
) -> MessageModel:
    return wait_for_record(store, message_id_for(ses_id, recipient), timeout)


def wait_for_record(store: Store, message_id: str, timeout: float = 30.0) -> MessageModel:
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


class ApiClient:
    """The message center API of a local stack, as one party (a token from its issuer)."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        import requests

        response = requests.request(
            method, self.base_url + path, json=body, headers=self.headers, timeout=30
        )
        return response.status_code, response.json() if response.content else None

    def upload(self, name: str, content_type: str, data: bytes) -> str:
        """Ask for an upload form, post the file to S3 with it; the attachment id."""
        import requests

        status, form = self.call(
            "POST", "/attachments", {"name": name, "content_type": content_type, "size": len(data)}
        )
        if status != 201:
            raise RuntimeError(f"upload refused: {status} {form}")
        posted = requests.post(
            form["upload"]["url"],
            data=form["upload"]["fields"],
            files={"file": (name, data, content_type)},
            timeout=30,
        )
        posted.raise_for_status()
        return str(form["attachment_id"])
