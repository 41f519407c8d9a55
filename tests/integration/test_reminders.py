"""Response clocks and reminders against emulated AWS."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default
from typing import Any

import pytest

from bench.localrun import seed_clocks
from parley.adapters.store import ClockModel, OrderModel
from parley.core.time import parse_iso
from parley.directory.registration import (
    OrderRegistration,
    PartyInfo,
    RegisteredOrder,
    register_order,
)
from parley.responses.clocks import SHARDS, running_clocks
from parley.responses.deadlines import stage_times
from parley.responses.reminders import sweep
from tests.support.aws import BUYER_EMAIL, ORDER_ID, SELLER_EMAIL, Aws, clear_caches
from tests.support.mail import mail, wire


def sent_to(aws: Aws, address: str) -> list[Any]:
    return [
        message_from_bytes(m.raw_data.encode(), policy=default)
        for m in aws.sent()
        if message_from_bytes(m.raw_data.encode())["To"] == address
    ]


def ask(aws: Aws, order: RegisteredOrder, subject: str = "Question", **headers: str) -> None:
    aws.ingest(
        wire(mail(BUYER_EMAIL, order.seller_alias, subject, "Is it blue?", **headers)),
        [order.seller_alias],
    )
    aws.drain()


def answer(aws: Aws, order: RegisteredOrder, subject: str = "Re: Question", **headers: str) -> None:
    """The seller answers in the thread of the last copy they received."""
    copy = sent_to(aws, SELLER_EMAIL)[-1]
    headers = {"In_Reply_To": copy["Message-ID"], **headers}
    aws.ingest(
        wire(mail(SELLER_EMAIL, order.buyer_alias, subject, "Yes, it is blue.", **headers)),
        [order.buyer_alias],
    )
    aws.drain()


def open_clock(order_id: str = ORDER_ID) -> ClockModel:
    order = OrderModel.get(order_id, consistent_read=True)
    assert order.open_clock_id, "no clock is running"
    return ClockModel.get(order.open_clock_id, consistent_read=True)


def test_a_delivered_buyer_message_starts_a_clock_with_the_configured_deadline(
    aws: Aws, order: RegisteredOrder
) -> None:
    ask(aws, order)
    clock = open_clock()
    received, due = parse_iso(clock.received_at), parse_iso(clock.deadline_at)
    assert clock.status == "open" and clock.seller_id == "S1"
    assert timedelta(days=2) <= due - received <= timedelta(days=5)  # 2 business days
    assert clock.next_due_at is not None and clock.shard is not None


def test_a_follow_up_joins_the_running_clock(aws: Aws, order: RegisteredOrder) -> None:
    ask(aws, order)
    first = open_clock()
    ask(aws, order, "Question again")
    again = open_clock()
    assert again.clock_id == first.clock_id and again.deadline_at == first.deadline_at
    assert running_clocks(aws.services.store) == 1
    assert len(again.message_ids) == 2
    assert ClockModel.count() == 2  # the clock and the running-clocks counter


def test_the_sellers_answer_stops_the_clock_and_records_the_response_time(
    aws: Aws, order: RegisteredOrder
) -> None:
    ask(aws, order)
    clock_id = open_clock().clock_id
    answer(aws, order)
    clock = ClockModel.get(clock_id, consistent_read=True)
    assert (clock.status, clock.late) == ("answered", False)
    assert clock.response_seconds is not None and clock.response_seconds >= 0
    assert clock.shard is None and clock.next_due_at is None
    assert OrderModel.get(ORDER_ID).open_clock_id is None
    assert running_clocks(aws.services.store) == 0


@pytest.mark.parametrize(
    "headers, subject",
    [
        ({"Auto_Submitted": "auto-replied"}, "Re: Question"),
        ({}, "Out of Office: Re: Question"),
        ({}, "Abwesenheitsnotiz"),
        ({"Precedence": "auto_reply"}, "Re: Question"),
    ],
)
def test_an_auto_reply_is_delivered_but_the_clock_keeps_running(
    aws: Aws, order: RegisteredOrder, headers, subject
) -> None:
    ask(aws, order)
    answer(aws, order, subject, **headers)
    assert sent_to(aws, BUYER_EMAIL), "the auto-reply reaches the buyer"
    assert open_clock().status == "open"


def test_no_response_needed_by_email_stops_the_clock_and_sends_nothing_to_the_buyer(
    aws: Aws, order: RegisteredOrder
) -> None:
    ask(aws, order)
    clock_id = open_clock().clock_id
    answer(aws, order, "[No response needed] Re: Question")
    assert ClockModel.get(clock_id).status == "no_response_needed"
    assert sent_to(aws, BUYER_EMAIL) == []
    confirmation = [m for m in sent_to(aws, SELLER_EMAIL) if "no response" in str(m["Subject"])]
    assert len(confirmation) == 1 and confirmation[0]["Auto-Submitted"] == "auto-replied"


def test_no_response_needed_from_the_cli(aws: Aws, order: RegisteredOrder) -> None:
    from typer.testing import CliRunner

    from parley.cli import app

    ask(aws, order)
    clock = open_clock()
    result = CliRunner().invoke(app, ["messages", "no-response-needed", clock.message_ids[0]])
    assert result.exit_code == 0, result.output
    assert '"clock_stopped": true' in result.stdout
    assert ClockModel.get(clock.clock_id).status == "no_response_needed"


def stages_of(clock: ClockModel, aws: Aws) -> dict[str, datetime]:
    return stage_times(
        parse_iso(clock.received_at), parse_iso(clock.deadline_at), aws.services.deadlines
    )


def test_each_stage_is_sent_once_and_a_late_sweep_skips_to_the_latest(
    aws: Aws, order: RegisteredOrder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARLEY_DISPLAY_NAME", "first-name")  # the marketplace shows first names
    clear_caches()
    ask(aws, order)
    clock = open_clock()
    times = stages_of(clock, aws)
    before = len(sent_to(aws, SELLER_EMAIL))
    assert sweep(aws.services, times["first"] - timedelta(minutes=1)).digests_sent == 0
    first = sweep(aws.services, times["first"] + timedelta(minutes=1))
    assert (first.reminders["first"], first.digests_sent) == (1, 1)
    assert sweep(aws.services, times["first"] + timedelta(minutes=2)).digests_sent == 0
    overdue = sweep(aws.services, times["overdue"] + timedelta(minutes=1))
    assert (overdue.reminders["last"], overdue.reminders["overdue"]) == (0, 1)
    assert sweep(aws.services, times["overdue"] + timedelta(days=3)).digests_sent == 0
    digests = sent_to(aws, SELLER_EMAIL)[before:]
    assert len(digests) == 2
    text = digests[0].get_content()
    assert ORDER_ID in text and "Bob" in text and order.buyer_alias in text
    assert "Bob Buyer" not in text  # the first name only, as displayName says
    assert ClockModel.get(clock.clock_id).next_due_at is None


def test_no_reminder_after_the_answer(aws: Aws, order: RegisteredOrder) -> None:
    ask(aws, order)
    times = stages_of(open_clock(), aws)
    answer(aws, order)
    assert sweep(aws.services, times["overdue"] + timedelta(hours=1)).items_read == 0


def test_concurrent_sweeps_send_each_stage_once(aws: Aws, order: RegisteredOrder) -> None:
    ask(aws, order)
    at = stages_of(open_clock(), aws)["first"] + timedelta(minutes=1)
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(sweep(aws.services, at))) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.reminders["first"] for r in results) == 1
    assert sum(r.digests_sent for r in results) == 1


def test_one_digest_per_seller_lists_every_due_conversation_in_the_sellers_language(
    aws: Aws,
) -> None:
    store = aws.services.store
    seller = PartyInfo("S7", "Laden", "laden@example.de", "de-DE")
    orders = [
        register_order(
            store,
            OrderRegistration(
                f"30{i}-1111111-1111111",
                seller,
                PartyInfo(f"B{i}", f"Käufer{i} Name", f"k{i}@example.net"),
            ),
        )
        for i in range(2)
    ]
    for i, registered in enumerate(orders):
        aws.ingest(
            wire(mail(f"k{i}@example.net", registered.seller_alias, f"Frage {i}", "?")),
            [registered.seller_alias],
        )
    aws.drain()
    latest = max(parse_iso(open_clock(o.order_id).deadline_at) for o in orders)
    result = sweep(aws.services, latest + timedelta(minutes=1))
    assert result.digests_sent == 1 and result.reminders["overdue"] == 2
    digest = sent_to(aws, "laden@example.de")[-1]
    assert "Erinnerung" in str(digest["Subject"])
    text = digest.get_content()
    assert all(o.order_id in text and o.buyer_alias in text for o in orders)
    assert "überfällig" in text


def test_an_undeliverable_reminder_is_recorded_not_skipped(
    aws: Aws, order: RegisteredOrder
) -> None:
    from parley.adapters.mailer import PermanentSendError

    ask(aws, order)
    clock = open_clock()
    at = stages_of(clock, aws)["first"] + timedelta(minutes=1)

    def refuse(**_: Any) -> Any:
        raise PermanentSendError("MessageRejected", "address suppressed")

    aws.services.mailer.send_raw = refuse
    result = sweep(aws.services, at)
    assert (result.undeliverable, result.digests_sent) == (1, 0)
    assert ClockModel.get(clock.clock_id).undeliverable == {"first"}


def test_the_sweep_reads_only_what_is_due_among_100000_stored_clocks(aws: Aws) -> None:
    # Given 100,000 clocks: 99,000 closed, 950 running but not due yet, 50 due
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    services = aws.services  # binds the models first: the hooks below go on the live client
    services.mailer.send_raw = lambda **_: None
    client = ClockModel._get_connection().connection.client
    table = aws.env["PARLEY_CLOCKS_TABLE"]

    seed_clocks(client, table, stored=100_000, due=50)
    reads: list[int] = []

    def on_query(parsed: dict[str, Any], **_: Any) -> None:
        reads.append(int(parsed.get("ScannedCount", parsed.get("Count", 0))))

    def no_scan(**_: Any) -> None:
        raise AssertionError("the sweep must never scan")

    client.meta.events.register("after-call.dynamodb.Query", on_query)
    client.meta.events.register("before-call.dynamodb.Scan", no_scan)
    # When one sweep runs
    result = sweep(services, now)
    # Then it read the 50 due clocks and nothing else, in one query per shard
    assert result.items_read == 50
    assert sum(reads) == 50
    assert result.queries == SHARDS
