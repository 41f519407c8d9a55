"""A leak corpus: mail as real clients write it, each carrying its writer's identity somewhere.

Outlook (HTML with MsoNormal, "From: … Sent: …" quoting, winmail.dat), Gmail ("On … wrote:"
quoting, gmail_signature, inline images with ii_ Content-IDs), Apple Mail (multipart/related,
Apple-Mail boundaries, x-unix-mode), Thunderbird (format=flowed, moz-signature, User-Agent),
forwarded messages (inline and as .eml), calendar invites, vCards, phone photos with GPS
(JPEG, PNG, WebP, HEIC), PDFs and Office files with authors; the address in every encoding
(entities, percent, quoted-printable soft breaks, RFC 2231 file names, upper case, fullwidth)
and remote beacons in every form. Generated: no binary fixtures.
"""

from __future__ import annotations

import base64
import quopri
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage

from tests.support import files

NAME = "Robert Smithson"
FIRST = "Robert"
ADDRESS = "bob.smithson@smith-family.example"
DOMAIN = "smith-family.example"
CLIENT_NAME = "Bobby Smithson (home)"
ORDER = "123-1234567-1234567"
# Needles whose presence (after decoding) in anything the recipient can reach is a leak.
NEEDLES = ("smithson", "smith-family", "bobby", "camera owner")


@dataclass(frozen=True)
class Case:
    label: str
    raw: bytes


def _entities(text: str) -> str:
    return "".join(f"&#{ord(c)};" if c in "@." else c for c in text)


def _hex_entities(text: str) -> str:
    return "".join(f"&#x{ord(c):x};" for c in text)


def _percent(text: str) -> str:
    return text.replace("@", "%40").replace(".", "%2E")


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if 0x21 <= ord(c) <= 0x7E else c for c in text)


ADDRESS_FORMS: dict[str, Callable[[str], str]] = {
    "plain": lambda a: a,
    "upper": str.upper,
    "entities": _entities,
    "hex-entities": _hex_entities,
    "percent": _percent,
    "fullwidth": _fullwidth,
    "mixed-case": lambda a: "".join(c.upper() if i % 2 else c for i, c in enumerate(a)),
}


def _base(subject: str, client: str, to: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f'"{CLIENT_NAME}" <{ADDRESS}>'
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = "Fri, 27 Nov 2026 11:42:10 +0100"
    message["Message-ID"] = f"<{client}-{abs(hash(subject)) % 10**8}@{DOMAIN}>"
    headers = {
        "outlook": {"X-Mailer": "Microsoft Outlook 16.0", "Thread-Index": "AdlBc3Rhbmxl"},
        "gmail": {"X-Gm-Message-State": "AOJu0YxSmithson"},
        "apple": {"X-Mailer": "Apple Mail (2.3774.500.171)"},
        "thunderbird": {"User-Agent": "Mozilla/5.0 Thunderbird/128.5.0"},
    }.get(client, {})
    for name, value in headers.items():
        message[name] = value
    return message


def _signature_html(form: str) -> str:
    shown = ADDRESS_FORMS[form](ADDRESS)
    return (
        f'<div class="signature"><p>{NAME}<br>'
        f'<a href="mailto:{_percent(ADDRESS) if form == "percent" else shown}">{shown}</a><br>'
        f'<a href="https://www.{DOMAIN}/">www.{DOMAIN}</a></p></div>'
    )


def _beacon(index: int) -> str:
    forms = [
        '<img src="https://t.example/o.gif?id=1" width="1%" height="1%">',
        '<img src="https://t.example/o.gif" style="width:0.5px;height:0.5px">',
        '<img src="https://t.example/o.gif" style="width:1px !important">',
        '<picture><source srcset="https://t.example/o.webp"><img alt=""></picture>',
        '<div style="background:url(https://t.example/o.gif)">.</div>',
        '<img src="https://cdn.example/product-photo.jpg" width="600">',
    ]
    return forms[index % len(forms)]


def outlook(index: int, to: str, alias_of_seller: str) -> EmailMessage:
    form = list(ADDRESS_FORMS)[index % len(ADDRESS_FORMS)]
    message = _base(f"RE: Order {ORDER} arrived damaged", "outlook", to)
    text = (
        f"Hello,\n\nthe parcel arrived damaged.\n\nKind regards\n{NAME}\n{ADDRESS}\n\n"
        f"From: Shop <{alias_of_seller}>\nSent: Thursday, November 26, 2026 9:00 AM\n"
        f"To: {NAME} <{ADDRESS}>\nSubject: Your order {ORDER}\n\nThanks for your order."
    )
    message.set_content(text)
    message.add_alternative(
        '<html xmlns:o="urn:schemas-microsoft-com:office:office"><body lang=EN-GB>'
        "<p class=MsoNormal>Hello,</p><p class=MsoNormal>the parcel arrived damaged.</p>"
        f"{_signature_html(form)}{_beacon(index)}"
        '<div style="border:none;border-top:solid #E1E1E1 1.0pt"><p class=MsoNormal>'
        f"<b>From:</b> Shop &lt;{alias_of_seller}&gt;<br><b>To:</b> {NAME} "
        f"&lt;{ADDRESS_FORMS[form](ADDRESS)}&gt;</p></div></body></html>",
        subtype="html",
    )
    if index % 3 == 0:
        message.add_attachment(
            b"\x78\x9f\x3e\x22" + f"TNEF from {NAME}".encode(),
            maintype="application",
            subtype="ms-tnef",
            filename="winmail.dat",
        )
    return message


def gmail(index: int, to: str, alias_of_seller: str) -> EmailMessage:
    form = list(ADDRESS_FORMS)[(index + 2) % len(ADDRESS_FORMS)]
    message = _base(f"Re: Question about order {ORDER}", "gmail", to)
    quoted = f"On Thu, Nov 26, 2026 at 9:00 AM Shop <{alias_of_seller}> wrote:\n> Thanks!\n"
    message.set_content(f"Yes please, the blue one.\n\n-- \n{NAME}\n{ADDRESS}\n\n{quoted}")
    message.add_alternative(
        f'<div dir="ltr">Yes please, the blue one.<br clear="all"><br>-- <br>'
        f'<div class="gmail_signature">{_signature_html(form)}</div>'
        f'<img src="cid:ii_lk{index}smithson" alt="photo.jpg"></div>{_beacon(index + 1)}'
        '<div class="gmail_quote"><div class="gmail_attr">On Thu, Nov 26, 2026 at 9:00 AM '
        f"{NAME} &lt;{ADDRESS}&gt; wrote:</div><blockquote>Thanks!</blockquote></div>",
        subtype="html",
    )
    html = message.get_payload()[1]
    html.add_related(
        files.jpeg_with_gps(orientation=1 + index % 8),
        maintype="image",
        subtype="jpeg",
        cid=f"<ii_lk{index}smithson>",
        filename="IMG_20261127_114210.jpg",
    )
    return message


def apple(index: int, to: str, alias_of_seller: str) -> EmailMessage:
    message = _base("Damaged corner, photo attached", "apple", to)
    message.set_content(f"See photo.\n\nSent from my iPhone\n{NAME}")
    message.add_alternative(
        '<html><body style="word-wrap: break-word"><p>See photo.</p>'
        f'<img src="cid:part1.{index}.Y@{DOMAIN}"><p>Sent from my iPhone</p></body></html>',
        subtype="html",
    )
    html = message.get_payload()[1]
    photo = [files.jpeg_with_gps, files.heic_with_gps, files.png_with_metadata][index % 3]
    subtype = ["jpeg", "heic", "png"][index % 3]
    html.add_related(
        photo(),
        maintype="image",
        subtype=subtype,
        cid=f"<part1.{index}.Y@{DOMAIN}>",
        filename=f"IMG_{index:04d}.{subtype}",
    )
    for part in message.walk():
        if part.get_content_maintype() != "multipart":
            part.set_param("x-unix-mode", "0644")
            part["Content-Description"] = f"Photo by {NAME}"
    message.set_boundary(f"Apple-Mail=_5F3A1B2C-{index:04d}-{DOMAIN}")
    return message


def thunderbird(index: int, to: str, alias_of_seller: str) -> EmailMessage:
    message = _base(f"Re: Delivery for {ORDER}", "thunderbird", to)
    body = (
        f"Tuesday works for me. \nMy mobile mail is {ADDRESS} \nif anything changes.\n\n"
        f"On 26.11.26 09:00, Shop wrote:\n> When can we deliver?\n\n-- \n{NAME}\n"
    )
    message.set_content(body, params={"format": "flowed"})
    if index % 2:
        message.add_attachment(
            files.pdf_with_author(pages=1 + index % 3),
            maintype="application",
            subtype="pdf",
            filename=f"Lieferschein {ADDRESS}.pdf",
        )
    else:
        message.add_attachment(
            [files.docx_with_author, files.xlsx_with_author, files.pptx_with_author][index % 3](),
            maintype="application",
            subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
            filename="notes.docx",
        )
    return message


def forwarded(index: int, to: str, alias_of_seller: str) -> EmailMessage:
    message = _base(f"Fwd: Order {ORDER} confirmation", "gmail", to)
    inner = EmailMessage()
    inner["From"] = f"{NAME} <{ADDRESS}>"
    inner["To"] = f"Jane Smithson <jane@{DOMAIN}>"
    inner["Subject"] = f"Order {ORDER}"
    inner["Date"] = "Thu, 26 Nov 2026 08:00:00 +0100"
    inner.set_content(f"Jane, I ordered it. {NAME}, {ADDRESS.upper()}")
    if index % 2:
        message.set_content(
            "See below.\n\n---------- Forwarded message ---------\n"
            f"From: {NAME} <{ADDRESS}>\nDate: Thu, Nov 26, 2026\nSubject: Order {ORDER}\n"
            f"To: Jane <jane@{DOMAIN}>\n\nJane, I ordered it."
        )
    else:
        message.set_content("Forwarding the confirmation as attachment.")
        message.add_attachment(inner, filename=f"Order from {NAME}.eml")
    return message


def invite(index: int, to: str, alias_of_seller: str) -> EmailMessage:
    message = _base(f"Invitation: delivery window for {ORDER}", "outlook", to)
    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Smith Family//Calendar 1.0//EN\r\n"
        "METHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:20261127T1000-smithson@"
        f"{DOMAIN}\r\nDTSTART:20261201T080000Z\r\n"
        f"ORGANIZER;CN={NAME}:mailto:{ADDRESS_FORMS['upper' if index % 2 else 'plain'](ADDRESS)}"
        f"\r\nATTENDEE;CN=Shop;RSVP=TRUE:mailto:{alias_of_seller}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    message.set_content("Please accept the delivery window.")
    if index % 2:
        message.add_attachment(
            ics.encode(),
            maintype="text",
            subtype="calendar",
            filename="invite.ics",
            params={"method": "REQUEST"},
        )
    else:
        message.add_alternative(ics, subtype="calendar", params={"method": "REQUEST"})
    return message


def vcard(index: int, to: str, alias_of_seller: str) -> EmailMessage:
    message = _base("My contact card", "apple", to)
    card = (
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Smithson;Robert;;;\r\nFN:{NAME}\r\n"
        f"EMAIL;type=INTERNET;type=pref:{ADDRESS}\r\nURL:https://www.{DOMAIN}/\r\n"
        "ADR;type=HOME:;;Hauptstr. 1;Berlin;;10115;DE\r\n"
        "END:VCARD\r\n"
    )
    message.set_content("Attached my card so you can reach me.")
    message.add_attachment(card.encode(), maintype="text", subtype="vcard", filename=f"{NAME}.vcf")
    return message


def photo(index: int, to: str, alias_of_seller: str) -> EmailMessage:
    message = _base(f"Photo of the damage ({ORDER})", "gmail", to)
    message.set_content("The photo is attached.")
    builders = [
        (files.jpeg_with_gps, "image", "jpeg", "IMG_0042.JPG"),
        (files.webp_with_metadata, "image", "webp", "photo.webp"),
        (files.gif_with_comment, "image", "gif", "damage.gif"),
        (files.heic_with_gps, "image", "heic", "IMG_0043.HEIC"),
        (files.png_with_metadata, "image", "png", f"Screenshot {ADDRESS}.png"),
    ]
    build, maintype, subtype, name = builders[index % len(builders)]
    message.add_attachment(build(), maintype=maintype, subtype=subtype, filename=name)
    return message


def raw_shapes(to: str) -> list[Case]:
    """Hand-written wire shapes the builders above cannot make."""
    qp = quopri.encodestring(f"Write to {ADDRESS} please".encode())
    half = qp.index(b"@") + 4
    qp = qp[:half] + b"=\r\n" + qp[half:]
    rfc2231 = base64.encodebytes(files.small_pdf()).decode()
    encoded_name = "".join(f"%{b:02X}" for b in f"Rechnung für {ADDRESS}.pdf".encode())
    return [
        Case(
            "qp-soft-break",
            (
                f"From: {ADDRESS}\r\nTo: {to}\r\nSubject: =?utf-8?q?Reach_me_at_"
                f"{ADDRESS.replace('@', '=40')}?=\r\nDate: Fri, 27 Nov 2026 11:00:00 -0800\r\n"
                "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
            ).encode()
            + qp,
        ),
        Case(
            "rfc2231-file-name",
            (
                f"From: {ADDRESS}\r\nTo: {to}\r\nSubject: invoice\r\nMIME-Version: 1.0\r\n"
                'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
                "Content-Type: text/plain\r\n\r\nsee file\r\n--b\r\n"
                f"Content-Type: application/pdf; name*=utf-8''{encoded_name}\r\n"
                f"Content-Disposition: attachment; filename*=utf-8''{encoded_name}\r\n"
                f"Content-Description: {NAME}'s invoice\r\nContent-ID: <inv@{DOMAIN}>\r\n"
                "Content-Transfer-Encoding: base64\r\n\r\n"
                f"{rfc2231}--b--\r\n"
            ).encode(),
        ),
    ]


BUILDERS: list[tuple[str, Callable[[int, str, str], EmailMessage], int]] = [
    ("outlook", outlook, 7),
    ("gmail", gmail, 6),
    ("apple", apple, 6),
    ("thunderbird", thunderbird, 6),
    ("forwarded", forwarded, 4),
    ("invite", invite, 4),
    ("vcard", vcard, 2),
    ("photo", photo, 5),
]


def corpus(to: str, alias_of_seller: str) -> list[Case]:
    """Every case, addressed to `to` (the seller's alias)."""
    cases = [
        Case(f"{name}-{index}", bytes(build(index, to, alias_of_seller)))
        for name, build, count in BUILDERS
        for index in range(count)
    ]
    return cases + raw_shapes(to)
