"""The versioned policy configuration: limits, allowlists and word lists per marketplace.

Shipped as `data/policy.json`; every verdict records the version that made it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

OFFICE_ZIP_EXTENSIONS = frozenset({"docx", "xlsx", "pptx", "odt", "ods", "odp"})


class PolicyConfigError(ValueError):
    """The policy configuration is missing something or names an unknown marketplace."""


class Phrases:
    """A phrase list as one case-insensitive pattern, with word boundaries where words end.

    Most texts contain none of the phrases: a plain substring check on each phrase's first
    word (fast, in C) decides that before the regular expression runs at all.
    """

    def __init__(self, words: list[str]) -> None:
        parts = []
        for word in sorted(set(words), key=len, reverse=True):
            escaped = re.escape(word.lower()).replace(r"\ ", r"\s+")
            start = r"(?<!\w)" if word[0].isalnum() else ""
            end = r"(?!\w)" if word[-1].isalnum() else ""
            parts.append(f"{start}{escaped}{end}")
        self.pattern = re.compile("|".join(parts), re.IGNORECASE)
        self._keys = tuple({w.lower().split()[0] for w in words if w.strip()})

    def _maybe(self, text: str) -> bool:
        lowered = text.lower()
        return any(key in lowered for key in self._keys)

    def search(self, text: str) -> re.Match[str] | None:
        return self.pattern.search(text) if self._maybe(text) else None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.pattern.finditer(text) if self._maybe(text) else iter(())

    def sub(self, replacement: str, text: str) -> str:
        return self.pattern.sub(replacement, text) if self._maybe(text) else text


def phrases(words: list[str]) -> Phrases:
    return Phrases(words)


@lru_cache(maxsize=1)
def tracker_hosts() -> frozenset[str]:
    text = resources.files("parley.policy").joinpath("data/tracker-hosts.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


@lru_cache(maxsize=1)
def _document() -> dict[str, Any]:
    text = resources.files("parley.policy").joinpath("data/policy.json").read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


@lru_cache(maxsize=8)
def _patterns(marketplace: str) -> dict[str, Phrases]:
    return {name: phrases(words) for name, words in _document()["words"].items()}


@dataclass(frozen=True)
class PolicyConfig:
    """One marketplace's policy. Built from data/policy.json by `load_policy`."""

    marketplace: str = "default"
    version: str = ""
    language: str = "en"
    proactive_window_days: int = 30
    max_message_bytes: int = 10 * 1024 * 1024
    marketplace_hosts: frozenset[str] = frozenset()
    carrier_hosts: frozenset[str] = frozenset()
    phone_regions: tuple[str, ...] = ("US",)
    critical_tag: str = "[important]"
    allowed_attachment_types: frozenset[str] = frozenset()
    unsafe_extensions: frozenset[str] = frozenset()
    unsafe_content_types: frozenset[str] = frozenset()
    tracker_hosts: frozenset[str] = field(default_factory=tracker_hosts)
    stopwords: dict[str, frozenset[str]] = field(default_factory=dict)

    def words(self, name: str) -> Phrases:
        return _patterns(self.marketplace)[name]


def marketplace_section(marketplace: str) -> dict[str, Any]:
    """One marketplace's section of the configuration (policy limits, deadlines)."""
    sections = _document()["marketplaces"]
    if marketplace not in sections:
        known = ", ".join(sorted(sections))
        raise PolicyConfigError(f"unknown marketplace {marketplace!r}; known: {known}")
    section: dict[str, Any] = sections[marketplace]
    return section


def load_policy(
    marketplace: str = "default", *, max_message_bytes: int | None = None
) -> PolicyConfig:
    document = _document()
    section = marketplace_section(marketplace)
    limit = max_message_bytes or int(section["max_message_bytes"])
    if limit <= 0 or int(section["proactive_window_days"]) < 0:
        raise PolicyConfigError("limits and windows must be positive")
    return PolicyConfig(
        marketplace=marketplace,
        version=str(document["version"]),
        language=str(section["language"]),
        proactive_window_days=int(section["proactive_window_days"]),
        max_message_bytes=limit,
        marketplace_hosts=frozenset(h.lower() for h in section["marketplace_hosts"]),
        carrier_hosts=frozenset(h.lower() for h in document["carrier_hosts"]),
        phone_regions=tuple(section["phone_regions"]),
        critical_tag=str(document["critical_tag"]).lower(),
        allowed_attachment_types=frozenset(document["allowed_attachment_types"]),
        unsafe_extensions=frozenset(document["unsafe_extensions"]),
        unsafe_content_types=frozenset(document["unsafe_content_types"]),
        stopwords={lang: frozenset(words) for lang, words in document["stopwords"].items()},
    )


@lru_cache(maxsize=1)
def default_policy() -> PolicyConfig:
    return load_policy()
