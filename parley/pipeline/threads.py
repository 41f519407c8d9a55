"""Threading across the relay: each party only ever sees Message-IDs it already knows."""

from __future__ import annotations

from collections.abc import Sequence

from parley.adapters.store import MessageModel, Store, ThreadIdModel
from parley.core.time import utcnow


def thread_key(pair_id: str, rfc_id: str) -> str:
    """Scoped by pair: a hostile sender reusing someone else's Message-ID changes nothing."""
    return f"{pair_id}#{rfc_id.lower()}"


def side_of_sender(direction: str) -> str:
    return "buyer" if direction == "buyer_to_seller" else "seller"


def counterparts(
    store: Store, pair_id: str, sender_side: str, ids: Sequence[str]
) -> dict[str, ThreadIdModel]:
    """Known ids -> their mapping, limited to this pair and to ids the sender was shown."""
    found = store.batch_get(ThreadIdModel, [thread_key(pair_id, i) for i in ids])
    return {
        item.rfc_id.partition("#")[2]: item
        for item in found
        if item.pair_id == pair_id and item.known_to == sender_side
    }


def remember(
    store: Store,
    record: MessageModel,
    *,
    sender_side: str,
    recipient_visible_ids: Sequence[str],
    recipient_primary_id: str,
) -> None:
    """Record both directions: the sender's id -> what the recipient sees, and back."""
    assert record.pair_id and record.direction
    expires = store.settings.retention.thread_id_expiry(utcnow())
    recipient_side = "seller" if sender_side == "buyer" else "buyer"
    items = []
    if record.rfc_message_id:
        items.append(
            ThreadIdModel(
                thread_key(record.pair_id, record.rfc_message_id),
                pair_id=record.pair_id,
                message_id=record.message_id,
                known_to=sender_side,
                counterpart_id=recipient_primary_id,
                direction=record.direction,
                expires_at=expires,
            )
        )
    for visible in recipient_visible_ids:
        items.append(
            ThreadIdModel(
                thread_key(record.pair_id, visible),
                pair_id=record.pair_id,
                message_id=record.message_id,
                known_to=recipient_side,
                counterpart_id=record.rfc_message_id or visible,
                direction=record.direction,
                expires_at=expires,
            )
        )
    with ThreadIdModel.batch_write() as batch:
        for item in items:
            batch.save(item)
