"""Attachments and size: nothing that can carry code, only the documents sellers may send."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from typing import ClassVar

from parley.policy.config import OFFICE_ZIP_EXTENSIONS, PolicyConfig
from parley.policy.documents import mismatch, ole_macros, pdf_findings, sniff
from parley.policy.inspect import AttachmentPart, Inspection
from parley.policy.model import Action, Category, Violation
from parley.policy.rules.base import ALL, Rule, RuleContext, blocked_unless_critical


def _extension(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


def unsafe_reason(
    attachment: AttachmentPart, config: PolicyConfig, category: Category | None = None
) -> str | None:
    """Why an attachment may carry code (or, for buyers, HTML), or None."""
    name = attachment.name.lower()
    extensions = [piece for piece in name.split(".")[1:] if piece]
    if any(ext in config.unsafe_extensions for ext in extensions[-2:]):
        return f"{attachment.name}: file type .{extensions[-1]} is not allowed"
    if attachment.content_type.lower() in config.unsafe_content_types:
        return f"{attachment.name}: content type {attachment.content_type} is not allowed"
    data = attachment.payload()
    sniffed = sniff(data)
    if sniffed in {"executable", "script", "archive"}:
        return f"{attachment.name}: the content is an executable or archive"
    if sniffed in {"onenote", "chm"}:
        return f"{attachment.name}: {sniffed} files can run code"
    if category is Category.BUYER and (attachment.is_html or sniffed == "html"):
        return f"{attachment.name}: HTML and SVG files can run scripts"
    why = mismatch(attachment.name, attachment.content_type, sniffed)
    if why:
        return f"{attachment.name}: type mismatch ({why})"
    if sniffed == "zip":
        if _extension(name) not in OFFICE_ZIP_EXTENSIONS:
            return f"{attachment.name}: the content is a ZIP archive"
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if any(n.lower().endswith("vbaproject.bin") for n in archive.namelist()):
                    return f"{attachment.name}: the document contains macros"
        except (zipfile.BadZipFile, ValueError, OSError):
            return f"{attachment.name}: the document is a damaged archive"
    if sniffed == "ole" and ole_macros(data):
        return f"{attachment.name}: the document contains macros"
    if sniffed == "rtf" and b"\\obj" in data:
        return f"{attachment.name}: the RTF document embeds objects"
    if sniffed == "pdf":
        why, _uris = pdf_findings(data)
        if why:
            return f"{attachment.name}: {why}"
    return None


class UnsafeAttachment(Rule):
    """Executables, scripts, macro documents and archives never reach anyone."""

    id = "unsafe-attachment"
    actions: ClassVar[Mapping[Category, Action]] = dict.fromkeys(ALL, Action.STRIP)

    def apply(self, inspection: Inspection, ctx: RuleContext) -> list[Violation]:
        action = self.action(ctx)
        if action is None:
            return []
        violations = []
        for attachment in list(inspection.attachments):
            reason = unsafe_reason(attachment, ctx.config, ctx.category)
            if reason:
                inspection.remove_attachment(attachment)
                violations.append(self.violation(action, reason))
        return violations


_MAGIC = {
    b"%PDF": "application/pdf",
    b"\x89PNG": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF8": "image/gif",
}


def sniffed_type(attachment: AttachmentPart) -> str:
    head = attachment.payload()[:4]
    for magic, content_type in _MAGIC.items():
        if head.startswith(magic):
            return content_type
    return attachment.content_type.lower()


class AttachmentType(Rule):
    """Sellers may attach invoices, manuals, warranties and customization proofs, as PDF,
    PNG, JPEG, GIF or plain text, and nothing else."""

    id = "attachment-type"
    actions = blocked_unless_critical(Action.STRIP)

    def apply(self, inspection: Inspection, ctx: RuleContext) -> list[Violation]:
        action = self.action(ctx)
        if action is None:
            return []
        purposes = ctx.config.words("attachment_purposes")
        text_states_purpose = bool(
            purposes.search(inspection.body_text() + " " + inspection.subject)
        )
        violations = []
        for attachment in list(inspection.attachments):
            kind = sniffed_type(attachment)
            if kind not in ctx.config.allowed_attachment_types:
                reason = f"{attachment.name}: {kind} is not an allowed file type"
            elif not (purposes.search(attachment.name.replace("_", " ")) or text_states_purpose):
                reason = f"{attachment.name}: not an invoice, manual, warranty or proof"
            else:
                continue
            if action is Action.STRIP:
                inspection.remove_attachment(attachment)
            violations.append(self.violation(action, reason))
        return violations


class MessageTooLarge(Rule):
    id = "message-too-large"
    actions: ClassVar[Mapping[Category, Action]] = dict.fromkeys(ALL, Action.BLOCK)

    def apply(self, inspection: Inspection, ctx: RuleContext) -> list[Violation]:
        action = self.action(ctx)
        limit = ctx.config.max_message_bytes
        if action is None or ctx.raw_size <= limit:
            return []
        return [self.violation(action, f"{ctx.raw_size} bytes, limit {limit}")]
