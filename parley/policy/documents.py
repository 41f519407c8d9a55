"""What a file really is: magic numbers, macros in OLE documents (oletools), active content
and links in PDFs (pikepdf). Pure: bytes in, findings out."""

from __future__ import annotations

import io

from parley.mail.sniffing import MARKUP_EXTENSIONS, markup

# Magic numbers -> the type family they announce.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "pdf"),
    (b"\x89PNG", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF8", "gif"),
    (b"PK\x03\x04", "zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"{\\rt", "rtf"),
    (b"ITSF", "chm"),
    (b"\xe4\x52\x5c\x7b\x8c\xd8\xa7\x4d", "onenote"),
    (b"MZ", "executable"),
    (b"\x7fELF", "executable"),
    (b"\xca\xfe\xba\xbe", "executable"),
    (b"#!", "script"),
    (b"Rar!", "archive"),
    (b"7z\xbc\xaf", "archive"),
    (b"\x1f\x8b", "archive"),
)
_HTML_STARTS = (b"<!doctype html", b"<html", b"<svg", b"<?xml", b"<head", b"<body", b"<script")
EXTENSION_FAMILY = {
    "pdf": "pdf", "png": "png", "jpg": "jpeg", "jpeg": "jpeg", "jpe": "jpeg", "gif": "gif",
    "docx": "zip", "xlsx": "zip", "pptx": "zip", "odt": "zip", "ods": "zip", "odp": "zip",
    "doc": "ole", "xls": "ole", "ppt": "ole", "msg": "ole", "rtf": "rtf", "chm": "chm",
    "one": "onenote", "onepkg": "onenote", "html": "html", "htm": "html", "svg": "html",
    "txt": "text", "csv": "text", "ics": "text", "vcf": "text",
    # Opened by name in a browser: .xht, .xml, .xsl... render as XHTML or SVG.
    **dict.fromkeys(MARKUP_EXTENSIONS, "html"),
}  # fmt: skip
TYPE_FAMILY = {
    "application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpeg", "image/jpg": "jpeg",
    "image/gif": "gif", "application/msword": "ole", "application/vnd.ms-excel": "ole",
    "application/vnd.ms-powerpoint": "ole", "application/rtf": "rtf", "text/rtf": "rtf",
    "text/html": "html", "image/svg+xml": "html", "application/xhtml+xml": "html",
    "text/xml": "html", "application/xml": "html", "text/xsl": "html",
    "application/xslt+xml": "html",
    "application/onenote": "onenote", "application/vnd.ms-htmlhelp": "chm",
    "text/plain": "text", "text/csv": "text", "text/calendar": "text", "text/vcard": "text",
}  # fmt: skip
_ZIP_TYPES = ("application/vnd.openxmlformats", "application/vnd.oasis.opendocument")
_MAX_PDF_OBJECTS = 50_000
_PDF_ACTIVE = (b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/RichMedia", b"/XFA")
_PDF_ACTIVE_NAMES = frozenset(
    {"/JavaScript", "/JS", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia", "/XFA"}
)


def sniff(data: bytes) -> str | None:
    """The type family the content announces, or None for text and the unknown."""
    for magic, family in _SIGNATURES:
        if data.startswith(magic):
            return family
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(_HTML_STARTS) or markup(data):  # markup past comments and PIs too
        return "html"
    return None


def _declared_family(content_type: str) -> str | None:
    kind = content_type.lower()
    if kind.startswith(_ZIP_TYPES) or kind in {"application/zip", "application/x-zip-compressed"}:
        return "zip"
    return TYPE_FAMILY.get(kind)


def mismatch(name: str, content_type: str, sniffed: str | None) -> str | None:
    """Declared type, extension and content must tell the same story."""
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    by_name = EXTENSION_FAMILY.get(extension)
    by_type = _declared_family(content_type)
    if sniffed is None:  # text or unknown content: it must not claim to be a binary format
        claimed = {by_name, by_type} - {None, "text", "html"}
        return f"it claims to be {claimed.pop()} but is not" if claimed else None
    for claim in (by_name, by_type):
        if claim is not None and claim != sniffed:
            return f"declared {claim}, the content is {sniffed}"
    return None


def ole_macros(data: bytes) -> bool:
    from oletools.olevba import VBA_Parser

    try:
        parser = VBA_Parser("attachment", data=data)
        try:
            return bool(parser.detect_vba_macros())
        finally:
            parser.close()
    except Exception:
        return True  # an OLE file the parser cannot read is not delivered on trust


def pdf_findings(data: bytes) -> tuple[str | None, list[str]]:
    """(why the PDF is active content or None, the URIs its links lead to)."""
    import pikepdf

    if any(marker in data for marker in _PDF_ACTIVE):
        return "the PDF contains JavaScript, a launch action or embedded files", []
    uris: list[str] = []
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            # Every object, direct ones inside dictionaries and arrays included (an
            # /OpenAction is often a direct dictionary in the catalog), bounded in number.
            stack: list[object] = list(pdf.objects)
            seen = 0
            while stack and seen < _MAX_PDF_OBJECTS:
                obj = stack.pop()
                seen += 1
                if isinstance(obj, pikepdf.Array):
                    stack.extend(item for item in obj if not _indirect(item))
                    continue
                if not isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                    continue
                for key in list(obj.keys()):
                    if key in _PDF_ACTIVE_NAMES:
                        return f"the PDF contains {key}", []
                    value = obj.get(key)
                    if isinstance(value, pikepdf.Dictionary | pikepdf.Array) and not _indirect(
                        value
                    ):
                        stack.append(value)
                action = obj.get("/S")
                if action is not None and str(action) in {"/JavaScript", "/Launch"}:
                    return f"the PDF has a {action} action", []
                uri = obj.get("/URI")
                if uri is not None and len(uris) < 200:
                    uris.append(str(uri))
    except Exception:
        return None, uris  # unreadable structure: no active content found by the byte scan
    return None, uris


def _indirect(obj: object) -> bool:
    return bool(getattr(obj, "is_indirect", False))
