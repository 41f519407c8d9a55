"""Hostile mail for the fuzz tests: real-world seeds (the stdlib email package's own test
messages and our golden fixtures) and mutations of them, deterministic per seed."""

from __future__ import annotations

import base64
import random
import re
from collections.abc import Callable
from pathlib import Path

FIXTURES = Path(__file__).parents[1] / "fixtures"
SEEDS = sorted((FIXTURES / "corpus" / "stdlib").glob("msg_*.txt")) + sorted(
    (FIXTURES / "eml" / "incoming").glob("*.eml")
)


def seeds() -> list[bytes]:
    return [path.read_bytes() for path in SEEDS]


def _lines(raw: bytes) -> list[bytes]:
    return raw.splitlines(keepends=True)


def truncate(rng: random.Random, raw: bytes) -> bytes:
    return raw[: rng.randrange(0, max(len(raw), 1))]


def drop_boundary(rng: random.Random, raw: bytes) -> bytes:
    lines = _lines(raw)
    marks = [i for i, line in enumerate(lines) if line.startswith(b"--")]
    if marks:
        del lines[rng.choice(marks)]
    return b"".join(lines)


def duplicate_boundary(rng: random.Random, raw: bytes) -> bytes:
    lines = _lines(raw)
    marks = [i for i, line in enumerate(lines) if line.startswith(b"--")]
    if marks:
        i = rng.choice(marks)
        lines.insert(i, lines[i] * rng.randint(1, 5))
    return b"".join(lines)


def flip_bytes(rng: random.Random, raw: bytes) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 20)):
        if data:
            data[rng.randrange(len(data))] = rng.choice(
                [0, 10, 13, 0x80, 0xFF, 0x3D, rng.randrange(256)]
            )
    return bytes(data)


def long_header(rng: random.Random, raw: bytes) -> bytes:
    name = rng.choice([b"X-Filler", b"Subject", b"References", b"From", b"Content-Type"])
    return name + b": " + b"a" * 100_000 + b"\r\n" + raw


def invalid_charset(rng: random.Random, raw: bytes) -> bytes:
    bogus = rng.choice([b"x-unknown-42", b"utf-7", b"utf-16", b'"', b"", b"iso-8859-1\x00"])
    return re.sub(rb"charset=\"?[\w-]+\"?", b"charset=" + bogus, raw, flags=re.IGNORECASE)


def eight_bit_body_bad_charset(rng: random.Random, raw: bytes) -> bytes:
    charset = rng.choice([b'"iso-8859-1\x00"', b"x-unknown", b'"utf-8\r\n"'])
    return (
        b"From: bob@example.net\r\nSubject: x\r\nContent-Type: text/plain; charset="
        + charset
        + b"\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGr\xfc\xdfe \xff\xfe\r\n"
        + raw[-500:]
    )


def eight_bit_headers(rng: random.Random, raw: bytes) -> bytes:
    junk = rng.choice(["Grüße aus Köln".encode("latin-1"), "Привет".encode(), b"\xff\xfe\xfd"])
    return b"Subject: " + junk + b"\r\nX-Name: " + junk + b"\r\n" + raw


def missing_boundary_parameter(rng: random.Random, raw: bytes) -> bytes:
    return re.sub(rb';\s*boundary="?[^";\r\n]+"?', b"", raw, flags=re.IGNORECASE)


def huge_base64_little_data(rng: random.Random, raw: bytes) -> bytes:
    padding = b"\r\n" * rng.randint(10_000, 200_000)
    return _with_part(raw, b"Content-Transfer-Encoding: base64\r\n\r\nQUJD" + padding + b"====\r\n")


def broken_base64(rng: random.Random, raw: bytes) -> bytes:
    noise = bytes(rng.randrange(256) for _ in range(rng.randint(10, 5000)))
    return _with_part(raw, b"Content-Transfer-Encoding: base64\r\n\r\n" + noise + b"\r\n")


def _with_part(raw: bytes, part: bytes) -> bytes:
    head = (
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=ZZZ\r\n\r\n--ZZZ\r\n"
        b"Content-Type: text/plain\r\n\r\n" + raw[:2000] + b"\r\n--ZZZ\r\n"
        b"Content-Type: application/octet-stream; name=a.bin\r\n"
    )
    return head + part + b"--ZZZ--\r\n"


def deep_nesting(rng: random.Random, raw: bytes) -> bytes:
    depth = rng.choice([60, 1000])
    opening = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
        for i in range(depth)
    )
    closing = b"".join(b"\r\n--b%d--\r\n" % i for i in reversed(range(depth)))
    return b"MIME-Version: 1.0\r\n" + opening + b"Content-Type: text/plain\r\n\r\nhi" + closing


def many_parts(rng: random.Random, raw: bytes) -> bytes:
    count = rng.choice([300, 10_000])
    part = b"--P\r\nContent-Type: text/plain\r\n\r\nx\r\n"
    return (
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=P\r\n\r\n"
        + part * count
        + b"--P--\r\n"
    )


def crlf_in_encoded_words(rng: random.Random, raw: bytes) -> bytes:
    evil = base64.b64encode(b"Bob\r\nBcc: victim@example.com\r\nX-Injected: yes").decode()
    return (
        f"Subject: =?utf-8?b?{evil}?=\r\n"
        f'From: "=?utf-8?q?Bob=0D=0ABcc:_victim@example.com?=" <bob@example.net>\r\n'
    ).encode() + raw


def address_tricks(rng: random.Random, raw: bytes) -> bytes:
    tricks = [
        "From: b\u043eb@ex\u0430mple.net\r\n",  # Cyrillic o and a: homoglyphs
        "From: bob@ex\u00e4mple.net\r\n",  # IDN
        "From: =?utf-8?q?seller=40example=2Eorg?= <bob@example.net>\r\n",
        "From: bob@example.net, mallory@example.com\r\n",
        "From: <>\r\n",
        'From: "seller@example.org" <bob@example.net>\r\n',
        "From: bob@example.net (seller@example.org)\r\n",
    ]
    return rng.choice(tricks).encode("utf-8") + raw


MUTATIONS: list[Callable[[random.Random, bytes], bytes]] = [
    truncate,
    drop_boundary,
    duplicate_boundary,
    flip_bytes,
    long_header,
    invalid_charset,
    eight_bit_headers,
    eight_bit_body_bad_charset,
    missing_boundary_parameter,
    huge_base64_little_data,
    broken_base64,
    deep_nesting,
    many_parts,
    crlf_in_encoded_words,
    address_tricks,
]


def mutated_corpus(count: int, seed: int = 20261127) -> list[tuple[str, bytes]]:
    """(label, bytes) pairs: every seed unchanged, then `count` mutations cycling through all
    mutators so that each appears; deterministic for a seed."""
    rng = random.Random(seed)
    originals = seeds()
    cases = [(f"seed {path.name}", raw) for path, raw in zip(SEEDS, originals, strict=True)]
    for n in range(count):
        mutate = MUTATIONS[n % len(MUTATIONS)]
        index = rng.randrange(len(originals))
        cases.append((f"{mutate.__name__}({SEEDS[index].name})", mutate(rng, originals[index])))
    return cases
