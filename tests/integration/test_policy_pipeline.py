"""The filter under hostile input: categories the seller cannot simply claim, and no message
lost to an error that would happen again on every retry."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes
from email.policy import default

from parley.adapters.store import MessageModel
from parley.core.time import iso, utcnow
from parley.pipeline.common import message_id_for
from tests.support.aws import BUYER_EMAIL, ORDER_ID, SELLER_EMAIL, Aws
from tests.support.mail import mail, wire


def record(ses_id: str, alias: str) -> MessageModel:
    return MessageModel.get(message_id_for(ses_id, alias), consistent_read=True)


def _no_boundary(to: str) -> bytes:
    """The known crash: multipart/alternative without a boundary parameter."""
    return (
        f"From: {SELLER_EMAIL}\r\nTo: {to}\r\n"
        f"Subject: [Important] delivery appointment for {ORDER_ID}\r\n"
        "Message-ID: <nb-1@client.example>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/alternative\r\n\r\n"
        "When would you be home for the delivery appointment? Call +49 151 23456789.\r\n"
    ).encode()


def test_a_critical_message_without_a_boundary_is_delivered_as_text(aws: Aws, order) -> None:  # type: ignore[no-untyped-def]
    ses_id, _ = aws.ingest(
        _no_boundary(order.buyer_alias), [order.buyer_alias], mail_from=SELLER_EMAIL
    )
    aws.drain()
    stored = record(ses_id, order.buyer_alias)
    assert stored.status == "delivered_sanitized"
    assert stored.category == "critical"
    sent = [s for s in aws.sent() if BUYER_EMAIL in str(s.destinations)]
    assert len(sent) == 1
    out = message_from_bytes(sent[0].raw_data.encode(), policy=default)
    assert out.get_content_type() == "text/plain"
    text = out.get_content()
    assert "delivery appointment" in text and "23456789" not in text


def test_important_on_a_promotion_is_not_critical_and_is_flagged(aws: Aws, order) -> None:  # type: ignore[no-untyped-def]
    advert = mail(
        SELLER_EMAIL,
        order.buyer_alias,
        f"[Important] news for {ORDER_ID}",
        "Our autumn collection is here: use coupon AUTUMN10 for 10% off.",
    )
    ses_id, _ = aws.ingest(wire(advert), [order.buyer_alias], mail_from=SELLER_EMAIL)
    aws.drain()
    stored = record(ses_id, order.buyer_alias)
    assert (stored.status, stored.category) == ("blocked", "proactive")
    rules = {(v.rule, v.action) for v in stored.violations}
    assert ("critical-claim", "flag") in rules and ("promotion", "block") in rules


def _buyer_question(aws: Aws, order) -> MessageModel:  # type: ignore[no-untyped-def]
    question = mail(
        BUYER_EMAIL, order.seller_alias, "Colour?", "Is it blue?", message_id="<q-1@bob.example>"
    )
    ses_id, _ = aws.ingest(wire(question), [order.seller_alias], mail_from=BUYER_EMAIL)
    aws.drain()
    return record(ses_id, order.seller_alias)


def _seller_answer(aws: Aws, order, seen_as: str) -> MessageModel:  # type: ignore[no-untyped-def]
    answer = mail(
        SELLER_EMAIL,
        order.buyer_alias,
        "Re: Colour?",
        "Yes, it is dark blue.",
        message_id="<a-1@shop.example>",
        In_Reply_To=seen_as,
        References=seen_as,
    )
    ses_id, _ = aws.ingest(wire(answer), [order.buyer_alias], mail_from=SELLER_EMAIL)
    aws.drain()
    return record(ses_id, order.buyer_alias)


def _id_the_seller_saw(aws: Aws) -> str:
    to_seller = [s for s in aws.sent() if SELLER_EMAIL in str(s.destinations)][-1]
    return str(message_from_bytes(to_seller.raw_data.encode(), policy=default)["Message-ID"])


def test_an_answer_to_a_recent_buyer_message_is_a_reply(aws: Aws, order) -> None:  # type: ignore[no-untyped-def]
    _buyer_question(aws, order)
    stored = _seller_answer(aws, order, _id_the_seller_saw(aws))
    assert (stored.status, stored.category) == ("delivered", "reply")


def test_an_answer_to_a_buyer_message_older_than_the_window_is_not_a_reply(aws: Aws, order) -> None:  # type: ignore[no-untyped-def]
    question = _buyer_question(aws, order)
    question.update([MessageModel.received_at.set(iso(utcnow() - timedelta(days=31)))])
    stored = _seller_answer(aws, order, _id_the_seller_saw(aws))
    assert stored.category == "proactive"
    assert stored.status == "blocked"  # a proactive message must name the order
