"""The readable text of a message: what the message center shows and events quote."""

from __future__ import annotations

from email.message import EmailMessage
from html.parser import HTMLParser

from parley.mail.parsing import decode_text, header


def readable(message: EmailMessage) -> tuple[str, str]:
    """(subject, text) of a message as a person reads it: the plain body, or the visible text
    of the HTML one."""
    subject = header(message, "Subject") or ""
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return subject, ""
    text = decode_text(body)
    if body.get_content_subtype() == "html":
        text = _html_text(text)
    return subject, text


class _TextOf(HTMLParser):
    """The visible text of an HTML part (the stdlib parser: the functions that need it, relay
    for event excerpts and the API for views, do not all ship an HTML engine)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style", "head", "title"}:
            self._hidden += 1
        elif tag in {"br", "p", "div", "li", "tr"}:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "head", "title"} and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _html_text(html: str) -> str:
    parser = _TextOf()
    parser.feed(html[:200_000])
    parser.close()
    return "".join(parser.parts)
