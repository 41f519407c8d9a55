"""End to end on `parley dev`: a conversation over SMTP with files and a blocked message, the
buyer's export, the buyer's erasure, then a scan of every object in every bucket and every
item in every table of the local AWS for the buyer's name and address."""

from __future__ import annotations

import json
import time
import zipfile
from collections.abc import Iterator
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from devstack.client import send_smtp, wait_for_outbox
from devstack.runtime import read_env_file
from tests.support import files
from tests.support.devstack import DevStack, register

pytestmark = pytest.mark.e2e
ORDER = "321-7654321-7654321"
BUYER = ("B7", "Bertha Quill", "bertha.quill@example.net")
SELLER = "seller@example.org"
# Real files (a made-up one cannot be cleaned of metadata and is not delivered)
PHOTO = files.png_with_text("Bertha's scratched lamp")
INVOICE = files.small_pdf("invoice for Bertha Quill")


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    stack = DevStack(tmp_path_factory.mktemp("privacy"))
    stack.start()
    yield stack
    if stack.process and stack.process.poll() is None:
        stack.stop()


def _mail(sender: str, to: str, subject: str, text: str, **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    return message


def _readable(data: bytes) -> str:
    text = data.decode("utf-8", "replace")
    if b"Subject:" in data[:4000] or b"MIME-Version:" in data[:4000]:
        for part in message_from_bytes(data, policy=email_policy.default).walk():
            text += "\n".join(f"{k}: {v}" for k, v in part.items())
            if not part.is_multipart():
                try:
                    content = part.get_content()
                except (LookupError, ValueError):
                    continue
                text += content if isinstance(content, str) else content.decode("latin-1")
    return text


def _everything(env: dict[str, str]) -> dict[str, str]:
    """Every object of every bucket and every item of every table on the local endpoint."""
    session = boto3.session.Session(
        region_name=env["AWS_REGION"], aws_access_key_id="local", aws_secret_access_key="local"
    )
    s3 = session.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"])
    dynamodb = session.client("dynamodb", endpoint_url=env["AWS_ENDPOINT_URL_DYNAMODB"])
    found: dict[str, str] = {}
    for bucket in (b["Name"] for b in s3.list_buckets()["Buckets"]):
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                data = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
                found[f"s3://{bucket}/{item['Key']}"] = _readable(data)
    for table in dynamodb.list_tables()["TableNames"]:
        for page in dynamodb.get_paginator("scan").paginate(TableName=table):
            for number, item in enumerate(page["Items"]):
                found[f"{table}#{number}"] = json.dumps(item)
    return found


def _outcome(env: dict[str, str], alias: str, text: str) -> tuple[str, str]:
    """Status and reason of the record of the mail to `alias` whose raw mail says `text`."""
    session = boto3.session.Session(
        region_name=env["AWS_REGION"], aws_access_key_id="local", aws_secret_access_key="local"
    )
    table = session.resource("dynamodb", endpoint_url=env["AWS_ENDPOINT_URL_DYNAMODB"]).Table(
        env["PARLEY_MESSAGES_TABLE"]
    )
    s3 = session.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for item in table.scan()["Items"]:
            if item["recipient_alias"] != alias or item.get("status") != "rejected":
                continue
            raw = s3.get_object(Bucket=env["PARLEY_BUCKET"], Key=item["raw_key"])["Body"].read()
            if text.encode() in raw:
                return str(item["status"]), str(item.get("reason"))
        time.sleep(0.5)
    raise AssertionError(f"no rejected record for {alias}")


def _traces(found: dict[str, str]) -> list[str]:
    name, first, address = BUYER[1], BUYER[1].split()[0], BUYER[2]
    return [
        where
        for where, text in found.items()
        if address in text.lower() or name in text or first in text
    ]


def test_export_then_erase_leaves_nothing_of_the_buyer(dev: DevStack, tmp_path: Path) -> None:
    aliases = register(dev, ORDER, buyer=BUYER, locale=None)
    env = read_env_file(dev.var / "dev.env")
    # Bertha asks with a photo; the seller answers with an invoice; a promotion is blocked
    question = _mail(
        f"{BUYER[1]} <{BUYER[2]}>",
        aliases["seller_alias"],
        f"Scratched lamp {ORDER}",
        f"The lamp is scratched. {BUYER[1]}, {BUYER[2]}",
    )
    question.add_attachment(PHOTO, maintype="image", subtype="png", filename="bertha-lamp.png")
    send_smtp("127.0.0.1", dev.smtp_port, question, BUYER[2], [aliases["seller_alias"]])
    at_seller = wait_for_outbox(
        dev.outbox, lambda m: "Scratched lamp" in str(m["Subject"]) and m["To"] == SELLER, 60
    )
    reply = _mail(
        SELLER,
        aliases["buyer_alias"],
        f"Re: Scratched lamp {ORDER}",
        f"Dear {BUYER[1]}, we refund you; the invoice is attached.",
        In_Reply_To=str(at_seller["Message-ID"]),
    )
    reply.add_attachment(INVOICE, maintype="application", subtype="pdf", filename="invoice.pdf")
    send_smtp("127.0.0.1", dev.smtp_port, reply, SELLER, [aliases["buyer_alias"]])
    wait_for_outbox(dev.outbox, lambda m: m["To"] == BUYER[2], 60)
    promo = _mail(SELLER, aliases["buyer_alias"], "Our new lamps", "Bertha, look at these!")
    send_smtp("127.0.0.1", dev.smtp_port, promo, SELLER, [aliases["buyer_alias"]])
    wait_for_outbox(dev.outbox, lambda m: "Our new lamps" in str(m["Subject"]), 60)
    assert _traces(_everything(env))  # the scan sees her before

    # The export holds every message she sent and received, with both files
    archive_path = tmp_path / "bertha.zip"
    exported = dev.cli("parties", "export", "--party", "buyer:B7", "--output", str(archive_path))
    assert exported.returncode == 0, exported.stderr
    with zipfile.ZipFile(archive_path) as archive:
        conversation = json.loads(archive.read(f"conversations/{ORDER}/conversation.json"))
        blobs = b"".join(archive.read(n) for n in archive.namelist())
    assert len(conversation["messages"]) == 2  # the blocked promotion never reached her
    # her photo as she sent it; the invoice as it reached her (cleaned, so not byte-equal)
    assert PHOTO in blobs and b"%PDF-" in blobs and b"we refund you" in blobs
    assert SELLER.encode() not in blobs

    # Erased: nothing anywhere names her or holds her address
    erased = dev.cli("parties", "erase", "--party", "buyer:B7", "--json")
    assert erased.returncode == 0, erased.stderr
    report: dict[str, Any] = json.loads(erased.stdout)
    assert report["erased"]["party"] == 1 and report["erased"]["messages_sent"] == 1
    assert _traces(_everything(env)) == []

    # The seller's side is intact and readable
    token = dev.token("seller:S1")
    response = requests.get(
        f"http://127.0.0.1:{dev.api_port}/conversations/{ORDER}/messages",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    own = [m for m in response.json()["messages"] if m["sent_by_me"]]
    assert any("we refund you" in m["text"] for m in own)
    assert {m["status"] for m in own} == {"delivered", "blocked"}

    # Mail to her old alias is rejected as unknown; erasing again finds nothing new
    late = _mail(SELLER, aliases["buyer_alias"], f"About {ORDER}", "Still there?")
    send_smtp("127.0.0.1", dev.smtp_port, late, SELLER, [aliases["buyer_alias"]])
    assert _outcome(env, aliases["buyer_alias"], "Still there?") == ("rejected", "unknown-alias")
    again = dev.cli("parties", "erase", "--party", "buyer:B7", "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["nothing_new"] is True
