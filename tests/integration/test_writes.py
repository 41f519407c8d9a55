"""The write path: updates that return nothing, and what a message costs in writes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import botocore.client
import pytest

from parley.adapters.store import ConditionFailed, MessageModel, PartyModel
from parley.directory.registration import RegisteredOrder
from parley.models.tables import AttachmentMap, ClockModel, CounterModel
from tests.support.aws import BUYER_EMAIL, ORDER_ID, Aws
from tests.support.mail import mail, wire

WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


@contextmanager
def dynamodb_writes() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    seen: list[tuple[str, dict[str, Any]]] = []
    real = botocore.client.BaseClient._make_api_call

    def counting(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if self.meta.service_model.service_name == "dynamodb" and operation in WRITES:
            seen.append((operation, params))
        return real(self, operation, params)

    botocore.client.BaseClient._make_api_call = counting
    try:
        yield seen
    finally:
        botocore.client.BaseClient._make_api_call = real


def _record(aws: Aws, message_id: str = "m-1") -> MessageModel:
    record = MessageModel(
        message_id,
        ses_message_id="ses-1",
        recipient_alias="a@marketplace.example",
        received_at="2026-11-27T09:00:00.000Z",
        updated_at="2026-11-27T09:00:00.000Z",
        status="received",
        stage="ingest",
        raw_key="raw/ses-1",
        subject="Hello",
    )
    assert aws.services.store.create(record, MessageModel.message_id)
    return record


def test_an_update_leaves_the_item_as_written_without_reading_it_back(aws: Aws) -> None:
    store = aws.services.store
    record = _record(aws)
    expiry = datetime(2027, 11, 27, 9, 0, tzinfo=UTC)
    files = [AttachmentMap(name="a.pdf", key="k/a.pdf", content_type="application/pdf", size=3)]
    with dynamodb_writes() as writes:
        store.update(
            record,
            [
                MessageModel.status.set("accepted"),
                MessageModel.stage.set("filter"),
                MessageModel.subject.remove(),
                MessageModel.attachments.set(files),
                MessageModel.references.set(["<a@x>", "<b@x>"]),
                MessageModel.auto_submitted.set(True),
                MessageModel.expires_at.set(expiry),
            ],
        )
    assert [params.get("ReturnValues") for _op, params in writes] == ["NONE"]
    stored = store.get(MessageModel, "m-1")
    assert stored is not None
    for name in ("status", "stage", "subject", "references", "auto_submitted", "expires_at"):
        assert getattr(record, name) == getattr(stored, name), name
    assert record.subject is None and record.stage == "filter"
    assert [(a.name, a.key, a.size) for a in record.attachments or []] == [("a.pdf", "k/a.pdf", 3)]
    assert record.expires_at == expiry


def test_a_value_only_dynamodb_knows_is_read_back(aws: Aws) -> None:
    store = aws.services.store
    seller = store.get(PartyModel, "seller:S9")
    assert seller is None
    party = PartyModel("seller:S9")
    with dynamodb_writes() as writes:
        store.update(party, [PartyModel.complaints.add(2)])
        store.update(party, [PartyModel.complaints.add(3)])
    assert party.complaints == 5  # ADD: the new value comes back (UPDATED_NEW), not the item
    assert [params.get("ReturnValues") for _op, params in writes] == ["UPDATED_NEW"] * 2
    clock = ClockModel("c-1", message_ids=["m-1"])
    store.update(clock, [ClockModel.message_ids.set(["m-1"])])
    store.update(clock, [ClockModel.message_ids.set(ClockModel.message_ids.append(["m-2"]))])
    assert clock.message_ids == ["m-1", "m-2"]
    # a mapped attribute name (attr_name differs from the Python name) is set on the item too
    store.update(party, [PartyModel.messaging_enabled_setting.set(False)])
    assert party.messaging_enabled_setting is False
    assert store.get(PartyModel, "seller:S9").messaging_enabled_setting is False  # type: ignore[union-attr]


def test_a_count_nobody_reads_is_not_read_back(aws: Aws) -> None:
    store = aws.services.store
    counter = CounterModel("k#1")
    with dynamodb_writes() as writes:
        store.update(counter, [CounterModel.hits.add(1)], read_back=False)
    assert [params.get("ReturnValues") for _op, params in writes] == ["NONE"]
    assert counter.hits is None  # the caller said it never reads it
    assert store.get(CounterModel, "k#1").hits == 1  # type: ignore[union-attr]


def test_a_lost_condition_leaves_the_item_unchanged(aws: Aws) -> None:
    store = aws.services.store
    record = _record(aws)
    with pytest.raises(ConditionFailed):
        store.update(
            record,
            [MessageModel.stage.set("relay")],
            condition=MessageModel.stage == "filter",
        )
    assert record.stage == "ingest"
    assert store.get(MessageModel, "m-1").stage == "ingest"  # type: ignore[union-attr]


def _question(order: RegisteredOrder, n: int) -> bytes:
    return wire(mail(BUYER_EMAIL, order.seller_alias, f"Question {n} on {ORDER_ID}", "Blue?"))


def test_no_stage_asks_for_the_whole_item_after_a_write(aws: Aws, order: RegisteredOrder) -> None:
    aws.ingest(_question(order, 0), [order.seller_alias], mail_from=BUYER_EMAIL)
    aws.drain()
    with dynamodb_writes() as writes:
        aws.ingest(_question(order, 1), [order.seller_alias], mail_from=BUYER_EMAIL)
        aws.drain()
    assert len(aws.sent()) == 2
    asked = Counter(params.get("ReturnValues", "NONE") for _op, params in writes)
    assert set(asked) == {"NONE"}, asked


def test_ingest_writes_the_record_once(aws: Aws, order: RegisteredOrder) -> None:
    table = aws.services.settings.messages_table
    with dynamodb_writes() as writes:
        aws.ingest(_question(order, 0), [order.seller_alias], mail_from=BUYER_EMAIL)
    on_records = [op for op, params in writes if params.get("TableName") == table]
    assert on_records == ["UpdateItem"], on_records  # created with its outcome
    aws.drain()
    assert len(aws.sent()) == 1


def test_a_concurrent_run_of_the_same_event_leaves_one_outcome(
    aws: Aws, order: RegisteredOrder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a claim write first, two runs of one SES event can both find no record: the
    outcome's conditional write lets the first stand, and the message goes out once."""
    from devstack.lambda_runtime import LocalContext
    from functions.ingest.handler import handler
    from parley.pipeline import ingest

    ses_id, event = aws.receive(_question(order, 0), [order.seller_alias], mail_from=BUYER_EMAIL)
    real_read = ingest._Message.read
    nested: list[Any] = []

    def read_after_the_other_run(svc: Any, inbound: Any) -> Any:
        if not nested:  # the other run starts, and its message is delivered, meanwhile
            nested.append(None)
            nested[0] = handler(event, LocalContext("ingest"))
            aws.drain()
        return real_read(svc, inbound)

    monkeypatch.setattr(ingest._Message, "read", staticmethod(read_after_the_other_run))
    outer = handler(event, LocalContext("ingest"))
    record = MessageModel.get(ingest.message_id_for(ses_id, order.seller_alias))
    assert record.status == "delivered"  # not taken back to "accepted" by the later run
    assert nested[0]["outcomes"][0]["status"] == "accepted"
    assert outer["outcomes"][0]["status"] == "delivered"  # what it found recorded
    aws.drain()
    assert len(aws.sent()) == 1
