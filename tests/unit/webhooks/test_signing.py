from __future__ import annotations

import hashlib
import hmac

from parley.webhooks.signing import new_secret, sign, verify

BODY = b'{"id":"evt_1","type":"message.received"}'


def test_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    secret = new_secret()
    header = sign(secret, 1_800_000_000, BODY)
    expected = hmac.new(secret.encode(), b"1800000000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1800000000,v1={expected}"
    assert verify(secret, header, BODY, now=1_800_000_010)


def test_a_wrong_secret_a_changed_body_or_an_old_timestamp_fail() -> None:
    secret = new_secret()
    header = sign(secret, 1_800_000_000, BODY)
    assert not verify(new_secret(), header, BODY, now=1_800_000_000)
    assert not verify(secret, header, BODY + b" ", now=1_800_000_000)
    assert not verify(secret, header, BODY, now=1_800_000_000 + 301)
    # the timestamp is signed: moving it forward breaks the signature
    replayed = header.replace("t=1800000000", "t=1800000400")
    assert not verify(secret, replayed, BODY, now=1_800_000_400)
    assert not verify(secret, "v1=abc", BODY, now=1_800_000_000)
    assert not verify(secret, "", BODY, now=1_800_000_000)
