from __future__ import annotations

import pytest

from parley.mail.parsing import (
    MAX_PARTS,
    UnacceptableMessage,
    attachments,
    is_auto_submitted,
    message_ids,
    parse_message,
)


def test_size_limit_is_checked_before_parsing() -> None:
    with pytest.raises(UnacceptableMessage) as caught:
        parse_message(b"Subject: x\r\n\r\n" + b"a" * 100, max_bytes=50)
    assert caught.value.reason == "message-too-large"


def test_too_many_parts_is_refused() -> None:
    parts = b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n" for _ in range(MAX_PARTS + 5))
    raw = (
        b'Subject: x\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n' + parts + b"--b--\r\n"
    )
    with pytest.raises(UnacceptableMessage) as caught:
        parse_message(raw, max_bytes=10**7)
    assert caught.value.reason == "too-many-parts"


def test_message_ids_are_extracted_and_bounded() -> None:
    refs = " ".join(f"<id{i}@x.example>" for i in range(50))
    assert message_ids(refs, limit=20) == [f"id{i}@x.example" for i in range(30, 50)]
    assert message_ids("garbage") == []


@pytest.mark.parametrize(
    "headers, auto",
    [
        ("Auto-Submitted: auto-replied", True),
        ("Auto-Submitted: no", False),
        ("Precedence: bulk", True),
        ("X-Autoreply: yes", True),
        ("", False),
    ],
)
def test_machine_mail_is_recognised(headers, auto) -> None:
    raw = f"From: a@b.example\r\n{headers}\r\nSubject: x\r\n\r\nbody".encode()
    assert is_auto_submitted(parse_message(raw, 10**6)) is auto


def test_attachments_are_listed_with_names_and_bytes() -> None:
    raw = (
        b'Subject: x\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
        b"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; "
        b'filename="a.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERg==\r\n--b--\r\n'
    )
    found = attachments(parse_message(raw, 10**6))
    assert [(a.name, a.content_type, a.data) for a in found] == [
        ("a.pdf", "application/pdf", b"%PDF")
    ]


def test_a_charset_name_with_a_nul_byte_falls_back_instead_of_raising() -> None:
    # Regression (found by the fuzz corpus): bytes.decode raised ValueError on such a name.
    from parley.mail.parsing import decode_text

    raw = b'Content-Type: text/plain; charset="iso-8859-1\x00"\r\n\r\nGr\xfc\xdfe\r\n'
    message = parse_message(raw, 10_000)
    assert decode_text(message).strip() == "Grüße"
