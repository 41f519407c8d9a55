"""Operator tools: what is not finished (reconcile) and putting parked messages back (redrive)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from parley.adapters.store import MessageModel, Store
from parley.core.time import now_iso

STAGES = ("ingest", "filter", "relay", "quarantine")  # quarantine: spam, for an operator


@dataclass(frozen=True)
class Unfinished:
    message_id: str
    stage: str
    status: str
    received_at: str
    reason: str | None
    last_error: str | None

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def reconcile(store: Store, since: str | None = None) -> Iterator[Unfinished]:
    """Every message not in a final state, and every dead-lettered one (they keep their stage)."""
    for stage in STAGES:
        for item in store.messages_in_stage(stage, since):
            yield Unfinished(
                item.message_id, stage, item.status, item.received_at, item.reason, item.last_error
            )


def redrive(
    sqs: object,
    store: Store,
    dlq_url: str,
    queue_url: str,
    progress: Callable[[int], None] = lambda _: None,
) -> int:
    """Move every message of a dead-letter queue back to its queue. Safe to run twice: a
    record that already finished is skipped by its stage when the reference comes back."""
    moved = 0
    while True:
        batch = sqs.receive_message(  # type: ignore[attr-defined]
            QueueUrl=dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
        ).get("Messages", [])
        if not batch:
            return moved
        for message in batch:
            _reopen(store, message["Body"])
            sqs.send_message(QueueUrl=queue_url, MessageBody=message["Body"])  # type: ignore[attr-defined]
            sqs.delete_message(  # type: ignore[attr-defined]
                QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"]
            )
            moved += 1
            progress(1)


def _reopen(store: Store, body: str) -> None:
    """A dead-lettered record goes back to in flight, so its stage takes it up again."""
    from parley.adapters.queues import parse_reference

    try:
        record = store.get(MessageModel, parse_reference(body))
    except ValueError:
        return
    if record is not None and record.status == "dead_lettered" and record.stage:
        store.update(
            record, [MessageModel.status.set("redriven"), MessageModel.updated_at.set(now_iso())]
        )


def replay_ingest(
    sqs: object,
    dlq_url: str,
    invoke: Callable[[dict[str, object]], object],
    progress: Callable[[int], None] = lambda _: None,
) -> tuple[int, int]:
    """Run ingest again on each SES event it gave up on (parked by the failure recorder).
    A record still in the ingest stage is taken up again; one that finished is left alone.
    An event that fails again stays parked. (replayed, still failing)"""
    replayed = failing = 0
    seen: set[str] = set()
    while True:
        batch = sqs.receive_message(  # type: ignore[attr-defined]
            QueueUrl=dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=0, VisibilityTimeout=300
        ).get("Messages", [])
        fresh = [m for m in batch if m["MessageId"] not in seen]
        if not fresh:
            return replayed, failing
        for message in fresh:
            seen.add(message["MessageId"])
            try:
                record = json.loads(message["Body"])
                invoke(record["requestPayload"])
            except Exception:
                failing += 1
                continue
            sqs.delete_message(  # type: ignore[attr-defined]
                QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"]
            )
            replayed += 1
            progress(1)
