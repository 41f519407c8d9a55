"""Address handling that never trusts what a sender typed."""

from __future__ import annotations

import re
from email.headerregistry import Address
from email.utils import getaddresses

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def normalize(address: str) -> str:
    return address.strip().strip("<>").lower()


def addresses_in(header_values: list[str]) -> list[str]:
    """Every addr-spec found in the given header values, normalized."""
    found = []
    for _name, addr in getaddresses([_CONTROL.sub(" ", v) for v in header_values]):
        if "@" in addr:
            found.append(normalize(addr))
    return found


def first_address(header_value: str | None) -> str | None:
    if not header_value:
        return None
    found = addresses_in([header_value])
    return found[0] if found else None


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].lower()


def clean_display_name(name: str, limit: int = 64) -> str:
    """A display name safe to put in a header: no CR/LF or controls, no '@' (no addresses)."""
    cleaned = " ".join(_CONTROL.sub(" ", name).split()).replace("@", " ")
    return cleaned[:limit].strip()


def formatted(display_name: str, address: str) -> str:
    local, _, domain = address.partition("@")
    return str(Address(display_name=clean_display_name(display_name), username=local, domain=domain))
