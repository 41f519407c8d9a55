"""The API routes of the seller's day: webhooks, needs_response, away in settings, taking
back an automatic "no response needed"; who may call them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from functions.api import schemas
from parley.adapters.store import MessageModel
from parley.core.time import iso, utcnow
from tests.integration.test_api import Api
from tests.support.aws import BUYER_EMAIL, ORDER_ID, Aws, clear_caches
from tests.support.events import receiver
from tests.support.mail import mail, wire


@pytest.fixture
def api(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> Api:
    monkeypatch.setenv("PARLEY_WEBHOOKS_ALLOW_LOOPBACK", "true")
    clear_caches()
    from functions.api.routes import center

    center.cache_clear()
    return Api(aws)


def test_webhook_routes(api: Api, order) -> None:  # type: ignore[no-untyped-def]
    with receiver() as endpoint:
        status, created = api.call("POST", "/webhooks", "seller:S1", {"url": endpoint.url})
        assert status == 201 and created["secret"].startswith("whsec_")
        schemas.Webhook.model_validate(created)
        hook = created["webhook_id"]
        status, listed = api.call("GET", "/webhooks", "seller:S1")
        assert status == 200 and [h["webhook_id"] for h in listed["items"]] == [hook]
        assert "secret" not in listed["items"][0]
        schemas.WebhookList.model_validate(listed)
        status, tested = api.call("POST", f"/webhooks/{hook}/test", "seller:S1")
        assert status == 200 and tested["delivered"] is True
        schemas.WebhookTest.model_validate(tested)
        status, deliveries = api.call("GET", f"/webhooks/{hook}/deliveries", "seller:S1")
        assert status == 200 and deliveries["items"][0]["event_type"] == "webhook.test"
        schemas.DeliveryList.model_validate(deliveries)
        # another seller, a buyer, nobody
        assert api.call("GET", f"/webhooks/{hook}/deliveries", "seller:S2")[0] == 404
        assert api.call("DELETE", f"/webhooks/{hook}", "seller:S2")[0] == 404
        assert api.call("GET", "/webhooks", "buyer:B1")[0] == 403
        assert api.call("GET", "/webhooks", None)[0] == 401
        # refused endpoints and event types name the field
        status, error = api.call("POST", "/webhooks", "seller:S1", {"url": "https://10.0.0.1/"})
        assert (status, error["field"]) == (422, "url")
        status, error = api.call(
            "POST", "/webhooks", "seller:S1", {"url": endpoint.url, "events": ["nope"]}
        )
        assert (status, error["field"]) == (422, "events")
        assert api.call("DELETE", f"/webhooks/{hook}", "seller:S1")[0] == 204
        assert api.call("GET", "/webhooks", "seller:S1")[1]["items"] == []


def test_needs_response_listing_and_taking_back(api: Api, aws: Aws, order) -> None:  # type: ignore[no-untyped-def]
    aws.ingest(
        wire(mail(BUYER_EMAIL, order.seller_alias, "Thanks", "Got it, thanks!")),
        [order.seller_alias],
    )
    aws.drain()
    [record] = MessageModel.by_order.query(ORDER_ID)
    path = "/conversations?needs_response=true"
    assert api.call("GET", path, "seller:S1") == (200, {"items": [], "next": None})
    status, view = api.call("GET", f"/messages/{record.message_id}", "seller:S1")
    assert status == 200 and view["response_outcome"] == "auto-no-response-needed"
    schemas.MessageView.model_validate(view)
    assert api.call("POST", f"/messages/{record.message_id}/needs-response", "buyer:B1")[0] in (
        403,
        404,
        409,
    )
    status, back = api.call("POST", f"/messages/{record.message_id}/needs-response", "seller:S1")
    assert status == 200 and back["clock_running"] is True
    schemas.ClockReopened.model_validate(back)
    since = iso(utcnow() - timedelta(days=1))
    status, listed = api.call("GET", f"{path}&since={since}", "seller:S1")
    assert status == 200 and [c["conversation_id"] for c in listed["items"]] == [ORDER_ID]
    schemas.ConversationPage.model_validate(listed)
    assert api.call("GET", f"{path}&since=yesterday", "seller:S1")[0] == 422
    assert api.call("GET", path, "buyer:B1")[0] == 403


def test_away_through_settings(api: Api, order) -> None:  # type: ignore[no-untyped-def]
    until = iso(utcnow() + timedelta(days=3))
    body = {"away": {"until": until, "message": {"en": "On holiday.", "de": "Im Urlaub."}}}
    status, shown = api.call("PATCH", "/settings", "seller:S1", body)
    assert status == 200 and shown["away"]["until"] == until
    schemas.Settings.model_validate(shown)
    assert api.call("GET", "/settings", "seller:S1")[1]["away"]["message"]["de"] == "Im Urlaub."
    status, _error = api.call(
        "PATCH",
        "/settings",
        "seller:S1",
        {"away": {"until": "2020-01-01T00:00:00Z", "message": {"en": "x"}}},
    )
    assert status == 422
    assert (
        api.call(
            "PATCH",
            "/settings",
            "seller:S1",
            {"away": {"until": "2030-01-01T00:00:00", "message": {"en": "x"}}},
        )[0]
        == 422
    )
    assert api.call("PATCH", "/settings", "buyer:B1", body)[0] == 403
    status, shown = api.call("PATCH", "/settings", "seller:S1", {"away": None})
    assert status == 200 and shown["away"] is None
