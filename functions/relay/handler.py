"""Relay queue -> SES. Reports partial batch failures to SQS."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from parley.adapters.queues import parse_reference
from parley.observability import lambda_entry
from parley.pipeline.relay import relay_message
from parley.pipeline.services import default_services


def process(record: SQSRecord) -> str:
    receive_count = int(record.attributes.approximate_receive_count or 1)
    outcome = relay_message(parse_reference(record.body), default_services(), receive_count)
    return outcome.status


@lambda_entry("relay")
def handler(event: dict[str, Any], context: Any) -> Mapping[str, Any]:
    processor = BatchProcessor(event_type=EventType.SQS)
    return process_partial_response(
        event=event, record_handler=process, processor=processor, context=context
    )
