"""The seller's day: thanks need no answer (and the seller can take that back), what needs an
answer, away mode with one automatic reply per conversation."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes
from email.policy import default
from typing import Any

import pytest

from parley.adapters.store import ClockModel, MessageModel, OrderModel, PartyModel
from parley.center.errors import Forbidden, InvalidInput, NotAllowedNow
from parley.center.service import MessageCenter, Principal
from parley.core.time import iso, parse_iso, utcnow
from parley.directory.registration import OrderRegistration, PartyInfo, register_order
from parley.responses.stats import seller_stats
from tests.support.aws import BUYER_EMAIL, ORDER_ID, SELLER_EMAIL, Aws
from tests.support.events import bus_events, of_type
from tests.support.mail import mail, wire

SELLER = Principal("seller", "S1")


def write(aws: Aws, alias: str, subject: str, text: str, sender: str = BUYER_EMAIL) -> str:
    aws.ingest(wire(mail(sender, alias, subject, text)), [alias])
    aws.drain()
    direction = "buyer_to_seller" if sender == BUYER_EMAIL else "seller_to_buyer"
    mine = [m for m in MessageModel.by_order.query(ORDER_ID) if m.direction == direction]
    latest = max(mine, key=lambda m: m.received_at)
    return str(latest.message_id)


def copies_to(aws: Aws, address: str) -> list[Any]:
    found = [message_from_bytes(m.raw_data.encode(), policy=default) for m in aws.sent()]
    return [m for m in found if m["To"] == address]


def test_a_thank_you_stops_its_own_clock_and_the_seller_can_take_it_back(aws: Aws, order) -> None:  # type: ignore[no-untyped-def]
    center = MessageCenter(aws.services)
    thanks = write(aws, order.seller_alias, "Delivered", "Danke, alles gut angekommen!")
    record = MessageModel.get(thanks, consistent_read=True)
    assert record.status == "delivered"  # the seller still gets it
    assert record.response_outcome == "auto-no-response-needed"
    clock = ClockModel.get(f"{ORDER_ID}#{thanks}", consistent_read=True)
    assert clock.status == "auto-no-response-needed"
    assert OrderModel.get(ORDER_ID, consistent_read=True).open_clock_id is None
    stopped = of_type(bus_events(), "response.stopped")
    assert [e["data"]["outcome"] for e in stopped] == ["auto-no-response-needed"]
    assert center.workday.needing_response(SELLER, None)["items"] == []
    # visible in the API's view of the message history
    view = center.reading.message(SELLER, thanks)
    assert view["response_outcome"] == "auto-no-response-needed"
    assert "response_outcome" not in center.reading.message(Principal("buyer", "B1"), thanks)
    from parley.ops.history import conversation

    [entry] = conversation(aws.services.store, ORDER_ID)
    assert entry.response_outcome == "auto-no-response-needed"

    # the seller disagrees: the clock runs again, with the original deadline
    taken_back = center.workday.needs_response(SELLER, thanks)
    assert taken_back["clock_running"] is True
    assert taken_back["deadline_at"] == clock.deadline_at
    listed = center.workday.needing_response(SELLER, iso(utcnow() - timedelta(hours=1)))["items"]
    assert [c["conversation_id"] for c in listed] == [ORDER_ID]
    assert listed[0]["deadline_at"] == clock.deadline_at and listed[0]["seconds_left"] > 0
    assert MessageModel.get(thanks).response_outcome == "needs-response"
    with pytest.raises(NotAllowedNow):
        center.workday.needs_response(SELLER, thanks)  # only once, only for an automatic stop
    with pytest.raises(Forbidden):
        center.workday.needing_response(Principal("buyer", "B1"), None)


def test_a_thank_you_after_a_question_leaves_the_question_waiting(aws: Aws, order) -> None:  # type: ignore[no-untyped-def]
    write(aws, order.seller_alias, "Colour", "Is it available in blue?")
    write(aws, order.seller_alias, "Re: Colour", "Thanks!")
    clock = ClockModel.get(OrderModel.get(ORDER_ID).open_clock_id, consistent_read=True)
    assert clock.status == "open" and len(clock.message_ids) == 2


def test_a_question_that_thanks_starts_the_clock(aws: Aws, order) -> None:  # type: ignore[no-untyped-def]
    write(aws, order.seller_alias, "Delivered", "Thanks, it arrived, but where is the invoice?")
    assert OrderModel.get(ORDER_ID, consistent_read=True).open_clock_id is not None


def test_the_marketplace_can_turn_the_automatic_stop_off(aws: Aws, order) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    svc = aws.services
    svc.deadlines = dataclasses.replace(svc.deadlines, auto_no_response_needed=False)
    write(aws, order.seller_alias, "Delivered", "Got it, thanks.")
    assert OrderModel.get(ORDER_ID, consistent_read=True).open_clock_id is not None


def test_away_answers_once_per_conversation_through_the_policy(aws: Aws, order) -> None:  # type: ignore[no-untyped-def]
    center = MessageCenter(aws.services)
    until = utcnow() + timedelta(days=7)
    center.workday.set_away(
        SELLER,
        {
            "until": iso(until),
            "message": {"en": "I am on holiday until Monday.", "de": "Ich bin im Urlaub."},
        },
    )
    assert center.settings_with_away(SELLER)["away"]["message"]["de"] == "Ich bin im Urlaub."
    first = write(aws, order.seller_alias, "Frage", "Ist es in Blau da?")
    write(aws, order.seller_alias, "Frage 2", "Und in Rot?")

    replies = [m for m in copies_to(aws, BUYER_EMAIL) if m["Auto-Submitted"]]
    assert len(replies) == 1  # one per conversation, however often the buyer writes
    reply = replies[0]
    assert reply["Auto-Submitted"] == "auto-replied"
    assert "Ich bin im Urlaub." in reply.get_content()  # the buyer's language (de-DE)
    assert reply["From"].addresses[0].addr_spec == order.seller_alias  # the seller's alias
    assert SELLER_EMAIL not in reply.as_string()
    assert reply["In-Reply-To"]  # threads with the buyer's message
    # it went through the policy as a reply, and does not stop the clock
    auto = [m for m in MessageModel.by_order.query(ORDER_ID) if m.auto_submitted]
    assert [(m.direction, m.category, m.status) for m in auto] == [
        ("seller_to_buyer", "reply", "delivered")
    ]
    clock = ClockModel.get(OrderModel.get(ORDER_ID).open_clock_id, consistent_read=True)
    assert clock.status == "open" and first in clock.message_ids
    # by default the clock does not pause (the marketplace counts every day)
    assert parse_iso(clock.deadline_at) < until
    # the stats show the away period
    assert seller_stats(aws.services.store, "S1", utcnow())["away"][0]["until"] == iso(until)


def test_away_can_pause_the_clock_when_the_marketplace_says_so(aws: Aws, order) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    svc = aws.services
    svc.deadlines = dataclasses.replace(svc.deadlines, away_pauses_clock=True)
    until = utcnow() + timedelta(days=10)
    MessageCenter(svc).workday.set_away(SELLER, {"until": iso(until), "message": "Back soon."})
    write(aws, order.seller_alias, "Frage", "Ist es in Blau da?")
    clock = ClockModel.get(OrderModel.get(ORDER_ID).open_clock_id, consistent_read=True)
    assert parse_iso(clock.deadline_at) > until  # counted from the seller's return


def test_away_is_validated_and_can_be_ended(aws: Aws, order) -> None:  # type: ignore[no-untyped-def]
    center = MessageCenter(aws.services)
    for wrong in (
        {"until": "2020-01-01T00:00:00Z", "message": "x"},  # in the past
        {"until": iso(utcnow() + timedelta(days=200)), "message": "x"},  # too long
        {"until": iso(utcnow() + timedelta(days=2)), "message": {"fr": "x"}},
        {"until": iso(utcnow() + timedelta(days=2)), "message": ""},
        {"until": "2030-01-01T00:00:00", "message": "no zone"},
    ):
        with pytest.raises(InvalidInput):
            center.workday.set_away(SELLER, wrong)
    with pytest.raises(Forbidden):
        center.workday.set_away(Principal("buyer", "B1"), {"until": iso(utcnow()), "message": "x"})
    center.workday.set_away(
        SELLER, {"until": iso(utcnow() + timedelta(days=2)), "message": "Away."}
    )
    center.workday.set_away(SELLER, None)
    assert center.settings_with_away(SELLER)["away"] is None
    write(aws, order.seller_alias, "Frage", "Ist es in Blau da?")
    assert not [m for m in copies_to(aws, BUYER_EMAIL) if m["Auto-Submitted"]]
    party = PartyModel.get("seller:S1")
    assert len(party.away_periods) == 1  # the ended period stays for the stats


def test_another_sellers_order_is_not_listed(aws: Aws, order) -> None:  # type: ignore[no-untyped-def]
    register_order(
        aws.services.store,
        OrderRegistration(
            "222-2222222-2222222",
            PartyInfo("S2", "Other", "other@example.org", "en-US"),
            PartyInfo("B1", "Bob Buyer", BUYER_EMAIL, "de-DE"),
        ),
    )
    write(aws, order.seller_alias, "Colour", "Is it available in blue?")
    center = MessageCenter(aws.services)
    assert center.workday.needing_response(Principal("seller", "S2"), None)["items"] == []
    assert len(center.workday.needing_response(SELLER, None)["items"]) == 1
