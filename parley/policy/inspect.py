"""What the rules look at, extracted once per message, and the edits sanitizing rules make.

Everything a reader can see, hear or click is a `Chunk` of normalized text (see
`normalize.visible`) with the place it came from: the subject, text parts, the HTML's text
(hidden elements included), every attribute that carries text or a URL, CSS `content:` and
`url()`, text attachments, HTML/SVG attachments read as HTML, and every file name. Each part's
text is cut at `max_text_chars`, so the work per message is bounded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from typing import Any, cast

from selectolax.lexbor import LexborHTMLParser

from parley.mail.parsing import children, decode_text, filename_of, header, is_attachment
from parley.mail.sniffing import MARKUP_EXTENSIONS
from parley.policy.config import DEFAULT_MAX_TEXT_CHARS
from parley.policy.documents import pdf_findings
from parley.policy.normalize import visible
from parley.policy.patterns import Pattern

# Attributes whose value a reader sees (as a tooltip, alt text, form value...).
TEXT_ATTRIBUTES = ("alt", "title", "value", "placeholder", "aria-label", "label", "summary")
# Attributes whose value a client or reader follows.
URL_ATTRIBUTES = (
    "href",
    "src",
    "srcset",
    "action",
    "formaction",
    "xlink:href",
    "poster",
    "background",
    "data",
    "cite",
    "longdesc",
    "ping",
)
MARKUP_TYPES = frozenset(
    {"text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml"}
    | {"text/xsl", "application/xslt+xml"}
)
TEXT_EXTENSIONS = frozenset({"txt", "csv", "ics", "vcf", "eml", "text", "md", "log", "tsv"})
HTML_EXTENSIONS = MARKUP_EXTENSIONS  # .xht, .xml, .xsl... open in a browser as well

CSS_URL = Pattern(r"url\(\s*['\"]?([^'\")]+)", group=1)
CSS_CONTENT = Pattern(r"content\s*:\s*(\"[^\"]*\"|'[^']*')")
CSS_IMPORT = Pattern(r"@import\s+['\"]([^'\"]+)", group=1)
REFRESH_URL = Pattern(r"url\s*=\s*['\"]?([^'\"\s;]+)", group=1)


@dataclass(frozen=True)
class Chunk:
    where: str  # "subject", "text", "html", "title attribute", "attachment notes.txt", ...
    text: str
    attachment: AttachmentPart | None = field(default=None, compare=False)

    @property
    def editable(self) -> bool:
        return self.where in {"subject", "text", "html"}


@dataclass(frozen=True)
class Link:
    """A URL the message carries, where it was found, and the element when in body HTML."""

    url: str
    where: str
    html: HtmlPart | None = None
    node: Any = None
    attribute: str = ""
    attachment: AttachmentPart | None = None

    @property
    def wraps_image(self) -> bool:
        return self.node is not None and self.node.tag == "a" and _has_image(self.node)


def _has_image(node: Any) -> bool:
    return node.css_first("img, svg, image, picture") is not None


def _css_chunks(css: str, where: str) -> tuple[list[Chunk], list[str]]:
    texts = [
        Chunk(f"CSS content ({where})", visible(m.text[1:-1])) for m in CSS_CONTENT.finditer(css)
    ]
    urls = [m.text for m in CSS_URL.finditer(css)]
    urls += [found.text.split("'")[-1].split('"')[-1] for found in CSS_IMPORT.finditer(css)]
    return texts, [u.strip() for u in urls]


def _url_values(name: str, value: str) -> list[str]:
    if name == "srcset":
        return [item.strip().split(" ")[0] for item in value.split(",") if item.strip()]
    if name == "ping":
        return value.split()
    return [value]


@dataclass
class HtmlPart:
    part: Message | None
    tree: LexborHTMLParser
    where: str = "html"
    changed: bool = False

    def visible_text(self) -> str:
        """All text of the document body, hidden elements included (a reader can reveal them;
        a hidden block is how contact details are smuggled)."""
        root = self.tree.body or self.tree.root
        return root.text(separator=" ") if root is not None else ""

    def extract(self) -> tuple[list[Chunk], list[Link]]:
        chunks: list[Chunk] = []
        links: list[Link] = []
        own = self if self.part is not None else None
        root = self.tree.root
        if root is None:
            return chunks, links
        for node in root.traverse():
            attrs = node.attributes
            if not attrs and node.tag != "style":
                continue
            for name in TEXT_ATTRIBUTES:
                value = attrs.get(name)
                if value:
                    chunks.append(Chunk(f"{name} attribute", visible(str(value))))
            for name in URL_ATTRIBUTES:
                value = attrs.get(name)
                if value:
                    for url in _url_values(name, str(value)):
                        links.append(Link(visible(url), f"{name} attribute", own, node, name))
            if node.tag == "meta":
                content = str(attrs.get("content") or "")
                equiv = str(attrs.get("http-equiv") or "").lower()
                if equiv == "refresh":
                    for found in REFRESH_URL.finditer(content):
                        links.append(
                            Link(visible(found.text), "meta refresh", own, node, "content")
                        )
                elif content:
                    chunks.append(Chunk("meta content", visible(content)))
            style = attrs.get("style")
            css = str(style) if style else (node.text() or "" if node.tag == "style" else "")
            if css:
                texts, urls = _css_chunks(css, "style")
                chunks += texts
                links += [Link(visible(u), "CSS url()", own, node, "style") for u in urls]
        return chunks, links


@dataclass
class PlainPart:
    part: Message
    text: str
    changed: bool = False


@dataclass
class AttachmentPart:
    parent: Message | None
    part: Message
    name: str
    content_type: str
    _payload: bytes | None = None

    def payload(self) -> bytes:
        if self._payload is None:
            data = self.part.get_payload(decode=True)
            self._payload = data if isinstance(data, bytes) else b""
        return self._payload

    @property
    def extension(self) -> str:
        return self.name.rpartition(".")[2].lower() if "." in self.name else ""

    @property
    def is_text(self) -> bool:
        kind = self.content_type.lower()
        return (kind.startswith("text/") and not self.is_html) or self.extension in TEXT_EXTENSIONS

    @property
    def is_html(self) -> bool:
        kind = self.content_type.lower()
        return kind in MARKUP_TYPES or self.extension in HTML_EXTENSIONS

    def decoded_text(self, limit: int) -> str:
        data = self.payload()[: limit * 4]
        for charset in (self.part.get_content_charset() or "utf-8", "utf-8"):
            try:
                return data.decode(charset)[:limit]
            except (LookupError, UnicodeDecodeError, ValueError):
                continue
        return data.decode("cp1252", errors="replace")[:limit]


@dataclass
class Inspection:
    message: EmailMessage
    subject: str
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS
    plain_parts: list[PlainPart] = field(default_factory=list)
    html_parts: list[HtmlPart] = field(default_factory=list)
    attachments: list[AttachmentPart] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    subject_changed: bool = False
    memo: dict[str, Any] = field(default_factory=dict)  # rules' shared findings
    _chunks: list[Chunk] | None = None
    _links: list[Link] | None = None
    _text: str | None = None

    @classmethod
    def of(cls, message: EmailMessage, max_text_chars: int = DEFAULT_MAX_TEXT_CHARS) -> Inspection:
        subject = (header(message, "Subject") or "")[:max_text_chars]
        found = cls(message=message, subject=subject, max_text_chars=max_text_chars)
        stack: list[tuple[Message | None, Message]] = [(None, message)]
        while stack:
            parent, part = stack.pop()
            if part.is_multipart():
                stack.extend((part, child) for child in reversed(children(part)))
            elif part.get_content_maintype() == "multipart":
                # A multipart without a usable boundary is one leaf of text to the parser:
                # read it as text (what a mail client shows), never as an attachment.
                found.plain_parts.append(PlainPart(part, decode_text(part)[:max_text_chars]))
            elif is_attachment(part):
                name = filename_of(part) or f"unnamed.{part.get_content_subtype()}"
                found.attachments.append(
                    AttachmentPart(parent, part, name, part.get_content_type())
                )
            elif part.get_content_subtype() == "html":
                text = decode_text(part)[:max_text_chars]
                found.html_parts.append(HtmlPart(part, LexborHTMLParser(text)))
            else:
                found.plain_parts.append(PlainPart(part, decode_text(part)[:max_text_chars]))
        return found

    # -- what the rules read ---------------------------------------------------------------
    def _extract(self) -> None:
        chunks = [Chunk("subject", visible(self.subject))]
        chunks += [Chunk("text", visible(p.text)) for p in self.plain_parts]
        links: list[Link] = []
        for html in self.html_parts:
            chunks.append(Chunk("html", visible(html.visible_text())))
            more, found = html.extract()
            chunks += more
            links += found
        for attachment in self.attachments:
            label = attachment.name
            chunks.append(Chunk(f"file name {label}", visible(attachment.name), attachment))
            if attachment.is_html:
                tree = LexborHTMLParser(attachment.decoded_text(self.max_text_chars))
                doc = HtmlPart(None, tree, where=f"attachment {label}")
                text = visible(doc.visible_text())
                chunks.append(Chunk(f"attachment {label}", text, attachment))
                more, found = doc.extract()
                chunks += [Chunk(f"{c.where} in {label}", c.text, attachment) for c in more]
                links += [
                    Link(k.url, f"{k.where} in {label}", attachment=attachment) for k in found
                ]
            elif attachment.is_text:
                text = attachment.decoded_text(self.max_text_chars)
                chunks.append(Chunk(f"attachment {label}", visible(text), attachment))
            elif attachment.payload().startswith(b"%PDF"):
                _why, uris = pdf_findings(attachment.payload())
                links += [Link(u, f"PDF link in {label}", attachment=attachment) for u in uris]
        self._chunks = [c for c in chunks if c.text.strip()]
        self._links = links

    def chunks(self) -> list[Chunk]:
        if self._chunks is None:
            self._extract()
        return cast(list[Chunk], self._chunks)

    def links(self) -> list[Link]:
        """Every URL of the HTML (attributes, CSS, meta refresh), body and attachments."""
        if self._links is None:
            self._extract()
        return cast(list[Link], self._links)

    def text(self) -> str:
        """Everything a reader sees or clicks, normalized, as one string."""
        if self._text is None:
            self._text = "\n".join(c.text for c in self.chunks())
        return self._text

    def body_text(self) -> str:
        """What the message says (no subject): plain text, or the HTML's text without one."""
        if self.plain_parts:
            return "\n".join(visible(p.text) for p in self.plain_parts)
        return "\n".join(visible(h.visible_text()) for h in self.html_parts)

    def anchors(self) -> Iterator[tuple[HtmlPart, Any]]:
        for html in self.html_parts:
            for anchor in html.tree.css("a[href], area[href]"):
                yield html, anchor

    # -- edits -----------------------------------------------------------------------------
    def rewrite_text(self, edit: Callable[[str], str]) -> bool:
        """Apply an edit to every piece of visible text (subject, plain, HTML text nodes).

        The edit gets the normalized text and returns it unchanged when it has nothing to
        remove; then the original (un-normalized) text is kept.
        """
        changed = False

        def apply(old: str) -> str:
            normalized = visible(old)
            new = edit(normalized)
            return old if new == normalized else new

        new_subject = apply(self.subject)
        if new_subject != self.subject:
            self.subject, self.subject_changed, changed = new_subject, True, True
        for plain in self.plain_parts:
            new = apply(plain.text)
            if new != plain.text:
                plain.text, plain.changed, changed = new, True, True
        for html in self.html_parts:
            root = html.tree.body or html.tree.root
            nodes = [] if root is None else root.traverse(include_text=True)
            for node in nodes:
                if node.tag != "-text":
                    continue
                old = node.text_content or ""
                new = apply(old)
                if new != old:
                    node.replace_with(new)
                    html.changed = changed = True
        if changed:
            self.touched()
        return changed

    def rewrite_attributes(self, edit: Callable[[str], str]) -> bool:
        """Apply an edit to the text attributes of the body HTML (alt, title, value...)."""
        changed = False
        for html in self.html_parts:
            root = html.tree.root
            for node in [] if root is None else root.traverse():
                for name in TEXT_ATTRIBUTES:
                    value = node.attributes.get(name)
                    if value:
                        normalized = visible(str(value))
                        new = edit(normalized)
                        if new != normalized:
                            node.attrs[name] = new
                            html.changed = changed = True
                style = node.attributes.get("style")
                if style and CSS_CONTENT.search(str(style)):
                    new = edit(visible(str(style)))
                    if new != visible(str(style)):
                        node.attrs["style"] = CSS_CONTENT.sub("content: none", str(style))
                        html.changed = changed = True
            for node in html.tree.css("style"):
                css = node.text() or ""
                if CSS_CONTENT.search(css) and edit(visible(css)) != visible(css):
                    node.decompose()
                    html.changed = changed = True
        if changed:
            self.touched()
        return changed

    def touched(self) -> None:
        self.memo.clear()
        self._text = None
        self._chunks = None
        self._links = None

    def remove_attachment(self, attachment: AttachmentPart) -> None:
        if attachment not in self.attachments:
            return
        parent = attachment.parent
        if parent is None:  # the whole message is the attachment: leave an explanation
            self.message.clear_content()
            self.message.set_content("[attachment removed by the marketplace's policy]")
        else:
            siblings = children(parent)
            if attachment.part in siblings:
                siblings.remove(attachment.part)
        self.attachments.remove(attachment)
        self.removed.append(attachment.name)
        self.touched()

    def commit(self) -> bool:
        """Write edits back into the message; True when anything was modified."""
        for html in self.html_parts:
            if html.changed and html.part is not None:
                part = cast(EmailMessage, html.part)
                part.set_content(html.tree.html or "", subtype="html", charset="utf-8")
        for plain in self.plain_parts:
            if plain.changed:
                part = cast(EmailMessage, plain.part)
                part.set_content(plain.text, subtype=part.get_content_subtype(), charset="utf-8")
        if self.subject_changed:
            del self.message["Subject"]
            self.message["Subject"] = self.subject
        return (
            bool(self.removed)
            or self.subject_changed
            or any(h.changed for h in self.html_parts)
            or any(p.changed for p in self.plain_parts)
        )
