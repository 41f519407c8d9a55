"""Nobody turns Parley into an amplifier (issue #12): one upload is one attachment once, the
message center checks sizes before composing, strangers' mail is kept briefly, and spam that
SES flags is quarantined rather than relayed."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from parley.adapters.store import MessageModel
from parley.app import default_services
from parley.core.settings import get_settings
from parley.ops.history import conversation
from parley.ops.reconcile import reconcile
from parley.pipeline.common import message_id_for
from tests.integration.test_api import Api
from tests.support.aws import BUYER_EMAIL, ORDER_ID, SELLER_EMAIL, Aws
from tests.support.mail import mail, wire


@pytest.fixture
def api(aws: Aws) -> Api:
    return Api(aws)


def raw_keys(aws: Aws) -> list[str]:
    s3 = boto3.client("s3", region_name="eu-west-1")
    listed = s3.list_objects_v2(Bucket=aws.env["PARLEY_BUCKET"], Prefix="raw/")
    return [o["Key"] for o in listed.get("Contents", [])]


def tags_of(aws: Aws, key: str) -> dict[str, str]:
    s3 = boto3.client("s3", region_name="eu-west-1")
    found = s3.get_object_tagging(Bucket=aws.env["PARLEY_BUCKET"], Key=key)["TagSet"]
    return {t["Key"]: t["Value"] for t in found}


def invoice(api: Api, *attachment_ids: str) -> tuple[int, Any]:
    return api.call(
        "POST",
        f"/orders/{ORDER_ID}/messages/invoice",
        "seller:S1",
        {"attachment_ids": list(attachment_ids)},
    )


def test_an_upload_is_sent_once(aws: Aws, api: Api, order: Any) -> None:
    pdf = b"%PDF-1.4\n% invoice 4711\n%%EOF\n"
    upload = api.upload("seller:S1", "invoice.pdf", "application/pdf", pdf)
    assert invoice(api, upload)[0] == 202
    status, error = invoice(api, upload)
    assert (status, error["field"]) == (422, "attachment_ids[0]")
    other = api.upload("seller:S1", "invoice-2.pdf", "application/pdf", pdf)
    status, error = invoice(api, other, other)  # the same file twice in one message
    assert (status, error["field"]) == (422, "attachment_ids")
    aws.drain()
    assert len([m for m in aws.sent() if BUYER_EMAIL in str(m.destinations)]) == 1


def test_the_total_size_is_checked_before_anything_is_composed(
    aws: Aws, api: Api, order: Any, monkeypatch: pytest.MonkeyPatch, request: Any
) -> None:
    from functions.api.routes import center

    request.addfinalizer(center.cache_clear)  # the next test gets the default limit again
    monkeypatch.setenv("PARLEY_MAX_MESSAGE_BYTES", "120000")
    get_settings.cache_clear()
    default_services.cache_clear()
    center.cache_clear()
    first = api.upload("seller:S1", "a.pdf", "application/pdf", b"%PDF-1.4 " + b"a" * 30000)
    second = api.upload("seller:S1", "b.pdf", "application/pdf", b"%PDF-1.4 " + b"b" * 30000)
    status, error = invoice(api, first, second)
    assert (status, error["field"]) == (422, "attachment_ids")
    assert raw_keys(aws) == []  # no oversized mail was written to be rejected later
    assert list(aws.services.store.messages_of_order(ORDER_ID)) == []
    # Each alone fits, and neither was used up by the refused request
    assert invoice(api, first)[0] == 202


def test_mail_that_reached_no_party_is_tagged_for_short_retention(aws: Aws, order: Any) -> None:
    stranger = mail("mallory@example.com", order.seller_alias, "Hi", "Hello")
    stranger_id, _ = aws.ingest(wire(stranger), [order.seller_alias])
    guess = "aaaaaaaaaaaaaaa@marketplace.example"
    guessed_id, _ = aws.ingest(wire(mail(BUYER_EMAIL, guess, "Hi")), [guess])
    genuine = mail(BUYER_EMAIL, order.seller_alias, f"Question {ORDER_ID}", "Blue?")
    genuine_id, _ = aws.ingest(wire(genuine), [order.seller_alias])
    assert tags_of(aws, f"raw/{stranger_id}") == {"parley-retention": "short"}
    assert tags_of(aws, f"raw/{guessed_id}") == {"parley-retention": "short"}
    assert tags_of(aws, f"raw/{genuine_id}") == {}  # evidence: the two-year retention
    # A message to a party and to a guessed alias is evidence too
    both_id, _ = aws.ingest(
        wire(mail(BUYER_EMAIL, order.seller_alias, f"Again {ORDER_ID}")),
        [order.seller_alias, guess],
    )
    assert tags_of(aws, f"raw/{both_id}") == {}


def test_spam_from_a_party_is_quarantined_not_relayed(aws: Aws, order: Any) -> None:
    spam = mail(BUYER_EMAIL, order.seller_alias, f"Order {ORDER_ID}", "WIN A PRIZE NOW")
    ses_id, _ = aws.ingest(
        wire(spam),
        [order.seller_alias],
        verdicts={"spam": "FAIL", "virus": "PASS", "spf": "PASS", "dkim": "PASS", "dmarc": "PASS"},
    )
    aws.drain()
    stored = MessageModel.get(message_id_for(ses_id, order.seller_alias), consistent_read=True)
    assert (stored.status, stored.reason, stored.stage) == ("quarantined", "spam", "quarantine")
    assert aws.sent() == []  # not relayed, and nobody is told
    assert [(e.message_id, e.status) for e in conversation(aws.services.store, ORDER_ID)] == [
        (stored.message_id, "quarantined")
    ]
    unfinished = list(reconcile(aws.services.store))
    assert [(u.message_id, u.stage) for u in unfinished] == [(stored.message_id, "quarantine")]
    assert SELLER_EMAIL not in str([m.destinations for m in aws.sent()])
