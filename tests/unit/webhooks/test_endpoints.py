"""SSRF: an endpoint may not reach inside the network, by literal, by name or by rebinding."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from parley.adapters.outbound_http import UnsafeEndpoint, WebhookClient

REFUSED = [
    "https://127.0.0.1/hook",
    "https://localhost/hook",
    "https://10.1.2.3/",
    "https://172.16.0.1/",
    "https://192.168.1.1/",
    "https://169.254.169.254/latest/meta-data/",
    "https://[::1]/",
    "https://[::ffff:127.0.0.1]/",
    "https://[fe80::1]/",
    "https://[fd00::1]/",
    "https://[2002:7f00:1::]/",  # 6to4 wrapping 127.0.0.1
    "https://0x7f000001/",
    "https://2130706433/",
    "https://0.0.0.0/",
    "https://100.64.0.1/",  # carrier-grade NAT
    "https://224.0.0.1/",
    "http://203.0.113.9/",  # plain http outside the dev stack
    "https://user:pw@203.0.113.9/",
    "ftp://203.0.113.9/",
    "https://203.0.113.9/a b",
    "https://203.0.113.9\\@127.0.0.1/",
    "",
]


@pytest.mark.parametrize("url", REFUSED)
def test_private_and_malformed_endpoints_are_refused(url: str) -> None:
    with pytest.raises(UnsafeEndpoint):
        WebhookClient().check(url)


def test_a_name_resolving_to_a_private_address_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def resolve(host: str, *args: Any, **kwargs: Any) -> list[Any]:
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 443)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", 443)),  # one bad is enough
        ]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with pytest.raises(UnsafeEndpoint):
        WebhookClient().check("https://hooks.example.com/x")


def test_the_connection_goes_to_the_address_that_was_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """DNS rebinding: the name answers public first, private later; we never ask twice."""
    answers = iter(["93.184.215.14", "127.0.0.1"])
    connected: list[Any] = []

    def resolve(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    def connect(address: Any, timeout: Any = None, *args: Any) -> Any:
        connected.append(address)
        raise OSError("no network in tests")

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    monkeypatch.setattr(socket, "create_connection", connect)
    result = WebhookClient().post("https://hooks.example.com/x", b"{}", {})
    assert result.status is None and result.error
    assert connected == [("93.184.215.14", 443)]


def test_the_dev_stack_may_use_http_to_127_0_0_1_only() -> None:
    dev = WebhookClient(allow_loopback=True)
    dev.check("http://127.0.0.1:8080/hook")
    for url in ("http://localhost:8080/", "http://127.0.0.2/", "http://10.0.0.1/"):
        with pytest.raises(UnsafeEndpoint):
            dev.check(url)
    with pytest.raises(UnsafeEndpoint):
        WebhookClient().check("http://127.0.0.1:8080/hook")


def test_post_reaches_a_local_receiver_and_does_not_follow_redirects() -> None:
    seen: list[bytes] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            seen.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/hook"
        result = WebhookClient(allow_loopback=True).post(url, b'{"a":1}', {"X-Test": "1"})
    finally:
        server.shutdown()
    assert seen == [b'{"a":1}']
    assert result.status == 302 and not result.ok
