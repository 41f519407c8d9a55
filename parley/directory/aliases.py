"""Alias addresses: random, fixed length, unguessable, never derived from real addresses."""

from __future__ import annotations

import secrets

from parley.core.settings import Settings
from parley.models.tables import PartyModel

ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"  # 36 symbols: 5.17 bits each


def new_alias(settings: Settings) -> str:
    """A fresh alias whose total length is `settings.alias_length` (35 by default).

    12 characters or more of a 36-symbol alphabet from the OS CSPRNG: at least 62 bits.
    Collisions are caught by the conditional write that stores it.
    """
    length = settings.alias_local_length
    local = "".join(secrets.choice(ALPHABET) for _ in range(length))
    return f"{local}@{settings.relay_domain}"


def entropy_bits(settings: Settings) -> float:
    import math

    return settings.alias_local_length * math.log2(len(ALPHABET))


def replacements_for(who: PartyModel, alias: str) -> dict[str, str]:
    """A party's real addresses -> its alias, as the other party must see them."""
    addresses = {who.email, *(who.authorized_senders or set())}
    if who.notification_email:
        addresses.add(who.notification_email)
    return {address.lower(): alias for address in addresses if address}  # erased: none
