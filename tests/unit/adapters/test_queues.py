"""Queue records: the ids, and the compact record when it fits in one."""

from __future__ import annotations

import json
from typing import Any

import pytest

from parley.adapters.queues import INLINE_LIMIT, StageQueue, fits_inline, read_reference


class _Sqs:
    def __init__(self) -> None:
        self.bodies: list[str] = []

    def send_message(self, **kwargs: Any) -> None:
        self.bodies.append(kwargs["MessageBody"])


def test_a_record_travels_with_its_kind_and_comes_back_byte_for_byte() -> None:
    sqs = _Sqs()
    record = json.dumps({"format": 1, "text": "Grüße \udcff"}).encode("ascii")
    StageQueue(sqs, "url").send_reference("m1", pair_id="p", record=record, sanitized=True)
    reference = read_reference(sqs.bodies[0])
    assert (reference.message_id, reference.pair_id, reference.order_id) == ("m1", "p", None)
    assert reference.carried(sanitized=True) == record
    # the relay asks for the sanitized record when the policy rewrote the message, and must
    # never take ingest's (a heal or an old hand-over) for it, nor the other way round
    assert reference.carried(sanitized=False) is None


def test_ingest_record_is_not_taken_for_a_sanitized_one() -> None:
    sqs = _Sqs()
    StageQueue(sqs, "url").send_reference("m1", record=b"{}")
    assert read_reference(sqs.bodies[0]).carried(sanitized=True) is None
    assert read_reference(sqs.bodies[0]).carried(sanitized=False) == b"{}"


def test_a_record_too_large_for_sqs_is_refused_not_sent() -> None:
    big = b"x" * INLINE_LIMIT
    assert not fits_inline(big)
    with pytest.raises(ValueError):
        StageQueue(_Sqs(), "url").send_reference("m1", record=big)
    sent = _Sqs()
    StageQueue(sent, "url").send_reference("m1", record=b"x" * (INLINE_LIMIT - 600))
    assert len(sent.bodies[0].encode()) < 256 * 1024  # SQS's limit, with room to spare


@pytest.mark.parametrize(
    "body",
    [
        '{"message_id": "m1"}',  # an older version's, or an operator's: no record
        '{"message_id": "m1", "record": 5}',
        '{"message_id": "m1", "record": "caf\\u00e9"}',  # not what we send: read S3 instead
    ],
)
def test_a_queue_record_without_a_usable_record_carries_none(body: str) -> None:
    reference = read_reference(body)
    assert reference.message_id == "m1"
    assert reference.carried(sanitized=False) is None
