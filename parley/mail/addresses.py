"""Address handling that never trusts what a sender typed."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from email import _header_value_parser as hvp
from email import errors
from email.headerregistry import Address
from email.message import Message
from email.utils import getaddresses

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def canonical_address(address: str) -> str | None:
    """The one form of an address that registration stores and every lookup compares.

    Local part NFC and lower case; domain lower case in its ASCII (IDNA A-label) form, so
    `Bob@Bücher.example` and `bob@xn--bcher-kva.example` are one address. None when the text
    is not an address.
    """
    import idna

    text = address.strip().strip("<>")
    local, at, domain = text.rpartition("@")
    domain = domain.rstrip(".")
    if not at or not local or not domain or any(c.isspace() for c in text):
        return None
    if domain.isascii():
        ascii_domain = domain.lower()
        if ascii_domain.startswith("xn--") or ".xn--" in ascii_domain:
            try:  # a malformed A-label names no domain
                idna.decode(ascii_domain)
            except (idna.IDNAError, UnicodeError):
                return None
    else:
        try:
            ascii_domain = idna.encode(domain, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            return None
    if "." not in ascii_domain.strip("."):
        return None
    return f"{unicodedata.normalize('NFC', local).lower()}@{ascii_domain}"


def normalize(address: str) -> str:
    """canonical_address, or the lower-cased text when it is no address (never raises)."""
    return canonical_address(address) or address.strip().strip("<>").lower()


def addresses_in(header_values: list[str]) -> list[str]:
    """Every addr-spec found in the given header values, normalized."""
    found = []
    for _name, addr in getaddresses([_CONTROL.sub(" ", v) for v in header_values]):
        if "@" in addr:
            found.append(normalize(addr))
    return found


class MalformedSender(ValueError):
    """No valid sender: From (or Sender) is not exactly one clean mailbox."""


@dataclass(frozen=True)
class Sender:
    address: str  # canonical_address form
    display_name: str

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]


_MAX_ADDRESS_HEADER = 2000
_HEADER_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_ADDR_SPEC_TEXT = re.compile(r"[^\s<>\"(),;:@]+@[^\s<>\"(),;:@]+\.[^\s<>\"(),;:@]+")
# Lines that some mail clients read as a From header although the stdlib drops or renames
# them ("From :" with a space, any case): counted on the raw bytes.
_RAW_FROM_LINE = re.compile(rb"^from[ \t]*:", re.IGNORECASE | re.MULTILINE)
# Internationalized (EAI) local parts are mailboxes too; every other defect is refused.
_TOLERATED_DEFECTS: tuple[type[Exception], ...] = (errors.NonASCIILocalPartDefect,)


def _header_values(headers: Message, name: str) -> list[str]:
    found = []
    for key, value in headers.raw_items():
        if key.strip().lower() != name:
            continue
        text = str(value)
        try:  # 8-bit header bytes arrive surrogate-escaped: they must be UTF-8
            text = text.encode("utf-8", "surrogateescape").decode("utf-8")
        except UnicodeError as exc:
            raise MalformedSender(f"{name}: bytes that are not UTF-8") from exc
        found.append(_FOLD.sub("", text).strip())
    return found


def _tokens(token: object) -> Iterator[object]:
    stack = [token]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, list):
            stack.extend(current)


def _token_type(token: object) -> str | None:
    return getattr(token, "token_type", None)


def _one_mailbox(value: str, name: str) -> Sender:
    if len(value) > _MAX_ADDRESS_HEADER:
        raise MalformedSender(f"{name}: longer than {_MAX_ADDRESS_HEADER} characters")
    if _HEADER_CONTROL.search(value):
        raise MalformedSender(f"{name}: control characters")
    try:
        address_list, rest = hvp.get_address_list(value)
    except Exception as exc:  # the stdlib parser raises assorted errors on garbage
        raise MalformedSender(f"{name}: unparseable ({type(exc).__name__})") from exc
    if rest.strip():
        raise MalformedSender(f"{name}: text after the address list")
    defects = [d for d in address_list.all_defects if not isinstance(d, _TOLERATED_DEFECTS)]
    if defects:
        raise MalformedSender(f"{name}: {type(defects[0]).__name__}: {defects[0]}"[:200])
    mailboxes = address_list.all_mailboxes
    if len(address_list.addresses) != 1 or len(mailboxes) != 1:
        raise MalformedSender(f"{name}: {len(mailboxes)} mailboxes, exactly one is allowed")
    mailbox = mailboxes[0]
    if _token_type(mailbox) != "mailbox" or _token_type(address_list.addresses[0][0]) != "mailbox":
        raise MalformedSender(f"{name}: not a plain mailbox")
    for token in _tokens(mailbox):  # RFC 2047 5: no encoded word in an addr-spec
        if _token_type(token) == "addr-spec" and any(
            _token_type(t) == "encoded-word" for t in _tokens(token)
        ):
            raise MalformedSender(f"{name}: an encoded word inside the address")
    address = canonical_address(f"{mailbox.local_part}@{mailbox.domain}")
    if address is None:
        raise MalformedSender(f"{name}: {mailbox.addr_spec!r} is not an address")
    display = str(mailbox.display_name or "")
    for named in _ADDR_SPEC_TEXT.findall(unicodedata.normalize("NFKC", display)):
        if canonical_address(named) != address:
            raise MalformedSender(f"{name}: the display name names another address")
    return Sender(address=address, display_name=display)


def strict_sender(headers: Message, raw_head: bytes | None = None) -> Sender:
    """The one sender of a message, or MalformedSender.

    Never the stdlib's lenient reading: exactly one From header (counted on the raw bytes
    too, when given) with exactly one mailbox; no encoded word inside the address; no other
    address in the display name; no header defect; and a Sender header, if any, naming the
    same mailbox.
    """
    froms = _header_values(headers, "from")
    raw_count = len(_RAW_FROM_LINE.findall(raw_head)) if raw_head is not None else len(froms)
    if len(froms) != 1 or raw_count != 1:
        raise MalformedSender(f"{max(len(froms), raw_count)} From headers, exactly one is allowed")
    sender = _one_mailbox(froms[0], "From")
    senders = _header_values(headers, "sender")
    if len(senders) > 1:
        raise MalformedSender(f"{len(senders)} Sender headers")
    if senders and _one_mailbox(senders[0], "Sender").address != sender.address:
        raise MalformedSender("Sender names another mailbox than From")
    return sender


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].lower()


def clean_display_name(name: str, limit: int = 64) -> str:
    """A display name safe to put in a header: no CR/LF or controls, no '@' (no addresses)."""
    cleaned = " ".join(_CONTROL.sub(" ", name).split()).replace("@", " ")
    return cleaned[:limit].strip()


def formatted(display_name: str, address: str) -> str:
    local, _, domain = address.partition("@")
    return str(
        Address(display_name=clean_display_name(display_name), username=local, domain=domain)
    )
