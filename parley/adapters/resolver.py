"""TXT look-ups for DKIM keys: the system resolver, or a static zone file (local, tests)."""

from __future__ import annotations

import json
from pathlib import Path

from parley.core.lookups import TemporaryDnsError, TxtLookup


def system_txt(name: str) -> list[str]:
    """TXT strings at `name` from the resolver; [] when there are none."""
    import dns.exception
    import dns.resolver

    try:
        answer = dns.resolver.resolve(name, "TXT", lifetime=5)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except (dns.exception.Timeout, dns.resolver.NoNameservers) as exc:
        raise TemporaryDnsError(f"TXT {name}: {exc}") from exc
    except dns.exception.DNSException:  # a malformed name and the like: nothing published
        return []
    return [b"".join(record.strings).decode("utf-8", "replace") for record in answer]


class ZoneFile:
    """`{"name": ["TXT record", ...]}` read on every look-up (it is small, and the local stack
    and tests change it while running). A name absent from the zone has no records."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def txt(self, name: str) -> list[str]:
        try:
            zone = json.loads(self.path.read_text())
        except (OSError, ValueError) as exc:
            raise TemporaryDnsError(f"zone file {self.path}: {exc}") from exc
        records = {str(k).rstrip(".").lower(): v for k, v in dict(zone).items()}
        return [str(r) for r in records.get(name.rstrip(".").lower(), [])]


def txt_lookup(zone_file: str) -> TxtLookup:
    return ZoneFile(Path(zone_file)).txt if zone_file else system_txt
