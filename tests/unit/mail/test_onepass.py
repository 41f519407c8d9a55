"""Ingest's one parse finds what the stdlib parser finds: the same compact record (structure,
headers, text) and the same file bytes, for ordinary mail, the leak corpus, fuzzed MIME, and
messages built to sit on the edges of the base64 runs it takes out; and it is cheaper."""

from __future__ import annotations

import base64
import random
import time
import tracemalloc
from email.message import EmailMessage

import pytest

from parley.mail.onepass import MIN_RUN, parse_once
from parley.mail.parsing import UnacceptableMessage, parse_message
from parley.mail.stored import FileRef, NewFile, record_of, stored_ref
from tests.support import fuzz, leak_corpus

LIMIT = 40 * 1024 * 1024
RNG = random.Random(15)
BIG = RNG.randbytes(3 * MIN_RUN)


def _record(message: EmailMessage, raw: bytes) -> tuple[bytes, list[bytes]]:
    files: list[bytes] = []

    def store(new: NewFile) -> FileRef:
        files.append(new.data)
        return stored_ref(f"k/{new.index}", new)

    return record_of(message, len(raw), store).to_json(), files


def _lines(data: bytes, width: int = 76, end: bytes = b"\r\n") -> bytes:
    text = base64.b64encode(data)
    return b"".join(text[i : i + width] + end for i in range(0, len(text), width))


def _mime(body: bytes, *, ctype: bytes = b"application/pdf", end: bytes = b"\r\n") -> bytes:
    return (
        b"From: bob@example.net\r\nSubject: s\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=XX\r\n\r\npreamble\r\n--XX\r\n"
        b"Content-Type: text/plain\r\n\r\nhello\r\n--XX\r\n"
        b"Content-Type: " + ctype + b"; name=a.pdf\r\nContent-Disposition: attachment\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + body + b"--XX--\r\n"
    ).replace(b"\r\n", end)


EDGES = {
    "crlf": _mime(_lines(BIG)),
    "lf": _mime(_lines(BIG, end=b"\n"), end=b"\n"),
    "odd-line-width": _mime(_lines(BIG, width=61)),
    "no-final-line-end": _mime(_lines(BIG)[:-2] + b"\r\n"),
    "blank-lines-around": _mime(b"\r\n\r\n" + _lines(BIG) + b"\r\n\r\n"),
    "padding-inside": _mime(_lines(BIG[:1000]) + _lines(BIG) + _lines(BIG[:1001])),
    "bad-padding": _mime(_lines(BIG)[:-5] + b"\r\n"),
    "text-attachment": _mime(_lines(b"plain words " * 20000), ctype=b"text/plain"),
    "octet-no-name": _mime(_lines(BIG), ctype=b"application/octet-stream"),
    "body-then-words": _mime(_lines(BIG) + b"and then some words\r\n"),
    "words-then-body": _mime(b"some words first\r\n" + _lines(BIG)),
    "two-runs": _mime(_lines(BIG) + b"a line with spaces\r\n" + _lines(BIG)),
    "in-preamble": _mime(_lines(BIG)).replace(b"preamble\r\n", _lines(BIG)),
    "header-position": _mime(b"")
    .replace(b"Content-Transfer-Encoding: base64\r\n\r\n", b"Content-Transfer-Encoding: base64\r\n")
    .replace(b"--XX--", _lines(BIG) + b"--XX--"),
    "single-part": (
        b"From: bob@example.net\r\nContent-Type: application/pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + _lines(BIG)
    ),
    "forwarded": _mime(b"").replace(
        b"--XX--",
        b"--XX\r\nContent-Type: message/rfc822\r\n\r\n" + _mime(_lines(BIG)) + b"--XX--",
    ),
    "unterminated": _mime(_lines(BIG)).replace(b"--XX--\r\n", b""),
    "quoted-printable-declared": _mime(_lines(BIG)).replace(b": base64", b": quoted-printable"),
}


def _cases() -> list[tuple[str, bytes]]:
    cases = list(EDGES.items())
    cases += [(c.label, c.raw) for c in leak_corpus.corpus("s@marketplace.example", "s@m.ex")]
    for index, seed in enumerate(fuzz.seeds()[:30]):
        mutate = fuzz.MUTATIONS[index % len(fuzz.MUTATIONS)]
        cases.append((f"fuzz-{index}-{mutate.__name__}", mutate(RNG, seed + _lines(BIG))))
    return cases


@pytest.mark.parametrize(("label", "raw"), _cases(), ids=[label for label, _ in _cases()])
def test_one_parse_finds_what_the_stdlib_finds(label: str, raw: bytes) -> None:
    try:
        expected = _record(parse_message(raw, LIMIT), raw)
    except UnacceptableMessage as exc:
        with pytest.raises(UnacceptableMessage) as refused:
            parse_once(raw, LIMIT)
        assert refused.value.reason == exc.reason
        return
    assert _record(parse_once(raw, LIMIT), raw) == expected, label


def test_a_marker_cannot_be_forged() -> None:
    """A sender writing marker-like text gets it back as text, never someone's bytes."""
    raw = _mime(_lines(BIG)).replace(b"hello", b"PARLEYRUN0123456789abcdef0123456789abcdef0")
    message = parse_once(raw, LIMIT)
    assert _record(message, raw) == _record(parse_message(raw, LIMIT), raw)


def test_a_large_attachment_is_decoded_once_without_the_stdlibs_lines() -> None:
    data = RNG.randbytes(6 * 1024 * 1024)
    raw = _mime(_lines(data))

    def measured(parse: object) -> tuple[float, int]:
        tracemalloc.start()
        started = time.process_time()
        message = parse(raw, LIMIT)  # type: ignore[operator]
        _record(message, raw)
        spent = time.process_time() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return spent, peak

    stdlib_cpu, stdlib_peak = measured(parse_message)
    ours_cpu, ours_peak = measured(parse_once)
    assert ours_peak < 2 * len(data) < stdlib_peak  # the decoded bytes, little else
    assert ours_cpu < stdlib_cpu / 2
