"""End to end on `parley dev --remote-images proxy`: HTML mail with remote images over real
SMTP, in both directions; the outbox copy points at the dev API's /images/<token>; fetching
that URL gets the image, which the proxy fetched from a real origin right after sending (so
opening the mail reaches no origin at all); the beacon is gone and never fetched; a changed
token is refused."""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
import requests

from devstack.client import send_smtp, wait_for_outbox
from tests.support.devstack import DevStack, register
from tests.support.image_origin import Origin, image_origin

pytestmark = pytest.mark.e2e
ORDER = "555-1234567-7654321"
BUYER = ("B9", "Bob", "bob@example.net")
SELLER = "seller@example.org"


@pytest.fixture(scope="module")
def origin() -> Iterator[Origin]:
    with image_origin() as running:
        yield running


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    stack = DevStack(tmp_path_factory.mktemp("images"), "--remote-images", "proxy")
    stack.start()
    yield stack
    if stack.process and stack.process.poll() is None:
        stack.stop()


def html_mail(
    sender: str, to: str, subject: str, images: list[str], **headers: str
) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("See the picture.")
    message.add_alternative("<p>See the picture.</p>" + "".join(images), subtype="html")
    return message


def html_of(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def proxied(html: str, dev: DevStack) -> list[str]:
    return re.findall(rf"http://127\.0\.0\.1:{dev.api_port}/images/[A-Za-z0-9_.-]+", html)


def test_buyer_images_reach_the_seller_only_through_the_proxy(
    dev: DevStack, origin: Origin
) -> None:
    aliases = register(dev, ORDER, buyer=BUYER, locale=None)
    subject = f"Lamp picture {ORDER}"
    message = html_mail(
        BUYER[2],
        aliases["seller_alias"],
        subject,
        [
            f'<img src="{origin.url("/cat.png")}" alt="the lamp">',
            f'<img src="{origin.url("/pixel.gif")}" width="1" height="1">',
            f'<div style="background-image:url({origin.url("/photo.jpg")})">box</div>',
        ],
    )
    send_smtp("127.0.0.1", dev.smtp_port, message, BUYER[2], [aliases["seller_alias"]])
    delivered = wait_for_outbox(
        dev.outbox, lambda m: str(m["Subject"]) == subject and m["To"] == SELLER, 60
    )
    html = html_of(delivered)
    # Nothing in the relayed HTML makes the recipient's mail program call the origin
    assert f"127.0.0.1:{origin.port}" not in html and "pixel" not in html
    links = proxied(html, dev)
    assert len(links) == 2, html  # the image and the CSS background; the 1x1 beacon is gone
    # Right after sending, the relay had the proxy fetch both images (not the beacon)
    deadline = time.monotonic() + 30
    while origin.hits != {"/cat.png": 1, "/photo.jpg": 1} and time.monotonic() < deadline:
        time.sleep(0.1)
    assert origin.hits == {"/cat.png": 1, "/photo.jpg": 1}
    first = requests.get(links[0], timeout=30)
    assert first.status_code == 200 and first.headers["Content-Type"] == "image/png"
    assert first.content.startswith(b"\x89PNG") and "Set-Cookie" not in first.headers
    assert first.headers["X-Content-Type-Options"] == "nosniff"
    background = requests.get(links[1], timeout=30)
    assert background.status_code == 200 and background.headers["Content-Type"] == "image/jpeg"
    again = requests.get(links[0], timeout=30, headers={"Cookie": "session=recipient"})
    assert again.status_code == 200 and again.content == first.content
    assert origin.hits == {"/cat.png": 1, "/photo.jpg": 1}  # opening reached no origin
    for headers in origin.headers:  # what the origin learned about the recipient: nothing
        assert "cookie" not in headers and "referer" not in headers
        assert headers["user-agent"] == "Parley-ImageProxy/1"
    token = links[0].rsplit("/", 1)[1]
    changed = links[0][: -len(token)] + token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    assert requests.get(changed, timeout=30).status_code == 403


def test_seller_images_are_proxied_too(dev: DevStack) -> None:
    """A seller's images come from a link host an operator approved (the policy blocks any
    other); that host does not resolve here, so the proxy answers 502 and nothing else."""
    aliases = register(dev, ORDER, buyer=BUYER, locale=None)
    seller = {"Authorization": f"Bearer {dev.token('seller:S1')}"}
    api = f"http://127.0.0.1:{dev.api_port}"
    answer = requests.patch(
        f"{api}/settings", json={"link_hosts": ["images.shop.example"]}, headers=seller, timeout=30
    )
    assert answer.status_code == 200, answer.text
    approved = dev.cli("sellers", "link-hosts", "approve", "S1", "images.shop.example")
    assert approved.returncode == 0, approved.stderr
    question = EmailMessage()
    question["From"], question["To"] = BUYER[2], aliases["seller_alias"]
    question["Subject"] = f"Which colour? {ORDER}"
    question.set_content("Which colours are there?")
    send_smtp("127.0.0.1", dev.smtp_port, question, BUYER[2], [aliases["seller_alias"]])
    asked = wait_for_outbox(dev.outbox, lambda m: "Which colour" in str(m["Subject"]), 60)
    subject = f"Re: Which colour? {ORDER}"
    image = "https://images.shop.example/colours.png"
    reply = html_mail(
        SELLER,
        aliases["buyer_alias"],
        subject,
        [f'<img src="{image}" alt="colours">'],
        In_Reply_To=str(asked["Message-ID"]),
    )
    send_smtp("127.0.0.1", dev.smtp_port, reply, SELLER, [aliases["buyer_alias"]])
    delivered = wait_for_outbox(
        dev.outbox, lambda m: str(m["Subject"]) == subject and m["To"] == BUYER[2], 60
    )
    html = html_of(delivered)
    assert "images.shop.example" not in html
    (link,) = proxied(html, dev)
    payload = link.rsplit("/", 1)[1].split(".")[0]
    named = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    assert named.split(":", 1)[1] == image
    assert requests.get(link, timeout=30).status_code == 502
