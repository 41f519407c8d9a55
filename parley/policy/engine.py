"""Classification and evaluation: one message in, one decision out.

Nothing here raises on a hostile message: a sanitized message that cannot be written back is
rebuilt as text/plain with its remaining attachments; a message whose rules run past the time
budget ends with `policy-timeout` (critical and buyer mail delivered as text/plain only, other
seller mail blocked); `fallback` is what the filter uses when evaluation fails outright.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from email.message import EmailMessage

from parley.mail.parsing import header, iter_leaves
from parley.mail.plaintext import best_effort_text, rebuild_as_plain_text
from parley.policy.context import PolicyContext
from parley.policy.inspect import Inspection
from parley.policy.model import (
    CRITICAL_CLAIM,
    ORDER_ID,
    POLICY_TIMEOUT,
    SANITIZING_ACTIONS,
    UNPROCESSABLE,
    Action,
    Category,
    Verdict,
    Violation,
)
from parley.policy.rules import RULES, Rule, RuleContext
from parley.policy.rules.base import PolicyTimeout


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    category: Category
    violations: tuple[Violation, ...]
    policy_version: str
    modified: bool
    removed_attachments: tuple[str, ...] = ()
    review_request: bool = False  # counts toward the one review request per order
    rebuilt: bool = False  # delivered as text/plain (plus allowed attachments): see module doc

    @property
    def rule_ids(self) -> list[str]:
        return sorted({v.rule for v in self.violations})

    def as_dict(self) -> dict[str, object]:
        return {
            "verdict": str(self.verdict),
            "category": str(self.category),
            "violations": [v.as_dict() for v in self.violations],
            "policy_version": self.policy_version,
        }


TEXT_VOLUME = "text-volume"


def classify(inspection: Inspection, ctx: PolicyContext) -> tuple[Category, list[Violation]]:
    """The category, and a flag when the seller claimed [Important] for anything else.

    `[Important]` makes a message critical only when what it says is about one of the three
    reasons a seller may need to reach the buyer (customization, delivery scheduling, a
    delivery address problem), in English or German.
    """
    if ctx.direction == "buyer_to_seller":
        return Category.BUYER, []
    if ctx.declared_critical:
        return Category.CRITICAL, []
    otherwise = Category.REPLY if ctx.is_reply else Category.PROACTIVE
    if ctx.config.critical_tag not in inspection.subject.lower():
        return otherwise, []
    reasons = ctx.config.words("critical_reasons")
    texts = [ORDER_ID.sub("order", c.text) for c in inspection.chunks() if c.editable]
    if any(reasons.search(text) for text in texts):
        return Category.CRITICAL, []
    claim = Violation(
        CRITICAL_CLAIM,
        Action.FLAG,
        "[Important] on a message that is not about customization, delivery scheduling or "
        "the delivery address",
    )
    return otherwise, [claim]


def evaluate(
    message: EmailMessage, ctx: PolicyContext, rules: tuple[Rule, ...] = RULES
) -> Decision:
    """Apply every rule; sanitizing rules modify `message` in place."""
    budget = ctx.time_budget_seconds or ctx.config.time_budget_seconds
    deadline = time.process_time() + budget
    inspection = Inspection.of(message, ctx.config.max_text_chars)
    category, violations = classify(inspection, ctx)
    language = (ctx.buyer_locale or "").split("-")[0].lower() or None
    rule_ctx = RuleContext(
        ctx,
        category=category,
        buyer_language=language,
        list_unsubscribe=message.get("List-Unsubscribe") is not None,
        deadline=deadline,
    )
    if len(inspection.text()) > ctx.config.max_message_text_chars:
        # More text than the rules can read in the budget (many parts of bounded text): the
        # same outcome as a timeout, decided before any rule runs, so it cannot stall a batch.
        return _timed_out(message, inspection, ctx, category, TEXT_VOLUME, budget)
    try:
        review_request = category is not Category.BUYER and bool(
            ctx.config.words("review_request").search(inspection.text())
        )
        for rule in rules:
            if time.process_time() > deadline:
                raise PolicyTimeout(rule.id)
            violations.extend(rule.apply(inspection, rule_ctx))
    except PolicyTimeout as exc:
        return _timed_out(message, inspection, ctx, category, str(exc), budget)
    if category is Category.CRITICAL:  # never blocked, whatever a rule says
        violations = [
            Violation(v.rule, Action.FLAG, v.evidence) if v.action is Action.BLOCK else v
            for v in violations
        ]
    rebuilt = False
    try:
        modified = inspection.commit()
    except Exception:  # a part that cannot take the edit (a multipart without boundary...)
        rebuild_as_plain_text(message, _sanitized_text(inspection), inspection.attachments)
        modified = rebuilt = True
    if any(v.action is Action.BLOCK for v in violations):
        verdict = Verdict.BLOCK
    elif modified or any(v.action in SANITIZING_ACTIONS for v in violations):
        verdict = Verdict.DELIVER_SANITIZED
    else:
        verdict = Verdict.DELIVER
    return Decision(
        verdict=verdict,
        category=category,
        violations=tuple(violations),
        policy_version=ctx.config.version,
        modified=modified,
        removed_attachments=tuple(inspection.removed),
        review_request=review_request and verdict is not Verdict.BLOCK,
        rebuilt=rebuilt,
    )


def _sanitized_text(inspection: Inspection) -> str:
    if inspection.plain_parts:
        return "\n\n".join(p.text for p in inspection.plain_parts)
    return "\n\n".join(h.visible_text() for h in inspection.html_parts)


def _timed_out(
    message: EmailMessage,
    inspection: Inspection,
    ctx: PolicyContext,
    category: Category,
    at_rule: str,
    budget: float,
) -> Decision:
    """Critical and buyer mail is delivered as text/plain only; other seller mail is blocked."""
    evidence = (
        f"more than {ctx.config.max_message_text_chars:,} characters of text to read"
        if at_rule == TEXT_VOLUME
        else f"the rules took longer than {budget:g} s (stopped at {at_rule})"
    )
    deliver = category in {Category.CRITICAL, Category.BUYER}
    action = Action.STRIP if deliver else Action.BLOCK
    if deliver:
        rebuild_as_plain_text(message, best_effort_text(message))
    return Decision(
        verdict=Verdict.DELIVER_SANITIZED if deliver else Verdict.BLOCK,
        category=category,
        violations=(Violation(POLICY_TIMEOUT, action, evidence),),
        policy_version=ctx.config.version,
        modified=deliver,
        removed_attachments=tuple(a.name for a in inspection.attachments) if deliver else (),
        rebuilt=deliver,
    )


def fallback(message: EmailMessage, ctx: PolicyContext, error: Exception) -> Decision | None:
    """When `evaluate` fails outright: a critical message is still delivered, as text/plain
    only; anything else gets None (the filter ends it `rejected`, reason `unprocessable`)."""
    tag = ctx.config.critical_tag in (header(message, "Subject") or "").lower()
    if ctx.direction != "seller_to_buyer" or not (ctx.declared_critical or tag):
        return None
    removed = tuple(
        p.get_filename() or "attachment" for p in iter_leaves(message) if p.get_filename()
    )
    rebuild_as_plain_text(message, best_effort_text(message))
    flag = Violation(UNPROCESSABLE, Action.STRIP, f"delivered as text only: {error!r}")
    try:  # the text alone is simple enough to judge: contact details are still removed
        judged = evaluate(message, replace(ctx, declared_critical=True))
    except Exception:
        judged = None
    if judged is not None:
        return replace(
            judged,
            verdict=Verdict.DELIVER_SANITIZED,
            violations=(flag, *judged.violations),
            modified=True,
            removed_attachments=removed,
            rebuilt=True,
        )
    return Decision(
        verdict=Verdict.DELIVER_SANITIZED,
        category=Category.CRITICAL,
        violations=(Violation(UNPROCESSABLE, Action.STRIP, f"delivered as text only: {error!r}"),),
        policy_version=ctx.config.version,
        modified=True,
        removed_attachments=removed,
        rebuilt=True,
    )
