"""Only the pair writes: strict From parsing and DMARC-aligned authentication (issue #12).

Each attack is an SES event with the verdicts SES gives the attacker's mail: an attacker who
owns attacker.example passes SPF, DKIM and even DMARC for that domain, and every check here
must still refuse to treat the message as the registered buyer's.
"""

from __future__ import annotations

import base64
import json
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

import pytest

from parley.adapters.store import MessageModel
from parley.app import default_services
from parley.core.settings import get_settings
from parley.directory.registration import OrderRegistration, PartyInfo, register_order
from parley.pipeline.common import message_id_for
from tests.support.aws import BUYER_EMAIL, ORDER_ID, SELLER_EMAIL, Aws
from tests.support.dkim_keys import DkimKey

# The attacker's own domain authenticates perfectly; none of it is about example.net.
ATTACKER = {"spam": "PASS", "virus": "PASS", "spf": "PASS", "dkim": "PASS", "dmarc": "PASS"}
ATTACKER_MAIL_FROM = "bounce@attacker.example"


def raw(
    from_lines: list[str], to: str, subject: str = f"Order {ORDER_ID}", extra: str = ""
) -> bytes:
    head = "".join(f"{line}\r\n" for line in from_lines)
    message_id = f"<attack-{abs(hash((tuple(from_lines), subject)))}@attacker.example>"
    return (
        f"{head}To: {to}\r\nSubject: {subject}\r\nMessage-ID: {message_id}\r\n"
        f"{extra}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "Please pay the balance here: https://attacker.example/pay\r\n"
    ).encode()


def record(ses_id: str, alias: str) -> MessageModel:
    return MessageModel.get(message_id_for(ses_id, alias), consistent_read=True)


def sent_to(aws: Aws) -> list[str]:
    return [str(message_from_bytes(m.raw_data.encode(), policy=default)["To"]) for m in aws.sent()]


BUYER_B64 = base64.b64encode(BUYER_EMAIL.encode()).decode()
FROM_ATTACKS = {
    "addr-spec as display name": ["From: bob@example.net <x@attacker.example>"],
    "encoded word in the domain": ["From: bob@=?utf-8?q?example?=.net"],
    "encoded word as the address": [f"From: =?utf-8?b?{BUYER_B64}?="],
    "two From headers": ["From: bob@example.net", "From: x@attacker.example"],
    "two From headers, buyer last": ["From: x@attacker.example", "From: bob@example.net"],
    "quoted display name naming the buyer": ['From: "bob@example.net" <x@attacker.example>'],
    "encoded display name naming the buyer": [
        "From: =?utf-8?q?bob=40example=2Enet?= <x@attacker.example>"
    ],
    "fullwidth at sign in the display name": [
        "From: =?utf-8?b?"
        + base64.b64encode("bob＠example.net".encode()).decode()
        + "?= <x@attacker.example>"
    ],
    "two mailboxes": ["From: bob@example.net, x@attacker.example"],
    "group syntax": ["From: Friends: bob@example.net;"],
    "Sender differs": ["From: bob@example.net", "Sender: x@attacker.example"],
    "text after the address": ["From: Bob <bob@example.net> x@attacker.example"],
    "route syntax": ["From: Bob <@attacker.example:bob@example.net>"],
    "From with a space before the colon": ["From: x@attacker.example", "From : bob@example.net"],
    "no From at all": [],
}


@pytest.mark.parametrize("from_lines", FROM_ATTACKS.values(), ids=FROM_ATTACKS.keys())
def test_a_from_header_that_is_not_one_clean_mailbox_is_malformed_and_never_answered(
    aws: Aws, order: Any, from_lines: list[str]
) -> None:
    ses_id, _ = aws.ingest(
        raw(from_lines, order.seller_alias),
        [order.seller_alias],
        verdicts=ATTACKER,
        mail_from=ATTACKER_MAIL_FROM,
    )
    aws.drain()
    stored = record(ses_id, order.seller_alias)
    assert (stored.status, stored.reason, stored.notice_sent) == (
        "rejected",
        "malformed-sender",
        False,
    )
    assert aws.sent() == []  # nothing relayed to the seller, nothing reflected to anyone


class Dns:
    """The DNS that ingest's own DKIM check sees: a static zone file instead of a resolver."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.records: dict[str, list[str]] = {}
        self.publish({})

    def publish(self, records: dict[str, list[str]]) -> None:
        self.records.update(records)
        self.path.write_text(json.dumps(self.records))


@pytest.fixture
def dns(aws: Aws, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Dns:
    zone = Dns(tmp_path / "zone.json")
    monkeypatch.setenv("PARLEY_DNS_ZONE_FILE", str(zone.path))
    get_settings.cache_clear()
    default_services.cache_clear()
    return zone


def genuine(to: str, subject: str = f"Question about order {ORDER_ID}") -> bytes:
    return raw(
        [f"From: Bob <{BUYER_EMAIL}>"],
        to,
        subject,
        extra="Date: Fri, 27 Nov 2026 12:00:00 +0000\r\n",
    )


NO_DMARC = {"spam": "PASS", "virus": "PASS", "dmarc": "GRAY"}


def test_a_forged_from_of_a_p_none_domain_is_unauthenticated_and_not_answered(
    aws: Aws, order: Any
) -> None:
    # gmail.com publishes p=none: SES reports DMARC FAIL with policy none for a forgery
    ses_id, _ = aws.ingest(
        genuine(order.seller_alias),
        [order.seller_alias],
        verdicts={**NO_DMARC, "spf": "FAIL", "dkim": "GRAY", "dmarc": "FAIL"},
        dmarc_policy="none",
        mail_from=ATTACKER_MAIL_FROM,
    )
    aws.drain()
    stored = record(ses_id, order.seller_alias)
    assert (stored.status, stored.reason, stored.notice_sent) == (
        "rejected",
        "unauthenticated-sender",
        False,
    )
    assert aws.sent() == []


@pytest.mark.parametrize(
    "verdicts, mail_from",
    [
        # SPF passes, but for the attacker's MAIL FROM domain: not aligned with example.net
        ({**NO_DMARC, "spf": "PASS", "dkim": "GRAY"}, ATTACKER_MAIL_FROM),
        # SES saw a valid DKIM signature, but it is the attacker's (checked below from the raw)
        ({**NO_DMARC, "spf": "FAIL", "dkim": "PASS"}, ATTACKER_MAIL_FROM),
        # Nothing passes at all
        ({**NO_DMARC, "spf": "GRAY", "dkim": "GRAY"}, BUYER_EMAIL),
        # SPF passes for the buyer's domain, but DMARC could not be evaluated
        ({**NO_DMARC, "spf": "PASS", "dkim": "GRAY", "dmarc": "PROCESSING_FAILED"}, BUYER_EMAIL),
    ],
    ids=["unaligned-spf", "unaligned-dkim", "nothing", "dmarc-processing-failed"],
)
def test_without_a_dmarc_record_only_aligned_spf_or_dkim_authenticates(
    aws: Aws, order: Any, dns: Dns, verdicts: dict[str, str], mail_from: str
) -> None:
    attacker_key = DkimKey("attacker.example")
    dns.publish(attacker_key.zone())
    forged = attacker_key.sign(genuine(order.seller_alias))
    ses_id, _ = aws.ingest(forged, [order.seller_alias], verdicts=verdicts, mail_from=mail_from)
    aws.drain()
    stored = record(ses_id, order.seller_alias)
    assert (stored.status, stored.reason, stored.notice_sent) == (
        "rejected",
        "unauthenticated-sender",
        False,
    )
    assert aws.sent() == []


def test_without_a_dmarc_record_an_aligned_spf_pass_is_the_buyer(aws: Aws, order: Any) -> None:
    # MAIL FROM in a subdomain of the From domain aligns (relaxed)
    ses_id, _ = aws.ingest(
        genuine(order.seller_alias),
        [order.seller_alias],
        verdicts={**NO_DMARC, "spf": "PASS", "dkim": "GRAY"},
        mail_from="bounces+123@mail.example.net",
    )
    aws.drain()
    assert record(ses_id, order.seller_alias).status == "delivered"
    assert sent_to(aws) == [SELLER_EMAIL]


def test_without_a_dmarc_record_an_aligned_dkim_signature_is_the_buyer(
    aws: Aws, order: Any, dns: Dns
) -> None:
    key = DkimKey("example.net", selector="mx2026")
    dns.publish(key.zone())
    signed = key.sign(genuine(order.seller_alias))
    ses_id, _ = aws.ingest(
        signed,
        [order.seller_alias],
        verdicts={**NO_DMARC, "spf": "FAIL", "dkim": "PASS"},
        mail_from=ATTACKER_MAIL_FROM,  # forwarded: SPF is the forwarder's, the signature holds
    )
    aws.drain()
    assert record(ses_id, order.seller_alias).status == "delivered"


def test_a_signature_that_no_longer_verifies_does_not_authenticate(
    aws: Aws, order: Any, dns: Dns
) -> None:
    key = DkimKey("example.net")
    dns.publish(key.zone())
    tampered = key.sign(genuine(order.seller_alias)).replace(b"Please pay", b"Kindly pay")
    ses_id, _ = aws.ingest(
        tampered, [order.seller_alias], verdicts={**NO_DMARC, "spf": "GRAY", "dkim": "PASS"}
    )
    assert record(ses_id, order.seller_alias).reason == "unauthenticated-sender"


def test_a_signature_with_a_body_length_limit_does_not_authenticate(
    aws: Aws, order: Any, dns: Dns
) -> None:
    # l= lets anyone append to a genuine signed mail: such a signature vouches for nothing
    key = DkimKey("example.net")
    dns.publish(key.zone())
    signed = key.sign(genuine(order.seller_alias), length=True)
    extended = signed + b"\r\nAlso, here is my new bank account: DE00 ...\r\n"
    ses_id, _ = aws.ingest(
        extended, [order.seller_alias], verdicts={**NO_DMARC, "spf": "GRAY", "dkim": "PASS"}
    )
    assert record(ses_id, order.seller_alias).reason == "unauthenticated-sender"


@pytest.fixture
def relaxed(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> Aws:
    monkeypatch.setenv("PARLEY_SENDER_AUTHENTICATION", "dmarc-policy")
    get_settings.cache_clear()
    default_services.cache_clear()
    return aws


@pytest.mark.parametrize(
    "policy, status", [("none", "delivered"), ("quarantine", "rejected"), ("reject", "rejected")]
)
def test_the_dmarc_policy_setting_follows_the_domains_own_policy(
    relaxed: Aws, order: Any, policy: str, status: str
) -> None:
    ses_id, _ = relaxed.ingest(
        genuine(order.seller_alias),
        [order.seller_alias],
        verdicts={**NO_DMARC, "spf": "PASS", "dkim": "GRAY", "dmarc": "FAIL"},
        dmarc_policy=policy,
        mail_from="bob@lists.example.com",
    )
    relaxed.drain()
    assert record(ses_id, order.seller_alias).status == status


def test_unicode_and_punycode_forms_of_an_address_are_one_address(aws: Aws) -> None:
    registered = register_order(
        aws.services.store,
        OrderRegistration(
            "777-7777777-7777777",
            PartyInfo("S7", "Laden", SELLER_EMAIL, "de-DE"),
            PartyInfo("B7", "Jörg", "Jörg@Bücher.Example", "de-DE"),
        ),
    )
    for sender in ("jörg@bücher.example", "JÖRG@xn--bcher-kva.example"):
        message = raw(
            [f"From: Jörg <{sender}>"], registered.seller_alias, "Frage 777-7777777-7777777"
        )
        ses_id, _ = aws.ingest(message, [registered.seller_alias])
        assert record(ses_id, registered.seller_alias).status == "accepted", sender


# -- no reflection: notices only to authenticated addresses, bounded, short quotes ----------

UNALIGNED = {"spam": "PASS", "virus": "PASS", "spf": "PASS", "dkim": "PASS", "dmarc": "GRAY"}


def test_an_unknown_alias_is_never_answered_however_well_the_sender_authenticates(
    aws: Aws, order: Any
) -> None:
    guess = "aaaaaaaaaaaaaaa@marketplace.example"
    victim = raw(["From: victim@example.com"], guess, "Buy cheap watches " * 10)
    ses_id, _ = aws.ingest(victim, [guess], mail_from="victim@example.com")
    stored = record(ses_id, guess)
    assert (stored.status, stored.reason, stored.notice_sent) == (
        "rejected",
        "unknown-alias",
        False,
    )
    assert aws.sent() == []


def test_a_stranger_whose_domain_did_not_vouch_for_them_is_not_answered(
    aws: Aws, order: Any
) -> None:
    # SPF and DKIM pass for the spammer's own domain, From names the victim: no notice
    spam = raw(["From: victim@example.com"], order.seller_alias, "Cheap watches")
    ses_id, _ = aws.ingest(
        spam, [order.seller_alias], verdicts=UNALIGNED, mail_from=ATTACKER_MAIL_FROM
    )
    stored = record(ses_id, order.seller_alias)
    assert (stored.reason, stored.notice_sent) == ("unauthorized-sender", False)
    assert aws.sent() == []


def test_an_authenticated_stranger_is_told_with_at_most_80_characters_of_their_subject(
    aws: Aws, order: Any
) -> None:
    subject = "Visit https://spam.example/offer now " + "x" * 200
    stranger = raw(["From: mallory@example.com"], order.seller_alias, subject)
    ses_id, _ = aws.ingest(stranger, [order.seller_alias], mail_from="mallory@example.com")
    assert record(ses_id, order.seller_alias).notice_sent is True
    (notice,) = [message_from_bytes(m.raw_data.encode(), policy=default) for m in aws.sent()]
    assert notice["To"] == "mallory@example.com"
    quoted = str(notice["Subject"]).removeprefix("Not delivered: ")
    assert len(quoted) <= 80 and subject.startswith(quoted.rstrip("…"))
    assert "x" * 100 not in notice.get_content()


def test_notices_to_one_address_are_limited_per_hour(aws: Aws, order: Any) -> None:
    # An authenticated stranger writes 15 times: 10 notices in the hour, then silence
    for n in range(15):
        stranger = raw(["From: mallory@example.com"], order.seller_alias, f"Hello {n}")
        aws.ingest(stranger, [order.seller_alias], mail_from="mallory@example.com")
    assert sent_to(aws) == ["mallory@example.com"] * 10
