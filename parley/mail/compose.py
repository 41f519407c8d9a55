"""Outbound composition: an allowlist of headers, aliases in place of addresses, 7-bit clean."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.utils import format_datetime, parsedate_to_datetime

from parley.mail.addresses import formatted
from parley.mail.parsing import children, decode_text, header

# CRLF on the wire, 7-bit transfer encodings, RFC 2047 for non-ASCII headers.
WIRE_POLICY = policy.SMTP.clone(cte_type="7bit")

# Content headers survive on every part; everything else at the top is rebuilt from scratch.
_CONTENT_HEADERS = (
    "Content-Type",
    "Content-Transfer-Encoding",
    "Content-Disposition",
    "Content-ID",
    "Content-Language",
    "Content-Description",
)
_MAX_SUBJECT = 250
# C0 (with tab), DEL, C1 and the Unicode line separators: none may stand in a header we write.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_LINE_BREAKING = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")  # tab is folding


class ComposeError(ValueError):
    """The outbound message cannot be produced safely."""


@dataclass(frozen=True)
class Envelope:
    """Who the outbound copy is from and to, as the recipient must see it."""

    from_name: str
    from_alias: str
    to_address: str
    message_id: str
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    auto_submitted: bool = False
    # Every real address of either party (lowercase) -> the alias that stands for it,
    # applied to subject and text.
    replacements: Mapping[str, str] = field(default_factory=dict)
    # The sender's real addresses -> the sender's alias, applied to the final bytes too.
    scrub: Mapping[str, str] = field(default_factory=dict)


def _replacer(replacements: Mapping[str, str]) -> re.Pattern[str] | None:
    if not replacements:
        return None
    ordered = sorted(replacements, key=len, reverse=True)
    return re.compile("|".join(re.escape(a) for a in ordered), re.IGNORECASE)


def _apply(text: str, pattern: re.Pattern[str] | None, replacements: Mapping[str, str]) -> str:
    if pattern is None:
        return text
    return pattern.sub(lambda m: replacements[m.group(0).lower()], text)


def anonymize(text: str, replacements: Mapping[str, str]) -> str:
    """Every real address in `text` replaced by the alias that stands for it."""
    return _apply(text, _replacer(replacements), replacements)


def header_safe(value: str) -> str:
    """A decoded header value or parameter as the relay may write it: every run of control
    characters (CR/LF from an encoded word or RFC 2231 parameter, NUL, ...) one space."""
    return _CONTROLS.sub(" ", value).strip()


def _unwritable_headers(part: Message) -> bool:
    return any(
        _LINE_BREAKING.search(str(value))
        for name, value in part.items()
        if name.lower().startswith("content-")
    )


def _reencode_leaf(
    part: EmailMessage, rewrite: re.Pattern[str] | None, replacements: Mapping[str, str]
) -> None:
    disposition = part.get_content_disposition()
    filename = header_safe(part.get_filename() or "") or None
    content_id = header_safe(str(part.get("Content-ID") or ""))
    maintype, subtype = part.get_content_maintype(), part.get_content_subtype()
    cte = (part.get("Content-Transfer-Encoding") or "7bit").strip().lower()
    if maintype == "text":
        text = _apply(decode_text(part), rewrite, replacements)
        ascii_short = text.isascii() and all(len(line) <= 900 for line in text.splitlines())
        part.set_content(
            text,
            subtype=subtype,
            charset="utf-8",
            cte="7bit" if ascii_short else "quoted-printable",
            disposition=disposition,
            filename=filename,
        )
    elif (
        cte in {"8bit", "binary"}
        or cte not in {"7bit", "base64", "quoted-printable"}
        or _unwritable_headers(part)  # rewritten with the cleaned file name
    ):
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        part.set_content(
            data, maintype, subtype, cte="base64", disposition=disposition, filename=filename
        )
    else:
        return
    if content_id:
        part["Content-ID"] = content_id


def _keep_headers(part: Message, keep: Callable[[str], bool]) -> None:
    """Drop every header whose name `keep` refuses, in one pass over the header list.

    `del part[name]` scans all headers each time: removing n distinct names one by one is
    O(n²) (20,000 headers took 27 s). The stdlib has no bulk removal, so the list it keeps
    (`_headers`, stable since Python 2) is filtered directly.
    """
    headers: list[tuple[str, object]] = part._headers  # type: ignore[attr-defined]
    part._headers = [(name, value) for name, value in headers if keep(name)]  # type: ignore[attr-defined]


def _strip_part_headers(part: Message) -> None:
    _keep_headers(
        part, lambda name: name.title() in _CONTENT_HEADERS or name.lower() == "content-id"
    )


def _walk(message: Message) -> list[Message]:
    nodes, stack = [], [message]
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(children(node))
    return nodes


def _date(message: Message) -> str:
    value = header(message, "Date")
    if value:
        try:
            parsed = parsedate_to_datetime(value)
            if parsed.tzinfo is not None:
                return format_datetime(parsed)
        except (TypeError, ValueError, IndexError):
            pass
    return format_datetime(datetime.now(UTC))


def compose_relay(message: EmailMessage, envelope: Envelope) -> bytes:
    """Rewrite a parsed inbound message into the anonymized outbound copy (mutates it).

    Composing is pure: whatever it cannot write fails the same way on every retry, so it is
    a ComposeError (the relay records it as refused), never a plain exception to retry.
    """
    try:
        return _compose(message, envelope)
    except ComposeError:
        raise
    except (ValueError, TypeError, LookupError) as exc:  # UnicodeError is a ValueError
        raise ComposeError(f"outbound message could not be composed: {exc!r}") from exc


def _compose(message: EmailMessage, envelope: Envelope) -> bytes:
    rewrite = _replacer(envelope.replacements)
    subject = _apply(header(message, "Subject") or "", rewrite, envelope.replacements)
    date = _date(message)
    for node in _walk(message):
        if not node.is_multipart():
            _reencode_leaf(node, rewrite, envelope.replacements)  # type: ignore[arg-type]
        if node is not message:
            _strip_part_headers(node)

    # Rebuild the top header section: identity first, content headers (first of each) last.
    content = {name: message.get_all(name) for name in _CONTENT_HEADERS}
    _keep_headers(message, lambda name: False)

    message["From"] = formatted(header_safe(envelope.from_name), envelope.from_alias)
    message["To"] = envelope.to_address
    message["Reply-To"] = envelope.from_alias
    message["Subject"] = subject[:_MAX_SUBJECT]
    message["Date"] = date
    message["Message-ID"] = f"<{envelope.message_id}>"
    if envelope.in_reply_to:
        message["In-Reply-To"] = f"<{envelope.in_reply_to}>"
    if envelope.references:
        message["References"] = " ".join(f"<{ref}>" for ref in envelope.references)
    if envelope.auto_submitted:
        message["Auto-Submitted"] = "auto-replied"
    message["MIME-Version"] = "1.0"
    for name, values in content.items():
        if values:  # SES rejects duplicated headers: keep the first
            message[name] = header_safe(str(values[0]))

    try:
        data = message.as_bytes(policy=WIRE_POLICY)
    except Exception as exc:
        raise ComposeError(f"outbound message could not be serialized: {exc!r}") from exc
    return _final_scrub(data, envelope.scrub)


def _final_scrub(data: bytes, replacements: Mapping[str, str]) -> bytes:
    """Last line of defence: no real address may survive in the bytes SES receives."""
    if not data.isascii():
        raise ComposeError("outbound message is not 7-bit clean")
    lowered = data.lower()
    for real, alias in replacements.items():
        needle = real.encode("ascii", "ignore")
        if needle and needle in lowered:
            data = re.sub(re.escape(needle), alias.encode("ascii"), data, flags=re.IGNORECASE)
            lowered = data.lower()
    return data
