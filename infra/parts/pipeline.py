"""The stage queues, each with a dead-letter queue, and the event source mappings."""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

MAX_RECEIVE_COUNT = 5


def queue_encryption(key: kms.IKey | None) -> dict[str, Any]:
    """The deployer's key when given, else SQS's own."""
    if key is None:
        return {"encryption": sqs.QueueEncryption.SQS_MANAGED}
    return {"encryption": sqs.QueueEncryption.KMS, "encryption_master_key": key}


def stage_queue(
    scope: Construct, name: str, function_timeout_s: int, key: kms.IKey | None = None
) -> tuple[sqs.Queue, sqs.Queue]:
    dead_letters = sqs.Queue(
        scope,
        f"{name}DeadLetters",
        **queue_encryption(key),
        enforce_ssl=True,
        retention_period=Duration.days(14),
    )
    queue = sqs.Queue(
        scope,
        f"{name}Queue",
        **queue_encryption(key),
        enforce_ssl=True,
        # AWS's guidance: at least six times the function timeout, so retries never overlap.
        visibility_timeout=Duration.seconds(6 * function_timeout_s),
        retention_period=Duration.days(4),
        dead_letter_queue=sqs.DeadLetterQueue(
            max_receive_count=MAX_RECEIVE_COUNT, queue=dead_letters
        ),
    )
    return queue, dead_letters


def consume(
    function: lambda_.Function, queue: sqs.Queue, *, max_concurrency: int, batch_size: int = 10
) -> None:
    function.add_event_source(
        sources.SqsEventSource(
            queue,
            batch_size=batch_size,
            max_batching_window=Duration.seconds(1),
            report_batch_item_failures=True,
            max_concurrency=max_concurrency,
        )
    )
