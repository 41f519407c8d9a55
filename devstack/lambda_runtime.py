"""Invoke the real handlers the way Lambda does: same events, a Lambda-like context."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger("devstack")


@dataclass
class LocalContext:
    function_name: str
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = ""
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"

    def __post_init__(self) -> None:
        if not self.invoked_function_arn:
            self.invoked_function_arn = (
                f"arn:aws:lambda:local:000000000000:function:{self.function_name}"
            )

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


def invoke_async(
    handler: Callable[[dict[str, Any], Any], Any],
    event: dict[str, Any],
    name: str,
    on_failure: Callable[[dict[str, Any], Any], Any] | None = None,
    attempts: int = 3,
    backoff_s: float = 0.0,
) -> Any:
    """An asynchronous (Event) invocation: Lambda's two retries, then the on-failure
    destination gets the invocation record, as Lambda builds it."""
    for attempt in range(1, attempts + 1):
        try:
            return handler(event, LocalContext(name))
        except Exception as exc:
            log.warning("%s invocation failed (attempt %d): %r", name, attempt, exc)
            error = exc
            time.sleep(backoff_s * attempt)
    if on_failure is not None:
        on_failure(failure_record(event, name, error, attempts), LocalContext(f"{name}-failures"))
    return None


def failure_record(
    event: dict[str, Any], name: str, error: Exception, attempts: int
) -> dict[str, Any]:
    return {
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(),
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": f"arn:aws:lambda:local:000000000000:function:{name}:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": attempts,
        },
        "requestPayload": event,
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": "Unhandled",
        },
        "responsePayload": {"errorType": type(error).__name__, "errorMessage": str(error)[:1000]},
    }


def sqs_lambda_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """What an SQS event source mapping hands a function for a batch of received messages."""
    records = []
    for message in messages:
        attributes = message.get("Attributes", {})
        records.append(
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": {
                    "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
                    "SentTimestamp": attributes.get("SentTimestamp", "0"),
                    "SenderId": attributes.get("SenderId", "local"),
                    "ApproximateFirstReceiveTimestamp": attributes.get(
                        "ApproximateFirstReceiveTimestamp", "0"
                    ),
                },
                "messageAttributes": {},
                "md5OfBody": message.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
        )
    return {"Records": records}


def drain_queues(rounds: int = 10, visibility_now: bool = True) -> list[dict[str, Any]]:
    """Play the SQS event source mappings once per round until both queues are empty.

    Failed records are made visible again at once when `visibility_now` (a test does not wait
    for the visibility timeout); SQS's receive count still grows, dead-lettering included.
    """
    from functions.filter.handler import handler as filter_handler
    from functions.relay.handler import handler as relay_handler
    from parley.adapters.aws import client
    from parley.core.settings import get_settings

    settings = get_settings()
    sqs = client("sqs", settings)
    results: list[dict[str, Any]] = []
    for _ in range(rounds):
        moved = False
        for url, handler in (
            (settings.filter_queue_url, filter_handler),
            (settings.relay_queue_url, relay_handler),
        ):
            messages = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]
            ).get("Messages", [])
            if not messages:
                continue
            moved = True
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
            try:
                result = handler(
                    sqs_lambda_event(messages, arn, settings.region), LocalContext("worker")
                )
                failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
            except Exception as exc:  # all records failed: SQS keeps them all
                result = {"error": repr(exc)}
                failed = {m["MessageId"] for m in messages}
            results.append(result)
            done = [m for m in messages if m["MessageId"] not in failed]
            if done:
                sqs.delete_message_batch(
                    QueueUrl=url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                        for i, m in enumerate(done)
                    ],
                )
            if visibility_now:
                for message in messages:
                    if message["MessageId"] in failed:
                        sqs.change_message_visibility(
                            QueueUrl=url,
                            VisibilityTimeout=0,
                            ReceiptHandle=message["ReceiptHandle"],
                        )
        if not moved:
            break
    return results
