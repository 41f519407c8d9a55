"""What every rule shares: its context, the base classes, evidence helpers."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

from parley.policy.config import PolicyConfig
from parley.policy.context import PolicyContext
from parley.policy.inspect import AttachmentPart, Chunk, Inspection
from parley.policy.model import Action, Category, Violation, excerpt
from parley.policy.phrases import Phrases

REDACTED = "[removed]"

P, R, C, B = Category.PROACTIVE, Category.REPLY, Category.CRITICAL, Category.BUYER
ALL = (P, R, C, B)


def blocked_unless_critical(in_critical: Action) -> Mapping[Category, Action]:
    """Most content rules: block seller messages, but clean a critical one instead."""
    return {P: Action.BLOCK, R: Action.BLOCK, C: in_critical}


class PolicyTimeout(Exception):
    """The rules ran past the message's time budget (the argument: the rule that was running
    or was next)."""


@dataclass(frozen=True)
class RuleContext:
    """The caller's facts (one PolicyContext, not a copy of its fields) plus what the engine
    derived for the rules: the category, the buyer's language, list headers."""

    facts: PolicyContext
    category: Category
    buyer_language: str | None = None
    list_unsubscribe: bool = False
    deadline: float | None = None  # process time when the message's budget is spent

    def check_deadline(self, rule_id: str) -> None:
        """For a rule's long loops: past the budget, stop (the engine ends policy-timeout)."""
        if self.deadline is not None and time.process_time() > self.deadline:
            raise PolicyTimeout(rule_id)

    @property
    def config(self) -> PolicyConfig:
        return self.facts.config

    @property
    def pair_order_ids(self) -> frozenset[str] | None:
        """None: any well-formed order id counts."""
        return self.facts.pair_order_ids

    @property
    def delivered_on(self) -> date | None:
        return self.facts.delivered_on

    @property
    def now(self) -> datetime | None:
        return self.facts.now

    @property
    def buyer_opted_out(self) -> bool:
        return self.facts.buyer_opted_out

    @property
    def review_requests_sent(self) -> int:
        return self.facts.review_requests_sent

    @property
    def seller_link_hosts(self) -> frozenset[str]:
        """Approved by an operator."""
        return self.facts.seller_link_hosts

    @property
    def relay_domain(self) -> str | None:
        return self.facts.relay_domain

    @property
    def raw_size(self) -> int:
        return self.facts.raw_size


class Rule(ABC):
    """A rule: a stable id, its action per category, detection and sanitizing in `apply`."""

    id: ClassVar[str]
    actions: ClassVar[Mapping[Category, Action]]

    def action(self, ctx: RuleContext) -> Action | None:
        return self.actions.get(ctx.category)

    @abstractmethod
    def apply(self, inspection: Inspection, ctx: RuleContext) -> list[Violation]: ...

    def violation(self, action: Action, evidence: str) -> Violation:
        return Violation(self.id, action, excerpt(evidence))


def in_context(text: str, found: str, margin: int = 25) -> str:
    """The finding with a little of the text around it, so the sender recognises the spot."""
    at = text.lower().find(found.lower())
    if at < 0:
        return found
    start, end = max(0, at - margin), min(len(text), at + len(found) + margin)
    return (
        ("…" if start else "")
        + " ".join(text[start:end].split())
        + ("…" if end < len(text) else "")
    )


def located(chunk: Chunk, evidence: str) -> str:
    """Evidence that says where it was found when that is not the text itself."""
    if chunk.where in {"text", "html", "subject"}:
        return evidence
    return f"{evidence} (in {chunk.where})"


class TextRule(Rule):
    """A rule over everything a reader sees: finds spans, blocks or redacts them.

    By default the spans are the phrases of the word list `words_key` in the policy data.
    Redacting rewrites the text and the text attributes; an attachment whose text or file
    name carries the finding cannot be rewritten and is removed.
    """

    words_key: ClassVar[str] = ""

    def find(self, text: str, ctx: RuleContext) -> list[str]:
        return [m.text for m in self.pattern(ctx).finditer(text)]

    def pattern(self, ctx: RuleContext) -> Phrases:
        return ctx.config.words(self.words_key)

    def redact(self, text: str, ctx: RuleContext) -> str:
        return self.pattern(ctx).sub(REDACTED, text)

    def hits(self, inspection: Inspection, ctx: RuleContext) -> list[tuple[Chunk, list[str]]]:
        found = []
        for chunk in inspection.chunks():
            spans = self.find(chunk.text, ctx)
            if spans:
                found.append((chunk, spans))
        return found

    def apply(self, inspection: Inspection, ctx: RuleContext) -> list[Violation]:
        action = self.action(ctx)
        if action is None:
            return []
        hits = self.hits(inspection, ctx)
        if not hits:
            return []
        chunk, spans = hits[0]
        evidence = located(chunk, in_context(chunk.text, spans[0]))
        if action is Action.REDACT:
            self.sanitize(inspection, ctx, hits)
        return [self.violation(action, evidence)]

    def sanitize(
        self, inspection: Inspection, ctx: RuleContext, hits: list[tuple[Chunk, list[str]]]
    ) -> None:
        inspection.rewrite_text(lambda text: self.redact(text, ctx))
        if any(not c.editable and c.attachment is None for c, _ in hits):
            inspection.rewrite_attributes(lambda text: self.redact(text, ctx))
        remove_attachments(inspection, [c.attachment for c, _ in hits])


def remove_attachments(inspection: Inspection, found: list[AttachmentPart | None]) -> None:
    for attachment in found:
        if attachment is not None:
            inspection.remove_attachment(attachment)
