"""Parsing inbound MIME with limits, so a hostile message cannot exhaust a function."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from email.policy import SMTP, EmailPolicy
from functools import lru_cache
from typing import Any, cast

_LINESEP = re.compile(r"\n|\r")
_CACHEABLE = 2048


@lru_cache(maxsize=2048)
def _parsed_header(factory: Any, name: str, value: str) -> Any:
    return factory(name, value)


class CachingPolicy(EmailPolicy):
    """The default policy, but a header is parsed once, not on every access.

    The stdlib parses a header's value each time it is read (`get_content_type()` reads
    Content-Type again on every call); header objects are immutable, so equal inputs can
    share one parse.
    """

    def header_fetch_parse(self, name: str, value: Any) -> Any:
        if hasattr(value, "name"):
            return value
        unfolded = "".join(_LINESEP.split(value))
        if len(unfolded) > _CACHEABLE:  # a hostile 100 KB header must not stay in memory
            return self.header_factory(name, unfolded)
        return _parsed_header(self.header_factory, name, unfolded)


# cte_type 7bit: anything re-encoded from these objects is 7-bit clean.
PARSE_POLICY = CachingPolicy(cte_type="7bit", raise_on_defect=False)
# What every message Parley writes is serialized with: CRLF, 7-bit clean.
WIRE_POLICY = SMTP.clone(cte_type="7bit")

MAX_DEPTH = 20
MAX_PARTS = 500
_BOUNDARY_PARAM = re.compile(rb"boundary\s*=", re.IGNORECASE)
_MESSAGE_ID = re.compile(r"<([^<>\s]{1,250})>")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_AUTO_SUBJECT = re.compile(
    r"out of (the )?office|abwesenheitsnotiz|automatische antwort|auto-?reply|autoreply"
    r"|automatic reply|abwesend",
    re.IGNORECASE,
)


class UnacceptableMessage(ValueError):
    """The message cannot be processed (too large, too deep, too many parts, unreadable)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def parse_message(raw: bytes, max_bytes: int) -> EmailMessage:
    if len(raw) > max_bytes:
        raise UnacceptableMessage(
            "message-too-large", f"{len(raw)} bytes is over the limit of {max_bytes}"
        )
    if len(_BOUNDARY_PARAM.findall(raw)) > MAX_PARTS:
        raise UnacceptableMessage("too-many-parts", f"more than {MAX_PARTS} multiparts")
    try:
        message = BytesParser(policy=PARSE_POLICY).parsebytes(raw)
    except Exception as exc:  # the stdlib parser is lenient; anything raised is unrecoverable
        raise UnacceptableMessage("unparseable", f"MIME could not be parsed: {exc!r}") from exc
    if not isinstance(message, EmailMessage) or not message.keys():
        raise UnacceptableMessage("unparseable", "no header section")
    _check_shape(message)
    return message


def parse_headers(raw: bytes) -> Message:
    """Only the header section: enough to know who wrote, even when the body is unusable."""
    end = raw.find(b"\r\n\r\n")
    end = raw.find(b"\n\n") if end < 0 else end
    head = raw[: end if 0 <= end < 256 * 1024 else 256 * 1024]
    return BytesHeaderParser(policy=PARSE_POLICY).parsebytes(head)


def children(part: Message) -> list[Message]:
    """A multipart's parts; [] for a leaf. Never decodes a leaf's payload, which the stdlib
    does with the declared charset and which raises on a malformed charset name."""
    if not part.is_multipart():
        return []
    payload = part.get_payload()
    return cast(list[Message], payload) if isinstance(payload, list) else []


def _check_shape(message: Message) -> None:
    """Depth and part count, walked iteratively (deep nesting must not blow the stack)."""
    stack: list[tuple[Message, int]] = [(message, 0)]
    parts = 0
    while stack:
        part, depth = stack.pop()
        parts += 1
        if depth > MAX_DEPTH:
            raise UnacceptableMessage("too-deep", f"MIME nesting deeper than {MAX_DEPTH}")
        if parts > MAX_PARTS:
            raise UnacceptableMessage("too-many-parts", f"more than {MAX_PARTS} MIME parts")
        stack.extend((child, depth + 1) for child in children(part))


def iter_leaves(message: Message) -> Iterator[Message]:
    """Non-multipart parts in document order, without recursion."""
    stack: list[Message] = [message]
    while stack:
        part = stack.pop()
        if part.is_multipart():
            stack.extend(reversed(children(part)))
        else:
            yield part


def header(message: Message, name: str) -> str | None:
    """One header as clean text (no CR/LF), or None; never raises on malformed input."""
    try:
        value = message.get(name)
    except Exception:
        value = None
        for key, raw in message.raw_items():
            if key.lower() == name.lower():
                value = raw
                break
    if value is None:
        return None
    return " ".join(_CONTROL.sub(" ", str(value)).split())


def message_ids(value: str | None, limit: int = 20) -> list[str]:
    """Message-IDs in a Message-ID, In-Reply-To or References value, without brackets."""
    if not value:
        return []
    return _MESSAGE_ID.findall(value)[-limit:]


def decode_text(part: Message) -> str:
    """A text part as str, whatever its declared (or misdeclared) charset."""
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    charset = part.get_content_charset() or "utf-8"
    try:
        return data.decode(charset)
    except (LookupError, UnicodeDecodeError, ValueError):  # ValueError: NUL in the name
        pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def filename_of(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        return None
    if not name:
        return None
    return " ".join(_CONTROL.sub(" ", str(name)).split())[:200] or None


def safe_file_name(name: str) -> str:
    """A name to store a file under: no path, no spaces or odd characters, bounded."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:100] or "attachment"


def is_attachment(part: Message) -> bool:
    """A leaf that is not body text: declared attachments, named parts, non-text parts."""
    if part.get_content_disposition() == "attachment":
        return True
    if part.get_content_maintype() == "text":
        return filename_of(part) is not None
    return True


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    data: bytes


def attachments(message: Message) -> list[Attachment]:
    found = []
    for index, part in enumerate(iter_leaves(message)):
        if not is_attachment(part):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        name = filename_of(part) or f"part-{index}.{part.get_content_subtype()}"
        found.append(Attachment(name=name, content_type=part.get_content_type(), data=data))
    return found


def is_auto_submitted(message: Message) -> bool:
    """Mail written by a machine (auto-replies, bulk, bounces): never answer it."""
    auto = (header(message, "Auto-Submitted") or "no").lower()
    if auto != "no":
        return True
    precedence = (header(message, "Precedence") or "").lower()
    if precedence in {"auto_reply", "bulk", "junk", "list"}:
        return True
    if any(header(message, name) for name in ("X-Autoreply", "X-Autorespond")):
        return True
    return bool(_AUTO_SUBJECT.search(header(message, "Subject") or ""))
