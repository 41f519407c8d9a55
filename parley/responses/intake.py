"""What a delivered buyer message does to the seller's day: start (or join) the response
clock, stop it at once when the message only thanks (`autoNoResponseNeeded`), and answer
with the away message when the seller is away."""

from __future__ import annotations

from typing import TYPE_CHECKING

from parley.core.time import parse_iso, utcnow
from parley.models.tables import MessageModel, OrderModel, PairModel, PartyModel
from parley.responses import away, clocks
from parley.responses.acknowledgments import only_acknowledges

if TYPE_CHECKING:
    from parley.app import Services


def buyer_message_delivered(
    svc: Services,
    record: MessageModel,
    pair: PairModel,
    seller: PartyModel,
    buyer: PartyModel,
    content: tuple[str, str],
    *,
    order: OrderModel | None = None,
) -> None:
    received = parse_iso(record.received_at)
    config = svc.deadlines
    clock = clocks.start(
        svc.store,
        record,
        received,
        config,
        (pair.seller_id, pair.buyer_id),
        counts_from=away.counts_from(seller, received, config.away_pauses_clock),
        order=order,
    )
    started_here = clock is not None and clock.clock_id == f"{record.order_id}#{record.message_id}"
    if started_here and config.auto_no_response_needed and only_acknowledges(*content):
        # Only a clock this message started: a thank-you after a question leaves the
        # question's clock running.
        svc.store.update(record, [MessageModel.response_outcome.set(clocks.AUTO_NO_RESPONSE)])
        clocks.stop(svc, record.order_id, utcnow(), clocks.AUTO_NO_RESPONSE)
    away.reply_if_away(svc, record, pair, seller, buyer, utcnow())
