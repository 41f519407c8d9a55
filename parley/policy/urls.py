"""URLs as browsers read them (WHATWG, through `ada-url`), and which hosts may be linked.

`https://www.shop.example\\@marketplace.example/` goes to www.shop.example in a browser (the
backslash is a slash), so it does here; `//host/x` is scheme-relative; IDN hosts are compared
in their ASCII (punycode) form, so a look-alike of an allowed host is simply another host.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ada_url import URL

from parley.policy.patterns import Pattern, W

# The only schemes that can be allowed at all; everything else is either a contact channel
# (CONTACT_SCHEMES, judged by contact-info) or an external link.
ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
CONTACT_SCHEMES = frozenset(
    {
        "tel", "sms", "smsto", "mms", "callto", "facetime", "facetime-audio", "tg",
        "telegram", "whatsapp", "viber", "skype", "signal", "sgnl", "threema", "wechat",
        "weixin", "line", "fb-messenger", "messenger", "kik", "discord", "snapchat", "imessage",
        "xmpp", "im", "sip", "sips", "matrix",
    }
)  # fmt: skip
INLINE_SCHEMES = frozenset({"cid", "mid"})  # parts of this very message

# Candidate URLs in text: with a scheme, scheme-relative or www., or a bare domain with a
# TLD from the list (the WHATWG parser decides what they really are).
_TLDS = (
    "com|de|net|org|info|io|co|uk|eu|shop|store|biz|at|ch|fr|it|nl|es|ly|me|gl|gd|to|be|ru|"
    "pl|us|online|site|link|click|app|page|xyz|top|cc|tv|ws|am|im|gg|la|example"
)
TEXT_URL = Pattern(
    rf"(?:[a-z][a-z0-9+.\-]{{1,20}}:(?://|\\\\|/\\|\\/)|(?://|\\\\)[{W}\-]|www\.)[^\s<>\"'`]+"
    rf"|[{W}\-]+(?:\.[{W}\-]+)*\.(?:{_TLDS})(?:[/\\?#:][^\s<>\"'`]*)?",
    not_before=lambda ch: ch.isalnum() or ch in "@.-_",
    not_after=lambda ch: ch.isalnum() or ch in "@-_",
)
# Scheme-only contact links in text ("tel:+49...", "whatsapp://send?...", "sms:...").
TEXT_CONTACT_URL = Pattern(
    r"(?:tel|sms|smsto|callto|facetime|tg|whatsapp|viber|skype|signal|sgnl|threema|"
    r"fb-messenger|sip|xmpp|wechat|weixin|line|kik|discord):[^\s<>\"'`]+",
    not_before=lambda ch: ch.isalnum(),
)
# Written-out dots: "myshop dot com", "meinladen punkt de", "myshop (dot) com", "myshop[.]com".
# The marks around the word set it apart from the words it sits between.
EDGE = r"[\s\-_*=~|(\[{<)\]}>]+"
SPELLED_DOT = rf"(?:{EDGE}(?:dot|punkt){EDGE}|\s*[(\[{{<]\s*\.\s*[)\]}}>]\s*)"
SPELLED_DOTS = Pattern(SPELLED_DOT)
# Only top-level domains that are not everyday words ("on the dot at 5", "the dot com days"
# need the checks of `spelled_host`).
_SPELLED_TLDS = "com|net|org|de|eu|uk|ch|nl|fr|io|xyz|biz|ru|pl|info|shop|store"
_WORD_TLDS = frozenset({"net", "info", "shop", "store"})
_LATIN = (" facto", " jure", " luxe")  # "der nächste Punkt de facto"
SPELLED_HOST = Pattern(
    rf"[{W}\-]{{2,}}(?:(?:{SPELLED_DOT}|\.)[{W}\-]{{2,}})*?(?:{SPELLED_DOT}|\.)"
    rf"(?:{_SPELLED_TLDS})(?:[/\\?#][^\s<>\"'`]*)?",
    not_before=lambda ch: ch.isalnum() or ch in "@.-_",
    not_after=lambda ch: ch.isalnum() or ch in "@-_",
)
# Words that make "<word> dot ..." an English phrase rather than a host: articles, "polka dot",
# colours ("red dot").
_NOT_HOSTS = frozenset(
    {
        "a", "an", "the", "this", "that", "one", "on", "at", "of", "ein", "eine", "der", "die",
        "das", "dem", "den", "polka", "red", "black", "white", "blue", "green", "yellow", "pink",
        "grey", "gray", "gold", "silver",
    }
)  # fmt: skip
_BASE = "https://base.invalid/"
_MAX_URL = 4096  # longer is not a link anyone follows; it is read as its first 4 KB


@dataclass(frozen=True)
class ParsedUrl:
    raw: str
    scheme: str  # without the colon, lowercase
    host: str  # lowercase ASCII (punycode), no trailing dot; "" when the URL has none
    href: str


def parse(candidate: str) -> ParsedUrl | None:
    """The URL a browser would follow for `candidate`, or None for a same-document
    reference ("#top", "/path", "image.png") or garbage."""
    raw = candidate[:_MAX_URL].strip().strip(".,;:!?)]}>\"'")
    if not raw:
        return None
    head = raw[:2]
    try:
        if head in {"//", "\\\\", "/\\", "\\/"}:
            url = URL(raw, base=_BASE)
        elif ":" in raw.split("/")[0] and not raw.lower().startswith("www."):
            url = URL(raw)
        elif "." in raw.split("/")[0].split("\\")[0]:
            url = URL("http://" + raw)
        else:
            return None
    except ValueError:
        return None
    scheme = url.protocol.rstrip(":").lower()
    host = (url.hostname or "").lower().rstrip(".")
    if head in {"//", "\\\\", "/\\", "\\/"} and host == "base.invalid":
        return None
    return ParsedUrl(raw, scheme, host, url.href)


def spelled_host(candidate: str, after: str = "") -> str | None:
    """The URL that a SPELLED_HOST match (followed by the text `after`) writes out
    ("myshop dot com/care" -> "myshop.com/care"), or None when it has no written-out dot or
    reads as a phrase."""
    if SPELLED_DOTS.search(candidate) is None or after[:6].lower().startswith(_LATIN):
        return None  # a plain host: TEXT_URL reads it
    url = SPELLED_DOTS.sub(".", candidate)
    host = url.split("/")[0].split("\\")[0].split("?")[0].split("#")[0]
    labels = host.split(".")
    tld = labels[-1]
    if labels[0].lower() in _NOT_HOSTS:
        return None
    if tld.lower() in _WORD_TLDS and tld[:1].isupper() and tld[1:].islower():
        return None  # "Der nächste Punkt Info", "Red Dot Store": a capitalised word
    return url


def is_tld(label: str) -> bool:
    """Whether `label` is a top-level domain of the Public Suffix List (ICANN's root zone)."""
    name = label.lower()
    if not name.isascii() or not name.isalpha():
        return False
    psl = _suffixes()
    return bool(psl.publicsuffix("x." + name, accept_unknown=False) == name)  # type: ignore[attr-defined]


def host_of(candidate: str) -> str:
    parsed = parse(candidate)
    return parsed.host if parsed else ""


def host_in(host: str, hosts: frozenset[str]) -> bool:
    """A host matches a listed domain and its subdomains."""
    if not host:
        return False
    if host in hosts:
        return True
    parts = host.split(".")
    return any(".".join(parts[i:]) in hosts for i in range(1, len(parts)))


@lru_cache(maxsize=1)
def _suffixes() -> object:
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()  # ICANN and private sections: shared platforms are suffixes


def link_host_problem(host: str, shorteners: frozenset[str]) -> str | None:
    """Why a seller may not register `host` for links, or None.

    Refused: what is not a plain host name, public suffixes ("co.uk") and shared platforms
    whose subdomains anyone can register ("myshopify.com", "github.io": the Public Suffix
    List's private section), and link shorteners and redirectors, which lead anywhere.
    """
    parsed = parse("https://" + host.strip())
    if parsed is None or not parsed.host or parsed.host != host.strip().lower().rstrip("."):
        return "not a host name"
    name = parsed.host
    if name.replace(".", "").isdigit() or name.startswith("["):
        return "an IP address"
    if "." not in name:
        return "not a registrable domain"
    psl = _suffixes()
    if psl.is_public(name):  # type: ignore[attr-defined]
        return "a public suffix or shared platform: anyone can publish under it"
    if host_in(name, shorteners):
        return "a link shortener or redirector"
    return None
