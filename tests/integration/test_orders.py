"""Registering orders: aliases per pair, validation, conflicts, all-or-nothing."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from parley.adapters.store import AliasModel, OrderModel, PairModel, PartyModel
from parley.directory.registration import (
    OrderRegistration,
    PartyInfo,
    RegistrationError,
    register_order,
)
from tests.support.aws import BUYER_EMAIL, DOMAIN, SELLER_EMAIL, Aws

SELLER = PartyInfo("S1", "Shop", SELLER_EMAIL)
BUYER = PartyInfo("B1", "Bob", BUYER_EMAIL)


def test_aliases_are_35_characters_and_stable_across_orders(aws: Aws) -> None:
    store = aws.services.store
    first = register_order(store, OrderRegistration("111-1111111-1111111", SELLER, BUYER))
    second = register_order(store, OrderRegistration("222-2222222-2222222", SELLER, BUYER))
    for alias in (first.buyer_alias, first.seller_alias):
        assert len(alias) == 35 and alias.endswith("@" + DOMAIN)
        assert re.fullmatch(r"[a-z0-9]{15}@marketplace\.example", alias)
    assert (second.buyer_alias, second.seller_alias) == (first.buyer_alias, first.seller_alias)
    assert first.buyer_alias != first.seller_alias
    pair = PairModel.get(first.pair_id)
    assert pair.order_ids == {"111-1111111-1111111", "222-2222222-2222222"}
    assert AliasModel.get(first.buyer_alias).side == "buyer"


def test_another_seller_gets_other_aliases_for_the_same_buyer(aws: Aws) -> None:
    store = aws.services.store
    one = register_order(store, OrderRegistration("111-1111111-1111111", SELLER, BUYER))
    other = register_order(
        store,
        OrderRegistration(
            "333-3333333-3333333", PartyInfo("S2", "Other", "other@shop.example"), BUYER
        ),
    )
    assert {one.buyer_alias, one.seller_alias}.isdisjoint({other.buyer_alias, other.seller_alias})


def test_registering_the_same_order_again_is_idempotent(aws: Aws) -> None:
    store = aws.services.store
    reg = OrderRegistration("111-1111111-1111111", SELLER, BUYER)
    first, again = register_order(store, reg), register_order(store, reg)
    assert (again.created, again.buyer_alias) == (False, first.buyer_alias)


@pytest.mark.parametrize(
    "registration, message",
    [
        (OrderRegistration("12-34", SELLER, BUYER), "order id"),
        (
            OrderRegistration(
                "111-1111111-1111111", SELLER, PartyInfo("B1", "Bob", "not-an-email")
            ),
            "buyer email",
        ),
        (
            OrderRegistration("111-1111111-1111111", SELLER, PartyInfo("B 1", "Bob", BUYER_EMAIL)),
            "buyer id",
        ),
        (
            OrderRegistration("111-1111111-1111111", SELLER, PartyInfo("B1", "Bob", SELLER_EMAIL)),
            "share an email",
        ),
        (
            OrderRegistration(
                "111-1111111-1111111", SELLER, PartyInfo("B1", "Bob", f"someone@{DOMAIN}")
            ),
            "relay alias",
        ),
    ],
)
def test_malformed_registrations_write_nothing(aws: Aws, registration, message) -> None:
    with pytest.raises(RegistrationError, match=message):
        register_order(aws.services.store, registration)
    assert list(PartyModel.scan()) == [] and list(OrderModel.scan()) == []


def test_conflicting_duplicates_are_refused_and_write_nothing(aws: Aws) -> None:
    store = aws.services.store
    register_order(store, OrderRegistration("111-1111111-1111111", SELLER, BUYER))
    with pytest.raises(RegistrationError, match="already registered"):
        register_order(
            store,
            OrderRegistration(
                "222-2222222-2222222", PartyInfo("S1", "Shop", "changed@shop.example"), BUYER
            ),
        )
    with pytest.raises(RegistrationError, match="another seller or buyer"):
        register_order(
            store,
            OrderRegistration(
                "111-1111111-1111111", PartyInfo("S9", "New", "new@shop.example"), BUYER
            ),
        )
    assert OrderModel.count() == 1 and PartyModel.count() == 2


def test_concurrent_registrations_of_one_pair_create_one_pair_of_aliases(aws: Aws) -> None:
    store = aws.services.store
    orders = [f"{i:03d}-1111111-1111111" for i in range(8)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(
            pool.map(lambda o: register_order(store, OrderRegistration(o, SELLER, BUYER)), orders)
        )
    assert len({(r.buyer_alias, r.seller_alias) for r in results}) == 1
    assert AliasModel.count() == 2
    assert PairModel.get("S1|B1").order_ids == set(orders)
