"""Events: each state change puts one schema-valid, address-free event on the bus."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes

from parley.adapters.store import ClockModel, MessageModel
from parley.core.time import parse_iso
from parley.pipeline.feedback import record_feedback
from parley.responses.reminders import sweep
from tests.support.aws import BUYER_EMAIL, ORDER_ID, SELLER_EMAIL, Aws
from tests.support.events import bus_events, of_type
from tests.support.mail import mail, wire


def ask(aws: Aws, order, text: str = "Is it available in blue? Mail me at bob@example.net") -> str:  # type: ignore[no-untyped-def]
    aws.ingest(
        wire(mail(BUYER_EMAIL, order.seller_alias, f"Question {ORDER_ID}", text)),
        [order.seller_alias],
    )
    aws.drain()
    return str(MessageModel.by_order.query(ORDER_ID, scan_index_forward=False).next().message_id)


def test_a_delivered_buyer_message_is_received_by_the_seller_and_sent_by_the_buyer(
    aws: Aws, order
) -> None:  # type: ignore[no-untyped-def]
    message_id = ask(aws, order)
    events = bus_events()

    received = of_type(events, "message.received")
    assert len(received) == 1
    event = received[0]
    assert event["party"] == {"kind": "seller", "id": "S1"}
    data = event["data"]
    assert data["message_id"] == message_id
    assert data["conversation_id"] == ORDER_ID
    assert data["direction"] == "buyer_to_seller"
    assert data["status"] == "delivered"
    assert data["api_path"] == f"/messages/{message_id}"
    # the text as delivered: the buyer's address was replaced (by the alias), then masked
    assert data["excerpt"] == "Is it available in blue? Mail me at [address]"
    sent = of_type(events, "message.sent")
    assert [e["party"] for e in sent] == [{"kind": "buyer", "id": "B1"}]
    assert sent[0]["id"] != event["id"]
    # the clock started silently; no other event
    assert {e["type"] for e in events} == {"message.received", "message.sent"}


def test_a_blocked_seller_message_names_its_rules_to_the_seller_only(aws: Aws, order) -> None:  # type: ignore[no-untyped-def]
    aws.ingest(
        wire(
            mail(
                SELLER_EMAIL,
                order.buyer_alias,
                "News",
                "Visit https://my-own-shop.example for coupons, code SAVE10! seller@example.org",
            )
        ),
        [order.buyer_alias],
    )
    aws.drain()
    events = bus_events()
    assert [e["type"] for e in events] == ["message.blocked"]
    data = events[0]["data"]
    assert events[0]["party"] == {"kind": "seller", "id": "S1"}
    assert data["status"] == "blocked" and data["verdict"] == "block"
    assert "external-link" in data["rules"] and data["violations"]
    assert all("@" not in v["evidence"] for v in data["violations"])


def test_a_sanitized_buyer_message_tells_its_sender_and_the_seller_gets_it(aws: Aws, order) -> None:  # type: ignore[no-untyped-def]
    message = mail(BUYER_EMAIL, order.seller_alias, "Photo", "See the program")
    message.add_attachment(b"MZ\x90\x00program", "application", "octet-stream", filename="a.exe")
    aws.ingest(wire(message), [order.seller_alias])
    aws.drain()
    events = bus_events()
    sanitized = of_type(events, "message.sanitized")
    assert [e["party"]["kind"] for e in sanitized] == ["buyer"]
    assert sanitized[0]["data"]["rules"] == ["unsafe-attachment"]
    received = of_type(events, "message.received")[0]["data"]
    assert received["status"] == "delivered_sanitized"
    assert received["attachments"] == []  # the seller never got the program


def test_the_response_clock_events(aws: Aws, order) -> None:  # type: ignore[no-untyped-def]
    ask(aws, order)
    bus_events()
    clock = ClockModel.get(f"{ORDER_ID}#" + ask_id(), consistent_read=True)
    received = parse_iso(clock.received_at)
    due = parse_iso(clock.deadline_at)

    sweep(aws.services, received + (due - received) * 0.6)
    reminders = bus_events()
    assert [(e["type"], e["data"]["stage"]) for e in reminders] == [("response.reminder", "first")]
    assert reminders[0]["party"] == {"kind": "seller", "id": "S1"}
    sweep(aws.services, due + timedelta(minutes=1))
    assert [e["type"] for e in bus_events()] == ["response.overdue"]

    copies = [message_from_bytes(m.raw_data.encode()) for m in aws.sent()]
    question = [c for c in copies if c["To"] == SELLER_EMAIL and "Question" in c["Subject"]]
    in_reply_to = question[-1]["Message-ID"]
    aws.ingest(
        wire(
            mail(
                SELLER_EMAIL,
                order.buyer_alias,
                "Re: Q",
                "Yes, it is blue.",
                In_Reply_To=in_reply_to,
            )
        ),
        [order.buyer_alias],
    )
    aws.drain()
    events = bus_events()
    stopped = of_type(events, "response.stopped")
    assert len(stopped) == 1
    assert stopped[0]["data"]["outcome"] == "answered"
    assert stopped[0]["data"]["late"] is False  # answered now, before the real deadline
    assert {e["type"] for e in events} == {"response.stopped", "message.sent", "message.received"}


def ask_id() -> str:
    return str(
        next(iter(MessageModel.by_order.query(ORDER_ID, scan_index_forward=False))).message_id
    )


def test_rate_limited_registered_sender_gets_message_rejected(aws: Aws, order, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tests.support.aws import clear_caches

    monkeypatch.setenv("PARLEY_ALIAS_HOURLY_LIMIT", "1")
    clear_caches()
    ask(aws, order, "first")
    ask(aws, order, "second")
    rejected = of_type(bus_events(), "message.rejected")
    assert [(e["party"]["kind"], e["data"]["reason"]) for e in rejected] == [
        ("buyer", "rate-limited")
    ]
    # a stranger's rejected mail is nobody's event
    aws.ingest(wire(mail("mallory@example.com", order.seller_alias, "hi")), [order.seller_alias])
    assert bus_events() == []


def test_a_hard_bounce_is_told_to_the_sender(aws: Aws, order) -> None:  # type: ignore[no-untyped-def]
    message_id = ask(aws, order)
    bus_events()
    detail = {
        "eventType": "Bounce",
        "mail": {"tags": {"parley_kind": ["relay"], "parley_message_id": [message_id]}},
        "bounce": {"bounceType": "Permanent"},
    }
    record_feedback(aws.services, detail)
    record_feedback(aws.services, detail)  # SES events come at least once
    bounced = of_type(bus_events(), "message.bounced")
    assert [(e["party"]["kind"], e["data"]["reason"]) for e in bounced] == [
        ("buyer", "hard_bounce")
    ]
