"""The red-team suite: attack messages a hostile seller (or buyer) would send, each with the
verdict and the rule the policy must answer with. Classes: obfuscated contact details,
hidden content, links browsers follow differently, contact-channel links, smuggling through
attachments and file names, lying file types, active documents, claimed categories, stalls."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from email.message import EmailMessage

import pikepdf
import pytest

from parley.mail.parsing import parse_message
from parley.policy import Category, PolicyContext, Verdict, evaluate
from tests.policy.test_linear_time import ADVERSARIAL

ORDER = "123-1234567-1234567"
PHONE = "0151 23456789"
SELLER = PolicyContext(
    "seller_to_buyer", pair_order_ids=frozenset({ORDER}), relay_domain="marketplace.example"
)
BUYER = PolicyContext("buyer_to_seller", relay_domain="marketplace.example")
REPLY = PolicyContext(
    "seller_to_buyer",
    is_reply=True,
    pair_order_ids=frozenset({ORDER}),
    relay_domain="marketplace.example",
)

Attachment = tuple[bytes, str, str, str]  # data, maintype, subtype, file name


@dataclass(frozen=True)
class Attack:
    id: str
    text: str
    verdict: Verdict
    rule: str
    html: str | None = None
    subject: str = f"Your order {ORDER}"
    attachments: tuple[Attachment, ...] = ()
    context: PolicyContext = SELLER
    category: Category | None = None
    raw: bytes | None = field(default=None, repr=False)

    def message(self) -> EmailMessage:
        if self.raw is not None:
            return parse_message(self.raw, len(self.raw) + 1)
        message = EmailMessage()
        message["From"] = "seller@example.org"
        message["Subject"] = self.subject
        message.set_content(self.text)
        if self.html is not None:
            message.add_alternative(self.html, subtype="html")
        for data, maintype, subtype, name in self.attachments:
            message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
        return message


BLOCK, SANITIZED = Verdict.BLOCK, Verdict.DELIVER_SANITIZED
OPEN = f"About order {ORDER}: "


def _pdf(build: Callable[[pikepdf.Pdf], None]) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    build(pdf)
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


def _js(pdf: pikepdf.Pdf) -> None:
    pdf.Root.OpenAction = pikepdf.Dictionary(
        S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)")
    )


def _launch(pdf: pikepdf.Pdf) -> None:
    pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("cmd.exe"))


def _link(pdf: pikepdf.Pdf) -> None:
    action = pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://shop.example/deal"))
    annot = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[0, 0, 9, 9], A=action
    )
    pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(annot)]))


# -- contact details, obfuscated ------------------------------------------------------------
EMAILS = {
    "zero-width-email": "write to shop\u200b@shop\u200b.example",
    "soft-hyphen-email": "write to sh\u00adop@shop.example",
    "entity-email": "write to shop&#64;shop.example",
    "named-entity-email": "write to shop&commat;shop.example",
    "fullwidth-email": "write to ｓｈｏｐ＠ｓｈｏｐ．ｅｘａｍｐｌｅ",
    "at-dot-email": "write to shop at shop dot com",
    "bracket-email": "write to shop (at) shop (dot) de",
    "square-email": "write to shop [at] shop [dot] de",
    "german-email": "schreiben Sie an shop ät shop punkt de",
    "spaced-at-email": "write to shop @ shop . com",
    "multi-label-email": "write to shop at mail dot shop dot de",
    # red team H6 follow-ups: any real top-level domain, dashes and other marks around the
    # words, letters spaced out (two variations of each)
    "at-dot-any-tld": "write to shop at myshop dot xyz",
    "bracket-any-tld": "write to shop (at) myshop (dot) berlin",
    "german-any-tld": "schreiben Sie an info ät meinladen punkt bayern",
    "spaced-at-any-tld": "write to shop @ myshop.berlin",
    "dashed-email": "write to shop  -at-  gmail  -dot-  com",
    "underscored-email": "write to shop_at_gmail_dot_com",
    "starred-german-email": "schreiben Sie an shop *ät* web *punkt* de",
    "spaced-letters-email": "write to s h o p @ g m a i l . c o m",
    "spaced-letters-words-email": "write to S H O P  A T  G M A I L  D O T  C O M",
    "spaced-letters-brackets-email": "write to s h o p (at) g m x (dot) d e",
}
PHONES = {
    "plain-phone": f"call {PHONE}",
    "intl-phone": "call +49 151 23456789",
    "zero-width-phone": "call 0151\u200b2345\u200b6789",
    "fullwidth-phone": "call ０１５１ ２３４５６７８９",
    "words-phone": "call zero one five one two three four five six seven eight nine",
    "mixed-phone": "call zero one five one 2345 six seven eight nine",
    "german-words-phone": "rufen Sie an: null eins fünf eins zwei drei vier fünf sechs sieben",
    "spaced-digits-phone": "call 0 1 5 1 2 3 4 5 6 7 8 9",
    "dotted-phone": "call 0151.2345.6789",
    "slashed-phone": "call 0151/23456789",
    "paren-phone": "call (0151) 234 567 89",
    "us-phone": "call (212) 555-0142 or +1 212 555 0142",
    "uk-phone": "call +44 20 7946 0958",
    # red team H6 follow-ups: digit groups split by line breaks or an x
    "newline-phone": "Call\n0176\n1234\n5678",
    "newline-intl-phone": "Call\n+49\n176\n12345678",
    "blank-lines-phone": "Call\n\n0176\n\n1234\n\n5678",
    "x-phone": "Call 0176x12345678",
    "spaced-x-phone": "Call +49 x 176 x 12345678",
    "times-sign-phone": "Call 0176\u00d71234\u00d75678",
}
MESSENGERS = {
    "whatsapp": "message me on WhatsApp",
    "cyrillic-whatsapp": "message me on Whаtsapp",
    "cyrillic-telegram": "find me on Теlegram",
    "greek-omicron-facebook": "we are on Facebοok",
    "spaced-whatsapp": "message me on W h a t s A p p",
    "dotted-whatsapp": "message me on w.h.a.t.s.a.p.p",
    "split-whatsapp": "message me on whats app",
    "fullwidth-telegram": "find me on Ｔｅｌｅｇｒａｍ",
    "zero-width-signal": "use Sig\u200bnal messenger",
    "instagram": "follow us on insta",
    # red team H6 follow-ups: social handles
    "ig-handle": "Follow us on IG @myshop_official",
    "bare-handle": "Follow us @myshop_official for care tips",
    "ig-colon-handle": "IG: myshop_official",
    "ig-space-handle": "IG myshop_official",
    "german-ig-handle": "Folgt uns auf IG: meinladen.de_official",
    "follow-on-ig": "find us on IG, we post care tips there",
    "ask-number": "please send me your phone number",
    "ask-email-de": "Bitte senden Sie mir Ihre E-Mail-Adresse",
}

ATTACKS: list[Attack] = []
for name, body in {**EMAILS, **PHONES, **MESSENGERS}.items():
    ATTACKS.append(Attack(name, OPEN + body, BLOCK, "contact-info"))
    ATTACKS.append(Attack(f"{name}-in-reply", body, BLOCK, "contact-info", context=REPLY))

# -- hidden places ------------------------------------------------------------------------------
_P = f"<p>{OPEN}see below</p>"
HIDDEN = {
    "title-attribute": f'<p title="call {PHONE}">{OPEN}see below</p>',
    "alt-attribute": f'{_P}<img src="cid:x" alt="mail shop@shop.example">',
    "value-attribute": f'{_P}<input value="shop@shop.example">',
    "placeholder-attribute": f'{_P}<input placeholder="WhatsApp {PHONE}">',
    "aria-label": f'{_P}<span aria-label="call {PHONE}"></span>',
    "meta-content": f'<meta name="x" content="shop@shop.example">{_P}',
    "css-content": f'<style>p::after{{content:"call {PHONE}"}}</style>{_P}',
    "inline-css-content": f"{_P}<span style=\"content:'shop@shop.example'\"></span>",
    "display-none": f'{_P}<div style="display:none">mail shop@shop.example</div>',
    "zero-size": f'{_P}<div style="font-size:0">call {PHONE}</div>',
    "white-on-white": f'{_P}<div style="color:#fff;background:#fff">WhatsApp {PHONE}</div>',
    "html-comment-free": f"{_P}<noscript>mail shop@shop.example</noscript>",
    "collapsed-details": f"{_P}<details><summary>more</summary>call {PHONE}</details>",
}
for name, html in HIDDEN.items():
    ATTACKS.append(Attack(name, OPEN + "see below", BLOCK, "contact-info", html=html))

# -- links as browsers read them ----------------------------------------------------------
LINKS = {
    "userinfo-backslash": f"{OPEN}see https://www.shop.example\\@marketplace.example/",
    "userinfo-at": f"{OPEN}see https://marketplace.example@shop.example/",
    "scheme-relative-text": f"{OPEN}see //shop.example/offer",
    "backslashes-text": f"{OPEN}see https:\\\\shop.example\\offer",
    "bare-domain": f"{OPEN}see shop.example.de/offer",
    "idn-lookalike": f"{OPEN}see https://marketplаce.example/offer",
    "subdomain-trick": f"{OPEN}see https://marketplace.example.shop.example/",
    "uppercase-scheme": f"{OPEN}see HTTPS://SHOP.EXAMPLE/",
    "ip-host": f"{OPEN}see http://203.0.113.7/offer",
    "hex-ip": f"{OPEN}see http://0xcb.0.113.7/offer",
    "shortener": f"{OPEN}see bit.ly/3xYz",
    # red team H6 follow-ups: a host with its dots spelled out or spaced out
    "spelled-dot-host": f"{OPEN}care guide: myshop dot com",
    "bracket-dot-host": f"{OPEN}care guide: myshop (dot) com/care",
    "german-dot-host": f"{OPEN}Pflegehinweise: meinladen punkt de/pflege",
    "defanged-host": f"{OPEN}care guide: myshop[.]com/care",
    "www-dot-host": f"{OPEN}care guide: www dot myshop dot com",
    "spaced-letters-host": f"{OPEN}care guide: m y s h o p . c o m / c a r e",
}
for name, body in LINKS.items():
    ATTACKS.append(Attack(name, body, BLOCK, "external-link"))
HTML_LINKS = {
    "form-action": '<form action="https://shop.example/x"><button>go</button></form>',
    "button-formaction": '<form><button formaction="https://shop.example/x">go</button></form>',
    "area-href": '<map><area href="https://shop.example/"></map>',
    "svg-xlink": '<svg><a xlink:href="https://shop.example/"><text>x</text></a></svg>',
    "meta-refresh": '<meta http-equiv="refresh" content="0;url=https://shop.example/">',
    "scheme-relative-href": '<a href="//shop.example/x">x</a>',
    "backslash-href": '<a href="https:\\\\shop.example\\x">x</a>',
    "javascript-href": "<a href=\"javascript:location='https://shop.example'\">x</a>",
    "data-href": '<a href="data:text/html,<script>1</script>">x</a>',
    "iframe-src": '<iframe src="https://shop.example/"></iframe>',
    "object-data": '<object data="https://shop.example/x.swf"></object>',
    "video-poster": '<video poster="https://shop.example/p.jpg"></video>',
    "css-url": '<div style="background:url(https://shop.example/bg.png)">x</div>',
    "srcset": '<img src="cid:a" srcset="https://shop.example/a.png 2x">',
    "entity-href": '<a href="https&#58;//shop.example/">x</a>',
}
for name, html in HTML_LINKS.items():
    ATTACKS.append(
        Attack(name, OPEN + "hello", BLOCK, "external-link", html=f"<p>{OPEN}hello</p>{html}")
    )
CONTACT_LINKS = {
    "tel-link": '<a href="tel:+4915123456789">call</a>',
    "sms-link": '<a href="sms:+4915123456789">text</a>',
    "tg-link": '<a href="tg://resolve?domain=shop">chat</a>',
    "whatsapp-scheme": '<a href="whatsapp://send?phone=4915123456789">chat</a>',
    "wa-me-link": '<a href="https://wa.me/4915123456789">chat</a>',
    "t-me-link": '<a href="https://t.me/shopguy">chat</a>',
    "m-me-link": '<a href="https://m.me/shopguy">chat</a>',
    "mailto-link": '<a href="mailto:shop@shop.example">mail</a>',
    "viber-link": '<a href="viber://chat?number=49151">chat</a>',
    "instagram-profile": '<a href="https://www.instagram.com/shop/">us</a>',
}
for name, html in CONTACT_LINKS.items():
    ATTACKS.append(
        Attack(name, OPEN + "hello", BLOCK, "contact-info", html=f"<p>{OPEN}hello</p>{html}")
    )
ATTACKS += [
    Attack("wa-me-text", f"{OPEN}chat at wa.me/4915123456789", BLOCK, "contact-info"),
    Attack("t-me-text", f"{OPEN}chat at t.me/shopguy", BLOCK, "contact-info"),
    Attack("tel-text", f"{OPEN}tel:+4915123456789", BLOCK, "contact-info"),
]

# -- attachments and file names -------------------------------------------------------------
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n"
ATTACKS += [
    Attack(
        "text-attachment-contact",
        OPEN + "the invoice is attached",
        BLOCK,
        "contact-info",
        attachments=((f"call me {PHONE}".encode(), "text", "plain", "invoice.txt"),),
    ),
    Attack(
        "csv-attachment-coupon",
        OPEN + "the invoice is attached",
        BLOCK,
        "promotion",
        attachments=((b"item,price\ncoupon SAVE10,0\n", "text", "csv", "invoice.csv"),),
    ),
    Attack(
        "vcf-attachment",
        OPEN + "the invoice is attached",
        BLOCK,
        "contact-info",
        attachments=(
            (b"BEGIN:VCARD\nTEL:+4915123456789\nEND:VCARD\n", "text", "vcard", "card.vcf"),
        ),
    ),
    Attack(
        "file-name-phone",
        OPEN + "the invoice is attached",
        BLOCK,
        "contact-info",
        attachments=((PDF, "application", "pdf", f"invoice call {PHONE}.pdf"),),
    ),
    Attack(
        "file-name-email",
        OPEN + "the invoice is attached",
        BLOCK,
        "contact-info",
        attachments=((PDF, "application", "pdf", "invoice shop@shop.example.pdf"),),
    ),
    Attack(
        "html-attachment-link",
        OPEN + "the manual is attached",
        BLOCK,
        "external-link",
        attachments=(
            (b"<html><a href='https://shop.example'>x</a></html>", "text", "html", "manual.html"),
        ),
    ),
    Attack(
        "svg-attachment-link",
        OPEN + "the manual is attached",
        BLOCK,
        "external-link",
        attachments=(
            (
                b"<svg xmlns='http://www.w3.org/2000/svg'><a href='https://shop.example'>x</a></svg>",
                "image",
                "svg+xml",
                "manual.svg",
            ),
        ),
    ),
    Attack(
        "pdf-link",
        OPEN + "the invoice is attached",
        BLOCK,
        "external-link",
        attachments=((_pdf(_link), "application", "pdf", "invoice.pdf"),),
    ),
]
RTF_OBJECT = b"{\\rtf1{\\object\\objemb{\\objdata 01}}}"
ONENOTE = b"\xe4\x52\x5c\x7b\x8c\xd8\xa7\x4d" + b"\x00" * 60
UNSAFE: dict[str, Attachment] = {
    "pdf-javascript": (_pdf(_js), "application", "pdf", "invoice.pdf"),
    "pdf-launch": (_pdf(_launch), "application", "pdf", "invoice.pdf"),
    "html-declared-pdf": (b"<html><body>hi</body></html>", "application", "pdf", "invoice.pdf"),
    "pdf-declared-html": (b"%PDF-1.4 junk", "text", "html", "invoice.html"),
    "exe-as-pdf": (b"MZ\x90\x00" + b"\x00" * 60, "application", "pdf", "invoice.pdf"),
    "exe-as-jpeg": (b"MZ\x90\x00" + b"\x00" * 60, "image", "jpeg", "proof.jpg"),
    "zip-as-docx": (b"PK\x03\x04" + b"\x00" * 60, "application", "octet-stream", "invoice.zip"),
    "rtf-object": (RTF_OBJECT, "application", "rtf", "invoice.rtf"),
    "onenote": (ONENOTE, "application", "onenote", "invoice.one"),
    "chm": (b"ITSF" + b"\x00" * 60, "application", "octet-stream", "manual.chm"),
    "ole-unreadable": (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "application", "msword", "invoice.doc"
    ),
    "double-extension": (b"MZ" + b"\x00" * 60, "application", "pdf", "invoice.pdf.exe"),
    "png-that-is-script": (b"#!/bin/sh\nrm -rf ~\n", "image", "png", "proof.png"),
}  # fmt: skip
for name, attachment in UNSAFE.items():
    ATTACKS.append(
        Attack(name, OPEN + "the invoice is attached", SANITIZED, "unsafe-attachment",
               attachments=(attachment,))
    )  # fmt: skip
ATTACKS += [
    Attack(
        "buyer-html-attachment",
        "see the page",
        SANITIZED,
        "unsafe-attachment",
        attachments=((b"<html><script>x</script></html>", "text", "html", "page.html"),),
        context=BUYER,
    ),
    Attack(
        "buyer-svg-attachment",
        "see the drawing",
        SANITIZED,
        "unsafe-attachment",
        attachments=((b"<svg><script>x</script></svg>", "image", "svg+xml", "drawing.svg"),),
        context=BUYER,
    ),
]
# Red team 4, R3: markup under a text label, a comment before the document element; a
# browser opening the file renders it as XHTML or SVG and fetches the sender's image.
XHTML = (
    b'<!-- notes --><html xmlns="http://www.w3.org/1999/xhtml"><body>'
    b'<img src="https://t.example/r3.png"/></body></html>'
)
SVG_IN_XML = b'<?xml version="1.0"?><!-- x --><svg xmlns="http://www.w3.org/2000/svg"/>'
MARKUP_UNDER_TEXT: dict[str, Attachment] = {
    "buyer-xht-as-text": (XHTML, "text", "plain", "notes.xht"),
    "buyer-xml-as-xml": (XHTML, "text", "xml", "notes.xml"),
    "buyer-xhtml-in-txt": (XHTML, "text", "plain", "notes.txt"),
    "buyer-xsl-as-text": (b"<xsl:stylesheet/>", "text", "plain", "style.xsl"),
    "buyer-mhtml-as-text": (b"MIME-Version: 1.0\r\n\r\nx", "text", "plain", "page.mhtml"),
    "buyer-svg-in-json": (SVG_IN_XML, "application", "json", "drawing.json"),
    "buyer-utf16-xhtml": (XHTML.decode().encode("utf-16"), "text", "plain", "notes.txt"),
}
for name, attachment in MARKUP_UNDER_TEXT.items():
    ATTACKS.append(
        Attack(name, "see the notes", SANITIZED, "unsafe-attachment",
               attachments=(attachment,), context=BUYER)
    )  # fmt: skip

# -- categories the seller cannot claim ---------------------------------------------------
ATTACKS += [
    Attack(
        "important-promotion",
        f"{OPEN}our autumn collection is here, use coupon AUTUMN10",
        BLOCK,
        "promotion",
        subject=f"[Important] order {ORDER}",
        category=Category.PROACTIVE,
    ),
    Attack(
        "important-review-bribe",
        f"{OPEN}leave a 5-star review and get a gift card",
        BLOCK,
        "review-manipulation",
        subject=f"[IMPORTANT] {ORDER}",
        category=Category.PROACTIVE,
    ),
    Attack(
        "important-thanks",
        f"{OPEN}thank you for your purchase!",
        BLOCK,
        "thank-you-only",
        subject=f"[Important] {ORDER}",
        category=Category.PROACTIVE,
    ),
    Attack(
        "important-contact",
        f"{OPEN}WhatsApp me at {PHONE}",
        BLOCK,
        "contact-info",
        subject=f"[Important] {ORDER}",
        category=Category.PROACTIVE,
    ),
    Attack(
        "important-real-address-problem",
        f"{OPEN}the house number is missing, WhatsApp me at {PHONE}",
        SANITIZED,
        "contact-info",
        subject=f"[Important] {ORDER}",
        category=Category.CRITICAL,
    ),
]

# -- broken structure: never a dead letter ------------------------------------------------
ATTACKS.append(
    Attack(
        "critical-multipart-without-boundary",
        "",
        SANITIZED,
        "contact-info",
        raw=(
            f"From: seller@example.org\r\nSubject: [Important] delivery appointment {ORDER}\r\n"
            "MIME-Version: 1.0\r\nContent-Type: multipart/alternative\r\n\r\n"
            f"When would you be home for the delivery? Call {PHONE}.\r\n"
        ).encode(),
        category=Category.CRITICAL,
    )
)


def test_the_suite_is_broad() -> None:
    assert len(ATTACKS) >= 100
    assert len({a.id for a in ATTACKS}) == len(ATTACKS)


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.id for a in ATTACKS])
def test_attack_is_answered(attack: Attack) -> None:
    message = attack.message()
    decision = evaluate(message, attack.context)
    assert decision.verdict is attack.verdict, decision
    assert attack.rule in decision.rule_ids, decision
    if attack.category is not None:
        assert decision.category is attack.category
    message.as_bytes()  # whatever was done to it, the message can be written


# -- stalls -------------------------------------------------------------------------------
STALLS = {
    "issue-obfuscated-email": "aa" + " " * 32 + "at" + " " * 32 + "bb" + " " * 32 + "dot",
    "space-runs": "a" + " " * 1990 + "b",
    "dots": "." * 2000,
    "digits-and-separators": "1 -" * 666,
    "at-runs": "a@" * 1000,
    "keyword-runs": "leave a review " * 130,
    "url-runs": "http://a." * 222,
}


@pytest.mark.parametrize("name", list(STALLS))
def test_a_hostile_typed_message_is_judged_fast(name: str) -> None:
    """2,000 characters (the message center's limit for typed messages) in well under a
    second, where the old policy took minutes."""
    message = EmailMessage()
    message["Subject"] = f"Order {ORDER}"
    message.set_content(STALLS[name])
    start = time.process_time()
    evaluate(message, SELLER)
    assert time.process_time() - start < 1.0


def _many_text_parts(parts: int, chars: int) -> EmailMessage:
    """Every part under the per-part bound, together far over what the rules can read."""
    message = EmailMessage()
    message["From"] = "seller@example.org"
    message["Subject"] = f"Your order {ORDER}"
    message.set_content(OPEN + "see the attached notes")
    for index in range(parts):
        message.add_attachment("12 " * (chars // 3), subtype="plain", filename=f"notes-{index}.txt")
    return message


def test_many_parts_of_bounded_text_cannot_stall_the_filter() -> None:
    # Given a seller message whose parts each stay under the per-part bound (red team H11:
    # phone numbers are looked for in every window of every part, so volume is time)
    message = _many_text_parts(parts=8, chars=200_000)

    # When the policy judges it
    decision = evaluate(message, SELLER)

    # Then it answers at once, as for a timeout: a seller's proactive message is blocked
    assert decision.verdict is Verdict.BLOCK
    assert [v.rule for v in decision.violations] == ["policy-timeout"]
    assert "characters of text" in decision.violations[0].evidence  # no rule ran over it


def test_a_critical_message_with_too_much_text_is_still_delivered_as_text() -> None:
    message = _many_text_parts(parts=8, chars=200_000)
    message.replace_header("Subject", f"[Important] Delivery appointment for order {ORDER}")
    decision = evaluate(message, SELLER)
    assert decision.verdict is Verdict.DELIVER_SANITIZED
    assert [v.rule for v in decision.violations] == ["policy-timeout"]


def test_one_rule_on_a_long_table_of_numbers_stops_at_the_time_budget() -> None:
    # Given a seller message of two parts under every text bound, each a table of distinct
    # seven-digit numbers: every group is a piece the phone number library parses, once per
    # region (about a second per 100,000 characters for the contact rule alone)
    message = _many_text_parts(parts=0, chars=0)
    for index in range(2):
        table = ADVERSARIAL["random-sevens"](240_000)
        message.add_attachment(table, subtype="plain", filename=f"table-{index}.txt")
    budget = 0.5

    # When the policy judges it with a short budget
    start = time.process_time()
    decision = evaluate(message, replace(SELLER, time_budget_seconds=budget))
    spent = time.process_time() - start

    # Then the rule stops when the budget is spent, not when it is done: policy-timeout
    assert [v.rule for v in decision.violations] == ["policy-timeout"]
    assert "contact-info" in decision.violations[0].evidence
    assert spent < budget + 1.0, spent


def test_an_ideographic_full_stop_is_a_dot_in_a_host_name() -> None:
    # Red team H6: browsers read "myshop。com" as myshop.com (UTS 46 label separators)
    for dot in ("\u3002", "\uff61", "\uff0e"):
        message = EmailMessage()
        message["From"] = "seller@example.org"
        message["Subject"] = f"Your order {ORDER}"
        message.set_content(f"{OPEN}care guide: myshop{dot}com/care")
        decision = evaluate(message, SELLER)
        assert decision.verdict is Verdict.BLOCK, dot
        assert "external-link" in decision.rule_ids, (dot, decision.rule_ids)
