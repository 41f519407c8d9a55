"""Operators: reconcile lists what is unfinished; redrive puts parked messages back."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from typer.testing import CliRunner

from parley.adapters.aws import client
from parley.adapters.store import MessageModel
from parley.cli import app
from parley.core.settings import get_settings
from parley.directory.registration import RegisteredOrder
from parley.ops.reconcile import reconcile, redrive
from parley.pipeline.common import message_id_for
from tests.support.aws import BUYER_EMAIL, Aws
from tests.support.mail import mail, wire


def test_a_dead_lettered_message_is_listed_and_redriven_to_delivery(
    aws: Aws, order: RegisteredOrder
) -> None:
    ses = aws.services.mailer._ses
    real = ses.send_email

    def down(**_: Any) -> Any:
        raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "x"}}, "SendEmail")

    ses.send_email = down
    ses_id, _ = aws.ingest(wire(mail(BUYER_EMAIL, order.seller_alias, "Hi")), [order.seller_alias])
    aws.drain(rounds=8)  # five failed receives, then SQS parks it in the dead-letter queue
    message_id = message_id_for(ses_id, order.seller_alias)
    record = MessageModel.get(message_id)
    assert (record.status, record.stage) == ("dead_lettered", "relay")

    rows = list(reconcile(aws.services.store))
    assert [(r.message_id, r.stage, r.status) for r in rows] == [
        (message_id, "relay", "dead_lettered")
    ]
    assert "ServiceUnavailable" in (rows[0].last_error or "")
    listed = CliRunner().invoke(app, ["reconcile", "--json"])
    assert listed.exit_code == 0 and message_id in listed.stdout

    # SES is back; the operator redrives, twice (the second finds nothing)
    ses.send_email = real
    settings = get_settings()
    sqs = client("sqs", settings)
    dlq = aws.env["PARLEY_RELAY_DLQ_URL"]
    assert redrive(sqs, aws.services.store, dlq, settings.relay_queue_url) == 1
    assert redrive(sqs, aws.services.store, dlq, settings.relay_queue_url) == 0
    aws.drain()
    assert MessageModel.get(message_id).status == "delivered"
    assert list(reconcile(aws.services.store)) == []


def test_an_ingest_failure_is_recorded_parked_and_replayed_to_delivery(
    aws: Aws, order: RegisteredOrder
) -> None:
    from devstack.lambda_runtime import invoke_async
    from functions.ingest.handler import handler
    from functions.ingest_failures.handler import handler as ingest_failed

    # Given S3 refusing ingest's read of the raw mail through all of Lambda's retries
    s3 = aws.services.blobs._s3
    real = s3.get_object

    def denied(**_: Any) -> Any:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "x"}}, "GetObject")

    s3.get_object = denied
    ses_id, event = aws.receive(
        wire(mail(BUYER_EMAIL, order.seller_alias, "Hi")), [order.seller_alias]
    )
    invoke_async(handler, event, "ingest", on_failure=ingest_failed)
    message_id = message_id_for(ses_id, order.seller_alias)
    # Then the message is dead-lettered with the error, listed by reconcile, and parked
    record = MessageModel.get(message_id)
    assert (record.status, record.stage, record.reason) == (
        "dead_lettered",
        "ingest",
        "ingest-failed",
    )
    assert [r.message_id for r in reconcile(aws.services.store)] == [message_id]
    # When S3 is fixed and the operator replays the ingest dead-letter queue (twice)
    s3.get_object = real
    replay = CliRunner().invoke(app, ["dlq", "redrive", "ingest"])
    assert replay.exit_code == 0, replay.stdout
    assert '"replayed": 1' in replay.stdout
    again = CliRunner().invoke(app, ["dlq", "redrive", "ingest"])
    assert '"replayed": 0' in again.stdout
    aws.drain()
    # Then it is delivered, once
    assert MessageModel.get(message_id).status == "delivered"
    assert len(aws.sent()) == 1
