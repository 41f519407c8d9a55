"""End to end: the message center API of `parley dev` over HTTP, with tokens from its issuer,
and mail arriving in the outbox; then schemathesis against the generated OpenAPI document."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from devstack.client import wait_for_outbox
from functions.api.routes import openapi_document
from tests.support import files
from tests.support.devstack import DevStack, register

pytestmark = pytest.mark.e2e
ORDER = "303-3333333-3333333"
schema = schemathesis.openapi.from_dict(json.loads(openapi_document()))


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    stack = DevStack(tmp_path_factory.mktemp("center"))
    stack.start()
    yield stack
    if stack.process and stack.process.poll() is None:
        stack.stop()


class Client:
    def __init__(self, dev: DevStack, party: str) -> None:
        self.base = f"http://127.0.0.1:{dev.api_port}"
        self.headers = {"Authorization": f"Bearer {dev.token(party)}"}

    def __call__(self, method: str, path: str, body: Any = None) -> requests.Response:
        return requests.request(
            method, self.base + path, json=body, headers=self.headers, timeout=30
        )


def test_the_api_refuses_requests_without_a_valid_token(dev: DevStack) -> None:
    base = f"http://127.0.0.1:{dev.api_port}"
    assert requests.get(base + "/conversations", timeout=10).status_code == 401
    forged = {"Authorization": "Bearer eyJhbGciOiJub25lIn0.eyJjdXN0b206cGFydHkiOiJzZWxsZXI6UzEifQ."}
    assert requests.get(base + "/conversations", headers=forged, timeout=10).status_code == 401
    assert requests.get(base + "/openapi.json", timeout=10).json()["info"]["title"]
    # A CORS preflight is answered without a token, and grants nothing to unknown origins
    preflight = requests.options(
        base + "/conversations", headers={"Origin": "https://evil.example"}, timeout=10
    )
    assert preflight.status_code == 204
    assert "Access-Control-Allow-Origin" not in preflight.headers


def test_seller_and_buyer_use_the_message_center(dev: DevStack) -> None:
    register(dev, ORDER, ("B3", "Carla Kunde", "carla@example.net"))
    seller, buyer = Client(dev, "seller:S1"), Client(dev, "buyer:B3")

    # The seller lists the conversation
    listed = seller("GET", "/conversations").json()["items"]
    assert ORDER in [c["conversation_id"] for c in listed]

    # ... sends delivery details, and an invoice with an uploaded PDF
    sent = seller(
        "POST",
        f"/orders/{ORDER}/messages/confirmDeliveryDetails",
        {"text": "Lieferung am Dienstag zwischen 8 und 12 Uhr. Passt das?"},
    )
    assert sent.status_code == 202, sent.text
    pdf = files.pdf_with_author(pages=1)
    form = seller(
        "POST",
        "/attachments",
        {"name": "Rechnung-303.pdf", "content_type": "application/pdf", "size": len(pdf)},
    ).json()
    uploaded = requests.post(
        form["upload"]["url"],
        data=form["upload"]["fields"],
        files={"file": ("Rechnung-303.pdf", pdf, "application/pdf")},
        timeout=30,
    )
    assert uploaded.status_code in (200, 204), uploaded.text
    invoice = seller(
        "POST", f"/orders/{ORDER}/messages/invoice", {"attachment_ids": [form["attachment_id"]]}
    )
    assert invoice.status_code == 202, invoice.text

    # Both arrive in the buyer's mailbox
    delivery = wait_for_outbox(
        dev.outbox, lambda m: m["To"] == "carla@example.net" and "Lieferung" in m["Subject"]
    )
    assert "seller@example.org" not in delivery.as_string()
    arrived = wait_for_outbox(
        dev.outbox, lambda m: m["To"] == "carla@example.net" and "Rechnung" in m["Subject"]
    )
    (delivered,) = [p.get_content() for p in arrived.iter_attachments()]
    assert files.pdf_pages(delivered) == 1  # cleaned: the author's name and the photo's GPS gone
    assert all(needle not in delivered for needle in files.LEAKS)

    # ... and in the history, with the attachment to download
    history = seller("GET", f"/conversations/{ORDER}/messages").json()["messages"]
    assert [m["message_type"] for m in history] == ["confirmDeliveryDetails", "invoice"]
    url = history[1]["attachments"][0]["download_url"]
    assert requests.get(url, timeout=30).content == pdf  # the seller's own file, as uploaded

    # A typed message that breaks the policy is blocked, and the seller sees why
    blocked = seller(
        "POST",
        f"/orders/{ORDER}/messages/confirmOrderDetails",
        {"text": "Besuchen Sie https://my-own-shop.example für mehr Angebote"},
    ).json()
    verdict = _wait_for_status(seller, blocked["message_id"])
    assert (verdict["status"], verdict["verdict"]) == ("blocked", "block")
    assert "external-link" in verdict["rules"]

    # The buyer opts out, and asks seller S1 a question before another order
    assert buyer("PATCH", "/settings", {"opted_out": True}).json()["opted_out"] is True
    question = buyer("POST", "/sellers/S1/questions", {"text": "Gibt es das auch in Blau?"})
    assert question.status_code == 202, question.text
    wait_for_outbox(
        dev.outbox, lambda m: m["To"] == "seller@example.org" and "Blau" in m.get_content()
    )


def _wait_for_status(client: Client, message_id: str) -> dict[str, Any]:
    import time

    deadline = time.monotonic() + 20
    while True:
        seen: dict[str, Any] = client("GET", f"/messages/{message_id}").json()
        if seen["status"] != "in_progress" or time.monotonic() > deadline:
            return seen
        time.sleep(0.2)


@pytest.fixture(scope="module")
def api_auth(dev: DevStack) -> dict[str, str]:
    register(dev, "404-4444444-4444444", ("B4", "Dora", "dora@example.net"))
    return {"Authorization": f"Bearer {dev.token('seller:S1')}"}


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_openapi_document(
    case: Any, dev: DevStack, api_auth: dict[str, str]
) -> None:
    """Whatever schemathesis sends, the API answers without a server error."""
    case.call_and_validate(
        base_url=f"http://127.0.0.1:{dev.api_port}",
        headers=api_auth,
        checks=[not_a_server_error],
        timeout=30,
    )


def test_schemathesis_covers_the_seller_day_routes() -> None:
    """The webhook, needs-response and away routes are in the document schemathesis walks."""
    document = json.loads(openapi_document())
    operations = {(m.upper(), p) for p, item in document["paths"].items() for m in item}
    assert {
        ("GET", "/webhooks"),
        ("POST", "/webhooks"),
        ("DELETE", "/webhooks/{webhook_id}"),
        ("POST", "/webhooks/{webhook_id}/test"),
        ("GET", "/webhooks/{webhook_id}/deliveries"),
        ("POST", "/messages/{message_id}/needs-response"),
    } <= operations
    listing = document["paths"]["/conversations"]["get"]["parameters"]
    assert {"needs_response", "since"} <= {p["name"] for p in listing}
    settings_body = json.dumps(document["components"]["schemas"]["SettingsPatch"])
    assert "away" in settings_body
