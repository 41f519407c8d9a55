"""The directory outlives the messages that name it: a message kept until some day keeps its
pair, the pair's aliases, both parties and its conversation at least that long."""

from __future__ import annotations

import logging
from datetime import datetime

from pynamodb.exceptions import TransactWriteError

from parley.adapters.store import AliasModel, OrderModel, PairModel, PartyModel, Store
from parley.core.ids import party_key
from parley.core.time import utcnow

log = logging.getLogger("parley")


def keep_directory_until(
    store: Store, pair: PairModel, order_id: str | None, until: datetime
) -> bool:
    """Give the pair's directory items another period when they would expire before `until`.

    Rare by construction: the period (directory days) is longer than a message's (messages
    days), so a busy pair is extended at most once per difference of the two. True when it
    extended. A failure is logged, never raised: the message itself is not at stake.
    """
    if pair.expires_at is not None and pair.expires_at >= until:
        return False
    expires = store.settings.retention.directory_expiry(utcnow())
    try:
        with store.transaction() as tx:
            tx.update(
                pair,
                actions=[PairModel.expires_at.set(expires)],
                condition=PairModel.erased_at.does_not_exist(),
            )
            for alias in (pair.buyer_alias, pair.seller_alias):
                tx.update(
                    AliasModel(alias),
                    actions=[AliasModel.expires_at.set(expires)],
                    condition=AliasModel.pair_id == pair.pair_id,
                )
            for key in (party_key("seller", pair.seller_id), party_key("buyer", pair.buyer_id)):
                tx.update(
                    PartyModel(key),
                    actions=[PartyModel.expires_at.set(expires)],
                    condition=PartyModel.party_key.exists(),
                )
            if order_id:
                tx.update(
                    OrderModel(order_id),
                    actions=[OrderModel.expires_at.set(expires)],
                    condition=OrderModel.order_id.exists(),
                )
    except TransactWriteError as exc:  # erased or removed meanwhile: nothing to keep
        log.warning("directory not extended", extra={"pair_id": pair.pair_id, "error": str(exc)})
        return False
    pair.expires_at = expires
    return True
