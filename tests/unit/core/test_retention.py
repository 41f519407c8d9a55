"""The retention table: defaults reasoned for disputes, overrides validated, one source."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from parley.core.retention import LOG_RETENTION_DAYS, Retention, RetentionError


def test_defaults_keep_message_evidence_past_the_dispute_window() -> None:
    retention = Retention()
    # claims and chargebacks arrive up to ~180 days after delivery, then take time to decide
    assert retention.messages >= 180 + 30 + 90
    assert retention.thread_ids <= retention.messages
    assert retention.clocks <= retention.messages
    assert retention.directory >= retention.messages
    assert retention.logs in LOG_RETENTION_DAYS and retention.access_logs in LOG_RETENTION_DAYS


def test_a_marketplace_overrides_days_and_the_expiries_follow() -> None:
    retention = Retention.from_mapping({"messages": 400, "thread_ids": "200"})
    received = datetime(2026, 1, 1, tzinfo=UTC)
    assert retention.message_expiry(received) == datetime(2027, 2, 5, tzinfo=UTC)
    assert retention.thread_id_expiry(received).date().isoformat() == "2026-07-20"
    assert Retention.from_json(retention.to_json()) == retention


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"mesages": 10}, "unknown retention setting"),
        ({"messages": 0}, "at least 1 day"),
        ({"thread_ids": 500}, "thread_ids cannot outlive"),
        ({"clocks": 30}, "90 days"),
        ({"directory": 100}, "must outlive their messages"),
        ({"logs": 31}, "one of CloudWatch's"),
        ({"messages": True}, "number of days"),
        ({"messages": "a year"}, "not a number"),
    ],
)
def test_contradictions_are_refused(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(RetentionError, match=message):
        Retention.from_mapping(overrides)


def test_every_data_class_says_where_it_lives_and_why() -> None:
    classes = Retention().data_classes()
    names = {c.name for c in classes}
    for wanted in (
        "raw mail",
        "delivered copies",
        "attachments",
        "message records",
        "thread ids",
        "response clocks",
        "counters",
        "notices",
        "webhook deliveries",
        "function logs",
    ):
        assert wanted in names
    assert all(c.where and c.kept and c.reason for c in classes)
