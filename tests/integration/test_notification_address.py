"""H13: a seller's new notification address gets nothing but one confirmation mail until the
code in it comes back; only then do reminder digests (buyer names, subjects) go there."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from email import message_from_bytes
from email.policy import default
from typing import Any

from parley.adapters.store import PartyModel
from parley.directory.registration import RegisteredOrder
from parley.responses.reminders import sweep
from tests.integration.test_api import Api
from tests.integration.test_reminders import ask, open_clock, stages_of
from tests.support.aws import SELLER_EMAIL, Aws

VICTIM = "victim@third-party.example"
CODE = re.compile(r"^ {4}([0-9a-f]{12})\r?$", re.MULTILINE)


def mail_to(aws: Aws, address: str) -> list[Any]:
    messages = [message_from_bytes(m.raw_data.encode(), policy=default) for m in aws.sent()]
    return [m for m in messages if m["To"] == address]


def digests_to(aws: Aws, address: str) -> list[Any]:
    return [m for m in mail_to(aws, address) if m["Subject"].startswith("Reminder:")]


def request(api: Api, address: str | None) -> tuple[int, Any]:
    return api.call("PATCH", "/settings", "seller:S1", {"notification_email": address})


def code_sent_to(aws: Aws, address: str) -> str:
    found = CODE.findall(mail_to(aws, address)[-1].get_content())
    assert len(found) == 1
    return str(found[0])


def remind(aws: Aws, order: RegisteredOrder) -> None:
    ask(aws, order)
    times = stages_of(open_clock(), aws)
    assert sweep(aws.services, times["first"] + timedelta(minutes=1)).digests_sent == 1


def test_an_unconfirmed_address_gets_the_code_once_and_no_digest(
    aws: Aws, order: RegisteredOrder
) -> None:
    api = Api(aws)
    status, settings = request(api, VICTIM)
    assert status == 200, settings
    assert (settings["notification_email"], settings["notification_email_pending"]) == (
        None,
        VICTIM,
    )
    [confirmation] = mail_to(aws, VICTIM)
    code = code_sent_to(aws, VICTIM)
    assert confirmation["Auto-Submitted"] == "auto-generated"
    # the code is neither shown nor stored
    _, shown = api.call("GET", "/settings", "seller:S1")
    assert code not in json.dumps(shown)
    stored = PartyModel.get("seller:S1", consistent_read=True)
    assert code not in json.dumps(stored.to_simple_dict())
    remind(aws, order)
    assert digests_to(aws, VICTIM) == [] and len(mail_to(aws, VICTIM)) == 1
    assert len(digests_to(aws, SELLER_EMAIL)) == 1


def test_a_wrong_code_is_refused_and_the_right_one_activates_the_address_once(
    aws: Aws, order: RegisteredOrder
) -> None:
    api = Api(aws)
    path = "/settings/notification-email/confirm"
    assert api.call("POST", path, "seller:S1", {"code": "0" * 12})[0] == 409  # nothing pending
    request(api, VICTIM)
    code = code_sent_to(aws, VICTIM)
    status, problem = api.call("POST", path, "seller:S1", {"code": "f" * 12})
    assert (status, problem["status"]) == (422, 422)
    assert PartyModel.get("seller:S1", consistent_read=True).notification_email is None
    assert api.call("POST", path, "buyer:B1", {"code": code})[0] == 403
    status, settings = api.call("POST", path, "seller:S1", {"code": code})
    assert status == 200, settings
    assert (settings["notification_email"], settings["notification_email_pending"]) == (
        VICTIM,
        None,
    )
    assert api.call("POST", path, "seller:S1", {"code": code})[0] == 409  # single use
    remind(aws, order)
    assert len(digests_to(aws, VICTIM)) == 1
    assert digests_to(aws, SELLER_EMAIL) == []


def test_too_many_wrong_codes_drop_the_pending_address(aws: Aws, order: RegisteredOrder) -> None:
    api = Api(aws)
    request(api, VICTIM)
    code = code_sent_to(aws, VICTIM)
    path = "/settings/notification-email/confirm"
    assert [api.call("POST", path, "seller:S1", {"code": "f" * 12})[0] for _ in range(5)] == [
        422
    ] * 5
    assert api.call("POST", path, "seller:S1", {"code": code})[0] == 409
    assert api.call("GET", "/settings", "seller:S1")[1]["notification_email_pending"] is None
    # asking again sends a new code; the old one is void
    assert request(api, VICTIM)[0] == 200
    assert len(mail_to(aws, VICTIM)) == 2 and code_sent_to(aws, VICTIM) != code
    assert api.call("POST", path, "seller:S1", {"code": code})[0] == 422
    assert api.call("POST", path, "seller:S1", {"code": code_sent_to(aws, VICTIM)})[0] == 200


def test_the_fourth_new_address_of_a_day_is_refused(aws: Aws, order: RegisteredOrder) -> None:
    api = Api(aws)
    addresses = [f"n{i}@third-party.example" for i in range(4)]
    statuses = [request(api, address)[0] for address in addresses]
    assert statuses == [200, 200, 200, 429]
    assert [len(mail_to(aws, a)) for a in addresses] == [1, 1, 1, 0]
    pending = api.call("GET", "/settings", "seller:S1")[1]["notification_email_pending"]
    assert pending == addresses[2]
    # going back to the registered address needs no proof and no mail
    status, settings = request(api, SELLER_EMAIL)
    assert (status, settings["notification_email"], settings["notification_email_pending"]) == (
        200,
        None,
        None,
    )
