"""What the web pages read: the seller's inbox fields (when the answer is due, how many of the
seller's messages were blocked) and every answer against the model the OpenAPI document (and
so the web front end's generated client) declares for it."""

from __future__ import annotations

from typing import Any, TypeVar

import pytest

from functions.api import schemas
from parley.adapters.store import ClockModel, MessageModel, OrderModel
from parley.pipeline.filter import filter_message
from tests.integration.test_api import Api, delivered_days_ago
from tests.support import files
from tests.support.aws import ORDER_ID, Aws

M = TypeVar("M", bound=schemas.Answer)


@pytest.fixture
def api(aws: Aws) -> Api:
    return Api(aws)


def _inbox(api: Api, party: str) -> dict[str, Any]:
    status, page = api.call("GET", "/conversations", party)
    assert status == 200
    return {c["conversation_id"]: c for c in page["items"]}


def test_inbox_tells_when_the_answer_is_due_and_how_many_messages_were_blocked(
    aws: Aws, api: Api, order: Any
) -> None:
    assert _inbox(api, "seller:S1")[ORDER_ID]["answer_due"] is None
    api.call("POST", f"/orders/{ORDER_ID}/contact", "buyer:B1", {"topic": "other", "text": "Hi?"})
    aws.drain()
    row = _inbox(api, "seller:S1")[ORDER_ID]
    clock = ClockModel.get(OrderModel.get(ORDER_ID).open_clock_id)
    assert (row["awaiting_answer"], row["answer_due"]) == (True, clock.deadline_at)
    assert row["blocked"] == 0

    # Two blocked typed messages, one filtered twice (SQS delivers at least once): counted once each
    sent = []
    for text in ("Visit https://my-own-shop.example now", "Coupon SAVE10 at https://x.example"):
        status, result = api.call(
            "POST",
            f"/orders/{ORDER_ID}/messages/confirmServiceDetails",
            "seller:S1",
            {"text": text},
        )
        assert status == 202
        sent.append(result["message_id"])
    aws.drain()
    # a crash after the count and before the record was finished: SQS delivers it again
    first = MessageModel.get(sent[0])
    aws.services.store.update(first, [MessageModel.stage.set("filter")])
    assert filter_message(sent[0], aws.services).verdict == "block"  # evaluated again
    assert _inbox(api, "seller:S1")[ORDER_ID]["blocked"] == 2
    # The buyer's list carries neither the seller's deadline nor the seller's blocked messages
    mine = _inbox(api, "buyer:B1")[ORDER_ID]
    assert (mine["answer_due"], mine["blocked"]) == (None, 0)


def test_every_answer_matches_the_model_the_openapi_document_declares(
    aws: Aws, api: Api, order: Any
) -> None:
    delivered_days_ago(aws, ORDER_ID, 6)

    def check(model: type[M], method: str, path: str, party: str, body: Any = None) -> M:
        status, answer = api.call(method, path, party, body)
        assert status < 300, (path, answer)
        return model.model_validate(answer)  # extra="forbid": an undocumented field fails

    png = files.png_with_text("damage")  # a real image: a made-up one cannot be cleaned
    upload = api.upload("buyer:B1", "photo.png", "image/png", png)
    asked = check(
        schemas.Accepted,
        "POST",
        f"/orders/{ORDER_ID}/contact",
        "buyer:B1",
        {"topic": "damaged", "text": "Broken", "attachment_ids": [upload]},
    )
    aws.drain()
    for party in ("seller:S1", "buyer:B1"):
        check(schemas.ConversationPage, "GET", "/conversations", party)
        thread = check(schemas.MessageList, "GET", f"/conversations/{ORDER_ID}/messages", party)
        assert thread.messages and thread.messages[0].attachments
        check(schemas.MessageView, "GET", f"/messages/{asked.message_id}", party)
        check(schemas.Settings, "GET", "/settings", party)
    check(schemas.Settings, "PATCH", "/settings", "buyer:B1", {"opted_out": False})
    check(schemas.Settings, "PATCH", "/settings", "seller:S1", {"link_hosts": ["shop.example"]})
    check(schemas.MessagingActions, "GET", f"/orders/{ORDER_ID}/messaging-actions", "seller:S1")
    check(schemas.TemplateList, "GET", "/templates", "seller:S1")
    made = check(
        schemas.Template,
        "POST",
        "/templates",
        "seller:S1",
        {"name": "Thanks", "language": "en", "subject": "Hi", "text": "Hello {{buyer_name}}"},
    )
    check(
        schemas.Template,
        "PUT",
        f"/templates/{made.template_id}",
        "seller:S1",
        {"name": "Thanks", "language": "de", "subject": "Hallo", "text": "Hallo"},
    )
    check(
        schemas.Upload,
        "POST",
        "/attachments",
        "seller:S1",
        {"name": "a.pdf", "content_type": "application/pdf", "size": 9},
    )
    check(
        schemas.Accepted,
        "POST",
        f"/messages/{asked.message_id}/replies",
        "seller:S1",
        {"text": "Sorry, a new one is on its way."},
    )
    check(
        schemas.ClockStopped,
        "POST",
        f"/messages/{asked.message_id}/no-response-needed",
        "seller:S1",
    )
    check(schemas.Accepted, "POST", f"/orders/{ORDER_ID}/review-request", "seller:S1")
    check(schemas.Accepted, "POST", "/sellers/S1/questions", "buyer:B1", {"text": "In blue?"})
