"""The address scrub against every encoding a mail program (or a curious eye) may meet."""

from __future__ import annotations

import html
import quopri
import unicodedata
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parley.mail.scrub import Scrubber, address_forms

ALIAS = "q3a3aavrvy3grfp@marketplace.example"

_LOCAL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._+-", min_size=1, max_size=16)
_LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10)
_UNICODE_LABEL = st.text(alphabet="abcdeäöüßéñçøå", min_size=2, max_size=10).filter(
    lambda s: not s.isascii()
)


@st.composite
def addresses(draw: st.DrawFn) -> str:
    local = draw(_LOCAL).strip(".") or "x"
    labels = draw(st.lists(st.one_of(_LABEL, _UNICODE_LABEL), min_size=1, max_size=3))
    tld = draw(st.sampled_from(["example", "net", "de", "com"]))
    address = f"{local}@{'.'.join(labels)}.{tld}"
    forms = address_forms(address)
    return draw(st.sampled_from(sorted(forms)))  # registered in Unicode or in punycode


def _encode_char(char: str, how: str) -> str:
    if how == "upper":
        return char.upper() if len(char.upper()) == 1 else char
    if how == "dec":
        return f"&#{ord(char)};"
    if how == "hex":
        return f"&#x{ord(char):X};"
    if how == "percent":
        return "".join(f"%{b:02X}" for b in char.encode())
    if how == "fullwidth" and 0x21 <= ord(char) <= 0x7E:
        return chr(ord(char) + 0xFEE0)
    if how == "nfd":
        return unicodedata.normalize("NFD", char)
    if how == "named" and char == "@":
        return "&commat;"
    return char


ENCODINGS = ["plain", "upper", "dec", "hex", "percent", "fullwidth", "nfd", "named"]


@st.composite
def written(draw: st.DrawFn) -> tuple[str, str]:
    """(registered address, the address as it stands in some text)"""
    address = draw(addresses())
    shown = draw(st.sampled_from(sorted(address_forms(address))))
    mixed = draw(st.booleans())
    if mixed:  # every character in its own encoding
        hows = draw(st.lists(st.sampled_from(ENCODINGS), min_size=len(shown), max_size=len(shown)))
    else:
        hows = [draw(st.sampled_from(ENCODINGS))] * len(shown)
    text = "".join(_encode_char(c, h) for c, h in zip(shown, hows, strict=True))
    if draw(st.booleans()):
        text = f"mailto:{text}"
    return address, text


def canonical(text: str) -> str:
    """What a reader ends up seeing: entities, percent-encoding, width and case undone."""
    for _ in range(2):
        text = unquote(html.unescape(text))
    return unicodedata.normalize("NFKC", text).casefold()


def survives(address: str, text: str) -> bool:
    seen = canonical(text)
    return any(form.casefold() in seen for form in address_forms(address))


_SURROUNDINGS = st.text(alphabet="abc xyz<>\"'=:;,\n", max_size=20)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(written(), _SURROUNDINGS, _SURROUNDINGS)
def test_no_encoding_of_an_address_survives_in_text(
    case: tuple[str, str], before: str, after: str
) -> None:
    address, shown = case
    document = f"{before}{shown}{after}"
    assert survives(address, document)  # the attack: a reader recovers it
    scrubbed = Scrubber({address: ALIAS}).text(document)
    assert not survives(address, scrubbed), scrubbed
    assert ALIAS in scrubbed


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(addresses(), st.integers(min_value=1, max_value=40), st.booleans())
def test_no_address_survives_quoted_printable_on_the_wire(
    address: str, width: int, header_style: bool
) -> None:
    shown = sorted(address_forms(address))[-1]
    encoded = quopri.encodestring(f"Mail me: {shown} thanks".encode(), header=header_style)
    # a soft line break anywhere but inside an =XX escape, as a mail program wraps lines
    position = min(width, len(encoded) - 1)
    while b"=" in encoded[max(position - 2, 0) : position]:
        position += 1
    encoded = encoded[:position] + b"=\r\n" + encoded[position:]
    wire = Scrubber({address: ALIAS}).wire(encoded)
    decoded = quopri.decodestring(wire, header=header_style).decode("utf-8", "replace")
    assert not survives(address, decoded), decoded


@pytest.mark.parametrize(
    "written_as",
    [
        "Bob@Example.Net",
        "bob&#64;example.net",
        "bob&#x40;example&#46;net",
        "&#98;&#111;&#98;&#64;example.net",
        "bob&commat;example&period;net",
        "mailto:bob%40example.net",
        "mailto:%62%6F%62%40example.net",
        "ｂｏｂ＠ｅｘａｍｐｌｅ．ｎｅｔ",
        "bob﹫example.net",
    ],
)
def test_known_forms(written_as: str) -> None:
    result = Scrubber({"bob@example.net": ALIAS}).text(f"<a href='{written_as}'>x</a>")
    assert result.replace("mailto:", "") == f"<a href='{ALIAS}'>x</a>"


def test_international_address_in_both_forms() -> None:
    scrubber = Scrubber({"jörg@bücher.example": ALIAS})
    assert scrubber.text("jörg@xn--bcher-kva.example") == ALIAS
    assert scrubber.text("JO\u0308RG@BU\u0308CHER.EXAMPLE") == ALIAS
    registered_ascii = Scrubber({"jörg@xn--bcher-kva.example": ALIAS})
    assert registered_ascii.text("jörg@bücher.example") == ALIAS


def test_wire_forms() -> None:
    scrubber = Scrubber({"bob@example.net": ALIAS})
    wire = b"bob=40exa=\r\nmple.net, BOB@EXAMPLE.=\nNET, =?utf-8?q?bob=40example=2Enet?="
    assert b"example" not in scrubber.wire(wire).replace(b"marketplace.example", b"")


def test_longest_address_wins_and_each_gets_its_own_alias() -> None:
    scrubber = Scrubber({"bob@example.net": "a@m.example", "bob@example.network": "b@m.example"})
    assert scrubber.text("bob@example.network bob@example.net") == "b@m.example a@m.example"


def test_no_replacements_changes_nothing() -> None:
    assert Scrubber({}).text("bob@example.net") == "bob@example.net"
    assert Scrubber({}).wire(b"bob@example.net") == b"bob@example.net"
