"""The mail bucket's key layout, in one place: the code that writes objects, the code that
reads them, the stack's lifecycle rules and IAM grants all take their prefixes from here.

    raw/<ses message id>                        the mail as SES stored it (or the API composed it)
    messages/<message id>/message.json          the compact record of the one parse (ingest),
                                                only when too large for the queue record
    messages/<message id>/attachments/NNN-name  each attachment as received, decoded once at ingest
    messages/<message id>/sanitized.eml         the copy the policy rewrote (when it did)
    messages/<message id>/sanitized.json        its compact record (what the relay composes),
                                                only when too large for the queue record
    messages/<message id>/sanitized/NNN-name    files that rewrite made anew (rare)
    messages/<message id>/delivered.eml         what the recipient got, byte for byte (relay)
    messages/<message id>/delivered/NNN-name    each attachment as delivered (cleaned)
    uploads/<kind>/<party id>/<upload id>       message-center uploads, until a message uses them
    exports/<kind>/<party id>/<export id>.zip   a party's own archive (GDPR access)
    holds/<kind>/<party id>.json                what identifies an erased party under a legal hold
    audit/erasure/YYYY/MM/DD/<time>-<id>.json   erasure audit records (no personal data)
    quarantine/                                 mail from strangers, for abuse handling
    images/<sha-256 of the URL>                 remote images the image proxy fetched (cache)

Each prefix expires after the days `expiry_days` gives it (the stack's lifecycle rules).
"""

from __future__ import annotations

from parley.core.retention import Retention

RAW = "raw/"
MESSAGES = "messages/"
UPLOADS = "uploads/"
EXPORTS = "exports/"
HOLDS = "holds/"
AUDIT = "audit/"
QUARANTINE = "quarantine/"
IMAGES = "images/"


def expiry_days(retention: Retention) -> dict[str, int]:
    """Every prefix of the mail bucket -> days until S3 deletes its objects. A message's
    objects live as long as its record (the TTL is written from the same `messages` days)."""
    return {
        RAW: retention.messages,
        MESSAGES: retention.messages,
        HOLDS: retention.messages,
        UPLOADS: retention.uploads,
        EXPORTS: retention.exports,
        QUARANTINE: retention.quarantine,
        AUDIT: retention.audit,
        IMAGES: retention.image_cache,
    }


def raw_key(ses_message_id: str, prefix: str = RAW) -> str:
    return prefix + ses_message_id


def image_cache_key(url_hash: str) -> str:
    """A proxied remote image, by the hash of its URL (the bucket never lists URLs)."""
    return f"{IMAGES}{url_hash}"


def message_prefix(message_id: str) -> str:
    """Everything stored for one message lives under this prefix (export, erasure)."""
    return f"{MESSAGES}{message_id}/"


def attachment_key(message_id: str, index: int, safe_name: str) -> str:
    return f"{message_prefix(message_id)}attachments/{index:03d}-{safe_name}"


def sanitized_key(message_id: str) -> str:
    return f"{message_prefix(message_id)}sanitized.eml"


def delivered_key(message_id: str) -> str:
    return f"{message_prefix(message_id)}delivered.eml"


def delivered_attachment_key(message_id: str, index: int, safe_name: str) -> str:
    return f"{message_prefix(message_id)}delivered/{index:03d}-{safe_name}"


def upload_key(kind: str, party_id: str, upload_id: str) -> str:
    return f"{UPLOADS}{kind}/{party_id}/{upload_id}"


def export_key(kind: str, party_id: str, export_id: str) -> str:
    return f"{EXPORTS}{kind}/{party_id}/{export_id}.zip"


def party_prefix(prefix: str, kind: str, party_id: str) -> str:
    """A party's folder under uploads/ or exports/ (erasure empties both)."""
    return f"{prefix}{kind}/{party_id}/"


def hold_key(kind: str, party_id: str) -> str:
    return f"{HOLDS}{kind}/{party_id}.json"


def audit_key(stamp: str, unique: str) -> str:
    return f"{AUDIT}erasure/{stamp}-{unique}.json"


def record_key(message_id: str) -> str:
    """The compact message record ingest writes (parley.mail.stored)."""
    return f"{message_prefix(message_id)}message.json"


def sanitized_record_key(message_id: str) -> str:
    """The compact record of the copy the policy rewrote (next to sanitized.eml)."""
    return f"{message_prefix(message_id)}sanitized.json"


def sanitized_attachment_key(message_id: str, index: int, safe_name: str) -> str:
    """A file the policy's rewrite made anew (a rebuilt message's kept attachments)."""
    return f"{message_prefix(message_id)}sanitized/{index:03d}-{safe_name}"
