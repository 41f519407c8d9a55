"""Identifier formats and keys, defined once for registration, the API and the stores."""

from __future__ import annotations

import re

ORDER_ID_FORMAT = re.compile(r"^\d{3}-\d{7}-\d{7}$")
PARTY_ID_FORMAT = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
LOCALE_FORMAT = re.compile(r"^[a-z]{2}(-[A-Z]{2})?$")


def party_key(kind: str, party_id: str) -> str:
    """The parties table key: `seller:S1`, `buyer:B1`."""
    return f"{kind}:{party_id}"


def pair_id_of(seller_id: str, buyer_id: str) -> str:
    return f"{seller_id}|{buyer_id}"


def parties_of_pair(pair_id: str) -> tuple[str, str] | None:
    """(seller_id, buyer_id) of a pair id, so that a pair and its parties can be read in one
    request; None for an id that is not a pair's (an erased alias's tombstone)."""
    seller_id, sep, buyer_id = pair_id.partition("|")
    if not sep or not PARTY_ID_FORMAT.match(seller_id) or not PARTY_ID_FORMAT.match(buyer_id):
        return None
    return seller_id, buyer_id
