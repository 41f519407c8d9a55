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


_ANGLE_ADDR = re.compile(r"<\s*([^<>\s@]+@[^<>\s@]+)\s*>\s*$")


def sender_address(from_value: str | None) -> str | None:
    """The one address a From header names; None when it names none or several.

    The trailing <addr-spec> wins: display names can hide address-like text
    (encoded words, quoted strings), the angle-bracketed address cannot.
    """
    if not from_value:
        return None
    angle = _ANGLE_ADDR.search(from_value)
    if angle:
        return normalize(angle.group(1))
    found = addresses_in([from_value])
    return found[0] if len(found) == 1 else None


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].lower()


def clean_display_name(name: str, limit: int = 64) -> str:
    """A display name safe to put in a header: no CR/LF or controls, no '@' (no addresses)."""
    cleaned = " ".join(_CONTROL.sub(" ", name).split()).replace("@", " ")
    return cleaned[:limit].strip()


def formatted(display_name: str, address: str) -> str:
    local, _, domain = address.partition("@")
    return str(
        Address(display_name=clean_display_name(display_name), username=local, domain=domain)
    )
