"""SQS: stages hand each other message references, and the compact record when it is small.

SQS bills a message per 64 KB chunk and takes at most 256 KB. A compact record (JSON, ASCII)
that keeps the whole queue record within INLINE_LIMIT travels in it: the next stage reads
neither an S3 object nor pays its PUT. A larger one is stored in S3 and the queue record names
only the ids. A queue record without a record (a large one, one sent by an older version, a
hand-over an operator or a heal sends) makes the stage read S3, or parse the raw mail again.
"""

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
    record: bytes | None = None  # the compact record (parley.mail.stored), when it came along
    sanitized: bool = False  # ... and it is the filter's rewrite, not ingest's parse

    def carried(self, *, sanitized: bool) -> bytes | None:
        """The record the stage needs, if this queue record carries that one."""
        return self.record if self.record is not None and self.sanitized == sanitized else None


# Three 64 KB chunks: past that an S3 PUT and GET cost less than the chunks' sends and receives
# in two queues. Well under SQS's 256 KB, leaving room for the ids.
INLINE_LIMIT = 192 * 1024


def fits_inline(record: bytes) -> bool:
    return len(record) + 512 <= INLINE_LIMIT


class StageQueue:
    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._url = queue_url

    def send_reference(
        self,
        message_id: str,
        *,
        pair_id: str | None = None,
        order_id: str | None = None,
        record: bytes | None = None,
        sanitized: bool = False,
    ) -> None:
        body: dict[str, Any] = {"message_id": message_id}
        if pair_id:
            body["pair_id"] = pair_id
        if order_id:
            body["order_id"] = order_id
        if record is not None:
            if not fits_inline(record):  # the caller stores it in S3 instead
                raise ValueError("record too large for a queue record")
            body["record"] = record.decode("ascii")
            body["record_of"] = "sanitized" if sanitized else "message"
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

    record = hint("record")
    try:
        carried = record.encode("ascii") if record else None
    except UnicodeEncodeError:  # not what we send: read S3 instead
        carried = None
    return Reference(
        message_id,
        hint("pair_id"),
        hint("order_id"),
        carried,
        sanitized=hint("record_of") == "sanitized",
    )


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
