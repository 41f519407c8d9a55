"""The stdlib floor, and a mirror of the stages' parse and compose path alone (no records, no
policy context, no logging): `compute_only_ratio_*` in the bench. The CPU budget itself is
measured on the real stages (bench/stages.py)."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

from parley.mail.compose import Envelope, compose_relay
from parley.mail.parsing import attachments, header, message_ids, parse_headers, parse_message
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
    """Headers, full parse with limits, attachments stored, ids recorded."""
    store["raw"] = raw
    header(parse_headers(raw), "From")
    parsed = parse_message(store["raw"], LIMIT)
    for index, attachment in enumerate(attachments(parsed)):
        store[f"att-{index}"] = attachment.data
    message_ids(header(parsed, "Message-ID"))


def filter_stage(store: dict[str, bytes]) -> None:
    """Parse again (another function), classify, evaluate, keep a sanitized copy."""
    raw = store["raw"]
    message = parse_message(raw, LIMIT)
    decision = evaluate(
        message,
        PolicyContext(
            "buyer_to_seller", config=POLICY, relay_domain="marketplace.example", raw_size=len(raw)
        ),
    )
    if decision.modified:
        store["sanitized"] = message.as_bytes()


def relay_stage(store: dict[str, bytes]) -> bytes:
    """Parse the body to send and compose the anonymized copy."""
    return compose_relay(parse_message(store.get("sanitized", store["raw"]), LIMIT), ENVELOPE)


def pipeline(raw: bytes, store: dict[str, bytes]) -> bytes:
    """ingest + filter + relay as the stages run them; S3 is a dict, the other calls skipped.

    Each stage is its own function, as each is its own Lambda invocation: nothing one
    stage parsed stays alive in the next.
    """
    ingest_stage(raw, store)
    filter_stage(store)
    return relay_stage(store)
