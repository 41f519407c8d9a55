"""Classification and evaluation: one message in, one decision out."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage

from parley.mail.parsing import header
from parley.policy.config import PolicyConfig
from parley.policy.inspect import Inspection
from parley.policy.model import SANITIZING_ACTIONS, Action, Category, Verdict, Violation
from parley.policy.rules import RULES, Rule, RuleContext


@dataclass(frozen=True)
class PolicyContext:
    direction: str  # "buyer_to_seller" or "seller_to_buyer"
    is_reply: bool = False
    pair_order_ids: frozenset[str] | None = None
    config: PolicyConfig = field(default_factory=PolicyConfig)


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    category: Category
    violations: tuple[Violation, ...]
    policy_version: str
    modified: bool
    removed_attachments: tuple[str, ...] = ()

    @property
    def rule_ids(self) -> list[str]:
        return sorted({v.rule for v in self.violations})


def classify(subject: str, ctx: PolicyContext) -> Category:
    if ctx.direction == "buyer_to_seller":
        return Category.BUYER
    if ctx.config.critical_tag in subject.lower():
        return Category.CRITICAL
    return Category.REPLY if ctx.is_reply else Category.PROACTIVE


def evaluate(
    message: EmailMessage, ctx: PolicyContext, rules: tuple[Rule, ...] = RULES
) -> Decision:
    """Apply every rule; sanitizing rules modify `message` in place."""
    category = classify(header(message, "Subject") or "", ctx)
    inspection = Inspection.of(message)
    rule_ctx = RuleContext(category, ctx.pair_order_ids, ctx.config)
    violations: list[Violation] = []
    for rule in rules:
        violations.extend(rule.apply(inspection, rule_ctx))
    if category is Category.CRITICAL:  # never blocked, whatever a rule says
        violations = [
            Violation(v.rule, Action.FLAG, v.evidence) if v.action is Action.BLOCK else v
            for v in violations
        ]
    modified = inspection.commit()
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
    )
