"""Order rules: which order a message is about, and when a seller may start one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from parley.policy.inspect import Inspection
from parley.policy.model import ORDER_ID, Action, Category, Violation, order_ids_in
from parley.policy.rules.base import REDACTED, Rule, RuleContext, TextRule, blocked_unless_critical

P, C = Category.PROACTIVE, Category.CRITICAL


class OrderIdMissing(Rule):
    """Proactive seller messages must name an order of this pair."""

    id = "order-id-missing"
    actions: ClassVar[Mapping[Category, Action]] = {P: Action.BLOCK, C: Action.FLAG}

    def apply(self, inspection: Inspection, ctx: RuleContext) -> list[Violation]:
        action = self.action(ctx)
        if action is None:
            return []
        found = order_ids_in(inspection.text())
        if ctx.pair_order_ids is None and found:
            return []
        if ctx.pair_order_ids is not None and any(o in ctx.pair_order_ids for o in found):
            return []
        return [self.violation(action, "no order id of this buyer (like 123-1234567-1234567)")]


class OrderIdForeign(TextRule):
    """Naming someone else's order leaks another customer's business."""

    id = "order-id-foreign"
    actions = blocked_unless_critical(Action.REDACT)

    def find(self, text: str, ctx: RuleContext) -> list[str]:
        if ctx.pair_order_ids is None:
            return []
        return [o for o in order_ids_in(text) if o not in ctx.pair_order_ids]

    def redact(self, text: str, ctx: RuleContext) -> str:
        own = ctx.pair_order_ids or frozenset()
        return ORDER_ID.sub(lambda m: m.text if m.text in own else REDACTED, text)


class ProactiveWindow(Rule):
    id = "proactive-window"
    actions: ClassVar[Mapping[Category, Action]] = {P: Action.BLOCK}

    def apply(self, inspection: Inspection, ctx: RuleContext) -> list[Violation]:
        action = self.action(ctx)
        if action is None or ctx.delivered_on is None or ctx.now is None:
            return []
        days = (ctx.now.date() - ctx.delivered_on).days
        if days <= ctx.config.proactive_window_days:
            return []
        return [
            self.violation(
                action, f"delivered {days} days ago (limit {ctx.config.proactive_window_days})"
            )
        ]


class BuyerOptedOut(Rule):
    id = "buyer-opted-out"
    actions: ClassVar[Mapping[Category, Action]] = {P: Action.BLOCK}

    def apply(self, inspection: Inspection, ctx: RuleContext) -> list[Violation]:
        action = self.action(ctx)
        if action is None or not ctx.buyer_opted_out:
            return []
        return [self.violation(action, "the buyer opted out of unsolicited messages")]
