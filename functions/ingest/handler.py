"""SES receipt rule -> ingest. Invoked asynchronously (Event) after the S3 action."""

from __future__ import annotations

from typing import Any

from functions.events import to_inbound
from parley.app import default_services
from parley.core.observability import get_logger, lambda_entry
from parley.pipeline.ingest import ingest


@lambda_entry("ingest", correlation_id_path="Records[0].ses.mail.messageId")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    logger = get_logger("ingest")
    outcomes: list[dict[str, str | None]] = []
    for record in event.get("Records") or [{}]:
        try:
            inbound = to_inbound(record)
        except (KeyError, TypeError, ValueError) as exc:
            # Nothing to retry and no message id to record against: say so loudly.
            logger.error("malformed SES event record", extra={"error": repr(exc)[:200]})
            outcomes.append({"status": "malformed-event"})
            continue
        for outcome in ingest(inbound, default_services()):
            outcomes.append(
                {
                    "message_id": outcome.message_id,
                    "status": outcome.status,
                    "reason": outcome.reason,
                }
            )
    return {"outcomes": outcomes}
