"""POST to a seller's webhook endpoint without letting it reach inside our network (SSRF).

The host is resolved once; every address it resolves to must be public (not private,
loopback, link-local, shared, multicast, reserved, or an IPv6 form of one of those), and the
connection goes to the address that was checked, not to a second resolution an attacker
could answer differently (DNS rebinding). TLS still verifies the certificate for the host
name. Redirects are not followed. Only `parley dev` may allow http://127.0.0.1.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_URL = 2048
RESPONSE_SNIPPET = 200
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


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
    if scheme == "http" and not _loopback_allowed(host, allow_loopback):
        raise UnsafeEndpoint("use https (plain http only to 127.0.0.1 in `parley dev`)")
    if scheme not in {"https", "http"}:
        raise UnsafeEndpoint("use https")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, host, port or (443 if scheme == "https" else 80), path)


def is_public(address: IPAddress) -> bool:
    mapped = getattr(address, "ipv4_mapped", None) or getattr(address, "sixtofour", None)
    if mapped is not None and not is_public(mapped):
        return False
    return address.is_global and not address.is_multicast


def resolve_public(target: Target, *, allow_loopback: bool = False) -> str:
    """The address to connect to; refuses when any address of the host is not public."""
    try:
        literal: IPAddress | None = ipaddress.ip_address(target.host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise UnsafeEndpoint(f"{target.host} does not resolve") from exc
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise UnsafeEndpoint(f"{target.host} does not resolve")
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
