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
from parley.directory.registration import RegisteredOrder
from parley.models.tables import TERMINAL_STATUSES
from parley.pipeline.common import message_id_for
from tests.support.aws import BUYER_EMAIL, ORDER_ID, SELLER_EMAIL, Aws
from tests.support.files import small_pdf
from tests.support.mail import mail, wire

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
def api_calls_through(hook: Any) -> Iterator[None]:
    """Every botocore call goes through `hook(self, operation, params)` for the block."""
    botocore.client.BaseClient._make_api_call = hook
    try:
        yield
    finally:
        botocore.client.BaseClient._make_api_call = REAL_CALL


@contextmanager
def calls_counted() -> Iterator[Counter[tuple[str, str]]]:
    seen: Counter[tuple[str, str]] = Counter()

    def counting(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if not ses_own(operation, params):
            seen[(self.meta.service_model.service_name, operation)] += 1
        return REAL_CALL(self, operation, params)

    with api_calls_through(counting):
        yield seen


@contextmanager
def injected(
    service: str, operation: str, nth: int, code: str, *, once: bool, target: str = ""
) -> Iterator[list[int]]:
    """service:operation fails with `code` at its nth call (once) or from it on (a permanent
    error), optionally only for S3 keys under a prefix or queue URLs containing a name."""
    state = [0, 0]  # calls seen, failures injected

    def failing(self: Any, op: str, params: dict[str, Any]) -> Any:
        if (
            (self.meta.service_model.service_name, op) == (service, operation)
            and not ses_own(op, params)
            and (
                str(params.get("Key", "")).startswith(target)
                or target in str(params.get("QueueUrl", "-"))
            )
        ):
            state[0] += 1
            if state[0] == nth or (not once and state[0] > nth):
                state[1] += 1
                raise ClientError({"Error": {"Code": code, "Message": "injected"}}, op)
        return REAL_CALL(self, op, params)

    with api_calls_through(failing):
        yield state


def run_once(aws: Aws, order: RegisteredOrder, subject: str) -> str:
    """One buyer message through SES (Lambda retries the async ingest twice) and the queues."""
    from devstack.lambda_runtime import invoke_async
    from functions.ingest.handler import handler
    from functions.ingest_failures.handler import handler as ingest_failed

    message = mail(BUYER_EMAIL, order.seller_alias, subject, f"About {ORDER_ID}.")
    message.add_attachment(
        small_pdf(), maintype="application", subtype="pdf", filename="invoice.pdf"
    )
    ses_id, event = aws.receive(wire(message), [order.seller_alias])
    invoke_async(handler, event, "ingest", on_failure=ingest_failed)
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
CASES = 22  # the pipeline's call sites for one message; the dry-run test says when it changes


def call_sites(aws: Aws, order: RegisteredOrder) -> list[tuple[str, str, int]]:
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


def test_the_dry_run_finds_the_call_sites(aws: Aws, order: RegisteredOrder) -> None:
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
    aws: Aws, order: RegisteredOrder, index
) -> None:
    service, operation, nth = call_sites(aws, order)[index]
    subject = f"fault {service}:{operation}#{nth}"
    with injected(service, operation, nth, TRANSIENT[service], once=True) as state:
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


PERMANENT = [
    # (service, operation, from call, code, S3 key prefix or queue, final status, reason)
    ("s3", "GetObject", 1, "AccessDenied", "raw/", "dead_lettered", "ingest-failed"),
    ("s3", "PutObject", 1, "AccessDenied", "messages/", "dead_lettered", "ingest-failed"),
    ("sqs", "SendMessage", 1, "AccessDenied", "-filter", "dead_lettered", "ingest-failed"),
    # the filter reads the compact record ingest wrote (never the raw mail again)
    ("s3", "GetObject", 1, "AccessDenied", "messages/", "dead_lettered", "retries-exhausted"),
    ("sesv2", "SendEmail", 1, "AccessDeniedException", "", "dead_lettered", "retries-exhausted"),
    ("sesv2", "SendEmail", 1, "MessageRejected", "", "rejected", "send-rejected"),
]


@pytest.mark.parametrize(
    ("service", "operation", "nth", "code", "prefix", "status", "reason"),
    PERMANENT,
    ids=[f"{s}:{o}#{n}:{c}" for s, o, n, c, *_ in PERMANENT],
)
def test_a_permanent_error_ends_in_a_recorded_final_state(
    aws: Aws, order: RegisteredOrder, service, operation, nth, code, prefix, status, reason
) -> None:
    # Given a call site that fails for good (a missing permission, a corrupt request)
    subject = f"permanent {service}:{operation}:{code}"
    with injected(service, operation, nth, code, once=False, target=prefix) as state:
        ses_id = run_once(aws, order, subject)
    assert state[1] >= 1, "the failure was never reached"
    # Then the message ends in exactly one recorded final state, with the reason
    record = MessageModel.get(message_id_for(ses_id, order.seller_alias), consistent_read=True)
    assert (record.status, record.reason) == (status, reason), record.last_error
    if status == "dead_lettered":
        assert code in (record.last_error or "")
    # And nothing reached the seller
    assert not [m for m in aws.sent() if subject in m.raw_data]
    # And an ingest failure's event is parked for replay
    if reason == "ingest-failed":
        sqs = aws.services.filter_queue._sqs
        parked = sqs.receive_message(QueueUrl=aws.env["PARLEY_INGEST_DLQ_URL"]).get("Messages", [])
        assert len(parked) == 1 and ses_id in parked[0]["Body"]
