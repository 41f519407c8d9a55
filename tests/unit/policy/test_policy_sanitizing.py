"""Critical messages are never blocked: what would block elsewhere is removed, and said so."""

from __future__ import annotations

from email.message import EmailMessage

from parley.policy import Action, PolicyContext, Verdict, evaluate

ORDER = "123-1234567-1234567"
# Critical through the message center's typed API: this file is about what sanitizing does,
# not about when a message is critical (tests/unit/policy/test_categories.py).
CONTEXT = PolicyContext(
    "seller_to_buyer",
    pair_order_ids=frozenset({ORDER}),
    relay_domain="marketplace.example",
    declared_critical=True,
)


def body_of(message: EmailMessage, kind: str) -> str:
    part = message.get_body((kind,))
    assert part is not None, kind
    return str(part.get_content())


def critical(text: str, html: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = f"[Important] delivery for {ORDER}"
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message


def test_contact_details_are_redacted_and_the_message_delivered() -> None:
    message = critical(
        "The carrier needs to reach you: call me on +49 151 23456789 or "
        "mail shop@shop-s1.example. Which day suits you?"
    )
    decision = evaluate(message, CONTEXT)
    assert decision.verdict is Verdict.DELIVER_SANITIZED
    assert [(v.rule, v.action) for v in decision.violations] == [("contact-info", Action.REDACT)]
    text = message.get_content()
    assert "23456789" not in text and "shop@shop-s1.example" not in text
    assert "[removed]" in text and "Which day suits you?" in text


def test_external_links_are_defanged_in_text_and_unlinked_in_html() -> None:
    message = critical(
        "Assembly: https://shop-s1.example/aufbau",
        '<p>Assembly: <a href="https://shop-s1.example/aufbau">video</a></p>',
    )
    decision = evaluate(message, CONTEXT)
    assert decision.verdict is Verdict.DELIVER_SANITIZED
    body = body_of(message, "plain")
    html = body_of(message, "html")
    assert "https://shop-s1.example" not in body and "shop-s1[.]example" in body
    assert "href" not in html and "video" in html


def test_a_linked_logo_is_unwrapped_and_the_image_kept() -> None:
    message = critical(
        "See below.",
        '<p>See below.</p><a href="https://shop-s1.example"><img src="cid:logo" width="100"></a>',
    )
    decision = evaluate(message, CONTEXT)
    assert ("logo-link", Action.UNWRAP) in [(v.rule, v.action) for v in decision.violations]
    html = body_of(message, "html")
    assert "<img" in html and "shop-s1.example" not in html


def test_a_disallowed_attachment_is_stripped_from_a_critical_message() -> None:
    message = critical("Attached the notes.")
    message.add_attachment(
        b"PK\x03\x04rest", maintype="application", subtype="octet-stream", filename="notes.xlsx"
    )
    decision = evaluate(message, CONTEXT)
    assert decision.verdict is Verdict.DELIVER_SANITIZED
    assert list(message.iter_attachments()) == []


def test_the_same_message_as_a_reply_is_blocked() -> None:
    message = critical("Call me on +49 151 23456789.")
    del message["Subject"]
    message["Subject"] = "Re: delivery"
    reply = PolicyContext("seller_to_buyer", is_reply=True, pair_order_ids=frozenset({ORDER}))
    assert evaluate(message, reply).verdict is Verdict.BLOCK


def test_buyer_messages_get_only_the_safety_rules() -> None:
    message = EmailMessage()
    message["Subject"] = "Question"
    message.set_content("Call me on +49 151 23456789, or see www.my-blog.example, 50% off!")
    decision = evaluate(message, PolicyContext("buyer_to_seller"))
    assert decision.verdict is Verdict.DELIVER and decision.violations == ()
