"""Every event type has a versioned JSON Schema in the package; events match it; addresses and
unknown fields are refused."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest

from parley.events.model import EVENT_TYPES, AddressInEvent, Event, Party, excerpt, guard
from tests.support.event_schemas import schemas, validate_event

MESSAGE = {
    "message_id": "0100018c-abc-1a2b3c4d5e",
    "conversation_id": "123-1234567-1234567",
    "direction": "buyer_to_seller",
    "message_type": None,
    "category": "buyer",
    "status": "delivered",
    "verdict": "deliver",
    "rules": [],
    "violations": [],
    "reason": None,
    "subject": "Is it available in blue?",
    "excerpt": "Hello, is it?",
    "attachments": ["photo.jpg"],
    "received_at": "2026-11-27T10:00:00Z",
    "api_path": "/messages/0100018c-abc-1a2b3c4d5e",
}
CLOCK = {
    "conversation_id": "123-1234567-1234567",
    "clock_id": "123-1234567-1234567#m1",
    "message_ids": ["m1"],
    "subject": "Blue?",
    "received_at": "2026-11-27T10:00:00Z",
    "deadline_at": "2026-12-01T10:00:00Z",
    "api_path": "/conversations/123-1234567-1234567/messages",
}
VIOLATION = [{"rule": "external-link", "action": "block", "evidence": "shop.example"}]


def sample(event_type: str) -> dict[str, Any]:
    if event_type.startswith("message."):
        data: dict[str, Any] = dict(MESSAGE)
        data["status"] = {
            "message.blocked": "blocked",
            "message.sanitized": "in_progress",
            "message.rejected": "rejected",
        }.get(event_type, "delivered")
        if event_type in {"message.blocked", "message.sanitized"}:
            data["violations"], data["rules"] = VIOLATION, ["external-link"]
        if event_type in {"message.rejected", "message.bounced"}:
            data["reason"] = "rate-limited"
    else:
        data = dict(CLOCK)
        if event_type == "response.reminder":
            data["stage"] = "first"
        if event_type == "response.stopped":
            data |= {
                "outcome": "auto-no-response-needed",
                "stopped_at": "2026-11-27T10:00:01Z",
                "response_seconds": None,
                "late": None,
            }
    event = Event(event_type, Party("seller", "S1"), data, "2026-11-27T10:00:02Z", "default", "k")
    return event.as_dict()


def test_every_event_type_has_a_draft4_schema() -> None:
    assert set(EVENT_TYPES) | {"webhook.test"} == set(schemas())
    for schema in schemas().values():
        jsonschema.Draft4Validator.check_schema(schema)
        assert schema["properties"]["version"] == {"enum": ["1"]}


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_a_sample_of_each_type_validates(event_type: str) -> None:
    validate_event(sample(event_type))


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("data", "buyer_email"), "x"),  # no field the schema does not name
        (("data", "status"), "queued"),
        (("type",), "message.deleted"),
        (("id",), "evt_short"),
        (("data", "received_at"), "yesterday"),
        (("party", "kind"), "operator"),
    ],
)
def test_events_outside_the_schema_are_refused(path: tuple[str, ...], value: Any) -> None:
    document = copy.deepcopy(sample("message.received"))
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        validate_event(document)


def test_no_event_carries_an_address() -> None:
    data = dict(MESSAGE, subject="write to bob@example.net")
    with pytest.raises(AddressInEvent):
        Event("message.received", Party("seller", "S1"), data, "t", "default", "k").as_dict()
    with pytest.raises(AddressInEvent):
        guard({"data": {"attachments": ["for=alice%40x.org", "a@b.co"]}})
    with pytest.raises(AddressInEvent):  # cut off, as policy evidence shows it
        guard({"data": {"violations": [{"evidence": "code SAVE10! seller@exa…"}]}})
    assert excerpt("code SAVE10! seller@exa… more") == "code SAVE10! [address] more"
    masked = excerpt("Mail me: Bob.Buyer+x@mail.example.net or q3a3aavrvy3grfp@marketplace.example")
    assert "@" not in masked and masked.count("[address]") == 2


def test_the_id_is_stable_per_fact_and_distinct_across_types() -> None:
    one = Event("message.sent", Party("seller", "S1"), MESSAGE, "t1", "default", "m1")
    again = Event("message.sent", Party("seller", "S1"), MESSAGE, "t2", "default", "m1")
    other = Event("message.received", Party("buyer", "B1"), MESSAGE, "t1", "default", "m1")
    assert one.id == again.id != other.id
