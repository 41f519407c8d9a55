"""What the rules look at, extracted once per message, and the edits sanitizing rules make."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from typing import Any, cast

from selectolax.lexbor import LexborHTMLParser

from parley.mail.parsing import children, decode_text, filename_of, header, is_attachment


@dataclass
class HtmlPart:
    part: Message
    tree: LexborHTMLParser
    changed: bool = False

    def visible_text(self) -> str:
        body = self.tree.body
        return body.text(separator=" ") if body is not None else ""

    def attribute_text(self) -> str:
        """Text readers and clients act on outside the body text: links, alt, titles, CSS."""
        chunks = []
        for node in self.tree.css("[href], [src], [alt], [title], [style], style"):
            attrs = node.attributes
            # A link around an image is judged as such (logo-link), not as a text link.
            wraps_image = node.tag == "a" and node.css_first("img") is not None
            for name in ("href", "alt", "title", "style"):
                if attrs.get(name) and not (name == "href" and wraps_image):
                    chunks.append(str(attrs[name]))
            if node.tag == "style":
                chunks.append(node.text() or "")
        return "\n".join(chunks)

    def text_nodes(self) -> list[Any]:
        body = self.tree.body
        if body is None:
            return []
        return [n for n in body.traverse(include_text=True) if n.tag == "-text"]


@dataclass
class PlainPart:
    part: Message
    text: str
    changed: bool = False


@dataclass
class AttachmentPart:
    parent: Message | None
    part: Message
    name: str
    content_type: str

    def payload(self) -> bytes:
        data = self.part.get_payload(decode=True)
        return data if isinstance(data, bytes) else b""


@dataclass
class Inspection:
    message: EmailMessage
    subject: str
    plain_parts: list[PlainPart] = field(default_factory=list)
    html_parts: list[HtmlPart] = field(default_factory=list)
    attachments: list[AttachmentPart] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    subject_changed: bool = False
    _text: str | None = None

    @classmethod
    def of(cls, message: EmailMessage) -> Inspection:
        found = cls(message=message, subject=header(message, "Subject") or "")
        stack: list[tuple[Message | None, Message]] = [(None, message)]
        while stack:
            parent, part = stack.pop()
            if part.is_multipart():
                stack.extend((part, child) for child in reversed(children(part)))
            elif is_attachment(part):
                name = filename_of(part) or f"unnamed.{part.get_content_subtype()}"
                found.attachments.append(
                    AttachmentPart(parent, part, name, part.get_content_type())
                )
            elif part.get_content_subtype() == "html":
                found.html_parts.append(HtmlPart(part, LexborHTMLParser(decode_text(part))))
            else:
                found.plain_parts.append(PlainPart(part, decode_text(part)))
        return found

    def text(self) -> str:
        """Everything a reader sees or clicks: subject, text, HTML text, links, alt text, CSS."""
        if self._text is None:
            chunks = [self.subject, *(p.text for p in self.plain_parts)]
            for html in self.html_parts:
                chunks += [html.visible_text(), html.attribute_text()]
            self._text = "\n".join(chunks)
        return self._text

    def body_text(self) -> str:
        """What the message says (no subject): plain text, or the HTML's text without one."""
        if self.plain_parts:
            return "\n".join(p.text for p in self.plain_parts)
        return "\n".join(h.visible_text() for h in self.html_parts)

    def links(self) -> Iterator[tuple[HtmlPart, Any]]:
        for html in self.html_parts:
            for anchor in html.tree.css("a[href]"):
                yield html, anchor

    def rewrite_text(self, edit: Callable[[str], str]) -> bool:
        """Apply an edit to every piece of visible text (subject, plain, HTML text nodes)."""
        changed = False
        new_subject = edit(self.subject)
        if new_subject != self.subject:
            self.subject, self.subject_changed, changed = new_subject, True, True
        for plain in self.plain_parts:
            new = edit(plain.text)
            if new != plain.text:
                plain.text, plain.changed, changed = new, True, True
        for html in self.html_parts:
            for node in html.text_nodes():
                old = node.text_content or ""
                new = edit(old)
                if new != old:
                    node.replace_with(new)
                    html.changed = changed = True
        if changed:
            self._text = None
        return changed

    def touched(self) -> None:
        self._text = None

    def remove_attachment(self, attachment: AttachmentPart) -> None:
        parent = attachment.parent
        if parent is None:  # the whole message is the attachment: leave an explanation
            self.message.set_content("[attachment removed by the marketplace's policy]")
        else:
            siblings = children(parent)
            if attachment.part in siblings:
                siblings.remove(attachment.part)
        self.attachments.remove(attachment)
        self.removed.append(attachment.name)

    def commit(self) -> bool:
        """Write edits back into the message; True when anything was modified."""
        for html in self.html_parts:
            if html.changed:
                part = cast(EmailMessage, html.part)
                part.set_content(html.tree.html or "", subtype="html", charset="utf-8")
        for plain in self.plain_parts:
            if plain.changed:
                part = cast(EmailMessage, plain.part)
                part.set_content(plain.text, subtype=part.get_content_subtype(), charset="utf-8")
        if self.subject_changed:
            del self.message["Subject"]
            self.message["Subject"] = self.subject
        return (
            bool(self.removed)
            or self.subject_changed
            or any(h.changed for h in self.html_parts)
            or any(p.changed for p in self.plain_parts)
        )
