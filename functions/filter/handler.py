"""Filter queue -> policy stage. Reports partial batch failures to SQS."""

from __future__ import annotations

from typing import Any

from functions.events import partial_batch
from parley.adapters.queues import read_reference
from parley.app import default_services
from parley.core.observability import lambda_entry
from parley.pipeline.filter import filter_message


def process(body: str, receive_count: int) -> str:
    reference = read_reference(body)
    return filter_message(reference.message_id, default_services(), receive_count, reference).status


@lambda_entry("filter")
def handler(event: dict[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    return partial_batch(event, "filter", process)
