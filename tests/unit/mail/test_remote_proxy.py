"""`remoteImages: proxy`: every remote image points at the proxy, beacons and the rest go."""

from __future__ import annotations

import hashlib

import pytest

from parley.mail.remote import proxiable, proxy_remote_content
from tests.unit.mail.test_remote import BEACONS

SIGNED: dict[str, str] = {}


def fake_proxy(url: str) -> str:
    """Opaque like the real token: the original host never shows in the result."""
    name = hashlib.sha256(url.encode()).hexdigest()[:16]
    SIGNED[name] = url
    return f"https://img.marketplace.example/{name}"


def proxied(html: str) -> tuple[str, int, int, list[str]]:
    SIGNED.clear()
    result = proxy_remote_content(f"<html><body><p>Hello</p>{html}</body></html>", fake_proxy)
    return result.html, result.proxied, result.removed, list(SIGNED.values())


@pytest.mark.parametrize("html", BEACONS)
def test_no_remote_reference_survives_unproxied(html: str) -> None:
    out, count, removed, _ = proxied(html)
    assert "t.example" not in out and "relative/p.gif" not in out
    assert count + removed >= 1
    assert "Hello" in out


@pytest.mark.parametrize(
    "html",
    [
        '<img src="https://t.example/p.gif" width="1" height="1">',
        '<img src="https://t.example/p.gif" width="1%" height="1%">',
        '<img src="https://t.example/p.gif" height="0.5px">',
        '<img src="https://t.example/p.gif" style="width:0.5px;height:0.5px">',
        '<img src="https://t.example/p.gif" style="width:1px !important">',
        '<img src="https://t.example/p.gif" style="display:none">',
        '<img src="https://t.example/p.gif" style="visibility:hidden">',
        '<img src="https://t.example/p.gif" style="opacity:0">',
        '<img src="https://t.example/p.gif" style="max-height:0">',
        '<img srcset="https://t.example/p.gif 1x" width="0">',
        '<img src="https://t.example/p.gif" style="disp\\6c ay:none">',
        '<picture><source srcset="https://t.example/p.webp"><img src="https://t.example/p.gif"'
        ' width="1" height="1"></picture>',
        # red team 4, O4: HTML reads a dimension's digits and ignores what follows
        '<img src="https://t.example/p.gif" width="1.0e0" height="1.0e0">',
        '<img src="https://t.example/p.gif" width="1e5">',
        '<img src="https://t.example/p.gif" width=" 0x20">',
        '<img src="https://t.example/p.gif" width="1.9" height="1px">',
        '<img src="https://t.example/p.gif" style="width:1e0px">',
        '<img src="https://t.example/p.gif" style="height:0.01in">',
        '<img src="https://t.example/p.gif" style="opacity:0%">',
        '<img src="https://t.example/p.gif" style="visibility:collapse">',
    ],
)
def test_beacons_are_removed_not_proxied(html: str) -> None:
    out, count, removed, signed = proxied(html)
    assert signed == [] and count == 0 and removed == 1
    assert "t.example" not in out and "img.marketplace" not in out


def test_images_point_at_the_proxy_in_every_form() -> None:
    html = (
        '<img src="https://cdn.example/a.png" width="600" alt="mug">'
        '<img src="//cdn.example/b.png" srcset="https://cdn.example/b2.png 2x, '
        'http://cdn.example/b3.png 600w">'
        '<picture><source srcset="https://cdn.example/c.webp" type="image/webp">'
        '<img src="https://cdn.example/c.jpg"></picture>'
        '<table background="https://cdn.example/d.png"><tr><td>x</td></tr></table>'
        "<div style=\"background-image:url('https://cdn.example/e.png')\">y</div>"
        "<style>.a{background:u\\72 l(https://cdn.example/f.png)}"
        ".b{background-image:image-set('https://cdn.example/g.png' 1x)}</style>"
    )
    out, count, removed, signed = proxied(html)
    assert sorted(signed) == sorted(
        [
            "https://cdn.example/a.png",
            "https://cdn.example/b.png",  # protocol-relative: https
            "https://cdn.example/b2.png",
            "http://cdn.example/b3.png",
            "https://cdn.example/c.webp",
            "https://cdn.example/c.jpg",
            "https://cdn.example/d.png",
            "https://cdn.example/e.png",
            "https://cdn.example/f.png",
            "https://cdn.example/g.png",
        ]
    )
    assert count == 10 and removed == 0
    assert "cdn.example" not in out
    assert 'alt="mug"' in out and " 2x" in out and " 600w" in out
    assert out.count("https://img.marketplace.example/") == 10


def test_what_is_not_an_image_is_removed_as_strip_removes_it() -> None:
    html = (
        '<link rel="stylesheet" href="https://t.example/s.css">'
        "<style>@import url(https://t.example/s.css);</style>"
        '<script src="https://t.example/x.js"></script>'
        '<iframe src="https://t.example/f.html"></iframe>'
        '<video poster="https://t.example/p.gif" src="https://t.example/v.mp4"></video>'
        '<img src="https://cdn.example/a.png" lowsrc="https://t.example/l.gif">'
        '<meta http-equiv="refresh" content="0;url=https://t.example/r">'
        '<svg><image href="https://t.example/p.gif"/></svg>'
    )
    out, count, removed, signed = proxied(html)
    assert "t.example" not in out
    assert signed == ["https://cdn.example/a.png"] and count == 1
    assert removed >= 8


@pytest.mark.parametrize(
    "src",
    [
        "relative/p.gif",
        "/abs/p.gif",
        "ftp://t.example/p.gif",
        "javascript:alert(1)",
        "https://user:pw@t.example/p.gif",
        "https://t.example:99999/p.gif",
        "https:///p.gif",
        "https://t.example/p\x01.gif",
    ],
)
def test_references_that_cannot_be_proxied_are_removed_with_their_alt_text_kept(
    src: str,
) -> None:
    out, count, removed, signed = proxied(f'<img src="{src}" alt="photo">')
    assert signed == [] and count == 0 and removed == 1
    assert "[photo]" in out and "t.example" not in out and "p.gif" not in out


@pytest.mark.parametrize(
    "html",
    ['<img src="cid:abc@marketplace.example">', '<img src="data:image/png;base64,iVBO">'],
)
def test_local_images_stay(html: str) -> None:
    out, count, removed, _ = proxied(html)
    assert count == removed == 0 and html.split('"')[1] in out


def test_html_without_remote_content_is_returned_unchanged() -> None:
    html = "<p>Just <b>text</b> &amp; a <a href='https://shop.example/'>link</a></p>"
    result = proxy_remote_content(html, fake_proxy)
    assert result.html == html and result.proxied == result.removed == 0


def test_proxiable() -> None:
    assert proxiable("  https://cdn.example/a.png ") == "https://cdn.example/a.png"
    assert proxiable("//cdn.example/a.png") == "https://cdn.example/a.png"
    assert proxiable("HTTP://cdn.example/a.png") == "HTTP://cdn.example/a.png"
    assert proxiable("https://cdn.example/a.png?v=2#top") == "https://cdn.example/a.png?v=2"
    assert proxiable("https://cdn.example/" + "a" * 3000) is None
    assert proxiable('https://cdn.example/a".png') is None


@pytest.mark.parametrize(
    "style",
    ["line-height:1", "min-width:0", "border-width:1px", "max-width:100%;min-height:1px"],
)
def test_a_visible_image_with_such_styles_is_proxied_not_taken_for_a_beacon(style: str) -> None:
    out, count, removed, signed = proxied(f'<img src="https://cdn.example/a.png" style="{style}">')
    assert signed == ["https://cdn.example/a.png"] and count == 1 and removed == 0
    assert "cdn.example" not in out and style in out


def test_o2_images_over_the_per_message_cap_are_removed_not_proxied() -> None:
    from parley.core.image_tokens import ProxyLinks

    signer = ProxyLinks("https://img.example/images", 2_000_000_000, b"k" * 32, limit=50)
    html = "".join(
        f'<img src="https://cdn.example/{i}.png" alt="p{i}" width="40" height="40">'
        for i in range(60)
    )
    out = proxy_remote_content(html, signer)
    assert out.html.count("https://img.example/images/") == 50 and out.proxied == 50
    assert "cdn.example" not in out.html and out.removed == 10
    assert "[p59]" in out.html  # the rest shows its alt text, as with strip
    assert len(signer.urls) == 50  # every link shown is one the warm-up fetches
