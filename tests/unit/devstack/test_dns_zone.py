"""The local SES inbound's SPF, DKIM and DMARC verdicts over a zone (parley dev --dns-zone)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devstack.dns_zone import ReceiptVerdicts, Zone, ZoneError, read_zone_file, receipt_verdicts
from tests.support.dkim_keys import DkimKey

KEY = DkimKey("kunde.example", selector="sel")


def letter(sender: str) -> bytes:
    return (
        f"From: {sender}\r\nTo: x@marketplace.example\r\nSubject: Hallo\r\n"
        "Date: Fri, 27 Nov 2026 12:00:00 +0000\r\nMessage-ID: <1@kunde.example>\r\n\r\n"
        "Wann kommt meine Bestellung?\r\n"
    ).encode()


def verdicts(
    zone: dict[str, list[str]], raw: bytes, mail_from: str, ip: str = "127.0.0.1"
) -> ReceiptVerdicts:
    layered = Zone({**Zone.load(None).records, **zone})
    return receipt_verdicts(raw, zone=layered, ip=ip, mail_from=mail_from, helo="client.example")


def test_the_built_in_zone_lets_the_demo_domains_pass_spf_from_this_machine() -> None:
    found = verdicts({}, letter("bob@example.net"), "bob@example.net")
    assert (found.spf, found.dkim, found.dmarc) == ("PASS", "GRAY", "GRAY")
    assert verdicts({}, letter("bob@example.net"), "bob@example.net", ip="192.0.2.1").spf == "FAIL"
    assert verdicts({}, letter("x@unknown.example"), "x@unknown.example").spf == "GRAY"


def test_dmarc_passes_only_with_an_aligned_signature_and_carries_the_policy_when_not() -> None:
    zone = {
        "kunde.example": ["v=spf1 -all"],
        "_dmarc.kunde.example": ["v=DMARC1; p=reject"],
        **KEY.zone(),
    }
    signed = verdicts(zone, KEY.sign(letter("kunde@kunde.example")), "kunde@kunde.example")
    assert (signed.spf, signed.dkim, signed.dmarc, signed.dmarc_policy) == (
        "FAIL",
        "PASS",
        "PASS",
        None,
    )
    forged = verdicts(zone, letter("kunde@kunde.example"), "kunde@kunde.example")
    assert (forged.dkim, forged.dmarc, forged.dmarc_policy) == ("GRAY", "FAIL", "reject")
    tampered = KEY.sign(letter("kunde@kunde.example")).replace(b"Wann", b"Wie")
    assert verdicts(zone, tampered, "kunde@kunde.example").dkim == "FAIL"


def test_a_subdomain_inherits_the_organizational_domains_sp_policy() -> None:
    zone = {"_dmarc.kunde.example": ["v=DMARC1; p=none; sp=quarantine"]}
    found = verdicts(zone, letter("a@shop.kunde.example"), "a@shop.kunde.example")
    assert (found.dmarc, found.dmarc_policy) == ("FAIL", "quarantine")


def test_a_zone_file_replaces_built_in_names_and_is_validated(tmp_path: Path) -> None:
    path = tmp_path / "zone.json"
    path.write_text(json.dumps({"Example.NET.": ["v=spf1 -all"]}))
    assert read_zone_file(path) == {"example.net": ["v=spf1 -all"]}
    assert Zone.load(path).txt("example.net") == ["v=spf1 -all"]
    assert Zone.load(path).txt("nothing.example") == []
    for bad in ('["x"]', '{"a.example": "v=spf1 -all"}', "{nope"):
        path.write_text(bad)
        with pytest.raises(ZoneError):
            read_zone_file(path)
