"""Fuzzing the mail path without AWS: parse -> policy -> compose on hostile bytes.

Whatever arrives, the outcome is a parsed message or a clear refusal (UnacceptableMessage),
never an unhandled exception; what leaves is 7-bit, has exactly the headers we set, and
carries no real address of the sender."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import compat32

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parley.mail.compose import ComposeError, Envelope, compose_relay
from parley.mail.parsing import UnacceptableMessage, attachments, parse_headers, parse_message
from parley.policy import PolicyContext, evaluate
from tests.support.fuzz import mutated_corpus

LIMIT = 10 * 1024 * 1024
SENDER = "bob@example.net"
SENDER_ALIAS = "aaaaaaaaaaaaaaa@marketplace.example"
ALLOWED_TOP = {
    "from",
    "reply-to",
    "to",
    "subject",
    "date",
    "message-id",
    "in-reply-to",
    "references",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "content-disposition",
    "content-language",
    "content-id",
    "content-description",
    "auto-submitted",
}


def through_the_relay(raw: bytes, direction: str = "buyer_to_seller") -> bytes | None:
    """What the pipeline does to the bytes, minus AWS; None when refused with a reason."""
    parse_headers(raw)
    try:
        message = parse_message(raw, LIMIT)
    except UnacceptableMessage as refusal:
        assert refusal.reason
        return None
    attachments(message)
    evaluate(
        message,
        PolicyContext(direction=direction, now=datetime.now(UTC), raw_size=len(raw)),
    )
    envelope = Envelope(
        from_name="Bob",
        from_alias=SENDER_ALIAS,
        to_address="seller@example.org",
        message_id="m@marketplace.example",
        replacements={SENDER: SENDER_ALIAS},
        scrub={SENDER: SENDER_ALIAS},
    )
    try:
        out = compose_relay(message, envelope)
    except ComposeError:
        return None
    assert out.isascii()
    assert SENDER.encode() not in out.lower()
    head = message_from_bytes(out, policy=compat32)
    names = [name.lower() for name in head]
    assert set(names) <= ALLOWED_TOP, set(names) - ALLOWED_TOP
    assert names.count("to") == 1 and names.count("from") == 1
    assert "bcc" not in names and "x-injected" not in names
    return out


CASES = mutated_corpus(count=140)


@pytest.mark.parametrize(("label", "raw"), CASES, ids=[label for label, _ in CASES])
@pytest.mark.timeout(60)
def test_mutated_real_mail_is_relayed_cleanly_or_refused(label: str, raw: bytes) -> None:
    through_the_relay(raw)
    through_the_relay(raw, direction="seller_to_buyer")


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    through_the_relay(raw)


header_values = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200
)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    display=header_values,
    subject=header_values,
    body=st.text(max_size=500),
    charset=st.sampled_from(["utf-8", "latin-1", "x-bogus", "utf-7", "", '"latin-1\x00"']),
    encoding=st.sampled_from(["7bit", "8bit", "base64", "quoted-printable", "x-uuencode"]),
)
def test_hostile_headers_and_encodings_never_inject_or_leak(
    display: str, subject: str, body: str, charset: str, encoding: str
) -> None:
    raw = (
        f'From: "{display}" <{SENDER}>\r\nTo: x@marketplace.example\r\nSubject: {subject}\r\n'
        f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset={charset}\r\n"
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n{body}\r\n-- \r\n{SENDER}\r\n"
    ).encode("latin-1", errors="replace")
    through_the_relay(raw)
