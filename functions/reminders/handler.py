"""EventBridge Scheduler -> one reminder sweep at the scheduled instant."""

from __future__ import annotations

from typing import Any

from parley.app import default_services
from parley.core.observability import lambda_entry
from parley.core.time import parse_iso, utcnow
from parley.responses.reminders import sweep


@lambda_entry("reminders")
def handler(event: dict[str, Any], context: Any) -> dict[str, object]:
    # The schedule passes its own time ("<aws.scheduler.scheduled-time>"); a retry then sweeps
    # the same instant instead of a later one.
    scheduled = event.get("scheduledTime") if isinstance(event, dict) else None
    now = parse_iso(scheduled) if isinstance(scheduled, str) and scheduled else utcnow()
    return sweep(default_services(), now).as_dict()
