"""SES receipt rule -> ingest. Invoked asynchronously (Event) after the S3 action."""

from __future__ import annotations

from typing import Any

from parley.observability import get_logger, lambda_entry
from parley.pipeline.ingest import InboundMail, Verdicts, ingest
from parley.pipeline.services import default_services


def to_inbound(record: dict[str, Any]) -> InboundMail:
    """Read the SES event record; KeyError/TypeError/ValueError when it is not one."""
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


@lambda_entry("ingest", correlation_id_path="Records[0].ses.mail.messageId")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    logger = get_logger("ingest")
    outcomes: list[dict[str, str | None]] = []
    for record in event.get("Records") or [{}]:
        try:
            inbound = to_inbound(record)
        except (KeyError, TypeError, ValueError) as exc:
            # Nothing to retry and no message id to record against: say so loudly.
            logger.error("malformed SES event record", extra={"error": repr(exc)[:200]})
            outcomes.append({"status": "malformed-event"})
            continue
        for outcome in ingest(inbound, default_services()):
            outcomes.append(
                {
                    "message_id": outcome.message_id,
                    "status": outcome.status,
                    "reason": outcome.reason,
                }
            )
    return {"outcomes": outcomes}
