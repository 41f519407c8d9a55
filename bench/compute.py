"""The stdlib floor, and a mirror of the stages' parse and compose path alone (no records, no
policy context, no logging): `compute_only_ratio_*` in the bench. The CPU budget itself is
measured on the real stages (bench/stages.py)."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from parley.mail.compose import Envelope, compose_relay
from parley.mail.onepass import parse_once
from parley.mail.parsing import header, message_ids, parse_headers
from parley.mail.stored import (
    FileRef,
    MessageRecord,
    NewFile,
    message_of,
    record_of,
    stored_ref,
)
from parley.policy import PolicyContext, evaluate
from parley.policy.config import load_policy

LIMIT = 40 * 1024 * 1024
POLICY = load_policy()
ENVELOPE = Envelope(
    from_name="Bob Buyer",
    from_alias="bbbbbbbbbbbbbbb@marketplace.example",
    to_address="seller@example.org",
    message_id="m@marketplace.example",
    replacements={
        "bob@example.net": "bbbbbbbbbbbbbbb@marketplace.example",
        "seller@example.org": "aaaaaaaaaaaaaaa@marketplace.example",
    },
    scrub={"bob@example.net": "bbbbbbbbbbbbbbb@marketplace.example"},
)


def floor(raw: bytes) -> bytes:
    """The bare stdlib parse + serialize of the same bytes."""
    return BytesParser(policy=policy.default).parsebytes(raw).as_bytes()


def ingest_stage(raw: bytes, store: dict[str, bytes]) -> None:
    """Headers, the one parse, attachments stored, the compact record written."""
    store["raw"] = raw
    header(parse_headers(raw), "From")
    parsed = parse_once(store["raw"], LIMIT)

    def keep(new: NewFile) -> FileRef:
        store[f"att-{new.index}"] = new.data
        return stored_ref(f"att-{new.index}", new)

    store["record"] = record_of(parsed, len(raw), keep).to_json()
    message_ids(header(parsed, "Message-ID"))


def _message(store: dict[str, bytes], key: str) -> tuple[EmailMessage, int]:
    record = MessageRecord.from_json(store[key])
    return message_of(record, store.__getitem__), record.raw_size


def filter_stage(store: dict[str, bytes]) -> None:
    """The message from the record (another function), classified, evaluated, and the
    record of a sanitized copy kept."""
    message, raw_size = _message(store, "record")
    decision = evaluate(
        message,
        PolicyContext(
            "buyer_to_seller", config=POLICY, relay_domain="marketplace.example", raw_size=raw_size
        ),
    )
    if decision.modified:
        store["sanitized"] = record_of(
            message, raw_size, lambda new: stored_ref("x", new)
        ).to_json()


def relay_stage(store: dict[str, bytes]) -> bytes:
    """The message to send, from its record, composed into the anonymized copy."""
    message, _size = _message(store, "sanitized" if "sanitized" in store else "record")
    return compose_relay(message, ENVELOPE)


def pipeline(raw: bytes, store: dict[str, bytes]) -> bytes:
    """ingest + filter + relay as the stages run them; S3 is a dict, the other calls skipped.

    Each stage is its own function, as each is its own Lambda invocation: nothing one
    stage parsed stays alive in the next.
    """
    ingest_stage(raw, store)
    filter_stage(store)
    return relay_stage(store)
