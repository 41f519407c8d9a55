"""Images: what a file's first bytes say it is, and its pixels re-encoded without metadata.

Pure (no I/O). Shared by attachment cleaning (`parley.mail.cleaning`) and the remote image
proxy, which must not carry the PDF and Office libraries in its package.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from typing import Any

from parley.mail.sniffing import sniff

UNCLEANABLE = "attachment-uncleanable"
MAX_PIXELS = 60_000_000  # a 60 MP frame; larger JPEGs are decoded at a reduced scale
MAX_FRAMES = 300
JPEG_QUALITY = 90


class Uncleanable(ValueError):
    """The file cannot be cleaned safely: it must not be relayed."""

    reason = UNCLEANABLE


def _load_plugin(fmt: str) -> None:
    """Register the reader and writer of one format (and JPEG, which HEIC becomes) before
    Pillow is asked for it. A format Pillow has not registered yet makes Image.open and
    Image.save import all of its ~45 plugins (fonts, AVIF and the rest), which the deployed
    functions do not ship (infra/bundling.py prunes them; tests/infra prove they never load)."""
    from PIL import JpegImagePlugin, PngImagePlugin

    assert JpegImagePlugin and PngImagePlugin
    if fmt == "GIF":
        from PIL import GifImagePlugin

        assert GifImagePlugin
    elif fmt == "WEBP":
        from PIL import WebPImagePlugin

        assert WebPImagePlugin


def clean_image(data: bytes) -> bytes:
    """The image re-encoded from its pixels, upright, in sRGB, with no metadata at all.

    MAX_PIXELS bounds the pixels decoded in all, not per frame: an animation's frames are
    decoded at the size of its canvas, so a GIF of a few KB with a large canvas and many
    one-pixel frames decodes to canvas x frames pixels. That product is checked against the
    limit before the first frame is decoded, and the running sum again for each frame (a GIF
    frame may enlarge the canvas). Formats kept as one frame (JPEG, PNG, HEIF) decode only
    their first frame."""
    from PIL import Image

    kind = sniff(data)  # HEIF decodes once the caller has registered pi-heif
    fmt = {"jpeg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WEBP", "heif": "HEIF"}.get(
        kind or ""
    )
    if fmt is None:
        raise Uncleanable("not an image")
    _load_plugin(fmt)
    out = io.BytesIO()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt]) as image:
                _fit(image, fmt)
                _encode(image, fmt, out)
    except Uncleanable:
        raise
    except Exception as exc:  # Pillow raises many types on hostile input
        raise Uncleanable(f"image could not be cleaned: {type(exc).__name__}") from exc
    return out.getvalue()


def _fit(image: Any, fmt: str) -> None:
    """Refuse (or, for a JPEG, decode at a reduced scale) what is over the pixel budget."""
    width, height = image.size
    if width * height > MAX_PIXELS:
        if fmt != "JPEG":
            raise Uncleanable(f"image of {width}x{height} pixels is too large")
        # draft() picks the largest DCT reduction that stays at or above the size asked
        # for: asking for half the limit's side lands within it.
        scale = 2 * (width * height / MAX_PIXELS) ** 0.5
        image.draft("RGB", (int(width / scale), int(height / scale)))
        if image.size[0] * image.size[1] > MAX_PIXELS:
            raise Uncleanable(f"image of {width}x{height} pixels is too large")
    if fmt in ANIMATED:
        count = int(getattr(image, "n_frames", 1) or 1)  # read from the frame headers
        if count > MAX_FRAMES:
            raise Uncleanable(f"more than {MAX_FRAMES} frames")
        if width * height * count > MAX_PIXELS:
            raise Uncleanable(f"{count} frames of {width}x{height} pixels are too many pixels")


ANIMATED = {"GIF", "WEBP"}  # the formats whose frames are kept


def _frames(image: Any, durations: list[int]) -> Iterator[Any]:
    """Each frame's clean pixels, decoded one at a time, within the budget of all frames."""
    from PIL import ImageOps, ImageSequence

    decoded = 0
    for index, frame in enumerate(ImageSequence.Iterator(image)):
        if index >= MAX_FRAMES:
            raise Uncleanable(f"more than {MAX_FRAMES} frames")
        decoded += frame.size[0] * frame.size[1]  # known before this frame is decoded
        if decoded > MAX_PIXELS:
            raise Uncleanable("the frames hold too many pixels")
        durations.append(int(frame.info.get("duration", 100) or 100))
        yield _pixels(ImageOps.exif_transpose(frame) or frame)
        if image.format not in ANIMATED:
            return


def _encode(image: Any, fmt: str, out: io.BytesIO) -> None:
    durations: list[int] = []
    frames = _frames(image, durations)
    first = next(frames)
    quality = {"quality": JPEG_QUALITY} if fmt == "WEBP" else {}
    if fmt in {"JPEG", "HEIF"}:
        first.convert("RGB").save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif fmt == "PNG":
        first.save(out, "PNG", optimize=False)
    else:
        rest = list(frames)  # within the budget checked above (Pillow's writers keep them too)
        extra: dict[str, Any] = {}
        if rest:
            loop = int(image.info.get("loop", 0) or 0)
            extra = {"save_all": True, "append_images": rest, "duration": durations}
            extra["loop"] = loop
        first.save(out, fmt, **extra, **quality)


def _pixels(frame: Any) -> Any:
    """A copy of the frame's pixels in sRGB with no info (Pillow re-writes `info` on save)."""
    from PIL import Image

    icc = frame.info.get("icc_profile")
    frame = frame.copy()
    if frame.mode not in {"1", "L", "LA", "P", "RGB", "RGBA", "I;16", "I"}:
        frame = frame.convert("RGBA" if "A" in frame.getbands() else "RGB")
    if icc and frame.mode in {"RGB", "RGBA"}:
        frame = _to_srgb(frame, icc)
    frame.info = {}
    assert isinstance(frame, Image.Image)
    return frame


def _to_srgb(frame: Any, icc: bytes) -> Any:
    from PIL import ImageCms

    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        target = ImageCms.createProfile("sRGB")
        return ImageCms.profileToProfile(frame, source, target, outputMode=frame.mode)
    except Exception:  # an unreadable profile: keep the pixels as they are, drop it
        return frame
