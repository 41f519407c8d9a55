"""Serve a remote image through the marketplace: right after the relay sent a copy, we ask
the origin (once, `warm`), and the recipient's mail program gets it from our S3 cache (`view`),
so the origin never sees the recipient's address, cookies, mail program, or any opening at all.

A request carries a token the relay signed (`parley.core.image_tokens`): bad or changed
tokens are refused (403), expired ones too (410). On a cache miss the image is fetched through
`ImageFetcher` (public addresses only, checked per redirect hop and connected to as checked,
5 MB, no encoded bodies, no cookies, a fixed User-Agent), and served only when the origin
calls it an image (`Content-Type: image/*`) and its bytes are one (JPEG, PNG, GIF or WebP,
decoded by Pillow); it is re-encoded from its pixels like an attachment, so no metadata of
the origin's file reaches the recipient either. Anything else answers 502, and the refusal is
cached like an image: the origin is asked once per URL, whatever it answers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from parley.adapters.blobs import BlobNotFound, BlobStore
from parley.adapters.keys import image_cache_key
from parley.adapters.outbound_http import FetchRefused, ImageFetcher
from parley.adapters.secrets import SecretKey
from parley.core.image_tokens import BadToken, ExpiredToken, cache_name, verify
from parley.core.settings import Settings
from parley.mail.images import Uncleanable, clean_image
from parley.mail.sniffing import sniff

log = logging.getLogger("parley.imageproxy")

SERVED_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}
MAX_AGE = 86400  # how long the recipient's mail program may keep an image it got from us
# A Lambda function URL answers at most 6 MB, base64 included: a larger image is answered
# with a redirect to a short-lived link to the cached copy in our own bucket (the origin still
# sees nothing of the recipient).
INLINE_BYTES = 4 * 1024 * 1024
REDIRECT_SECONDS = 300
MAX_WARM = 50  # images per warm-up request (the relay sends at most this many)
# A refusal is cached too: otherwise a sender could make each opening of the mail reach the
# origin (a URL that answers 404 or HTML every time) and learn when it was read.
REFUSED_TYPE = "application/x-parley-refused"
# Written (conditionally) before the origin is contacted: "a fetch of this URL has started".
# Younger than PENDING_SECONDS: another invocation is fetching (503, no second request).
# Older: that fetch died before caching anything, and the marker is the refusal.
PENDING_TYPE = "application/x-parley-pending"
PENDING_SECONDS = 60  # above the function's 30 s timeout
BEING_FETCHED = "the image is being fetched; try again shortly"
NOT_FETCHED = "the image is not available"
# An opening never reaches the origin: it waits this long for the relay's warm-up to have
# stored the image (a recipient who opens the mail within seconds of its sending).
VIEW_WAIT_SECONDS = 5.0
VIEW_POLL_SECONDS = 0.25


@dataclass(frozen=True)
class ImageReply:
    status: int
    body: bytes
    content_type: str
    max_age: int = 0  # seconds a client may cache it (0: not at all)
    cached: bool = False  # served from the S3 cache
    location: str = ""  # a redirect (302) to the cached copy, for images too large to inline


def _reason(exc: Exception) -> str:
    """Why, without the host or URL (logs and the cache keep no sender's domain)."""
    return str(exc).split(":", 1)[0].split(" (", 1)[0][:80] or type(exc).__name__


def _refusal(status: int, why: str) -> ImageReply:
    return ImageReply(status, why.encode("utf-8"), "text/plain; charset=utf-8")


class ImageProxy:
    def __init__(
        self,
        blobs: BlobStore,
        key: Callable[[], bytes],
        fetcher: ImageFetcher,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.blobs = blobs
        self.key = key
        self.fetcher = fetcher
        self.clock = clock
        self.sleep = sleep

    def view(self, token: str) -> ImageReply:
        """What an opening of the mail gets: the cache, never the origin. The relay had the
        proxy fetch every image right after sending (`warm`); an opening that comes first
        waits up to VIEW_WAIT_SECONDS for that fetch, then gets a 503 (not cached by the
        client). So the sender's server never hears of an opening, not even the first."""
        return self.serve(token, fetch=False)

    def serve(self, token: str, *, fetch: bool = True) -> ImageReply:
        """The image a token names; with `fetch` (the warm-up) a miss is fetched from the
        origin, without it (`view`) it is waited for and never fetched."""
        now = self.clock()
        try:
            named = verify(token, self.key(), now)
        except ExpiredToken:
            return _refusal(410, "this image link has expired")
        except BadToken:
            return _refusal(403, "not a valid image link")
        max_age = max(0, min(MAX_AGE, int(named.expires - now)))
        key = image_cache_key(cache_name(named.url))
        known = self._cached(key, max_age, now)
        if not fetch:
            return self._wait(key, max_age, now, known)
        if known is not None:
            return known
        # The marker goes in before the origin is contacted, and only one writer can put it
        # there: concurrent openings never make a second request, and a fetch that dies
        # (Lambda's timeout or memory limit) leaves the marker, which later reads as a refusal.
        if not self.blobs.put_new(key, str(int(now)).encode("ascii"), PENDING_TYPE):
            return self._cached(key, max_age, now) or _refusal(503, BEING_FETCHED)
        return self._fetch_and_cache(key, named.url, max_age)

    def _wait(self, key: str, max_age: int, now: float, known: ImageReply | None) -> ImageReply:
        """The cached answer, waiting a little while the warm-up has not stored one yet."""
        waited = 0.0
        while (known is None or known.status == 503) and waited < VIEW_WAIT_SECONDS:
            self.sleep(VIEW_POLL_SECONDS)
            waited += VIEW_POLL_SECONDS
            known = self._cached(key, max_age, now + waited)
        if known is None:
            log.info("image not fetched ahead", extra={"cache_key": key})
            return _refusal(503, NOT_FETCHED)
        return known

    def _cached(self, key: str, max_age: int, now: float) -> ImageReply | None:
        """What the cache holds for the URL, or None when it holds nothing."""
        try:
            data, content_type, _ = self.blobs.get_with_metadata(key)
        except BlobNotFound:
            return None
        if content_type == PENDING_TYPE:
            started = int(data) if data.isascii() and data.isdigit() else 0
            if now - started < PENDING_SECONDS:
                return _refusal(503, BEING_FETCHED)
            return _refusal(502, "the image could not be served")
        if content_type == REFUSED_TYPE:
            return _refusal(502, "the image could not be served")
        return self._reply(key, data, content_type, max_age, cached=True)

    def _fetch_and_cache(self, key: str, url: str, max_age: int) -> ImageReply:
        """Fetch once and cache whatever comes of it: an image, or a refusal (fail closed:
        any exception is a refusal, logged and cached by its kind, never the URL or host)."""
        try:
            data, content_type = self._fetch(url)
        except (FetchRefused, Uncleanable) as exc:
            reason = _reason(exc)
            log.info("image refused", extra={"reason": reason, "cache_key": key})
        except Exception as exc:  # a bug or hostile input we did not foresee: still refused
            reason = f"failed: {type(exc).__name__}"
            log.warning("image fetch failed", extra={"reason": reason, "cache_key": key})
        else:
            self.blobs.put(key, data, content_type)
            return self._reply(key, data, content_type, max_age, cached=False)
        self.blobs.put(key, reason.encode("utf-8"), REFUSED_TYPE)
        return _refusal(502, "the image could not be served")

    def warm(self, tokens: object) -> int:
        """Fetch (and cache) the images of a copy the relay just sent; how many are served."""
        if not isinstance(tokens, list):
            return 0
        return sum(self.serve(str(t)).status in (200, 302) for t in tokens[:MAX_WARM])

    def _reply(
        self, key: str, data: bytes, content_type: str, max_age: int, *, cached: bool
    ) -> ImageReply:
        if len(data) <= INLINE_BYTES:
            return ImageReply(200, data, content_type, max_age, cached)
        location = self.blobs.view_url(key, REDIRECT_SECONDS)
        return ImageReply(302, b"", content_type, 0, cached, location)

    def _fetch(self, url: str) -> tuple[bytes, str]:
        """The origin's image, checked twice (its word and its bytes) and re-encoded."""
        fetched = self.fetcher.get(url)
        declared = fetched.content_type.split(";")[0].strip().lower()
        if not declared.startswith("image/"):
            raise FetchRefused(f"not an image: Content-Type {declared[:60] or 'missing'}")
        kind = sniff(fetched.data)
        if kind not in SERVED_TYPES:
            raise FetchRefused(f"not an image: the bytes are {kind or 'unknown'}")
        return clean_image(fetched.data), SERVED_TYPES[kind]


def image_proxy_from_settings(
    settings: Settings, fetcher: ImageFetcher | None = None
) -> ImageProxy:
    """The proxy of a deployment: its bucket, its key (read on first use), the production
    fetcher unless the caller (tests, `parley dev`) passes another in code."""
    from parley.adapters.aws import client

    key = SecretKey(lambda: client("secretsmanager", settings), settings.image_proxy_secret)
    blobs = BlobStore(client("s3", settings), settings.bucket)
    return ImageProxy(blobs, key.value, fetcher or ImageFetcher())
