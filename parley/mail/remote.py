"""Remote content in HTML: every way a message can make the reader's mail program call home.

Pure (no I/O). A remote image, however large, tells its sender when and from which address
the recipient opened the mail; tracking pixels are only the smallest of them. With the
marketplace's `remoteImages: strip` (the default) the relay removes every reference that a
mail program would fetch on its own: `<img src/srcset>`, `<picture><source srcset>`,
`background` attributes, CSS `url(...)`, `image-set(...)` and `@import` (CSS escapes decoded
first, as a browser decodes them), `<link>`, `<base>`, embedded frames and objects, video
posters, meta refresh. Links (`<a href>`) stay: they are fetched only when a person clicks.
An image keeps its alternative text in its place.

With `remoteImages: proxy` (`proxy_remote_content`) every remote image reference a mail
program would fetch by itself (`<img src/srcset>`, `<picture><source srcset>`, `background`
attributes, CSS `url(...)` and `image-set(...)`) is pointed at the marketplace's image proxy
instead (the caller signs each URL); beacons (images of at most a pixel, hidden images) and
everything that is not an image (stylesheets, scripts, frames, objects, media, relative or
non-http(s) URLs) are removed exactly as `strip` removes them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

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
# What `proxy` points at the proxy; every other fetched attribute is dropped as `strip` drops it.
_PROXIED = {"img": ("src", "srcset"), "source": ("srcset",)}
_TINY = re.compile(r"\s*([0-9]*\.?[0-9]+)\s*(?:px|%)?\s*(?:!\s*important\s*)?", re.IGNORECASE)
_HIDDEN = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|opacity\s*:\s*0(?:\.0*)?\s*(?:;|!|$)"
    r"|(?:^|[;\s])(?:max-)?(?:width|height)\s*:\s*([0-9]*\.?[0-9]+)\s*(?:px|%)?\s*"
    r"(?:!\s*important\s*)?(?:;|$)",
    re.IGNORECASE,
)
MAX_PROXIED_URL = 2048


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


def strip_css(css: str, proxy: Callable[[str], str | None] | None = None) -> tuple[str, int]:
    """CSS with every remote url(), image-set string and @import neutralized (with `proxy`:
    a url() or image-set string it accepts is pointed at the URL it returns instead)."""
    decoded = decode_css(css)
    removed = 0

    def url(match: re.Match[str]) -> str:
        nonlocal removed
        inner = match.group(0)[4:-1].strip().strip("\"'")
        if _LOCAL_SCHEMES.match(inner) or not inner:
            return match.group(0)
        removed += 1
        proxied = proxy(inner) if proxy else None
        return f"url({proxied})" if proxied else "none"

    def string(match: re.Match[str]) -> str:
        nonlocal removed
        if _LOCAL_SCHEMES.match(match.group(0)[1:]):
            return match.group(0)
        removed += 1
        proxied = proxy(match.group(0)[1:-1].strip()) if proxy else None
        return f'"{proxied}"' if proxied else "''"

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


def _tiny(value: str | None) -> bool:
    """A width or height of at most one pixel (or 1 % of a pane: a pixel or two)."""
    match = _TINY.fullmatch(value or "")
    return match is not None and float(match.group(1)) <= 1


def _hidden(style: str) -> bool:
    for match in _HIDDEN.finditer(decode_css(style)):
        if match.group(1) is None or float(match.group(1)) <= 1:
            return True
    return False


def is_beacon(width: str | None, height: str | None, style: str | None) -> bool:
    """An image nobody is meant to see: it only reports that (and when) the mail was opened."""
    return _tiny(width) or _tiny(height) or _hidden(style or "")


def proxiable(url: str) -> str | None:
    """The absolute http(s) URL an image reference names, or None when it cannot be proxied
    (relative: resolved against the sender's page; another scheme; malformed)."""
    value = url.strip().split("#", 1)[0]  # a fragment never reaches the server
    if value.startswith("//"):
        value = "https:" + value
    if not value or len(value) > MAX_PROXIED_URL:
        return None
    if any(ord(c) < 0x21 or ord(c) == 0x7F or c in "\\\"'<>" for c in value):
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 -- raises on a malformed port
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return None
    if parts.username is not None or parts.password is not None:
        return None
    return value


@dataclass(frozen=True)
class Proxied:
    html: str
    proxied: int  # image references now pointing at the proxy
    removed: int  # references taken out (beacons, non-images, unproxiable URLs)


def _srcset(value: str, rewrite: Callable[[str], str | None]) -> tuple[str, int, int]:
    """A srcset with each candidate's URL proxied; candidates that cannot be are dropped."""
    kept: list[str] = []
    dropped = 0
    for candidate in value.split(","):
        words = candidate.split()
        if not words:
            continue
        target = proxiable(words[0])
        if target is None:
            if not _LOCAL_SCHEMES.match(words[0]):
                dropped += 1
                continue
            kept.append(" ".join(words))
            continue
        proxied = rewrite(target)
        if proxied is None:
            dropped += 1
            continue
        kept.append(" ".join([proxied, *words[1:]]))
    return ", ".join(kept), len(kept), dropped


def proxy_remote_content(html: str, rewrite: Callable[[str], str | None]) -> Proxied:
    """The HTML with every remote image pointing at the proxy (`rewrite` turns an absolute
    http(s) URL into its proxied form, or None: removed, e.g. over the per-message cap),
    beacons and everything else remote removed."""
    lowered = html.lower()
    if not any(hint in lowered for hint in _HINTS):
        return Proxied(html, 0, 0)
    proxied = 0

    def to_proxy(url: str) -> str | None:
        nonlocal proxied
        target = proxiable(url)
        if target is None:
            return None
        rewritten = rewrite(target)
        if rewritten is not None:
            proxied += 1
        return rewritten

    tree = LexborHTMLParser(html)
    removed = 0
    for node in tree.css("img"):
        attrs = node.attributes
        if (
            (attrs.get("src") or attrs.get("srcset"))
            and not _LOCAL_SCHEMES.match(attrs.get("src") or "")
            and is_beacon(attrs.get("width"), attrs.get("height"), attrs.get("style"))
        ):
            parent = node.parent
            # a beacon in a <picture> takes its <source>s along (they would be fetched for it)
            (parent if parent is not None and parent.tag == "picture" else node).decompose()
            removed += 1
    for node in tree.css("source"):
        value = node.attributes.get("srcset")
        if value is not None:
            rewritten, kept, dropped = _srcset(value, to_proxy)
            removed += dropped
            if kept:
                node.attrs["srcset"] = rewritten
            else:
                del node.attrs["srcset"]
    for node in tree.css("img"):
        value = node.attributes.get("srcset")
        if value is not None:
            rewritten, kept, dropped = _srcset(value, to_proxy)
            removed += dropped
            if kept:
                node.attrs["srcset"] = rewritten
            else:
                del node.attrs["srcset"]
        src = node.attributes.get("src")
        if src is not None and _is_remote(src):
            target = to_proxy(src)
            if target is not None:
                node.attrs["src"] = target
            else:
                del node.attrs["src"]
                removed += 1
        if (src is not None or value is not None) and not (
            node.attributes.get("src") or node.attributes.get("srcset")
        ):
            alt = (node.attributes.get("alt") or "").strip()
            if alt:
                node.replace_with(f"[{alt}]")
            else:
                node.decompose()
    for node in tree.css("[background]"):
        target = to_proxy(node.attributes.get("background") or "")
        if target is not None:
            node.attrs["background"] = target
        else:
            del node.attrs["background"]
            removed += 1
    before = proxied
    for node in tree.css("[style]"):
        cleaned, count = strip_css(node.attributes.get("style") or "", to_proxy)
        if count:
            node.attrs["style"] = cleaned
            removed += count
    for node in tree.css("style"):
        cleaned, count = strip_css(node.text(deep=True), to_proxy)
        if count:
            node.inner_html = cleaned.replace("</", "<\\/")
            removed += count
    removed -= proxied - before  # strip_css counts the proxied ones among its changes
    rest = strip_remote_content(tree.html or "", keep=_PROXIED)
    removed += rest.removed
    if not removed and not proxied:
        return Proxied(html, 0, 0)
    return Proxied(rest.html, proxied, removed)


def strip_remote_content(html: str, keep: dict[str, tuple[str, ...]] | None = None) -> Stripped:
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
                if keep and attribute in keep.get(tag, ()):
                    continue
                value = node.attributes.get(attribute)
                if value is not None and (attribute == "srcset" or _is_remote(value)):
                    del node.attrs[attribute]
                    dropped = True
            if dropped:
                removed += 1
                if tag == "img" and not (
                    node.attributes.get("src") or node.attributes.get("srcset")
                ):
                    alt = (node.attributes.get("alt") or "").strip()
                    if alt:
                        node.replace_with(f"[{alt}]")
                    else:
                        node.decompose()
    if keep is not None:  # the caller (proxy) has handled backgrounds and CSS
        return Stripped(tree.html or "", removed) if removed else Stripped(html, 0)
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
