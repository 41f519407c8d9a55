"""The address scrub: every way a mail program can write an address, replaced by the alias.

Pure (no I/O). A party's real address reaches the other side in more forms than the literal
`bob@example.net`: `bob&#64;example.net` and `&#x62;ob&commat;…` in HTML signatures,
`mailto:bob%40example.net` in links, `BOB@Example.NET`, a quoted-printable soft line break in
the middle (`bob@exam=\\r\\nple.net`), `=40` in a Q-encoded header, the Unicode and the
punycode form of an international domain (`jörg@bücher.example`, `…@xn--bcher-kva.example`),
decomposed accents, fullwidth characters. The scrub builds, for each address, one pattern in
which every character may appear in any of those forms, and replaces each match whole.

`Scrubber.text` works on decoded text (bodies, file names, header values); `Scrubber.wire`
works on the serialized 7-bit message, where quoted-printable escapes and soft line breaks
are also recognized, as the last line of defence.
"""

from __future__ import annotations

import html
import quopri
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from urllib.parse import unquote

# Named HTML entities for the punctuation of addresses (HTML5).
_NAMED = {
    "@": ("commat",),
    ".": ("period",),
    "-": ("hyphen", "dash"),
    "_": ("lowbar", "UnderBar"),
    "+": ("plus",),
    ":": ("colon",),
}
_SOFT_BREAK = "(?:=\r?\n)?"


# Mailbox providers shared by millions: naming one tells nothing about who writes. Any other
# domain of a party's addresses (a family's or a company's own) is scrubbed like an address.
COMMON_PROVIDERS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "hotmail.de",
        "hotmail.co.uk",
        "live.com",
        "live.de",
        "msn.com",
        "yahoo.com",
        "yahoo.de",
        "yahoo.co.uk",
        "ymail.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "aol.de",
        "gmx.de",
        "gmx.net",
        "gmx.at",
        "gmx.ch",
        "gmx.com",
        "web.de",
        "t-online.de",
        "freenet.de",
        "posteo.de",
        "mailbox.org",
        "proton.me",
        "protonmail.com",
        "pm.me",
        "mail.com",
        "yandex.com",
        "yandex.ru",
        "zoho.com",
        "fastmail.com",
        "tutanota.com",
        "tuta.io",
        "orange.fr",
        "free.fr",
        "laposte.net",
        "libero.it",
        "virgilio.it",
        "seznam.cz",
        "wp.pl",
        "o2.pl",
        "onet.pl",
        "qq.com",
        "163.com",
        "naver.com",
    }
)
DOMAIN_REMOVED = "[removed]"


def own_domains(addresses: Iterable[str], exclude: Iterable[str] = ()) -> dict[str, str]:
    """The domains of a party's addresses that identify them -> the text that replaces them."""
    skip = {d.lower() for d in exclude} | COMMON_PROVIDERS
    found = {a.rpartition("@")[2].strip().lower() for a in addresses if "@" in a}
    return {d: DOMAIN_REMOVED for d in sorted(found) if d and "." in d and d not in skip}


def address_forms(address: str) -> set[str]:
    """The address with its domain in Unicode and in ASCII (IDNA) form, lowercase, NFC."""
    address = unicodedata.normalize("NFC", address.strip().lower())
    local, at, domain = address.rpartition("@")
    if not at and "." in address:  # a bare domain
        return _domain_forms(address)
    if not at or not local or not domain:
        return {address} if address else set()
    forms = {address}
    for variant in _domain_forms(domain):
        forms.add(f"{local}@{variant}")
    return forms


def _domain_forms(domain: str) -> set[str]:
    forms = {domain}
    labels = domain.split(".")
    try:
        forms.add(".".join(_to_ascii(label) for label in labels))
        forms.add(".".join(_to_unicode(label) for label in labels))
    except (UnicodeError, ValueError):
        pass
    return {f for f in forms if f}


def _to_ascii(label: str) -> str:
    if label.isascii():
        return label
    import idna

    return str(idna.encode(label, uts46=True).decode("ascii"))


def _to_unicode(label: str) -> str:
    if not label.startswith("xn--"):
        return label
    import idna

    return str(idna.decode(label, uts46=True))


def _char_forms(char: str, wire: bool) -> list[str]:
    """Regular-expression alternatives for one character of an address (IGNORECASE)."""
    variants = sorted({v for v in (char, char.lower(), char.upper()) if len(v) == 1})
    literal: set[str] = set()
    options: list[str] = []
    for variant in variants:
        if not wire or variant.isascii():
            literal.add(variant)
        if not wire:
            decomposed = unicodedata.normalize("NFD", variant)
            if decomposed != variant:
                options.append(re.escape(decomposed))
            if 0x21 <= ord(variant) <= 0x7E:
                literal.add(chr(ord(variant) + 0xFEE0))  # fullwidth form
    if char == "@" and not wire:
        literal.add("\ufe6b")  # small commercial at
    codes = sorted({ord(v) for v in variants})
    decimal = "|".join(str(c) for c in codes)
    hexadecimal = "|".join(f"{c:x}" for c in codes)
    options.append(f"&\\#0*(?:{decimal})(?:;|(?![0-9]))")
    options.append(f"&\\#x0*(?:{hexadecimal})(?:;|(?![0-9a-f]))")
    escapes = "|".join("".join(f"%{byte:02x}" for byte in v.encode("utf-8")) for v in variants)
    options.append(f"(?:{escapes})")
    if wire:  # quoted-printable: a soft line break may fall between a character's bytes
        qp = "|".join(
            _SOFT_BREAK.join(f"={byte:02x}" for byte in v.encode("utf-8")) for v in variants
        )
        options.append(f"(?:{qp})")
    for variant in variants:
        options.extend(f"&{name};" for name in _NAMED.get(variant, ()))
    if literal:
        options.insert(0, "[" + "".join(re.escape(c) for c in sorted(literal)) + "]")
    return options


def _pattern(needle: str, wire: bool) -> str:
    separator = _SOFT_BREAK if wire else ""
    return separator.join(f"(?:{'|'.join(_char_forms(c, wire))})" for c in needle)


@dataclass(frozen=True)
class Scrubber:
    """Replaces each real address (in any form) by the alias that stands for it."""

    replacements: Mapping[str, str]
    _forms: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        forms: dict[str, str] = {}
        for real, alias in self.replacements.items():
            for form in address_forms(real):
                forms.setdefault(form, alias)
        object.__setattr__(self, "_forms", forms)

    @cached_property
    def _key(self) -> tuple[tuple[str, str], ...]:
        return tuple(_ordered(self._forms))

    def _pattern_for(self, value: str, wire: bool) -> re.Pattern[str] | None:
        if not self._forms:
            return None
        # Most text holds no encoded character at all: the literal pattern is enough and
        # far cheaper to build than the one that knows every encoding.
        plain = value.isascii() and not _ENCODED.search(value)
        if not plain and not self._present(value, wire):
            plain = True  # no encoded form of any address is in there: literal is enough
        return _compile(self._key, "plain" if plain else "wire" if wire else "text")

    def _present(self, value: str, wire: bool) -> bool:
        """Whether some address may hide in the text once every encoding is undone (a cheap,
        generous check that spares building the full pattern for most HTML)."""
        seen = canonical(value, wire)
        return any(form in seen for form in self._canonical_forms)

    @cached_property
    def _canonical_forms(self) -> frozenset[str]:
        return frozenset(canonical(form, wire=False) for form in self._forms)

    def text(self, value: str) -> str:
        """Decoded text with every address replaced."""
        pattern = self._pattern_for(value, wire=False) if value else None
        return pattern.sub(self._alias_of, value) if pattern is not None else value

    def wire(self, data: bytes) -> bytes:
        """Serialized 7-bit mail with every address replaced (QP escapes and soft breaks too)."""
        text = data.decode("ascii", "surrogateescape")
        pattern = self._pattern_for(text, wire=True) if data else None
        if pattern is None:
            return data
        return pattern.sub(self._alias_of, text).encode("ascii", "surrogateescape")

    def found(self, value: str) -> bool:
        pattern = self._pattern_for(value, wire=False) if value else None
        return pattern is not None and pattern.search(value) is not None

    def _alias_of(self, match: re.Match[str]) -> str:
        for index, group in enumerate(match.groups()):
            if group is not None:
                return self._key[index][1]
        return ""  # unreachable: every alternative is a group


def _ordered(forms: Mapping[str, str]) -> list[tuple[str, str]]:
    return sorted(forms.items(), key=lambda item: len(item[0]), reverse=True)


def canonical(value: str, wire: bool) -> str:
    """The text as a reader ends up seeing it: QP (wire), entities, percent, width, case."""
    if wire:
        raw = _SOFT_BREAKS.sub("", value).encode("ascii", "surrogateescape")
        value = quopri.decodestring(raw).decode("utf-8", "replace")
    for _ in range(2):
        value = unquote(html.unescape(value))
    return unicodedata.normalize("NFKC", value).casefold()


_SOFT_BREAKS = re.compile(r"=\r?\n")
# Something in the text that may stand for a character of an address.
_ENCODED = re.compile(r"[&%]|=[0-9a-f]{2}|=\r?\n", re.IGNORECASE)


@lru_cache(maxsize=256)
def _compile(forms: tuple[tuple[str, str], ...], mode: str) -> re.Pattern[str] | None:
    if not forms:
        return None
    # Longest first, each its own group: the group that matched names the alias. An address
    # is replaced wherever it stands, even inside a longer word: over-scrubbing is the safe side.
    if mode == "plain":
        body = "|".join(f"({re.escape(real)})" for real, _ in forms)
    else:
        body = "|".join(f"({_pattern(real, mode == 'wire')})" for real, _ in forms)
    return re.compile(body, re.IGNORECASE)


def scrub_all(values: Iterable[str], replacements: Mapping[str, str]) -> list[str]:
    scrubber = Scrubber(replacements)
    return [scrubber.text(v) for v in values]


def anonymize(text: str, replacements: Mapping[str, str]) -> str:
    """Every real address in `text` (in any encoding) replaced by the alias for it."""
    return Scrubber(replacements).text(text)
