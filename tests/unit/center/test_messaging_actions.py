"""Which typed messages a seller may send: order state, delivery window, opt-out, history."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from parley.center.actions import availability
from parley.center.errors import InvalidInput
from parley.center.service import Principal
from parley.center.templates import DEFAULT_TEMPLATES, placeholders, render
from parley.core.kinds import CRITICAL_KINDS, KINDS
from parley.models.tables import OrderModel

TODAY = date(2026, 12, 1)


def order(**fields: object) -> OrderModel:
    return OrderModel(
        "123-1234567-1234567",
        pair_id="S1|B1",
        seller_id="S1",
        buyer_id="B1",
        created_at="2026-11-20T10:00:00Z",
        **fields,
    )


def allowed(found: list[Any]) -> dict[str, str | None]:
    return {a.kind: a.reason for a in found}


def test_before_delivery_everything_but_the_review_request_is_offered() -> None:
    found = allowed(availability(order(), buyer_opted_out=False, today=TODAY, window_days=30))
    assert {k for k, reason in found.items() if reason is None} == set(KINDS)
    assert found["requestReview"] == "only after delivery"


@pytest.mark.parametrize(
    ("days", "review"),
    [(4, "only from 5 days after delivery"), (5, None), (30, None), (31, "only up to 30 days")],
)
def test_review_request_window(days: int, review: str | None) -> None:
    delivered = date.fromordinal(TODAY.toordinal() - days).isoformat()
    found = allowed(
        availability(
            order(delivered_on=delivered), buyer_opted_out=False, today=TODAY, window_days=30
        )
    )
    reason = found["requestReview"]
    if review is None:
        assert reason is None
    else:
        assert reason is not None and reason.startswith(review)


def test_after_delivery_pre_delivery_messages_are_gone() -> None:
    found = allowed(
        availability(
            order(delivered_on="2026-11-28"), buyer_opted_out=False, today=TODAY, window_days=30
        )
    )
    assert found["confirmDeliveryDetails"] == "the order was delivered"
    assert found["confirmCustomizationDetails"] == "the order was delivered"
    assert found["warranty"] is None and found["invoice"] is None


def test_long_after_delivery_only_critical_messages_remain() -> None:
    found = allowed(
        availability(
            order(delivered_on="2026-09-01"), buyer_opted_out=False, today=TODAY, window_days=30
        )
    )
    open_kinds = {k for k, reason in found.items() if reason is None}
    assert open_kinds == {"unexpectedProblem", "legalDisclosure"}


def test_opted_out_buyer_gets_only_critical_messages_and_invoices() -> None:
    found = allowed(availability(order(), buyer_opted_out=True, today=TODAY, window_days=30))
    open_kinds = {k for k, reason in found.items() if reason is None}
    assert open_kinds == set(CRITICAL_KINDS) | {"invoice"}


def test_once_per_order_messages_are_offered_once() -> None:
    found = allowed(
        availability(
            order(sent_types={"confirmOrderDetails", "invoice"}),
            buyer_opted_out=False,
            today=TODAY,
            window_days=30,
        )
    )
    assert found["confirmOrderDetails"] == "already sent for this order"
    assert found["invoice"] is None  # invoices may follow corrections


def test_cancelled_orders_and_inquiries_offer_almost_nothing() -> None:
    cancelled = allowed(
        availability(
            order(cancelled_at="2026-11-30T00:00:00Z"),
            buyer_opted_out=False,
            today=TODAY,
            window_days=30,
        )
    )
    assert {k for k, r in cancelled.items() if r is None} == {"unexpectedProblem"}
    inquiry = allowed(
        availability(order(kind="inquiry"), buyer_opted_out=False, today=TODAY, window_days=30)
    )
    assert all(reason == "not an order" for reason in inquiry.values())


def test_principal_comes_only_from_a_well_formed_claim() -> None:
    assert Principal.from_claim("seller:S1") == Principal("seller", "S1")
    for bad in (None, "", "seller:", "admin:x", "buyer:a b", "seller:S1:x/../"):
        assert Principal.from_claim(bad) is None


def test_default_templates_cover_the_critical_cases_in_english_and_german() -> None:
    cases = {(t.suggested_kind, t.language) for t in DEFAULT_TEMPLATES}
    for kind in ("confirmCustomizationDetails", "confirmDeliveryDetails", "unexpectedProblem"):
        assert {(kind, "en"), (kind, "de")} <= cases
    for template in DEFAULT_TEMPLATES:
        assert {"order_id", "buyer_name", "seller_name"} <= placeholders(template.text)


def test_rendering_names_a_missing_value() -> None:
    with pytest.raises(InvalidInput) as error:
        render("Hi {{buyer_name}}, {{proposed_date}}", {"buyer_name": "Bob"}, field="variables")
    assert error.value.field == "variables" and "proposed_date" in error.value.message
    assert render("Hi {{ buyer_name }}", {"buyer_name": "Bob"}, field="x") == "Hi Bob"
