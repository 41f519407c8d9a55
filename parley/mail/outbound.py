"""The one builder for mail Parley writes itself: notices, reminder digests, and the mail the
message center composes for a party. Each gets the same wire policy, Date, Message-ID and,
for automatic mail, the headers that keep auto-responders from answering it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from parley.core.time import utcnow
from parley.mail.parsing import WIRE_POLICY

AUTO_REPLIED = "auto-replied"  # an answer to a message (notices, away replies)
AUTO_GENERATED = "auto-generated"  # nobody wrote first (reminder digests)


@dataclass(frozen=True)
class File:
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Outbound:
    from_header: str
    to: str
    subject: str
    text: str
    message_id_domain: str
    auto_submitted: str | None = None
    language: str | None = None
    in_reply_to: str | None = None
    files: Sequence[File] = field(default_factory=tuple)
    date: datetime | None = None


def build(mail: Outbound) -> EmailMessage:
    message = EmailMessage(policy=WIRE_POLICY)
    message["From"] = mail.from_header
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(mail.date or utcnow())
    message["Message-ID"] = make_msgid(domain=mail.message_id_domain)
    if mail.in_reply_to:
        message["In-Reply-To"] = f"<{mail.in_reply_to}>"
        message["References"] = f"<{mail.in_reply_to}>"
    if mail.auto_submitted:
        message["Auto-Submitted"] = mail.auto_submitted
        message["X-Auto-Response-Suppress"] = "All"
        if mail.auto_submitted == AUTO_REPLIED:
            message["Precedence"] = "auto_reply"
    if mail.language:
        message["Content-Language"] = mail.language
    text = mail.text if mail.text.endswith("\n") else mail.text + "\n"
    message.set_content(text, charset="utf-8", cte="7bit" if text.isascii() else "quoted-printable")
    for file in mail.files:
        maintype, _, subtype = file.content_type.partition("/")
        message.add_attachment(file.data, maintype=maintype, subtype=subtype, filename=file.name)
    return message
