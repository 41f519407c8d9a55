"""Links: only to the marketplace, carriers and the seller's approved hosts; no linked logos;
no tracking images. Every URL is read as a browser reads it (`parley.policy.urls`)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from typing import ClassVar

from parley.policy.inspect import Inspection, Link
from parley.policy.model import Action, Category, Violation, excerpt
from parley.policy.normalize import despaced
from parley.policy.patterns import Pattern, mask_spans, merge_spans
from parley.policy.rules.base import (
    ALL,
    Rule,
    RuleContext,
    TextRule,
    blocked_unless_critical,
    located,
)
from parley.policy.rules.contact import address_spans, contact_link, remove_links
from parley.policy.urls import (
    ALLOWED_SCHEMES,
    INLINE_SCHEMES,
    SPELLED_DOTS,
    SPELLED_HOST,
    TEXT_URL,
    host_in,
    host_of,
    parse,
    spelled_host,
)

_INLINE_IMAGE_ATTRIBUTES = frozenset({"src", "srcset", "background", "poster"})


def allowed_hosts(ctx: RuleContext) -> frozenset[str]:
    own = {ctx.relay_domain} if ctx.relay_domain else set()
    return (
        ctx.config.marketplace_hosts
        | ctx.config.carrier_hosts
        | ctx.seller_link_hosts
        | frozenset(own)
    )


def off_limits(url: str, ctx: RuleContext, attribute: str = "") -> str | None:
    """Why following `url` leaves the marketplace (and is not a contact link), or None."""
    parsed = parse(url)
    if parsed is None or contact_link(parsed, ctx):
        return None
    if parsed.scheme in INLINE_SCHEMES or parsed.scheme == "mailto":
        return None
    if parsed.scheme == "data":
        inline_image = attribute in _INLINE_IMAGE_ATTRIBUTES and parsed.href[5:].lower().startswith(
            "image/"
        )
        return None if inline_image else "data: URL"
    if parsed.scheme not in ALLOWED_SCHEMES:
        return f"{parsed.scheme}: URL"
    if not parsed.host or not host_in(parsed.host, allowed_hosts(ctx)):
        return parsed.host or parsed.href
    return None


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) overlaps one of the sorted, disjoint `spans`."""
    at = bisect_right(spans, (end, -1)) - 1
    return at >= 0 and spans[at][1] > start


class ExternalLink(TextRule):
    """Links must stay on the marketplace, a carrier's tracking site or the seller's own
    approved instruction and warranty hosts."""

    id = "external-link"
    actions = blocked_unless_critical(Action.DEFANG)

    def _urls(self, text: str, ctx: RuleContext) -> list[tuple[int, int]]:
        spans = [
            found.span()
            # An address is not a link: the URL pattern refuses a host right after "@".
            for found in TEXT_URL.finditer(text)
            if off_limits(found.text, ctx)
        ]
        view = despaced(text)
        if view is None and SPELLED_DOTS.search(text) is None:
            return spans
        # Hosts written out ("myshop dot com") or spaced out ("m y s h o p . c o m"); the
        # domain of a written-out address is the address's (contact-info), not a link.
        addresses = address_spans(text, view=view)
        unaddressed = mask_spans(text, addresses)
        for found in SPELLED_HOST.finditer(unaddressed):
            url = spelled_host(found.text, text[found.end : found.end + 8])
            if url is not None and off_limits(url, ctx):
                spans.append(found.span())
        if view is not None:
            taken = merge_spans(addresses)
            for found in TEXT_URL.finditer(view.text):
                if view.touches_run(found.start, found.end) and off_limits(found.text, ctx):
                    start, end = view.source_span(found.start, found.end)
                    if not _overlaps(taken, start, end):
                        spans.append((start, end))
        return merge_spans(spans)

    def find(self, text: str, ctx: RuleContext) -> list[str]:
        return [text[start:end] for start, end in self._urls(text, ctx)]

    def redact(self, text: str, ctx: RuleContext) -> str:
        for start, end in reversed(self._urls(text, ctx)):
            defanged = text[start:end].replace("://", "[:]//").replace(".", "[.]")
            text = text[:start] + defanged + text[end:]
        return text

    def apply(self, inspection: Inspection, ctx: RuleContext) -> list[Violation]:
        action = self.action(ctx)
        if action is None:
            return []
        bad: list[tuple[Link, str]] = []
        for link in inspection.links():
            if link.wraps_image and link.attribute == "href":
                continue  # a linked image is the logo-link rule's
            why = off_limits(link.url, ctx, link.attribute)
            if why:
                bad.append((link, why))
        hits = self.hits(inspection, ctx)
        if not hits and not bad:
            return []
        if hits:
            chunk, spans = hits[0]
            evidence = located(chunk, spans[0])
        else:
            link, why = bad[0]
            evidence = f"{excerpt(link.url, 60)} (in {link.where})"
        if action is Action.DEFANG:
            remove_links(inspection, [link for link, _ in bad])
            if hits:
                self.sanitize(inspection, ctx, hits)
        return [self.violation(action, evidence)]


class LogoLink(Rule):
    """An image wrapped in a link off the marketplace: a logo that leads to the seller's shop."""

    id = "logo-link"
    actions = blocked_unless_critical(Action.UNWRAP)

    def apply(self, inspection: Inspection, ctx: RuleContext) -> list[Violation]:
        action = self.action(ctx)
        if action is None:
            return []
        allowed = ctx.config.marketplace_hosts
        found = []
        for html, anchor in list(inspection.anchors()):
            if anchor.css_first("img, svg, image, picture") is None:
                continue
            parsed = parse(str(anchor.attributes.get("href") or ""))
            if parsed is None or (parsed.host and host_in(parsed.host, allowed)):
                continue
            found.append(parsed.host or parsed.href)
            if action is Action.UNWRAP:
                anchor.unwrap()
                html.changed = True
        if not found:
            return []
        inspection.touched()
        return [self.violation(action, f"image linked to {found[0]}")]


class TrackingPixel(Rule):
    """Invisible images and CSS beacons that report when and where a message is read."""

    id = "tracking-pixel"
    actions: ClassVar[Mapping[Category, Action]] = dict.fromkeys(ALL, Action.STRIP)
    # 1, 0.5px, 1% (a percentage of a mail client's pane is a pixel or two): all too small to see
    _PX = Pattern(r"\s*([0-9]*\.?[0-9]+)\s*(?:px|%)?\s*")
    _HIDDEN = Pattern(
        r"display\s*:\s*none|visibility\s*:\s*hidden|opacity\s*:\s*0(?:\.0*)?\s*(?:;|$)"
        r"|(?:max-)?(?:width|height)\s*:\s*(?:[01](?:\.[0-9]*)?|\.[0-9]+)\s*(?:px|%)?\s*"
        r"(?:!\s*important\s*)?(?:;|$)"
    )
    _CSS_URL = Pattern(r"url\(\s*['\"]?([^'\")\s]+)", group=1)

    def _tiny(self, value: str | None) -> bool:
        if value is None or not self._PX.fullmatch(value):
            return False
        number = value.strip().lower().removesuffix("px").removesuffix("%").strip()
        try:
            return float(number) <= 1
        except ValueError:
            return False

    def apply(self, inspection: Inspection, ctx: RuleContext) -> list[Violation]:
        action = self.action(ctx)
        if action is None:
            return []
        trackers = ctx.config.tracker_hosts
        violations = []
        for html in inspection.html_parts:
            for image in html.tree.css("img"):
                attrs = image.attributes
                host = host_of(str(attrs.get("src") or ""))
                style = str(attrs.get("style") or "")
                why = None
                if host and host_in(host, trackers):
                    why = f"image from tracker host {host}"
                elif self._tiny(attrs.get("width")) or self._tiny(attrs.get("height")):
                    why = f"{attrs.get('width') or '?'}x{attrs.get('height') or '?'} image"
                    why += f" from {host}" if host else ""
                elif self._HIDDEN.search(style):
                    why = f"hidden image ({excerpt(style, 40)})"
                if why:
                    image.decompose()
                    html.changed = True
                    violations.append(self.violation(action, why))
            for source in html.tree.css("picture source[srcset], img[srcset]"):
                hosts = [
                    host_of(u.split()[0])
                    for u in str(source.attributes.get("srcset") or "").split(",")
                    if u.strip()
                ]
                tracked = [h for h in hosts if h and host_in(h, trackers)]
                if tracked:
                    source.decompose()
                    html.changed = True
                    violations.append(
                        self.violation(action, f"image from tracker host {tracked[0]}")
                    )
            for styled in html.tree.css("[style]"):
                style = str(styled.attributes.get("style") or "")
                beacons = [u for u in self._CSS_URL.findall(style) if host_in(host_of(u), trackers)]
                if beacons:
                    del styled.attrs["style"]
                    html.changed = True
                    violations.append(self.violation(action, f"CSS beacon {host_of(beacons[0])}"))
        if violations:
            inspection.touched()
        return violations
