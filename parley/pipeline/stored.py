"""The message a stage works on: ingest's one parse, kept as a compact record.

The filter reads ingest's record (`messages/<id>/message.json`), the relay the filter's
sanitized one when the policy rewrote the message, else ingest's; attachments are read from
the files ingest stored, when something opens them. A message queued before records existed
(in flight during a deploy) has none: it is parsed from its raw mail (or sanitized copy), as
it was then.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import TYPE_CHECKING

from parley.adapters import keys
from parley.adapters.blobs import BlobNotFound
from parley.mail.parsing import parse_message, safe_file_name
from parley.mail.stored import (
    FilePart,
    FileRef,
    MessageRecord,
    NewFile,
    message_of,
    record_of,
    stored_ref,
)
from parley.models.tables import MessageModel

if TYPE_CHECKING:
    from parley.app import Services


def load_message(
    svc: Services, record: MessageModel, *, sanitized: bool = False, files: bool = False
) -> tuple[EmailMessage, int]:
    """(message, size of the raw mail); UnacceptableMessage when a raw fallback is refused.

    `files`: every attachment's bytes are read now (the filter: the policy reads them all,
    and must not meet an AWS error inside its rules, where it would count as the message's
    fault and not be retried); else each is read when opened (the relay: one at a time)."""
    message_id = record.message_id
    key = keys.sanitized_record_key(message_id) if sanitized else keys.record_key(message_id)
    try:
        compact = MessageRecord.from_json(svc.blobs.get(key))
    except BlobNotFound:  # recorded before compact records: the mail itself, parsed again
        raw = svc.blobs.get(str(record.body_key) if sanitized else record.raw_key)
        return parse_message(raw, svc.settings.max_message_bytes), len(raw)
    message = message_of(compact, svc.blobs.get)
    for part in message.walk() if files else ():
        if isinstance(part, FilePart):
            part.data()
    return message, compact.raw_size


def keep_sanitized_record(
    svc: Services, record: MessageModel, message: EmailMessage, raw_size: int
) -> None:
    """The compact record of the message as the policy left it, for the relay. Files it
    still names are the ones ingest stored; a file the rewrite made anew is stored now."""
    message_id = record.message_id

    def store(new: NewFile) -> FileRef:
        key = keys.sanitized_attachment_key(message_id, new.index, safe_file_name(new.name))
        svc.blobs.put(key, new.data, new.content_type)
        return stored_ref(key, new)

    compact = record_of(message, raw_size, store)
    svc.blobs.put(keys.sanitized_record_key(message_id), compact.to_json(), "application/json")
