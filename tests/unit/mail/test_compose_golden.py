"""The relay's rewrite, byte for byte against reviewed golden files."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from parley.mail.compose import Envelope, compose_relay
from parley.mail.parsing import parse_message

FIXTURES = Path(__file__).parents[2] / "fixtures" / "eml"
BUYER_ALIAS = "q3a3aavrvy3grfp@marketplace.example"
SELLER_ALIAS = "vy70ddtjf3idu49@marketplace.example"
BUYER_REAL = {"bob@example.net": BUYER_ALIAS}
SELLER_REAL = {"seller@example.org": SELLER_ALIAS}
RELAY_TIME = datetime(2026, 11, 27, 10, 0, 5, tzinfo=UTC)  # the relay's clock, not the sender's

ENVELOPES = {
    "plain-buyer-question.eml": Envelope(
        from_name="Bob Buyer",
        from_alias=BUYER_ALIAS,
        to_address="seller@example.org",
        message_id="m1@marketplace.example",
        replacements=BUYER_REAL | SELLER_REAL,
        scrub=BUYER_REAL,
        date=RELAY_TIME,
    ),
    "seller-reply-8bit-html.eml": Envelope(
        from_name="Shop",
        from_alias=SELLER_ALIAS,
        to_address="bob@example.net",
        message_id="m2@marketplace.example",
        in_reply_to="question-1@example.net",
        references=("question-1@example.net",),
        replacements=BUYER_REAL | SELLER_REAL,
        scrub=SELLER_REAL,
        date=RELAY_TIME,
    ),
    "buyer-photo-attachment.eml": Envelope(
        from_name="Bob Buyer",
        from_alias=BUYER_ALIAS,
        to_address="seller@example.org",
        message_id="m3@marketplace.example",
        replacements=BUYER_REAL | SELLER_REAL,
        scrub=BUYER_REAL,
        date=RELAY_TIME,
    ),
    "apple-mail-inline-image.eml": Envelope(
        from_name="Bob",
        from_alias=BUYER_ALIAS,
        to_address="seller@example.org",
        message_id="m4@marketplace.example",
        replacements=BUYER_REAL | SELLER_REAL,
        scrub=BUYER_REAL,
        names={"Bobby S.": "Bob", "Bob Smith": "Bob"},
        date=RELAY_TIME,
    ),
}


def normalize_boundaries(data: bytes) -> bytes:
    found = list(dict.fromkeys(re.findall(rb'boundary="?([^";\r\n]+)"?', data)))
    for index, boundary in enumerate(found):
        data = data.replace(boundary, b"BOUNDARY-%d" % index)
    return data


@pytest.mark.parametrize("name", sorted(ENVELOPES))
def test_relay_rewrite_matches_golden(name: str) -> None:
    # Given an incoming message as a client sent it
    raw = (FIXTURES / "incoming" / name).read_bytes()
    # When the relay composes the outbound copy
    out = normalize_boundaries(compose_relay(parse_message(raw, 10**7), ENVELOPES[name]))
    # Then it is exactly the reviewed expectation
    expected_path = FIXTURES / "expected" / name
    if os.environ.get("UPDATE_GOLDEN"):
        expected_path.write_bytes(out)
    assert out == expected_path.read_bytes()
    assert out.isascii()
    for real in ENVELOPES[name].scrub:
        assert real.encode() not in out.lower()
