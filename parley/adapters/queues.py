"""SQS: stages hand each other message references, never bodies."""

from __future__ import annotations

import json
from typing import Any


class StageQueue:
    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._url = queue_url

    def send_reference(self, message_id: str) -> None:
        self._sqs.send_message(
            QueueUrl=self._url, MessageBody=json.dumps({"message_id": message_id})
        )


def parse_reference(body: str) -> str:
    """The message id in a queue record; ValueError when the record is not ours."""
    try:
        payload = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ValueError("queue record is not JSON") from exc
    message_id = payload.get("message_id") if isinstance(payload, dict) else None
    if not isinstance(message_id, str) or not message_id:
        raise ValueError("queue record carries no message_id")
    return message_id
