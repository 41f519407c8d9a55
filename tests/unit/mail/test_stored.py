"""The compact record is the one parse: the policy and the composer read a message rebuilt
from it exactly as they read the parsed raw mail (same decision, same delivered bytes), for
the security suite's attacks, the leak corpus's client shapes, the golden fixtures and
fuzzed MIME; the record holds no attachment bytes and bounded text; files are read once,
only when opened."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from parley.mail.compose import ComposeError, Envelope, compose_delivery
from parley.mail.parsing import UnacceptableMessage, parse_message
from parley.mail.stored import (
    MAX_TEXT_BYTES,
    FilePart,
    MessageRecord,
    NewFile,
    message_of,
    record_of,
    stored_ref,
)
from parley.policy import PolicyContext, evaluate
from parley.policy.engine import Decision
from tests.security.test_attacks import ATTACKS
from tests.support import fuzz, leak_corpus

LIMIT = 40 * 1024 * 1024
ENVELOPE = Envelope(
    from_name="Bob",
    from_alias="bbbbbbbbbbbbbbb@marketplace.example",
    to_address="seller@example.org",
    message_id="m@marketplace.example",
    replacements={leak_corpus.ADDRESS: "bbbbbbbbbbbbbbb@marketplace.example"},
    scrub={leak_corpus.ADDRESS: "bbbbbbbbbbbbbbb@marketplace.example"},
    names={leak_corpus.NAME: "Bob"},
    date=datetime(2026, 11, 27, 12, 0, tzinfo=UTC),
)
FIXTURES = sorted((Path(__file__).parents[2] / "fixtures" / "eml" / "incoming").glob("*.eml"))


class Files:
    """An in-memory store that counts reads."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.reads: list[str] = []

    def store(self, new: NewFile) -> object:
        key = f"messages/m/attachments/{new.index:03d}"
        self.objects[key] = new.data
        return stored_ref(key, new)

    def read(self, key: str) -> bytes:
        self.reads.append(key)
        return self.objects[key]


def _round_trip(raw: bytes, files: Files | None = None) -> EmailMessage:
    files = files or Files()
    compact = record_of(parse_message(raw, LIMIT), len(raw), files.store)  # type: ignore[arg-type]
    return message_of(MessageRecord.from_json(compact.to_json()), files.read)


def _facts(decision: Decision) -> tuple[object, ...]:
    return (
        decision.verdict,
        decision.category,
        decision.violations,
        decision.modified,
        decision.removed_attachments,
        decision.rebuilt,
    )


def _delivered(message: EmailMessage) -> bytes | str:
    try:
        return compose_delivery(message, ENVELOPE).data
    except ComposeError as exc:
        return f"refused: {exc}"


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.id for a in ATTACKS])
def test_the_policy_decides_the_same_on_the_record(attack: object) -> None:
    raw = attack.message().as_bytes()  # type: ignore[attr-defined]
    context: PolicyContext = attack.context  # type: ignore[attr-defined]
    from_raw = parse_message(raw, LIMIT)
    from_record = _round_trip(raw)
    assert _facts(evaluate(from_record, context)) == _facts(evaluate(from_raw, context))
    # what the relay makes of the judged message is the same too
    assert _delivered(from_record) == _delivered(from_raw)


def _shapes() -> list[tuple[str, bytes]]:
    cases = [(c.label, c.raw) for c in leak_corpus.corpus("s@marketplace.example", "s@m.example")]
    cases += [(path.name, path.read_bytes()) for path in FIXTURES]
    rng = random.Random(15)
    for index, seed in enumerate(fuzz.seeds()[:40]):
        mutate = fuzz.MUTATIONS[index % len(fuzz.MUTATIONS)]
        cases.append((f"fuzz-{index}-{mutate.__name__}", mutate(rng, seed)))
    return cases


@pytest.mark.parametrize(("label", "raw"), _shapes(), ids=[label for label, _ in _shapes()])
def test_the_relay_delivers_the_same_bytes_from_the_record(label: str, raw: bytes) -> None:
    try:
        from_raw = parse_message(raw, LIMIT)
    except UnacceptableMessage:
        return  # ingest rejects it: no record is ever written
    for part in from_raw.walk():  # a multipart's preamble and epilogue: not in the record
        part.preamble = part.epilogue = None
    assert _delivered(_round_trip(raw)) == _delivered(from_raw), label


def test_preamble_and_epilogue_are_not_relayed() -> None:
    """Text outside a multipart's parts: no mail program shows it, the policy never read it,
    so the copy does not carry it (it did when the relay re-parsed the raw mail)."""
    raw = (
        b"From: bob@example.net\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\ncall 0151 23456789\r\n--b\r\n"
        b"Content-Type: text/plain\r\n\r\nhello\r\n--b--\r\nor mail bob@example.net\r\n"
    )
    delivered = _delivered(_round_trip(raw))
    assert isinstance(delivered, bytes) and b"hello" in delivered
    assert b"23456789" not in delivered and b"or mail" not in delivered


def _with_attachment(data: bytes, text: str = "see the invoice") -> bytes:
    message = EmailMessage()
    message["From"] = "bob@example.net"
    message["Subject"] = "invoice"
    message["Received"] = "from laptop (203.0.113.7)"
    message.set_content(text)
    message.add_attachment(data, maintype="application", subtype="pdf", filename="inv.pdf")
    return message.as_bytes()


def test_the_record_holds_descriptors_not_bytes() -> None:
    data = b"%PDF-1.4\n" + random.Random(1).randbytes(300_000)
    files = Files()
    raw = _with_attachment(data)
    compact = record_of(parse_message(raw, LIMIT), len(raw), files.store)  # type: ignore[arg-type]
    assert len(compact.to_json()) < 2_000
    assert files.objects == {"messages/m/attachments/000": data}  # decoded once, stored
    (ref,) = compact.files
    assert (ref.name, ref.size, ref.sniffed, ref.content_type) == (
        "inv.pdf",
        len(data),
        "pdf",
        "application/pdf",
    )
    assert b"203.0.113.7" not in compact.to_json()  # only the headers the stages read
    assert compact.raw_size == len(raw)


def test_text_is_bounded() -> None:
    raw = _with_attachment(b"%PDF-1.4\n", text="word " * (MAX_TEXT_BYTES // 2))
    compact = record_of(parse_message(raw, LIMIT), len(raw), Files().store)  # type: ignore[arg-type]
    # (JSON writes each line end as four characters)
    assert MAX_TEXT_BYTES // 2 < len(compact.to_json()) < MAX_TEXT_BYTES * 1.1


def test_files_are_read_once_and_only_when_opened() -> None:
    files = Files()
    message = _round_trip(_with_attachment(b"%PDF-1.4\n" + b"x" * 1000), files)
    assert files.reads == []
    (part,) = [p for p in message.walk() if isinstance(p, FilePart)]
    assert part.get_payload(decode=True) == b"%PDF-1.4\n" + b"x" * 1000
    part.get_payload(decode=True)
    assert files.reads == ["messages/m/attachments/000"]


def test_a_sanitized_message_keeps_its_stored_files_and_its_edits() -> None:
    """The filter's record of the message the policy rewrote names the files ingest stored
    (nothing stored again) and carries the rewritten text."""
    raw = _with_attachment(b"%PDF-1.4\n1 0 obj<<>>endobj\n", text="Call me on 0151 23456789")
    files = Files()
    message = _round_trip(raw, files)
    context = PolicyContext(
        "seller_to_buyer", relay_domain="marketplace.example", declared_critical=True
    )
    decision = evaluate(message, context)  # critical: the number is taken out, not blocked
    assert decision.modified
    stored_again: list[NewFile] = []

    def refuse(new: NewFile) -> object:
        stored_again.append(new)
        return files.store(new)

    sanitized = record_of(message, len(raw), refuse)  # type: ignore[arg-type]
    assert stored_again == []
    assert _delivered(message_of(sanitized, files.read)) == _delivered(message)
    assert b"23456789" not in sanitized.to_json()
