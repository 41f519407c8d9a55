"""The relay path against emulated AWS: SES event in, SES send out, records in between."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default

import pytest

from parley.adapters.store import MessageModel
from parley.directory.registration import RegisteredOrder
from parley.ops.history import conversation
from parley.pipeline.common import message_id_for
from tests.support.aws import BUYER_EMAIL, DOMAIN, ORDER_ID, SELLER_EMAIL, Aws
from tests.support.files import small_pdf
from tests.support.mail import mail, wire


def parsed(sent):
    return message_from_bytes(sent.raw_data.encode(), policy=default)


def record(ses_id: str, alias: str) -> MessageModel:
    return MessageModel.get(message_id_for(ses_id, alias), consistent_read=True)


def test_buyer_question_reaches_seller_anonymized(aws: Aws, order: RegisteredOrder) -> None:
    # Given a buyer writing from the registered address, with identifying headers
    question = mail(
        BUYER_EMAIL,
        order.seller_alias,
        f"Question on {ORDER_ID}",
        "Can I get it in blue?",
        name="Bob Buyer",
        Received="from laptop.bob.example (203.0.113.7) by mx.example.net",
        X_Originating_IP="[203.0.113.7]",
        DKIM_Signature="v=1; d=example.net",
    )
    # When SES hands it to ingest and the queues are drained
    ses_id, _ = aws.ingest(wire(question), [order.seller_alias], mail_from=BUYER_EMAIL)
    aws.drain()
    # Then exactly one message reached the seller, from the buyer's alias, with nothing of Bob's
    sent = aws.sent()
    assert len(sent) == 1
    out = parsed(sent[0])
    assert out["To"] == SELLER_EMAIL
    assert out["From"].addresses[0].addr_spec == order.buyer_alias
    assert out["From"].addresses[0].display_name == "Bob Buyer"
    assert out["Reply-To"] == order.buyer_alias
    for header in ("Received", "X-Originating-IP", "DKIM-Signature", "Return-Path", "Sender"):
        assert header not in out
    assert BUYER_EMAIL not in sent[0].raw_data.lower()
    assert sent[0].raw_data.isascii()
    assert out.get_content().strip() == "Can I get it in blue?"
    stored = record(ses_id, order.seller_alias)
    assert (stored.status, stored.category, stored.direction) == (
        "delivered",
        "buyer",
        "buyer_to_seller",
    )
    assert stored.stage is None
    assert [e.status for e in conversation(aws.services.store, ORDER_ID)] == ["delivered"]


def test_seller_reply_threads_under_the_question_on_both_sides(
    aws: Aws, order: RegisteredOrder
) -> None:
    question = mail(BUYER_EMAIL, order.seller_alias, "Blue?", message_id="<q1@bob.example>")
    aws.ingest(wire(question), [order.seller_alias], mail_from=BUYER_EMAIL)
    aws.drain()
    at_seller = parsed(aws.sent()[0])
    # When the seller answers the copy they received
    reply = mail(
        SELLER_EMAIL,
        order.buyer_alias,
        "Re: Blue?",
        "Yes, blue is fine.",
        message_id="<r1@shop.example>",
        In_Reply_To=at_seller["Message-ID"],
        References=at_seller["Message-ID"],
    )
    ses_id, _ = aws.ingest(wire(reply), [order.buyer_alias], mail_from=SELLER_EMAIL)
    aws.drain()
    # Then the buyer sees it threaded under the id their own client gave the question
    at_buyer = parsed(aws.sent()[1])
    assert at_buyer["In-Reply-To"] == "<q1@bob.example>"
    assert at_buyer["References"] == "<q1@bob.example>"
    stored = record(ses_id, order.buyer_alias)
    assert stored.category == "reply"
    assert stored.answers_message_id == message_id_for(
        MessageModel.get(stored.answers_message_id).ses_message_id, order.seller_alias
    )
    # And the buyer's follow-up threads under the reply as the seller's client knows it
    follow = mail(
        BUYER_EMAIL,
        order.seller_alias,
        "Re: Re: Blue?",
        "Thanks!",
        In_Reply_To=at_buyer["Message-ID"],
        References="<q1@bob.example> " + at_buyer["Message-ID"],
    )
    aws.ingest(wire(follow), [order.seller_alias], mail_from=BUYER_EMAIL)
    aws.drain()
    at_seller_again = parsed(aws.sent()[2])
    assert at_seller_again["In-Reply-To"] == "<r1@shop.example>"
    assert at_seller_again["References"].split() == [at_seller["Message-ID"], "<r1@shop.example>"]


def test_proactive_message_without_order_id_is_blocked_with_a_notice(
    aws: Aws, order: RegisteredOrder
) -> None:
    promo = mail(SELLER_EMAIL, order.buyer_alias, "Our new collection", "Have a look!")
    ses_id, _ = aws.ingest(wire(promo), [order.buyer_alias], mail_from=SELLER_EMAIL)
    aws.drain()
    stored = record(ses_id, order.buyer_alias)
    assert (stored.status, stored.verdict, stored.category) == ("blocked", "block", "proactive")
    assert sorted(v.rule for v in stored.violations) == ["order-id-missing", "promotion"]
    sent = aws.sent()
    assert len(sent) == 1  # the notice, nothing to the buyer
    notice = parsed(sent[0])
    assert notice["To"] == SELLER_EMAIL
    assert notice["Auto-Submitted"] == "auto-replied"
    text = notice.get_content()
    assert "order-id-missing" in text and "123-1234567-1234567" in text
    assert BUYER_EMAIL not in sent[0].raw_data


def test_proactive_message_naming_the_pairs_order_is_delivered(
    aws: Aws, order: RegisteredOrder
) -> None:
    note = mail(
        SELLER_EMAIL,
        order.buyer_alias,
        "About your order",
        f"Your order {ORDER_ID} needs a delivery date, which day suits you?",
    )
    ses_id, _ = aws.ingest(wire(note), [order.buyer_alias], mail_from=SELLER_EMAIL)
    aws.drain()
    assert record(ses_id, order.buyer_alias).status == "delivered"
    assert parsed(aws.sent()[0])["To"] == BUYER_EMAIL


def test_an_order_id_of_another_pair_does_not_count(aws: Aws, order: RegisteredOrder) -> None:
    note = mail(SELLER_EMAIL, order.buyer_alias, "Order 999-9999999-9999999", "Shipped today.")
    ses_id, _ = aws.ingest(wire(note), [order.buyer_alias], mail_from=SELLER_EMAIL)
    aws.drain()
    assert record(ses_id, order.buyer_alias).status == "blocked"


def test_important_tag_makes_a_message_critical_and_never_blocked(
    aws: Aws, order: RegisteredOrder
) -> None:
    urgent = mail(
        SELLER_EMAIL,
        order.buyer_alias,
        "[Important] delivery address",
        "The street number of the delivery address is missing.",
    )
    ses_id, _ = aws.ingest(wire(urgent), [order.buyer_alias], mail_from=SELLER_EMAIL)
    aws.drain()
    stored = record(ses_id, order.buyer_alias)
    assert (stored.status, stored.category) == ("delivered", "critical")
    assert [(v.rule, v.action) for v in stored.violations] == [("order-id-missing", "flag")]


def test_a_sanitized_critical_message_is_counted_for_the_seller(
    aws: Aws, order: RegisteredOrder
) -> None:
    from parley.adapters.store import PartyModel

    urgent = mail(
        SELLER_EMAIL,
        order.buyer_alias,
        f"[Important] address for {ORDER_ID}",
        "The house number is missing; call me on +49 151 23456789.",
    )
    ses_id, _ = aws.ingest(wire(urgent), [order.buyer_alias])
    aws.drain()
    assert record(ses_id, order.buyer_alias).status == "delivered_sanitized"
    assert (
        "23456789"
        not in parsed(
            next(s for s in aws.sent() if BUYER_EMAIL in s.raw_data and "address for" in s.raw_data)
        ).get_content()
    )
    assert PartyModel.get("seller:S1").sanitized_critical == 1


def test_a_second_review_request_for_the_same_order_is_blocked(
    aws: Aws, order: RegisteredOrder
) -> None:
    first = mail(
        SELLER_EMAIL,
        order.buyer_alias,
        f"Order {ORDER_ID}",
        "We hope you like it. If you have a moment, please leave a review.",
    )
    ses_first, _ = aws.ingest(wire(first), [order.buyer_alias])
    aws.drain()
    second = mail(
        SELLER_EMAIL,
        order.buyer_alias,
        f"Again, order {ORDER_ID}",
        "Did you have time to leave a review yet?",
    )
    ses_second, _ = aws.ingest(wire(second), [order.buyer_alias])
    aws.drain()
    assert record(ses_first, order.buyer_alias).status == "delivered"
    stored = record(ses_second, order.buyer_alias)
    # (Bob reads German: an English message he did not ask for is also flagged)
    assert (stored.status, sorted(v.rule for v in stored.violations)) == (
        "blocked",
        ["language-mismatch", "review-request-limit"],
    )


@pytest.mark.parametrize(
    "verdicts, notified",
    [
        ({"spf": "PASS", "dkim": "PASS", "dmarc": "PASS", "virus": "PASS", "spam": "PASS"}, True),
        ({"spf": "GRAY", "dkim": "GRAY", "dmarc": "GRAY", "virus": "PASS", "spam": "PASS"}, False),
    ],
)
def test_unregistered_sender_is_rejected_and_told_only_when_authenticated(
    aws: Aws, order: RegisteredOrder, verdicts, notified
) -> None:
    stranger = mail("mallory@example.com", order.seller_alias, "Hi", "Hello there")
    ses_id, _ = aws.ingest(wire(stranger), [order.seller_alias], verdicts=verdicts)
    aws.drain()
    stored = record(ses_id, order.seller_alias)
    assert (stored.status, stored.reason, stored.notice_sent) == (
        "rejected",
        "unauthorized-sender",
        notified,
    )
    assert [parsed(s)["To"] for s in aws.sent()] == (["mallory@example.com"] if notified else [])


def test_the_other_pairs_registered_address_cannot_use_an_alias(
    aws: Aws, order: RegisteredOrder
) -> None:
    # The seller writing to the seller's own alias (meant for the buyer) is not the other party
    odd = mail(SELLER_EMAIL, order.seller_alias, "Hi", "Hello")
    ses_id, _ = aws.ingest(wire(odd), [order.seller_alias])
    assert record(ses_id, order.seller_alias).reason == "unauthorized-sender"


def test_unknown_alias_is_rejected(aws: Aws, order: RegisteredOrder) -> None:
    guess = f"aaaaaaaaaaaaaaa@{DOMAIN}"
    ses_id, _ = aws.ingest(wire(mail(BUYER_EMAIL, guess, "Hi")), [guess])
    stored = record(ses_id, guess)
    assert (stored.status, stored.reason) == ("rejected", "unknown-alias")


def test_virus_is_rejected(aws: Aws, order: RegisteredOrder) -> None:
    verdicts = {"spf": "PASS", "dkim": "PASS", "dmarc": "PASS", "virus": "FAIL", "spam": "PASS"}
    ses_id, _ = aws.ingest(
        wire(mail(BUYER_EMAIL, order.seller_alias, "x")), [order.seller_alias], verdicts=verdicts
    )
    assert record(ses_id, order.seller_alias).reason == "virus"


@pytest.mark.parametrize("policy", ["reject", "quarantine"])
def test_dmarc_failure_with_enforcing_policy_is_rejected_silently(
    aws: Aws, order: RegisteredOrder, policy
) -> None:
    verdicts = {"spf": "FAIL", "dkim": "FAIL", "dmarc": "FAIL", "virus": "PASS", "spam": "PASS"}
    ses_id, _ = aws.ingest(
        wire(mail(BUYER_EMAIL, order.seller_alias, "x")),
        [order.seller_alias],
        verdicts=verdicts,
        dmarc_policy=policy,
    )
    stored = record(ses_id, order.seller_alias)
    assert (stored.status, stored.reason, stored.notice_sent) == (
        "rejected",
        "spoofed-sender",
        False,
    )
    assert aws.sent() == []


def test_a_message_to_two_aliases_becomes_two_records(aws: Aws, order: RegisteredOrder) -> None:
    from parley.directory.registration import OrderRegistration, PartyInfo, register_order

    other = register_order(
        aws.services.store,
        OrderRegistration(
            "222-2222222-2222222",
            PartyInfo("S2", "Other Shop", "other@shop.example"),
            PartyInfo("B1", "Bob Buyer", BUYER_EMAIL, "de-DE"),
        ),
    )
    both = mail(BUYER_EMAIL, f"{order.seller_alias}, {other.seller_alias}", "Same question")
    ses_id, _ = aws.ingest(wire(both), [order.seller_alias, other.seller_alias])
    aws.drain()
    assert {record(ses_id, a).status for a in (order.seller_alias, other.seller_alias)} == {
        "delivered"
    }
    assert sorted(parsed(s)["To"] for s in aws.sent()) == ["other@shop.example", SELLER_EMAIL]


def test_the_same_ses_event_twice_delivers_once(aws: Aws, order: RegisteredOrder) -> None:
    from devstack.lambda_runtime import LocalContext
    from functions.ingest.handler import handler

    ses_id, event = aws.receive(
        wire(mail(BUYER_EMAIL, order.seller_alias, "Once")), [order.seller_alias]
    )
    handler(event, LocalContext("ingest"))
    handler(event, LocalContext("ingest"))
    aws.drain()
    assert len(aws.sent()) == 1
    assert record(ses_id, order.seller_alias).status == "delivered"


def test_the_same_queue_record_twice_delivers_once(aws: Aws, order: RegisteredOrder) -> None:
    ses_id, _ = aws.ingest(
        wire(mail(BUYER_EMAIL, order.seller_alias, "Once")), [order.seller_alias]
    )
    message_id = message_id_for(ses_id, order.seller_alias)
    aws.services.filter_queue.send_reference(message_id)  # a duplicate delivery by SQS
    aws.drain()
    aws.services.relay_queue.send_reference(message_id)  # and another, after delivery
    aws.drain()
    assert len(aws.sent()) == 1


def test_real_addresses_quoted_in_the_text_are_rewritten_to_the_aliases(
    aws: Aws, order: RegisteredOrder
) -> None:
    # Buyer messages get only the safety rules, so the relay's rewrite is what protects them
    note = mail(
        BUYER_EMAIL,
        order.seller_alias,
        "Contact",
        f"I am {BUYER_EMAIL.upper()}; I wrote to {SELLER_EMAIL} before.",
    )
    aws.ingest(wire(note), [order.seller_alias])
    aws.drain()
    raw = aws.sent()[0].raw_data
    assert BUYER_EMAIL not in raw.lower()
    body = parsed(aws.sent()[0]).get_content()
    assert f"I am {order.buyer_alias}; I wrote to {order.seller_alias} before." in body


def test_unsafe_attachment_and_tracking_pixel_are_stripped(
    aws: Aws, order: RegisteredOrder
) -> None:
    message = mail(BUYER_EMAIL, order.seller_alias, "Photo", "See attached.")
    message.add_alternative(
        '<p>See attached.</p><img src="https://t.example/p.gif" width="1" '
        'height="1"><img src="https://shop.example/logo.png">',
        subtype="html",
    )
    message.add_attachment(
        small_pdf(), maintype="application", subtype="pdf", filename="invoice.pdf"
    )
    message.add_attachment(
        b"MZ\x90\x00", maintype="application", subtype="octet-stream", filename="setup.exe"
    )
    ses_id, _ = aws.ingest(wire(message), [order.seller_alias])
    aws.drain()
    stored = record(ses_id, order.seller_alias)
    assert stored.status == "delivered_sanitized"
    assert sorted(v.rule for v in stored.violations) == ["tracking-pixel", "unsafe-attachment"]
    names = {a.name: a.removed_by for a in stored.attachments}
    assert names == {"invoice.pdf": None, "setup.exe": "unsafe-attachment"}
    out = next(m for m in map(parsed, aws.sent()) if m["To"] == SELLER_EMAIL)
    delivered = [p.get_filename() for p in out.iter_attachments()]
    assert delivered == ["invoice.pdf"]
    html = out.get_body(("html",)).get_content()
    # remoteImages: strip (the default) takes every remote image out, not only the pixel
    assert "t.example" not in html and "shop.example/logo.png" not in html
    # the sender hears what was removed
    notices = [parsed(s) for s in aws.sent() if parsed(s)["To"] == BUYER_EMAIL]
    assert len(notices) == 1 and "unsafe-attachment" in notices[0].get_content()


XHTML_NOTES = (
    '<!-- notes --><html xmlns="http://www.w3.org/1999/xhtml"><body>'
    '<img src="https://t.example/r3.png"/></body></html>'
)


def test_markup_attachments_under_a_text_label_never_reach_the_seller(
    aws: Aws, order: RegisteredOrder
) -> None:
    # Red team 4, R3: a browser opening notes.xht or notes.xml renders them as XHTML and
    # fetches the buyer's image directly (the seller's address and the time)
    message = mail(BUYER_EMAIL, order.seller_alias, "Notes", "See the notes attached.")
    message.add_attachment(XHTML_NOTES, subtype="plain", filename="notes.xht")
    message.add_attachment(XHTML_NOTES, subtype="xml", filename="notes.xml")
    message.add_attachment("Blue, size M.", subtype="plain", filename="sizes.txt")
    ses_id, _ = aws.ingest(wire(message), [order.seller_alias])
    aws.drain()
    stored = record(ses_id, order.seller_alias)
    assert stored.status == "delivered_sanitized"
    names = {a.name: a.removed_by for a in stored.attachments}
    assert names == {
        "notes.xht": "unsafe-attachment",
        "notes.xml": "unsafe-attachment",
        "sizes.txt": None,
    }
    out = next(m for m in map(parsed, aws.sent()) if m["To"] == SELLER_EMAIL)
    assert [p.get_filename() for p in out.iter_attachments()] == ["sizes.txt"]
    assert b"t.example" not in out.as_bytes()
