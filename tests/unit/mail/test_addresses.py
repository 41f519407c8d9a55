"""Strict From parsing and the one canonical form of an address (issue #12)."""

from __future__ import annotations

import base64
from email.parser import BytesHeaderParser

import pytest

from parley.mail.addresses import MalformedSender, canonical_address, strict_sender
from parley.mail.parsing import PARSE_POLICY


def sender_of(head: bytes) -> str:
    headers = BytesHeaderParser(policy=PARSE_POLICY).parsebytes(head + b"\r\n\r\n")
    return strict_sender(headers, head).address


@pytest.mark.parametrize(
    "head, expected",
    [
        (b"From: Bob <bob@example.net>", "bob@example.net"),
        (b"From: bob@example.net", "bob@example.net"),
        (b'From: "Bob" <BOB@Example.NET>', "bob@example.net"),
        (b"From: bob@example.net (Bob)", "bob@example.net"),
        (b"From: =?utf-8?q?Bob_B=C3=A4r?= <bob@example.net>", "bob@example.net"),
        (b'From: "bob@example.net" <bob@example.net>', "bob@example.net"),  # names itself
        (b"From: Bob\r\n <bob@example.net>", "bob@example.net"),  # folded
        (b"From: bob@example.net\r\nSender: Bob <BOB@example.net>", "bob@example.net"),
        ("From: Jörg <jörg@bücher.example>".encode(), "jörg@xn--bcher-kva.example"),
        (b"From: bob@xn--bcher-kva.example", "bob@xn--bcher-kva.example"),
        (b'From: Bob <"bob"@example.net>', "bob@example.net"),
    ],
)
def test_one_clean_mailbox_is_the_sender(head: bytes, expected: str) -> None:
    assert sender_of(head) == expected


@pytest.mark.parametrize(
    "head",
    [
        b"From: bob@example.net <x@attacker.example>",
        b"From: bob@=?utf-8?q?example?=.net",
        b"From: =?utf-8?b?" + base64.b64encode(b"bob@example.net") + b"?=",
        b"From: Bob <=?utf-8?q?bob?=@example.net>",
        b"From: bob@example.net\r\nFrom: x@attacker.example",
        b"From: x@attacker.example\r\nFROM : bob@example.net",
        b'From: "bob@example.net" <x@attacker.example>',
        b"From: =?utf-8?q?bob=40example=2Enet?= <x@attacker.example>",
        'From: "bob＠example.net" <x@attacker.example>'.encode(),
        b"From: =?utf-8?q?Bob=0D=0ABcc:_x@evil.example?= <bob@example.net>",
        b"From: bob@example.net, x@attacker.example",
        b"From: Friends: bob@example.net;",
        b"From: bob@example.net\r\nSender: x@attacker.example",
        b"From: bob@example.net\r\nSender: bob@example.net\r\nSender: bob@example.net",
        b"From: Bob <bob@example.net> x",
        b"From: Bob <@attacker.example:bob@example.net>",
        b"From: <>",
        b"From: \xff <bob@example.net>",
        b"From: Bob <bob@exa mple.net>",
        b"From: bob@localhost",
        b"From: Bob <bob@xn--zz.example>",
        b"From: " + b"a" * 3000 + b"@example.net",
        b"To: bob@example.net",
    ],
)
def test_anything_but_one_clean_mailbox_is_malformed(head: bytes) -> None:
    with pytest.raises(MalformedSender):
        sender_of(head)


@pytest.mark.parametrize(
    "forms",
    [
        ("bob@example.net", "Bob@Example.NET", " <bob@example.net> ", "bob@example.net."),
        ("jörg@bücher.example", "JÖRG@BÜCHER.EXAMPLE", "jörg@xn--bcher-kva.example"),
        ("jo\u0308rg@bücher.example", "jörg@bu\u0308cher.example"),  # NFD and NFC
    ],
)
def test_every_form_of_an_address_has_one_canonical_form(forms: tuple[str, ...]) -> None:
    assert len({canonical_address(f) for f in forms}) == 1
    assert None not in {canonical_address(f) for f in forms}


@pytest.mark.parametrize("text", ["", "bob", "@example.net", "bob@", "bob @example.net", "b@x"])
def test_what_is_no_address_has_no_canonical_form(text: str) -> None:
    assert canonical_address(text) is None
