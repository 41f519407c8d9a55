"""A party's rights on the emulated account: export everything stored about them, then erase
it; afterwards no object and no item holds their name or address, the other party's history
still reads, their aliases are dead for good and erasing again finds nothing new."""

from __future__ import annotations

import io
import json
import zipfile
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import boto3
import pytest

from parley.adapters.store import MessageModel, PairModel
from parley.center.service import MessageCenter, Principal
from parley.core.settings import resource_names
from parley.directory.registration import OrderRegistration, PartyInfo, register_order
from parley.ops.erase import ErasureError, erase_party
from parley.ops.export import export_party, request_export
from parley.pipeline.common import message_id_for
from tests.support import files
from tests.support.aws import BUYER_EMAIL, ORDER_ID, REGION, SELLER_EMAIL, Aws
from tests.support.mail import mail, wire

BUYER_NAME = "Bob Buyer"
# Real files (a made-up one cannot be cleaned of metadata and would not be delivered)
PHOTO = files.png_with_text("photo of Bob's broken mug")
INVOICE = files.small_pdf("invoice for Bob Buyer, 1 Main St")


def _with_file(message: EmailMessage, data: bytes, kind: str, name: str) -> bytes:
    maintype, subtype = kind.split("/")
    message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return wire(message)


@pytest.fixture
def exchanged(aws: Aws, order: Any) -> dict[str, str]:
    """Bob asks with a photo, the seller answers with an invoice, the seller's promotion is
    blocked, Bob thanks; every stage ran."""
    ids: dict[str, str] = {}
    question = mail(
        BUYER_EMAIL,
        order.seller_alias,
        f"Broken mug {ORDER_ID}",
        "Hello, the mug arrived broken. Bob Buyer, bob@example.net",
        name=BUYER_NAME,
        message_id="<q1@mail.example.net>",
    )
    ses, _ = aws.ingest(
        _with_file(question, PHOTO, "image/png", "bob-mug.png"),
        [order.seller_alias],
        mail_from=BUYER_EMAIL,
    )
    ids["question"] = message_id_for(ses, order.seller_alias)
    aws.drain()
    reply = mail(
        SELLER_EMAIL,
        order.buyer_alias,
        f"Re: Broken mug {ORDER_ID}",
        "Dear Bob Buyer, sorry! A refund is on its way; the invoice is attached.",
        name="Shop",
        In_Reply_To="<q1@mail.example.net>",
    )
    ses, _ = aws.ingest(
        _with_file(reply, INVOICE, "application/pdf", "invoice-bob.pdf"),
        [order.buyer_alias],
        mail_from=SELLER_EMAIL,
    )
    ids["reply"] = message_id_for(ses, order.buyer_alias)
    aws.drain()
    promo = mail(SELLER_EMAIL, order.buyer_alias, "New collection", "Bob, have a look!")
    ses, _ = aws.ingest(wire(promo), [order.buyer_alias], mail_from=SELLER_EMAIL)
    ids["promo"] = message_id_for(ses, order.buyer_alias)
    aws.drain()
    thanks = mail(
        BUYER_EMAIL,
        order.seller_alias,
        f"Re: Broken mug {ORDER_ID}",
        "Thank you! Bob",
        name=BUYER_NAME,
    )
    ses, _ = aws.ingest(wire(thanks), [order.seller_alias], mail_from=BUYER_EMAIL)
    ids["thanks"] = message_id_for(ses, order.seller_alias)
    aws.drain()
    statuses = {k: MessageModel.get(v).status for k, v in ids.items()}
    assert statuses == {
        "question": "delivered",
        "reply": "delivered",
        "promo": "blocked",
        "thanks": "delivered",
    }
    return ids


def _readable(data: bytes) -> str:
    """The bytes as stored and, for mail, every header and text part decoded."""
    text = data.decode("utf-8", "replace")
    if b"\nSubject:" in data or data.startswith((b"From:", b"Subject:", b"MIME-Version:")):
        parsed = message_from_bytes(data, policy=email_policy.default)
        for part in parsed.walk():
            text += "\n" + "\n".join(f"{k}: {v}" for k, v in part.items())
            if not part.is_multipart():
                try:
                    content = part.get_content()
                except (LookupError, ValueError):
                    continue
                text += "\n" + (content if isinstance(content, str) else content.decode("latin-1"))
    return text


def _everything(aws: Aws) -> dict[str, str]:
    """Every object of the bucket and every item of every table, readable."""
    s3 = boto3.client("s3", region_name=REGION)
    bucket = aws.env["PARLEY_BUCKET"]
    found: dict[str, str] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            data = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            found[f"s3:{item['Key']}"] = _readable(data)
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    for table in resource_names("parley-test").values():
        for page in dynamodb.get_paginator("scan").paginate(TableName=table):
            for index, item in enumerate(page["Items"]):
                found[f"{table}:{index}:{json.dumps(item)[:60]}"] = json.dumps(item)
    return found


def _mentions(found: dict[str, str], *needles: str) -> list[str]:
    return [
        where
        for where, text in found.items()
        if any(n in text or n.lower() in text.lower() for n in needles if "@" in n)
        or any(n in text for n in needles if "@" not in n)
    ]


def test_export_holds_every_message_as_sent_and_received_with_files(
    aws: Aws, order: Any, exchanged: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "bob.zip"
    summary = export_party(aws.services, "buyer:B1", target)
    assert summary["messages"] == 3  # the blocked promotion never reached Bob
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        assert {f["file"] for f in manifest["files"]} == set(names) - {"manifest.json"}
        party = json.loads(archive.read("party.json"))
        assert (party["email"], party["name"]) == (BUYER_EMAIL, BUYER_NAME)
        aliases = json.loads(archive.read("aliases.json"))
        assert aliases[0]["my_alias"] == order.buyer_alias
        conversation = json.loads(archive.read(f"conversations/{ORDER_ID}/conversation.json"))
        by_id = {m["message_id"]: m for m in conversation["messages"]}
        assert set(by_id) == {exchanged["question"], exchanged["reply"], exchanged["thanks"]}
        question = by_id[exchanged["question"]]
        assert b"the mug arrived broken" in archive.read(question["files"]["as_sent"])
        assert archive.read(question["attachments"][0]["file"]) == PHOTO
        reply = by_id[exchanged["reply"]]
        received = message_from_bytes(
            archive.read(reply["files"]["as_received"]), policy=email_policy.default
        )
        assert "A refund is on its way" in _readable(received.as_bytes())
        # the invoice as it reached Bob: the cleaned, delivered file (same pages)
        delivered = MessageModel.get(exchanged["reply"]).delivered_attachments[0]
        exported = archive.read(reply["attachments"][0]["file"])
        assert exported == aws.services.blobs.get(delivered.key)
        assert files.pdf_pages(exported) == files.pdf_pages(INVOICE)
        # what the seller sent is exported as delivered: never the seller's real address
        everything = b"".join(archive.read(n) for n in names)
        assert SELLER_EMAIL.encode() not in everything
        assert json.loads(archive.read("clocks.json"))  # Bob's question started a clock


def test_the_message_center_offers_the_export_as_an_expiring_link(
    aws: Aws, order: Any, exchanged: dict[str, str]
) -> None:
    result = request_export(aws.services, Principal("buyer", "B1"))
    assert result["status"] == "ready" and result["expires_in"] == 3600
    assert "Expires=" in result["download_url"] and "exports/buyer/B1/" in result["download_url"]
    key = f"exports/buyer/B1/{result['export_id']}.zip"
    data = aws.services.blobs.get(key)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "manifest.json" in archive.namelist()


def test_post_me_export_answers_with_a_link_and_get_renews_it_for_the_caller_only(
    aws: Aws, order: Any, exchanged: dict[str, str]
) -> None:
    from devstack.api_server import rest_event
    from devstack.lambda_runtime import LocalContext
    from functions.api.handler import handler

    def call(method: str, path: str, party: str) -> tuple[int, Any]:
        claims = {"custom:party": party, "sub": party}
        event = rest_event(method, path, {"Content-Type": "application/json"}, None, claims)
        result = handler(event, LocalContext("api"))
        return result["statusCode"], json.loads(result.get("body") or "null")

    status, created = call("POST", "/me/export", "buyer:B1")
    assert status == 201 and created["summary"]["messages"] == 3
    status, again = call("GET", f"/me/export/{created['export_id']}", "buyer:B1")
    assert status == 200 and again["download_url"]
    status, _ = call("GET", f"/me/export/{created['export_id']}", "seller:S1")
    assert status == 404  # somebody else's export does not exist for them
    status, _ = call("POST", "/me/export", "buyer:NOBODY")
    assert status == 404


def test_erasure_leaves_no_trace_of_the_buyer_and_the_seller_history_readable(
    aws: Aws, order: Any, exchanged: dict[str, str]
) -> None:
    before = _everything(aws)
    assert _mentions(before, BUYER_EMAIL, BUYER_NAME, "Bob")  # the test can see them
    report = erase_party(aws.services, "buyer:B1", operator="privacy-team").as_dict()
    erased = report["erased"]
    assert erased["party"] == 1 and erased["messages_sent"] == 2
    assert erased["messages_received"] == 2 and erased["aliases"] == 2
    assert erased["attachments"] == 2 and erased["objects_redacted"] >= 1
    # Then nothing anywhere names Bob or holds his address
    after = _everything(aws)
    assert _mentions(after, BUYER_EMAIL, BUYER_NAME, "Bob") == []
    # The audit record says who, when and how many, without personal data
    audit = json.loads(aws.services.blobs.get(report["audit"]))
    assert audit["party"] == "buyer:B1" and audit["operator"] == "privacy-team"
    assert audit["erased"] == erased
    # The seller still reads their own words, with Bob taken out
    center = MessageCenter(aws.services)
    seller = center.reading.conversation_messages(Principal("seller", "S1"), ORDER_ID)["messages"]
    own = {m["message_id"]: m for m in seller if m["sent_by_me"]}
    assert "A refund is on its way" in own[exchanged["reply"]]["text"]
    assert "[erased]" in own[exchanged["reply"]]["text"]
    assert own[exchanged["promo"]]["status"] == "blocked"
    theirs = [m for m in seller if not m["sent_by_me"]]
    assert theirs and all(m["text"] == "" and m["subject"] == "" for m in theirs)


def test_after_erasure_the_aliases_are_dead_and_never_come_back(
    aws: Aws, order: Any, exchanged: dict[str, str]
) -> None:
    erase_party(aws.services, "buyer:B1")
    # mail to the old alias is rejected as an unknown alias
    late = mail(SELLER_EMAIL, order.buyer_alias, f"About {ORDER_ID}", "Still there?")
    ses, _ = aws.ingest(wire(late), [order.buyer_alias], mail_from=SELLER_EMAIL)
    aws.drain()
    rejected = MessageModel.get(message_id_for(ses, order.buyer_alias))
    assert (rejected.status, rejected.reason) == ("rejected", "unknown-alias")
    # erasing again finds nothing new
    again = erase_party(aws.services, "buyer:B1").as_dict()
    assert again["nothing_new"] is True and not any(again["erased"].values())
    # Bob registering a new order with the same seller gets fresh aliases
    new = register_order(
        aws.services.store,
        OrderRegistration(
            "123-7654321-7654321",
            PartyInfo("S1", "Shop", SELLER_EMAIL, "en-US"),
            PartyInfo("B1", BUYER_NAME, BUYER_EMAIL, "de-DE"),
        ),
    )
    assert {new.buyer_alias, new.seller_alias}.isdisjoint({order.buyer_alias, order.seller_alias})
    assert PairModel.get(new.pair_id).erased_at is None


def test_a_legal_hold_keeps_the_orders_evidence_until_released(
    aws: Aws, order: Any, exchanged: dict[str, str]
) -> None:
    with pytest.raises(ErasureError, match="not orders of buyer:B1"):
        erase_party(aws.services, "buyer:B1", keep_evidence_for=["999-9999999-9999999"])
    report = erase_party(aws.services, "buyer:B1", keep_evidence_for=[ORDER_ID]).as_dict()
    assert list(report["held_orders"]) == [ORDER_ID]
    assert report["erased"]["party"] == 1 and report["erased"]["messages_sent"] == 0
    question = MessageModel.get(exchanged["question"])
    raw = aws.services.blobs.get(question.raw_key)
    assert b"the mug arrived broken" in raw  # the evidence is whole
    # Lifting the hold (erasing without it) finishes the job with what the hold kept
    lifted = erase_party(aws.services, "buyer:B1").as_dict()
    assert lifted["erased"]["messages_sent"] == 2 and lifted["held_orders"] == {}
    assert _mentions(_everything(aws), BUYER_EMAIL, BUYER_NAME, "Bob") == []


def test_the_cli_exports_and_erases_with_one_line_errors(
    aws: Aws, order: Any, exchanged: dict[str, str], tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from parley.cli import app

    runner = CliRunner()
    target = tmp_path / "b1.zip"
    exported = runner.invoke(
        app, ["parties", "export", "--party", "buyer:B1", "--output", str(target)]
    )
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.stdout)["messages"] == 3 and zipfile.is_zipfile(target)
    bad = runner.invoke(app, ["parties", "erase", "--party", "customer:B1", "--json"])
    assert bad.exit_code == 2 and "buyer:B1 or seller:S1" in bad.output
    erased = runner.invoke(
        app, ["parties", "erase", "--party", "buyer:B1", "--operator", "dpo", "--json"]
    )
    assert erased.exit_code == 0, erased.output
    report = json.loads(erased.stdout)
    assert report["erased"]["party"] == 1 and report["audit"].startswith("audit/erasure/")
    again = runner.invoke(app, ["parties", "erase", "--party", "buyer:B1"])
    assert again.exit_code == 0 and "nothing new to erase" in again.output


def test_a_message_keeps_the_directory_it_names_at_least_as_long_as_itself(
    aws: Aws, order: Any
) -> None:
    from datetime import timedelta

    from parley.adapters.store import AliasModel, OrderModel, PartyModel
    from parley.core.time import utcnow

    # Given a pair registered long ago: its directory expires in ten days
    soon = utcnow() + timedelta(days=10)
    for item in (
        PairModel.get(order.pair_id),
        AliasModel.get(order.buyer_alias),
        AliasModel.get(order.seller_alias),
        PartyModel.get("buyer:B1"),
        PartyModel.get("seller:S1"),
        OrderModel.get(ORDER_ID),
    ):
        item.update(actions=[type(item).expires_at.set(soon)])  # type: ignore[attr-defined]
    # When the buyer writes
    question = mail(BUYER_EMAIL, order.seller_alias, f"Still broken {ORDER_ID}", "Hello?")
    ses, _ = aws.ingest(wire(question), [order.seller_alias], mail_from=BUYER_EMAIL)
    record = MessageModel.get(message_id_for(ses, order.seller_alias))
    # Then nothing the message names expires before it
    assert record.expires_at is not None and record.expires_at > soon
    for item in (
        PairModel.get(order.pair_id),
        AliasModel.get(order.buyer_alias),
        AliasModel.get(order.seller_alias),
        PartyModel.get("buyer:B1"),
        PartyModel.get("seller:S1"),
        OrderModel.get(ORDER_ID),
    ):
        assert item.expires_at >= record.expires_at, item  # type: ignore[attr-defined]


def test_webhooks_deliveries_about_the_buyer_go_and_a_sellers_endpoints_with_them(
    aws: Aws, order: Any, exchanged: dict[str, str], tmp_path: Path
) -> None:
    from parley.models.tables import DeliveryModel, WebhookModel

    hook = WebhookModel(
        "wh_0123456789abcdef0123",
        seller_id="S1",
        url="https://helpdesk.example.org/parley",
        secret="whsec_test",
        created_at="2026-11-27T10:00:00.000Z",
    )
    hook.save()
    for event, about in (("evt_1", ORDER_ID), ("evt_2", "555-5555555-5555555")):
        DeliveryModel(
            f"{hook.webhook_id}.{event}",
            webhook_id=hook.webhook_id,
            event_id=event,
            event_type="message.received",
            body=json.dumps({"data": {"conversation_id": about, "excerpt": "Hello"}}),
            status="delivered",
            created_at="2026-11-27T10:00:00.000Z",
            window_start="2026-11-27T10:00:00.000Z",
            next_attempt_at="2026-11-27T10:00:00.000Z",
        ).save()
    export_party(aws.services, "seller:S1", tmp_path / "s1.zip")
    with zipfile.ZipFile(tmp_path / "s1.zip") as archive:
        hooks = json.loads(archive.read("webhooks.json"))
    assert hooks[0]["url"] == hook.url and "secret" not in hooks[0]
    assert len(hooks[0]["deliveries"]) == 2
    report = erase_party(aws.services, "buyer:B1").as_dict()
    assert report["erased"]["webhook_deliveries"] == 1  # the one about Bob's conversation
    assert [d.event_id for d in DeliveryModel.scan()] == ["evt_2"]
    seller = erase_party(aws.services, "seller:S1").as_dict()
    assert seller["erased"]["webhooks"] == 1 and seller["erased"]["webhook_deliveries"] == 1
    assert list(WebhookModel.scan()) == []
