"""The message center API: the REST handler against emulated AWS, per endpoint and per rule
of who may see and do what."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import requests

from devstack.api_server import response_headers, rest_event
from devstack.lambda_runtime import LocalContext
from devstack.provision import LOCAL_SUPPORT_ADDRESS
from parley.adapters.store import ClockModel, MessageModel, OrderModel
from parley.directory.registration import OrderRegistration, PartyInfo, register_order
from parley.ops.history import export_conversation
from tests.support import files as files_
from tests.support.aws import BUYER_EMAIL, ORDER_ID, SELLER_EMAIL, Aws
from tests.support.mail import mail, wire

OTHER_ORDER = "999-7654321-7654321"


class Api:
    def __init__(self, aws: Aws) -> None:
        self.aws = aws

    def call(self, method: str, path: str, party: str | None, body: Any = None) -> tuple[int, Any]:
        status, payload, _ = self.exchange(method, path, party, body)
        return status, payload

    def exchange(
        self, method: str, path: str, party: str | None, body: Any = None, **headers: str
    ) -> tuple[int, Any, dict[str, str]]:
        from functions.api.handler import handler

        claims = {"custom:party": party, "sub": party or ""} if party else {}
        event = rest_event(
            method,
            path,
            {"Content-Type": "application/json", **headers},
            json.dumps(body) if body is not None else None,
            claims,
        )
        result = handler(event, LocalContext("api"))
        text = result.get("body") or ""
        return result["statusCode"], json.loads(text) if text else None, response_headers(result)

    def upload(self, party: str, name: str, content_type: str, data: bytes) -> str:
        status, form = self.call(
            "POST",
            "/attachments",
            party,
            {"name": name, "content_type": content_type, "size": len(data)},
        )
        assert status == 201, form
        response = requests.post(
            form["upload"]["url"],
            data=form["upload"]["fields"],
            files={"file": (name, data, content_type)},
            timeout=10,
        )
        assert response.status_code in (200, 204), response.text
        return str(form["attachment_id"])


def sent_mail(aws: Aws) -> list[Any]:
    return [message_from_bytes(m.raw_data.encode(), policy=default) for m in aws.sent()]


@pytest.fixture
def api(aws: Aws) -> Api:
    return Api(aws)


def register(aws: Aws, order_id: str, seller: str, buyer: str, **kwargs: Any) -> Any:
    return register_order(
        aws.services.store,
        OrderRegistration(
            order_id,
            PartyInfo(seller, f"Shop {seller}", f"{seller.lower()}@example.org", "en-US"),
            PartyInfo(buyer, f"Buyer {buyer}", f"{buyer.lower()}@example.net", "en-US"),
            **kwargs,
        ),
    )


def delivered_days_ago(aws: Aws, order_id: str, days: int) -> None:
    order = OrderModel.get(order_id)
    day = (datetime.now(UTC) - timedelta(days=days)).date().isoformat()
    aws.services.store.update(order, [OrderModel.delivered_on.set(day)])


# -- conversations and access ----------------------------------------------------------------
def test_each_party_lists_only_its_own_conversations(aws: Aws, api: Api, order: Any) -> None:
    # Given a second order between other parties
    register(aws, OTHER_ORDER, "S2", "B2")
    # When each party lists its conversations
    _, seller = api.call("GET", "/conversations", "seller:S1")
    _, buyer = api.call("GET", "/conversations", "buyer:B1")
    _, stranger = api.call("GET", "/conversations", "seller:S3")
    # Then each sees only its own, with the counterpart's alias and public name
    assert [c["conversation_id"] for c in seller["items"]] == [ORDER_ID]
    assert seller["items"][0]["counterpart"] == {
        "kind": "buyer",
        "name": "Bob Buyer",  # displayName full (the default): as relayed mail shows it
        "alias": order.buyer_alias,
    }
    assert buyer["items"][0]["counterpart"]["alias"] == order.seller_alias
    assert stranger["items"] == []


def test_conversations_are_paginated_newest_first(aws: Aws, api: Api) -> None:
    for n in range(3):
        register(aws, f"111-000000{n}-0000000", "S1", f"B{n}")
    status, first = api.call("GET", "/conversations?limit=2", "seller:S1")
    assert status == 200 and len(first["items"]) == 2 and first["next"]
    _, rest = api.call("GET", f"/conversations?limit=2&next={first['next']}", "seller:S1")
    ids = [c["conversation_id"] for c in first["items"] + rest["items"]]
    assert ids == ["111-0000002-0000000", "111-0000001-0000000", "111-0000000-0000000"]
    # Another seller cannot use the token to read S1's listing
    status, error = api.call("GET", f"/conversations?next={first['next']}", "seller:S2")
    assert (status, error["field"]) == (422, "next")


def test_requests_without_a_party_claim_are_unauthorized(api: Api, order: Any) -> None:
    status, _ = api.call("GET", "/conversations", None)
    assert status == 401
    status, _ = api.call("GET", "/conversations", "admin:root")
    assert status == 401


def test_no_id_guessing_reaches_another_partys_data(aws: Aws, api: Api, order: Any) -> None:
    # Given a delivered buyer question in S1/B1's conversation
    question = mail(BUYER_EMAIL, order.seller_alias, f"Question {ORDER_ID}", "Is it blue?")
    aws.ingest(wire(question), [order.seller_alias], mail_from=BUYER_EMAIL)
    aws.drain()
    _, history = api.call("GET", f"/conversations/{ORDER_ID}/messages", "seller:S1")
    message_id = history["messages"][0]["message_id"]
    register(aws, OTHER_ORDER, "S2", "B2")
    # When other parties try the order and the message by id
    for party in ("seller:S2", "buyer:B2", "buyer:S1", "seller:B1"):
        for method, path, body in (
            ("GET", f"/conversations/{ORDER_ID}/messages", None),
            ("GET", f"/messages/{message_id}", None),
            ("POST", f"/messages/{message_id}/replies", {"text": "hi"}),
            ("POST", f"/messages/{message_id}/no-response-needed", None),
            ("GET", f"/orders/{ORDER_ID}/messaging-actions", None),
            ("POST", f"/orders/{ORDER_ID}/messages/unexpectedProblem", {"text": "x"}),
            ("POST", f"/orders/{ORDER_ID}/contact", {"topic": "other", "text": "x"}),
        ):
            status, _ = api.call(method, path, party, body)
            # Then nothing is confirmed to exist: 404 for strangers, 403 for the wrong role
            assert status in (403, 404), (party, method, path, status)
    assert len(aws.sent()) == 1  # only the original question was ever sent


# -- typed messages ---------------------------------------------------------------------------
def test_delivery_details_reach_the_buyer_through_the_relay(aws: Aws, api: Api, order: Any) -> None:
    # When the seller sends confirmDeliveryDetails through the API
    status, result = api.call(
        "POST",
        f"/orders/{ORDER_ID}/messages/confirmDeliveryDetails",
        "seller:S1",
        {"text": "We can deliver on Tuesday between 8 and 12. Does that work?"},
    )
    assert (status, result["status"]) == (202, "accepted")
    aws.drain()
    # Then the buyer got it from the seller's alias, in German (the buyer's language)
    out = sent_mail(aws)
    assert len(out) == 1
    assert out[0]["To"] == BUYER_EMAIL
    assert out[0]["From"].addresses[0].addr_spec == order.seller_alias
    assert out[0]["Subject"] == f"Details zur Lieferung für Bestellung {ORDER_ID}"
    assert SELLER_EMAIL not in str(out[0])
    # And both see it in the history; it counts as critical
    _, seen = api.call("GET", f"/messages/{result['message_id']}", "buyer:B1")
    assert seen["text"].startswith("We can deliver on Tuesday")
    assert (seen["message_type"], seen["category"], seen["status"]) == (
        "confirmDeliveryDetails",
        "critical",
        "delivered",
    )


def test_invoice_with_an_uploaded_pdf_arrives_with_its_attachment(
    aws: Aws, api: Api, order: Any
) -> None:
    pdf = files_.pdf_with_author(pages=2)  # with an author and a photo with GPS inside
    attachment = api.upload("seller:S1", "Rechnung-4711.pdf", "application/pdf", pdf)
    status, result = api.call(
        "POST",
        f"/orders/{ORDER_ID}/messages/invoice",
        "seller:S1",
        {"attachment_ids": [attachment]},
    )
    assert status == 202, result
    aws.drain()
    out = sent_mail(aws)
    files = [(p.get_filename(), p.get_content()) for p in out[0].iter_attachments()]
    assert [name for name, _ in files] == ["Rechnung-4711.pdf"]
    delivered = files[0][1]
    assert files_.pdf_pages(delivered) == 2  # the content kept, the author gone
    assert all(needle not in delivered for needle in files_.LEAKS)
    # The buyer's history offers the file, exactly as delivered, as a short-lived download
    _, history = api.call("GET", f"/conversations/{ORDER_ID}/messages", "buyer:B1")
    download = history["messages"][0]["attachments"][0]
    assert download["name"] == "Rechnung-4711.pdf"
    assert requests.get(download["download_url"], timeout=10).content == delivered


def test_an_upload_belongs_to_its_uploader(aws: Aws, api: Api, order: Any) -> None:
    register(aws, OTHER_ORDER, "S2", "B2")
    foreign = api.upload("seller:S2", "x.pdf", "application/pdf", b"%PDF-1.4 other")
    status, error = api.call(
        "POST",
        f"/orders/{ORDER_ID}/messages/invoice",
        "seller:S1",
        {"attachment_ids": [foreign]},
    )
    assert (status, error["field"]) == (422, "attachment_ids[0]")


def test_a_blocked_typed_message_shows_its_verdict_to_the_seller(
    aws: Aws, api: Api, order: Any
) -> None:
    # When the seller puts a phone number and an outside link into confirmOrderDetails
    status, result = api.call(
        "POST",
        f"/orders/{ORDER_ID}/messages/confirmOrderDetails",
        "seller:S1",
        {"text": "Call me at +49 30 12345678 or order at https://my-own-shop.example/deal"},
    )
    assert status == 202
    aws.drain()
    # Then nothing reached the buyer, the seller got a notice, and the API shows why
    out = sent_mail(aws)
    assert [m["To"] for m in out] == [SELLER_EMAIL]
    _, seen = api.call("GET", f"/messages/{result['message_id']}", "seller:S1")
    assert (seen["status"], seen["verdict"]) == ("blocked", "block")
    assert {"contact-info", "external-link"} <= set(seen["rules"])
    assert all(v["evidence"] for v in seen["violations"])
    # And the buyer does not see it at all
    status, _ = api.call("GET", f"/messages/{result['message_id']}", "buyer:B1")
    assert status == 404


def test_limits_are_enforced_before_anything_is_stored(aws: Aws, api: Api, order: Any) -> None:
    cases = [
        ("confirmCustomizationDetails", {"text": "x" * 801}, "text"),
        ("invoice", {"text": "see attachment"}, "text"),
        ("invoice", {}, "attachment_ids"),
        ("warranty", {"attachment_ids": ["a" * 20]}, "coverage_end"),
        ("confirmDeliveryDetails", {"text": "hi", "colour": "red"}, "colour"),
    ]
    for kind, body, field in cases:
        status, error = api.call("POST", f"/orders/{ORDER_ID}/messages/{kind}", "seller:S1", body)
        assert status == 422, (kind, error)
        assert field in json.dumps(error), (kind, error)
    status, _ = api.call("POST", f"/orders/{ORDER_ID}/messages/amazonMotors", "seller:S1", {})
    assert status == 422
    assert list(aws.services.store.messages_of_order(ORDER_ID)) == []


def test_messaging_actions_follow_the_order(aws: Aws, api: Api, order: Any) -> None:
    def actions() -> dict[str, Any]:
        _, body = api.call("GET", f"/orders/{ORDER_ID}/messaging-actions", "seller:S1")
        return {a["kind"]: a for a in body["actions"]}

    before = actions()
    assert before["confirmOrderDetails"]["allowed"]
    assert before["requestReview"] == {
        "kind": "requestReview",
        "allowed": False,
        "reason": "only after delivery",
    }
    api.call(
        "POST",
        f"/orders/{ORDER_ID}/messages/confirmOrderDetails",
        "seller:S1",
        {"text": "Your order ships tomorrow."},
    )
    aws.drain()
    assert actions()["confirmOrderDetails"]["reason"] == "already sent for this order"
    # The buyer opts out: only critical messages and invoices remain
    api.call("PATCH", "/settings", "buyer:B1", {"opted_out": True})
    after = actions()
    assert after["confirmDeliveryDetails"]["allowed"] and after["invoice"]["allowed"]
    assert after["confirmServiceDetails"]["reason"] == "the buyer opted out of unsolicited messages"
    status, error = api.call(
        "POST",
        f"/orders/{ORDER_ID}/messages/confirmServiceDetails",
        "seller:S1",
        {"text": "The technician comes on Monday."},
    )
    assert status == 409 and "opted out" in error["detail"]


def test_review_request_only_once_and_only_in_its_window(aws: Aws, api: Api, order: Any) -> None:
    delivered_days_ago(aws, ORDER_ID, 2)
    status, error = api.call("POST", f"/orders/{ORDER_ID}/review-request", "seller:S1")
    assert status == 409 and "5 days" in error["detail"]
    delivered_days_ago(aws, ORDER_ID, 10)
    status, result = api.call("POST", f"/orders/{ORDER_ID}/review-request", "seller:S1")
    assert status == 202
    aws.drain()
    _, seen = api.call("GET", f"/messages/{result['message_id']}", "seller:S1")
    assert seen["status"] == "delivered", seen
    assert "Bewertung" in sent_mail(aws)[0].get_content()
    status, error = api.call("POST", f"/orders/{ORDER_ID}/review-request", "seller:S1")
    assert status == 409 and "already requested" in error["detail"]


# -- templates -------------------------------------------------------------------------------
def test_seller_sends_from_a_default_template_and_keeps_own_ones(
    aws: Aws, api: Api, order: Any
) -> None:
    _, listed = api.call("GET", "/templates", "seller:S1")
    ids = {t["template_id"] for t in listed["items"]}
    assert {"default-delivery-en", "default-delivery-de", "default-address-de"} <= ids
    status, error = api.call(
        "POST",
        f"/orders/{ORDER_ID}/messages/confirmDeliveryDetails",
        "seller:S1",
        {"template_id": "default-delivery-de"},
    )
    assert (status, error["field"]) == (422, "variables")
    status, _ = api.call(
        "POST",
        f"/orders/{ORDER_ID}/messages/confirmDeliveryDetails",
        "seller:S1",
        {"template_id": "default-delivery-de", "variables": {"proposed_date": "2. Dezember"}},
    )
    assert status == 202
    aws.drain()
    text = sent_mail(aws)[0].get_content()
    assert "Hallo Bob" in text and "am 2. Dezember liefern" in text and ORDER_ID in text
    # Own templates: create, change, delete; buyers have none
    status, created = api.call(
        "POST",
        "/templates",
        "seller:S1",
        {"name": "Thanks", "language": "en", "subject": "Thanks", "text": "Thank you!"},
    )
    assert status == 201
    template_id = created["template_id"]
    status, changed = api.call(
        "PUT",
        f"/templates/{template_id}",
        "seller:S1",
        {"name": "Thanks", "language": "en", "subject": "Thanks", "text": "Many thanks!"},
    )
    assert (status, changed["text"]) == (200, "Many thanks!")
    assert api.call("DELETE", f"/templates/{template_id}", "seller:S2")[0] == 404
    assert api.call("DELETE", f"/templates/{template_id}", "seller:S1")[0] == 204
    assert api.call("GET", "/templates", "buyer:B1")[0] == 403


# -- buyers ----------------------------------------------------------------------------------
def test_buyer_contacts_the_seller_and_the_seller_replies_in_thread(
    aws: Aws, api: Api, order: Any
) -> None:
    status, asked = api.call(
        "POST",
        f"/orders/{ORDER_ID}/contact",
        "buyer:B1",
        {"topic": "shipping", "text": "Wann kommt mein Paket?"},
    )
    assert status == 202
    aws.drain()
    question = sent_mail(aws)[0]
    assert question["To"] == SELLER_EMAIL and ORDER_ID in question["Subject"]
    assert ClockModel.by_seller.count("S1") == 1  # the response clock runs
    status, _ = api.call(
        "POST", f"/messages/{asked['message_id']}/replies", "seller:S1", {"text": "Morgen."}
    )
    assert status == 202
    aws.drain()
    answer = sent_mail(aws)[1]
    assert answer["To"] == BUYER_EMAIL
    # threaded under the buyer's own message, as the buyer's mail program knows it
    original = MessageModel.get(asked["message_id"]).rfc_message_id
    assert answer["In-Reply-To"] == f"<{original}>"
    _, history = api.call("GET", f"/conversations/{ORDER_ID}/messages", "buyer:B1")
    assert [m["sent_by_me"] for m in history["messages"]] == [True, False]
    assert OrderModel.get(ORDER_ID).open_clock_id is None  # the answer stopped the clock


def test_no_response_needed_through_the_api_stops_the_clock(aws: Aws, api: Api, order: Any) -> None:
    _, asked = api.call(
        "POST", f"/orders/{ORDER_ID}/contact", "buyer:B1", {"topic": "other", "text": "Danke!"}
    )
    aws.drain()
    status, result = api.call(
        "POST", f"/messages/{asked['message_id']}/no-response-needed", "seller:S1"
    )
    assert (status, result["clock_stopped"]) == (200, True)
    assert OrderModel.get(ORDER_ID).open_clock_id is None


def test_pre_order_question_opens_its_own_conversation(aws: Aws, api: Api, order: Any) -> None:
    # Given seller S2, whom buyer B1 has never bought from
    register(aws, OTHER_ORDER, "S2", "B2")
    # When B1 asks S2 a question before buying
    status, asked = api.call(
        "POST", "/sellers/S2/questions", "buyer:B1", {"text": "Does it fit a 2019 model?"}
    )
    assert status == 202, asked
    aws.drain()
    out = sent_mail(aws)
    assert out[0]["To"] == "s2@example.org" and out[0]["Subject"] == "Frage vor dem Kauf"
    # And S2 answers by email, replying to what it received
    reply = mail(
        "s2@example.org",
        out[0]["From"].addresses[0].addr_spec,
        "Re: Frage vor dem Kauf",
        "Yes, it fits.",
        In_Reply_To=out[0]["Message-ID"],
    )
    aws.ingest(wire(reply), [out[0]["From"].addresses[0].addr_spec], mail_from="s2@example.org")
    aws.drain()
    # Then both messages are in the inquiry conversation, which both parties list
    conversation_id = asked["conversation_id"]
    assert conversation_id.startswith("inquiry-")
    _, history = api.call("GET", f"/conversations/{conversation_id}/messages", "buyer:B1")
    assert [m["status"] for m in history["messages"]] == ["delivered", "delivered"]
    _, listed = api.call("GET", "/conversations", "seller:S2")
    assert conversation_id in [c["conversation_id"] for c in listed["items"]]
    assert api.call("POST", "/sellers/NOPE/questions", "buyer:B1", {"text": "?"})[0] == 404
    assert api.call("POST", "/sellers/S2/questions", "seller:S1", {"text": "?"})[0] == 403


def test_cancelled_order_sends_the_buyer_to_customer_service(
    aws: Aws, api: Api, order: Any
) -> None:
    from parley.directory.registration import cancel_order

    cancel_order(aws.services.store, ORDER_ID)
    status, error = api.call(
        "POST", f"/orders/{ORDER_ID}/contact", "buyer:B1", {"topic": "other", "text": "Hallo?"}
    )
    assert status == 409 and LOCAL_SUPPORT_ADDRESS in error["detail"]
    # By email too: not relayed, and the buyer is told where to go
    question = mail(BUYER_EMAIL, order.seller_alias, f"Order {ORDER_ID}", "Where is it?")
    aws.ingest(wire(question), [order.seller_alias], mail_from=BUYER_EMAIL)
    aws.drain()
    out = sent_mail(aws)
    assert [m["To"] for m in out] == [BUYER_EMAIL]
    assert "customer service" in out[0].get_content().lower() or "Kundenservice" in str(
        out[0].get_content()
    )


def test_seller_without_messaging_gets_no_buyer_mail_support_does(
    aws: Aws, api: Api, order: Any
) -> None:
    status, settings = api.call("PATCH", "/settings", "seller:S1", {"messaging_enabled": False})
    assert (status, settings["messaging_enabled"]) == (200, False)
    question = mail(BUYER_EMAIL, order.seller_alias, f"Order {ORDER_ID}", "Is it in stock?")
    aws.ingest(wire(question), [order.seller_alias], mail_from=BUYER_EMAIL)
    aws.drain()
    out = sent_mail(aws)
    recipients = sorted(m["To"] for m in out)
    assert recipients == sorted([LOCAL_SUPPORT_ADDRESS, BUYER_EMAIL])  # support + buyer notice
    relayed = next(m for m in out if m["To"] == LOCAL_SUPPORT_ADDRESS)
    assert BUYER_EMAIL not in str(relayed)
    assert ClockModel.by_seller.count("S1") == 0  # support's answer is not the seller's clock


def test_marketplace_fulfilled_sellers_default_to_messaging_off(aws: Aws, api: Api) -> None:
    register(aws, OTHER_ORDER, "S9", "B9", seller_fulfillment="marketplace")
    _, settings = api.call("GET", "/settings", "seller:S9")
    assert (settings["fulfillment"], settings["messaging_enabled"]) == ("marketplace", False)


def test_settings_are_validated_and_scoped(aws: Aws, api: Api, order: Any) -> None:
    status, error = api.call("PATCH", "/settings", "buyer:B1", {"messaging_enabled": False})
    assert (status, error["field"]) == (422, "messaging_enabled")
    status, error = api.call(
        "PATCH", "/settings", "seller:S1", {"authorized_senders": ["not-an-address"]}
    )
    assert (status, error["field"]) == (422, "authorized_senders")
    status, error = api.call(
        "PATCH", "/settings", "seller:S1", {"link_hosts": ["javascript:alert(1)"]}
    )
    assert (status, error["field"]) == (422, "link_hosts")
    status, saved = api.call(
        "PATCH",
        "/settings",
        "seller:S1",
        {"authorized_senders": ["Orders@Example.org"], "link_hosts": ["manuals.example.org"]},
    )
    assert status == 200
    assert saved["authorized_senders"] == ["orders@example.org"]
    assert saved["link_hosts"] == ["manuals.example.org"]
    assert api.call("GET", "/settings", "seller:S404")[0] == 403


# -- disputes --------------------------------------------------------------------------------
def test_export_holds_every_message_attachment_and_verdict(
    aws: Aws, api: Api, order: Any, tmp_path: Path
) -> None:
    pdf = files_.small_pdf("export test")
    attachment = api.upload("seller:S1", "invoice.pdf", "application/pdf", pdf)
    api.call(
        "POST",
        f"/orders/{ORDER_ID}/messages/invoice",
        "seller:S1",
        {"attachment_ids": [attachment]},
    )
    api.call(
        "POST",
        f"/orders/{ORDER_ID}/messages/confirmOrderDetails",
        "seller:S1",
        {"text": "Visit https://my-own-shop.example for more"},
    )
    aws.drain()
    archive_path = tmp_path / "dispute.zip"
    summary = export_conversation(aws.services, ORDER_ID, archive_path)
    assert summary["messages"] == 2
    # The operator's command writes the same archive
    from typer.testing import CliRunner

    from parley.cli import app

    cli_path = tmp_path / "cli.zip"
    result = CliRunner().invoke(app, ["history", "--order-id", ORDER_ID, "--export", str(cli_path)])
    assert result.exit_code == 0, result.stdout
    assert '"messages": 2' in result.stdout and zipfile.is_zipfile(cli_path)
    missing = CliRunner().invoke(
        app, ["history", "--order-id", "000-0000000-0000000", "--export", str(cli_path)]
    )
    assert missing.exit_code == 2
    with zipfile.ZipFile(archive_path) as archive:
        manifest = json.loads(archive.read("conversation.json"))
        statuses = sorted(m["status"] for m in manifest["messages"])
        assert statuses == ["blocked", "delivered"]
        for message in manifest["messages"]:
            original = message_from_bytes(
                archive.read(message["files"]["original"]), policy=default
            )
            assert original["Subject"] == message["subject"]
            for name in message["files"].values():
                assert name in archive.namelist()
        invoice = next(m for m in manifest["messages"] if m["message_type"] == "invoice")
        assert archive.read(invoice["files"]["attachment 0"]) == pdf  # as received
        delivered = archive.read(invoice["files"]["delivered attachment 0"])  # as delivered
        assert files_.pdf_pages(delivered) == 1
        assert invoice["files"]["delivered"].endswith("delivered.eml")
        blocked = next(m for m in manifest["messages"] if m["status"] == "blocked")
        assert blocked["violations"] and blocked["policy_version"]


def test_seller_replies_from_a_template(aws: Aws, api: Api, order: Any) -> None:
    # Given a buyer question about the delivery address
    _, asked = api.call(
        "POST",
        f"/orders/{ORDER_ID}/contact",
        "buyer:B1",
        {"topic": "shipping", "text": "Das Paket kam zurück?"},
    )
    aws.drain()
    # When the seller answers it from the German address-problem template
    status, answered = api.call(
        "POST",
        f"/messages/{asked['message_id']}/replies",
        "seller:S1",
        {"template_id": "default-address-de", "variables": {"problem": "Hausnummer fehlt"}},
    )
    assert status == 202, answered
    aws.drain()
    # Then the buyer gets the filled-in template, threaded as a reply, and the clock stops
    reply = sent_mail(aws)[-1]
    text = reply.get_content()
    assert reply["To"] == BUYER_EMAIL and reply["In-Reply-To"]
    assert "Hallo Bob" in text and "Hausnummer fehlt" in text and ORDER_ID in text
    assert OrderModel.get(ORDER_ID).open_clock_id is None
    # And buyers cannot use templates
    status, _ = api.call(
        "POST",
        f"/messages/{answered['message_id']}/replies",
        "buyer:B1",
        {"template_id": "default-address-de", "variables": {"problem": "x"}},
    )
    assert status == 403


def test_the_recipients_view_never_shows_the_senders_address(
    aws: Aws, api: Api, order: Any
) -> None:
    # Given a buyer mail naming the buyer's own address in the subject, text and a file name
    question = mail(
        BUYER_EMAIL,
        order.seller_alias,
        f"Write to {BUYER_EMAIL} about {ORDER_ID}",
        f"Or answer me at {BUYER_EMAIL.upper()}, thanks.",
    )
    question.add_attachment(
        files_.small_pdf(), maintype="application", subtype="pdf", filename=f"{BUYER_EMAIL}.pdf"
    )
    aws.ingest(wire(question), [order.seller_alias], mail_from=BUYER_EMAIL)
    aws.drain()
    # When the seller reads the conversation through the API
    _, history = api.call("GET", f"/conversations/{ORDER_ID}/messages", "seller:S1")
    # Then the buyer's address appears nowhere, the buyer's alias stands in for it
    seen = unquote(json.dumps(history)).lower()  # download links included
    assert BUYER_EMAIL not in seen
    message = history["messages"][0]
    assert order.buyer_alias in message["subject"] and order.buyer_alias in message["text"]
    # And the buyer still sees their own message as they wrote it
    _, own = api.call("GET", f"/messages/{message['message_id']}", "buyer:B1")
    assert BUYER_EMAIL in own["subject"]


def test_only_the_marketplaces_own_origins_get_cors_headers(
    aws: Aws, api: Api, order: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from parley.app import default_services
    from parley.core.settings import get_settings

    monkeypatch.setenv("PARLEY_API_ALLOWED_ORIGINS", "https://shop.example")
    get_settings.cache_clear()
    default_services.cache_clear()
    status, _, headers = api.exchange(
        "GET", "/conversations", "seller:S1", Origin="https://shop.example"
    )
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "https://shop.example"
    _, _, headers = api.exchange(
        "GET", "/conversations", "seller:S1", Origin="https://evil.example"
    )
    assert "Access-Control-Allow-Origin" not in headers


PROBLEM_KEYS = {"type", "title", "status", "detail"}


@pytest.mark.parametrize(
    ("method", "path", "party", "body", "headers", "status", "field"),
    [
        # the request validator (a query parameter out of range)
        ("GET", "/conversations?limit=0", "seller:S1", None, {}, 422, "limit"),
        # the request validator (an unknown body field)
        ("PATCH", "/settings", "seller:S1", {"colour": "red"}, {}, 422, "colour"),
        # the center's own error, with the field it names
        ("PATCH", "/settings", "seller:S1", {"messaging_enabled": None}, {}, 422, None),
        # somebody else's data
        ("GET", "/messages/nope", "seller:S1", None, {}, 404, None),
        # no route
        ("GET", "/no/such/route", "seller:S1", None, {}, 404, None),
        # no claim
        ("GET", "/conversations", None, None, {}, 401, None),
        # not JSON
        ("POST", "/templates", "seller:S1", "x", {"Content-Type": "text/plain"}, 415, None),
    ],
)
def test_every_error_is_an_rfc9457_problem_document(
    api: Api,
    order: Any,
    method: str,
    path: str,
    party: str | None,
    body: Any,
    headers: dict[str, str],
    status: int,
    field: str | None,
) -> None:
    # When a request fails in any of the ways a client can make it fail
    got, problem, response_headers = api.exchange(method, path, party, body, **headers)

    # Then the answer is a problem document with the status, a type URN and a detail
    assert got == status, problem
    assert response_headers.get("Content-Type") == "application/problem+json"
    assert set(problem) >= PROBLEM_KEYS, problem
    assert problem["status"] == status and problem["type"].startswith("urn:parley:problem:")
    assert problem["detail"]
    if field:
        assert problem["field"] == field
