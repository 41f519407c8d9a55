"""What SES's receipt rule does to authenticate inbound mail, against a local DNS zone.

SPF with pyspf for the connecting IP and the MAIL FROM domain, DKIM with dkimpy from the
signatures in the mail, DMARC from the From domain's record (at the domain, else at its
organizational domain per the Public Suffix List) with SPF and DKIM identifier alignment.
The zone is a JSON file `{"name": ["TXT record", ...]}` layered over a built-in zone in which
the README's and the demo's domains pass SPF from this machine. A name absent from the zone
has no records (and there are only TXT records: no A, MX or PTR).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from parley.mail.addresses import MalformedSender, strict_sender
from parley.mail.authentication import (
    aligned,
    mail_from_domain,
    organizational_domain,
    verified_dkim_domains,
)
from parley.mail.parsing import PARSE_POLICY

LOCAL_SPF = "v=spf1 ip4:127.0.0.0/8 ip6:::1 -all"
# The domains the README, the demo and the tests write from, sending from this machine.
BUILTIN_ZONE: dict[str, list[str]] = {
    "example.net": [LOCAL_SPF],
    "example.org": [LOCAL_SPF],
    "example.com": [LOCAL_SPF],
}
# pyspf's results as SES reports them.
_SPF_VERDICTS = {
    "pass": "PASS",
    "fail": "FAIL",
    "softfail": "FAIL",
    "neutral": "GRAY",
    "none": "GRAY",
    "temperror": "PROCESSING_FAILED",
    "permerror": "FAIL",
}
_POLICIES = {"none", "quarantine", "reject"}


class ZoneError(ValueError):
    """The zone file is not {"name": ["TXT record", ...], ...}."""


def _name(name: str) -> str:
    return name.strip().rstrip(".").lower()


def read_zone_file(path: Path) -> dict[str, list[str]]:
    try:
        data: Any = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ZoneError(f"{path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ZoneError(f'{path}: expected {{"name": ["TXT record", ...], ...}}')
    zone = {}
    for name, records in data.items():
        if not isinstance(records, list) or not all(isinstance(r, str) for r in records):
            raise ZoneError(f"{path}: {name!r} must map to a list of TXT record strings")
        zone[_name(name)] = records
    return zone


class Zone:
    """TXT records by name: the only DNS the local stack has."""

    def __init__(self, records: dict[str, list[str]]) -> None:
        self.records = {_name(k): list(v) for k, v in records.items()}

    @classmethod
    def load(cls, path: Path | None) -> Zone:
        """The built-in zone with the file's names on top (a name in the file replaces it)."""
        records = {k: list(v) for k, v in BUILTIN_ZONE.items()}
        if path is not None:
            records.update(read_zone_file(path))
        return cls(records)

    def txt(self, name: str) -> list[str]:
        return list(self.records.get(_name(name), []))

    def write(self, path: Path) -> None:
        """For the functions' own DKIM look-ups (PARLEY_DNS_ZONE_FILE)."""
        path.write_text(json.dumps(self.records, indent=1, sort_keys=True) + "\n")


@dataclass(frozen=True)
class ReceiptVerdicts:
    spf: str
    dkim: str
    dmarc: str
    dmarc_policy: str | None = None  # only when DMARC fails, like SES

    def statuses(self) -> dict[str, str]:
        return {"spf": self.spf, "dkim": self.dkim, "dmarc": self.dmarc}


def spf_verdict(zone: Zone, ip: str, mail_from: str, helo: str) -> str:
    import spf

    class ZoneQuery(spf.query):  # type: ignore[misc]
        """pyspf's evaluation; only its DNS comes from the zone."""

        def dns(
            self, name: str, qtype: str, cnames: Any = None, ignore_void: bool = False
        ) -> list[Any]:
            found = [[r.encode()] for r in zone.txt(str(name))] if qtype == "TXT" else []
            if not found and not ignore_void:
                self.void_lookups += 1
                if self.void_lookups > spf.MAX_VOID_LOOKUPS:
                    raise spf.PermError(f"more than {spf.MAX_VOID_LOOKUPS} void look-ups")
            return found

    result, _code, _text = ZoneQuery(i=ip, s=mail_from, h=helo or "localhost", timeout=5).check()
    return _SPF_VERDICTS.get(str(result), "FAIL")


def _dmarc_tags(zone: Zone, from_domain: str) -> tuple[dict[str, str], bool] | None:
    """The From domain's DMARC tags and whether they are its organizational domain's
    (RFC 7489 6.6.3); None when neither publishes exactly one DMARC record."""
    org = organizational_domain(from_domain)
    for name in dict.fromkeys((from_domain, org)):
        records = [r for r in zone.txt(f"_dmarc.{name}") if r.lower().startswith("v=dmarc1")]
        if len(records) == 1:
            tags = {}
            for part in records[0].split(";"):
                key, sep, value = part.partition("=")
                if sep:
                    tags[key.strip().lower()] = value.strip().lower()
            return tags, name != from_domain
    return None


def receipt_verdicts(
    raw: bytes, *, zone: Zone, ip: str, mail_from: str, helo: str
) -> ReceiptVerdicts:
    """SPF, DKIM and DMARC as SES reports them: PASS, FAIL, GRAY or PROCESSING_FAILED."""
    spf = spf_verdict(zone, ip, mail_from, helo)
    headers: Message = BytesHeaderParser(policy=PARSE_POLICY).parsebytes(raw)
    signed = bool(headers.get_all("DKIM-Signature"))
    dkim_domains = verified_dkim_domains(raw, zone.txt) if signed else []
    dkim = "PASS" if dkim_domains else ("FAIL" if signed else "GRAY")
    try:
        from_domain = strict_sender(headers).domain
    except MalformedSender:
        return ReceiptVerdicts(spf, dkim, "GRAY")  # no one From domain to evaluate
    found = _dmarc_tags(zone, from_domain)
    if found is None:
        return ReceiptVerdicts(spf, dkim, "GRAY")
    tags, inherited = found
    envelope = mail_from_domain(mail_from) or helo.lower()
    spf_aligned = spf == "PASS" and aligned(envelope, from_domain, strict=tags.get("aspf") == "s")
    dkim_aligned = any(
        aligned(d, from_domain, strict=tags.get("adkim") == "s") for d in dkim_domains
    )
    if spf_aligned or dkim_aligned:
        return ReceiptVerdicts(spf, dkim, "PASS")
    policy = tags.get("sp", tags.get("p")) if inherited else tags.get("p")
    return ReceiptVerdicts(spf, dkim, "FAIL", policy if policy in _POLICIES else "none")
