"""Deadline arithmetic: weekends, holidays, time zones and DST, as examples and properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parley.responses.deadlines import (
    DeadlineConfig,
    DeadlineConfigError,
    deadline,
    due_stage,
    is_business_day,
    stage_times,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
DE = DeadlineConfig()
US = DeadlineConfig(timezone="America/New_York", country="US")


def local(tz: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=tz)


def test_two_business_days_skip_the_weekend() -> None:
    friday = local(BERLIN, 2026, 11, 27, 15, 30)
    assert deadline(friday, DE) == local(BERLIN, 2026, 12, 1, 15, 30).astimezone(UTC)


def test_a_message_on_saturday_starts_the_clock_on_monday_morning() -> None:
    saturday = local(BERLIN, 2026, 11, 28, 10, 0)
    assert deadline(saturday, DE) == local(BERLIN, 2026, 12, 2, 0, 0).astimezone(UTC)


def test_german_public_holidays_do_not_count() -> None:
    # 24 Dec 2026 is a Thursday; 25 and 26 Dec are holidays, then a weekend.
    christmas_eve = local(BERLIN, 2026, 12, 24, 9, 0)
    assert deadline(christmas_eve, DE) == local(BERLIN, 2026, 12, 29, 9, 0).astimezone(UTC)


def test_us_thanksgiving_does_not_count() -> None:
    wednesday = local(NEW_YORK, 2026, 11, 25, 12, 0)  # Thanksgiving is Thu 26 Nov 2026
    assert deadline(wednesday, US) == local(NEW_YORK, 2026, 11, 30, 12, 0).astimezone(UTC)


def test_dst_change_keeps_the_time_of_day() -> None:
    # Europe leaves summer time on 25 Oct 2026 (a Sunday).
    friday = local(BERLIN, 2026, 10, 23, 14, 0)
    due = deadline(friday, DE)
    assert due.astimezone(BERLIN).hour == 14
    assert due - friday.astimezone(UTC) == timedelta(days=4, hours=1)


def test_calendar_hours_mode_is_exact() -> None:
    config = DeadlineConfig(mode="hours", hours=24)
    received = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    assert deadline(received, config) == received + timedelta(hours=24)


@pytest.mark.parametrize(
    "raw, message",
    [
        ({"timezone": "Mars/Olympus"}, "time zone"),
        ({"country": "XX"}, "country"),
        ({"business_days": -1}, "positive"),
        ({"mode": "hours", "hours": 0}, "positive"),
        ({"mode": "hours", "hours": 3, "last_reminder_hours_before": 4}, "last reminder"),
        ({"first_reminder_fraction": 1.5}, "between 0 and 1"),
        ({"colour": "blue"}, "unknown"),
    ],
)
def test_bad_configuration_is_refused_at_load(raw, message) -> None:
    with pytest.raises(DeadlineConfigError, match=message):
        DeadlineConfig.from_dict(raw)


def test_stages_fall_at_half_window_four_hours_before_and_at_the_deadline() -> None:
    received = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    due = received + timedelta(hours=48)
    times = stage_times(received, due, DE)
    assert times == {
        "first": received + timedelta(hours=24),
        "last": due - timedelta(hours=4),
        "overdue": due,
    }
    assert due_stage(times, set(), received + timedelta(hours=25)) == "first"
    assert due_stage(times, {"first"}, received + timedelta(hours=25)) is None
    # a sweep that comes late sends only the most advanced stage
    assert due_stage(times, set(), due + timedelta(minutes=1)) == "overdue"


moments = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
configs = st.sampled_from(
    [
        DE,
        US,
        DeadlineConfig(business_days=1),
        DeadlineConfig(business_days=5, timezone="Europe/Vienna", country="AT"),
    ]
)


@settings(max_examples=300, deadline=None)
@given(received=moments, config=configs)
def test_business_day_deadlines_are_exact_business_days_later(received, config) -> None:
    tz = ZoneInfo(config.timezone)
    due = deadline(received, config).astimezone(tz)
    start = received.astimezone(tz)
    assert due > start
    assert is_business_day(due.date(), config.country)
    first = start.date()  # the clock's first day: the next business day if this is none
    while not is_business_day(first, config.country):
        first += timedelta(days=1)
    between = [first + timedelta(days=i) for i in range(1, (due.date() - first).days + 1)]
    assert sum(is_business_day(d, config.country) for d in between) == config.business_days
    if is_business_day(start.date(), config.country):
        # same wall-clock time of day, whatever DST did in between (gaps move forward)
        naive_due = due.replace(tzinfo=None).time()
        naive_start = start.replace(tzinfo=None).time()
        assert naive_due == naive_start or due.utcoffset() != start.utcoffset()
    else:
        assert (due.hour, due.minute) == (0, 0)


@settings(max_examples=200, deadline=None)
@given(received=moments, hours=st.integers(min_value=5, max_value=240))
def test_hour_deadlines_are_exact_durations(received, hours) -> None:
    config = DeadlineConfig(mode="hours", hours=hours)
    assert deadline(received, config) - received == timedelta(hours=hours)
