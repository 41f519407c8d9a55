"""Remote content in HTML: every way a message can make the reader's mail program call home.

Pure (no I/O). A remote image, however large, tells its sender when and from which address
the recipient opened the mail; tracking pixels are only the smallest of them. With the
marketplace's `remoteImages: strip` (the default) the relay removes every reference that a
mail program would fetch on its own: `<img src/srcset>`, `<picture><source srcset>`,
`background` attributes, CSS `url(...)`, `image-set(...)` and `@import` (CSS escapes decoded
first, as a browser decodes them), `<link>`, `<base>`, embedded frames and objects, video
posters, meta refresh. Links (`<a href>`) stay: they are fetched only when a person clicks.
An image keeps its alternative text in its place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser

_LOCAL_SCHEMES = re.compile(r"^[\s\x00-\x20]*(?:cid|data|mailto|about):", re.IGNORECASE)
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})[ \t\r\n\f]?|\\(.)", re.DOTALL)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_CSS_URL = re.compile(r"url\(\s*(?:\"[^\"]*\"|'[^']*'|[^)]*)\s*\)", re.IGNORECASE)
_CSS_REMOTE_STRING = re.compile(
    r"(\"|')[\s]*(?:[a-z][a-z0-9+.-]*:|//)(?<!data:)[^\"']*\1", re.IGNORECASE
)
_CSS_IMPORT = re.compile(r"@import\b[^;]*;?", re.IGNORECASE)

# (tag, attribute) pairs whose value is fetched without a click.
_FETCHED = {
    "img": ("src", "srcset", "lowsrc", "dynsrc", "longdesc"),
    "source": ("src", "srcset"),
    "input": ("src",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "embed": ("src",),
    "object": ("data", "codebase"),
    "iframe": ("src",),
    "frame": ("src",),
    "image": ("href", "xlink:href"),
    "use": ("href", "xlink:href"),
    "feimage": ("href", "xlink:href"),
}
_HINTS = (
    "src",
    "url",
    "background",
    "<link",
    "<base",
    "@import",
    "poster",
    "href",
    "<object",
    "<embed",
    "refresh",
    "<style",
)
_REMOVED_TAGS = ("link", "base", "script", "iframe", "frame", "frameset", "object", "embed")


@dataclass(frozen=True)
class Stripped:
    html: str
    removed: int  # how many remote references were taken out


def decode_css(css: str) -> str:
    """CSS with its escapes decoded and comments removed (`\\75 rl(` is `url(`)."""

    def unescape(match: re.Match[str]) -> str:
        if match.group(1):
            code = int(match.group(1), 16)
            return chr(code) if 0 < code <= 0x10FFFF else "\ufffd"
        return match.group(2)

    return _CSS_COMMENT.sub("", _CSS_ESCAPE.sub(unescape, css))


def strip_css(css: str) -> tuple[str, int]:
    """CSS with every remote url(), image-set string and @import neutralized."""
    decoded = decode_css(css)
    removed = 0

    def url(match: re.Match[str]) -> str:
        nonlocal removed
        inner = match.group(0)[4:-1].strip().strip("\"'")
        if _LOCAL_SCHEMES.match(inner) or not inner:
            return match.group(0)
        removed += 1
        return "none"

    def string(match: re.Match[str]) -> str:
        nonlocal removed
        if _LOCAL_SCHEMES.match(match.group(0)[1:]):
            return match.group(0)
        removed += 1
        return "''"

    imports = len(_CSS_IMPORT.findall(decoded))
    result = _CSS_IMPORT.sub("", decoded)
    result = _CSS_URL.sub(url, result)
    result = _CSS_REMOTE_STRING.sub(string, result)
    if not removed and not imports:
        return css, 0  # untouched CSS keeps its original spelling
    return result, removed + imports


def _is_remote(value: str) -> bool:
    if _LOCAL_SCHEMES.match(value):
        return False
    # A relative URL is resolved against <base> or the sender's page: remote as well.
    return bool(value.strip())


def strip_remote_content(html: str) -> Stripped:
    """The HTML with nothing left that a mail program would fetch by itself."""
    lowered = html.lower()
    if not any(hint in lowered for hint in _HINTS):
        return Stripped(html, 0)
    tree = LexborHTMLParser(html)
    removed = 0
    for tag in _REMOVED_TAGS:
        for node in tree.css(tag):
            node.decompose()
            removed += 1
    for meta in tree.css("meta"):
        if (meta.attributes.get("http-equiv") or "").lower() == "refresh":
            meta.decompose()
            removed += 1
    for tag, attributes in _FETCHED.items():
        for node in tree.css(tag.replace(":", "|")):
            dropped = False
            for attribute in attributes:
                value = node.attributes.get(attribute)
                if value is not None and (attribute == "srcset" or _is_remote(value)):
                    del node.attrs[attribute]
                    dropped = True
            if dropped:
                removed += 1
                if tag == "img":
                    alt = (node.attributes.get("alt") or "").strip()
                    if alt:
                        node.replace_with(f"[{alt}]")
                    else:
                        node.decompose()
    for node in tree.css("[background]"):
        del node.attrs["background"]
        removed += 1
    for node in tree.css("[style]"):
        cleaned, count = strip_css(node.attributes.get("style") or "")
        if count:
            node.attrs["style"] = cleaned
            removed += count
    for node in tree.css("style"):
        cleaned, count = strip_css(node.text(deep=True))
        if count:
            node.inner_html = cleaned.replace("</", "<\\/")
            removed += count
    if not removed:
        return Stripped(html, 0)
    return Stripped(tree.html or "", removed)
