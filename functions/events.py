"""The Lambda event shapes the handlers share: SES receipt records and SQS partial batches.

SQS partial batch responses:
Powertools' BatchProcessor does the same, but importing it loads asyncio: 55 ms on every cold
start, half of the import budget. The protocol is small enough to keep here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from parley.core.observability import get_logger
from parley.pipeline.common import RetryLater

if TYPE_CHECKING:  # the queue handlers do not pay for importing ingest
    from parley.pipeline.ingest import InboundMail


def partial_batch(
    event: dict[str, Any], service: str, process: Callable[[str, int], object]
) -> dict[str, list[dict[str, str]]]:
    """Process each record; report the failed ones so SQS retries only those."""
    failures = []
    for record in event.get("Records") or []:
        attributes = record.get("attributes") or {}
        try:
            process(str(record["body"]), int(attributes.get("ApproximateReceiveCount") or 1))
        except RetryLater as busy:  # expected under load: no traceback, no error alarm noise
            get_logger(service).info(
                "record postponed",
                extra={"sqs_message_id": record.get("messageId"), "why": str(busy)},
            )
            failures.append({"itemIdentifier": str(record.get("messageId"))})
        except Exception:
            get_logger(service).exception(
                "record failed; SQS will retry it",
                extra={"sqs_message_id": record.get("messageId")},
            )
            failures.append({"itemIdentifier": str(record.get("messageId"))})
    return {"batchItemFailures": failures}


def to_inbound(record: dict[str, Any]) -> InboundMail:
    """Read the SES event record; KeyError/TypeError/ValueError when it is not one."""
    from parley.mail.authentication import Verdicts
    from parley.pipeline.ingest import InboundMail

    mail, receipt = record["ses"]["mail"], record["ses"]["receipt"]

    def verdict(name: str) -> str:
        return str((receipt.get(name) or {}).get("status", "GRAY")).upper()

    message_id = str(mail["messageId"])
    if not message_id or "/" in message_id:
        raise ValueError("mail.messageId is not an SES message id")
    return InboundMail(
        ses_message_id=message_id,
        recipients=tuple(str(r) for r in receipt.get("recipients") or mail["destination"]),
        timestamp=str(receipt.get("timestamp") or mail.get("timestamp") or ""),
        source=str(mail.get("source") or ""),
        verdicts=Verdicts(
            spf=verdict("spfVerdict"),
            dkim=verdict("dkimVerdict"),
            dmarc=verdict("dmarcVerdict"),
            virus=verdict("virusVerdict"),
            spam=verdict("spamVerdict"),
            dmarc_policy=receipt.get("dmarcPolicy"),
        ),
    )
