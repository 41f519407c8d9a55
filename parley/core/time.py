"""Time in one place, so tests and the local stack can move it."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """Sortable UTC timestamp with milliseconds (index range keys compare as strings)."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def now_iso() -> str:
    return iso(utcnow())


def parse_iso(value: str) -> datetime:
    """The inverse of iso() (and of any ISO 8601 UTC timestamp ending in Z)."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
