"""Response clocks: a buyer message starts one per conversation, the seller's answer stops it.

A conversation is an order. It owes one answer at a time: a follow-up from the buyer joins
the running clock (the earliest deadline stands) instead of starting another.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from pynamodb.exceptions import TransactWriteError

from parley.adapters.store import ClockModel, ConditionFailed, MessageModel, OrderModel, Store
from parley.core.observability import count
from parley.core.time import iso, parse_iso
from parley.models.tables import set_or_remove
from parley.responses.deadlines import DeadlineConfig, deadline, next_stage, stage_times

if TYPE_CHECKING:
    from parley.app import Services

AUTO_NO_RESPONSE = "auto-no-response-needed"

log = logging.getLogger("parley")
SHARDS = 8  # spreads the due-time index over partitions; the sweep queries each


RUNNING_KEY = "#running"  # one counter item in the clocks table: how many clocks run now


def _add_running(store: Store, delta: int) -> None:
    """Keep the running-clocks gauge without ever reading the clocks themselves."""
    store.add_to_gauge(RUNNING_KEY, delta)


def running_clocks(store: Store) -> int:
    return store.gauge(RUNNING_KEY)


def shard_of(clock_id: str) -> str:
    return str(int(hashlib.sha256(clock_id.encode()).hexdigest(), 16) % SHARDS)


def schedule(
    received_at: str, deadline_at: str, sent: set[str], config: DeadlineConfig
) -> tuple[str | None, str | None]:
    """(next stage, when) for a running clock, or (None, None) when nothing is left."""
    times = stage_times(parse_iso(received_at), parse_iso(deadline_at), config)
    upcoming = next_stage(times, sent)
    return (upcoming[0], iso(upcoming[1])) if upcoming else (None, None)


def start(
    store: Store,
    record: MessageModel,
    received: datetime,
    config: DeadlineConfig,
    ids: tuple[str, str],
    *,
    order: OrderModel | None = None,
    counts_from: datetime | None = None,
) -> ClockModel | None:
    """Start the conversation's clock for a delivered buyer message, or join the running one.

    `order`: the order as the caller read it consistently moments ago (the relay reads it
    with the pair); the writes below are conditional, so a stale one loses, never wins.
    `counts_from` (the seller's return, when the marketplace pauses clocks while a seller is
    away) moves the deadline, not the time the message was received."""
    seller_id, buyer_id = ids
    if not record.order_id or not record.pair_id:
        return None
    given = order is not None and order.order_id == record.order_id
    if not given:
        order = store.get(OrderModel, record.order_id)
    if order is None:
        return None
    clock_id = f"{record.order_id}#{record.message_id}"
    if order.open_clock_id is None:
        due = deadline(max(received, counts_from or received), config)
        clock = ClockModel(
            clock_id,
            order_id=record.order_id,
            pair_id=record.pair_id,
            seller_id=seller_id,
            buyer_id=buyer_id,
            status="open",
            received_at=iso(received),
            deadline_at=iso(due),
            subject=(record.delivered_subject or record.subject or "")[:200],  # as delivered
            message_ids=[record.message_id],
            shard=shard_of(clock_id),
            expires_at=store.settings.retention.clock_expiry(received),
        )
        stage, at = schedule(clock.received_at, clock.deadline_at, set(), config)
        clock.next_due_at = at
        try:
            with store.transaction() as tx:
                tx.update(
                    order,
                    actions=[OrderModel.open_clock_id.set(clock_id)],
                    condition=OrderModel.open_clock_id.does_not_exist(),
                )
                tx.save(clock, condition=ClockModel.clock_id.does_not_exist())
        except TransactWriteError:
            order = store.get(OrderModel, record.order_id)  # someone else started it
        else:
            _add_running(store, 1)
            count("ClocksStarted")
            log.info("response clock started", extra={"clock_id": clock_id, "next": stage})
            return clock
    if order is None or order.open_clock_id is None or order.open_clock_id == clock_id:
        return None
    running = store.get(ClockModel, order.open_clock_id)
    if given and (running is None or running.status != "open"):
        return start(store, record, received, config, ids)  # stopped since: read the order anew
    if running is not None and record.message_id not in (running.message_ids or []):
        joined = ClockModel.message_ids.append([record.message_id])
        # The whole list is not read back (it grows with the conversation): the caller only
        # needs the clock's id, and the local list stays as read.
        store.update(running, [ClockModel.message_ids.set(joined)], read_back=False)
    return running


@dataclass(frozen=True)
class Stopped:
    clock_id: str
    status: str
    response_seconds: int | None
    late: bool | None


def stop(svc: Services, order_id: str | None, at: datetime, status: str) -> Stopped | None:
    """Stop the order's running clock: `answered` (with response time) or `no_response_needed`."""
    store = svc.store
    if not order_id:
        return None
    order = store.get(OrderModel, order_id)
    if order is None or order.open_clock_id is None:
        return None
    clock = store.get(ClockModel, order.open_clock_id)
    if clock is None or clock.status != "open":
        return None
    received, due = parse_iso(clock.received_at), parse_iso(clock.deadline_at)
    seconds = max(0, int((at - received).total_seconds())) if status == "answered" else None
    late = (at > due) if status == "answered" else None
    try:
        store.update(
            clock,
            [
                ClockModel.status.set(status),
                ClockModel.answered_at.set(iso(at)),
                set_or_remove(ClockModel.response_seconds, seconds),
                set_or_remove(ClockModel.late, late),
                ClockModel.shard.remove(),  # leaves the due index: no more reminders
                ClockModel.next_due_at.remove(),
            ],
            condition=ClockModel.status == "open",
        )
    except ConditionFailed:
        return None  # a concurrent answer got there first
    with contextlib.suppress(ConditionFailed):
        store.update(
            order,
            [OrderModel.open_clock_id.remove()],
            condition=OrderModel.open_clock_id == clock.clock_id,
        )
    _add_running(store, -1)
    from parley.pipeline.events import clock_event

    svc.events.publish(
        clock_event(
            svc,
            "response.stopped",
            clock,
            outcome=status,
            stopped_at=iso(at),
            response_seconds=seconds,
            late=late,
        )
    )
    if status == "answered":
        count("ResponseTime", value=seconds or 0, unit="Seconds")
        if late:
            count("LateResponses")
    count("ClocksStopped", {"Outcome": status})
    return Stopped(clock.clock_id, status, seconds, late)


class NotABuyerMessage(ValueError):
    """Only a buyer's message starts a clock, so only one can need no response."""


def no_response_needed(svc: Services, message: MessageModel, at: datetime) -> Stopped | None:
    """A seller (API) or an operator (CLI) says a buyer message needs no answer: its clock
    stops with outcome `no_response_needed` and nothing goes to the buyer. None when no clock
    was running (already answered or stopped)."""
    if message.direction != "buyer_to_seller":
        raise NotABuyerMessage(f"{message.message_id} is not a buyer message")
    return stop(svc, message.order_id, at, "no_response_needed")


def reopen(svc: Services, record: MessageModel, at: datetime) -> ClockModel | None:
    """The seller takes back an automatic "no response needed": the message's clock runs
    again with its original deadline, or joins the conversation's clock that runs by now."""
    store = svc.store
    if record.response_outcome != AUTO_NO_RESPONSE or not record.order_id:
        return None
    clock = store.get(ClockModel, f"{record.order_id}#{record.message_id}")
    order = store.get(OrderModel, record.order_id)
    if clock is None or clock.status != AUTO_NO_RESPONSE or order is None:
        return None
    outcome = [MessageModel.response_outcome.set("needs-response")]
    if order.open_clock_id is not None:  # another buyer message started one meanwhile
        running = store.get(ClockModel, order.open_clock_id)
        if running is not None:
            joined = ClockModel.message_ids.append([record.message_id])
            store.update(running, [ClockModel.message_ids.set(joined)])
            store.update(clock, [ClockModel.status.set("merged")])
            store.update(record, outcome)
            return running
    stage, due_at = schedule(
        clock.received_at, clock.deadline_at, set(clock.stages_sent or ()), svc.deadlines
    )
    try:
        with store.transaction() as tx:
            tx.update(
                order,
                actions=[OrderModel.open_clock_id.set(clock.clock_id)],
                condition=OrderModel.open_clock_id.does_not_exist(),
            )
            tx.update(
                clock,
                actions=[
                    ClockModel.status.set("open"),
                    ClockModel.answered_at.remove(),
                    set_or_remove(ClockModel.shard, shard_of(clock.clock_id) if due_at else None),
                    set_or_remove(ClockModel.next_due_at, due_at),
                ],
                condition=ClockModel.status == AUTO_NO_RESPONSE,
            )
    except TransactWriteError:
        return None  # a concurrent change: the seller can ask again
    _add_running(store, 1)
    store.update(record, outcome)
    count("ClocksReopened")
    log.info("response clock reopened", extra={"clock_id": clock.clock_id, "next": stage})
    return store.get(ClockModel, clock.clock_id)
