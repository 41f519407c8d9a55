"""Taking one person out of a stored message: their name and addresses replaced, their files
removed, everything else (the other party's own words) kept. Pure: bytes in, bytes out."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage, Message

ERASED = "[erased]"
FILE_REMOVED = "[attachment removed: erasure]"


@dataclass(frozen=True)
class Identity:
    """What identifies the erased person in text: their name (and its parts) and addresses."""

    names: tuple[str, ...]
    addresses: tuple[str, ...]

    @classmethod
    def of(cls, name: str, addresses: Iterable[str]) -> Identity:
        full = " ".join(name.split())
        # The full name, then each part of it long enough not to be a mere initial.
        parts = [p for p in re.split(r"[\s,]+", full) if len(p) >= 2]
        names = tuple(dict.fromkeys([full, *parts]) if full else ())
        unique = tuple(dict.fromkeys(a.strip().lower() for a in addresses if a and a.strip()))
        return cls(names, unique)

    def pattern(self) -> re.Pattern[str] | None:
        """Addresses anywhere (any case); names as whole words in the case they are written
        with (a buyer named Will must not take "will" out of every sentence)."""
        pieces = []
        for address in sorted(self.addresses, key=len, reverse=True):
            pieces.append(f"(?i:{re.escape(address)})")
        variants = {v for name in self.names for v in (name, name.upper(), name.title())}
        for name in sorted(variants, key=len, reverse=True):
            pieces.append(rf"(?<!\w){re.escape(name)}(?!\w)")
        return re.compile("|".join(pieces)) if pieces else None


def redact_text(text: str, identity: Identity) -> tuple[str, int]:
    """The text with every mention replaced, and how many were."""
    pattern = identity.pattern()
    if pattern is None or not text:
        return text, 0
    return pattern.subn(ERASED, text)


def redact_message(raw: bytes, identity: Identity) -> bytes:
    """The stored mail with the person's name and addresses replaced in every header and text
    part, and every attachment replaced by a note (files cannot be redacted reliably)."""
    message = message_from_bytes(raw, policy=email_policy.default)
    assert isinstance(message, EmailMessage)
    changes = 0
    for part in message.walk():
        changes += _redact_headers(part, identity)
        if part.is_multipart():
            continue
        disposition = part.get_content_disposition()
        if part.get_content_maintype() == "text" and disposition != "attachment":
            changes += _redact_body(part, identity)
        else:
            changes += _replace_with_note(part)
    return message.as_bytes(policy=email_policy.SMTP) if changes else raw


def _redact_headers(part: Message, identity: Identity) -> int:
    changes = 0
    for name, value in list(part.items()):
        redacted, changed = redact_text(str(value), identity)
        if changed:
            del part[name]
            part[name] = redacted
            changes += changed
    return changes


def _redact_body(part: Message, identity: Identity) -> int:
    try:
        text = part.get_content()  # type: ignore[attr-defined]
    except (LookupError, ValueError, AssertionError):
        return _replace_with_note(part)  # undecodable text is no one's words any more
    redacted, changed = redact_text(str(text), identity)
    if changed:
        subtype = part.get_content_subtype()
        part.set_content(redacted, subtype=subtype, charset="utf-8")  # type: ignore[attr-defined]
    return changed


def _replace_with_note(part: Message) -> int:
    for header in ("Content-Disposition", "Content-Transfer-Encoding", "Content-ID"):
        del part[header]
    part.set_content(FILE_REMOVED, charset="utf-8")  # type: ignore[attr-defined]
    return 1
