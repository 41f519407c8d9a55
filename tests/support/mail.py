"""Build inbound test mail the way real clients send it."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP


def mail(
    sender: str,
    to: str,
    subject: str,
    body: str = "Hello",
    *,
    name: str | None = None,
    **headers: str,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"{name} <{sender}>" if name else sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = headers.pop(
        "message_id", f"<{abs(hash((sender, subject)))}@client.example>"
    )
    for key, value in headers.items():
        message[key.replace("_", "-")] = value
    message.set_content(body)
    return message


def wire(message: EmailMessage) -> bytes:
    return message.as_bytes(policy=SMTP)
