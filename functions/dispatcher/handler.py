"""Webhook queue -> the dispatcher: events from the bus fan out, deliveries are attempted."""

from __future__ import annotations

from typing import Any

from functions.events import partial_batch
from parley.app import default_services
from parley.core.observability import lambda_entry
from parley.core.time import utcnow
from parley.webhooks.dispatch import handle_record


def process(body: str, receive_count: int) -> object:
    return handle_record(default_services(), body, utcnow())


@lambda_entry("dispatcher")
def handler(event: dict[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    return partial_batch(event, "dispatcher", process)
