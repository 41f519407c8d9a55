"""How long each class of data is kept: one table, read by the code and by the CDK stack.

The S3 lifecycle rules, the DynamoDB TTL values the code writes and the CloudWatch log
retention are all derived from `Retention`, so a record and the objects it points to expire
together. A marketplace overrides the defaults in its deployment context (`retention`).

Why the defaults: claims (A-to-z guarantee) and card chargebacks arrive up to about 180 days
after delivery; delivery can come a month after the messages about an order, and a dispute
takes weeks to decide. 180 + 30 + 90 days of handling ~ 300 days, so a message and everything
derived from it is kept one year from its receipt, and no longer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any

# Values CloudWatch Logs accepts for a log group's retention (days).
LOG_RETENTION_DAYS = frozenset(
    {
        1,
        3,
        5,
        7,
        14,
        30,
        60,
        90,
        120,
        150,
        180,
        365,
        400,
        545,
        731,
        1096,
        1827,
        2192,
        2557,
        2922,
        3288,
        3653,
    }
)
COUNTER_HOURS = 2  # a rate-limit counter: its hour, and one more for clock skew
STATS_DAYS = 90  # the longest window of the sellers' response-time figures


class RetentionError(ValueError):
    """A retention setting is unknown, out of range or contradicts another."""


@dataclass(frozen=True)
class Retention:
    """Days per knob; `data_classes()` says which data each knob governs and why."""

    messages: int = 365  # raw mail, delivered copies, attachments, message records, notices
    thread_ids: int = 365  # Message-ID mappings (replies across the relay)
    clocks: int = 365  # response clocks (the sellers' figures read 90 days)
    directory: int = 730  # parties, pairs, aliases, orders, templates, settings, webhooks
    uploads: int = 2  # message center uploads not (yet) attached to a message
    exports: int = 7  # archives a party downloaded (GDPR access)
    quarantine: int = 7  # mail from strangers kept for abuse handling (issue #12: a week)
    image_cache: int = 30  # remote images the image proxy fetched (remoteImages: proxy)
    webhook_deliveries: int = 30  # attempts to deliver events to a party's webhook
    audit: int = 1096  # erasure audit records (no personal data): accountability
    logs: int = 30  # Lambda function logs (ids and outcomes, no message content)
    access_logs: int = 90  # API Gateway and S3 server access logs (security investigations)

    @classmethod
    def from_mapping(cls, overrides: Mapping[str, Any] | None) -> Retention:
        """Defaults with a marketplace's overrides, validated."""
        known = {f.name for f in fields(cls)}
        values: dict[str, int] = {}
        for name, value in (overrides or {}).items():
            if name not in known:
                raise RetentionError(
                    f"unknown retention setting {name!r}; known: {', '.join(sorted(known))}"
                )
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise RetentionError(f"retention {name} must be a number of days")
            try:
                values[name] = int(value)
            except ValueError as exc:
                raise RetentionError(f"retention {name}={value!r} is not a number") from exc
        return replace(cls(), **values).validate()

    @classmethod
    def from_json(cls, text: str) -> Retention:
        if not text.strip():
            return cls()
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise RetentionError(f"retention is not JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise RetentionError("retention must be an object of days per setting")
        return cls.from_mapping(data)

    def to_json(self) -> str:
        return json.dumps({f.name: getattr(self, f.name) for f in fields(self)}, sort_keys=True)

    def validate(self) -> Retention:
        for f in fields(self):
            if getattr(self, f.name) < 1:
                raise RetentionError(f"retention {f.name} must be at least 1 day")
        # Nothing may point to what is already gone.
        if self.thread_ids > self.messages:
            raise RetentionError("thread_ids cannot outlive the messages they map")
        if self.clocks > self.messages:
            raise RetentionError("clocks cannot outlive the messages they list")
        if self.clocks < STATS_DAYS:
            raise RetentionError(f"clocks must cover the {STATS_DAYS} days of seller figures")
        if self.directory < self.messages:
            raise RetentionError("directory (parties, pairs) must outlive their messages")
        for name in ("logs", "access_logs"):
            if getattr(self, name) not in LOG_RETENTION_DAYS:
                allowed = ", ".join(str(d) for d in sorted(LOG_RETENTION_DAYS))
                raise RetentionError(f"retention {name} must be one of CloudWatch's: {allowed}")
        return self

    # Expiry moments, as the TTL attributes store them.
    def message_expiry(self, received: datetime) -> datetime:
        return received + timedelta(days=self.messages)

    def thread_id_expiry(self, now: datetime) -> datetime:
        return now + timedelta(days=self.thread_ids)

    def clock_expiry(self, received: datetime) -> datetime:
        return received + timedelta(days=self.clocks)

    def directory_expiry(self, now: datetime) -> datetime:
        return now + timedelta(days=self.directory)

    def data_classes(self) -> list[DataClass]:
        return [
            DataClass("raw mail", "S3 raw/<SES id>", f"{self.messages} days", _EVIDENCE),
            DataClass(
                "delivered copies",
                "S3 messages/<id>/ (sanitized and delivered copies)",
                f"{self.messages} days",
                _EVIDENCE,
            ),
            DataClass(
                "attachments",
                "S3 messages/<id>/attachments/",
                f"{self.messages} days",
                _EVIDENCE,
            ),
            DataClass(
                "message records",
                "messages table (expires_at)",
                f"{self.messages} days",
                "point to the raw mail and copies: expire with them",
            ),
            DataClass(
                "notices",
                "sent through SES, not stored; recorded as a flag on the message record",
                f"{self.messages} days",
                "part of the message record",
            ),
            DataClass(
                "thread ids",
                "thread-ids table (expires_at)",
                f"{self.thread_ids} days",
                "a reply to a message older than its record cannot be threaded anyway",
            ),
            DataClass(
                "response clocks",
                "clocks table (expires_at)",
                f"{self.clocks} days",
                f"sellers' figures read {STATS_DAYS} days; clocks list message ids",
            ),
            DataClass(
                "counters",
                "counters table (expires_at)",
                f"{COUNTER_HOURS} hours",
                "an hourly rate-limit window",
            ),
            DataClass(
                "directory",
                "parties, pairs, aliases, orders, templates tables (expires_at)",
                f"{self.directory} days after the last order",
                "conversations go on after an order; must outlive the messages",
            ),
            DataClass("uploads", "S3 uploads/", f"{self.uploads} days", "copied when sent"),
            DataClass(
                "cached remote images",
                "S3 images/<SHA-256 of the image URL> (remoteImages: proxy)",
                f"{self.image_cache} days",
                "fetched again from the origin after that, while a token still allows it",
            ),
            DataClass("exports", "S3 exports/", f"{self.exports} days", "a download link"),
            DataClass(
                "legal holds",
                "S3 holds/ and the held messages",
                f"{self.messages} days from the hold",
                "evidence for a named dispute",
            ),
            DataClass(
                "quarantine",
                "S3 raw/ mail that reached no party (tag parley-retention=short), quarantine/",
                f"{self.quarantine} days",
                "abuse handling of mail from strangers",
            ),
            DataClass(
                "webhook deliveries",
                "webhook delivery records",
                f"{self.webhook_deliveries} days",
                "retries and a party's own troubleshooting",
            ),
            DataClass(
                "erasure audit",
                "S3 audit/",
                f"{self.audit} days",
                "proof that a request was carried out; no personal data",
            ),
            DataClass(
                "function logs",
                "CloudWatch log groups",
                f"{self.logs} days",
                "operations; ids and outcomes, no message content",
            ),
            DataClass(
                "access logs",
                "API Gateway access logs, S3 server access logs",
                f"{self.access_logs} days",
                "security investigations",
            ),
        ]


_EVIDENCE = "evidence for claims and chargebacks (up to ~180 days after delivery, then handling)"


@dataclass(frozen=True)
class DataClass:
    name: str
    where: str
    kept: str
    reason: str
