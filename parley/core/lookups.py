"""The shape of a DNS TXT look-up, shared by the resolver adapter and the pure mail checks."""

from __future__ import annotations

from collections.abc import Callable

# name -> the TXT strings published there ([] when none). Raises TemporaryDnsError when the
# answer is unknown for now (a timeout): that is retried, never read as "nothing published".
TxtLookup = Callable[[str], list[str]]


class TemporaryDnsError(Exception):
    """DNS did not answer; whether a sender is authentic is unknown for now."""
