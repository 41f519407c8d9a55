"""Filter queue -> policy stage. Reports partial batch failures to SQS."""

from __future__ import annotations

from typing import Any

from functions.events import partial_batch
from parley.adapters.queues import parse_reference
from parley.app import default_services
from parley.core.observability import lambda_entry
from parley.pipeline.filter import filter_message


def process(body: str, receive_count: int) -> str:
    return filter_message(parse_reference(body), default_services(), receive_count).status


@lambda_entry("filter")
def handler(event: dict[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    return partial_batch(event, "filter", process)
