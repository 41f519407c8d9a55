"""The relayed copy, attacked as a curious recipient would read it: part headers, ids,
attachment metadata, forwarded mail, signatures, names."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pytest
from PIL import Image

from parley.mail.compose import Composed, Envelope, compose_delivery
from parley.mail.parsing import iter_leaves, parse_message
from tests.support import files

BUYER = "bob.smithson@smith-family.example"
BUYER_ALIAS = "q3a3aavrvy3grfp@marketplace.example"
SELLER = "seller@example.org"
SELLER_ALIAS = "vy70ddtjf3idu49@marketplace.example"
ENVELOPE = Envelope(
    from_name="Robert",
    from_alias=BUYER_ALIAS,
    to_address=SELLER,
    message_id="m9@marketplace.example",
    replacements={BUYER: BUYER_ALIAS, SELLER: SELLER_ALIAS},
    scrub={BUYER: BUYER_ALIAS},
    names={"Robert Smithson": "Robert", "Bobby S.": "Robert", "Smithson": ""},
    date=datetime(2026, 11, 27, 10, 0, tzinfo=UTC),
)


def relay(message: EmailMessage, envelope: Envelope = ENVELOPE) -> Composed:
    return compose_delivery(parse_message(message.as_bytes(), 10**7), envelope)


def base(subject: str = "Damaged item") -> EmailMessage:
    message = EmailMessage()
    message["From"] = f'"Bobby S." <{BUYER}>'
    message["To"] = SELLER_ALIAS
    message["Subject"] = subject
    message["Date"] = "Fri, 27 Nov 2026 11:42:10 +0100"
    message["X-Mailer"] = "Microsoft Outlook 16.0"
    message["User-Agent"] = "Thunderbird/128.0"
    return message


def assert_nothing_identifies(data: bytes) -> None:
    lowered = data.lower()
    for needle in (b"smith-family", b"smithson", b"bobby", b"outlook", b"thunderbird", b"+0100"):
        assert needle not in lowered, needle


def test_photo_arrives_without_gps_and_upright() -> None:
    message = base()
    message.set_content("Photo attached.")
    message.add_attachment(
        files.jpeg_with_gps(), maintype="image", subtype="jpeg", filename="IMG_0042.JPG"
    )
    composed = relay(message)
    assert_nothing_identifies(composed.data)
    (photo,) = composed.attachments
    assert (photo.name, photo.content_type) == ("IMG_0042.JPG", "image/jpeg")
    image = Image.open(io.BytesIO(photo.data))
    assert not image.getexif() and image.size == (32, 64)
    out = message_from_bytes(composed.data, policy=default)
    (part,) = [p for p in out.walk() if p.get_content_type() == "image/jpeg"]
    assert part.get_payload(decode=True) == photo.data  # the stored copy is what was sent


@pytest.mark.parametrize(
    ("build", "subtype"),
    [
        (files.pdf_with_author, "pdf"),
        (files.docx_with_author, "vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (files.heic_with_gps, "heic"),
    ],
)
def test_documents_arrive_without_their_authors(build: object, subtype: str) -> None:
    message = base()
    message.set_content("See attached.")
    data = build()  # type: ignore[operator]
    message.add_attachment(data, maintype="application", subtype=subtype, filename="file")
    composed = relay(message)
    assert_nothing_identifies(composed.data)
    for attachment in composed.attachments:
        for needle in files.LEAKS:
            assert needle not in attachment.data


def test_an_uncleanable_attachment_is_left_out_and_reported() -> None:
    message = base()
    message.set_content("Video of the damage.")
    message.add_attachment(
        b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64,
        maintype="video",
        subtype="mp4",
        filename="clip.mp4",
    )
    composed = relay(message)
    assert composed.uncleanable == ("clip.mp4",)
    assert composed.attachments == ()
    assert b"ftypmp42" not in composed.data and b"clip.mp4" not in composed.data


def test_part_headers_come_from_the_allowlist() -> None:
    message = base()
    message.set_content("Hello")
    message.add_attachment(
        b"%PDF-1.4 not really", maintype="text", subtype="plain", filename="notes.txt"
    )
    for part in message.iter_parts():
        part["Content-Description"] = "written by Robert Smithson"
        part["Content-Language"] = "en-GB"
        part["Content-Location"] = "file:///Users/bob.smithson/notes.txt"
        part["X-Attachment-Id"] = "f_smithson"
        part.set_param("x-mac-creator", "4F50494D")
        part.set_param("x-unix-mode", "0644")
    composed = relay(message)
    assert_nothing_identifies(composed.data)
    out = message_from_bytes(composed.data, policy=default)
    for part in out.walk():
        if part is out:
            continue
        assert set(part.keys()) <= {
            "Content-Type",
            "Content-Transfer-Encoding",
            "Content-Disposition",
            "Content-ID",
        }
        assert set(part["Content-Type"].params) <= {
            "charset",
            "name",
            "boundary",
            "format",
            "delsp",
        }
        if part["Content-Disposition"]:
            assert set(part["Content-Disposition"].params) <= {"filename"}


def test_top_headers_name_no_mail_program_and_no_time_zone() -> None:
    message = base()
    message.set_content("Hello")
    out = message_from_bytes(relay(message).data, policy=default)
    assert "X-Mailer" not in out and "User-Agent" not in out
    assert out["Date"] == "Fri, 27 Nov 2026 10:00:00 +0000"
    assert out["From"] == f"Robert <{BUYER_ALIAS}>"


def test_boundaries_are_ours() -> None:
    message = base()
    message.set_content("Hello")
    message.add_alternative("<p>Hello</p>", subtype="html")
    message.set_boundary("----=_NextPart_000_0012_01DB40A1.SMITHSON-PC")
    composed = relay(message)
    assert b"NextPart" not in composed.data and b"SMITHSON" not in composed.data
    out = message_from_bytes(composed.data, policy=default)
    assert out.get_boundary().startswith("=_") and len(out.get_boundary()) == 26


def test_content_ids_are_replaced_and_html_references_follow() -> None:
    message = base()
    message.set_content("see photo")
    message.add_alternative(
        '<p>see</p><img src="cid:part1.0A1B2C.3D4E@smith-family.example">'
        "<img src='CID:part1.0A1B2C.3D4E%40smith-family.example'>",
        subtype="html",
    )
    html = message.get_payload()[1]
    html.add_related(
        files.png_with_metadata(),
        maintype="image",
        subtype="png",
        cid="<part1.0A1B2C.3D4E@smith-family.example>",
    )
    composed = relay(message)
    assert_nothing_identifies(composed.data)
    out = message_from_bytes(composed.data, policy=default)
    (image,) = [p for p in out.walk() if p.get_content_type() == "image/png"]
    new_id = image["Content-ID"].strip("<>")
    assert new_id.endswith("@marketplace.example")
    body = next(p for p in out.walk() if p.get_content_type() == "text/html").get_content()
    assert body.count(f"cid:{new_id}") == 2


def test_rfc2231_file_names_are_decoded_scrubbed_and_encoded_again() -> None:
    raw = (
        f"From: {BUYER}\r\nTo: {SELLER_ALIAS}\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        "Content-Type: text/plain\r\n\r\nhi\r\n--b\r\n"
        "Content-Type: application/pdf\r\n"
        "Content-Disposition: attachment;\r\n"
        " filename*0*=utf-8''Rechnung%20f%C3%BCr%20bob.smithson%40smith-;\r\n"
        " filename*1*=family.example.pdf\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
    ).encode()
    import base64

    raw += base64.encodebytes(files.pdf_with_author(pages=1, with_photo=False)) + b"--b--\r\n"
    composed = compose_delivery(parse_message(raw, 10**7), ENVELOPE)
    assert_nothing_identifies(composed.data)
    (pdf,) = composed.attachments
    assert pdf.name == f"Rechnung für {BUYER_ALIAS}.pdf"
    out = message_from_bytes(composed.data, policy=default)
    assert [p.get_filename() for p in out.iter_attachments()] == [pdf.name]


def test_every_encoding_of_the_address_in_html_and_text_attachments_is_replaced() -> None:
    message = base(subject=f"Question from {BUYER.upper()}")
    message.set_content(f"Reach me at {BUYER}")
    message.add_alternative(
        "<p>Robert Smithson<br>"
        "<a href='mailto:bob.smithson%40smith-family.example'>"
        "bob.smithson&#64;smith-family&#x2E;example</a></p>",
        subtype="html",
    )
    ics = (
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n"
        f"ORGANIZER;CN=Robert Smithson:mailto:{BUYER}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    message.add_attachment(ics.encode(), maintype="text", subtype="calendar", filename="invite.ics")
    composed = relay(message)
    assert_nothing_identifies(composed.data)
    assert composed.subject == f"Question from {BUYER_ALIAS}"
    (invite,) = composed.attachments
    assert f"ORGANIZER;CN=Robert:mailto:{BUYER_ALIAS}".encode() in invite.data


def test_a_forwarded_message_keeps_its_subject_and_loses_its_people() -> None:
    inner = EmailMessage()
    inner["From"] = f"Robert Smithson <{BUYER}>"
    inner["To"] = "Jane Smithson <jane@smith-family.example>"
    inner["Subject"] = "Order confirmation"
    inner["Date"] = "Thu, 26 Nov 2026 08:00:00 +0100"
    inner["Message-ID"] = "<conf-1@smith-family.example>"
    inner.set_content("Your order 123-1234567-1234567 is confirmed.")
    message = base()
    message.set_content("Forwarding the confirmation.")
    message.add_attachment(inner, filename="confirmation.eml")
    composed = relay(message)
    assert_nothing_identifies(composed.data)
    (forwarded,) = composed.attachments
    assert forwarded.content_type == "message/rfc822"
    assert b"Subject: Order confirmation" in forwarded.data
    assert b"Date: Thu, 26 Nov 2026 07:00:00 +0000" in forwarded.data
    assert b"jane@" not in forwarded.data and b"From:" not in forwarded.data


def test_signatures_are_dropped_they_carry_certificates() -> None:
    message = base()
    message.set_content("signed")
    message.add_attachment(
        b"0\x82\x05certificate of bob.smithson@smith-family.example",
        maintype="application",
        subtype="pkcs7-signature",
        filename="smime.p7s",
    )
    composed = relay(message)
    assert_nothing_identifies(composed.data)
    assert composed.uncleanable == ()  # not a file the sender chose to send


def test_remote_images_are_stripped_in_html() -> None:
    message = base()
    message.set_content("hi")
    message.add_alternative(
        '<p>hi</p><img src="https://tracker.example/o.gif?u=1" width="1%">'
        '<img src="https://cdn.example/product.jpg" width="600" alt="our product">',
        subtype="html",
    )
    composed = relay(message)
    assert b"tracker.example" not in composed.data and b"cdn.example" not in composed.data
    assert b"[our product]" in composed.data
    assert composed.remote_removed == 2


def test_remote_images_kept_when_the_marketplace_says_so() -> None:
    message = base()
    message.set_content("hi")
    message.add_alternative('<img src="https://cdn.example/p.jpg">', subtype="html")
    from dataclasses import replace

    composed = relay(message, replace(ENVELOPE, remote_images="keep"))
    assert b"cdn.example" in composed.data


def test_leaves_are_walked_once_and_the_copy_parses() -> None:
    message = base()
    message.set_content("plain")
    message.add_alternative("<p>html</p>", subtype="html")
    message.add_attachment(
        files.gif_with_comment(), maintype="image", subtype="gif", filename="a.gif"
    )
    composed = relay(message)
    again = parse_message(composed.data, 10**7)
    assert [p.get_content_type() for p in iter_leaves(again)] == [
        "text/plain",
        "text/html",
        "image/gif",
    ]


def test_remote_images_point_at_the_proxy_when_the_marketplace_says_so() -> None:
    from dataclasses import replace

    from parley.core.image_tokens import proxied_url, verify

    key = b"k" * 32
    message = base()
    message.set_content("hi")
    message.add_alternative(
        '<p>hi</p><img src="https://tracker.example/o.gif?u=1" width="1%">'
        '<img src="https://cdn.example/product.jpg" width="600" alt="our product">',
        subtype="html",
    )

    def proxy(url: str) -> str:
        return proxied_url("https://img.marketplace.example/i", url, 2_000_000_000, key)

    composed = relay(message, replace(ENVELOPE, remote_images="proxy", image_proxy=proxy))
    html = next(
        p.get_content()
        for p in iter_leaves(parse_message(composed.data, 10**7))
        if p.get_content_type() == "text/html"
    )
    assert "tracker.example" not in html and "cdn.example" not in html
    token = html.split('src="https://img.marketplace.example/i/')[1].split('"')[0]
    assert verify(token, key, 1_900_000_000).url == "https://cdn.example/product.jpg"
    assert composed.remote_removed == 1  # the beacon


def test_proxy_mode_without_a_proxy_strips() -> None:
    from dataclasses import replace

    message = base()
    message.set_content("hi")
    message.add_alternative('<img src="https://cdn.example/p.jpg">', subtype="html")
    composed = relay(message, replace(ENVELOPE, remote_images="proxy"))
    assert b"cdn.example" not in composed.data and composed.remote_removed == 1


PAGE = '<html><body><img src="https://t.example/r3.png"></body></html>'
SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg"><image href="https://t.example/r3.png" '
    'width="10" height="10"/><script>fetch("https://t.example/r3")</script></svg>'
)
XHTML = (
    '<!-- notes --><html xmlns="http://www.w3.org/1999/xhtml"><body>'
    '<img src="https://t.example/r3.png"/></body></html>'
)


@pytest.mark.parametrize(
    ("maintype", "subtype", "name", "body"),
    [
        ("text", "plain", "invoice.html", PAGE),
        ("application", "json", "invoice.html", PAGE),
        ("text", "xml", "logo.svg", SVG),
        ("text", "plain", "logo.svg", SVG),
        ("text", "plain", "notes.xht", XHTML),
        ("text", "xml", "notes.xml", XHTML),
        ("text", "plain", "notes.txt", XHTML),
        ("application", "json", "notes.json", XHTML),
        ("text", "plain", "notes.txt", "\n  <?xml version='1.0'?><!DOCTYPE x><svg><image/></svg>"),
    ],
)
def test_markup_under_a_text_label_is_left_out_as_uncleanable(
    maintype: str, subtype: str, name: str, body: str
) -> None:
    # Red team 4, R3 (the relay's own check, behind the policy's): a browser opening the file
    # renders it as HTML, XHTML or SVG and fetches the sender's image itself
    message = base()
    message.set_content("See the notes.")
    if maintype == "text":
        message.add_attachment(body, subtype=subtype, filename=name)
    else:
        message.add_attachment(body.encode(), maintype=maintype, subtype=subtype, filename=name)
    composed = relay(message)
    assert composed.uncleanable == (name,)
    assert b"t.example" not in composed.data and composed.attachments == ()


def test_text_attachments_that_only_mention_tags_are_delivered() -> None:
    message = base()
    message.set_content("See the notes.")
    message.add_attachment("Use <b> for bold; sizes S, M.", subtype="plain", filename="a.txt")
    message.add_attachment('{"note": "blue"}', subtype="plain", filename="order.json")
    composed = relay(message)
    assert composed.uncleanable == () and len(composed.attachments) == 2
