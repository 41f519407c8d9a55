"""Ingest's one parse, without the stdlib's cost per line for large attachments.

The stdlib parser reads a message line by line in Python and keeps every line of a body
until the part ends, then joins them: a 10 MB message with a 7 MB PDF costs about 140 ms
and holds the raw bytes, their text, the lines and the joined body at once (5x its size).

Here the bytes of every long run of base64 lines (`MIN_RUN` bytes or more) are taken out
before the stdlib parses the rest, each replaced by one marker line. A base64 line holds
only `A-Z a-z 0-9 + / =` (and its line end): no such line can be a boundary (those start
with `--`), a header or a header's continuation, so the structure the stdlib finds is the
one it finds in the whole message. Afterwards every marker is put back: an attachment whose
body is exactly one run, declared base64, is decoded straight from the raw bytes (one copy:
its decoded bytes) into a `FilePart`; anything else gets its body text back as the stdlib
would have kept it. The markers carry a random nonce, so no sender can write one.
"""

from __future__ import annotations

import binascii
import re
import secrets
from email.message import EmailMessage, Message

from parley.mail.parsing import children, is_attachment, parse_message
from parley.mail.stored import FilePart

MIN_RUN = 64 * 1024
_BASE64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\r"
# base64 characters and CR -> "A", LF stays, anything else -> "#"
_CLASSES = bytes(
    ord("A") if c in _BASE64 else ord("\n") if c == ord("\n") else ord("#") for c in range(256)
)
_RUN = re.compile(rb"[^#]{%d,}" % MIN_RUN)


def parse_once(raw: bytes, max_bytes: int) -> EmailMessage:
    """`parse_message`, with long base64 bodies decoded from `raw` directly (see above)."""
    if len(raw) > max_bytes or len(raw) < MIN_RUN:
        return parse_message(raw, max_bytes)  # refused there, or too small to matter
    runs = _runs(raw)
    if not runs:
        return parse_message(raw, max_bytes)
    nonce = secrets.token_hex(12)
    pieces, start = [], 0
    for index, (begin, end) in enumerate(runs):
        pieces += [raw[start:begin], b"PARLEYRUN%s%d" % (nonce.encode(), index)]
        start = end
    pieces.append(raw[start:])
    message = parse_message(b"".join(pieces), max_bytes)
    _put_back(message, raw, runs, f"PARLEYRUN{nonce}")
    return message


def _runs(raw: bytes) -> list[tuple[int, int]]:
    """Long runs of whole, non-empty base64 lines: (first byte, end of the last line's text)."""
    found = []
    for match in _RUN.finditer(raw.translate(_CLASSES)):
        begin, end = match.span()
        if begin and raw[begin - 1] != 0x0A:  # from a line's start
            begin = raw.find(b"\n", begin, end) + 1 or end
        while begin < end and raw[begin] in b"\r\n":  # no empty line first (a header end)
            begin = raw.find(b"\n", begin, end) + 1 or end
        if end < len(raw):  # to a line's end
            end = max(raw.rfind(b"\n", begin, end), begin)
        while end > begin and raw[end - 1] in b"\r\n":  # the last line end (and empty lines)
            end -= 1  # stay with the text around: the stdlib strips it before a boundary
        if end - begin >= MIN_RUN:
            found.append((begin, end))
    return found


def _put_back(message: EmailMessage, raw: bytes, runs: list[tuple[int, int]], tag: str) -> None:
    stack: list[tuple[Message | None, Message]] = [(None, message)]
    pattern = re.compile(re.escape(tag) + r"(\d+)")
    while stack:
        parent, part = stack.pop()
        if part.is_multipart():
            stack.extend((part, child) for child in children(part))
            continue
        body = getattr(part, "_payload", None)
        if not isinstance(body, str) or tag not in body:
            continue
        whole = pattern.fullmatch(body.strip("\r\n"))
        decoded = _decoded(part, raw, runs[int(whole.group(1))]) if whole else None
        if decoded is not None and parent is not None:
            _replace(parent, part, _file(part, decoded))
        else:  # the body as the stdlib keeps it: the runs' text in place of their markers
            part._payload = pattern.sub(  # type: ignore[attr-defined]
                lambda m: _text(raw, runs[int(m.group(1))]), body
            )


def _decoded(part: Message, raw: bytes, run: tuple[int, int]) -> bytes | None:
    """The attachment's bytes, when its body is one run of valid base64 (else None)."""
    begin, end = run
    cte = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if cte != "base64" or not is_attachment(part) or part.get_content_maintype() == "text":
        return None
    if raw.find(b"=", begin, end - 2) >= 0:  # padding only at the very end
        return None
    try:
        return binascii.a2b_base64(memoryview(raw)[begin:end])
    except binascii.Error:  # padding the stdlib forgives: let it decode its way
        return None


def _text(raw: bytes, run: tuple[int, int]) -> str:
    return raw[run[0] : run[1]].decode("ascii")


def _file(part: Message, data: bytes) -> FilePart:
    file = FilePart(lambda: data)
    file.data()
    for name, value in part.raw_items():
        file.set_raw(name, value)
    file.set_default_type(part.get_default_type())
    file.defects.extend(part.defects)
    return file


def _replace(parent: Message, old: Message, new: Message) -> None:
    siblings = children(parent)
    siblings[siblings.index(old)] = new
