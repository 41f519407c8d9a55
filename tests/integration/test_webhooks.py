"""Webhooks: routing from the bus, signed deliveries, retries with backoff, dead letters,
redrive, and endpoints that may not be registered."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest

from parley.adapters.store import MessageModel
from parley.core.time import parse_iso, utcnow
from parley.models.tables import DeliveryModel
from parley.webhooks import dispatch, registry
from parley.webhooks.signing import verify
from tests.support.aws import BUYER_EMAIL, ORDER_ID, Aws, clear_caches
from tests.support.events import check, dispatch_all, receiver
from tests.support.mail import mail, wire


@pytest.fixture
def local_endpoints(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PARLEY_WEBHOOKS_ALLOW_LOOPBACK", "true")  # as `parley dev` does
    clear_caches()
    yield


def buyer_writes(aws: Aws, order, text: str = "Is it available in blue?") -> None:  # type: ignore[no-untyped-def]
    aws.ingest(
        wire(mail(BUYER_EMAIL, order.seller_alias, f"Question {ORDER_ID}", text)),
        [order.seller_alias],
    )
    aws.drain()


def deliveries_of(webhook_id: str) -> list[DeliveryModel]:
    return list(DeliveryModel.by_webhook.query(webhook_id))


def test_a_buyer_message_reaches_the_sellers_endpoint_signed(
    aws: Aws, order, local_endpoints
) -> None:  # type: ignore[no-untyped-def]
    with receiver() as endpoint:
        hook = registry.add(aws.services, "S1", endpoint.url)
        assert hook["secret"].startswith("whsec_")
        buyer_writes(aws, order)
        dispatch_all(utcnow())

    assert len(endpoint.requests) == 1  # message.sent went to the buyer's side: nobody's hook
    headers, body = endpoint.requests[0]
    event = json.loads(body)
    check(event)
    assert event["type"] == "message.received"
    assert headers["Parley-Event-Id"] == event["id"]
    assert headers["Parley-Event-Type"] == "message.received"
    now = int(utcnow().timestamp())
    assert verify(hook["secret"], headers["Parley-Signature"], body, now)
    assert not verify(registry.add(aws.services, "S2", endpoint.url)["secret"],
                      headers["Parley-Signature"], body, now)  # fmt: skip
    assert [d.status for d in deliveries_of(hook["webhook_id"])] == ["delivered"]


def test_500_twice_then_200_is_delivered_three_times_with_one_event_id(
    aws: Aws, order, local_endpoints
) -> None:  # type: ignore[no-untyped-def]
    with receiver([500, 500, 200]) as endpoint:
        hook = registry.add(aws.services, "S1", endpoint.url, ["message.received"])
        buyer_writes(aws, order)
        start = utcnow()
        dispatch_all(start)
        [delivery] = deliveries_of(hook["webhook_id"])
        outcomes = [dispatch.attempt(aws.services, delivery.delivery_id, start).status]
        later = start + timedelta(seconds=31)
        outcomes.append(dispatch.attempt(aws.services, delivery.delivery_id, later).status)
        later += timedelta(seconds=61)
        outcomes.append(dispatch.attempt(aws.services, delivery.delivery_id, later).status)
        outcomes.append(
            dispatch.attempt(aws.services, delivery.delivery_id, later + timedelta(hours=1)).status
        )
    # the first attempt ran inside dispatch_all; an early wake-up waits
    assert outcomes == ["waiting", "retrying", "delivered", "done"]
    ids = {headers["Parley-Event-Id"] for headers, _ in endpoint.requests}
    assert len(endpoint.requests) == 3 and len(ids) == 1
    [seen] = registry.deliveries(aws.services, "S1", hook["webhook_id"])
    assert (seen["status"], seen["attempts"], seen["last_status_code"]) == ("delivered", 3, 200)


def test_after_24_hours_of_failures_the_delivery_is_dead_and_can_be_redriven(
    aws: Aws, order, local_endpoints
) -> None:  # type: ignore[no-untyped-def]
    with receiver([500]) as endpoint:
        hook = registry.add(aws.services, "S1", endpoint.url)
        buyer_writes(aws, order)
        start = utcnow()
        dispatch_all(start)
        [delivery] = deliveries_of(hook["webhook_id"])
        at, outcome = start, "retrying"
        attempts = 1
        while outcome == "retrying":
            fresh = aws.services.store.get(DeliveryModel, delivery.delivery_id)
            assert fresh is not None
            at = max(at, parse_iso(fresh.next_attempt_at))
            outcome = dispatch.attempt(aws.services, delivery.delivery_id, at).status
            attempts += 1
        assert outcome == "dead"
        assert timedelta(hours=23) < at - start <= timedelta(hours=24)
        assert 20 <= attempts <= 40  # 30 s doubling to an hour: ~30 attempts in a day
        # the seller sees it; another seller does not
        [seen] = registry.deliveries(aws.services, "S1", hook["webhook_id"])
        assert seen["status"] == "dead" and seen["last_status_code"] == 500
        with pytest.raises(registry.NoSuchWebhook):
            registry.deliveries(aws.services, "S2", hook["webhook_id"])
        # an operator redrives it when the endpoint works again
        endpoint.statuses = [200]
        assert dispatch.redrive(aws.services, hook["webhook_id"], at) == [delivery.delivery_id]
        assert dispatch.redrive(aws.services, hook["webhook_id"], at) == []
        assert dispatch.attempt(aws.services, delivery.delivery_id, at).status == "delivered"


def test_a_removed_endpoint_gets_nothing_more(aws: Aws, order, local_endpoints) -> None:  # type: ignore[no-untyped-def]
    with receiver([500]) as endpoint:
        hook = registry.add(aws.services, "S1", endpoint.url)
        buyer_writes(aws, order)
        dispatch_all(utcnow())
        registry.remove(aws.services, "S1", hook["webhook_id"])
        [delivery] = deliveries_of(hook["webhook_id"])
        later = utcnow() + timedelta(minutes=5)
        assert dispatch.attempt(aws.services, delivery.delivery_id, later).status == "cancelled"
        assert len(endpoint.requests) == 1


def test_an_endpoint_is_refused_unless_public_https(aws: Aws) -> None:
    for url in (
        "http://127.0.0.1:9/hook",  # only the dev stack may
        "https://10.0.0.8/hook",
        "https://169.254.169.254/latest",
        "https://[::1]/",
    ):
        with pytest.raises(registry.WebhookError):
            registry.add(aws.services, "S1", url)
    with pytest.raises(registry.WebhookError):
        registry.add(aws.services, "S1", "https://93.184.215.14/", ["message.deleted"])


def test_the_test_endpoint_sends_one_signed_event(aws: Aws, local_endpoints) -> None:  # type: ignore[no-untyped-def]
    with receiver([503]) as endpoint:
        hook = registry.add(aws.services, "S1", endpoint.url)
        stored = registry.owned(aws.services, "S1", hook["webhook_id"])
        result = dispatch.send_test(aws.services, stored, utcnow())
    assert (result["delivered"], result["status_code"]) == (False, 503)
    headers, body = endpoint.requests[0]
    check(json.loads(body))
    assert verify(hook["secret"], headers["Parley-Signature"], body, int(utcnow().timestamp()))


def test_events_the_endpoint_did_not_ask_for_are_not_sent(aws: Aws, order, local_endpoints) -> None:  # type: ignore[no-untyped-def]
    with receiver() as endpoint:
        registry.add(aws.services, "S1", endpoint.url, ["message.blocked"])
        buyer_writes(aws, order)
        dispatch_all(utcnow())
    assert endpoint.requests == []
    assert MessageModel.by_order.query(ORDER_ID).next().status == "delivered"
