"""Response-time figures per seller: late rate, median and 90th percentile, open clocks."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from parley.adapters.store import Store
from parley.core.time import iso, parse_iso

WINDOWS_DAYS = (7, 30, 90)


def percentile(values: list[int], share: float) -> int | None:
    """Nearest-rank percentile (no interpolation: a figure that really occurred)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def seller_stats(store: Store, seller_id: str, now: datetime) -> dict[str, object]:
    since = iso(now - timedelta(days=max(WINDOWS_DAYS)))
    clocks = store.clocks_of_seller(seller_id, since)
    windows = {}
    for days in WINDOWS_DAYS:
        start = iso(now - timedelta(days=days))
        answered = [c for c in clocks if c.status == "answered" and c.received_at >= start]
        seconds = [int(c.response_seconds or 0) for c in answered]
        late = sum(1 for c in answered if c.late)
        windows[f"{days}d"] = {
            "answered": len(answered),
            "late": late,
            "late_rate": round(late / len(answered), 4) if answered else None,
            "median_seconds": percentile(seconds, 0.5),
            "p90_seconds": percentile(seconds, 0.9),
        }
    open_now = [
        {
            "order_id": c.order_id,
            "subject": c.subject,
            "received_at": c.received_at,
            "deadline_at": c.deadline_at,
            "seconds_left": int((parse_iso(c.deadline_at) - now).total_seconds()),
        }
        for c in clocks
        if c.status == "open"
    ]
    from parley.models.tables import PartyModel
    from parley.responses.away import periods_since

    seller = store.get(PartyModel, f"seller:{seller_id}", consistent=False)
    away = periods_since(seller, now - timedelta(days=max(WINDOWS_DAYS)))
    return {"seller_id": seller_id, "windows": windows, "open": open_now, "away": away}
