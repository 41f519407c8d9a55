"""Rebuilding headers is one pass: a message with thousands of distinct headers (top and
part level) cannot hold the relay for long."""

from __future__ import annotations

import time

from parley.mail.compose import Envelope, compose_relay
from parley.mail.parsing import parse_message

ENVELOPE = Envelope(
    from_name="Shop", from_alias="a@marketplace.example", to_address="b@example.net",
    message_id="m1@marketplace.example",
)  # fmt: skip


def _message(headers: int) -> bytes:
    top = "".join(f"X-H{i}: v\r\n" for i in range(headers))
    part = "".join(f"X-P{i}: v\r\n" for i in range(headers))
    return (
        "From: s@example.org\r\nSubject: hi\r\n" + top + "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n' + part
        + "Content-Type: text/plain\r\n\r\nhello\r\n--b--\r\n"
    ).encode()  # fmt: skip


def _seconds(headers: int) -> float:
    raw = _message(headers)
    message = parse_message(raw, len(raw) + 1)
    start = time.process_time()
    out = compose_relay(message, ENVELOPE)
    elapsed = time.process_time() - start
    assert b"X-H1:" not in out and b"X-P1:" not in out and b"hello" in out
    return elapsed


def test_header_removal_grows_linearly() -> None:
    small = min(_seconds(400) for _ in range(3))
    large = _seconds(20_000)  # 27 s before: O(n²)
    assert large < 50 * 4 * max(small, 1e-3), (small, large)
