"""Remote content in HTML: every way a message can make the reader's mail program call home.

Pure (no I/O). A remote image, however large, tells its sender when and from which address
the recipient opened the mail; tracking pixels are only the smallest of them. With the
marketplace's `remoteImages: strip` (the default) the relay removes every reference that a
mail program would fetch on its own: `<img src/srcset>`, `<picture><source srcset>`,
`background` attributes, CSS `url(...)`, `image-set(...)` and `@import`, `<link>`, `<base>`,
embedded frames and objects, video posters, meta refresh, and SVG animation elements (SMIL
`<set>`/`<animate…>` can give an `<image>` its address after the relay looked). CSS is read by
a real CSS tokenizer (tinycss2: escapes, comments and values left open at the end of a style
attribute or `<style>` element are read as a browser reads them), and CSS that had to change
is written back from its tokens, escaped again: never as decoded text, which the mail program
would decode a second time. Links (`<a href>`) stay: they are fetched only when a person
clicks. An image keeps its alternative text in its place.

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

import tinycss2
from selectolax.lexbor import LexborHTMLParser, LexborNode
from tinycss2 import ast as css

_LOCAL_SCHEMES = re.compile(r"^[\s\x00-\x20]*(?:cid|data|mailto|about):", re.IGNORECASE)
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})[ \t\r\n\f]?|\\(.)", re.DOTALL)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_CSS_REMOTE_STRING = re.compile(r"\s*(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)
_CSS_URL_TEXT = re.compile(r"url\(\s*[\"']?([^\"')]*)", re.IGNORECASE)
_CSS_STRING_TEXT = re.compile(r"(\"|')([^\"']*)(?:\1|$)")
_CSS_URL_FUNCTIONS = frozenset({"url", "src"})
_CSS_IMAGE_SETS = frozenset({"image-set", "-webkit-image-set"})
# SVG animation (SMIL): sets or animates any attribute, `href` and `style` included.
_SMIL = ("set", "animate", "animateMotion", "animateTransform", "animateColor", "discard")

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
    "<set",
    "<animate",
    "<discard",
)
_REMOVED_TAGS = ("link", "base", "script", "iframe", "frame", "frameset", "object", "embed")
# What `proxy` points at the proxy; every other fetched attribute is dropped as `strip` drops it.
_PROXIED = {"img": ("src", "srcset"), "source": ("srcset",)}
# HTML's rules for parsing dimension values: digits, an optional fraction, and whatever
# follows is ignored (`1.0e0`, `1px`, `1abc` are all one pixel). A leading `+` or `.` is
# accepted here too: reading too small only removes an image.
_DIMENSION = re.compile(r"[\t\n\f\r ]*\+?([0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
# CSS lengths in pixels (font-relative units at a 16 px font; viewport units as %).
_PIXELS = {"px": 1.0, "in": 96.0, "cm": 96 / 2.54, "mm": 96 / 25.4, "q": 96 / 101.6,
           "pt": 96 / 72, "pc": 16.0, "em": 16.0, "rem": 16.0, "ex": 8.0, "ch": 8.0}  # fmt: skip
_SIZES = frozenset({"width", "height", "max-width", "max-height"})
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


class _CssCleaner:
    """Walks tinycss2's component values; remote references are replaced by tokens."""

    def __init__(self, proxy: Callable[[str], str | None] | None) -> None:
        self.proxy = proxy
        self.removed = 0
        self.targets: set[str] = set()  # the proxied URLs written

    def _target(self, value: str) -> str | None:
        """What a remote reference becomes: its proxied URL, or None (removed)."""
        self.removed += 1
        target = self.proxy(value.strip()) if self.proxy else None
        if target:
            self.targets.add(target)
        return target

    def _url(self, node: css.Node, value: str) -> css.Node:
        if not value.strip() or _LOCAL_SCHEMES.match(value):
            return node
        target = self._target(value)
        if target is None:
            return css.IdentToken(node.source_line, node.source_column, "none")
        representation = f"url({tinycss2.serializer.serialize_url(target)})"
        return css.URLToken(node.source_line, node.source_column, target, representation)

    def _string(self, node: css.StringToken, image_set: bool) -> css.Node:
        value = node.value
        remote = image_set or _CSS_REMOTE_STRING.match(value)
        if not value.strip() or _LOCAL_SCHEMES.match(value) or not remote:
            return node
        target = self._target(value) or ""
        quoted = f'"{tinycss2.serializer.serialize_string_value(target)}"'
        return css.StringToken(node.source_line, node.source_column, target, quoted)

    def clean(self, nodes: list[css.Node], image_set: bool = False) -> list[css.Node]:
        out: list[css.Node] = []
        skipping = False  # inside an @import, up to its `;` or block
        for node in nodes:
            if skipping:
                skipping = not (
                    (isinstance(node, css.LiteralToken) and node.value == ";")
                    or isinstance(node, css.CurlyBracketsBlock)
                )
                continue
            if isinstance(node, css.ParseError):  # bad url, a value left open: nothing fetched
                continue
            if isinstance(node, css.AtKeywordToken) and node.lower_value == "import":
                self.removed += 1
                skipping = True
            elif isinstance(node, css.URLToken):
                out.append(self._url(node, node.value))
            elif isinstance(node, css.StringToken):
                out.append(self._string(node, image_set))
            elif isinstance(node, css.FunctionBlock):
                out.append(self._function(node))
            elif isinstance(node, css.ParenthesesBlock | css.SquareBracketsBlock):
                node.content = self.clean(node.content, image_set)
                out.append(node)
            elif isinstance(node, css.CurlyBracketsBlock):
                node.content = self.clean(node.content)
                out.append(node)
            else:
                out.append(node)
        return out

    def _function(self, node: css.FunctionBlock) -> css.Node:
        if node.lower_name in _CSS_URL_FUNCTIONS:  # url("…") is a function, url(…) a token
            strings = [a for a in node.arguments if isinstance(a, css.StringToken)]
            return self._url(node, strings[0].value if strings else "")
        node.arguments = self.clean(node.arguments, node.lower_name in _CSS_IMAGE_SETS)
        return node


# Every way CSS can name a resource needs one of these: url( and other functions a
# parenthesis, strings a quote, @import an at-sign, an escape a backslash. CSS without any
# (most style attributes: colours, sizes, fonts) is left as it is without tokenizing it.
_CSS_CAN_FETCH = re.compile(r"""[(\"'@\\]""")


def strip_css(css_text: str, proxy: Callable[[str], str | None] | None = None) -> tuple[str, int]:
    """CSS with every remote url(), image-set string and @import neutralized (with `proxy`:
    a url() or image-set string it accepts is pointed at the URL it returns instead).

    The text is tokenized as a browser tokenizes it (escapes decoded, comments dropped, a
    url( or string left open at the end closed there). CSS that changed is serialized from
    the tokens, which escapes again whatever needs it: `\\5c 75 rl(` stays an identifier."""
    if not _CSS_CAN_FETCH.search(css_text):
        return css_text, 0
    return _strip_tokenized(css_text, proxy)


def _strip_tokenized(css_text: str, proxy: Callable[[str], str | None] | None) -> tuple[str, int]:
    cleaner = _CssCleaner(proxy)
    nodes = cleaner.clean(tinycss2.parse_component_value_list(css_text, skip_comments=True))
    # Untouched CSS keeps its original spelling.
    out = tinycss2.serialize(nodes) if cleaner.removed else css_text
    if _suspicious(out, cleaner.targets):
        return "", cleaner.removed + 1
    return out, cleaner.removed


def _suspicious(text: str, allowed: set[str]) -> bool:
    """Whether the text, decoded once or more (a mail program decodes what it is given; a
    sloppier reader ignores comments), still names a remote url(), string or @import: CSS
    whose tokens and whose text tell different stories is dropped whole."""
    for _round in range(8):
        decoded = decode_css(text)
        if "@import" in decoded.lower():
            return True
        for match in _CSS_URL_TEXT.finditer(decoded):
            value = match.group(1).strip()
            if value and not _LOCAL_SCHEMES.match(value) and value not in allowed:
                return True
        for match in _CSS_STRING_TEXT.finditer(decoded):
            value = match.group(2).strip()
            remote = _CSS_REMOTE_STRING.match(value) and not _LOCAL_SCHEMES.match(value)
            if remote and value not in allowed:
                return True
        if decoded == text:
            return False
        text = decoded
    return True  # still decoding after eight rounds: nobody writes CSS like that


def _is_remote(value: str) -> bool:
    if _LOCAL_SCHEMES.match(value):
        return False
    # A relative URL is resolved against <base> or the sender's page: remote as well.
    return bool(value.strip())


def _tiny(value: str | None) -> bool:
    """A width or height attribute of at most one pixel (or 1 %), read as HTML reads it."""
    match = _DIMENSION.match(value or "")
    return match is not None and float(match.group(1)) <= 1


def _css_tiny(token: css.Node) -> bool:
    if isinstance(token, css.NumberToken | css.PercentageToken):
        return bool(token.value <= 1)
    if isinstance(token, css.DimensionToken):
        unit = token.lower_unit
        scale = _PIXELS.get(unit, 1.0 if unit in {"vw", "vh", "vmin", "vmax"} else None)
        return scale is not None and bool(token.value * scale <= 1)
    return False


def _hidden(style: str) -> bool:
    """display:none, visibility:hidden, opacity:0 or a (max-)width or height of a pixel."""
    for declaration in tinycss2.parse_blocks_contents(style, skip_comments=True):
        if not isinstance(declaration, css.Declaration):
            continue
        values = [t for t in declaration.value if not isinstance(t, css.WhitespaceToken)]
        if not values:
            continue
        first, name = values[0], declaration.lower_name
        word = first.lower_value if isinstance(first, css.IdentToken) else ""
        if (name == "display" and word == "none") or (
            name == "visibility" and word in {"hidden", "collapse"}
        ):
            return True
        opacity = isinstance(first, css.NumberToken | css.PercentageToken) and first.value <= 0
        if name == "opacity" and opacity:
            return True
        if name in _SIZES and _css_tiny(first):
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


def _alt_if_sourceless(img: LexborNode) -> None:
    """An image left without any source becomes its alt text in brackets (or nothing)."""
    if img.attributes.get("src") or img.attributes.get("srcset"):
        return
    alt = (img.attributes.get("alt") or "").strip()
    if alt:
        img.replace_with(f"[{alt}]")
    else:
        img.decompose()


def _proxy_srcset(
    node: LexborNode, to_proxy: Callable[[str], str | None]
) -> tuple[str | None, int]:
    """Point a node's srcset candidates at the proxy, dropping the rest (and the attribute
    when none is left); (the srcset as it was, how many candidates were dropped)."""
    value = node.attributes.get("srcset")
    if value is None:
        return None, 0
    rewritten, kept, dropped = _srcset(value, to_proxy)
    if kept:
        node.attrs["srcset"] = rewritten
    else:
        del node.attrs["srcset"]
    return value, dropped


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
        removed += _proxy_srcset(node, to_proxy)[1]
    for node in tree.css("img"):
        value, dropped = _proxy_srcset(node, to_proxy)
        removed += dropped
        src = node.attributes.get("src")
        if src is not None and _is_remote(src):
            target = to_proxy(src)
            if target is not None:
                node.attrs["src"] = target
            else:
                del node.attrs["src"]
                removed += 1
        if src is not None or value is not None:
            _alt_if_sourceless(node)
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
    smil = ", ".join(f"svg {tag}" for tag in _SMIL)
    while (animation := tree.css_first(smil)) is not None:  # nested ones go with the outer
        animation.decompose()
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
                if tag == "img":
                    _alt_if_sourceless(node)
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
