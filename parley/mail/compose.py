"""Outbound composition: an allowlist of headers, aliases in place of addresses, 7-bit clean.

Every header of every part is rebuilt from an allowlist: `Content-Type` with only `charset`,
`name`, `boundary`, `format` and `delsp`; `Content-Transfer-Encoding`; `Content-Disposition`
with only `filename` (decoded, scrubbed, encoded again); `Content-ID` replaced by an id of
ours, with every `cid:` reference in the HTML rewritten to it. Boundaries are new, `Date` is
the relay's, in UTC. Attachments are cleaned of their metadata (`parley.mail.cleaning`); one
that cannot be cleaned is left out and reported. Text, file names and header values pass the
address scrub (`parley.mail.scrub`), and remote content is stripped from HTML
(`parley.mail.remote`).
"""

from __future__ import annotations

import binascii
import hashlib
import io
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage, Message
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any, cast
from urllib.parse import unquote

from parley.mail.addresses import formatted
from parley.mail.cleaning import Uncleanable, clean_attachment
from parley.mail.parsing import (
    WIRE_POLICY,
    children,
    decode_text,
    filename_of,
    header,
    is_attachment,
)
from parley.mail.remote import proxy_remote_content, strip_remote_content
from parley.mail.scrub import Scrubber
from parley.mail.sniffing import MARKUP_EXTENSIONS, MARKUP_WINDOW, markup

# CRLF on the wire, 7-bit transfer encodings, RFC 2047 for non-ASCII headers.

_CONTENT_HEADERS = (
    "Content-Type",
    "Content-Transfer-Encoding",
    "Content-Disposition",
    "Content-ID",
)
_MAX_SUBJECT = 250
# Signatures break when the content is rewritten and carry the signer's certificate or key.
_SIGNATURES = frozenset(
    {
        "application/pkcs7-signature",
        "application/x-pkcs7-signature",
        "application/pgp-signature",
    }
)
_REMOVED_NOTE = "[attachment removed: it could not be cleaned of personal data]"
# C0 (with tab), DEL, C1 and the Unicode line separators: none may stand in a header we write.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_CID_REFERENCE = re.compile(r"cid:([^\s\"'<>()]+)", re.IGNORECASE)


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
    # applied to subject, text, file names and header values in every encoding.
    replacements: Mapping[str, str] = field(default_factory=dict)
    # The sender's real addresses -> the sender's alias, applied to the final bytes too.
    scrub: Mapping[str, str] = field(default_factory=dict)
    # Names that must not reach the recipient (registered name beyond what the marketplace
    # shows, the sender's mail client's display name) -> what stands in their place.
    names: Mapping[str, str] = field(default_factory=dict)
    # The relay's clock (UTC); None: now.
    date: datetime | None = None
    # strip: remote images and CSS beacons are removed from HTML; keep: left as they are;
    # proxy: remote images point at the URL `image_proxy` gives for them (beacons removed).
    remote_images: str = "strip"
    image_proxy: Callable[[str], str | None] | None = None  # None for a URL over the cap


@dataclass(frozen=True)
class DeliveredFile:
    """One attachment exactly as the recipient receives it."""

    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Composed:
    """The outbound copy and what it holds, to be stored as the one delivered copy."""

    data: bytes
    subject: str
    attachments: tuple[DeliveredFile, ...]
    uncleanable: tuple[str, ...]  # attachments left out: they could not be cleaned
    remote_removed: int  # remote references taken out of the HTML


def header_safe(value: str) -> str:
    """A decoded header value or parameter as the relay may write it: every run of control
    characters (CR/LF from an encoded word or RFC 2231 parameter, NUL, ...) one space."""
    return _CONTROLS.sub(" ", value).strip()


def _keep_headers(part: Message, keep: Callable[[str], bool]) -> None:
    """Drop every header whose name `keep` refuses, in one pass over the header list.

    `del part[name]` scans all headers each time: removing n distinct names one by one is
    O(n²) (20,000 headers took 27 s). The stdlib has no bulk removal, so the list it keeps
    (`_headers`, stable since Python 2) is filtered directly.
    """
    headers: list[tuple[str, object]] = part._headers  # type: ignore[attr-defined]
    part._headers = [(name, value) for name, value in headers if keep(name)]  # type: ignore[attr-defined]


class _Rewriter:
    """The per-message state of one composition: scrub, names, ids, findings."""

    def __init__(self, envelope: Envelope) -> None:
        self.envelope = envelope
        self.scrubber = Scrubber(envelope.replacements)
        self.names = _name_pattern(envelope.names)
        self.name_map = {_name_key(k): v for k, v in envelope.names.items()}
        self.domain = envelope.from_alias.rpartition("@")[2] or "relay.invalid"
        self.content_ids: dict[str, str] = {}
        self.attachments: list[DeliveredFile] = []
        self.uncleanable: list[str] = []
        self.remote_removed = 0
        self._counter = 0
        self._nonce = secrets.token_hex(12)
        self._held: list[bytes] = []

    def hold(self, data: bytes) -> str:
        """A marker line standing for a file's base64 body until the copy is written: the
        bytes are encoded straight into the copy then (`splice`), never held as text."""
        self._held.append(data)
        return f"PARLEYFILE{self._nonce}{len(self._held) - 1}\n"

    def splice(self, written: bytes) -> bytes:
        """The written message with every held file's base64 in place of its marker."""
        if not self._held:
            return written
        tag = f"PARLEYFILE{self._nonce}".encode()
        out = io.BytesIO()
        start = 0
        found = written.find(tag)
        while found >= 0:
            end = written.find(b"\n", found)  # the marker line: tag, index, line end
            index = int(written[found + len(tag) : end].rstrip(b"\r"))
            out.write(memoryview(written)[start:found])
            _write_base64(out, self._held[index])
            start = end + 1
            found = written.find(tag, start)
        out.write(memoryview(written)[start:])
        return out.getvalue()

    def text(self, value: str) -> str:
        scrubbed = self.scrubber.text(value)
        if self.names is None:
            return scrubbed
        return self.names.sub(lambda m: self.name_map.get(_name_key(m.group(0)), ""), scrubbed)

    def token(self, purpose: str) -> str:
        """Ids of ours, derived from our own Message-ID: the same on every retry, and
        nothing in them comes from the sender."""
        self._counter += 1
        seed = f"{self.envelope.message_id}|{purpose}|{self._counter}".encode()
        return hashlib.sha256(seed).hexdigest()[:24]

    def content_id(self, value: str) -> str:
        key = unquote(value).strip().strip("<>").lower()
        if key not in self.content_ids:
            self.content_ids[key] = f"{self.token('cid')}@{self.domain}"
        return self.content_ids[key]

    def rewrite_cids(self, html: str) -> str:
        def replace(match: re.Match[str]) -> str:
            key = unquote(match.group(1)).strip().strip("<>").lower()
            return f"cid:{self.content_ids.get(key) or 'removed@' + self.domain}"

        return _CID_REFERENCE.sub(replace, html)


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _name_pattern(names: Mapping[str, str]) -> re.Pattern[str] | None:
    words = sorted((n for n in names if n.strip()), key=len, reverse=True)
    if not words:
        return None
    body = "|".join(r"\s+".join(re.escape(w) for w in n.split()) for n in words)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


def _walk(message: Message) -> list[tuple[Message, Message | None]]:
    """Every node with its parent, parents before their children."""
    nodes: list[tuple[Message, Message | None]] = []
    stack: list[tuple[Message, Message | None]] = [(message, None)]
    while stack:
        node, parent = stack.pop()
        nodes.append((node, parent))
        stack.extend((child, node) for child in reversed(children(node)))
    return nodes


def _date(envelope: Envelope) -> str:
    return format_datetime((envelope.date or datetime.now(UTC)).astimezone(UTC))


def _utc(value: str | None) -> str | None:
    """A forwarded message's Date, in UTC (its zone tells where its writer was)."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        return None
    return format_datetime(parsed.astimezone(UTC))


def _set_headers(
    part: Message,
    content_type: str,
    params: dict[str, str],
    cte: str | None,
    disposition: str | None,
    filename: str | None,
    content_id: str | None,
    extra: Mapping[str, str] = {},
) -> None:
    """Every header of the part replaced by the allowlisted ones."""
    _keep_headers(part, lambda name: False)
    for name, value in extra.items():
        part[name] = value
    part.add_header("Content-Type", content_type, **params)
    if cte:
        part["Content-Transfer-Encoding"] = cte
    if disposition:
        if filename:
            part.add_header("Content-Disposition", disposition, filename=filename)
        else:
            part["Content-Disposition"] = disposition
    if content_id:
        part["Content-ID"] = f"<{content_id}>"


def _leaf(part: EmailMessage, rewriter: _Rewriter, extra: Mapping[str, str]) -> bool:
    """Rewrite one leaf in place; False when it must be left out."""
    content_type = part.get_content_type()
    if content_type in _SIGNATURES:
        return False
    disposition = part.get_content_disposition()
    raw_name = filename_of(part)
    name = header_safe(rewriter.text(raw_name)) or None if raw_name else None
    attachment = is_attachment(part)
    old_id = part.get("Content-ID")
    content_id = rewriter.content_id(str(old_id)) if old_id else None
    maintype, subtype = part.get_content_maintype(), part.get_content_subtype()
    if maintype in {"multipart", "message"}:  # a container without parts: its text is all
        maintype, subtype, content_type = "text", "plain", "text/plain"
    params: dict[str, str] = {}
    if maintype == "text":
        raw_text = decode_text(part)
        if subtype != "html" and (attachment or name) and _markup_file(raw_text, raw_name):
            rewriter.uncleanable.append(name or f"attachment.{subtype}")
            return False
        text = rewriter.text(raw_text)
        if subtype == "html":
            text = rewriter.rewrite_cids(text)
            text = _remote_images(text, rewriter)
        if subtype == "plain":
            for param in ("format", "delsp"):
                value = part.get_param(param)
                if isinstance(value, str) and value.lower() in {"flowed", "fixed", "yes", "no"}:
                    params[param] = value.lower()
        ascii_short = text.isascii() and all(len(line) <= 900 for line in text.splitlines())
        cte = "7bit" if ascii_short else "quoted-printable"
        _replace_content(part, text, subtype=subtype, charset="utf-8", cte=cte)
        params = {"charset": "utf-8", **params}
        data = text.encode("utf-8")
    else:
        payload = part.get_payload(decode=True)
        original = payload if isinstance(payload, bytes) else b""
        try:
            cleaned = clean_attachment(original, content_type, name or f"attachment.{subtype}")
        except Uncleanable:
            rewriter.uncleanable.append(name or f"attachment.{subtype}")
            return False
        data = cleaned.data
        if cleaned.kind == "text":
            data = rewriter.text(_decode(data)).encode("utf-8")
        if name or cleaned.name != (name or f"attachment.{subtype}"):
            name = cleaned.name
        content_type = cleaned.content_type.lower()
        if "/" not in content_type:
            content_type = "application/octet-stream"
        maintype, subtype = content_type.split("/", 1)
        _replace_content(part, b"", maintype, subtype, cte="base64")
        part.set_payload(rewriter.hold(data))  # encoded into the copy when it is written
        cte = "base64"
        if name:
            params["name"] = name
    if attachment or (disposition == "inline" and name):
        rewriter.attachments.append(
            DeliveredFile(name or f"attachment.{subtype}", content_type, data)
        )
    _set_headers(
        part,
        content_type,
        params,
        cte,
        disposition if disposition in {"inline", "attachment"} else None,
        name,
        content_id,
        extra,
    )
    return True


def _remote_images(html: str, rewriter: _Rewriter) -> str:
    """The HTML as the marketplace's `remoteImages` wants it (proxy without a proxy: strip)."""
    mode, proxy = rewriter.envelope.remote_images, rewriter.envelope.image_proxy
    if mode == "keep":
        return html
    if mode == "proxy" and proxy is not None:
        proxied = proxy_remote_content(html, proxy)
        rewriter.remote_removed += proxied.removed
        return proxied.html
    stripped = strip_remote_content(html)
    rewriter.remote_removed += stripped.removed
    return stripped.html


def _markup_file(text: str, name: str | None) -> bool:
    """A text file a browser would render as HTML, XHTML or SVG when it is opened (by its
    name, or by what it holds): its remote references and scripts would run there, so it is
    left out (the policy refuses these from buyers; this is the relay's own check)."""
    extension = (name or "").rpartition(".")[2].lower() if "." in (name or "") else ""
    return extension in MARKUP_EXTENSIONS or markup(text[:MARKUP_WINDOW].encode("utf-8"))


def _replace_content(part: EmailMessage, *args: Any, **kw: Any) -> None:
    """set_content, which refuses a part still declared multipart: the old headers go first."""
    _keep_headers(part, lambda name: not name.lower().startswith("content-"))
    part.set_content(*args, **kw)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _inner_headers(node: Message, rewriter: _Rewriter) -> dict[str, str]:
    """A forwarded message (message/rfc822) keeps its subject and date, nothing else."""
    kept: dict[str, str] = {}
    subject = header(node, "Subject")
    if subject:
        kept["Subject"] = header_safe(rewriter.text(subject))[:_MAX_SUBJECT]
    date = _utc(header(node, "Date"))
    if date:
        kept["Date"] = date
    return kept


def _multipart(node: Message, rewriter: _Rewriter, extra: Mapping[str, str]) -> None:
    content_type = node.get_content_type()
    disposition = node.get_content_disposition()
    raw_name = filename_of(node)
    name = header_safe(rewriter.text(raw_name)) or None if raw_name else None
    forwarded = content_type == "message/rfc822"
    params = {} if forwarded else {"boundary": f"=_{rewriter.token('boundary')}"}
    _set_headers(
        node,
        content_type,
        params,
        "7bit" if forwarded else None,
        disposition if disposition in {"inline", "attachment"} else None,
        name,
        None,
        extra,
    )


def compose_delivery(message: EmailMessage, envelope: Envelope) -> Composed:
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


def _compose(message: EmailMessage, envelope: Envelope) -> Composed:
    rewriter = _Rewriter(envelope)
    subject = rewriter.text(header(message, "Subject") or "")[:_MAX_SUBJECT]
    nodes = _walk(message)
    for node, _parent in nodes:  # every Content-ID first: HTML may reference a later part
        old_id = node.get("Content-ID")
        if old_id:
            rewriter.content_id(str(old_id))
    forwarded: list[Message] = []
    for node, parent in nodes:
        extra: dict[str, str] = {}
        if parent is not None and parent.get_content_type() == "message/rfc822":
            extra = _inner_headers(node, rewriter)
        if node.get_content_type() == "message/rfc822":
            forwarded.append(node)
        if node.is_multipart():
            _multipart(node, rewriter, extra)
        elif not _leaf(cast(EmailMessage, node), rewriter, extra):
            _drop(node, parent, message)
    for node in forwarded:  # after their contents were rewritten
        inner = children(node)
        if inner:
            name = filename_of(node) or "forwarded.eml"
            data = rewriter.splice(inner[0].as_bytes(policy=WIRE_POLICY))
            rewriter.attachments.append(DeliveredFile(name, "message/rfc822", data))

    # Rebuild the top header section: identity first, content headers last.
    content = {name: message.get_all(name) for name in _CONTENT_HEADERS}
    _keep_headers(message, lambda name: False)
    message["From"] = formatted(header_safe(envelope.from_name), envelope.from_alias)
    message["To"] = envelope.to_address
    message["Reply-To"] = envelope.from_alias
    message["Subject"] = subject
    message["Date"] = _date(envelope)
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
            message[name] = str(values[0])

    try:
        data = message.as_bytes(policy=WIRE_POLICY)
    except Exception as exc:
        raise ComposeError(f"outbound message could not be serialized: {exc!r}") from exc
    # The scrub reads the text; the files' base64 (no "@", no "=XX") cannot hold an address.
    return Composed(
        data=rewriter.splice(_final_scrub(data, envelope.scrub)),
        subject=subject,
        attachments=tuple(rewriter.attachments),
        uncleanable=tuple(rewriter.uncleanable),
        remote_removed=rewriter.remote_removed,
    )


def _drop(node: Message, parent: Message | None, message: Message) -> None:
    """Leave a part out of the copy (the whole message: an explanation in its place)."""
    if parent is None or node is message:
        for name in _CONTENT_HEADERS:  # a "multipart" without parts refuses set_content
            del message[name]
        cast(EmailMessage, message).set_content(_REMOVED_NOTE)
        return
    siblings = children(parent)
    if node in siblings:
        siblings.remove(node)
    if not siblings:  # an empty multipart is not valid MIME
        note = EmailMessage()
        note.set_content(_REMOVED_NOTE)
        del note["MIME-Version"]
        siblings.append(note)


# A file's base64 as the stdlib writes it: 76 characters (57 bytes) a line, CRLF after each.
_LINE_BYTES, _LINE_CHARS = 57, 76
_CHUNK_LINES = 8192


def _write_base64(out: io.BytesIO, data: bytes) -> None:
    """Encode in chunks of whole lines, wrapped without a Python step per line."""
    view = memoryview(data)
    step = _LINE_BYTES * _CHUNK_LINES
    for offset in range(0, len(data), step):
        encoded = binascii.b2a_base64(view[offset : offset + step], newline=False)
        lines, rest = divmod(len(encoded), _LINE_CHARS)
        wrapped = bytearray(lines * (_LINE_CHARS + 2))
        for column in range(_LINE_CHARS):
            wrapped[column :: _LINE_CHARS + 2] = encoded[column : lines * _LINE_CHARS : _LINE_CHARS]
        wrapped[_LINE_CHARS :: _LINE_CHARS + 2] = b"\r" * lines
        wrapped[_LINE_CHARS + 1 :: _LINE_CHARS + 2] = b"\n" * lines
        out.write(wrapped)
        if rest:
            out.write(encoded[lines * _LINE_CHARS :] + b"\r\n")


def compose_relay(message: EmailMessage, envelope: Envelope) -> bytes:
    """The outbound copy's bytes (see compose_delivery)."""
    return compose_delivery(message, envelope).data


def _final_scrub(data: bytes, replacements: Mapping[str, str]) -> bytes:
    """Last line of defence: no real address, in any encoding, in the bytes SES receives."""
    if not data.isascii():
        raise ComposeError("outbound message is not 7-bit clean")
    return Scrubber(replacements).wire(data)
