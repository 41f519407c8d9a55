"""Fixed-window rate limits on DynamoDB counters: one conditional write per message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from parley.adapters.store import ConditionFailed, Store
from parley.models.tables import CounterModel


@dataclass(frozen=True)
class Decision:
    allowed: bool
    first_refusal: bool = False  # only the first refused message of a window gets a notice


def take(store: Store, key: str, limit: int, now: datetime, *, daily: bool = False) -> Decision:
    """Count one message for `key` in the current hour (UTC day), unless `limit` is reached."""
    window = now.strftime("%Y%m%d" if daily else "%Y%m%d%H")
    counter = CounterModel(f"{key}#{window}")
    expires = now + (timedelta(days=2) if daily else timedelta(hours=2))
    try:
        store.update(
            counter,
            [CounterModel.hits.add(1), CounterModel.expires_at.set(expires)],
            condition=CounterModel.hits.does_not_exist() | (CounterModel.hits < limit),
            read_back=False,  # within the limit: the count itself is never read
        )
    except ConditionFailed:
        store.update(counter, [CounterModel.refused.add(1)])
        return Decision(False, first_refusal=int(counter.refused or 0) == 1)
    return Decision(True)
