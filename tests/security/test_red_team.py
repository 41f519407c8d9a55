"""The red team's reproductions (2026-11-27), written without reading our tests. Each one
failed on the main of that morning; the holes closed since are regressions now. The last seven
(H6: "at ... dot" with any real top-level domain, dashes around the words, spaced-out letters,
digits split by line breaks or an x, "IG @handle", "myshop dot com") were strict xfails until
session 4 closed them; tests/security/test_attacks.py holds two variations of each.

Dropped from the red team's file: H9 (its message is no longer critical: "[Important]" must be
about customization, delivery or the address), H11 (a wall-clock bound; the deterministic
text-volume test in test_attacks.py holds it), H12 (it checked the settings' host syntax;
public suffixes and shared platforms are refused at approval) and H14 (the full registered
name is the documented default, `displayName: full`). H5 and H13 ran against `parley dev` and
are held by tests/integration (leak corpus, notification address).
"""

from __future__ import annotations

import io
from email import policy
from email.message import EmailMessage

import pytest

from parley.core.time import utcnow
from parley.mail.compose import Envelope, compose_relay
from parley.mail.parsing import parse_message
from parley.policy import PolicyContext, evaluate
from parley.policy.config import load_policy

OID = "123-1234567-1234567"
BUYER = "bob@buyermail.example"
ALIAS_B = "b0000000000000b@marketplace.example"
P = f"Hello, about your order {OID}: the blue one ships Tuesday, the red one next week. "


def _ctx(**kw):
    base = dict(
        direction="seller_to_buyer",
        is_reply=False,
        pair_order_ids=frozenset({OID}),
        config=load_policy("default"),
        delivered_on=None,
        now=utcnow(),
        buyer_opted_out=False,
        buyer_locale="en-US",
        review_requests_sent=0,
        seller_link_hosts=frozenset(),
        relay_domain="marketplace.example",
        raw_size=1000,
        declared_critical=False,
    )
    base.update(kw)
    return PolicyContext(**base)


def _seller_mail(body=None, html=None, subject=f"Your order {OID}", attachments=()):
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "s@sellerco.example", ALIAS_B, subject
    if body is not None:
        m.set_content(body)
    if html is not None:
        (m.add_alternative if body is not None else m.set_content)(html, subtype="html")
    for data, maintype, subtype, name in attachments:
        if maintype == "text":
            m.add_attachment(data, subtype=subtype, filename=name)
        else:
            m.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return parse_message(m.as_bytes(policy=policy.SMTP), 10_000_000)


def _relay(raw: bytes) -> bytes:
    env = Envelope(
        from_name="Bob",
        from_alias=ALIAS_B,
        to_address="seller@sellerco.example",
        message_id="m1@marketplace.example",
        replacements={BUYER: ALIAS_B},
        scrub={BUYER: ALIAS_B},
    )
    return compose_relay(parse_message(raw, 10_000_000), env)


# H1 -- encoded forms of the sender's real address survive the relay
def test_h1_encoded_address_survives_relay():
    raw = (
        f"From: Bob <{BUYER}>\r\nTo: x@marketplace.example\r\nSubject: hi\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/html; charset=utf-8\r\n\r\n"
        "<p>bob&#64;buyermail.example bob&commat;buyermail&period;example "
        '<a href="mailto:bob%40buyermail.example">me</a></p>\r\n'
    ).encode()
    out = _relay(raw).decode().lower()
    for leak in ("bob&#64;buyermail.example", "bob&commat;buyermail", "bob%40buyermail.example"):
        assert leak not in out, leak


# H2 -- EXIF (GPS, camera, owner) and PDF /Author delivered as sent
def test_h2_exif_and_pdf_metadata_survive_relay():

    import pikepdf
    from PIL import Image

    img, exif = Image.new("RGB", (8, 8)), Image.Exif()
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}
    exif[0x0110], exif[0x013B] = "iPhone 15 Pro", "Robert Realname"
    jpeg = io.BytesIO()
    img.save(jpeg, "JPEG", exif=exif)
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.docinfo["/Author"] = "Robert Realname"
    pdfb = io.BytesIO()
    pdf.save(pdfb)
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = BUYER, "x@marketplace.example", "damage"
    m.set_content("photo and report attached")
    m.add_attachment(jpeg.getvalue(), maintype="image", subtype="jpeg", filename="IMG_1.jpg")
    m.add_attachment(pdfb.getvalue(), maintype="application", subtype="pdf", filename="r.pdf")
    out = parse_message(_relay(m.as_bytes()), 10_000_000)
    blobs = b"".join(p.get_payload(decode=True) or b"" for p in out.walk() if not p.is_multipart())
    assert b"Robert Realname" not in blobs
    assert b"iPhone" not in blobs


# H3 -- Date keeps the sender's UTC offset (time zone)
def test_h3_date_reveals_time_zone():
    raw = (
        f"From: {BUYER}\r\nTo: x@marketplace.example\r\nSubject: hi\r\n"
        "Date: Fri, 27 Nov 2026 14:45:01 +0900\r\n\r\nhello\r\n"
    ).encode()
    assert b"+0900" not in _relay(raw)


# H4 -- part headers and boundary name the sender's domain, client, zone
def test_h4_part_headers_and_boundary_leak():
    b = "Apple-Mail=_8B1C9D2E-1111-2222-3333-444455556666"
    raw = (
        f"From: {BUYER}\r\nTo: x@marketplace.example\r\nSubject: hi\r\nMIME-Version: 1.0\r\n"
        f'Content-Language: ja-JP\r\nContent-Type: multipart/mixed; boundary="{b}"\r\n\r\n'
        f"--{b}\r\nContent-Type: text/plain\r\n\r\nhello\r\n--{b}\r\n"
        'Content-Type: application/pdf; name="a.pdf"; x-unix-mode=0644\r\n'
        'Content-Disposition: attachment; filename="a.pdf"; creation-date="Fri, 27 Nov 2026 14:40:00 +0900"\r\n'
        "Content-ID: <part1.5F8A3C2B.7E4D1A09@buyermail.example>\r\n"
        "Content-Description: Scanned by Robert Realname, Musterstr. 5\r\n"
        f"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--{b}--\r\n"
    ).encode()
    out = _relay(raw)
    for leak in (b"buyermail.example", b"Apple-Mail", b"+0900", b"Realname", b"ja-JP"):
        assert leak not in out, leak


# H6 -- obfuscated contact details pass a proactive seller message
@pytest.mark.parametrize(
    "text",
    [
        "Questions: \uff53\uff48\uff4f\uff50\uff20\uff47\uff4d\uff41\uff49\uff4c\uff0e\uff43\uff4f\uff4d",  # fullwidth
        "Questions: shop at myshop dot xyz",
        "Questions: shop  -at-  gmail  -dot-  com",
        "Questions: info@m\u00fcller-shop.de",  # IDN domain
        "Questions: shop@gm\u0430il.com",  # Cyrillic a
        "Questions: s h o p @ g m a i l . c o m",
        "Call 0176 one two three 45678",
        "Call\n0176\n1234\n5678",
        "Call 0176x12345678",
        "Text me on W h a t s A p p",
        "Follow us on IG @myshop_official",
        "Care guide: myshop.xyz/care",
        "Care guide: myshop.online",
        "Care guide: myshop\u200b.com/care",
        "Care guide: myshop\u3002com/care",
        "Care guide: myshop dot com",
    ],
)
def test_h6_obfuscated_contact_passes(text):
    d = evaluate(_seller_mail(P + text), _ctx())
    assert str(d.verdict) == "block", text


# H7 -- off-marketplace links in HTML outside <a href>, and a URL browsers fix up
@pytest.mark.parametrize(
    "html",
    [
        "<a href='https:///myshop.com/care'>care guide</a>",
        "<form action='https://myshop.com/c'><button>Go</button></form>",
        "<form><button formaction='https://myshop.com/c'>Go</button></form>",
        "<svg><a xlink:href='https://myshop.com'><text y='20'>care</text></a></svg>",
        "<iframe src='https://myshop.com'></iframe>",
        "<object data='https://myshop.com/x'></object>",
        "<img src='https://myshop.com/banner.png?buyer=1' width='300' height='100'>",
    ],
)
def test_h7_links_outside_anchors(html):
    d = evaluate(_seller_mail(html=f"<p>{P}</p>{html}"), _ctx())
    assert str(d.verdict) == "block", html


def test_h7_meta_refresh():
    html = (
        f"<html><head><meta http-equiv='refresh' content='0;url=https://myshop.com'></head>"
        f"<body><p>{P}</p></body></html>"
    )
    assert str(evaluate(_seller_mail(html=html), _ctx()).verdict) == "block"


# H8 -- attachments: text content, file names and PDF links are never read
def test_h8_attachment_content_and_names_unchecked():
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    annot = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Link,
            Rect=[0, 0, 612, 792],
            A=pikepdf.Dictionary(
                S=pikepdf.Name.URI, URI=pikepdf.String("https://myshop-outlet.com/")
            ),
        )
    )
    pdf.pages[0].obj["/Annots"] = pdf.make_indirect(pikepdf.Array([annot]))
    buf = io.BytesIO()
    pdf.save(buf)
    cases = [
        (
            "Care manual. Call +49 176 12345678, shop@myshop.com, https://myshop.com",
            "text",
            "plain",
            "manual.txt",
        ),
        (buf.getvalue(), "application", "pdf", "invoice - WhatsApp +49 176 12345678.pdf"),
    ]
    for case in cases:
        d = evaluate(
            _seller_mail(P + "The manual/invoice is attached.", attachments=[case]), _ctx()
        )
        assert str(d.verdict) == "block", case[3]


@pytest.mark.parametrize(
    "part",
    [
        "Content-Type: text/plain\r\nContent-Disposition: attachment; filename*=utf-8''notes%0Atxt.txt\r\n\r\nx\r\n",
        "Content-Type: text/plain\r\nContent-ID: =?utf-8?q?a=0Ab?=\r\n\r\nx\r\n",
        "Content-Type: text/plain; name*=utf-8''a%0Ab.txt\r\n\r\nx\r\n",
    ],
)
def test_h10_relay_crashes_deterministically(part):
    from parley.mail.compose import ComposeError

    raw = (
        f"From: {BUYER}\r\nTo: x@marketplace.example\r\nSubject: hi\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n'
        f"hello\r\n--b\r\n{part}--b--\r\n"
    ).encode()
    try:
        _relay(raw)
    except ComposeError:
        pass  # handled: recorded as rejected/unencodable (or better: delivered without the part)
    # any other exception type escapes relay._send_once and is retried until dead_lettered
