"""Lazily built boto3 clients, shared per process (Lambda reuses them across invocations)."""

from __future__ import annotations

import threading
from typing import Any

from botocore.config import Config

from parley.core.settings import Settings

_lock = threading.Lock()
_clients: dict[tuple[str, str, str | None], Any] = {}
_session: Any = None

# Standard retry mode retries throttling and 5xx with backoff; a transient error that
# outlives it surfaces to the caller, which leaves the message to the queue's retry.
_CONFIG = Config(
    retries={"max_attempts": 4, "mode": "standard"}, connect_timeout=5, read_timeout=20
)


def client(service: str, settings: Settings) -> Any:
    endpoint_url = settings.endpoint_for(service)
    key = (service, settings.region, endpoint_url)
    with _lock:
        global _session
        found = _clients.get(key)
        if found is None:
            if _session is None:
                import boto3  # deferred: keeps handler cold imports lean

                _session = boto3.session.Session()  # one loader cache for every client
            found = _session.client(
                service,
                region_name=settings.region,
                endpoint_url=endpoint_url,
                config=_CONFIG,
            )
            _clients[key] = found
        return found


def reset_clients() -> None:
    """Forget cached clients (tests switch endpoints and mocks)."""
    with _lock:
        _clients.clear()
