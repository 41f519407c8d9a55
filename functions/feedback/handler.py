"""SES configuration-set events (via EventBridge) -> recorded on the message."""

from __future__ import annotations

from typing import Any

from parley.app import default_services
from parley.core.observability import get_logger, lambda_entry
from parley.pipeline.feedback import record_feedback


@lambda_entry("feedback")
def handler(event: dict[str, Any], context: Any) -> dict[str, object]:
    detail = event.get("detail") if isinstance(event, dict) else None
    if not isinstance(detail, dict):
        get_logger("feedback").error("not an SES event", extra={"keys": sorted(event)[:10]})
        return {"action": "malformed-event"}
    outcome = record_feedback(default_services(), detail)
    return {"kind": outcome.kind, "message_id": outcome.message_id, "action": outcome.action}
