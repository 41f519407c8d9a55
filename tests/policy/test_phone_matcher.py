"""The contact rule's phone matcher finds what the library's matcher finds, for much less work
on dense digit groups (parley/policy/phones.py)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import phonenumbers
import pytest
from phonenumbers import phonenumbermatcher

from parley.policy import phones
from tests.policy.test_linear_time import ADVERSARIAL

NUMBERS = [
    "0176 1234 5678", "+49 176 12345678", "030 1234567", "(030) 123 45 67", "0049 30 1234567",
    "+1 212-555-0187", "(212) 555-0187", "212.555.0187", "020 7946 0958", "+44 20 7946 0958",
    "0676 1234567", "+43 1 5123456", "044 668 18 00", "+41 44 668 18 00", "01761234567",
    "0176-1234-5678", "0176/12345678", "0176 / 123 456 78", "+49 (0) 176 1234 5678",
    "0176 1234567 ext. 12", "089 12345678-0", "0176 1234567,,12", "12345",
]  # fmt: skip
FILLERS = [
    "", "Call me: ", "12 12 12 12 ", "Art.-Nr. 0815 4711 ", "33 37 87 87 23 ", "1-2-3-4 ",
    "12.34.56 ", "Size 30 x 40 cm, ", "12 - 34 - ", "Lieferung: 03.12. 04.12. ", "Tel. ",
]  # fmt: skip
REGIONS = [("DE", "AT", "CH"), ("US", "GB", "DE")]


def _library(text: str, regions: tuple[str, ...]) -> list[tuple[int, str]]:
    """What the rule did with the library's matcher: the first region with a match of seven
    digits or more."""
    for region in regions:
        found = [
            (m.start, m.raw_string)
            for m in phonenumbers.PhoneNumberMatcher(text, region, phonenumbers.Leniency.VALID)
            if sum(ch.isdigit() for ch in m.raw_string) >= phones.MIN_DIGITS
        ]
        if found:
            return found
    return []


def _texts() -> Iterator[str]:
    for number, filler in itertools.product(NUMBERS, FILLERS):
        yield f"{filler}{number} thanks"
        yield f"{filler * 3}{number}\n{filler * 3}"
    for make in ADVERSARIAL.values():
        text = make(400)
        yield from (text[lo : lo + 96] for lo in range(0, 400, 48))


@pytest.mark.parametrize("regions", REGIONS, ids="-".join)
def test_finds_what_the_library_matcher_finds(regions: tuple[str, ...]) -> None:
    cache: phones.Cache = {}
    differ = []
    for text in _texts():
        ours = [(m.start, m.raw_string) for m in phones.matches(text, regions, cache)]
        if ours != _library(text, regions):
            differ.append(text)
    assert not differ, differ[:5]


def test_a_cached_answer_depends_on_the_neighbours() -> None:
    cache: phones.Cache = {}
    assert phones.matches("call 0176 1234 5678", ("DE",), cache)
    assert not phones.matches("abc0176 1234 5678", ("DE",), cache)  # glued to a word
    assert phones.matches("or 0176 1234 5678 now", ("DE",), cache)


@pytest.mark.parametrize(
    "name",
    ["digit-pairs", "digit-pair-lines", "random-pairs", "random-dotted-pairs",
     "dashed-digits-spaced", "dotted-groups", "slashed-groups", "article-numbers"],
)  # fmt: skip
def test_dense_short_groups_are_rarely_parsed(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The library's matcher parses every group of these (4,000-7,000 parses per 2,000
    # characters in three regions); none of them can be a number of seven digits or more,
    # and longer runs than any number are refused unparsed.
    calls = 0
    parse = phonenumbermatcher.parse

    def counting(*args: object, **kwargs: object) -> phonenumbers.PhoneNumber:
        nonlocal calls
        calls += 1
        return parse(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(phonenumbermatcher, "parse", counting)
    text = ADVERSARIAL[name](2000)
    cache: phones.Cache = {}
    for lo in range(0, len(text), 48):
        phones.matches(text[lo : lo + 96], ("US", "GB", "DE"), cache)
    assert calls <= len(text) // 12
