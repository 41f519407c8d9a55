"""Signed, expiring tokens for the remote image proxy (`remoteImages: proxy`).

Pure (no I/O). The relay points every remote image of a relayed HTML part at
`<proxy base>/<token>`; the token carries the original URL and an expiry time, and an
HMAC-SHA256 over both under the marketplace's image proxy key (a secret the stack provisions).
The proxy fetches only what a token names, so it cannot be used to fetch any other URL, and a
token stops working at its expiry.

    token = base64url("<expires>:<url>") "." base64url(HMAC-SHA256(key, domain || expires || url))
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

# Separates these MACs from any other use of the same key.
_DOMAIN = b"parley-image-proxy/v1\n"
MAX_URL = 2048
MIN_KEY_BYTES = 32
# At most this many distinct image URLs of one message are proxied; the rest are removed as
# with `strip` (one mail must not turn the proxy into a fetcher of thousands of URLs).
MAX_PROXIED_PER_MESSAGE = 50
ROUTE = "/images/"  # the proxy's path: <proxy base URL> = <function URL or dev API>/images


class BadToken(ValueError):
    """The token is malformed or its signature does not match."""


class ExpiredToken(ValueError):
    """The token was signed correctly but its time is over."""


@dataclass(frozen=True)
class ImageToken:
    url: str
    expires: int  # Unix seconds


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text or any(c not in _ALPHABET for c in text):
        raise BadToken("not base64url")
    try:
        decoded = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError as exc:
        raise BadToken("not base64url") from exc
    if _b64(decoded) != text:  # e.g. other unused bits in the last character: one token only
        raise BadToken("not canonical base64url")
    return decoded


_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _canonical_number(text: str) -> bool:
    """ASCII digits without leading zeros (`str.isdigit` also takes `²` and Arabic-Indic
    digits, and `int` reads the latter): each (url, expires) has exactly one token."""
    return text.isascii() and text.isdigit() and len(text) <= 12 and str(int(text)) == text


def _mac(key: bytes, expires: int, url: str) -> bytes:
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the image proxy key must have at least {MIN_KEY_BYTES} bytes")
    message = _DOMAIN + str(expires).encode("ascii") + b"\n" + url.encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).digest()


def sign(url: str, expires: int, key: bytes) -> str:
    """The token for one URL until `expires` (Unix seconds)."""
    if not url or len(url) > MAX_URL:
        raise ValueError(f"a URL of 1 to {MAX_URL} characters")
    if expires < 0:
        raise ValueError("expires must be a Unix time")
    payload = _b64(f"{expires}:{url}".encode())
    return f"{payload}.{_b64(_mac(key, expires, url))}"


def verify(token: str, key: bytes, now: float) -> ImageToken:
    """The URL a token names; BadToken when it was not signed with this key (or was changed),
    ExpiredToken when its time is over. The signature is compared in constant time and is
    checked before anything in the payload is believed. Only the canonical form is accepted
    (the exact base64url `sign` writes, ASCII digits without leading zeros), so a token is
    not malleable into other strings naming the same URL."""
    if not isinstance(token, str) or len(token) > 4 * MAX_URL:
        raise BadToken("token too long")
    payload, dot, signature = token.partition(".")
    if not dot or "." in signature:
        raise BadToken("not a token")
    decoded = _unb64(payload)
    given = _unb64(signature)
    try:
        text = decoded.decode("utf-8")
        stamp, colon, url = text.partition(":")
        expires = int(stamp) if _canonical_number(stamp) else -1
    except UnicodeDecodeError as exc:
        raise BadToken("not a token") from exc
    if not colon or expires < 0 or not url:
        raise BadToken("not a token")
    if not hmac.compare_digest(given, _mac(key, expires, url)):
        raise BadToken("bad signature")
    if now >= expires:
        raise ExpiredToken(f"expired at {expires}")
    return ImageToken(url, expires)


def proxied_url(base: str, url: str, expires: int, key: bytes) -> str:
    """The URL a relayed message shows instead of `url`."""
    return f"{base.rstrip('/')}/{sign(url, expires, key)}"


class ProxyLinks:
    """`proxied_url` for one relayed copy, remembering what it handed out (the relay then has
    the proxy fetch them at once, so no fetch ever happens when the mail is opened). The same
    URL gets the same link; at most `limit` distinct URLs are proxied, None for the rest (the
    caller removes them): one mail cannot mint thousands of tokens, and every link it shows
    is one the warm-up fetches."""

    def __init__(
        self, base: str, expires: int, key: bytes, limit: int = MAX_PROXIED_PER_MESSAGE
    ) -> None:
        self.base, self.expires, self.key, self.limit = base, expires, key, limit
        self.urls: list[str] = []  # distinct, in the order they were handed out
        self._given: dict[str, str] = {}

    def __call__(self, url: str) -> str | None:
        proxied = self._given.get(url)
        if proxied is None:
            if len(self._given) >= self.limit:
                return None
            proxied = self._given[url] = proxied_url(self.base, url, self.expires, self.key)
            self.urls.append(proxied)
        return proxied


def cache_name(url: str) -> str:
    """The cache object's name for a URL: a hash, so the bucket never lists the URLs."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()
