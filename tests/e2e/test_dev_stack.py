"""End to end: `parley dev` in its own process, real SMTP in, the Maildir outbox out."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from email.message import EmailMessage

import pytest

from devstack.client import outbox_messages, send_smtp, wait_for_outbox
from tests.support.devstack import DevStack, order_args, register

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    stack = DevStack(tmp_path_factory.mktemp("dev"))
    stack.start()
    yield stack
    if stack.process and stack.process.poll() is None:
        stack.stop()


def test_mail_over_smtp_comes_out_anonymized_and_threaded(dev: DevStack) -> None:
    # Given an order registered through the CLI
    added = dev.cli(*order_args())
    assert added.returncode == 0, added.stderr
    aliases = json.loads(added.stdout)
    # When the buyer writes to the seller's alias over SMTP
    question = EmailMessage()
    question["From"] = "Bob <bob@example.net>"
    question["To"] = aliases["seller_alias"]
    question["Subject"] = "Farbe?"
    question["Message-ID"] = "<q-e2e@example.net>"
    question.set_content("Gibt es das auch in Blau? bob@example.net")
    send_smtp("127.0.0.1", dev.smtp_port, question, "bob@example.net", [aliases["seller_alias"]])
    # Then the seller's copy lands in the outbox without Bob's address
    at_seller = wait_for_outbox(dev.outbox, lambda m: m["To"] == "seller@example.org", timeout=30)
    assert at_seller["From"].addresses[0].addr_spec == aliases["buyer_alias"]
    files = list((dev.outbox / "new").iterdir())
    assert all(b"bob@example.net" not in f.read_bytes() for f in files)
    # And the seller's reply reaches Bob threaded under his own Message-ID
    reply = EmailMessage()
    reply["From"] = "seller@example.org"
    reply["To"] = aliases["buyer_alias"]
    reply["Subject"] = "Re: Farbe?"
    reply["In-Reply-To"] = at_seller["Message-ID"]
    reply.set_content("Ja, ab morgen.")
    send_smtp("127.0.0.1", dev.smtp_port, reply, "seller@example.org", [aliases["buyer_alias"]])
    at_bob = wait_for_outbox(dev.outbox, lambda m: m["To"] == "bob@example.net", timeout=30)
    assert at_bob["In-Reply-To"] == "<q-e2e@example.net>"
    assert b"seller@example.org" not in b"".join(
        f.read_bytes()
        for f in (dev.outbox / "new").iterdir()
        if b"To: bob@example.net" in f.read_bytes()
    )
    # And the history shows both, delivered
    history = dev.cli("history", "--order-id", "123-1234567-1234567", "--json")
    assert history.returncode == 0, history.stderr
    entries = json.loads(history.stdout)
    assert [(e["direction"], e["status"]) for e in entries] == [
        ("buyer_to_seller", "delivered"),
        ("seller_to_buyer", "delivered"),
    ]


def test_malformed_registration_is_a_one_line_error_with_exit_2(dev: DevStack) -> None:
    result = dev.cli(*order_args("12-3", locale=None))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "order id" in result.stderr


def test_a_blocked_message_yields_a_notice_in_the_outbox(dev: DevStack) -> None:
    aliases = register(dev)
    before = len(outbox_messages(dev.outbox))
    promo = EmailMessage()
    promo["From"] = "seller@example.org"
    promo["To"] = aliases["buyer_alias"]
    promo["Subject"] = "Neue Kollektion"
    promo.set_content("Schauen Sie mal rein!")
    send_smtp("127.0.0.1", dev.smtp_port, promo, "seller@example.org", [aliases["buyer_alias"]])
    notice = wait_for_outbox(
        dev.outbox,
        lambda m: "Neue Kollektion" in str(m["Subject"]) and m["To"] == "seller@example.org",
        timeout=30,
    )
    assert "order-id-missing" in notice.get_content()
    assert len(outbox_messages(dev.outbox)) == before + 1  # nothing went to the buyer


def test_a_critical_message_is_delivered_without_the_offending_parts(dev: DevStack) -> None:
    aliases = register(dev)
    urgent = EmailMessage()
    urgent["From"] = "seller@example.org"
    urgent["To"] = aliases["buyer_alias"]
    urgent["Subject"] = "[Important] Lieferadresse 123-1234567-1234567"
    urgent.set_content("Die Hausnummer fehlt. Rufen Sie mich an: 0151 23456789. Welche Nummer?")
    send_smtp("127.0.0.1", dev.smtp_port, urgent, "seller@example.org", [aliases["buyer_alias"]])
    at_bob = wait_for_outbox(
        dev.outbox,
        lambda m: m["To"] == "bob@example.net" and "Lieferadresse" in str(m["Subject"]),
        timeout=30,
    )
    text = at_bob.get_content()
    assert "23456789" not in text and "[removed]" in text and "Welche Nummer?" in text
    notice = wait_for_outbox(
        dev.outbox,
        lambda m: m["To"] == "seller@example.org" and "Änderungen" in str(m["Subject"]),
        timeout=30,
    )
    assert "contact-info" in notice.get_content()


def test_a_reminder_digest_arrives_for_an_unanswered_message_and_none_after_the_answer(
    dev: DevStack,
) -> None:
    order = "555-5555555-5555555"
    aliases = register(dev, order, buyer=("B2", "Clara Buyer", "clara@example.net"), locale=None)
    question = EmailMessage()
    question["From"] = "clara@example.net"
    question["To"] = aliases["seller_alias"]
    question["Subject"] = f"Lieferung {order}?"
    question.set_content("Wann kommt die Lieferung?")
    send_smtp("127.0.0.1", dev.smtp_port, question, "clara@example.net", [aliases["seller_alias"]])
    copy = wait_for_outbox(
        dev.outbox,
        lambda m: m["To"] == "seller@example.org" and order in str(m["Subject"]),
        timeout=30,
    )
    # When a sweep runs a week later
    swept = dev.cli("reminders", "run", "--now", "2030-01-01T12:00:00Z")
    assert swept.returncode == 0, swept.stderr
    digest = wait_for_outbox(
        dev.outbox,
        lambda m: (
            m["To"] == "seller@example.org"
            and order in m.get_content()
            and "Clara" in m.get_content()
        ),
        timeout=30,
    )
    assert aliases["buyer_alias"] in digest.get_content()
    # And after the seller answers, a later sweep has nothing for this conversation
    reply = EmailMessage()
    reply["From"] = "seller@example.org"
    reply["To"] = aliases["buyer_alias"]
    reply["Subject"] = f"Re: Lieferung {order}?"
    reply["In-Reply-To"] = copy["Message-ID"]
    reply.set_content("Morgen.")
    send_smtp("127.0.0.1", dev.smtp_port, reply, "seller@example.org", [aliases["buyer_alias"]])
    wait_for_outbox(dev.outbox, lambda m: m["To"] == "clara@example.net", timeout=30)
    # The copy is in the outbox once SES took it; the relay stops the clock just after that
    # (on a loaded machine, after the outbox was written): the sweep comes once it has.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        running = json.loads(dev.cli("sellers", "stats", "S1", "--json").stdout)["open"]
        if not any(c["order_id"] == order for c in running):
            break
        time.sleep(0.5)
    later = dev.cli("reminders", "run", "--now", "2030-02-01T12:00:00Z")
    assert json.loads(later.stdout)["items_read"] == 0
    stats = dev.cli("sellers", "stats", "S1", "--json")
    assert stats.returncode == 0 and json.loads(stats.stdout)["seller_id"] == "S1"


def test_ctrl_c_stops_cleanly(dev: DevStack) -> None:
    assert dev.stop() == 0
    assert not (dev.var / "dev.env").exists()
