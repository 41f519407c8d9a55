"""Make moto's DynamoDB writes atomic, as DynamoDB's are.

moto checks a write's condition and applies it in two steps without a lock, so two threads
can both pass `attribute_not_exists(...)`. Real DynamoDB never lets that happen, and Parley's
exactly-once claims rely on it; the local stack and the tests must behave the same.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item")
_lock = threading.RLock()


def serialize_moto_dynamodb_writes() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    for name in _WRITES:
        original = getattr(DynamoDBBackend, name)
        if getattr(original, "_parley_serialized", False):
            continue

        def locked(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with _lock:
                return _original(*args, **kwargs)

        functools.update_wrapper(locked, original)
        locked._parley_serialized = True  # type: ignore[attr-defined]
        setattr(DynamoDBBackend, name, locked)
