"""Files as phones and office programs write them, with the metadata that gives people away.

Generated here (no binary fixtures): a JPEG with GPS, camera serial, owner, XMP, a comment and
a rotated orientation; PNG, GIF, WebP and HEIC with the same; a PDF with document info, XMP
and an annotation author; DOCX, XLSX, PPTX and ODT with authors, company and comment people.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from PIL import Image, PngImagePlugin

OWNER = "Robert Smithson"
EMAIL = "bob.smithson@smith-family.example"
SERIAL = "SN-ZX81-7731"
COMPANY = "Smith Family Holdings"
# 52°31'12.3"N 13°24'17.9"E, as EXIF stores it (degrees, minutes, seconds rationals)
GPS_LAT = (52.0, 31.0, 12.3)
GPS_LON = (13.0, 24.0, 17.9)
XMP = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/">'
    f"<dc:creator>{OWNER}</dc:creator><dc:rights>{EMAIL}</dc:rights>"
    "</rdf:Description></rdf:RDF></x:xmpmeta>"
)
# Byte strings whose presence in a cleaned file means a leak.
LEAKS = (OWNER.encode(), EMAIL.encode(), SERIAL.encode(), COMPANY.encode(), b"Smithson")


def exif(orientation: int = 6) -> Image.Exif:
    data = Image.Exif()
    data[0x010F] = "PhoneMaker"  # Make
    data[0x0110] = "Phone 15"  # Model
    data[0x013B] = OWNER  # Artist
    data[0x8298] = EMAIL  # Copyright
    data[0x0112] = orientation
    data.get_ifd(0x8769)[0xA431] = SERIAL  # BodySerialNumber
    data.get_ifd(0x8769)[0xA430] = OWNER  # CameraOwnerName
    gps = data.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", GPS_LAT, "E", GPS_LON
    return data


def picture(size: tuple[int, int] = (64, 32)) -> Image.Image:
    """A left half red, right half blue picture: orientation is visible in the pixels."""
    image = Image.new("RGB", size, (220, 20, 20))
    image.paste((20, 20, 220), (size[0] // 2, 0, size[0], size[1]))
    return image


def jpeg_with_gps(size: tuple[int, int] = (64, 32), orientation: int = 6) -> bytes:
    out = io.BytesIO()
    picture(size).save(
        out,
        "JPEG",
        exif=exif(orientation),
        comment=f"taken by {OWNER}",
        xmp=XMP.encode(),
        quality=95,
    )
    return out.getvalue() + f"trailing {EMAIL}".encode()  # bytes after the end of image


def png_with_metadata() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", OWNER)
    info.add_itxt("XML:com.adobe.xmp", XMP)
    info.add_text("Comment", EMAIL, zip=True)
    out = io.BytesIO()
    picture().save(out, "PNG", pnginfo=info, exif=exif(1))
    return out.getvalue()


def gif_with_comment(frames: int = 3) -> bytes:
    images = []
    for index in range(frames):  # distinct frames (Pillow merges identical ones)
        image = picture()
        image.paste((20, 200, 20), (0, 0, 8 * (index + 1), 8))
        images.append(image.convert("P"))
    out = io.BytesIO()
    images[0].save(
        out,
        "GIF",
        save_all=True,
        append_images=images[1:],
        comment=f"{OWNER} {EMAIL}",
        duration=80,
        loop=0,
    )
    return out.getvalue()


def webp_with_metadata() -> bytes:
    out = io.BytesIO()
    picture().save(out, "WEBP", exif=exif(1), xmp=XMP.encode(), quality=90)
    return out.getvalue()


def heic_with_gps() -> bytes:
    from pillow_heif import from_pillow

    heif = from_pillow(picture())
    out = io.BytesIO()
    heif.save(out, exif=exif(1).tobytes(), xmp=XMP.encode(), quality=90)
    return out.getvalue()


def pdf_with_author(pages: int = 3, with_photo: bool = True) -> bytes:
    import pikepdf

    pdf = pikepdf.new()
    for number in range(pages):
        page = pdf.add_blank_page(page_size=(595, 842))
        font = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
            )
        )
        resources: dict[str, Any] = {"/Font": pikepdf.Dictionary(F1=font)}
        commands = f"BT /F1 24 Tf 72 720 Td (Invoice page {number + 1}) Tj ET".encode()
        if with_photo and number == 0:
            photo = jpeg_with_gps(orientation=1)
            image = pikepdf.Stream(pdf, photo)
            image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
            image.Width, image.Height = 64, 32
            image.ColorSpace, image.BitsPerComponent = pikepdf.Name.DeviceRGB, 8
            image.Filter = pikepdf.Name.DCTDecode
            resources["/XObject"] = pikepdf.Dictionary(Im1=image)
            commands += b" q 128 0 0 64 72 500 cm /Im1 Do Q"
        page.Resources = pikepdf.Dictionary(resources)
        page.Contents = pdf.make_stream(commands)
        page.Annots = pdf.make_indirect(
            pikepdf.Array(
                [
                    pikepdf.Dictionary(
                        Type=pikepdf.Name.Annot,
                        Subtype=pikepdf.Name.Text,
                        Rect=[100, 100, 120, 120],
                        Contents="please check",
                        T=OWNER,
                        M="D:20261127093000+01'00'",
                    )
                ]
            )
        )
    pdf.docinfo["/Author"] = OWNER
    pdf.docinfo["/Creator"] = f"Writer (user {EMAIL})"
    pdf.docinfo["/Producer"] = f"PDF printer on {COMPANY} laptop"
    pdf.docinfo["/Title"] = "Invoice"
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:creator"] = [OWNER]
        meta["xmp:CreatorTool"] = f"Writer for {EMAIL}"
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_OD = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:title>Warranty terms</dc:title>"
    f"<dc:creator>{OWNER}</dc:creator><cp:lastModifiedBy>{EMAIL}</cp:lastModifiedBy>"
    "<cp:revision>7</cp:revision>"
    '<dcterms:created xsi:type="dcterms:W3CDTF">2026-11-20T08:00:00Z</dcterms:created>'
    "</cp:coreProperties>"
)
_APP = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    'extended-properties">'
    f"<Template>C:\\Users\\{OWNER}\\Templates\\Normal.dotm</Template><TotalTime>42</TotalTime>"
    f"<Pages>1</Pages><Words>3</Words><Company>{COMPANY}</Company><Manager>{OWNER}</Manager>"
    "<Application>Microsoft Office Word</Application></Properties>"
)
_CUSTOM = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"'
    ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="Owner">'
    f"<vt:lpwstr>{EMAIL}</vt:lpwstr></property></Properties>"
)
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _package(main: str, main_type: str, parts: dict[str, str | bytes]) -> bytes:
    overrides = "".join(
        f'<Override PartName="/{name}" ContentType="{kind}"/>'
        for name, kind in (
            (main, main_type),
            ("docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
            (
                "docProps/app.xml",
                "application/vnd.openxmlformats-officedocument.extended-properties+xml",
            ),
            (
                "docProps/custom.xml",
                "application/vnd.openxmlformats-officedocument.custom-properties+xml",
            ),
        )
    )
    files: dict[str, str | bytes] = {
        "[Content_Types].xml": f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{_CT}">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Default Extension="jpeg" ContentType="image/jpeg"/>{overrides}</Types>',
        "_rels/.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_REL}">'
        f'<Relationship Id="rId1" Type="{_OD}/officeDocument" Target="{main}"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
        'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
        f'<Relationship Id="rId3" Type="{_OD}/extended-properties" Target="docProps/app.xml"/>'
        f'<Relationship Id="rId4" Type="{_OD}/custom-properties" Target="docProps/custom.xml"/>'
        "</Relationships>",
        "docProps/core.xml": _CORE,
        "docProps/app.xml": _APP,
        "docProps/custom.xml": _CUSTOM,
        **parts,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(zipfile.ZipInfo(name, (2026, 11, 27, 9, 30, 0)), content)
    return out.getvalue()


def docx_with_author() -> bytes:
    document = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{_W}"><w:body>'
        "<w:p><w:r><w:t>Warranty: two years.</w:t></w:r></w:p>"
        f'<w:p><w:ins w:id="1" w:author="{OWNER}" w:date="2026-11-27T09:30:00Z"><w:r>'
        "<w:t>Added clause.</w:t></w:r></w:ins></w:p></w:body></w:document>"
    )
    comments = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:comments xmlns:w="{_W}">'
        f'<w:comment w:id="0" w:author="{OWNER}" w:initials="RS"><w:p><w:r><w:t>ok?</w:t>'
        "</w:r></w:p></w:comment></w:comments>"
    )
    people = (
        '<?xml version="1.0" encoding="UTF-8"?><w15:people xmlns:w15="http://schemas.microsoft'
        f'.com/office/word/2012/wordml"><w15:person w15:author="{OWNER}"><w15:presenceInfo '
        f'w15:providerId="AD" w15:userId="S::{EMAIL}::1234"/></w15:person></w15:people>'
    )
    return _package(
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        {
            "word/document.xml": document,
            "word/comments.xml": comments,
            "word/people.xml": people,
            "word/media/image1.jpeg": jpeg_with_gps(orientation=1),
        },
    )


def xlsx_with_author() -> bytes:
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{_OD}">'
        '<sheets><sheet name="Invoice" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    comments = (
        f'<?xml version="1.0" encoding="UTF-8"?><comments xmlns="{main}"><authors>'
        f"<author>{OWNER}</author></authors><commentList/></comments>"
    )
    persons = (
        '<?xml version="1.0" encoding="UTF-8"?><personList xmlns="http://schemas.microsoft.com/'
        f'office/spreadsheetml/2018/threadedcomments"><person displayName="{OWNER}" '
        f'id="{{1}}" userId="{EMAIL}" providerId="PeoplePicker"/></personList>'
    )
    return _package(
        "xl/workbook.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        {
            "xl/workbook.xml": workbook,
            "xl/comments1.xml": comments,
            "xl/persons/person.xml": persons,
        },
    )


def pptx_with_author() -> bytes:
    p = "http://schemas.openxmlformats.org/presentationml/2006/main"
    presentation = f'<?xml version="1.0" encoding="UTF-8"?><p:presentation xmlns:p="{p}"/>'
    authors = (
        f'<?xml version="1.0" encoding="UTF-8"?><p:cmAuthorLst xmlns:p="{p}">'
        f'<p:cmAuthor id="1" name="{OWNER}" initials="RS" lastIdx="1" clrIdx="0"/>'
        "</p:cmAuthorLst>"
    )
    return _package(
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
        {"ppt/presentation.xml": presentation, "ppt/commentAuthors.xml": authors},
    )


def odt_with_author() -> bytes:
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    meta = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta xmlns:office="{office}" '
        'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><office:meta>'
        f"<meta:initial-creator>{OWNER}</meta:initial-creator><dc:creator>{OWNER}</dc:creator>"
        f"<meta:printed-by>{EMAIL}</meta:printed-by><dc:title>Manual</dc:title>"
        '<meta:document-statistic meta:page-count="1"/>'
        f'<meta:user-defined meta:name="Company">{COMPANY}</meta:user-defined>'
        "</office:meta></office:document-meta>"
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="{office}"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:text="urn:oasis:names:tc:'
        'opendocument:xmlns:text:1.0"><office:body><office:text><text:p>Manual'
        f"<office:annotation><dc:creator>{OWNER}</dc:creator><text:p>check</text:p>"
        "</office:annotation></text:p></office:text></office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.text",
            compress_type=zipfile.ZIP_STORED,
        )
        archive.writestr("meta.xml", meta)
        archive.writestr("content.xml", content)
    return out.getvalue()


def small_pdf(text: str = "Invoice 4711", pages: int = 1) -> bytes:
    """A real, small PDF (a made-up `%PDF-1.4` string is no PDF: it cannot be cleaned)."""
    import pikepdf

    pdf = pikepdf.new()
    for number in range(pages):
        page = pdf.add_blank_page(page_size=(595, 842))
        font = pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
        page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        line = f"{text} ({number + 1})".encode("latin-1", "replace")
        page.Contents = pdf.make_stream(b"BT /F1 18 Tf 72 720 Td (" + line + b") Tj ET")
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True, compress_streams=False)  # the text stays readable
    return out.getvalue()


def png_with_text(text: str) -> bytes:
    """A real PNG whose text chunk says `text` (the chunk goes when the relay cleans it)."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Description", text)
    out = io.BytesIO()
    picture((16, 8)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def pdf_pages(data: bytes) -> int:
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages)
