"""A file's real format from its first bytes (no libraries: ingest sniffs what it stores)."""

from __future__ import annotations


def sniff(data: bytes) -> str | None:
    """The file's real format from its first bytes (the declared type is the sender's word)."""
    head = data[:32]
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp" and head[8:12] in {
        b"heic",
        b"heix",
        b"heim",
        b"heis",
        b"hevc",
        b"hevx",
        b"mif1",
        b"msf1",
        b"avif",
    }:
        return "heif"
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    return None


# Files a browser renders as HTML, XHTML or SVG when they are opened (by their name), whatever
# the part's label says.
MARKUP_EXTENSIONS = frozenset(
    {"html", "htm", "shtml", "xhtml", "xht", "xhtm", "svg", "svgz", "xml", "xsl", "xslt"}
    | {"mht", "mhtml"}
)
MARKUP_WINDOW = 64 * 1024
# A document element a browser renders (after any prolog), and markers that make an XML file
# render as XHTML or SVG (their namespaces, a stylesheet PI) wherever they appear.
_MARKUP_ROOTS = (b"<!doctype html", b"<html", b"<svg", b"<head", b"<body", b"<script")
_MARKUP_ANYWHERE = (
    b"http://www.w3.org/1999/xhtml",
    b"http://www.w3.org/2000/svg",
    b"<html",
    b"<svg",
    b"<?xml-stylesheet",
)


def markup(data: bytes) -> bool:
    """Whether a browser opening the file would read it as HTML, XHTML or SVG: the document
    element after a BOM, whitespace, comments, processing instructions and a doctype, or an
    XHTML/SVG marker anywhere in the first 64 KB (UTF-16 included)."""
    head = data[:MARKUP_WINDOW]
    if b"\x00" in head:  # UTF-16 or UTF-32: the markup's ASCII letters with NULs between
        head = head.replace(b"\x00", b"")
    head = head.lower()
    if any(marker in head for marker in _MARKUP_ANYWHERE):
        return True
    rest = head.lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n\x0c")
    while True:
        for opening, closing in ((b"<!--", b"-->"), (b"<?", b"?>"), (b"<!doctype", b">")):
            if rest.startswith(opening) and not rest.startswith(b"<!doctype html"):
                end = rest.find(closing, len(opening))
                if end < 0:
                    return False
                rest = rest[end + len(closing) :].lstrip(b" \t\r\n\x0c")
                break
        else:
            return rest.startswith(_MARKUP_ROOTS)
