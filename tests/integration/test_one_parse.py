"""One parse: ingest reads and parses the raw mail; the filter and the relay work from its
compact record and the stored files, and never read the raw. The record travels in the queue
records when it fits, else in S3. A message queued before records existed (in flight during a
deploy), or handed over again without its record, is still processed, from its raw mail."""

from __future__ import annotations

from collections import Counter
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pytest

from parley.adapters import keys
from parley.adapters.blobs import BlobStore
from parley.adapters.store import MessageModel
from parley.directory.registration import RegisteredOrder
from parley.pipeline.common import message_id_for
from tests.support.aws import BUYER_EMAIL, Aws
from tests.support.files import small_pdf
from tests.support.mail import mail, wire

TEXT = f"Hello, about order {'123-1234567-1234567'}: the invoice is attached."


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Every object read from the mail bucket, by key."""
    counted: Counter[str] = Counter()
    real = BlobStore.get_with_metadata

    def counting(self: BlobStore, key: str) -> tuple[bytes, str, dict[str, str]]:
        counted[key] += 1
        return real(self, key)

    monkeypatch.setattr(BlobStore, "get_with_metadata", counting)
    return counted


def _message(order: RegisteredOrder, exe: bool = False) -> bytes:
    message = mail(BUYER_EMAIL, order.seller_alias, "Invoice", TEXT)
    message.add_attachment(
        small_pdf(), maintype="application", subtype="pdf", filename="invoice.pdf"
    )
    if exe:
        message.add_attachment(
            b"MZ\x90\x00" + b"\x00" * 64, maintype="application", subtype="octet-stream",
            filename="tool.exe",
        )  # fmt: skip
    return wire(message)


def _sent() -> EmailMessage:
    from moto.ses.models import ses_backends

    sent = ses_backends["123456789012"]["eu-west-1"].sent_messages
    (copy,) = [m for m in sent if "Reply-To" in m.raw_data]  # notices have none
    parsed = message_from_bytes(copy.raw_data.encode(), policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _files(message: EmailMessage) -> list[str]:
    return [str(part.get_filename()) for part in message.iter_attachments()]


def _record(ses_id: str, order: RegisteredOrder) -> MessageModel:
    return MessageModel.get(message_id_for(ses_id, order.seller_alias), consistent_read=True)


def test_only_ingest_reads_the_raw_mail(
    aws: Aws, order: RegisteredOrder, reads: Counter[str]
) -> None:
    ses_id, _ = aws.ingest(_message(order), [order.seller_alias])
    aws.drain()
    record = _record(ses_id, order)
    assert record.status == "delivered"
    assert reads[record.raw_key] == 1  # ingest's one read
    # the record came along in the queue records: no object read, none written
    assert reads[keys.record_key(record.message_id)] == 0
    assert not aws.services.blobs.exists(keys.record_key(record.message_id))
    (stored,) = record.attachments or []
    assert reads[stored.key] == 2  # the policy reads the PDF, the relay cleans it
    sent = _sent()
    assert _files(sent) == ["invoice.pdf"]
    assert TEXT in sent.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_a_message_queued_before_records_existed_is_parsed_from_its_raw_mail(
    aws: Aws, order: RegisteredOrder, reads: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import parley.pipeline.ingest as ingest_stage

    # what an ingest of the previous release left: the files and the record, no compact record
    # (neither in S3 nor in the queue record)
    monkeypatch.setattr(ingest_stage, "keep", lambda *args, **kwargs: None)
    ses_id, _ = aws.ingest(_message(order), [order.seller_alias])
    record = _record(ses_id, order)
    aws.drain()
    assert _record(ses_id, order).status == "delivered"
    assert reads[record.raw_key] == 3  # ingest, then the filter and the relay, as before
    sent = _sent()
    assert _files(sent) == ["invoice.pdf"]
    assert TEXT in sent.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_the_relay_sends_the_sanitized_record(
    aws: Aws, order: RegisteredOrder, reads: Counter[str]
) -> None:
    ses_id, _ = aws.ingest(_message(order, exe=True), [order.seller_alias])
    aws.drain()
    record = _record(ses_id, order)
    assert record.status == "delivered_sanitized"
    assert reads[record.raw_key] == 1
    assert reads[keys.sanitized_record_key(record.message_id)] == 0  # it came along
    assert not aws.services.blobs.exists(keys.sanitized_record_key(record.message_id))
    assert _files(_sent()) == ["invoice.pdf"]  # the executable stayed out


def test_a_message_sanitized_before_records_existed_is_sent_from_its_sanitized_copy(
    aws: Aws, order: RegisteredOrder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import parley.pipeline.filter as filter_stage

    # the previous release's filter wrote the sanitized copy only
    monkeypatch.setattr(filter_stage, "keep_sanitized_record", lambda *args: None)
    ses_id, _ = aws.ingest(_message(order, exe=True), [order.seller_alias])
    aws.drain()
    record = _record(ses_id, order)
    assert record.status == "delivered_sanitized"
    assert not aws.services.blobs.exists(keys.sanitized_record_key(record.message_id))
    sent = _sent()
    assert _files(sent) == ["invoice.pdf"]
    assert TEXT in sent.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_a_record_too_large_for_a_queue_record_is_stored_and_read_from_s3(
    aws: Aws, order: RegisteredOrder, reads: Counter[str]
) -> None:
    long = TEXT + "\n" + "The parcel was left at the neighbour's door, please check.\n" * 4000
    message = mail(BUYER_EMAIL, order.seller_alias, "Long", long)
    ses_id, _ = aws.ingest(wire(message), [order.seller_alias])
    aws.drain()
    record = _record(ses_id, order)
    assert record.status == "delivered"
    assert reads[keys.record_key(record.message_id)] == 2  # the filter's and the relay's
    assert reads[record.raw_key] == 1
    body = _sent().get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert TEXT in body and body.count("neighbour") == 4000


def test_a_hand_over_without_its_record_is_parsed_again_from_the_raw_mail(
    aws: Aws, order: RegisteredOrder, reads: Counter[str]
) -> None:
    """The record lived only in a queue record that is gone (consumed, or purged); the
    message is handed over again without it (here: SES's event replayed, as `parley ops
    replay-ingest` or Lambda's retry do): the filter and the relay re-derive it from the raw
    mail and deliver the same copy."""
    from parley.adapters.aws import client

    raw = _message(order)
    ses_id, event = aws.receive(raw, [order.seller_alias])
    from devstack.lambda_runtime import LocalContext
    from functions.ingest.handler import handler

    handler(event, LocalContext("ingest"))
    sqs = client("sqs", aws.services.settings)
    url = aws.services.settings.filter_queue_url
    (lost,) = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert "record" in lost["Body"]  # it carried the record
    sqs.delete_message(QueueUrl=url, ReceiptHandle=lost["ReceiptHandle"])
    handler(event, LocalContext("ingest"))  # the record is in the filter stage: handed over again
    aws.drain()
    record = _record(ses_id, order)
    assert record.status == "delivered"
    assert reads[record.raw_key] == 3  # ingest once, then the filter and the relay
    sent = _sent()
    assert _files(sent) == ["invoice.pdf"]
    assert TEXT in sent.get_body(("plain",)).get_content()  # type: ignore[union-attr]
