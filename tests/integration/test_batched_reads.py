"""Reads per message: each stage loads the record and what it needs about the pair at once."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import botocore.client

from parley.adapters.queues import Reference, parse_reference, read_reference
from parley.adapters.store import MessageModel, OrderModel, PairModel, PartyModel
from parley.core.ids import parties_of_pair
from parley.directory.registration import RegisteredOrder
from parley.models.tables import ClockModel
from parley.pipeline.common import message_id_for
from parley.responses import clocks
from tests.support.aws import BUYER_EMAIL, ORDER_ID, Aws
from tests.support.mail import mail, wire

READS = {"GetItem", "BatchGetItem", "Query", "Scan"}


@contextmanager
def dynamodb_reads() -> Iterator[Counter[str]]:
    seen: Counter[str] = Counter()
    real = botocore.client.BaseClient._make_api_call

    def counting(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if self.meta.service_model.service_name == "dynamodb" and operation in READS:
            seen[operation] += 1
        return real(self, operation, params)

    botocore.client.BaseClient._make_api_call = counting
    try:
        yield seen
    finally:
        botocore.client.BaseClient._make_api_call = real


def test_a_pair_id_names_its_parties() -> None:
    assert parties_of_pair("S1|B1") == ("S1", "B1")
    assert parties_of_pair("erased") is None
    assert parties_of_pair("S1|B 1") is None


def test_pair_parties_and_order_come_in_one_request(aws: Aws, order: RegisteredOrder) -> None:
    with dynamodb_reads() as reads:
        view, _ = aws.services.store.pair_view(order.pair_id, ORDER_ID)
    assert reads == Counter({"BatchGetItem": 1})
    assert isinstance(view.pair, PairModel) and view.pair.pair_id == order.pair_id
    assert isinstance(view.seller, PartyModel) and view.seller.party_id == "S1"
    assert isinstance(view.buyer, PartyModel) and view.buyer.party_id == "B1"
    assert isinstance(view.order, OrderModel) and view.order.order_id == ORDER_ID


def test_a_missing_pair_reads_as_none(aws: Aws, order: RegisteredOrder) -> None:
    view, _ = aws.services.store.pair_view("S9|B9", "999-9999999-9999999")
    assert (view.pair, view.seller, view.buyer, view.order) == (None, None, None, None)


def test_a_buyer_message_costs_at_most_five_read_requests(aws: Aws, order: RegisteredOrder) -> None:
    def question(n: int) -> bytes:
        return wire(mail(BUYER_EMAIL, order.seller_alias, f"Question {n} on {ORDER_ID}", "Blue?"))

    aws.ingest(question(0), [order.seller_alias], mail_from=BUYER_EMAIL)  # the clock starts
    aws.drain()
    with dynamodb_reads() as reads:
        aws.ingest(question(1), [order.seller_alias], mail_from=BUYER_EMAIL)
        aws.drain()
    assert len(aws.sent()) == 2
    # ingest: the record (is it a repeated delivery?) + the alias, then pair + sender;
    # filter: record + pair + parties + order; relay: the same, then the running clock it joins
    assert sum(reads.values()) <= 5, reads
    assert reads == Counter({"BatchGetItem": 4, "GetItem": 1}), reads


def test_the_queue_record_names_pair_and_order_and_old_records_still_read() -> None:
    assert read_reference(json.dumps({"message_id": "m1"})) == Reference("m1")
    hinted = json.dumps({"message_id": "m1", "pair_id": "S1|B1", "order_id": ORDER_ID})
    assert read_reference(hinted) == Reference("m1", "S1|B1", ORDER_ID)
    assert parse_reference(hinted) == "m1"


def test_a_hint_naming_another_pair_is_not_trusted(aws: Aws, order: RegisteredOrder) -> None:
    """The record decides: a hint that does not match it costs one more read, nothing else."""
    from parley.pipeline.filter import filter_message

    ses_id, _ = aws.ingest(
        wire(mail(BUYER_EMAIL, order.seller_alias, f"On {ORDER_ID}", "Blue?")),
        [order.seller_alias],
        mail_from=BUYER_EMAIL,
    )
    message_id = message_id_for(ses_id, order.seller_alias)
    wrong = Reference(message_id, "S9|B9", None)
    outcome = filter_message(message_id, aws.services, 1, wrong)
    assert outcome.status == "filtered"
    record = aws.services.store.get(MessageModel, message_id)
    assert record is not None and record.stage == "relay"


def test_a_clock_stopped_after_the_relay_read_the_order_is_not_joined(
    aws: Aws, order: RegisteredOrder
) -> None:
    """The relay hands clocks.start the order it read with the pair. If the seller's answer
    stopped the running clock in between, the buyer's new message starts a new clock."""
    question = wire(mail(BUYER_EMAIL, order.seller_alias, f"On {ORDER_ID}", "Blue?"))
    aws.ingest(question, [order.seller_alias], mail_from=BUYER_EMAIL)
    aws.drain()
    store = aws.services.store
    stale = store.get(OrderModel, ORDER_ID)
    assert stale is not None and stale.open_clock_id is not None
    clocks.stop(aws.services, ORDER_ID, datetime.now(UTC), "answered")
    record = MessageModel(
        "later-message",
        order_id=ORDER_ID,
        pair_id=order.pair_id,
        received_at=datetime.now(UTC).isoformat(),
    )
    clock = clocks.start(
        store,
        record,
        datetime.now(UTC),
        aws.services.deadlines,
        ("S1", "B1"),
        order=stale,
    )
    assert isinstance(clock, ClockModel) and clock.status == "open"
    assert clock.clock_id != stale.open_clock_id
    fresh = store.get(OrderModel, ORDER_ID)
    assert fresh is not None and fresh.open_clock_id == clock.clock_id
