"""Ingest's on-failure destination: Lambda gave up on an SES event after its retries.

Records every recipient's message as dead-lettered with the error, then parks the event in
the ingest dead-letter queue, where the alarm fires and an operator can replay it.
"""

from __future__ import annotations

import json
from typing import Any

from functions.events import to_inbound
from parley.adapters.aws import client
from parley.app import default_services
from parley.core.observability import get_logger, lambda_entry
from parley.pipeline.ingest import give_up


@lambda_entry("ingest-failures", correlation_id_path="requestContext.requestId")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    response = event.get("responsePayload") or {}
    error = f"{response.get('errorType', 'Error')}: {response.get('errorMessage', '')}"
    svc = default_services()
    logger = get_logger("ingest-failures")
    # Parked first: if recording fails too, the event is still kept, and this invocation's own
    # failure destination (the same queue) keeps the record of that.
    if svc.settings.ingest_dlq_url:
        client("sqs", svc.settings).send_message(
            QueueUrl=svc.settings.ingest_dlq_url, MessageBody=json.dumps(event)[:250_000]
        )
    else:
        logger.error("PARLEY_INGEST_DLQ_URL is not set: event not parked")
    recorded: list[str] = []
    for record in (event.get("requestPayload") or {}).get("Records") or []:
        try:
            recorded += give_up(to_inbound(record), error, svc)
        except (KeyError, TypeError, ValueError) as exc:
            logger.error("failed event is not an SES event", extra={"error": repr(exc)[:200]})
    return {"dead_lettered": recorded}
