"""Hostile senders: floods through one alias, spoofed and foreign senders, alias guessing, loops.
None gets through, and nobody is mailed in a loop."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default
from typing import Any

import pytest

from parley.adapters.store import MessageModel
from parley.core.settings import get_settings
from parley.directory.registration import OrderRegistration, PartyInfo, register_order
from parley.pipeline.common import message_id_for
from tests.support.aws import BUYER_EMAIL, ORDER_ID, SELLER_EMAIL, Aws
from tests.support.mail import mail, wire


def record(ses_id: str, alias: str) -> MessageModel:
    return MessageModel.get(message_id_for(ses_id, alias), consistent_read=True)


def outbox(aws: Aws) -> list[Any]:
    return [message_from_bytes(m.raw_data.encode(), policy=default) for m in aws.sent()]


@pytest.fixture
def limited(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> Aws:
    from parley.app import default_services

    monkeypatch.setenv("PARLEY_ALIAS_HOURLY_LIMIT", "3")
    get_settings.cache_clear()
    default_services.cache_clear()
    return aws


def test_a_sender_flooding_one_alias_is_limited_and_told_once(limited: Aws, order: Any) -> None:
    # Given a limit of 3 messages per sender and alias per hour
    # When the buyer sends 6 messages to the seller's alias
    statuses = []
    for n in range(6):
        question = mail(BUYER_EMAIL, order.seller_alias, f"Question {n} {ORDER_ID}", f"Text {n}")
        ses_id, _ = limited.ingest(wire(question), [order.seller_alias], mail_from=BUYER_EMAIL)
        limited.drain()
        stored = record(ses_id, order.seller_alias)
        statuses.append((stored.status, stored.reason))
    # Then 3 are delivered, 3 rejected as rate-limited
    assert statuses == [("delivered", None)] * 3 + [("rejected", "rate-limited")] * 3
    # And the buyer got exactly one notice about it, the seller only the 3 messages
    sent = outbox(limited)
    assert [m["To"] for m in sent].count(SELLER_EMAIL) == 3
    notices = [m for m in sent if m["To"] == BUYER_EMAIL]
    assert len(notices) == 1 and "Nicht zugestellt" in str(notices[0]["Subject"])
    # And the seller's answers through the other alias are not affected
    answer = mail(SELLER_EMAIL, order.buyer_alias, f"Re: Question {ORDER_ID}", "Yes")
    ses_id, _ = limited.ingest(wire(answer), [order.buyer_alias], mail_from=SELLER_EMAIL)
    limited.drain()
    assert record(ses_id, order.buyer_alias).status == "delivered"


def test_a_spoofed_from_with_dmarc_fail_gets_nowhere_and_no_notice(aws: Aws, order: Any) -> None:
    forged = mail(BUYER_EMAIL, order.seller_alias, f"Order {ORDER_ID}", "Pay here: ...")
    ses_id, _ = aws.ingest(
        wire(forged),
        [order.seller_alias],
        verdicts={"spam": "PASS", "virus": "PASS", "spf": "FAIL", "dkim": "FAIL", "dmarc": "FAIL"},
        dmarc_policy="reject",
    )
    aws.drain()
    stored = record(ses_id, order.seller_alias)
    assert (stored.status, stored.reason, stored.notice_sent) == (
        "rejected",
        "spoofed-sender",
        False,
    )
    assert aws.sent() == []


def test_another_pairs_registered_address_cannot_use_this_alias(aws: Aws, order: Any) -> None:
    # Given a second buyer of the same seller, with their own aliases
    register_order(
        aws.services.store,
        OrderRegistration(
            "555-5555555-5555555",
            PartyInfo("S1", "Shop", SELLER_EMAIL, "en-US"),
            PartyInfo("B2", "Eve", "eve@example.com", "en-US"),
        ),
    )
    # When Eve writes to Bob's conversation alias of the seller (seller_alias of pair S1|B1)
    intrusion = mail("eve@example.com", order.seller_alias, "Hi", "Let me in")
    ses_id, _ = aws.ingest(wire(intrusion), [order.seller_alias], mail_from="eve@example.com")
    aws.drain()
    # Then nothing is relayed; Eve learns only that her address is not registered there
    stored = record(ses_id, order.seller_alias)
    assert (stored.status, stored.reason) == ("rejected", "unauthorized-sender")
    assert [m["To"] for m in outbox(aws)] == ["eve@example.com"]


def test_guessed_aliases_reach_nobody(aws: Aws, order: Any) -> None:
    guesses = [
        order.seller_alias.replace(
            order.seller_alias[0], "z" if order.seller_alias[0] != "z" else "y", 1
        ),
        "postmaster@marketplace.example",
        "admin@marketplace.example",
        order.seller_alias.upper().replace("@MARKETPLACE.EXAMPLE", "@marketplace.example") + "x",
    ]
    for guess in guesses:
        probe = mail("stranger@example.com", guess, "Hello", "Anyone?")
        ses_id, _ = aws.ingest(wire(probe), [guess], mail_from="stranger@example.com")
        assert record(ses_id, guess).reason == "unknown-alias"
    aws.drain()
    # Nobody is answered: a notice to whoever probes aliases would reflect mail onto any
    # address they put in From (issue #12)
    assert outbox(aws) == []


def test_no_mail_loop_forms(aws: Aws, order: Any) -> None:
    # An alias writing to an alias: rejected without a notice
    looped = mail(order.buyer_alias, order.seller_alias, "loop", "loop")
    aws.ingest(wire(looped), [order.seller_alias], mail_from=order.buyer_alias)
    # An auto-reply answering one of our notices: never answered
    auto = mail(
        BUYER_EMAIL,
        order.seller_alias,
        "Automatic reply: Not delivered",
        "I am away.",
        Auto_Submitted="auto-replied",
    )
    aws.ingest(wire(auto), [order.seller_alias], mail_from=BUYER_EMAIL)
    # A bounce of a bounce (a delivery status notification from a mailer daemon)
    bounce = mail(
        "mailer-daemon@example.net",
        order.seller_alias,
        "Undelivered Mail Returned to Sender",
        "Your message could not be delivered.",
    )
    aws.ingest(wire(bounce), [order.seller_alias], mail_from="")
    aws.drain()
    # Then the only mail that left is the buyer's auto-reply relayed once to the seller
    # (delivered, never answered); no notice went to any machine or to ourselves
    sent = outbox(aws)
    assert [m["To"] for m in sent] == [SELLER_EMAIL]
    assert sent[0]["Auto-Submitted"] == "auto-replied"
    # And a notice itself, fed back in, is machine mail that ends without any new mail
    notice_like = mail(
        "no-reply@marketplace.example",
        order.seller_alias,
        "Not delivered: x",
        "notice",
        Auto_Submitted="auto-replied",
    )
    aws.ingest(wire(notice_like), [order.seller_alias])
    aws.drain()
    assert len(aws.sent()) == 1
