"""What the policy knows about a message beyond its content: written once, by the stage that
loads the records, and read by the engine and (through RuleContext) by every rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from parley.policy.config import PolicyConfig, default_policy


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
    time_budget_seconds: float | None = None  # None: the configuration's
