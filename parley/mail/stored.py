"""The compact message record: what ingest keeps of one parse, for the filter and the relay.

Ingest parses the raw mail once. What the later stages read of it is kept as one small JSON
object (`messages/<id>/message.json`, see `parley.adapters.keys`):

- the MIME tree: every node's content headers (`Content-Type`, `-Disposition`, `-ID`,
  `-Transfer-Encoding`), and for the top and each forwarded message the few headers the
  policy and the composer read (`ROOT_HEADERS`), all as received (raw values);
- the body of every text leaf as received (its transfer encoding undone by the reader, as
  from the raw), cut at `MAX_TEXT_BYTES` on a line end;
- for every attachment leaf a descriptor of the file ingest stored, decoded once: S3 key,
  name, declared and sniffed type, size.

`message_of` turns a record back into an `EmailMessage` that the policy and the composer
read exactly as they read the parsed raw mail: the same structure, the same headers, the
same text; an attachment leaf is a `FilePart`, whose bytes are read from the store on
first use (never for a message whose attachments nobody opens). Nothing here does I/O: the
reader is given.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from email.message import EmailMessage, Message
from typing import Any, cast

from parley.mail.parsing import PARSE_POLICY, children, filename_of, is_attachment
from parley.mail.sniffing import sniff

FORMAT = 1
# A text leaf's body as received is kept up to this many bytes (4 bytes per character of the
# policy's 256 K characters per part: the policy never reads further, the copy ends there).
MAX_TEXT_BYTES = 1024 * 1024
CONTENT_HEADERS = frozenset(
    {"content-type", "content-disposition", "content-id", "content-transfer-encoding"}
)
# What the policy (Subject, List-Unsubscribe), the composer (Subject, Date of forwarded mail)
# and the relay (the mail program's name in From) read of a message's own headers.
ROOT_HEADERS = frozenset({"subject", "from", "date", "list-unsubscribe", "mime-version"})


@dataclass(frozen=True)
class FileRef:
    """One attachment as ingest stored it (decoded), and what it is."""

    key: str
    name: str
    content_type: str
    size: int
    sniffed: str | None = None


@dataclass(frozen=True)
class NewFile:
    """An attachment leaf not stored yet: what the store callback receives."""

    index: int  # its place among the message's attachments, in document order
    name: str
    content_type: str
    data: bytes


@dataclass
class MessageRecord:
    raw_size: int
    root: dict[str, Any]
    files: list[FileRef] = field(default_factory=list)

    def to_json(self) -> bytes:
        document = {
            "format": FORMAT,
            "raw_size": self.raw_size,
            "root": self.root,
            "files": [asdict(f) for f in self.files],
        }
        # ensure_ascii: bodies and headers as received may hold undecodable bytes (surrogates)
        return json.dumps(document, separators=(",", ":")).encode("ascii")

    @classmethod
    def from_json(cls, data: bytes) -> MessageRecord:
        document = json.loads(data)
        if document.get("format") != FORMAT:
            raise ValueError(f"unknown message record format {document.get('format')!r}")
        files = [FileRef(**f) for f in document["files"]]
        return cls(int(document["raw_size"]), document["root"], files)


class _Stored(str):
    """The payload of a leaf whose content is its file (an empty str to the stdlib)."""


_STORED = _Stored()


class FilePart(EmailMessage):
    """An attachment leaf holding its decoded bytes, or able to read them once on first use
    (from the store: `ref` names the stored file). Its headers declare base64: written out,
    the bytes are encoded so. Content set by an edit replaces the file (and lets it go)."""

    def __init__(self, load: Callable[[], bytes], ref: FileRef | None = None) -> None:
        super().__init__(policy=PARSE_POLICY)
        self.ref = ref
        self._load: Callable[[], bytes] | None = load
        self._data: bytes | None = None
        self._payload = _STORED  # a leaf, not a list

    def data(self) -> bytes:
        if self._data is None:
            assert self._load is not None, "the file was replaced"
            self._data = self._load()
        return self._data

    @property
    def untouched(self) -> bool:
        """Still the file (no edit gave the part other content)."""
        return self._payload is _STORED

    def get_payload(self, i: Any = None, decode: bool = False) -> Any:
        if not self.untouched:
            stdlib: Any = EmailMessage.get_payload  # (typeshed's overloads want literals)
            return stdlib(self, i, decode)
        if decode:
            return self.data()
        # As written on the wire: base64 (the part declares it).
        return base64.encodebytes(self.data()).decode("ascii")

    def set_payload(self, payload: Any, charset: Any = None) -> None:
        super().set_payload(payload, charset)
        self._load = self._data = None  # replaced: the file's bytes are not needed any more


def stored_file(ref: FileRef, read: Callable[[str], bytes]) -> FilePart:
    return FilePart(lambda: read(ref.key), ref)


# -- parsed message -> record ---------------------------------------------------------------


def record_of(
    message: Message, raw_size: int, store: Callable[[NewFile], FileRef]
) -> MessageRecord:
    """The compact record of a parsed message (or of a record's message the policy edited).

    Attachment leaves are handed to `store` in document order (an untouched stored
    `FilePart` keeps its descriptor); their bytes are not kept here.
    """
    files: list[FileRef] = []
    leaves = 0

    def node(part: Message, top: bool) -> dict[str, Any]:
        nonlocal leaves
        keep = CONTENT_HEADERS | ROOT_HEADERS if top else CONTENT_HEADERS
        headers = [[n, v] for n, v in part.raw_items() if n.lower() in keep]
        if part.is_multipart():
            forwarded = part.get_content_maintype() == "message"
            kids = [node(child, forwarded) for child in children(part)]
            return _typed(part, {"headers": headers, "parts": kids})
        index, leaves = leaves, leaves + 1
        if isinstance(part, FilePart) and part.untouched and part.ref is not None:
            files.append(part.ref)  # stored already
        elif is_attachment(part):
            files.append(store(_new_file(part, index, len(files))))
        else:
            return _typed(part, {"headers": headers, "body": _bounded_body(part)})
        return _typed(part, {"headers": _without_cte(headers), "file": len(files) - 1})

    root = node(message, True)
    return MessageRecord(raw_size, root, files)


def _typed(part: Message, spec: dict[str, Any]) -> dict[str, Any]:
    """A digest's parts are messages unless they say otherwise: their default type is kept."""
    if part.get_default_type() != "text/plain":
        spec["default"] = part.get_default_type()
    return spec


def _new_file(part: Message, leaf: int, index: int) -> NewFile:
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    name = filename_of(part) or f"part-{leaf}.{part.get_content_subtype()}"
    return NewFile(index, name, part.get_content_type(), data)


def stored_ref(key: str, new: NewFile) -> FileRef:
    """The descriptor of a file stored under `key`."""
    return FileRef(key, new.name, new.content_type, len(new.data), sniff(new.data))


def _bounded_body(part: Message) -> str:
    # As the parser kept it: get_payload() would decode an 8-bit body with the declared
    # charset, replacing what does not fit (the readers decode it their own way, see
    # parsing.decode_text).
    payload = getattr(part, "_payload", "")
    body = payload if isinstance(payload, str) else ""
    if len(body) <= MAX_TEXT_BYTES:
        return body
    cut = body.rfind("\n", 0, MAX_TEXT_BYTES)
    return body[: cut + 1 if cut > 0 else MAX_TEXT_BYTES]


def _without_cte(headers: list[list[str]]) -> list[list[str]]:
    return [h for h in headers if h[0].lower() != "content-transfer-encoding"]


# -- record -> message ----------------------------------------------------------------------


def message_of(record: MessageRecord, read: Callable[[str], bytes]) -> EmailMessage:
    """The message the record describes, read as the parsed raw mail is read."""

    def build(spec: dict[str, Any]) -> EmailMessage:
        if "file" in spec:
            part: EmailMessage = stored_file(record.files[int(spec["file"])], read)
            headers = [*spec["headers"], ["Content-Transfer-Encoding", "base64"]]
        else:
            part = EmailMessage(policy=PARSE_POLICY)
            headers = spec["headers"]
            if "parts" in spec:
                part.set_payload([build(child) for child in spec["parts"]])
            else:
                part.set_payload(cast(str, spec.get("body", "")))
        for name, value in headers:
            part.set_raw(name, value)
        if "default" in spec:
            part.set_default_type(str(spec["default"]))
        return part

    return build(record.root)
