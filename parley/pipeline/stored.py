"""The message a stage works on: ingest's one parse, kept as a compact record.

The filter reads ingest's record (`messages/<id>/message.json`), the relay the filter's
sanitized one when the policy rewrote the message, else ingest's; attachments are read from
the files ingest stored, when something opens them. A message queued before records existed
(in flight during a deploy) has none: it is parsed from its raw mail (or sanitized copy), as
it was then.

A record that fits travels in the queue record instead of S3 (parley.adapters.queues): a
retry or a redrive of that queue record still carries it. A hand-over sent without it (a
heal, an ingest retry, an operator's) finds no object in S3 either: the stage parses the
raw mail (or the sanitized copy) again, the fallback above.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import TYPE_CHECKING

from parley.adapters import keys
from parley.adapters.blobs import BlobNotFound
from parley.adapters.queues import fits_inline
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


def keep(svc: Services, key: str, compact: MessageRecord, *, carry: bool = True) -> bytes | None:
    """The record's JSON to carry in the queue record when it fits (and `carry`: it is handed
    over now); else stored at `key`."""
    data = compact.to_json()
    if carry and fits_inline(data):
        return data
    svc.blobs.put(key, data, "application/json")
    return None


def load_message(
    svc: Services,
    record: MessageModel,
    *,
    sanitized: bool = False,
    files: bool = False,
    carried: bytes | None = None,
) -> tuple[EmailMessage, int]:
    """(message, size of the raw mail); UnacceptableMessage when a raw fallback is refused.

    `files`: every attachment's bytes are read now (the filter: the policy reads them all,
    and must not meet an AWS error inside its rules, where it would count as the message's
    fault and not be retried); else each is read when opened (the relay: one at a time).
    `carried`: the record as the queue record brought it (then S3 is not read)."""
    message_id = record.message_id
    key = keys.sanitized_record_key(message_id) if sanitized else keys.record_key(message_id)
    try:
        compact = MessageRecord.from_json(carried if carried else svc.blobs.get(key))
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
) -> bytes | None:
    """The compact record of the message as the policy left it, for the relay (carried in
    the queue record when it fits, see `keep`). Files it still names are the ones ingest
    stored; a file the rewrite made anew is stored now."""
    message_id = record.message_id

    def store(new: NewFile) -> FileRef:
        key = keys.sanitized_attachment_key(message_id, new.index, safe_file_name(new.name))
        svc.blobs.put(key, new.data, new.content_type)
        return stored_ref(key, new)

    return keep(svc, keys.sanitized_record_key(message_id), record_of(message, raw_size, store))
