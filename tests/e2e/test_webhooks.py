"""End to end: `parley dev`, real SMTP in, a local HTTP receiver as the seller's webhook.

A buyer's message arrives signed as `message.received` within seconds; a blocked seller
message as `message.blocked`; a reminder sweep as `response.reminder`; a receiver that
answers 500 twice then 200 gets the event three times with the same id and then never
again; a wrong secret does not verify; no payload holds an address."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
import requests

from devstack.client import send_smtp
from parley.core.time import iso, parse_iso
from parley.webhooks.signing import new_secret, verify
from tests.support.devstack import DevStack, register
from tests.support.events import Receiver, check, receiver, wait_until

pytestmark = pytest.mark.e2e
ORDER = "505-5555555-5555555"


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    # retries after 1 s, 2 s, ... instead of 30 s, so the retry test takes seconds
    stack = DevStack(tmp_path_factory.mktemp("hooks"), "--webhook-backoff-seconds", "1")
    stack.start()
    yield stack
    if stack.process and stack.process.poll() is None:
        stack.stop()


@pytest.fixture(scope="module")
def aliases(dev: DevStack) -> dict[str, str]:
    return register(dev, ORDER, ("B5", "Eva", "eva@example.net"))


def add_hook(dev: DevStack, endpoint: Receiver, events: str) -> dict[str, Any]:
    added = dev.cli(
        "webhooks", "add", "--seller-id", "S1", "--url", endpoint.url, "--events", events, "--json"
    )
    assert added.returncode == 0, added.stderr
    hook: dict[str, Any] = json.loads(added.stdout)
    return hook


def events_of(endpoint: Receiver, event_type: str) -> list[tuple[dict[str, str], bytes]]:
    return [(h, b) for h, b in endpoint.requests if json.loads(b)["type"] == event_type]


def signed(hook: dict[str, Any], headers: dict[str, str], body: bytes) -> bool:
    return verify(hook["secret"], headers["Parley-Signature"], body, int(time.time()))


def mail(sender: str, to: str, subject: str, text: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message.set_content(text)
    return message


def test_events_reach_the_sellers_endpoint_signed(dev: DevStack, aliases: dict[str, str]) -> None:
    with receiver() as endpoint:
        hook = add_hook(
            dev, endpoint, "message.received,message.blocked,response.reminder,response.overdue"
        )
        # A buyer writes over SMTP: message.received, signed, within seconds
        started = time.monotonic()
        question = mail("eva@example.net", aliases["seller_alias"], "Blau?", "Gibt es das in Blau?")
        send_smtp(
            "127.0.0.1", dev.smtp_port, question, "eva@example.net", [aliases["seller_alias"]]
        )
        assert wait_until(lambda: events_of(endpoint, "message.received"), 30)
        assert time.monotonic() - started < 30
        headers, body = events_of(endpoint, "message.received")[0]
        assert signed(hook, headers, body)
        assert not verify(new_secret(), headers["Parley-Signature"], body, int(time.time()))
        event = json.loads(body)
        assert headers["Parley-Event-Id"] == event["id"]
        assert event["data"]["conversation_id"] == ORDER

        # A blocked seller message: message.blocked with its rules
        promo = mail("seller@example.org", aliases["buyer_alias"], "Sale", "Coupon SAVE10 now!")
        send_smtp("127.0.0.1", dev.smtp_port, promo, "seller@example.org", [aliases["buyer_alias"]])
        assert wait_until(lambda: events_of(endpoint, "message.blocked"), 30)
        headers, body = events_of(endpoint, "message.blocked")[0]
        assert signed(hook, headers, body) and json.loads(body)["data"]["rules"]

        # A reminder sweep once half of the answer time has passed: response.reminder
        waiting = requests.get(
            f"http://127.0.0.1:{dev.api_port}/conversations?needs_response=true",
            headers={"Authorization": f"Bearer {dev.token('seller:S1')}"},
            timeout=30,
        ).json()["items"]
        [clock] = [c for c in waiting if c["conversation_id"] == ORDER]
        received, due = parse_iso(clock["received_at"]), parse_iso(clock["deadline_at"])
        first = received + (due - received) / 2 + timedelta(minutes=1)
        swept = dev.cli("reminders", "run", "--now", iso(first))
        assert swept.returncode == 0, swept.stderr
        assert wait_until(lambda: events_of(endpoint, "response.reminder"), 30)
        headers, body = events_of(endpoint, "response.reminder")[0]
        assert signed(hook, headers, body) and json.loads(body)["data"]["stage"] == "first"
        # Nothing that reached the endpoint holds an address, and each matches its schema
        for _headers, raw in endpoint.requests:
            check(json.loads(raw))
            assert b"@" not in raw


def test_500_twice_then_200_three_attempts_one_event_id_then_silence(
    dev: DevStack, aliases: dict[str, str]
) -> None:
    with receiver([500, 500, 200]) as endpoint:
        hook = add_hook(dev, endpoint, "message.received")
        question = mail("eva@example.net", aliases["seller_alias"], "Rot?", "Und in Rot?")
        send_smtp(
            "127.0.0.1", dev.smtp_port, question, "eva@example.net", [aliases["seller_alias"]]
        )
        assert wait_until(lambda: len(endpoint.requests) >= 3, 60), endpoint.requests
        time.sleep(8)  # long enough for more retries, had the last answer not been final
        assert len(endpoint.requests) == 3
        assert len({h["Parley-Event-Id"] for h, _ in endpoint.requests}) == 1
        assert all(signed(hook, h, b) for h, b in endpoint.requests)
        listed = dev.cli("webhooks", "deliveries", hook["webhook_id"], "--json")
        [delivery] = json.loads(listed.stdout)
        assert (delivery["status"], delivery["attempts"]) == ("delivered", 3)
