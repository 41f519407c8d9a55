"""Control characters that decoding puts into a part's file name, name or Content-ID (H10).

The relay writes these values back as headers; the stdlib refuses CR/LF there with a plain
ValueError, which the relay took for a transient error and retried into the dead-letter queue.
Compose must write a clean value (or none), and anything it cannot write is a ComposeError.
"""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from parley.mail import compose
from parley.mail.compose import ComposeError, Envelope, compose_relay
from parley.mail.parsing import parse_message

ENVELOPE = Envelope(
    from_name="Bob", from_alias="b0000000000000b@marketplace.example",
    to_address="seller@sellerco.example", message_id="m1@marketplace.example",
)  # fmt: skip

PARTS = {
    "filename*": "Content-Type: text/plain\r\n"
    "Content-Disposition: attachment; filename*=utf-8''notes%0Atxt.txt\r\n\r\nx\r\n",
    "content-id": "Content-Type: text/plain\r\nContent-ID: =?utf-8?q?a=0Ab?=\r\n\r\nx\r\n",
    "name*": "Content-Type: text/plain; name*=utf-8''a%0Ab.txt\r\n\r\nx\r\n",
    "8bit filename*": "Content-Type: application/octet-stream\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "Content-Disposition: attachment; filename*=utf-8''a%0D%0Ab%00c.bin\r\n\r\nx\r\n",
    "base64 name* and filename*": "Content-Type: application/pdf; name*=utf-8''a%0Ab.pdf\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "Content-Disposition: attachment; filename*=utf-8''a%0Ab.pdf\r\n\r\neA==\r\n",
}
NAMES = {"notes txt.txt", "a b.txt", "a b c.bin", "a b.pdf"}


def _raw(part: str, single: bool = False) -> bytes:
    if single:
        return f"From: bob@buyermail.example\r\nSubject: hi\r\nMIME-Version: 1.0\r\n{part}".encode()
    return (
        "From: bob@buyermail.example\r\nTo: x@marketplace.example\r\nSubject: hi\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        f"--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b\r\n{part}--b--\r\n"
    ).encode()


@pytest.mark.parametrize("single", [False, True], ids=["in multipart", "whole message"])
@pytest.mark.parametrize("part", PARTS.values(), ids=PARTS.keys())
def test_a_line_break_in_a_decoded_part_header_is_written_clean(part: str, single: bool) -> None:
    raw = _raw(part, single)
    out = compose_relay(parse_message(raw, len(raw) + 1), ENVELOPE)
    parsed = message_from_bytes(out, policy=policy.default)
    leaves = [node for node in parsed.walk() if not node.is_multipart()]
    bodies = [bytes(leaf.get_payload(decode=True)).strip() for leaf in leaves]
    if part.startswith("Content-Type: text/plain"):
        assert bodies == ([b"x"] if single else [b"hello", b"x"])
    else:  # a one-byte "PDF" or binary cannot be cleaned of metadata: it is left out
        note = b"[attachment removed: it could not be cleaned of personal data]"
        assert bodies == ([note] if single else [b"hello"])
    for leaf in [parsed, *leaves]:
        for name, value in leaf.items():
            assert not any(ord(c) < 32 or ord(c) == 127 for c in str(value)), (name, value)
        filename = leaf.get_filename()
        assert filename is None or filename in NAMES


def test_header_safe_replaces_every_control_character() -> None:
    assert compose.header_safe("a\r\nb\x00c\x7fd\x85e\u2028f\tg") == "a b c d e f g"
    assert compose.header_safe("  \n ") == ""


def test_what_compose_cannot_write_is_a_compose_error(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = _raw(PARTS["filename*"])
    message = parse_message(raw, len(raw) + 1)

    def refuse(*args: object, **kwargs: object) -> None:
        raise ValueError("Header values may not contain linefeed or carriage return characters")

    monkeypatch.setattr(EmailMessage, "set_content", refuse)
    with pytest.raises(ComposeError):
        compose_relay(message, ENVELOPE)
