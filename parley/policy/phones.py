"""The phone number library's matcher, with the attempts that cannot find a number skipped.

`phonenumbers.PhoneNumberMatcher` cuts each candidate run of digits into pieces (the part
before a slash, a bracket, a " - ", a dot or a space, and each piece after one) and parses
every piece, once per region. On dense short digit groups ("12 12 12 …", "12.34.56",
"12 - 34 - …") that is a full parse per group and region, and for " - " one per remaining
tail: 40-200 ms per 2,000 characters, 8-40 times a benign message, and past the policy's
time budget on a long message.

What is found stays the same (tests/policy/test_phone_matcher.py compares); what is skipped:
- parsing a piece with fewer than `MIN_DIGITS` digits: the contact rule drops such a match;
- parsing a piece with more digits than any number the library can read (`_max_digits`):
  the library refuses it as too long after normalizing it;
- parsing a piece again: the same piece with the same neighbours gets the same answer
  (overlapping windows and repeated groups ask again and again);
- the matcher's walk through the text for the second and third region when no piece it
  parsed reads as a number there (`matches`).

Imported on the first phone lookup (the library is not loaded at cold start).
"""

from __future__ import annotations

from collections.abc import Sequence

import phonenumbers
from phonenumbers import PhoneNumber, PhoneNumberMatch, PhoneNumberMatcher

MIN_DIGITS = 7  # fewer digits are not a phone number for the contact rule
_ASCII_DIGITS = "0123456789"
# Longest digit string the library can read as a number: an international call prefix (3,
# "011"), a country code (3), a national number (17, the library's limit), and a margin of 6
# for a national prefix or carrier code the library strips.
_NUMBER_DIGITS = 3 + 3 + 17 + 6
# Commas can mark an extension when parsing ("0176 1234567,,123"): up to 15 digits more.
_COMMA_EXTENSION_DIGITS = 15
# Characters a piece may hold for the length bound to apply; any other (letters: "ext", "x";
# "#", "~", ";") may introduce an extension of up to 20 digits, and such a piece is parsed.
_PLAIN = frozenset(_ASCII_DIGITS + " \t\n\r()./-+,")

Key = tuple[str, str, str, str]  # region, piece, character before, character after
Cache = dict[Key, PhoneNumber | None]


def _max_digits(piece: str) -> int | None:
    """The most digits a number in `piece` can have, None when unbounded here."""
    if not _PLAIN.issuperset(piece):
        return None
    return _NUMBER_DIGITS + (_COMMA_EXTENSION_DIGITS if "," in piece else 0)


def _ascii_digits(piece: str) -> int:
    return sum(map(piece.count, _ASCII_DIGITS))


class _Matcher(PhoneNumberMatcher):
    def __init__(self, text: str, region: str, cache: Cache) -> None:
        super().__init__(text, region, leniency=phonenumbers.Leniency.VALID)
        self._cache = cache
        self.parsed: list[tuple[str, int]] = []  # the pieces parsed, in order

    def _parse_and_verify(self, candidate: str, offset: int) -> PhoneNumberMatch | None:
        digits = _ascii_digits(candidate)
        if digits < MIN_DIGITS and (
            candidate.isascii() or sum(ch.isdigit() for ch in candidate) < MIN_DIGITS
        ):
            return None  # digits of other scripts count as the contact rule counts them
        bound = _max_digits(candidate)
        if bound is not None and digits > bound:
            return None
        self.parsed.append((candidate, offset))
        end = offset + len(candidate)
        before = self.text[offset - 1] if offset > 0 else ""
        after = self.text[end] if end < len(self.text) else ""
        key = (str(self.preferred_region), candidate, before, after)
        if key in self._cache:
            number = self._cache[key]
            return None if number is None else PhoneNumberMatch(offset, candidate, number)
        match = super()._parse_and_verify(candidate, offset)
        self._cache[key] = None if match is None else match.number
        return match


def matches(text: str, regions: Sequence[str], cache: Cache) -> list[PhoneNumberMatch]:
    """The library's VALID matches in `text` (with `MIN_DIGITS` digits or more) for the first
    of `regions` that reads a number there; `cache` is shared by the calls on one text.

    The matcher's way through the text depends on the region only where a piece parses: when
    the first region finds nothing, another region can find something only in a piece that
    region's reading accepts. So the pieces the first pass parsed are asked again, and the
    matcher runs again only for a region that accepts one of them.
    """
    first = _Matcher(text, regions[0], cache)
    found = list(first)
    if found:
        return found
    for region in regions[1:]:
        matcher = _Matcher(text, region, cache)
        if any(matcher._parse_and_verify(*piece) for piece in first.parsed):
            return list(_Matcher(text, region, cache))
    return []
