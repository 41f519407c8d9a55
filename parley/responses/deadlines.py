"""The response clock's arithmetic: deadlines and reminder stages. Pure, no I/O.

Business days are counted in the marketplace's time zone, skipping weekends and the
country's public holidays. Days are added in local wall-clock time, so a deadline keeps its
time of day across daylight-saving changes instead of moving by an hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

STAGES = ("first", "last", "overdue")


class DeadlineConfigError(ValueError):
    """The marketplace's deadline configuration cannot work; refused at load time."""


@dataclass(frozen=True)
class DeadlineConfig:
    mode: str = "business_days"  # or "hours" (calendar time)
    business_days: int = 2
    hours: int = 24
    timezone: str = "Europe/Berlin"
    country: str = "DE"
    first_reminder_fraction: float = 0.5  # of the window
    last_reminder_hours_before: float = 4.0
    overdue_notice: bool = True
    # The marketplace's choices for the seller's day (README: awayPausesClock,
    # autoNoResponseNeeded): an away seller's clocks count from their return; a buyer
    # message that only thanks stops its clock at once.
    away_pauses_clock: bool = False
    auto_no_response_needed: bool = True

    def validate(self) -> DeadlineConfig:
        if self.mode not in {"business_days", "hours"}:
            raise DeadlineConfigError(f"deadline mode {self.mode!r}: use business_days or hours")
        if self.mode == "business_days" and self.business_days <= 0:
            raise DeadlineConfigError("business_days must be positive")
        if self.mode == "hours" and self.hours <= 0:
            raise DeadlineConfigError("hours must be positive")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise DeadlineConfigError(f"unknown time zone {self.timezone!r}") from exc
        try:
            _holidays(self.country, 2026)
        except (NotImplementedError, KeyError) as exc:
            raise DeadlineConfigError(
                f"no public holidays known for country {self.country!r}"
            ) from exc
        if not 0 < self.first_reminder_fraction < 1:
            raise DeadlineConfigError("first_reminder_fraction must be between 0 and 1")
        if self.last_reminder_hours_before < 0:
            raise DeadlineConfigError("last_reminder_hours_before must not be negative")
        shortest = self.hours if self.mode == "hours" else 24 * self.business_days
        if self.last_reminder_hours_before >= shortest:
            raise DeadlineConfigError(
                f"the last reminder ({self.last_reminder_hours_before} h before) would fall "
                f"before the clock starts: the window is only {shortest} h"
            )
        return self

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> DeadlineConfig:
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(raw) - known
        if unknown:
            raise DeadlineConfigError(f"unknown deadline settings: {', '.join(sorted(unknown))}")
        return cls(**raw).validate()


@lru_cache(maxsize=64)
def _holidays(country: str, year: int) -> frozenset[date]:
    import holidays

    return frozenset(holidays.country_holidays(country, years=year).keys())


def load_deadlines(marketplace: str = "default") -> DeadlineConfig:
    """The marketplace's deadline configuration, validated (refused at load when it cannot work)."""
    from parley.policy.config import marketplace_section

    return DeadlineConfig.from_dict(dict(marketplace_section(marketplace).get("deadlines", {})))


def is_business_day(day: date, country: str) -> bool:
    return day.weekday() < 5 and day not in _holidays(country, day.year)


def _local(moment: datetime, tz: ZoneInfo) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return moment.astimezone(tz)


def _wall(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """A local wall-clock time as an aware instant; a time in a DST gap moves forward."""
    naive = datetime.combine(day, clock)
    aware = naive.replace(tzinfo=tz)
    return aware.astimezone(UTC).astimezone(tz)


def deadline(received: datetime, config: DeadlineConfig) -> datetime:
    """When the answer to a message received at `received` is due (UTC)."""
    if config.mode == "hours":
        return (received + timedelta(hours=config.hours)).astimezone(UTC)
    tz = ZoneInfo(config.timezone)
    local = _local(received, tz)
    day, clock = local.date(), local.time().replace(tzinfo=None)
    if not is_business_day(day, config.country):
        # The clock starts when the next business day starts.
        while not is_business_day(day, config.country):
            day += timedelta(days=1)
        clock = time(0, 0)
    remaining = config.business_days
    while remaining:
        day += timedelta(days=1)
        if is_business_day(day, config.country):
            remaining -= 1
    return _wall(day, clock, tz).astimezone(UTC)


def stage_times(received: datetime, due: datetime, config: DeadlineConfig) -> dict[str, datetime]:
    """When each reminder stage falls due for a clock."""
    window = due - received
    times = {
        "first": received + window * config.first_reminder_fraction,
        "last": due - timedelta(hours=config.last_reminder_hours_before),
    }
    if config.overdue_notice:
        times["overdue"] = due
    # A short window can put "last" before "first": then only "last" is worth sending.
    if times["last"] <= times["first"]:
        del times["first"]
    return times


def next_stage(times: dict[str, datetime], sent: set[str]) -> tuple[str, datetime] | None:
    pending = [(at, stage) for stage, at in times.items() if stage not in sent]
    if not pending:
        return None
    at, stage = min(pending)
    return stage, at


def due_stage(times: dict[str, datetime], sent: set[str], now: datetime) -> str | None:
    """The most advanced stage that is due and unsent (a late sweep skips the older ones)."""
    due = [
        stage for stage in STAGES if stage in times and stage not in sent and times[stage] <= now
    ]
    return due[-1] if due else None
