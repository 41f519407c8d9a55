"""Secrets Manager: a key read on first use (never at import), then kept for the process."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class SecretKey:
    """The bytes of one secret's SecretString, fetched once per process on first use."""

    def __init__(self, client: Callable[[], Any], secret_id: str) -> None:
        self._client = client
        self._secret_id = secret_id
        self._value: bytes | None = None
        self._lock = threading.Lock()

    def value(self) -> bytes:
        with self._lock:
            if self._value is None:
                if not self._secret_id:
                    raise LookupError("no secret is configured")
                answer = self._client().get_secret_value(SecretId=self._secret_id)
                self._value = str(answer["SecretString"]).encode("utf-8")
            return self._value
