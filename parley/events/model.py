"""Events: what changed, for whom, as a stable JSON document. Pure (no I/O).

Every event is one envelope (`id`, `type`, `version`, `occurred_at`, `marketplace`, `party`,
`data`) whose `data` has one JSON Schema per type in `schemas/`. The id is derived from what
happened (the type and the message or clock it is about), so a stage that runs twice
publishes the same id twice and a receiver can drop the duplicate.

No event carries an email address: not the parties' real ones, not even the aliases. Text
excerpts show an address as `[address]`; `guard` refuses any payload that still has one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = "1"
EXCERPT_CHARS = 500
MESSAGE_TYPES = (
    "message.received",
    "message.sent",
    "message.blocked",
    "message.sanitized",
    "message.rejected",
    "message.bounced",
)
RESPONSE_TYPES = ("response.reminder", "response.overdue", "response.stopped")
EVENT_TYPES = MESSAGE_TYPES + RESPONSE_TYPES
SOURCE = "parley"

# Deliberately broader than a valid address: any word with an "@" in it is masked, so that
# a cut-off one ("seller@exa…", as policy evidence shows it) goes too.
ADDRESS = re.compile(r"[^\s<>()\[\]{}\"',;:]*@[^\s<>()\[\]{}\"',;:]*")
_LOCAL_PART_AT = re.compile(r"[^\s<>()\[\]{}\"',;:]@")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n{3,}")


class AddressInEvent(ValueError):
    """A payload about to leave still contains something shaped like an email address."""


@dataclass(frozen=True)
class Party:
    kind: str  # "seller" or "buyer"
    id: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.id}


@dataclass(frozen=True)
class Event:
    type: str
    party: Party
    data: Mapping[str, Any]
    occurred_at: str
    marketplace: str
    key: str  # what the event is about (a message id, a clock id and stage): gives the id
    version: str = SCHEMA_VERSION
    id: str = field(init=False)

    def __post_init__(self) -> None:
        if self.type not in EVENT_TYPES:
            raise ValueError(f"unknown event type {self.type!r}")
        digest = hashlib.sha256(f"{self.marketplace}|{self.type}|{self.key}".encode()).hexdigest()
        object.__setattr__(self, "id", f"evt_{digest[:32]}")

    def as_dict(self) -> dict[str, Any]:
        document = {
            "id": self.id,
            "type": self.type,
            "version": self.version,
            "occurred_at": self.occurred_at,
            "marketplace": self.marketplace,
            "party": self.party.as_dict(),
            "data": dict(self.data),
        }
        guard(document)
        return document


def mask_addresses(text: str) -> str:
    return ADDRESS.sub("[address]", text)


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The start of a text, whitespace tidied, addresses masked, cut at a word."""
    tidy = _BLANK_LINES.sub("\n\n", _SPACES.sub(" ", mask_addresses(text or ""))).strip()
    if len(tidy) <= limit:
        return tidy
    cut = tidy[:limit].rsplit(" ", 1)[0]
    return cut.rstrip() + "…"


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def guard(document: Mapping[str, Any]) -> None:
    """Refuse a payload with anything shaped like an email address in any string."""
    for text in _strings(document):
        if "@" in text and _LOCAL_PART_AT.search(text):
            raise AddressInEvent(f"an event field holds an address-like value: {text[:40]!r}")


def message_path(message_id: str) -> str:
    return f"/messages/{message_id}"


def conversation_path(conversation_id: str) -> str:
    return f"/conversations/{conversation_id}/messages"
