"""Classification and evaluation: one message in, one decision out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage

from parley.mail.parsing import header
from parley.policy.config import PolicyConfig, default_policy
from parley.policy.inspect import Inspection
from parley.policy.model import SANITIZING_ACTIONS, Action, Category, Verdict, Violation
from parley.policy.rules import RULES, Rule, RuleContext


@dataclass(frozen=True)
class PolicyContext:
    """What the policy needs to know beyond the message itself."""

    direction: str  # "buyer_to_seller" or "seller_to_buyer"
    is_reply: bool = False
    pair_order_ids: frozenset[str] | None = None
    config: PolicyConfig = field(default_factory=default_policy)
    delivered_on: date | None = None
    now: datetime | None = None
    buyer_opted_out: bool = False
    buyer_locale: str | None = None
    review_requests_sent: int = 0
    seller_link_hosts: frozenset[str] = frozenset()
    relay_domain: str | None = None
    raw_size: int = 0
    declared_critical: bool = False  # a critical typed message from the message center API


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    category: Category
    violations: tuple[Violation, ...]
    policy_version: str
    modified: bool
    removed_attachments: tuple[str, ...] = ()
    review_request: bool = False  # counts toward the one review request per order

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


def classify(subject: str, ctx: PolicyContext) -> Category:
    if ctx.direction == "buyer_to_seller":
        return Category.BUYER
    if ctx.declared_critical or ctx.config.critical_tag in subject.lower():
        return Category.CRITICAL
    return Category.REPLY if ctx.is_reply else Category.PROACTIVE


def evaluate(
    message: EmailMessage, ctx: PolicyContext, rules: tuple[Rule, ...] = RULES
) -> Decision:
    """Apply every rule; sanitizing rules modify `message` in place."""
    category = classify(header(message, "Subject") or "", ctx)
    inspection = Inspection.of(message)
    language = (ctx.buyer_locale or "").split("-")[0].lower() or None
    rule_ctx = RuleContext(
        category=category,
        config=ctx.config,
        pair_order_ids=ctx.pair_order_ids,
        delivered_on=ctx.delivered_on,
        now=ctx.now,
        buyer_opted_out=ctx.buyer_opted_out,
        buyer_language=language,
        review_requests_sent=ctx.review_requests_sent,
        seller_link_hosts=ctx.seller_link_hosts,
        relay_domain=ctx.relay_domain,
        raw_size=ctx.raw_size,
        list_unsubscribe=message.get("List-Unsubscribe") is not None,
    )
    review_request = category is not Category.BUYER and bool(
        ctx.config.words("review_request").search(inspection.text())
    )
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
        review_request=review_request and verdict is not Verdict.BLOCK,
    )
