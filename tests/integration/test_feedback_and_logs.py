"""What SES reports after sending, and what the logs may never contain."""

from __future__ import annotations

import logging
from email import message_from_bytes
from typing import Any

import pytest

from devstack.lambda_runtime import LocalContext
from functions.feedback.handler import handler as feedback_handler
from parley.adapters.store import MessageModel, PartyModel
from parley.directory.registration import RegisteredOrder
from parley.pipeline.common import message_id_for
from tests.support.aws import BUYER_EMAIL, ORDER_ID, SELLER_EMAIL, Aws
from tests.support.mail import mail, wire


def ses_event(
    event_type: str, message_id: str, kind: str = "relay", **extra: Any
) -> dict[str, Any]:
    return {
        "source": "aws.ses",
        "detail-type": f"Email {event_type}",
        "detail": {
            "eventType": event_type,
            "mail": {
                "messageId": "0100abc",
                "tags": {"parley_kind": [kind], "parley_message_id": [message_id]},
            },
            **extra,
        },
    }


def delivered(aws: Aws, order: RegisteredOrder, sender: str, alias: str, subject: str) -> str:
    ses_id, _ = aws.ingest(wire(mail(sender, alias, subject, f"About order {ORDER_ID}.")), [alias])
    aws.drain()
    return message_id_for(ses_id, alias)


def test_a_hard_bounce_is_recorded_and_the_sender_told_once(
    aws: Aws, order: RegisteredOrder
) -> None:
    message_id = delivered(aws, order, BUYER_EMAIL, order.seller_alias, "Hi")
    before = len(aws.sent())
    event = ses_event("Bounce", message_id, bounce={"bounceType": "Permanent"})
    assert feedback_handler(event, LocalContext("feedback"))["action"] == "sender-notified"
    assert feedback_handler(event, LocalContext("feedback"))["action"] == "duplicate"
    assert MessageModel.get(message_id).feedback == "hard_bounce"
    notices = aws.sent()[before:]
    assert [message_from_bytes(n.raw_data.encode())["To"] for n in notices] == [BUYER_EMAIL]


def test_a_complaint_about_a_seller_is_counted(aws: Aws, order: RegisteredOrder) -> None:
    message_id = delivered(aws, order, SELLER_EMAIL, order.buyer_alias, f"Order {ORDER_ID}")
    result = feedback_handler(ses_event("Complaint", message_id), LocalContext("feedback"))
    assert result["action"] == "complaint-counted"
    assert PartyModel.get("seller:S1").complaints == 1


def test_events_about_notices_are_never_answered(aws: Aws, order: RegisteredOrder) -> None:
    before = len(aws.sent())
    event = ses_event("Bounce", "x", kind="notice", bounce={"bounceType": "Permanent"})
    assert feedback_handler(event, LocalContext("feedback"))["action"] == "ignored"
    assert len(aws.sent()) == before  # a bounce of a bounce starts no loop


def test_no_log_line_contains_a_partys_address(
    aws: Aws,
    order: RegisteredOrder,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Everything Parley logs, at its most verbose; third-party loggers at their defaults
    # (botocore's DEBUG output contains request bodies and is never enabled in a deployment).
    caplog.set_level(logging.DEBUG, logger="parley")
    delivered(aws, order, BUYER_EMAIL, order.seller_alias, "Hello")
    delivered(aws, order, SELLER_EMAIL, order.buyer_alias, "Promo without order id")  # blocked
    aws.ingest(wire(mail("stranger@example.com", order.seller_alias, "x")), [order.seller_alias])
    aws.ingest(b"\x00garbage", [order.seller_alias])
    logs = caplog.text + capsys.readouterr().out
    assert "message finished" in logs  # the logs were captured at all
    for address in (BUYER_EMAIL, SELLER_EMAIL, "stranger@example.com"):
        assert address not in logs


@pytest.mark.parametrize("event", [{}, {"detail": "x"}])
def test_a_malformed_feedback_event_is_reported(aws: Aws, event: dict[str, Any]) -> None:
    assert feedback_handler(event, LocalContext("feedback")) == {"action": "malformed-event"}
