"""The image proxy on moto S3 against a real HTTP origin on 127.0.0.1: cache miss and hit,
what the origin sees, and every way of making it fetch something it must not.

Attack first: each refusal below was written as a hostile request before the check existed.
"""

from __future__ import annotations

import base64
import io
import logging
import re
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from email import message_from_bytes
from email.policy import default

import pytest
from PIL import Image

from functions.image_proxy.handler import respond
from parley.adapters.blobs import BlobNotFound
from parley.adapters.keys import image_cache_key
from parley.adapters.outbound_http import IMAGE_USER_AGENT, FetchRefused, ImageFetcher
from parley.core.image_tokens import cache_name, sign, verify
from parley.imageproxy import service
from parley.imageproxy.service import ImageProxy
from tests.support.aws import Aws
from tests.support.image_origin import PNG, Origin, image_origin, only
from tests.support.raw_origin import only_loopback, raw_origin

KEY = b"image-proxy-test-key-of-32-bytes!"
NOW = 1_900_000_000.0


@pytest.fixture
def origin() -> Iterator[Origin]:
    with image_origin() as running:
        yield running


def proxy_for(aws: Aws, fetcher: ImageFetcher, now: float = NOW) -> ImageProxy:
    # views poll the cache while waiting for a warm-up: no real sleeping in these tests
    return ImageProxy(
        aws.services.blobs, lambda: KEY, fetcher, clock=lambda: now, sleep=lambda s: None
    )


@pytest.fixture
def proxy(aws: Aws, origin: Origin) -> ImageProxy:
    return proxy_for(aws, ImageFetcher(allowed=only(origin), timeout=5, deadline=10))


def token(url: str, expires: float = NOW + 3600) -> str:
    return sign(url, int(expires), KEY)


def cached(aws: Aws, url: str) -> bool:
    try:
        aws.services.blobs.get(image_cache_key(cache_name(url)))
    except BlobNotFound:
        return False
    return True


def test_a_miss_fetches_and_caches_then_a_hit_never_asks_the_origin(
    aws: Aws, origin: Origin, proxy: ImageProxy
) -> None:
    url = origin.url("/cat.png")
    first = proxy.serve(token(url))
    assert first.status == 200 and not first.cached and first.content_type == "image/png"
    assert Image.open(io.BytesIO(first.body)).size == Image.open(io.BytesIO(PNG)).size
    assert cached(aws, url)
    second = proxy.serve(token(url, NOW + 7200))  # another token for the same URL
    assert second.status == 200 and second.cached and second.body == first.body
    assert origin.hits["/cat.png"] == 1
    keys = aws.services.blobs.keys("images/")
    assert keys == [image_cache_key(cache_name(url))] and "cat" not in keys[0]


def test_the_origin_sees_no_cookie_no_referer_no_client_and_a_fixed_user_agent(
    origin: Origin, proxy: ImageProxy
) -> None:
    assert proxy.serve(token(origin.url("/cat.png"))).status == 200
    (headers,) = origin.headers
    assert headers["user-agent"] == IMAGE_USER_AGENT
    assert headers["accept-encoding"] == "identity"
    for name in ("cookie", "referer", "x-forwarded-for", "forwarded", "authorization"):
        assert name not in headers
    assert set(headers) <= {"host", "user-agent", "accept", "accept-encoding"}


def test_a_photo_arrives_without_its_metadata(origin: Origin, proxy: ImageProxy) -> None:
    reply = proxy.serve(token(origin.url("/photo.jpg")))
    assert reply.status == 200 and reply.content_type == "image/jpeg"
    image = Image.open(io.BytesIO(reply.body))
    assert not image.getexif() and "exif" not in image.info


@pytest.mark.parametrize(
    "path",
    [
        "/html-as-png",
        "/png-as-html",
        "/no-type",
        "/svg",
        "/big",
        "/big-chunked",
        "/gzip-bomb",
        "/missing",
        "/loop",
    ],
)
def test_what_is_not_a_small_plain_image_is_refused_once_and_for_all(
    aws: Aws, origin: Origin, proxy: ImageProxy, path: str
) -> None:
    started = time.monotonic()
    reply = proxy.serve(token(origin.url(path)))
    assert reply.status == 502 and reply.content_type.startswith("text/plain")
    assert b"<" not in reply.body  # never the origin's bytes
    assert time.monotonic() - started < 8
    asked = dict(origin.hits)
    # The refusal is remembered: opening the mail again does not reach the origin (which
    # could otherwise answer 404 or HTML on purpose and learn each time the mail is read)
    again = proxy.serve(token(origin.url(path), NOW + 7200))
    assert again.status == 502 and again.body == reply.body
    assert origin.hits == asked
    assert cached(aws, origin.url(path))


def test_redirects_are_followed_hop_by_hop(origin: Origin, proxy: ImageProxy) -> None:
    hop = origin.url("/redirect?to=/cat.png")
    assert proxy.serve(token(hop)).status == 200
    assert origin.hits["/redirect"] == 1 and origin.hits["/cat.png"] == 1


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.2:{port}/cat.png",  # loopback, but not the one origin the test allows
        "http://[::1]:{port}/cat.png",
        "http://[::ffff:127.0.0.2]:{port}/cat.png",
        "http://2130706434:{port}/cat.png",  # 127.0.0.2 written as a decimal number
        "http://0x7f000002:{port}/cat.png",
        "http://127.2:{port}/cat.png",
        "http://10.0.0.1/",
        "http://192.168.0.1/",
        "http://[fd00::1]/",
        "http://224.0.0.1/",
        "http://0.0.0.0:{port}/cat.png",
        "ftp://127.0.0.1:{port}/cat.png",
        "file:///etc/passwd",
        "gopher://127.0.0.1:{port}/",
    ],
)
def test_a_redirect_to_a_private_address_or_another_scheme_is_refused(
    origin: Origin, target: str
) -> None:
    hop = origin.url("/redirect?to=" + target.format(port=origin.port))
    with pytest.raises(FetchRefused, match="unsafe URL"):
        ImageFetcher(allowed=only(origin)).get(hop)
    assert origin.hits["/redirect"] == 1
    assert "/cat.png" not in origin.hits  # the private hop was never connected to


def test_the_production_fetcher_refuses_the_loopback_origin_itself(
    aws: Aws, origin: Origin
) -> None:
    default = proxy_for(aws, ImageFetcher())
    for path in ("/cat.png", "/redirect?to=/cat.png"):
        assert default.serve(token(origin.url(path))).status == 502
    assert origin.hits == {}


def test_a_name_resolving_to_a_private_address_is_refused(aws: Aws, origin: Origin) -> None:
    names = {"images.attacker.example": ["93.184.216.34", "10.1.2.3"]}
    fetcher = ImageFetcher(resolver=lambda host, port: names[host])
    url = "http://images.attacker.example/x.png"
    assert proxy_for(aws, fetcher).serve(token(url)).status == 502
    # what is kept of the refusal (and logged) names no host
    assert aws.services.blobs.get(image_cache_key(cache_name(url))) == b"unsafe URL"


def test_dns_is_asked_once_and_the_checked_address_is_the_one_connected_to(
    aws: Aws, origin: Origin
) -> None:
    """DNS rebinding: the second answer would be private; it is never asked for."""
    answers = [["127.0.0.1"], ["169.254.169.254"]]
    asked: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        asked.append(host)
        return answers[len(asked) - 1]

    fetcher = ImageFetcher(allowed=only(origin), resolver=rebinding)
    url = f"http://rebind.example:{origin.port}/cat.png"  # not a real name: only our answer
    assert proxy_for(aws, fetcher).serve(token(url)).status == 200
    assert asked == ["rebind.example"] and origin.hits["/cat.png"] == 1


def test_public_addresses_on_odd_ports_are_refused(aws: Aws) -> None:
    fetcher = ImageFetcher(resolver=lambda host, port: ["93.184.216.34"])
    for url in ("http://cdn.example:22/x.png", "https://cdn.example:8443/x.png"):
        with pytest.raises(Exception, match="refused address"):
            fetcher.check(url)
    fetcher.check("https://cdn.example/x.png")  # 443: allowed (not connected to here)


def test_tokens_bad_changed_reused_or_expired_are_refused(
    origin: Origin, proxy: ImageProxy, aws: Aws
) -> None:
    a, b = origin.url("/cat.png"), origin.url("/photo.jpg")
    token_a = token(a)
    payload_b = base64.urlsafe_b64encode(f"{int(NOW + 3600)}:{b}".encode()).rstrip(b"=")
    forged = payload_b.decode() + "." + token_a.split(".")[1]
    assert proxy.serve(forged).status == 403
    assert proxy.serve(token_a[:-2] + "AA").status == 403
    assert proxy.serve("nonsense").status == 403
    assert proxy.serve(sign(a, int(NOW + 3600), b"another-key-that-is-32-bytes-long")).status == 403
    assert proxy.serve(token(a, NOW - 1)).status == 410
    later = proxy_for(aws, proxy.fetcher, now=NOW + 3601)
    assert later.serve(token_a).status == 410
    assert origin.hits == {}


def test_the_function_url_answer(origin: Origin, proxy: ImageProxy) -> None:
    def event(method: str, path: str) -> dict[str, object]:
        return {"rawPath": path, "requestContext": {"http": {"method": method}}}

    # an opening before any warm-up: the cache only, never the origin (a 503 after waiting)
    unwarmed = respond(event("GET", "/images/" + token(origin.url("/cat.png"))), proxy)
    assert unwarmed["statusCode"] == 503 and unwarmed["headers"]["Cache-Control"] == "no-store"
    assert origin.hits == {}
    paths = ["/cat.png", "/html-as-png"]
    assert respond({"warm": [token(origin.url(p)) for p in paths]}, proxy) == {"warmed": 1}
    answer = respond(event("GET", "/images/" + token(origin.url("/cat.png"))), proxy)
    assert answer["statusCode"] == 200 and answer["isBase64Encoded"] is True
    assert base64.b64decode(answer["body"]).startswith(b"\x89PNG")
    headers = answer["headers"]
    assert headers["Content-Type"] == "image/png"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"].startswith("private, max-age=")
    assert "Set-Cookie" not in headers
    assert respond(event("GET", "/images/bad"), proxy)["statusCode"] == 403
    assert respond(event("POST", "/images/x"), proxy)["statusCode"] == 405
    assert respond(event("GET", "/other"), proxy)["statusCode"] == 404
    refused = respond(event("GET", "/images/" + token(origin.url("/html-as-png"))), proxy)
    assert refused["statusCode"] == 502 and refused["headers"]["Cache-Control"] == "no-store"


def test_an_image_too_large_to_inline_is_a_redirect_to_our_own_cached_copy(
    origin: Origin, proxy: ImageProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "INLINE_BYTES", 10)
    reply = proxy.serve(token(origin.url("/cat.png")))
    assert reply.status == 302 and reply.body == b""
    assert "images/" + cache_name(origin.url("/cat.png")) in reply.location
    assert f"127.0.0.1:{origin.port}" not in reply.location


def test_the_relay_signs_with_the_stack_key_and_has_the_proxy_fetch_before_any_opening(
    aws: Aws, origin: Origin, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pipeline on moto with `remoteImages: proxy`: the key is the stack's secret, read on
    first use; the relayed copy's token is one the proxy (with the same secret) accepts."""
    import boto3

    from parley.directory.registration import OrderRegistration, PartyInfo, register_order
    from parley.imageproxy.service import image_proxy_from_settings
    from tests.support.aws import BUYER_EMAIL, ORDER_ID, SELLER_EMAIL, clear_caches
    from tests.support.mail import mail, wire

    monkeypatch.setenv("PARLEY_REMOTE_IMAGES", "proxy")
    monkeypatch.setenv("PARLEY_IMAGE_PROXY_URL", "https://img.marketplace.example/images")
    clear_caches()
    warmed: list[list[str]] = []
    aws.services.image_warmer = warmed.append  # the stack's: an async invoke of the proxy
    order = register_order(
        aws.services.store,
        OrderRegistration(
            ORDER_ID,
            PartyInfo("S1", "Shop", SELLER_EMAIL, "en-US"),
            PartyInfo("B1", "Bob Buyer", BUYER_EMAIL, "de-DE"),
        ),
    )
    question = mail(BUYER_EMAIL, order.seller_alias, f"Lamp {ORDER_ID}", "See the picture.")
    question.add_alternative(
        f'<p>See</p><img src="{origin.url("/cat.png")}" alt="lamp">'
        f'<img src="{origin.url("/pixel.gif")}" width="1%" height="1%">',
        subtype="html",
    )
    aws.ingest(wire(question), [order.seller_alias], mail_from=BUYER_EMAIL)
    aws.drain()
    copies = [message_from_bytes(m.raw_data.encode(), policy=default) for m in aws.sent()]
    (relayed,) = [m for m in copies if m["To"] == SELLER_EMAIL]  # (the buyer got a notice)
    html = relayed.get_body(("html",))
    text = html.get_content()
    assert f"127.0.0.1:{origin.port}" not in text and "pixel" not in text
    (link,) = re.findall(r"https://img\.marketplace\.example/images/([A-Za-z0-9_.-]+)", text)
    secret = boto3.client("secretsmanager").get_secret_value(
        SecretId=aws.env["PARLEY_IMAGE_PROXY_SECRET"]
    )["SecretString"]
    assert verify(link, secret.encode(), time.time()).url == origin.url("/cat.png")
    # Right after sending, the relay asked the proxy to fetch the copy's one image
    assert warmed == [[f"https://img.marketplace.example/images/{link}"]]
    proxy = image_proxy_from_settings(aws.services.settings, ImageFetcher(allowed=only(origin)))
    assert respond({"warm": [u.rsplit("/", 1)[1] for u in warmed[0]]}, proxy) == {"warmed": 1}
    assert origin.hits == {"/cat.png": 1}
    # When the recipient opens the mail, the origin hears nothing: the cache answers
    served = proxy.serve(link)
    assert served.status == 200 and served.content_type == "image/png" and served.cached
    assert origin.hits == {"/cat.png": 1}


# -- red team 4: the proxy fails closed (R4, R5) and fetches each URL once (O1) ---------------


def test_r4_an_odd_content_length_is_a_cached_refusal_not_a_crash(aws: Aws) -> None:
    """`Content-Length: ²` passed str.isdigit() and crashed int(): nothing was cached, and
    every opening reached the origin again (a read receipt per opening)."""

    def answer(conn: socket.socket) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: \xb2\r\n\r\n\x89PNG"
        )

    with raw_origin(answer) as origin:
        proxy = proxy_for(aws, ImageFetcher(allowed=only_loopback(origin)))
        url = origin.url("/open-tracker.png")
        for opening in range(3):
            assert proxy.serve(token(url, NOW + 3600 + opening)).status == 502
        assert len(origin.hits) == 1  # the origin learns of the first opening only
        assert cached(aws, url)


class Boom(RuntimeError):
    pass


def test_any_exception_while_fetching_or_cleaning_is_a_cached_refusal_logged_by_kind(
    aws: Aws,
    origin: Origin,
    proxy: ImageProxy,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def crash(data: bytes) -> bytes:
        raise Boom(f"http://127.0.0.1:{origin.port}/cat.png secret-host.example")

    monkeypatch.setattr(service, "clean_image", crash)
    url = origin.url("/cat.png")
    with caplog.at_level(logging.INFO, logger="parley.imageproxy"):
        assert proxy.serve(token(url)).status == 502
        assert proxy.serve(token(url, NOW + 7200)).status == 502
    assert origin.hits == {"/cat.png": 1}
    assert cached(aws, url)
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "Boom" in logged
    assert "secret-host" not in logged and str(origin.port) not in logged and "cat" not in logged


class Killed(BaseException):
    """What Lambda's timeout or memory limit looks like to the code: it never returns."""


def test_a_fetch_that_dies_leaves_a_marker_and_the_origin_is_never_asked_again(
    aws: Aws, origin: Origin, monkeypatch: pytest.MonkeyPatch
) -> None:
    fetcher = ImageFetcher(allowed=only(origin), timeout=5, deadline=10)
    real_get = fetcher.get

    def dies(url: str) -> object:
        real_get(url)  # the origin was asked ...
        raise Killed  # ... and the invocation was killed before anything was cached

    monkeypatch.setattr(fetcher, "get", dies)
    url = origin.url("/cat.png")
    with pytest.raises(Killed):
        proxy_for(aws, fetcher).serve(token(url))
    monkeypatch.undo()
    soon = proxy_for(aws, fetcher, NOW + 5).serve(token(url))
    assert soon.status == 503 and soon.max_age == 0  # still "being fetched": not cached
    later = proxy_for(aws, fetcher, NOW + service.PENDING_SECONDS + 1).serve(token(url))
    assert later.status == 502
    assert origin.hits == {"/cat.png": 1}


def test_simultaneous_openings_of_an_uncached_url_make_one_origin_request(
    aws: Aws, origin: Origin, monkeypatch: pytest.MonkeyPatch
) -> None:
    fetcher = ImageFetcher(allowed=only(origin), timeout=5, deadline=10)
    real_get = fetcher.get

    def slow(url: str) -> object:
        time.sleep(0.5)  # the others arrive while the first is still fetching
        return real_get(url)

    monkeypatch.setattr(fetcher, "get", slow)
    proxy = proxy_for(aws, fetcher)
    url = origin.url("/cat.png")
    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(lambda _: proxy.serve(token(url)).status, range(8)))
    assert origin.hits == {"/cat.png": 1}
    assert statuses.count(200) >= 1 and set(statuses) <= {200, 503}
    assert proxy.serve(token(url)).status == 200


def test_r5_slow_headers_respect_the_overall_deadline() -> None:
    """The deadline was checked only while reading the body: an origin trickling header lines
    (each within the read timeout) held the proxy until Lambda's timeout killed it."""

    def answer(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        for _ in range(6):
            time.sleep(0.5)
            conn.sendall(b"X-Slow: 1\r\n")
        conn.sendall(b"Content-Type: image/png\r\nContent-Length: 0\r\n\r\n")

    with raw_origin(answer) as origin:
        fetcher = ImageFetcher(allowed=only_loopback(origin), timeout=1.0, deadline=1.0)
        started = time.monotonic()
        with pytest.raises(FetchRefused):
            fetcher.get(origin.url("/slow.png"))
        assert time.monotonic() - started < 1.5  # the deadline, not a read timeout more


def test_r5_the_deadline_spans_redirect_hops() -> None:
    """Each hop answers just within the read timeout; together they exceed the deadline."""

    def answer(conn: socket.socket) -> None:
        time.sleep(0.6)
        conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n")

    with raw_origin(answer) as origin:
        fetcher = ImageFetcher(allowed=only_loopback(origin), timeout=1.0, deadline=1.0)
        started = time.monotonic()
        with pytest.raises(FetchRefused):
            fetcher.get(origin.url("/hop"))
        assert time.monotonic() - started < 1.5
        assert len(origin.hits) <= 2


# -- red team 4, R7/O5: an opening never reaches the origin, not even the first ---------------


def test_r7_a_view_is_answered_from_the_cache_only_never_the_origin(
    aws: Aws, origin: Origin, proxy: ImageProxy
) -> None:
    """Conditional loads (@media, :hover, lazy images) and the first opening's time told the
    origin about the reading. Views now never fetch: whatever the recipient's mail program
    asks for, and when, the origin hears nothing after the relay's warm-up."""
    url = origin.url("/cat.png")
    missed = proxy.view(token(url))
    assert missed.status == 503 and missed.max_age == 0 and not cached(aws, url)
    assert origin.hits == {}
    assert proxy.warm([token(url)]) == 1  # the relay's warm-up, right after sending
    for _opening in range(3):
        seen = proxy.view(token(url, NOW + 7200))
        assert seen.status == 200 and seen.cached
    assert origin.hits == {"/cat.png": 1}


def test_a_view_during_the_warm_up_waits_for_it_instead_of_fetching(
    aws: Aws, origin: Origin
) -> None:
    """A recipient opening the mail within seconds of its sending: the warm-up's marker is
    there, the view polls the cache until the image is stored, and never asks the origin."""
    url = origin.url("/cat.png")
    key = image_cache_key(cache_name(url))
    assert aws.services.blobs.put_new(key, str(int(NOW)).encode(), service.PENDING_TYPE)
    polls: list[float] = []

    def sleep(seconds: float) -> None:
        polls.append(seconds)
        if len(polls) == 3:  # the warm-up finishes while the view waits
            aws.services.blobs.put(key, PNG, "image/png")

    fetcher = ImageFetcher(allowed=only(origin))
    proxy = ImageProxy(aws.services.blobs, lambda: KEY, fetcher, clock=lambda: NOW, sleep=sleep)
    seen = proxy.view(token(url))
    assert seen.status == 200 and seen.body == PNG and len(polls) == 3
    assert origin.hits == {}
    # a warm-up that never finishes: the view gives up after VIEW_WAIT_SECONDS, still no fetch
    other = origin.url("/photo.jpg")
    aws.services.blobs.put_new(
        image_cache_key(cache_name(other)), str(int(NOW)).encode(), service.PENDING_TYPE
    )
    polls.clear()
    assert proxy.view(token(other)).status == 503
    assert sum(polls) == pytest.approx(service.VIEW_WAIT_SECONDS)
    assert origin.hits == {}
