"""Fault injection at every AWS call site: a transient error is retried and the message is
delivered exactly once; every message ends in exactly one final state."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from typing import Any

import botocore.client
import pytest
from botocore.exceptions import ClientError

from parley.adapters.store import MessageModel
from parley.models.tables import TERMINAL_STATUSES
from parley.pipeline.common import message_id_for
from tests.conftest import BUYER_EMAIL, ORDER_ID, SELLER_EMAIL, Aws
from tests.mailbuilder import mail, wire

TRANSIENT = {
    "s3": "SlowDown",
    "dynamodb": "ThrottlingException",
    "sqs": "ThrottlingException",
    "sesv2": "TooManyRequestsException",
}
REAL_CALL = botocore.client.BaseClient._make_api_call


def ses_own(operation: str, params: dict[str, Any]) -> bool:
    """SES's S3 action storing the raw mail happens before our code runs: not our call site."""
    return operation == "PutObject" and str(params.get("Key", "")).startswith("raw/")


@contextmanager
def calls_counted() -> Iterator[Counter[tuple[str, str]]]:
    seen: Counter[tuple[str, str]] = Counter()

    def counting(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if not ses_own(operation, params):
            seen[(self.meta.service_model.service_name, operation)] += 1
        return REAL_CALL(self, operation, params)

    botocore.client.BaseClient._make_api_call = counting  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        botocore.client.BaseClient._make_api_call = REAL_CALL  # type: ignore[method-assign]


@contextmanager
def failing(service: str, operation: str, nth: int) -> Iterator[list[int]]:
    """The nth call to service:operation fails once with a transient error."""
    state = [0, 0]  # calls seen, failures injected

    def flaky(self: Any, op: str, params: dict[str, Any]) -> Any:
        if (self.meta.service_model.service_name, op) == (service, operation) and not ses_own(
            op, params
        ):
            state[0] += 1
            if state[0] == nth:
                state[1] += 1
                raise ClientError(
                    {"Error": {"Code": TRANSIENT[service], "Message": "injected"}}, op
                )
        return REAL_CALL(self, op, params)

    botocore.client.BaseClient._make_api_call = flaky  # type: ignore[method-assign]
    try:
        yield state
    finally:
        botocore.client.BaseClient._make_api_call = REAL_CALL  # type: ignore[method-assign]


def run_once(aws: Aws, order, subject: str) -> str:  # type: ignore[no-untyped-def]
    """One buyer message through SES (Lambda retries the async ingest twice) and the queues."""
    from functions.ingest.handler import handler
    from parley.local.lambda_runtime import LocalContext

    message = mail(BUYER_EMAIL, order.seller_alias, subject, f"About {ORDER_ID}.")
    message.add_attachment(
        b"%PDF-1.4 invoice", maintype="application", subtype="pdf", filename="invoice.pdf"
    )
    ses_id, event = aws.receive(wire(message), [order.seller_alias])
    for _attempt in range(3):
        try:
            handler(event, LocalContext("ingest"))
            break
        except Exception:
            continue
    aws.drain(rounds=12)
    return ses_id


# The call sites, found once per session by a dry run: every call one message makes.
SITES: list[tuple[str, str, int]] = []
QUEUE_PLUMBING = {
    "ReceiveMessage",
    "DeleteMessage",
    "DeleteMessageBatch",
    "GetQueueAttributes",
    "ChangeMessageVisibility",
}
CASES = 29  # the pipeline's call sites for one message; the dry-run test says when it changes


def call_sites(aws: Aws, order) -> list[tuple[str, str, int]]:  # type: ignore[no-untyped-def]
    """Every test first sends one message unharmed, so each counts the same, second message."""
    run_once(aws, order, "warm-up")
    if not SITES:
        with calls_counted() as seen:
            run_once(aws, order, "dry run")
        assert seen[("sesv2", "SendEmail")] == 1
        SITES.extend(
            (s, o, n)
            for (s, o), count in sorted(seen.items())
            if s in TRANSIENT and o not in QUEUE_PLUMBING
            for n in range(1, count + 1)
        )
    return SITES


def test_the_dry_run_finds_the_call_sites(aws: Aws, order) -> None:  # type: ignore[no-untyped-def]
    sites = call_sites(aws, order)
    assert {(s, o) for s, o, _ in sites} >= {
        ("s3", "GetObject"),
        ("s3", "PutObject"),
        ("dynamodb", "GetItem"),
        ("dynamodb", "UpdateItem"),
        ("sqs", "SendMessage"),
        ("sesv2", "SendEmail"),
    }
    assert len(sites) == CASES, f"the pipeline now makes {len(sites)} calls: set CASES to match"


@pytest.mark.parametrize("index", range(CASES))
def test_a_transient_error_at_any_call_site_still_delivers_exactly_once(
    aws: Aws, order, index
) -> None:  # type: ignore[no-untyped-def]
    service, operation, nth = call_sites(aws, order)[index]
    subject = f"fault {service}:{operation}#{nth}"
    with failing(service, operation, nth) as state:
        ses_id = run_once(aws, order, subject)
    assert state[1] == 1, f"{service}:{operation}#{nth} was never reached"
    record = MessageModel.get(message_id_for(ses_id, order.seller_alias), consistent_read=True)
    assert record.status in TERMINAL_STATUSES
    assert record.status == "delivered", (record.status, record.reason, record.last_error)
    to_seller = [
        m
        for m in aws.sent()
        if subject in m.raw_data and message_from_bytes(m.raw_data.encode())["To"] == SELLER_EMAIL
    ]
    assert len(to_seller) == 1
