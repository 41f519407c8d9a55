"""The rules. Each knows its id, its action per category, how to detect and how to sanitize."""

from __future__ import annotations

import io
import re
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urlsplit

from parley.policy.config import (
    OFFICE_ZIP_EXTENSIONS,
    UNSAFE_CONTENT_TYPES,
    UNSAFE_EXTENSIONS,
    PolicyConfig,
)
from parley.policy.inspect import AttachmentPart, Inspection
from parley.policy.model import Action, Category, Violation, excerpt

ORDER_ID = re.compile(r"(?<![\d-])(\d{3}-\d{7}-\d{7})(?![\d-])")

ALL = (Category.REPLY, Category.CRITICAL, Category.PROACTIVE, Category.BUYER)


@dataclass(frozen=True)
class RuleContext:
    category: Category
    pair_order_ids: frozenset[str] | None  # None: any well-formed order id counts
    config: PolicyConfig


class Rule(ABC):
    """A rule: a stable id, its action per category, detection and sanitizing in `apply`."""

    id: ClassVar[str]
    actions: ClassVar[Mapping[Category, Action]]

    @abstractmethod
    def apply(self, inspection: Inspection, ctx: RuleContext) -> list[Violation]: ...


def order_ids_in(text: str) -> list[str]:
    return ORDER_ID.findall(text)


class OrderIdMissing(Rule):
    """Proactive seller messages must name an order of this pair."""

    id = "order-id-missing"
    actions: ClassVar[Mapping[Category, Action]] = {
        Category.PROACTIVE: Action.BLOCK,
        Category.CRITICAL: Action.FLAG,
    }

    def apply(self, inspection: Inspection, ctx: RuleContext) -> list[Violation]:
        action = self.actions.get(ctx.category)
        if action is None:
            return []
        found = order_ids_in(inspection.text())
        if ctx.pair_order_ids is None:
            if found:
                return []
        elif any(order_id in ctx.pair_order_ids for order_id in found):
            return []
        evidence = (
            f"order ids named: {', '.join(sorted(set(found)))}; none is an order of this buyer"
            if found
            else "no order id (format 123-1234567-1234567) in subject or text"
        )
        return [Violation(self.id, action, excerpt(evidence))]


def _extension(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


def _payload(part: AttachmentPart) -> bytes:
    data = part.part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def unsafe_reason(attachment: AttachmentPart) -> str | None:
    """Why an attachment may carry code, or None."""
    name = attachment.name.lower()
    extensions = [piece for piece in name.split(".")[1:] if piece]
    if any(ext in UNSAFE_EXTENSIONS for ext in extensions[-2:]):
        return f"{attachment.name}: file type .{extensions[-1]} is not allowed"
    if attachment.content_type.lower() in UNSAFE_CONTENT_TYPES:
        return f"{attachment.name}: content type {attachment.content_type} is not allowed"
    head = _payload(attachment)[:8]
    if head.startswith((b"MZ", b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe", b"Rar!", b"7z\xbc\xaf")):
        return f"{attachment.name}: the content is an executable or archive"
    if head.startswith(b"PK\x03\x04"):
        if _extension(name) not in OFFICE_ZIP_EXTENSIONS:
            return f"{attachment.name}: the content is a ZIP archive"
        try:
            with zipfile.ZipFile(io.BytesIO(_payload(attachment))) as archive:
                if any(n.lower().endswith("vbaproject.bin") for n in archive.namelist()):
                    return f"{attachment.name}: the document contains macros"
        except (zipfile.BadZipFile, ValueError, OSError):
            return f"{attachment.name}: the document is a damaged archive"
    return None


class UnsafeAttachment(Rule):
    """Executables, scripts, macro documents and archives never reach anyone."""

    id = "unsafe-attachment"
    actions: ClassVar[Mapping[Category, Action]] = dict.fromkeys(ALL, Action.STRIP)

    def apply(self, inspection: Inspection, ctx: RuleContext) -> list[Violation]:
        action = self.actions.get(ctx.category)
        if action is None:
            return []
        violations = []
        for attachment in list(inspection.attachments):
            reason = unsafe_reason(attachment)
            if reason:
                inspection.remove_attachment(attachment)
                violations.append(Violation(self.id, action, excerpt(reason)))
        return violations


_PX = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(px)?\s*$", re.IGNORECASE)
_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|opacity\s*:\s*0(?:\.0*)?\s*(?:;|$)"
    r"|(?:max-)?(?:width|height)\s*:\s*[01](?:px)?\s*(?:;|$)",
    re.IGNORECASE,
)


def _tiny(value: str | None) -> bool:
    if value is None:
        return False
    match = _PX.match(value)
    return match is not None and float(match.group(1)) <= 1


def host_of(url: str) -> str:
    try:
        return (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""


def is_tracker_host(host: str, trackers: frozenset[str]) -> bool:
    parts = host.split(".")
    return any(".".join(parts[i:]) in trackers for i in range(len(parts) - 1))


class TrackingPixel(Rule):
    """Invisible images that report when and where a message is read."""

    id = "tracking-pixel"
    actions: ClassVar[Mapping[Category, Action]] = dict.fromkeys(ALL, Action.STRIP)

    def apply(self, inspection: Inspection, ctx: RuleContext) -> list[Violation]:
        action = self.actions.get(ctx.category)
        if action is None:
            return []
        violations = []
        for html in inspection.html_parts:
            for image in html.tree.css("img"):
                attrs = image.attributes
                src = attrs.get("src") or ""
                host = host_of(src)
                style = attrs.get("style") or ""
                why = None
                if host and is_tracker_host(host, ctx.config.tracker_hosts):
                    why = f"image from tracker host {host}"
                elif _tiny(attrs.get("width")) or _tiny(attrs.get("height")):
                    why = f"{attrs.get('width') or '?'}x{attrs.get('height') or '?'} image"
                elif _HIDDEN_STYLE.search(style):
                    why = f"hidden image ({excerpt(style, 40)})"
                if why:
                    image.decompose()
                    html.changed = True
                    where = f" from {host}" if host and host not in why else ""
                    violations.append(Violation(self.id, action, excerpt(why + where)))
        return violations


RULES: tuple[Rule, ...] = (UnsafeAttachment(), TrackingPixel(), OrderIdMissing())
