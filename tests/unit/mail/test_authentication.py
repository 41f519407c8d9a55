"""DMARC alignment and the strictness setting, decided from SES's verdicts (issue #12)."""

from __future__ import annotations

import pytest

from parley.core.lookups import TemporaryDnsError
from parley.mail.authentication import (
    DMARC_POLICY,
    Verdicts,
    aligned,
    authenticate,
    organizational_domain,
    verified_dkim_domains,
)
from tests.support.dkim_keys import DkimKey


def no_dns(name: str) -> list[str]:
    return []


@pytest.mark.parametrize(
    "domain, org",
    [
        ("mail.example.co.uk", "example.co.uk"),
        ("a.b.example.net", "example.net"),
        ("shop.github.io", "shop.github.io"),  # a private suffix: each site its own
        ("Example.NET.", "example.net"),
    ],
)
def test_organizational_domain_follows_the_public_suffix_list(domain: str, org: str) -> None:
    assert organizational_domain(domain) == org


@pytest.mark.parametrize(
    "a, b, relaxed",
    [
        ("bounce.example.net", "example.net", True),
        ("example.net", "mail.example.net", True),
        ("example.co.uk", "other.co.uk", False),
        ("alice.github.io", "mallory.github.io", False),
        ("", "example.net", False),
    ],
)
def test_relaxed_alignment_compares_organizational_domains(a: str, b: str, relaxed: bool) -> None:
    assert aligned(a, b) is relaxed
    assert aligned(a, b, strict=True) is (a == b and bool(a))


def auth(verdicts: Verdicts, mail_from: str = "", mode: str = "strict", raw: bytes = b"") -> bool:
    result = authenticate(
        from_domain="example.net",
        mail_from=mail_from,
        verdicts=verdicts,
        raw=raw,
        lookup=no_dns,
        mode=mode,
    )
    return result.accepted


def test_dmarc_pass_authenticates_and_fail_never_does_when_strict() -> None:
    assert auth(Verdicts(dmarc="PASS"))
    for policy in ("none", "quarantine", "reject", None):
        assert not auth(Verdicts(spf="PASS", dkim="PASS", dmarc="FAIL", dmarc_policy=policy))
    assert not auth(Verdicts(spf="PASS", dmarc="PROCESSING_FAILED"), "x@example.net")


def test_without_dmarc_only_an_aligned_spf_pass_counts() -> None:
    assert auth(Verdicts(spf="PASS"), "bounces@mail.example.net")
    assert not auth(Verdicts(spf="PASS"), "bounces@attacker.example")
    assert not auth(Verdicts(spf="PASS"), "")  # the null sender: SPF checked HELO
    assert not auth(Verdicts(spf="FAIL"), "bob@example.net")


def test_dmarc_policy_mode_lets_in_only_a_p_none_failure() -> None:
    assert auth(Verdicts(dmarc="FAIL", dmarc_policy="none"), mode=DMARC_POLICY)
    assert not auth(Verdicts(dmarc="FAIL", dmarc_policy="reject"), mode=DMARC_POLICY)
    assert not auth(Verdicts(dmarc="FAIL", dmarc_policy="quarantine"), mode=DMARC_POLICY)
    result = authenticate(
        from_domain="example.net",
        mail_from="",
        verdicts=Verdicts(dmarc="FAIL", dmarc_policy="none"),
        raw=None,
        lookup=no_dns,
        mode=DMARC_POLICY,
    )
    assert result.accepted and not result.aligned  # let in, but never sent a notice


def test_dkim_domains_are_the_ones_whose_signature_verifies() -> None:
    key, other = DkimKey("example.net"), DkimKey("attacker.example")
    zone = {**key.zone(), **other.zone()}
    message = b"From: bob@example.net\r\nTo: x@marketplace.example\r\nSubject: hi\r\n\r\nHello\r\n"
    both = other.sign(key.sign(message))
    assert sorted(verified_dkim_domains(both, lambda n: zone.get(n, []))) == [
        "attacker.example",
        "example.net",
    ]
    assert verified_dkim_domains(both, no_dns) == []  # no key published: nothing verifies
    assert verified_dkim_domains(b"\xff\x00 garbage", no_dns) == []


def test_a_dns_timeout_is_temporary_not_a_verdict() -> None:
    key = DkimKey("example.net")
    signed = key.sign(b"From: bob@example.net\r\nSubject: hi\r\n\r\nHello\r\n")

    def down(name: str) -> list[str]:
        raise TemporaryDnsError(name)

    with pytest.raises(TemporaryDnsError):
        verified_dkim_domains(signed, down)
