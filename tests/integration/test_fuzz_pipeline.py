"""The fuzz corpus through the whole pipeline (moto): every message ends in a terminal state
without an unhandled error, nothing delivered carries the buyer's real address, and no log
line names a party."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from parley.adapters.store import MessageModel
from parley.pipeline.common import message_id_for
from tests.support.aws import BUYER_EMAIL, SELLER_EMAIL, Aws
from tests.support.fuzz import mutated_corpus

CLEAN_ENDS = {"delivered", "delivered_sanitized", "blocked", "rejected"}


def as_buyer(raw: bytes, alias: str) -> bytes:
    """The mutated mail, written by the registered buyer, who also signs with their address."""
    head = f"From: Bob <{BUYER_EMAIL}>\r\nTo: {alias}\r\nReply-To: {BUYER_EMAIL}\r\n".encode()
    return head + raw + f"\r\n-- \r\nBob, {BUYER_EMAIL}\r\n".encode()


@pytest.mark.timeout(600)
def test_the_fuzz_corpus_ends_cleanly_and_leaks_nothing(
    aws: Aws,
    order: Any,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from parley.app import default_services
    from parley.core.settings import get_settings

    monkeypatch.setenv("PARLEY_ALIAS_HOURLY_LIMIT", "0")  # one sender, a hundred messages
    get_settings.cache_clear()
    default_services.cache_clear()
    caplog.set_level(logging.DEBUG, logger="parley")
    cases = mutated_corpus(count=45, seed=7)
    ses_ids = []
    for _label, raw in cases:
        ses_id, _ = aws.ingest(
            as_buyer(raw, order.seller_alias), [order.seller_alias], mail_from=BUYER_EMAIL
        )
        ses_ids.append(ses_id)
        aws.drain()
    # Every message ended, and none by way of an unhandled error
    ends = {}
    for (label, _raw), ses_id in zip(cases, ses_ids, strict=True):
        stored = MessageModel.get(message_id_for(ses_id, order.seller_alias), consistent_read=True)
        ends[label] = (stored.status, stored.reason)
        assert stored.status in CLEAN_ENDS, (label, stored.status, stored.last_error)
    statuses = {status for status, _ in ends.values()}
    assert {"delivered", "rejected"} <= statuses  # the corpus exercises both outcomes
    assert ("rejected", "rate-limited") not in ends.values()
    # Nothing that reached the seller contains the buyer's real address
    to_seller = [m for m in aws.sent() if SELLER_EMAIL in str(m.destinations)]
    assert to_seller
    for message in to_seller:
        assert BUYER_EMAIL not in message.raw_data.lower()
    # No log line names either party
    logs = caplog.text + capsys.readouterr().out
    assert "message finished" in logs
    for address in (BUYER_EMAIL, SELLER_EMAIL):
        assert address not in logs.lower()
