"""Plays SES inbound: store the raw mail like the S3 action, build the same Lambda event."""

from __future__ import annotations

import secrets
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Any

from parley.adapters import keys
from parley.core.time import now_iso

_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def new_ses_message_id() -> str:
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(32))


def _decoded(value: str) -> str:
    """Encoded words decoded like SES does; the raw text when they are broken."""
    try:
        return " ".join(str(make_header(decode_header(value))).split())
    except (ValueError, LookupError, UnicodeError):
        return " ".join(value.split())


def _header_list(raw: bytes) -> tuple[list[dict[str, str]], dict[str, Any]]:
    head = BytesHeaderParser(policy=compat32).parsebytes(raw)
    headers = [
        {"name": name, "value": " ".join(str(value).split())} for name, value in head.raw_items()
    ]
    common: dict[str, Any] = {}
    for key, name in (("from", "From"), ("to", "To"), ("cc", "Cc")):
        values = head.get_all(name)
        if values:
            common[key] = [_decoded(str(v)) for v in values]
    for key, name in (
        ("subject", "Subject"),
        ("messageId", "Message-ID"),
        ("date", "Date"),
        ("returnPath", "Return-Path"),
    ):
        value = head.get(name)
        if value is not None:
            common[key] = _decoded(str(value))
    return headers, common


def ses_receipt_event(
    *,
    ses_message_id: str,
    raw: bytes,
    mail_from: str,
    recipients: list[str],
    verdicts: dict[str, str],
    function_arn: str,
    dmarc_policy: str | None = None,
) -> dict[str, Any]:
    """The event a receipt rule's Lambda action (invocation type Event) delivers."""
    headers, common = _header_list(raw)
    timestamp = now_iso()
    receipt: dict[str, Any] = {
        "recipients": recipients,
        "timestamp": timestamp,
        "processingTimeMillis": 1,
        "action": {"type": "Lambda", "invocationType": "Event", "functionArn": function_arn},
        **{f"{name}Verdict": {"status": status} for name, status in verdicts.items()},
    }
    if dmarc_policy:
        receipt["dmarcPolicy"] = dmarc_policy
    return {
        "Records": [
            {
                "eventSource": "aws:ses",
                "eventVersion": "1.0",
                "ses": {
                    "mail": {
                        "timestamp": timestamp,
                        "source": mail_from,
                        "messageId": ses_message_id,
                        "destination": recipients,
                        "headersTruncated": False,
                        "headers": headers,
                        "commonHeaders": common,
                    },
                    "receipt": receipt,
                },
            }
        ]
    }


def store_and_describe(
    raw: bytes,
    *,
    mail_from: str,
    recipients: list[str],
    verdicts: dict[str, str] | None = None,
    dmarc_policy: str | None = None,
    function_arn: str = "arn:aws:lambda:local:123456789012:function:ingest",
    store_raw: bool = True,
) -> tuple[str, dict[str, Any]]:
    """What SES inbound does before invoking ingest: S3 action first, then the event."""
    from parley.adapters.aws import client
    from parley.core.settings import get_settings

    settings = get_settings()
    ses_id = new_ses_message_id()
    if store_raw:
        client("s3", settings).put_object(
            Bucket=settings.bucket, Key=keys.raw_key(ses_id, settings.raw_prefix), Body=raw
        )
    event = ses_receipt_event(
        ses_message_id=ses_id,
        raw=raw,
        mail_from=mail_from,
        recipients=recipients,
        verdicts=verdicts or dict.fromkeys(("spam", "virus", "spf", "dkim", "dmarc"), "PASS"),
        function_arn=function_arn,
        dmarc_policy=dmarc_policy,
    )
    return ses_id, event
