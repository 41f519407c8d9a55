"""H10: a line break in a decoded file name or Content-ID is written clean and the message is
delivered on the first attempt (it used to fail every retry and end dead_lettered)."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default

import pytest

from parley.adapters.store import MessageModel
from parley.directory.registration import RegisteredOrder
from parley.pipeline.common import message_id_for
from tests.support.aws import BUYER_EMAIL, Aws

PARTS = {
    "filename*": "Content-Type: text/plain\r\n"
    "Content-Disposition: attachment; filename*=utf-8''notes%0Atxt.txt\r\n\r\nx\r\n",
    "content-id": "Content-Type: text/plain\r\nContent-ID: =?utf-8?q?a=0Ab?=\r\n\r\nx\r\n",
    "name*": "Content-Type: text/plain; name*=utf-8''a%0Ab.txt\r\n\r\nx\r\n",
}


@pytest.mark.parametrize("part", PARTS.values(), ids=PARTS.keys())
def test_a_line_break_in_a_part_header_is_delivered(
    aws: Aws, order: RegisteredOrder, part: str
) -> None:
    raw = (
        f"From: {BUYER_EMAIL}\r\nTo: {order.seller_alias}\r\nSubject: hi\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n'
        f"\r\nhello\r\n--b\r\n{part}--b--\r\n"
    ).encode()
    ses_id, _ = aws.ingest(raw, [order.seller_alias])
    aws.drain()
    stored = MessageModel.get(message_id_for(ses_id, order.seller_alias), consistent_read=True)
    assert (stored.status, stored.reason) == ("delivered", None)
    sent = aws.sent()
    assert len(sent) == 1
    out = message_from_bytes(sent[0].raw_data.encode(), policy=default)
    leaves = [node for node in out.walk() if not node.is_multipart()]
    assert [leaf.get_content().strip() for leaf in leaves] == ["hello", "x"]
    for leaf in leaves:
        assert all("\n" not in str(value) for value in leaf.values())
