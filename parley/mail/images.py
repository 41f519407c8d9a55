"""Images: what a file's first bytes say it is, and its pixels re-encoded without metadata.

Pure (no I/O). Shared by attachment cleaning (`parley.mail.cleaning`) and the remote image
proxy, which must not carry the PDF and Office libraries in its package.
"""

from __future__ import annotations

import io
import warnings
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
    """The image re-encoded from its pixels, upright, in sRGB, with no metadata at all."""
    from PIL import Image, ImageOps, ImageSequence

    kind = sniff(data)  # HEIF decodes once the caller has registered pi-heif
    fmt = {"jpeg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WEBP", "heif": "HEIF"}.get(
        kind or ""
    )
    if fmt is None:
        raise Uncleanable("not an image")
    _load_plugin(fmt)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt]) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    if fmt != "JPEG":
                        raise Uncleanable(f"image of {width}x{height} pixels is too large")
                    # draft() picks the largest DCT reduction that stays at or above the
                    # size asked for: asking for half the limit's side lands within it.
                    scale = 2 * (width * height / MAX_PIXELS) ** 0.5
                    image.draft("RGB", (int(width / scale), int(height / scale)))
                    if image.size[0] * image.size[1] > MAX_PIXELS:
                        raise Uncleanable(f"image of {width}x{height} pixels is too large")
                frames = []
                durations = []
                for index, frame in enumerate(ImageSequence.Iterator(image)):
                    if index >= MAX_FRAMES:
                        raise Uncleanable(f"more than {MAX_FRAMES} frames")
                    durations.append(int(frame.info.get("duration", 100) or 100))
                    frames.append(_pixels(ImageOps.exif_transpose(frame) or frame))
                loop = int(image.info.get("loop", 0) or 0)
    except Uncleanable:
        raise
    except Exception as exc:  # Pillow raises many types on hostile input
        raise Uncleanable(f"image could not be decoded: {type(exc).__name__}") from exc
    out = io.BytesIO()
    first = frames[0]
    try:
        if fmt in {"JPEG", "HEIF"}:
            first.convert("RGB").save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
        elif fmt == "PNG":
            first.save(out, "PNG", optimize=False)
        elif len(frames) > 1:
            extra: dict[str, Any] = {"save_all": True, "append_images": frames[1:]}
            extra.update(duration=durations, loop=loop)
            first.save(out, fmt, **extra, **({"quality": 90} if fmt == "WEBP" else {}))
        else:
            first.save(out, fmt, **({"quality": 90} if fmt == "WEBP" else {}))
    except Exception as exc:
        raise Uncleanable(f"image could not be re-encoded: {type(exc).__name__}") from exc
    return out.getvalue()


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
