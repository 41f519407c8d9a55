"""The vocabulary of the policy: categories, actions, violations, verdicts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

# A marketplace order id: 17 digits as 3-7-7, not glued to more digits.
ORDER_ID = re.compile(r"(?<![\d-])(\d{3}-\d{7}-\d{7})(?![\d-])")


def order_ids_in(text: str) -> list[str]:
    return ORDER_ID.findall(text)


class Category(StrEnum):
    REPLY = "reply"  # a seller answering a buyer message of the conversation
    CRITICAL = "critical"  # needed to complete the order; never blocked
    PROACTIVE = "proactive"  # anything else a seller starts
    BUYER = "buyer"  # buyer to seller: safety rules only


class Action(StrEnum):
    BLOCK = "block"
    STRIP = "strip"
    REDACT = "redact"
    DEFANG = "defang"
    UNWRAP = "unwrap"
    FLAG = "flag"


class Verdict(StrEnum):
    DELIVER = "deliver"
    DELIVER_SANITIZED = "deliver_sanitized"
    BLOCK = "block"


SANITIZING_ACTIONS = frozenset({Action.STRIP, Action.REDACT, Action.DEFANG, Action.UNWRAP})


@dataclass(frozen=True)
class Violation:
    rule: str
    action: Action
    evidence: str

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "action": str(self.action), "evidence": self.evidence}


def excerpt(text: str, limit: int = 100) -> str:
    """A short, single-line piece of evidence."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
