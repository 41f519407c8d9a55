"""The versioned policy configuration: limits, allowlists and word lists per marketplace.

Shipped as `data/policy.json`; every verdict records the version that made it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from parley.policy.phrases import Phrases

DEFAULT_MAX_TEXT_CHARS = 256 * 1024
OFFICE_ZIP_EXTENSIONS = frozenset({"docx", "xlsx", "pptx", "odt", "ods", "odp"})


class PolicyConfigError(ValueError):
    """The policy configuration is missing something or names an unknown marketplace."""


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
    messenger_hosts: frozenset[str] = frozenset()
    shortener_hosts: frozenset[str] = frozenset()
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS  # per part: the rules' work is bounded
    # per message: many parts of bounded text are still too much to read in the time budget
    max_message_text_chars: int = 2 * DEFAULT_MAX_TEXT_CHARS
    reply_window_days: int = 30  # a reply answers a buyer message at most this old
    time_budget_seconds: float = 5.0  # per message in the filter: then policy-timeout

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
        messenger_hosts=frozenset(h.lower() for h in document["messenger_hosts"]),
        shortener_hosts=frozenset(h.lower() for h in document["shortener_hosts"]),
        max_text_chars=int(document.get("max_text_chars", DEFAULT_MAX_TEXT_CHARS)),
        max_message_text_chars=int(
            document.get("max_message_text_chars", 2 * DEFAULT_MAX_TEXT_CHARS)
        ),
        reply_window_days=int(section.get("reply_window_days", 30)),
        time_budget_seconds=float(document.get("time_budget_seconds", 5.0)),
    )


@lru_cache(maxsize=1)
def default_policy() -> PolicyConfig:
    return load_policy()
