"""A message rebuilt as its text alone: what the filter and the relay fall back to for a
message they cannot keep whole (a critical message is never lost to its structure)."""

from __future__ import annotations

from collections.abc import Sequence
from email.message import EmailMessage, Message
from typing import Protocol

from parley.mail.parsing import decode_text, iter_leaves


class KeptAttachment(Protocol):
    """What a text-only rebuild keeps of an attachment (the policy's AttachmentPart is one)."""

    @property
    def content_type(self) -> str: ...

    @property
    def name(self) -> str: ...

    def payload(self) -> bytes: ...


def rebuild_as_plain_text(
    message: EmailMessage, text: str, attachments: Sequence[KeptAttachment] = ()
) -> None:
    """Replace the body by `text` as text/plain, keeping the given attachments."""
    kept = [(a.payload(), a.content_type, a.name) for a in attachments]
    message.clear_content()
    message.set_content(text or " ", charset="utf-8")
    for data, content_type, name in kept:
        maintype, _, subtype = content_type.partition("/")
        message.add_attachment(
            data, maintype=maintype or "application", subtype=subtype or "octet-stream",
            filename=name,
        )  # fmt: skip


def best_effort_text(message: Message) -> str:
    """The readable text of any message, however broken: text parts, or HTML made text."""
    plain: list[str] = []
    html: list[str] = []
    for part in iter_leaves(message):
        try:
            if part.get_content_maintype() not in {"text", "multipart"} or part.get_filename():
                continue
            text = decode_text(part)
        except Exception:
            continue
        (html if part.get_content_subtype() == "html" else plain).append(text)
    if plain:
        return "\n\n".join(plain)
    from selectolax.lexbor import LexborHTMLParser

    return "\n\n".join(LexborHTMLParser(h).text(separator=" ") for h in html)
