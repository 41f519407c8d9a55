"""SQS: stages hand each other message references, never bodies."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Reference:
    """A queue record: the message id, and the ids the next stage reads together with the
    record (one BatchGetItem for record, pair, parties and order). Ids only, never content;
    a record without the hints (sent by an older version, or a redrive) is still valid."""

    message_id: str
    pair_id: str | None = None
    order_id: str | None = None


class StageQueue:
    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._url = queue_url

    def send_reference(
        self, message_id: str, *, pair_id: str | None = None, order_id: str | None = None
    ) -> None:
        body: dict[str, str] = {"message_id": message_id}
        if pair_id:
            body["pair_id"] = pair_id
        if order_id:
            body["order_id"] = order_id
        self._sqs.send_message(QueueUrl=self._url, MessageBody=json.dumps(body))


def read_reference(body: str) -> Reference:
    """The reference in a queue record; ValueError when the record is not ours."""
    try:
        payload = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ValueError("queue record is not JSON") from exc
    if not isinstance(payload, dict):
        raise ValueError("queue record carries no message_id")
    message_id = payload.get("message_id")
    if not isinstance(message_id, str) or not message_id:
        raise ValueError("queue record carries no message_id")

    def hint(name: str) -> str | None:
        value = payload.get(name)
        return value if isinstance(value, str) and value else None

    return Reference(message_id, hint("pair_id"), hint("order_id"))


def parse_reference(body: str) -> str:
    """The message id in a queue record; ValueError when the record is not ours."""
    return read_reference(body).message_id


class WakeUpQueue:
    """The webhook dispatcher's queue: a record wakes one delivery up, optionally later."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._url = queue_url

    def wake(self, delivery_id: str, delay: int = 0) -> None:
        self._sqs.send_message(
            QueueUrl=self._url,
            MessageBody=json.dumps({"delivery_id": delivery_id}),
            DelaySeconds=max(0, min(int(delay), 900)),  # SQS's maximum delay
        )
