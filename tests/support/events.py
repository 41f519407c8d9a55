"""Read what the stages put on the event bus (its rule feeds the dispatcher's queue), and a
local HTTP receiver that plays a seller's webhook endpoint."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from parley.adapters.aws import client
from parley.core.settings import get_settings
from tests.support.event_schemas import validate_event

ANY_ADDRESS = re.compile(r"\S@")  # an address, even a cut-off one


def bus_events() -> list[dict[str, Any]]:
    """Every event put on the bus since the last call (taken off the dispatcher's queue),
    each checked against its schema and for addresses. Wake-ups stay on the queue."""
    settings = get_settings()
    sqs = client("sqs", settings)
    found, seen = [], set()
    while True:
        batch = sqs.receive_message(
            QueueUrl=settings.webhook_queue_url, MaxNumberOfMessages=10, VisibilityTimeout=30
        ).get("Messages", [])
        fresh = [m for m in batch if m["MessageId"] not in seen]
        if not fresh:
            return found
        for message in fresh:
            seen.add(message["MessageId"])
            envelope = json.loads(message["Body"])
            if "detail" not in envelope:
                continue
            assert envelope["source"] == "parley"
            assert envelope["detail-type"] == envelope["detail"]["type"]
            check(envelope["detail"])
            found.append(envelope["detail"])
            sqs.delete_message(
                QueueUrl=settings.webhook_queue_url, ReceiptHandle=message["ReceiptHandle"]
            )


def dispatch_all(now: Any) -> list[Any]:
    """Play the dispatcher's event source mapping once over what is visible now."""
    from parley.app import default_services
    from parley.webhooks.dispatch import handle_record

    settings = get_settings()
    sqs = client("sqs", settings)
    results = []
    for _ in range(20):
        batch = sqs.receive_message(
            QueueUrl=settings.webhook_queue_url, MaxNumberOfMessages=10, VisibilityTimeout=30
        ).get("Messages", [])
        if not batch:
            break
        for message in batch:
            results.append(handle_record(default_services(), message["Body"], now))
            sqs.delete_message(
                QueueUrl=settings.webhook_queue_url, ReceiptHandle=message["ReceiptHandle"]
            )
    return results


def check(event: dict[str, Any]) -> None:
    validate_event(event)
    text = json.dumps(event, ensure_ascii=False)
    assert not ANY_ADDRESS.search(text), f"an address in {event['type']}: {text}"


def of_type(events: list[dict[str, Any]], event_type: str) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == event_type]


@dataclass
class Receiver:
    """Answers with the next status of `statuses` (the last one repeats)."""

    statuses: list[int] = field(default_factory=lambda: [200])
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/parley"


@contextmanager
def receiver(statuses: list[int] | None = None) -> Iterator[Receiver]:
    state = Receiver(statuses=list(statuses or [200]))
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with lock:
                state.requests.append((dict(self.headers.items()), body))
                status = state.statuses.pop(0) if len(state.statuses) > 1 else state.statuses[0]
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_port
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def wait_until(condition: Callable[[], bool], seconds: float = 20.0) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()
