"""The three benchmark messages, generated deterministically."""

from __future__ import annotations

import random
from email.message import EmailMessage
from email.policy import SMTP

SELLER_ALIAS = "aaaaaaaaaaaaaaa@marketplace.example"
ORDER = "123-1234567-1234567"


def _base(subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Bob Buyer <bob@example.net>"
    message["To"] = SELLER_ALIAS
    message["Subject"] = subject
    message["Date"] = "Fri, 27 Nov 2026 09:00:00 +0100"
    message["Message-ID"] = "<bench-1@example.net>"
    message["Received"] = "from laptop (203.0.113.7) by mx.example.net; Fri, 27 Nov 2026 09:00:00"
    return message


def small_plain() -> bytes:
    """About 2 KB of plain text."""
    text = (
        f"Hello, about order {ORDER}: can you ship the blue one instead of the red one? "
        "It is a present and the colour matters a lot to my daughter. "
    ) * 14
    message = _base(f"Question about {ORDER}")
    message.set_content(text + "\nBob")
    return message.as_bytes(policy=SMTP)


def html_30k() -> bytes:
    """About 30 KB: a typical HTML mail with a text alternative, a table and styles."""
    rng = random.Random(7)
    rows = "".join(
        f"<tr><td style='padding:4px;border:1px solid #ccc'>Item {i}</td>"
        f"<td style='padding:4px'>{rng.randint(1, 99)},{rng.randint(0, 99):02d} EUR</td>"
        f"<td><a href='https://marketplace.example/help/item-{i}'>details</a></td></tr>"
        for i in range(120)
    )
    html = (
        f"<html><head><style>p {{font-family: Arial}} td {{color:#333}}</style></head><body>"
        f"<p>Hello, about order {ORDER}:</p><table>{rows}</table>"
        "<p>Kind regards,<br>Bob</p></body></html>"
    )
    message = _base(f"Items in {ORDER}")
    message.set_content(f"Hello, about order {ORDER}: see the table in the HTML part.")
    message.add_alternative(html, subtype="html")
    return message.as_bytes(policy=SMTP)


def large_pdf() -> bytes:
    """About 10 MB: a short text and a scanned invoice, a real PDF holding one 7.3 MB JPEG
    page image (base64 on the wire). Real, so that the relay cleans and delivers it, as it
    would a customer's scan (made-up PDF bytes are uncleanable and left out of the copy)."""
    message = _base(f"Invoice {ORDER}")
    message.set_content(f"Hello, the invoice for order {ORDER} is attached.")
    message.add_attachment(
        _scanned_pdf(7_300_000), maintype="application", subtype="pdf", filename="invoice.pdf"
    )
    return message.as_bytes(policy=SMTP)


def _scanned_pdf(image_bytes: int) -> bytes:
    import io

    import pikepdf

    rng = random.Random(11)
    # A JPEG's segment list around entropy-coded bytes (no 0xFF inside, as after stuffing).
    scan = rng.randbytes(image_bytes).replace(b"\xff", b"\xfe")
    jpeg = b"\xff\xd8\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00" + scan + b"\xff\xd9"
    pdf = pikepdf.new()
    pdf.add_blank_page()
    image = pikepdf.Stream(pdf, jpeg)
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height, image.BitsPerComponent = 2480, 3508, 8
    image.ColorSpace, image.Filter = pikepdf.Name.DeviceRGB, pikepdf.Name.DCTDecode
    page = pdf.pages[0]
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    page.Contents = pikepdf.Stream(pdf, b"q 595 0 0 842 0 0 cm /Im0 Do Q")
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()
