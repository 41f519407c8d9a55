"""The mail bucket's key layout, in one place: the code that writes objects, the code that
reads them, the stack's lifecycle rules and IAM grants all take their prefixes from here.

    raw/<ses message id>                        the mail as SES stored it (or the API composed it)
    messages/<message id>/attachments/NNN-name  each attachment as received, decoded once at ingest
    messages/<message id>/sanitized.eml         the copy the policy rewrote (when it did)
    uploads/<kind>/<party id>/<upload id>       message-center uploads, until a message uses them
"""

from __future__ import annotations

RAW = "raw/"
MESSAGES = "messages/"
UPLOADS = "uploads/"


def raw_key(ses_message_id: str, prefix: str = RAW) -> str:
    return prefix + ses_message_id


def message_prefix(message_id: str) -> str:
    """Everything stored for one message lives under this prefix (export, erasure)."""
    return f"{MESSAGES}{message_id}/"


def attachment_key(message_id: str, index: int, safe_name: str) -> str:
    return f"{message_prefix(message_id)}attachments/{index:03d}-{safe_name}"


def sanitized_key(message_id: str) -> str:
    return f"{message_prefix(message_id)}sanitized.eml"


def upload_key(kind: str, party_id: str, upload_id: str) -> str:
    return f"{UPLOADS}{kind}/{party_id}/{upload_id}"
