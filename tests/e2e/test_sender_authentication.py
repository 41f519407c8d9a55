"""End to end over real SMTP into `parley dev --dns-zone`: the local SES inbound computes SPF,
DKIM and DMARC against the zone like SES; mail signed with a key made in this test is
delivered, unsigned forgeries of the same address are rejected and never answered."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import SMTP

import pytest

from devstack.client import send_smtp, wait_for_outbox, wait_for_terminal
from devstack.runtime import read_env_file
from parley.adapters.store import MessageModel, Store
from parley.app import default_services
from parley.core.settings import get_settings
from tests.support.devstack import DevStack, register
from tests.support.dkim_keys import DkimKey

pytestmark = pytest.mark.e2e

KUNDE = DkimKey("kunde.example", selector="sel")  # publishes DMARC p=none
OHNE = DkimKey("ohne-dmarc.example", selector="s1")  # publishes no DMARC record
ZONE = {
    "kunde.example": ["v=spf1 -all"],  # nothing may send as kunde.example by SPF
    "_dmarc.kunde.example": ["v=DMARC1; p=none"],
    **KUNDE.zone(),
    "ohne-dmarc.example": ["v=spf1 -all"],
    **OHNE.zone(),
}


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    root = tmp_path_factory.mktemp("dev-dns")
    zone = root / "zone.json"
    zone.write_text(json.dumps(ZONE))
    stack = DevStack(root, "--dns-zone", str(zone))
    stack.start()
    yield stack
    if stack.process and stack.process.poll() is None:
        stack.stop()


@pytest.fixture
def store(dev: DevStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """The running stack's tables, read from this process."""
    from parley.models import tables

    for key, value in read_env_file(dev.var / "dev.env").items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    default_services.cache_clear()
    yield Store(get_settings())
    # The models' botocore session is cached per thread; one made here (before moto is
    # imported) would bypass moto's mocks in every later test of this process.
    vars(tables._local).pop("session", None)
    get_settings.cache_clear()
    default_services.cache_clear()


def letter(sender: str, to: str, subject: str) -> EmailMessage:
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = "Fri, 27 Nov 2026 12:00:00 +0000"
    message["Message-ID"] = f"<{abs(hash((sender, subject)))}@client.example>"
    message.set_content("Wann kommt meine Bestellung?")
    return message


def signed(key: DkimKey, message: EmailMessage) -> bytes:
    return key.sign(message.as_bytes(policy=SMTP))


def outcome(store: Store, ses_id: str, alias: str) -> MessageModel:
    return wait_for_terminal(store, ses_id, alias, timeout=60)


def nothing_to(dev: DevStack, address: str, wait_s: float = 2.0) -> bool:
    time.sleep(wait_s)  # the outbox is flushed every 0.2 s
    files = list((dev.outbox / "new").iterdir()) if (dev.outbox / "new").exists() else []
    return all(f"To: {address}".encode() not in f.read_bytes() for f in files)


@pytest.mark.parametrize("key", [KUNDE, OHNE], ids=["dmarc-p-none", "no-dmarc-record"])
def test_a_signed_message_is_delivered_and_its_unsigned_forgery_is_not(
    dev: DevStack, store: Store, key: DkimKey
) -> None:
    customer = f"kunde@{key.domain}"
    order = "222-2222222-2222222" if key is KUNDE else "333-3333333-3333333"
    aliases = register(dev, order, buyer=(f"B{order[:3]}", "Kunde", customer))
    alias = aliases["seller_alias"]
    # The customer's provider signs for their domain: DMARC passes (or, without a DMARC
    # record, ingest verifies the aligned signature itself against the same zone)
    genuine = signed(key, letter(customer, alias, f"Bestellung {order}"))
    ses_id = send_smtp("127.0.0.1", dev.smtp_port, genuine, customer, [alias])
    assert outcome(store, ses_id, alias).status == "delivered"
    wait_for_outbox(dev.outbox, lambda m: m["Subject"] == f"Bestellung {order}", timeout=30)
    # An unsigned forgery from this machine: SPF fails (-all), no DKIM, DMARC fails or is
    # absent; rejected, and the forged address is not answered
    forged = letter(customer, alias, f"Neue Bankverbindung {order}")
    ses_id = send_smtp("127.0.0.1", dev.smtp_port, forged, customer, [alias])
    stored = outcome(store, ses_id, alias)
    assert (stored.status, stored.reason, stored.notice_sent) == (
        "rejected",
        "unauthenticated-sender",
        False,
    )
    # A message signed by another domain's valid key does not make it the customer's either
    other_key = OHNE if key is KUNDE else KUNDE
    other = signed(other_key, letter(customer, alias, f"Rechnung {order}"))
    ses_id = send_smtp("127.0.0.1", dev.smtp_port, other, customer, [alias])
    assert outcome(store, ses_id, alias).reason == "unauthenticated-sender"
    assert nothing_to(dev, customer)


def test_the_demo_domains_pass_spf_from_this_machine_with_no_zone_file(
    dev: DevStack, store: Store
) -> None:
    aliases = register(dev, "444-4444444-4444444", buyer=("B444", "Bob", "bob@example.net"))
    question = letter("bob@example.net", aliases["seller_alias"], "Frage 444-4444444-4444444")
    ses_id = send_smtp(
        "127.0.0.1", dev.smtp_port, question, "bob@example.net", [aliases["seller_alias"]]
    )
    assert outcome(store, ses_id, aliases["seller_alias"]).status == "delivered"
    # The same From with a MAIL FROM of a domain without SPF: not aligned, not delivered
    bounce = letter("bob@example.net", aliases["seller_alias"], "Umweg 444-4444444-4444444")
    ses_id = send_smtp(
        "127.0.0.1", dev.smtp_port, bounce, "x@nowhere.example", [aliases["seller_alias"]]
    )
    assert outcome(store, ses_id, aliases["seller_alias"]).reason == "unauthenticated-sender"


def test_unknown_aliases_and_malformed_senders_are_never_answered(
    dev: DevStack, store: Store
) -> None:
    guess = "zzzzzzzzzzzzzzz@marketplace.example"
    probe = letter("victim@example.com", guess, "Hallo?")
    ses_id = send_smtp("127.0.0.1", dev.smtp_port, probe, "victim@example.com", [guess])
    assert outcome(store, ses_id, guess).reason == "unknown-alias"
    assert nothing_to(dev, "victim@example.com")
