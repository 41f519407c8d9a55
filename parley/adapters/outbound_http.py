"""POST to a seller's webhook endpoint without letting it reach inside our network (SSRF).

The host is resolved once; every address it resolves to must be public (not private,
loopback, link-local, shared, multicast, reserved, or an IPv6 form of one of those), and the
connection goes to the address that was checked, not to a second resolution an attacker
could answer differently (DNS rebinding). TLS still verifies the certificate for the host
name. Redirects are not followed. Only `parley dev` may allow http://127.0.0.1.

`ImageFetcher` GETs a remote image for the image proxy on the same terms, one hop at a time:
each redirect's target is parsed, resolved and checked again before it is connected to; no
cookies, no Referer, a fixed User-Agent, `Accept-Encoding: identity` (an encoded body is
refused, so no decompression bomb), a size limit enforced while streaming and an overall
deadline. Which (address, port) pairs it may connect to is a constructor argument: the
default (`public_web`) is public addresses on ports 80 and 443; tests and `parley dev` pass
their own check in code (there is no setting or variable that loosens it in a deployment).
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

MAX_URL = 2048
RESPONSE_SNIPPET = 200
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# May this process connect to (address, port)?
AddressCheck = Callable[[IPAddress, int], bool]
# host, port -> the addresses the host resolves to (socket.getaddrinfo by default)
Resolver = Callable[[str, int], list[str]]


class UnsafeEndpoint(ValueError):
    """The URL is not one we may deliver to."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # with the query


@dataclass(frozen=True)
class HttpResult:
    status: int | None  # None: no HTTP answer (refused, timeout, TLS failure, unsafe)
    error: str | None
    snippet: str
    address: str | None
    seconds: float

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _loopback_allowed(host: str, allow_loopback: bool) -> bool:
    return allow_loopback and host == "127.0.0.1"


def parse_endpoint(url: str, *, allow_loopback: bool = False) -> Target:
    """Check the URL's form: https (http only to 127.0.0.1 when allowed), no credentials."""
    target = parse_url(url)
    if target.scheme == "http" and not _loopback_allowed(target.host, allow_loopback):
        raise UnsafeEndpoint("use https (plain http only to 127.0.0.1 in `parley dev`)")
    return target


def parse_url(url: str) -> Target:
    """An absolute http(s) URL without credentials, spaces, control characters or fragment."""
    if not isinstance(url, str) or not 1 <= len(url) <= MAX_URL or url != url.strip():
        raise UnsafeEndpoint("a URL of at most 2048 characters")
    if any(ord(c) < 0x21 or ord(c) == 0x7F or c == "\\" for c in url):
        raise UnsafeEndpoint("the URL contains spaces, control characters or backslashes")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeEndpoint(f"not a URL: {exc}") from exc
    host = (parts.hostname or "").rstrip(".")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise UnsafeEndpoint("credentials in the URL are not allowed")
    if not host:
        raise UnsafeEndpoint("the URL has no host")
    if parts.fragment:
        raise UnsafeEndpoint("the URL has a fragment")
    scheme = parts.scheme.lower()
    if scheme not in {"https", "http"}:
        raise UnsafeEndpoint("use https")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, host, port or (443 if scheme == "https" else 80), path)


# IPv6 forms that carry an IPv4 address in their last 32 bits (NAT64, RFC 6052) and ranges the
# ipaddress module calls global although nothing public lives there: IPv4-compatible ::/96
# (deprecated, ::127.0.0.1), the local-use NAT64 prefix (RFC 8215), site-local fec0::/10.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NEVER_PUBLIC = tuple(
    ipaddress.ip_network(n) for n in ("::/96", "64:ff9b:1::/48", "fec0::/10", "2001:db8::/32")
)


def is_public(address: IPAddress) -> bool:
    mapped = getattr(address, "ipv4_mapped", None) or getattr(address, "sixtofour", None)
    if mapped is not None and not is_public(mapped):
        return False
    if isinstance(address, ipaddress.IPv6Address):
        if address in _NAT64:
            return is_public(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        teredo = address.teredo
        if teredo is not None and not is_public(teredo[1]):
            return False
        if any(address in network for network in _NEVER_PUBLIC):
            return False
    return address.is_global and not address.is_multicast


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _addresses(target: Target, resolver: Resolver) -> list[IPAddress]:
    """Every address the host names (an IP literal: itself; otherwise one DNS resolution)."""
    try:
        literal: IPAddress | None = ipaddress.ip_address(target.host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None:
        return [literal]
    try:
        found = resolver(target.host, target.port)
        addresses = [ipaddress.ip_address(a.split("%")[0]) for a in found]
    except (OSError, UnicodeError, ValueError) as exc:
        raise UnsafeEndpoint(f"{target.host} does not resolve") from exc
    if not addresses:
        raise UnsafeEndpoint(f"{target.host} does not resolve")
    return addresses


def resolve_public(target: Target, *, allow_loopback: bool = False) -> str:
    """The address to connect to; refuses when any address of the host is not public."""
    addresses = _addresses(target, system_resolver)
    for address in addresses:
        if _loopback_allowed(str(address), allow_loopback) and target.host == "127.0.0.1":
            continue
        if not is_public(address):
            raise UnsafeEndpoint(f"{target.host} resolves to a non-public address ({address})")
    return str(addresses[0])


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to a fixed address; SNI and certificate checks use the host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class WebhookClient:
    """Sends one POST per call; knows nothing about events or signatures."""

    def __init__(self, *, allow_loopback: bool = False, timeout: float = 10.0) -> None:
        self.allow_loopback = allow_loopback
        self.timeout = timeout

    def check(self, url: str) -> Target:
        target = parse_endpoint(url, allow_loopback=self.allow_loopback)
        resolve_public(target, allow_loopback=self.allow_loopback)
        return target

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> HttpResult:
        started = time.monotonic()
        address: str | None = None
        try:
            target = parse_endpoint(url, allow_loopback=self.allow_loopback)
            address = resolve_public(target, allow_loopback=self.allow_loopback)
        except UnsafeEndpoint as exc:
            return HttpResult(None, f"unsafe-endpoint: {exc}", "", address, 0.0)
        kind = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
        connection = kind(target.host, target.port, address, self.timeout)
        try:
            connection.request(
                "POST",
                target.path,
                body=body,
                headers={
                    **headers,
                    "Content-Type": "application/json",
                    "User-Agent": "Parley-Webhooks/1",
                },
            )
            response = connection.getresponse()
            snippet = response.read(RESPONSE_SNIPPET).decode("utf-8", "replace")
            return HttpResult(response.status, None, snippet, address, time.monotonic() - started)
        except (OSError, http.client.HTTPException, ssl.SSLError) as exc:
            return HttpResult(
                None, f"{type(exc).__name__}: {exc}"[:200], "", address, time.monotonic() - started
            )
        finally:
            connection.close()


# -- GET an image for the proxy ----------------------------------------------------------------

IMAGE_USER_AGENT = "Parley-ImageProxy/1"
REDIRECTS = (301, 302, 303, 307, 308)


class FetchRefused(ValueError):
    """The origin's answer is not one the proxy serves (or the URL is not one it fetches)."""


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    content_type: str
    data: bytes


def public_web(address: IPAddress, port: int) -> bool:
    """The production check: a public address on the web's default ports."""
    return port in (80, 443) and is_public(address)


def _content_length(value: str | None) -> int | None:
    """The announced length: ASCII digits only (`str.isdigit` also takes `²` and Arabic-Indic
    digits, which `int` then refuses or reads); anything else is refused, not guessed."""
    if value is None:
        return None
    text = value.strip(" \t")
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise FetchRefused("malformed Content-Length")
    return int(text)


class ImageFetcher:
    """GETs one image URL with redirects followed by hand, each hop checked before it is
    connected to (the connection goes to the address that was checked: no DNS rebinding)."""

    def __init__(
        self,
        *,
        allowed: AddressCheck = public_web,
        resolver: Resolver = system_resolver,
        max_bytes: int = 5 * 1024 * 1024,
        max_redirects: int = 3,
        timeout: float = 5.0,
        deadline: float = 15.0,
    ) -> None:
        self.allowed = allowed
        self.resolver = resolver
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.timeout = timeout
        self.deadline = deadline

    def check(self, url: str) -> tuple[Target, str]:
        """The parsed URL and the one address to connect to, or UnsafeEndpoint."""
        target = parse_url(url)
        addresses = _addresses(target, self.resolver)
        for address in addresses:
            if not self.allowed(address, target.port):
                raise UnsafeEndpoint(
                    f"{target.host}:{target.port} resolves to a refused address ({address})"
                )
        return target, str(addresses[0])

    def get(self, url: str) -> Fetched:
        started = time.monotonic()
        for _hop in range(self.max_redirects + 1):
            try:
                target, address = self.check(url)
            except UnsafeEndpoint as exc:
                raise FetchRefused(f"unsafe URL: {exc}") from exc
            location, fetched = self._one(url, target, address, started)
            if fetched is not None:
                return fetched
            url = urljoin(url, location)
        raise FetchRefused(f"more than {self.max_redirects} redirects")

    def _remaining(self, started: float) -> float:
        remaining = self.deadline - (time.monotonic() - started)
        if remaining <= 0:
            raise FetchRefused(f"the origin took longer than {self.deadline:g} s")
        return remaining

    def _one(
        self, url: str, target: Target, address: str, started: float
    ) -> tuple[str, Fetched | None]:
        """One hop. Every blocking step (connect, TLS, the request, the status line, each
        header line, each body chunk) is bounded by the overall deadline, not only by the
        per-read timeout: connecting uses min(timeout, remaining), and a watchdog cuts the
        socket when the deadline passes (an origin trickling one header line per read
        timeout would otherwise hold the function until Lambda's own timeout)."""
        remaining = self._remaining(started)
        kind = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
        connection = kind(target.host, target.port, address, min(self.timeout, remaining))
        watchdog = _Watchdog(connection, remaining)
        try:
            connection.request(
                "GET",
                target.path,
                headers={
                    "User-Agent": IMAGE_USER_AGENT,
                    "Accept": "image/avif,image/webp,image/png,image/jpeg,image/gif;q=0.9",
                    "Accept-Encoding": "identity",
                },
            )
            response = connection.getresponse()
            watchdog.check()
            if response.status in REDIRECTS:
                location = response.getheader("Location") or ""
                if not location:
                    raise FetchRefused(f"redirect ({response.status}) without a Location")
                return location, None
            if response.status != 200:
                raise FetchRefused(f"the origin answered {response.status}")
            encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
            if encoding != "identity":
                raise FetchRefused(f"encoded body ({encoding[:40]})")
            content_type = (response.getheader("Content-Type") or "").strip()
            announced = _content_length(response.getheader("Content-Length"))
            if announced is not None and announced > self.max_bytes:
                raise FetchRefused(f"body of {announced} bytes is over {self.max_bytes}")
            data = self._read(response, started, watchdog)
            return "", Fetched(url, content_type, data)
        except (OSError, http.client.HTTPException, ssl.SSLError) as exc:
            watchdog.check()
            raise FetchRefused(f"{type(exc).__name__}: {exc}"[:200]) from exc
        finally:
            watchdog.cancel()
            connection.close()

    def _read(
        self, response: http.client.HTTPResponse, started: float, watchdog: _Watchdog
    ) -> bytes:
        """The body, streamed: stops at the size limit and at the overall deadline."""
        chunks: list[bytes] = []
        size = 0
        while True:
            self._remaining(started)
            chunk = response.read1(64 * 1024)
            watchdog.check()  # a cut socket reads as the end: never a truncated body
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchRefused(f"body over {self.max_bytes} bytes")
            chunks.append(chunk)


class _Watchdog:
    """Shuts the connection's socket down when the overall deadline passes; whatever was
    blocked on it then returns, and `check` turns that into a refusal."""

    def __init__(self, connection: http.client.HTTPConnection, seconds: float) -> None:
        self.connection = connection
        self.seconds = seconds
        self.fired = threading.Event()
        self.timer = threading.Timer(seconds, self._cut)
        self.timer.daemon = True
        self.timer.start()

    def _cut(self) -> None:
        self.fired.set()
        sock = self.connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                # the plain socket's shutdown, also under TLS: the reader sees the end of
                # the stream, whatever it was waiting for
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def check(self) -> None:
        if self.fired.is_set():
            raise FetchRefused("the origin took longer than the deadline")

    def cancel(self) -> None:
        self.timer.cancel()
