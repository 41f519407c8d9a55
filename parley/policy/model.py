"""The vocabulary of the policy: categories, actions, violations, verdicts."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from parley.policy.patterns import Pattern

# A marketplace order id: 17 digits as 3-7-7, not glued to more digits.
ORDER_ID = Pattern(
    r"\d{3}-\d{7}-\d{7}",
    not_before=lambda ch: ch.isdigit() or ch == "-",
    not_after=lambda ch: ch.isdigit() or ch == "-",
)


def order_ids_in(text: str) -> list[str]:
    return ORDER_ID.findall(text)


# Violations the engine itself records (not a rule of the catalogue).
CRITICAL_CLAIM = "critical-claim"  # [Important] on a message about something else: a flag
POLICY_TIMEOUT = "policy-timeout"  # the rules ran past the message's time budget
UNPROCESSABLE = "unprocessable"  # the message could not be evaluated or written back
ENGINE_VIOLATIONS = (CRITICAL_CLAIM, POLICY_TIMEOUT, UNPROCESSABLE)


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
