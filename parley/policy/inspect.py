"""What the rules look at, extracted once per message: text, HTML trees, attachments."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from typing import cast

from selectolax.lexbor import LexborHTMLParser

from parley.mail.parsing import decode_text, filename_of, header, is_attachment


@dataclass
class HtmlPart:
    part: Message
    tree: LexborHTMLParser
    changed: bool = False


@dataclass
class AttachmentPart:
    parent: Message | None
    part: Message
    name: str
    content_type: str


@dataclass
class Inspection:
    message: EmailMessage
    subject: str
    plain_texts: list[str] = field(default_factory=list)
    html_parts: list[HtmlPart] = field(default_factory=list)
    attachments: list[AttachmentPart] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, message: EmailMessage) -> Inspection:
        found = cls(message=message, subject=header(message, "Subject") or "")
        stack: list[tuple[Message | None, Message]] = [(None, message)]
        while stack:
            parent, part = stack.pop()
            payload = part.get_payload()
            if part.is_multipart() and isinstance(payload, list):
                stack.extend((part, child) for child in reversed(cast(list[Message], payload)))
            elif is_attachment(part):
                name = filename_of(part) or f"unnamed.{part.get_content_subtype()}"
                found.attachments.append(
                    AttachmentPart(parent, part, name, part.get_content_type())
                )
            elif part.get_content_subtype() == "html":
                found.html_parts.append(HtmlPart(part, LexborHTMLParser(decode_text(part))))
            else:
                found.plain_texts.append(decode_text(part))
        return found

    def text(self) -> str:
        """Everything a reader sees: subject, plain text and the text inside HTML."""
        chunks = [self.subject, *self.plain_texts]
        for html in self.html_parts:
            body = html.tree.body
            chunks.append(body.text(separator=" ") if body is not None else "")
        return "\n".join(chunks)

    def remove_attachment(self, attachment: AttachmentPart) -> None:
        parent = attachment.parent
        if parent is None:  # the whole message is the attachment: leave an explanation
            self.message.set_content("[attachment removed by the marketplace's policy]")
        else:
            payload = parent.get_payload()
            if isinstance(payload, list):
                payload.remove(attachment.part)
        self.attachments.remove(attachment)
        self.removed.append(attachment.name)

    def commit(self) -> bool:
        """Write changed HTML back into its parts; True when the message was modified."""
        for html in self.html_parts:
            if html.changed:
                part = cast(EmailMessage, html.part)
                part.set_content(html.tree.html or "", subtype="html", charset="utf-8")
        return bool(self.removed) or any(h.changed for h in self.html_parts)
