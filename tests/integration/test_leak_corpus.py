"""The leak corpus through the whole pipeline: a curious seller reads everything they can reach.

For each of the corpus's messages (Outlook, Gmail, Apple Mail, Thunderbird, forwards, invites,
vCards, photos, PDFs, Office files; the address in every encoding), a buyer registered as
Robert Smithson <bob.smithson@smith-family.example> writes to the seller's alias. Then no byte
of the delivered mail, the stored delivered copy, the API views, the downloads, the reminder
digest or any notice names the buyer's address, domain, surname or mail-client name, and no
delivered image carries EXIF (GPS) at all. The marketplace shows first names
(displayName: first-name).
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import quopri
import unicodedata
import zipfile
from datetime import timedelta
from email import message_from_bytes
from email.message import Message
from email.policy import default
from typing import Any
from urllib.parse import unquote

import pytest
import requests
from PIL import Image

from parley.adapters.store import MessageModel
from parley.core.time import utcnow
from parley.directory.registration import OrderRegistration, PartyInfo, register_order
from parley.pipeline.common import message_id_for
from parley.responses.reminders import sweep
from tests.integration.test_api import Api
from tests.support import leak_corpus
from tests.support.aws import SELLER_EMAIL, Aws, clear_caches

pytestmark = pytest.mark.integration

ORDER = leak_corpus.ORDER


def readable(data: bytes) -> str:
    """What a reader can make of some bytes: decoded as mail, QP, entities, percent, width."""
    text = data.decode("utf-8", "replace")
    with contextlib.suppress(ValueError):
        text += quopri.decodestring(data).decode("utf-8", "replace")
    for _ in range(2):
        text = unquote(html.unescape(text))
    return unicodedata.normalize("NFKC", text).casefold()


def to_of(raw: str) -> str:
    return str(message_from_bytes(raw.encode(), policy=default)["To"])


def mail_texts(data: bytes) -> list[bytes]:
    """The raw bytes and every decoded part (attachments unzipped) of a mail."""
    found = [data]
    for part in message_from_bytes(data, policy=default).walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            found.extend(file_texts(payload))
        found.append(str(part.get_filename() or "").encode())
        for name, value in part.items():
            found.append(f"{name}: {value}".encode())
    return found


def file_texts(data: bytes) -> list[bytes]:
    found = [data]
    if data.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            found.extend(archive.read(name) for name in archive.namelist())
    return found


def assert_clean(where: str, blobs: list[bytes]) -> None:
    for blob in blobs:
        seen = readable(blob)
        for needle in (*leak_corpus.NEEDLES, leak_corpus.ADDRESS):
            assert needle not in seen, f"{where}: {needle!r} in {seen[:300]!r}"
        assert_no_exif(where, blob)


def assert_no_exif(where: str, data: bytes) -> None:
    if not data.startswith((b"\xff\xd8", b"\x89PNG", b"GIF8", b"RIFF")):
        return
    image = Image.open(io.BytesIO(data))
    assert not image.getexif(), f"{where}: EXIF survived"
    assert not image.getexif().get_ifd(0x8825), f"{where}: GPS survived"


@pytest.fixture
def buyer_order(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("PARLEY_DISPLAY_NAME", "first-name")
    monkeypatch.setenv("PARLEY_ALIAS_HOURLY_LIMIT", "0")
    clear_caches()
    return register_order(
        aws.services.store,
        OrderRegistration(
            ORDER,
            PartyInfo("S1", "Shop", SELLER_EMAIL, "en-US"),
            PartyInfo("B7", leak_corpus.NAME, leak_corpus.ADDRESS, "en-US"),
        ),
    )


@pytest.mark.timeout(900)
def test_no_byte_the_seller_can_reach_names_the_buyer(aws: Aws, buyer_order: Any) -> None:
    api = Api(aws)
    cases = leak_corpus.corpus(buyer_order.seller_alias, buyer_order.seller_alias)
    assert len(cases) >= 40
    for case in cases:  # the attack: as written, every one of them gives the buyer away
        with pytest.raises(AssertionError):
            assert_clean(case.label, mail_texts(case.raw))
    ids = {}
    for case in cases:
        ses_id, _ = aws.ingest(case.raw, [buyer_order.seller_alias], mail_from=leak_corpus.ADDRESS)
        ids[case.label] = message_id_for(ses_id, buyer_order.seller_alias)
    aws.drain(rounds=40)

    # Every message reached the seller
    statuses = {label: MessageModel.get(i).status for label, i in ids.items()}
    assert set(statuses.values()) <= {"delivered", "delivered_sanitized"}, statuses
    delivered = [m.raw_data for m in aws.sent() if to_of(m.raw_data) == SELLER_EMAIL]
    assert len(delivered) == len(cases)

    # The mail as delivered, and the stored delivered copy, byte for byte
    for index, data in enumerate(delivered):
        assert_clean(f"delivered mail {index}", mail_texts(data.encode()))
    for label, message_id in ids.items():
        record = MessageModel.get(message_id)
        assert record.delivered_key, label
        stored = aws.services.blobs.get(record.delivered_key)
        assert_clean(f"{label}: delivered.eml", mail_texts(stored))

    # Every API view and every download the seller has
    _, listing = api.call("GET", "/conversations", "seller:S1")
    assert_clean("conversation list", [json.dumps(listing).encode()])
    assert listing["items"][0]["counterpart"]["name"] == leak_corpus.FIRST
    _, history = api.call("GET", f"/conversations/{ORDER}/messages", "seller:S1")
    assert len(history["messages"]) == len(cases)
    assert_clean("conversation messages", [json.dumps(history, ensure_ascii=False).encode()])
    downloads = 0
    for message in history["messages"]:
        _, single = api.call("GET", f"/messages/{message['message_id']}", "seller:S1")
        assert_clean(f"message {message['message_id']}", [json.dumps(single).encode()])
        for attachment in single["attachments"]:
            content = requests.get(attachment["download_url"], timeout=10).content
            assert_clean(f"download {attachment['name']}", file_texts(content))
            downloads += 1
    assert downloads >= 30

    # The reminder digest that lists the open conversation
    before = len(aws.sent())
    sweep(aws.services, utcnow() + timedelta(days=10))
    digests = [m.raw_data.encode() for m in aws.sent()[before:]]
    assert digests
    for digest in digests:
        assert_clean("digest", mail_texts(digest))

    # Notices (to the buyer) never name the seller's real address either
    for sent in aws.sent():
        parsed: Message = message_from_bytes(sent.raw_data.encode(), policy=default)
        if parsed["Auto-Submitted"] and leak_corpus.ADDRESS in str(parsed["To"]):
            assert SELLER_EMAIL not in readable(sent.raw_data.encode())
