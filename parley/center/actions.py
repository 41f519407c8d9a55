"""Which typed messages a seller may send for an order right now, and why not the others."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from parley.core.kinds import KINDS, REVIEW_EARLIEST_DAYS, REVIEW_REQUEST
from parley.models.tables import OrderModel


@dataclass(frozen=True)
class Availability:
    kind: str
    allowed: bool
    reason: str | None = None

    def as_dict(self) -> dict[str, object]:
        found: dict[str, object] = {"kind": self.kind, "allowed": self.allowed}
        if self.reason:
            found["reason"] = self.reason
        return found


def _days_since_delivery(order: OrderModel, today: date) -> int | None:
    return (today - date.fromisoformat(order.delivered_on)).days if order.delivered_on else None


def availability(
    order: OrderModel, *, buyer_opted_out: bool, today: date, window_days: int
) -> list[Availability]:
    """One entry per typed message (and the review request), in a stable order."""
    sent = set(order.sent_types or ())
    days = _days_since_delivery(order, today)
    found = []
    for kind in KINDS.values():
        reason = None
        if order.kind == "inquiry":
            reason = "not an order"
        elif order.cancelled_at and kind.name != "unexpectedProblem":
            reason = "the order was cancelled"
        elif kind.once_per_order and kind.name in sent:
            reason = "already sent for this order"
        elif days is None and not kind.before_delivery:
            reason = "only after delivery"
        elif days is not None and not kind.after_delivery:
            reason = "the order was delivered"
        elif days is not None and days > window_days and not kind.critical:
            reason = f"more than {window_days} days after delivery"
        elif buyer_opted_out and not kind.critical and kind.name != "invoice":
            reason = "the buyer opted out of unsolicited messages"
        found.append(Availability(kind.name, reason is None, reason))
    found.append(_review(order, days, sent, window_days))
    return found


def _review(order: OrderModel, days: int | None, sent: set[str], window_days: int) -> Availability:
    reason = None
    if order.kind == "inquiry":
        reason = "not an order"
    elif order.cancelled_at:
        reason = "the order was cancelled"
    elif REVIEW_REQUEST in sent or int(order.review_requests or 0) > 0:
        reason = "a review was already requested for this order"
    elif days is None:
        reason = "only after delivery"
    elif days < REVIEW_EARLIEST_DAYS:
        reason = f"only from {REVIEW_EARLIEST_DAYS} days after delivery"
    elif days > window_days:
        reason = f"only up to {window_days} days after delivery"
    return Availability(REVIEW_REQUEST, reason is None, reason)
