"""Hostile and broken input: every message ends in a recorded terminal state, nothing raises."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default
from typing import Any

import pytest
from botocore.exceptions import ClientError

from devstack.lambda_runtime import LocalContext
from functions.ingest.handler import handler as ingest_handler
from parley.adapters.store import MessageModel
from parley.directory.registration import RegisteredOrder
from parley.pipeline.common import message_id_for
from tests.support.aws import BUYER_EMAIL, DOMAIN, SELLER_EMAIL, Aws
from tests.support.mail import mail, wire


def record(ses_id: str, alias: str) -> MessageModel:
    return MessageModel.get(message_id_for(ses_id, alias), consistent_read=True)


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"Records": [{"eventSource": "aws:ses"}]},
        {"Records": [{"ses": {"mail": {}, "receipt": {}}}]},
        {"Records": [{"ses": {"mail": {"messageId": "../../etc"}, "receipt": {"recipients": []}}}]},
    ],
)
def test_an_event_of_the_wrong_shape_is_reported_not_raised(
    aws: Aws, event: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    result = ingest_handler(event, LocalContext("ingest"))
    assert result == {"outcomes": [{"status": "malformed-event"}]}


def test_missing_raw_object_ends_rejected(aws: Aws, order: RegisteredOrder) -> None:
    ses_id, _ = aws.ingest(b"", [order.seller_alias], store_raw=False)
    stored = record(ses_id, order.seller_alias)
    assert (stored.status, stored.reason) == ("rejected", "raw-missing")


def test_a_message_over_the_size_limit_is_rejected_with_a_notice(
    aws: Aws, order: RegisteredOrder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARLEY_MAX_MESSAGE_BYTES", "2000")
    from tests.support.aws import clear_caches

    clear_caches()
    big = mail(BUYER_EMAIL, order.seller_alias, "Big", "x" * 5000)
    ses_id, _ = aws.ingest(wire(big), [order.seller_alias])
    stored = record(ses_id, order.seller_alias)
    assert (stored.status, stored.reason, stored.notice_sent) == (
        "rejected",
        "message-too-large",
        True,
    )


def test_garbage_bytes_end_rejected(aws: Aws, order: RegisteredOrder) -> None:
    ses_id, _ = aws.ingest(b"\x00\xff\xfe garbage without headers", [order.seller_alias])
    assert record(ses_id, order.seller_alias).status == "rejected"


def test_deep_nesting_is_rejected_without_recursion_errors(
    aws: Aws, order: RegisteredOrder
) -> None:
    depth = 1000
    head = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i)
        for i in range(depth)
    )
    raw = (
        b"From: "
        + BUYER_EMAIL.encode()
        + b"\r\nTo: "
        + order.seller_alias.encode()
        + b"\r\nSubject: deep\r\nMIME-Version: 1.0\r\n"
        + head
        + b"Content-Type: text/plain\r\n\r\nx\r\n"
    )
    ses_id, _ = aws.ingest(raw, [order.seller_alias])
    stored = record(ses_id, order.seller_alias)
    assert stored.status == "rejected"
    assert stored.reason in {"too-deep", "too-many-parts"}


def test_non_utf8_8bit_body_is_delivered_7bit_clean(aws: Aws, order: RegisteredOrder) -> None:
    raw = (
        f"From: {BUYER_EMAIL}\r\nTo: {order.seller_alias}\r\nSubject: Gr\xfc\xdfe\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\nSch\xf6ne Gr\xfc\xdfe aus K\xf6ln\r\n"
    ).encode("latin-1")
    ses_id, _ = aws.ingest(raw, [order.seller_alias])
    aws.drain()
    assert record(ses_id, order.seller_alias).status == "delivered"
    sent = aws.sent()[0].raw_data
    assert sent.isascii()
    out = message_from_bytes(sent.encode(), policy=default)
    assert "Schöne Grüße aus Köln" in out.get_content()


def test_wrongly_declared_charset_is_decoded_not_dropped(aws: Aws, order: RegisteredOrder) -> None:
    raw = (
        f"From: {BUYER_EMAIL}\r\nTo: {order.seller_alias}\r\nSubject: x\r\n"
        "Content-Type: text/plain; charset=x-unknown-charset\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\nK\xf6ln\r\n"
    ).encode("latin-1")
    ses_id, _ = aws.ingest(raw, [order.seller_alias])
    aws.drain()
    assert record(ses_id, order.seller_alias).status == "delivered"
    assert (
        "Köln" in message_from_bytes(aws.sent()[0].raw_data.encode(), policy=default).get_content()
    )


def test_crlf_injection_in_the_subject_adds_no_header(aws: Aws, order: RegisteredOrder) -> None:
    # Encoded words can smuggle CR/LF past the header syntax into the decoded value.
    raw = (
        f"From: =?utf-8?q?Bob_=0D=0AB?= <{BUYER_EMAIL}>\r\n"
        f"To: {order.seller_alias}\r\n"
        "Subject: =?utf-8?q?hi=0D=0ABcc:_other@example.com=0D=0A=0D=0Abody?=\r\n"
        "Content-Type: text/plain\r\n\r\nbody\r\n"
    ).encode()
    ses_id, _ = aws.ingest(raw, [order.seller_alias])
    aws.drain()
    assert record(ses_id, order.seller_alias).status == "delivered"
    out = message_from_bytes(aws.sent()[0].raw_data.encode(), policy=default)
    assert "Bcc" not in out
    assert "\n" not in out["Subject"] and "\n" not in str(out["From"])
    assert [k for k in out if k.lower() in {"to", "from", "cc", "bcc"}] == ["From", "To"]


def test_an_address_smuggled_into_the_display_name_is_a_malformed_sender(
    aws: Aws, order: RegisteredOrder
) -> None:
    # A decoded display name that names another address (here behind an encoded CR/LF) is not
    # one clean mailbox: rejected before anything is composed, and never answered.
    raw = (
        f"From: =?utf-8?q?Bob=0D=0ABcc:_victim@example.com?= <{BUYER_EMAIL}>\r\n"
        f"To: {order.seller_alias}\r\nSubject: hi\r\n"
        "Content-Type: text/plain\r\n\r\nbody\r\n"
    ).encode()
    ses_id, _ = aws.ingest(raw, [order.seller_alias])
    aws.drain()
    stored = record(ses_id, order.seller_alias)
    assert (stored.status, stored.reason, stored.notice_sent) == (
        "rejected",
        "malformed-sender",
        False,
    )
    assert aws.sent() == []


def test_mail_from_an_alias_is_rejected_without_a_notice(aws: Aws, order: RegisteredOrder) -> None:
    looped = mail(order.buyer_alias, order.seller_alias, "loop")
    ses_id, _ = aws.ingest(wire(looped), [order.seller_alias])
    stored = record(ses_id, order.seller_alias)
    assert (stored.status, stored.reason, stored.notice_sent) == ("rejected", "loop", False)
    assert aws.sent() == []


def test_auto_replies_never_get_notices(aws: Aws, order: RegisteredOrder) -> None:
    auto = mail(
        "robot@example.com", order.seller_alias, "Out of office", Auto_Submitted="auto-replied"
    )
    ses_id, _ = aws.ingest(wire(auto), [order.seller_alias])
    assert record(ses_id, order.seller_alias).notice_sent is False
    assert aws.sent() == []


def _fail_send(code: str, aws: Aws, times: int) -> list[int]:
    ses = aws.services.mailer._ses
    real = ses.send_email
    calls = [0]

    def flaky(**kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] <= times:
            raise ClientError({"Error": {"Code": code, "Message": "injected"}}, "SendEmail")
        return real(**kwargs)

    ses.send_email = flaky
    return calls


def test_ses_throttling_is_retried_and_delivers_once(aws: Aws, order: RegisteredOrder) -> None:
    ses_id, _ = aws.ingest(wire(mail(BUYER_EMAIL, order.seller_alias, "x")), [order.seller_alias])
    calls = _fail_send("Throttling", aws, times=1)
    results = aws.drain(rounds=1)
    stored = record(ses_id, order.seller_alias)
    assert (stored.stage, stored.relay_claimed_at) == ("relay", None)  # released for the retry
    assert any("error" in r or r.get("batchItemFailures") for r in results)
    aws.drain()  # the failed record is visible again and retried
    assert record(ses_id, order.seller_alias).status == "delivered"
    assert [m for m in aws.sent()] and calls[0] >= 2
    assert len([m for m in aws.sent() if "seller@example.org" in m.raw_data]) == 1


def test_ses_message_rejected_is_permanent_recorded_and_told(
    aws: Aws, order: RegisteredOrder
) -> None:
    ses_id, _ = aws.ingest(wire(mail(BUYER_EMAIL, order.seller_alias, "x")), [order.seller_alias])
    _fail_send("MessageRejected", aws, times=1)
    aws.drain()
    stored = record(ses_id, order.seller_alias)
    assert (stored.status, stored.reason) == ("rejected", "send-rejected")
    assert "MessageRejected" in (stored.last_error or "")
    assert [message_from_bytes(m.raw_data.encode())["To"] for m in aws.sent()] == [BUYER_EMAIL]


def test_repeated_failures_end_dead_lettered_with_the_error(
    aws: Aws, order: RegisteredOrder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARLEY_MAX_RECEIVE_COUNT", "1")
    from tests.support.aws import clear_caches

    clear_caches()
    ses_id, _ = aws.ingest(wire(mail(BUYER_EMAIL, order.seller_alias, "x")), [order.seller_alias])
    _fail_send("ServiceUnavailable", aws, times=100)
    aws.drain(rounds=1)
    stored = record(ses_id, order.seller_alias)
    assert (stored.status, stored.reason, stored.stage) == (
        "dead_lettered",
        "retries-exhausted",
        "relay",
    )
    assert "ServiceUnavailable" in (stored.last_error or "")


def test_unknown_recipient_domain_is_recorded(aws: Aws, order: RegisteredOrder) -> None:
    alias = f"nobody@{DOMAIN}"
    ses_id, _ = aws.ingest(wire(mail(SELLER_EMAIL, alias, "x")), [alias])
    assert record(ses_id, alias).reason == "unknown-alias"


def test_one_bad_record_in_a_batch_is_retried_alone(aws: Aws, order: RegisteredOrder) -> None:
    """The queues hand the filter and relay batches of up to 10 (the cost model counts one
    receive, delete and invocation per batch): a record that fails is reported by its own
    id, and only it comes back; the others are done once."""
    from parley.adapters.aws import client

    ids = [
        aws.ingest(
            wire(mail(BUYER_EMAIL, order.seller_alias, f"Question {i}")), [order.seller_alias]
        )[0]
        for i in range(3)
    ]
    settings = aws.services.settings
    garbage = client("sqs", settings).send_message(
        QueueUrl=settings.filter_queue_url, MessageBody="not a reference"
    )["MessageId"]
    calls = _fail_send("Throttling", aws, times=1)  # the relay's first send of the batch
    filtered, relayed = aws.drain(rounds=1)
    assert filtered == {"batchItemFailures": [{"itemIdentifier": garbage}]}
    assert len(relayed["batchItemFailures"]) == 1  # one of three, not the batch
    records = [record(i, order.seller_alias) for i in ids]
    assert len([r for r in records if r.status == "delivered"]) == 2
    assert [r.stage for r in records if r.status != "delivered"] == ["relay"]  # for the retry
    aws.drain()
    assert {record(i, order.seller_alias).status for i in ids} == {"delivered"}
    to_seller = [m for m in aws.sent() if "seller@example.org" in m.raw_data]
    assert len(to_seller) == 3 and calls[0] == 4  # three sends and the one throttled
