"""The stages' compute path with AWS I/O faked in memory, and the stdlib floor."""

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


def pipeline(raw: bytes, store: dict[str, bytes]) -> bytes:
    """ingest + filter + relay as the stages run them; S3 is a dict, the rest is skipped."""
    # ingest: headers, full parse with limits, attachments stored, ids recorded
    store["raw"] = raw
    head = parse_headers(raw)
    header(head, "From")
    parsed = parse_message(store["raw"], LIMIT)
    for index, attachment in enumerate(attachments(parsed)):
        store[f"att-{index}"] = attachment.data
    message_ids(header(parsed, "Message-ID"))
    # filter: parse again (a separate function), classify, evaluate, keep a sanitized copy
    message = parse_message(store["raw"], LIMIT)
    decision = evaluate(
        message,
        PolicyContext(
            "buyer_to_seller", config=POLICY, relay_domain="marketplace.example", raw_size=len(raw)
        ),
    )
    if decision.modified:
        store["sanitized"] = message.as_bytes()
    # relay: parse the body to send, compose the anonymized copy
    body = store.get("sanitized", store["raw"])
    return compose_relay(parse_message(body, LIMIT), ENVELOPE)
