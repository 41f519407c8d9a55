"""EventBridge: the stages put their events on the deployment's custom bus (`parley-events`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol

SOURCE = "parley"
MAX_ENTRIES = 10  # PutEvents takes at most ten entries per call


class Publishable(Protocol):
    @property
    def type(self) -> str: ...

    def as_dict(self) -> dict[str, Any]: ...


class EventPublishError(Exception):
    """EventBridge did not take every entry; the stage's retry publishes again (same ids)."""


class EventBus:
    """Publishes on the bus; the EventBridge client is built on the first publish (a stage
    that publishes nothing never loads its service model: cold starts)."""

    def __init__(self, make_client: Callable[[], Any], bus_name: str) -> None:
        self._make_client = make_client
        self._client: Any = None
        self._bus = bus_name

    @property
    def enabled(self) -> bool:
        return bool(self._bus)

    def publish(self, *events: Publishable) -> None:
        """Put the events on the bus; raises when any entry was refused (transient)."""
        if not self._bus:
            return
        entries = [
            {
                "EventBusName": self._bus,
                "Source": SOURCE,
                "DetailType": event.type,
                "Detail": json.dumps(event.as_dict(), ensure_ascii=False, separators=(",", ":")),
            }
            for event in events
        ]
        if self._client is None:
            self._client = self._make_client()
        for start in range(0, len(entries), MAX_ENTRIES):
            answer = self._client.put_events(Entries=entries[start : start + MAX_ENTRIES])
            if answer.get("FailedEntryCount"):
                codes = sorted(
                    {e.get("ErrorCode", "?") for e in answer.get("Entries", []) if "ErrorCode" in e}
                )
                raise EventPublishError(f"EventBridge refused events: {', '.join(codes)}")
