"""Attachment metadata cleaning: what a file says about its author beyond its content.

Pure (no I/O). Every attachment the relay delivers goes through `clean_attachment`:

- images (JPEG, PNG, GIF, WebP, HEIC/HEIF) are decoded and re-encoded from their pixels with
  Pillow: EXIF (GPS position, camera serial, owner), XMP, IPTC, comments, text chunks and
  trailing bytes do not survive; the EXIF orientation is applied to the pixels first, so the
  picture still stands upright; colour profiles are converted to sRGB and dropped. HEIC
  becomes JPEG (most recipients cannot open HEIC anyway).
- PDFs (pikepdf) lose the document information dictionary, every XMP metadata stream,
  application private data (PieceInfo), annotation authors and the EXIF/XMP segments of
  embedded JPEG images; pages and content stay.
- OOXML (.docx, .xlsx, .pptx and their macro/template variants) and ODF (.odt, .ods, .odp)
  lose the personal fields of their document properties (author, last modified by, company,
  manager, template path, dates, editing time, custom properties), the names and account ids
  of comment and revision authors, and the metadata of embedded images; ZIP entry times are
  reset (they tell the author's local time).
- text (text/*, calendar, vCard, forwarded mail) passes unchanged here: the address scrub of
  the composer rewrites it.

Anything else, or a file of those kinds that cannot be read, is *uncleanable*: the caller
strips it (reason `attachment-uncleanable`) and never relays it as it came.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from parley.mail.images import MAX_FRAMES as MAX_FRAMES
from parley.mail.images import MAX_PIXELS as MAX_PIXELS
from parley.mail.images import UNCLEANABLE as UNCLEANABLE
from parley.mail.images import Uncleanable as Uncleanable
from parley.mail.images import clean_image as clean_image
from parley.mail.sniffing import MARKUP_EXTENSIONS, markup, sniff

# Decoding limits: a hostile file must not exhaust a function.
MAX_ZIP_ENTRIES = 2000
MAX_ZIP_EXPANDED = 200 * 1024 * 1024
MAX_XML_PART = 20 * 1024 * 1024
# ZIP entry times carry the author's local clock; every entry gets this one instead.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)

TEXT_TYPES = frozenset(
    {
        "message/rfc822",
        "message/global",
        "application/ics",
        "application/json",
        "application/xml",
    }
)
_OOXML_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}


@dataclass(frozen=True)
class Cleaned:
    """A cleaned attachment: the bytes, type and name to deliver, and what was done."""

    data: bytes
    content_type: str
    name: str
    kind: str  # image | pdf | office | text | empty
    changed: bool


def clean_attachment(data: bytes, content_type: str, name: str) -> Cleaned:
    """The attachment as it may be delivered, or Uncleanable."""
    declared = content_type.lower().strip()
    if not data:
        return Cleaned(data, content_type, name, "empty", False)
    kind = sniff(data)
    if kind in {"jpeg", "png", "gif", "webp", "heif"}:
        return _image(data, kind, content_type, name)
    if kind == "pdf":
        return Cleaned(clean_pdf(data), "application/pdf", name, "pdf", True)
    if kind == "zip":
        return Cleaned(clean_office(data), content_type, name, "office", True)
    if kind is None and _is_text(declared, data):
        extension = name.rpartition(".")[2].lower() if "." in name else ""
        if extension in MARKUP_EXTENSIONS or markup(data):  # a browser would render it
            raise Uncleanable(f"{name}: HTML, XHTML and SVG files cannot be cleaned")
        return Cleaned(data, content_type, name, "text", False)
    raise Uncleanable(f"{name}: {kind or declared or 'unknown'} files cannot be cleaned")


def _is_text(declared: str, data: bytes) -> bool:
    if not (declared.startswith("text/") or declared in TEXT_TYPES):
        return False
    if declared in {"text/html", "text/xml"}:
        return True
    # A "text" file full of control bytes is a binary under a false label.
    sample = data[:4096]
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls <= len(sample) // 100


# -- images ----------------------------------------------------------------------------------

_IMAGE_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}


def _image(data: bytes, kind: str, content_type: str, name: str) -> Cleaned:
    out_kind = "jpeg" if kind == "heif" else kind
    if kind == "heif":
        _register_heif()
    cleaned = clean_image(data)
    if out_kind != kind:  # HEIC arrives as JPEG: rename it so that it opens
        stem = re.sub(r"\.(heic|heif|hif|avif)$", "", name, flags=re.IGNORECASE)
        name, content_type = f"{stem}.jpg", "image/jpeg"
    else:
        content_type = _IMAGE_TYPES[kind]
    return Cleaned(cleaned, content_type, name, "image", True)


def _register_heif() -> None:
    try:
        from pi_heif import register_heif_opener
    except ImportError:  # pragma: no cover - pinned in the lock; then HEIC is uncleanable
        return
    register_heif_opener()


# -- JPEG segments (images inside PDFs and Office files are not re-encoded) -------------------

# Kept: APP0 (JFIF), APP2 (ICC colour), APP14 (Adobe colour transform). Dropped: APP1 (EXIF,
# XMP), APP13 (IPTC/Photoshop), other APPn, COM, and anything after the end of the image.
_KEEP_APP = {0xE0, 0xE2, 0xEE}


def strip_jpeg_segments(data: bytes) -> bytes:
    """A JPEG without its metadata segments, bit-identical pixels (no re-encoding)."""
    if not data.startswith(b"\xff\xd8"):
        raise Uncleanable("not a JPEG")
    out = bytearray(b"\xff\xd8")
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise Uncleanable("damaged JPEG segment list")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xDA:  # start of scan: entropy-coded data up to the end of image
            end = data.rfind(b"\xff\xd9")
            if end < pos:
                raise Uncleanable("JPEG without an end of image")
            out += data[pos : end + 2]
            return bytes(out)
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        segment = data[pos : pos + 2 + length]
        if len(segment) < 2 + length or length < 2:
            raise Uncleanable("truncated JPEG segment")
        if not ((0xE0 <= marker <= 0xEF and marker not in _KEEP_APP) or marker == 0xFE):
            out += segment
        pos += 2 + length
    raise Uncleanable("JPEG without image data")


# -- PDF -----------------------------------------------------------------------------------


def clean_pdf(data: bytes) -> bytes:
    """The PDF without document info, XMP, private application data and annotation authors."""
    import pikepdf

    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError as exc:
        raise Uncleanable("the PDF is password protected") from exc
    except Exception as exc:
        raise Uncleanable(f"the PDF could not be read: {type(exc).__name__}") from exc
    with pdf:
        try:
            pages = len(pdf.pages)
            _clean_pdf_objects(pdf)
            out = io.BytesIO()
            pdf.save(
                out,
                fix_metadata_version=False,
                deterministic_id=True,
                linearize=False,
                encryption=False,
            )
        except Uncleanable:
            raise
        except Exception as exc:
            raise Uncleanable(f"the PDF could not be cleaned: {type(exc).__name__}") from exc
    cleaned = out.getvalue()
    try:
        with pikepdf.open(io.BytesIO(cleaned)) as check:
            if len(check.pages) != pages:
                raise Uncleanable("the cleaned PDF lost pages")
    except pikepdf.PdfError as exc:
        raise Uncleanable("the cleaned PDF does not open") from exc
    return cleaned


def _clean_pdf_objects(pdf: Any) -> None:
    import pikepdf

    if "/Info" in pdf.trailer:
        del pdf.trailer["/Info"]
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            for key in ("/Metadata", "/PieceInfo", "/LastModified"):
                if key in obj:
                    del obj[key]
            if obj.get("/Type") == "/Annot":
                _anonymous_annotation(obj)
        if (
            isinstance(obj, pikepdf.Stream)
            and obj.get("/Subtype") == "/Image"
            and obj.get("/Filter") == "/DCTDecode"
        ):
            raw = obj.read_raw_bytes()
            stripped = strip_jpeg_segments(raw)
            if stripped != raw:
                obj.write(stripped, filter=pikepdf.Name.DCTDecode)
    for page in pdf.pages:  # annotations may be direct objects in the page's array
        for annotation in page.obj.get("/Annots", []):
            if isinstance(annotation, pikepdf.Dictionary):
                _anonymous_annotation(annotation)
    # XMP streams no longer referenced are dropped when saving (unreferenced objects go).


def _anonymous_annotation(annotation: Any) -> None:
    """A comment's author (/T) and times go; a form field's /T is its name and stays."""
    if annotation.get("/Subtype") == "/Widget":
        return
    for key in ("/T", "/M", "/CreationDate"):
        if key in annotation:
            del annotation[key]


# -- Office documents -----------------------------------------------------------------------

_NS = {
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "ep": "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
}
# Core properties that stay: what the document is, not who made it or when.
_CORE_KEEP = {f"{{{_NS['dc']}}}title", f"{{{_NS['dc']}}}language"}
# Extended (app.xml) properties that stay: counts and flags only.
_APP_KEEP = {
    "Pages",
    "Words",
    "Characters",
    "CharactersWithSpaces",
    "Lines",
    "Paragraphs",
    "Slides",
    "Notes",
    "HiddenSlides",
    "MMClips",
    "ScaleCrop",
    "LinksUpToDate",
    "SharedDoc",
    "HyperlinksChanged",
    "DocSecurity",
}
_ODF_META_KEEP = {
    f"{{{_NS['dc']}}}title",
    f"{{{_NS['dc']}}}language",
    f"{{{_NS['meta']}}}document-statistic",
}
# Attributes naming a person (comment and revision authors, people and persons parts).
_ANONYMOUS = "Author"
_PERSON_ATTRIBUTES = {
    "author": _ANONYMOUS,
    "displayName": _ANONYMOUS,
    "initials": "A",
    "userId": _ANONYMOUS,
    "providerId": "None",
}
_PERSON_ELEMENTS = {"author", "creator"}  # xl comments' <author>, ODF's <dc:creator>


def clean_office(data: bytes) -> bytes:
    """An OOXML or ODF package without its personal fields; anything else is uncleanable."""
    try:
        source = zipfile.ZipFile(io.BytesIO(data))
        infos = source.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise Uncleanable("a damaged ZIP package") from exc
    if len(infos) > MAX_ZIP_ENTRIES or sum(i.file_size for i in infos) > MAX_ZIP_EXPANDED:
        raise Uncleanable("the package expands too much")
    names = {i.filename for i in infos}
    if "[Content_Types].xml" in names:
        rewrite = _ooxml_part
    elif "mimetype" in names and ("meta.xml" in names or "content.xml" in names):
        rewrite = _odf_part
    else:
        raise Uncleanable("a ZIP archive that is not an Office document")
    out = io.BytesIO()
    try:
        with source, zipfile.ZipFile(out, "w") as target:
            for info in infos:
                if info.is_dir():
                    continue
                content = source.read(info)
                content = rewrite(info.filename, content)
                entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_EPOCH)
                entry.compress_type = info.compress_type
                entry.external_attr = 0o600 << 16
                target.writestr(entry, content)
    except Uncleanable:
        raise
    except Exception as exc:
        raise Uncleanable(f"the document could not be cleaned: {type(exc).__name__}") from exc
    return out.getvalue()


def _xml_parser() -> Any:
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _parse_xml(content: bytes) -> Any:
    from lxml import etree

    if len(content) > MAX_XML_PART:
        raise Uncleanable("an XML part is too large")
    try:
        return etree.fromstring(content, _xml_parser())
    except etree.XMLSyntaxError as exc:
        raise Uncleanable("a damaged XML part") from exc


def _serialize(root: Any) -> bytes:
    from lxml import etree

    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return data


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _ooxml_part(name: str, content: bytes) -> bytes:
    lowered = name.lower()
    if lowered == "docprops/core.xml":
        return _filter_children(content, lambda tag: tag in _CORE_KEEP)
    if lowered == "docprops/app.xml":
        return _filter_children(content, lambda tag: _local(tag) in _APP_KEEP)
    if lowered == "docprops/custom.xml":
        return _filter_children(content, lambda tag: False)
    if "/media/" in lowered:
        return _embedded_image(content)
    if lowered.endswith((".xml", ".rels")) and not lowered.endswith("[content_types].xml"):
        return _scrub_people(content) if _names_people(content) else content
    return content


def _odf_part(name: str, content: bytes) -> bytes:
    if name == "meta.xml":
        root = _parse_xml(content)
        for meta in root.iter(f"{{{_NS['office']}}}meta"):
            for child in list(meta):
                if child.tag not in _ODF_META_KEEP:
                    meta.remove(child)
        return _serialize(root)
    if name.startswith("Pictures/"):
        return _embedded_image(content)
    if name.endswith(".xml") and _names_people(content):
        return _scrub_people(content)
    return content


def _filter_children(content: bytes, keep: Callable[[Any], bool]) -> bytes:
    root = _parse_xml(content)
    for child in list(root):
        if not keep(child.tag):
            root.remove(child)
    return _serialize(root)


_PEOPLE_HINT = re.compile(rb"author|initials|userId|providerId|displayName|creator")


def _names_people(content: bytes) -> bool:
    return _PEOPLE_HINT.search(content) is not None


def _scrub_people(content: bytes) -> bytes:
    """Comment and revision authors, their initials and account ids become anonymous."""
    root = _parse_xml(content)
    changed = False
    for element in root.iter():
        for attribute in list(element.attrib):
            local = _local(attribute)
            if local in _PERSON_ATTRIBUTES:
                element.set(attribute, _PERSON_ATTRIBUTES[local])
                changed = True
        if _local(element.tag) in _PERSON_ELEMENTS and len(element) == 0 and element.text:
            element.text = _ANONYMOUS
            changed = True
        if _local(element.tag) == "cmAuthor" and element.get("name") is not None:
            element.set("name", _ANONYMOUS)
            changed = True
    return _serialize(root) if changed else content


def _embedded_image(content: bytes) -> bytes:
    kind = sniff(content)
    if kind == "jpeg":
        return strip_jpeg_segments(content)
    if kind in {"png", "gif", "webp"}:
        return clean_image(content)
    return content  # EMF, WMF, SVG previews...: no photo metadata
