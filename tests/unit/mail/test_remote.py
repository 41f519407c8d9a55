"""Remote content: every form of beacon a sender can put in HTML is taken out."""

from __future__ import annotations

import pytest

from parley.mail.remote import decode_css, strip_css, strip_remote_content

BEACONS = [
    '<img src="https://t.example/p.gif" width="1%" height="1%">',
    '<img src="https://t.example/p.gif" style="width:0.5px;height:0.5px">',
    '<img src="https://t.example/p.gif" style="width:1px !important;height:1px !important">',
    '<img src="//t.example/p.gif">',
    '<img src=" HTTPS://t.example/p.gif">',
    '<img srcset="https://t.example/p.gif 1x, https://t.example/p2.gif 2x">',
    '<picture><source srcset="https://t.example/p.webp"><img src="cid:x"></picture>',
    '<div style="background-image:url(https://t.example/p.gif)">x</div>',
    "<div style=\"background:url('//t.example/p.gif') no-repeat\">x</div>",
    '<div style="background:\\75 rl(https://t.example/p.gif)">x</div>',
    "<div style=\"background-image:-webkit-image-set('https://t.example/p.gif' 1x)\">x</div>",
    "<style>@import url(https://t.example/s.css);</style>",
    "<style>@import 'https://t.example/s.css';</style>",
    "<style>.a{background:url(https://t.example/p.gif)}</style>",
    "<style>.a{background:u/**/rl(https://t.example/p.gif)}</style>",
    '<table background="https://t.example/p.gif"><tr><td>x</td></tr></table>',
    '<body background="https://t.example/p.gif">x</body>',
    '<link rel="stylesheet" href="https://t.example/s.css">',
    '<base href="https://t.example/">',
    '<video poster="https://t.example/p.gif"></video>',
    '<iframe src="https://t.example/f.html"></iframe>',
    '<object data="https://t.example/o.swf"></object>',
    '<embed src="https://t.example/e.svg">',
    '<input type="image" src="https://t.example/p.gif">',
    '<svg><image href="https://t.example/p.gif"/></svg>',
    '<meta http-equiv="refresh" content="0;url=https://t.example/r">',
    '<audio src="https://t.example/a.mp3"></audio>',
    '<img src="relative/p.gif">',
]


@pytest.mark.parametrize("html", BEACONS)
def test_beacon_is_removed(html: str) -> None:
    document = f"<html><body><p>Hello</p>{html}</body></html>"
    result = strip_remote_content(document)
    assert "t.example" not in result.html and "relative/p.gif" not in result.html
    assert result.removed >= 1
    assert "Hello" in result.html


def test_a_normal_image_is_removed_too_and_its_alt_text_stays() -> None:
    html = '<p>Our product:</p><img src="https://cdn.example/p.jpg" width="600" alt="Blue mug">'
    result = strip_remote_content(html)
    assert "cdn.example" not in result.html and "[Blue mug]" in result.html


@pytest.mark.parametrize(
    "html",
    [
        '<img src="cid:abc@marketplace.example">',
        '<img src="data:image/png;base64,iVBORw0KGgo=">',
        '<a href="https://www.example.com/track/1Z999">track your parcel</a>',
        '<div style="color:red;background:url(data:image/png;base64,AAAA)">x</div>',
    ],
)
def test_local_content_and_links_stay(html: str) -> None:
    assert strip_remote_content(html).removed == 0


def test_no_html_work_for_plain_markup() -> None:
    html = "<p>Hello, is it available in blue?</p>"
    assert strip_remote_content(html).html == html


def test_css_escapes_are_decoded_as_a_browser_does() -> None:
    assert decode_css("\\75 rl(x)") == "url(x)"
    assert decode_css("u\\72 l(x)") == "url(x)"
    css, removed = strip_css("background: \\75\\72\\6c(https://t.example/p.gif)")
    assert removed == 1 and "t.example" not in css
