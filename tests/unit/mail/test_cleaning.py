"""Attachment cleaning: every piece of metadata that names a person or a place goes."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import pikepdf
import pytest
from PIL import Image

from parley.mail.cleaning import (
    UNCLEANABLE,
    Uncleanable,
    clean_attachment,
    clean_image,
    sniff,
    strip_jpeg_segments,
)
from tests.support import files

GPS_IFD = 0x8825


def assert_no_leak(data: bytes) -> None:
    for needle in files.LEAKS:
        assert needle not in data, needle


def open_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_the_fixture_is_dirty() -> None:
    """The attack: a phone photo carries GPS, owner and serial; Pillow sees all of it."""
    dirty = files.jpeg_with_gps()
    image = open_image(dirty)
    assert image.getexif().get_ifd(GPS_IFD)[2] == files.GPS_LAT
    assert any(needle in dirty for needle in files.LEAKS)


def test_jpeg_loses_exif_gps_xmp_comment_and_trailing_bytes_and_stands_upright() -> None:
    dirty = files.jpeg_with_gps(size=(64, 32), orientation=6)  # 6: rotate 90° clockwise
    result = clean_attachment(dirty, "image/jpeg", "IMG_0042.JPG")
    assert result.kind == "image" and result.content_type == "image/jpeg"
    assert_no_leak(result.data)
    image = open_image(result.data)
    assert image.format == "JPEG"
    assert not image.getexif()
    assert not image.getexif().get_ifd(GPS_IFD)
    assert "comment" not in image.info and "xmp" not in image.info and "exif" not in image.info
    assert b"Exif\x00\x00" not in result.data and b"http://ns.adobe.com/xap" not in result.data
    # The orientation was applied: 64x32 landscape stored, portrait shown.
    assert image.size == (32, 64)
    # Rotated clockwise, the left (red) half is now on top.
    top, bottom = image.getpixel((16, 8)), image.getpixel((16, 56))
    assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0]
    assert result.data.endswith(b"\xff\xd9")


def test_png_loses_text_chunks_exif_and_xmp() -> None:
    dirty = files.png_with_metadata()
    assert b"tEXt" in dirty and b"eXIf" in dirty
    result = clean_attachment(dirty, "image/png", "scan.png")
    assert_no_leak(result.data)
    for chunk in (b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"iCCP"):
        assert chunk not in result.data
    image = open_image(result.data)
    assert image.size == (64, 32) and not image.text


def test_animated_gif_keeps_its_frames_and_loses_its_comment() -> None:
    dirty = files.gif_with_comment(frames=3)
    assert files.OWNER.encode() in dirty
    result = clean_attachment(dirty, "image/gif", "wave.gif")
    assert_no_leak(result.data)
    image = open_image(result.data)
    assert image.n_frames == 3 and "comment" not in image.info


def test_webp_loses_exif_and_xmp() -> None:
    dirty = files.webp_with_metadata()
    assert b"EXIF" in dirty and b"XMP " in dirty
    result = clean_attachment(dirty, "image/webp", "photo.webp")
    assert_no_leak(result.data)
    assert b"EXIF" not in result.data and b"XMP " not in result.data
    assert open_image(result.data).size == (64, 32)


def test_heic_arrives_as_a_clean_jpeg() -> None:
    dirty = files.heic_with_gps()
    assert sniff(dirty) == "heif"
    result = clean_attachment(dirty, "image/heic", "IMG_0001.HEIC")
    assert (result.name, result.content_type) == ("IMG_0001.jpg", "image/jpeg")
    assert_no_leak(result.data)
    image = open_image(result.data)
    assert image.format == "JPEG" and image.size == (64, 32) and not image.getexif()


def test_declared_type_does_not_matter_the_bytes_do() -> None:
    result = clean_attachment(files.jpeg_with_gps(), "application/octet-stream", "x.bin")
    assert result.kind == "image"
    assert_no_leak(result.data)


def test_a_huge_jpeg_is_decoded_at_a_reduced_scale(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("parley.mail.images.MAX_PIXELS", 64 * 64)
    result = clean_image(files.jpeg_with_gps(size=(256, 128), orientation=1))
    image = open_image(result)
    assert image.size[0] * image.size[1] <= 64 * 64


def test_a_pixel_bomb_png_is_uncleanable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("parley.mail.images.MAX_PIXELS", 100)
    with pytest.raises(Uncleanable):
        clean_image(files.png_with_metadata())


def test_a_damaged_image_is_uncleanable_never_passed_through() -> None:
    broken = files.jpeg_with_gps()[:200]
    with pytest.raises(Uncleanable) as caught:
        clean_attachment(broken, "image/jpeg", "broken.jpg")
    assert caught.value.reason == UNCLEANABLE


def test_pdf_loses_info_xmp_annotation_authors_and_embedded_photo_exif() -> None:
    dirty = files.pdf_with_author(pages=3)
    assert files.OWNER.encode() in dirty
    result = clean_attachment(dirty, "application/pdf", "invoice.pdf")
    assert result.kind == "pdf"
    assert_no_leak(result.data)
    with pikepdf.open(io.BytesIO(result.data)) as pdf:
        assert len(pdf.pages) == 3
        assert "/Info" not in pdf.trailer
        assert "/Metadata" not in pdf.Root
        annot = pdf.pages[0].Annots[0]
        assert "/T" not in annot and str(annot.Contents) == "please check"
        image = pdf.pages[0].Resources.XObject.Im1
        photo = open_image(image.read_raw_bytes())
        assert photo.size == (64, 32) and not photo.getexif()
        text = pdf.pages[1].Contents.read_bytes()
        assert b"Invoice page 2" in text
    # still about the same size: content kept, metadata gone
    assert 0.5 * len(dirty) < len(result.data) < 1.5 * len(dirty)


def test_encrypted_pdf_is_uncleanable() -> None:
    source = pikepdf.open(io.BytesIO(files.pdf_with_author(pages=1, with_photo=False)))
    out = io.BytesIO()
    source.save(out, encryption=pikepdf.Encryption(user="secret", owner="secret"))
    with pytest.raises(Uncleanable):
        clean_attachment(out.getvalue(), "application/pdf", "locked.pdf")


def test_jpeg_segment_stripper_keeps_the_image_bits() -> None:
    dirty = files.jpeg_with_gps(orientation=1)
    stripped = strip_jpeg_segments(dirty)
    assert_no_leak(stripped)
    assert open_image(stripped).tobytes() == open_image(dirty).tobytes()


@pytest.mark.parametrize(
    "build",
    [files.docx_with_author, files.xlsx_with_author, files.pptx_with_author],
)
def test_ooxml_loses_personal_properties_and_people(build: Callable[[], bytes]) -> None:
    dirty = build()
    result = clean_attachment(dirty, "application/octet-stream", "doc")
    assert result.kind == "office"
    with zipfile.ZipFile(io.BytesIO(result.data)) as archive:
        assert archive.testzip() is None
        assert archive.infolist()[0].filename == "[Content_Types].xml"
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        content = b"".join(archive.read(name) for name in archive.namelist())
        core = archive.read("docProps/core.xml")
        app = archive.read("docProps/app.xml")
    for needle in files.LEAKS:
        assert needle not in content, needle
    assert b"<dc:title>Warranty terms</dc:title>" in core
    assert b"creator" not in core and b"lastModifiedBy" not in core and b"created" not in core
    assert b"<Pages>1</Pages>" in app
    assert b"Template" not in app and b"TotalTime" not in app and b"Company" not in app


def test_docx_content_and_embedded_photo_survive() -> None:
    result = clean_attachment(files.docx_with_author(), "application/vnd.openxmlformats", "w.docx")
    with zipfile.ZipFile(io.BytesIO(result.data)) as archive:
        assert b"Warranty: two years." in archive.read("word/document.xml")
        assert b'w:author="Author"' in archive.read("word/document.xml")
        photo = open_image(archive.read("word/media/image1.jpeg"))
    assert photo.size == (64, 32) and not photo.getexif()


def test_odt_loses_creator_and_printed_by() -> None:
    result = clean_attachment(files.odt_with_author(), "application/vnd.oasis", "manual.odt")
    assert_no_leak(_unzipped(result.data))
    with zipfile.ZipFile(io.BytesIO(result.data)) as archive:
        assert archive.namelist()[0] == "mimetype"
        assert archive.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
        meta = archive.read("meta.xml")
    assert b"Manual" in meta and b"page-count" in meta and b"printed-by" not in meta


def _unzipped(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return b"".join(archive.read(name) for name in archive.namelist())


def test_a_plain_zip_is_uncleanable() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("photo.jpg", files.jpeg_with_gps())
    with pytest.raises(Uncleanable):
        clean_attachment(out.getvalue(), "application/zip", "photos.zip")


def test_a_zip_bomb_is_uncleanable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("parley.mail.cleaning.MAX_ZIP_EXPANDED", 1000)
    with pytest.raises(Uncleanable):
        clean_attachment(files.docx_with_author(), "application/octet-stream", "big.docx")


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "application/msword"),
        (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100, "video/mp4"),
        (b"ID3\x04\x00" + b"\x00" * 100, "audio/mpeg"),
        (b"\x01\x02\x03\x04\x05" * 50, "text/plain"),  # binary under a text label
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"),
    ],
)
def test_formats_we_cannot_clean_are_uncleanable(data: bytes, content_type: str) -> None:
    with pytest.raises(Uncleanable):
        clean_attachment(data, content_type, "file")


@pytest.mark.parametrize(
    "content_type", ["text/plain", "text/calendar", "text/vcard", "message/rfc822", "text/html"]
)
def test_text_passes_for_the_address_scrub(content_type: str) -> None:
    data = b"BEGIN:VCARD\r\nFN:Bob\r\nEND:VCARD\r\n"
    result = clean_attachment(data, content_type, "card.vcf")
    assert (result.kind, result.data, result.changed) == ("text", data, False)


def _frame_bomb(frames: int, side: int) -> bytes:
    """A GIF of a few KB: a large canvas and frames that differ in one pixel each."""
    from PIL import Image

    images = []
    for index in range(frames):
        frame = Image.new("L", (side, side), 0)
        frame.putpixel((index, 0), 255)
        images.append(frame)
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=100)
    return out.getvalue()


def test_r6_gif_frames_count_against_the_pixel_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """Red team 4, R6: MAX_PIXELS was checked per frame and every frame kept, so 300 frames
    of a 49 MP canvas (a few KB) decode to ~15 GB. Scaled down: a budget of 2 MP, 10 frames of
    0.25 MP each must be refused, and without decoding them (no frame is ever loaded)."""
    from PIL import GifImagePlugin

    bomb = _frame_bomb(10, 500)
    assert len(bomb) < 20_000
    monkeypatch.setattr("parley.mail.images.MAX_PIXELS", 2_000_000)
    loads: list[int] = []
    real_load = GifImagePlugin.GifImageFile.load

    def counting_load(self: GifImagePlugin.GifImageFile) -> object:
        loads.append(self.tell())
        return real_load(self)

    monkeypatch.setattr(GifImagePlugin.GifImageFile, "load", counting_load)
    with pytest.raises(Uncleanable):
        clean_image(bomb)
    assert loads == []
    # the same frames within the budget are kept, all of them
    monkeypatch.setattr("parley.mail.images.MAX_PIXELS", 2_500_000)
    assert open_image(clean_image(bomb)).n_frames == 10


def test_r6_a_gif_frame_bomb_attachment_is_refused_in_the_relay(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The relay cleans attachments with the same function: the bomb is uncleanable there
    too (the attachment is not relayed), never a crash-looping relay."""
    monkeypatch.setattr("parley.mail.images.MAX_PIXELS", 2_000_000)
    with pytest.raises(Uncleanable):
        clean_attachment(_frame_bomb(10, 500), "image/gif", "wave.gif")
