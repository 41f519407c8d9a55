"""A real HTTP origin on 127.0.0.1 for the image proxy's tests: images, lies and attacks.

Loopback is exactly what the production fetcher refuses; tests that need this origin build
their fetcher with `only(origin)`, which allows this one (address, port) and nothing else
that is not public web.
"""

from __future__ import annotations

import gzip
import ipaddress
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from parley.adapters.outbound_http import AddressCheck, IPAddress, public_web
from tests.support import files

PNG = files.png_with_text("hello")
JPEG_GPS = files.jpeg_with_gps((80, 40))
SIX_MB = 6 * 1024 * 1024


@dataclass
class Origin:
    port: int
    hits: dict[str, int] = field(default_factory=dict)
    headers: list[dict[str, str]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def only(origin: Origin) -> AddressCheck:
    """The production check plus this one origin (127.0.0.1 on its port), nothing more."""
    loopback = ipaddress.ip_address("127.0.0.1")

    def allowed(address: IPAddress, port: int) -> bool:
        return (address == loopback and port == origin.port) or public_web(address, port)

    return allowed


def _routes(
    origin: Origin, path: str, query: dict[str, list[str]]
) -> tuple[int, dict[str, str], Any]:
    if path == "/cat.png":
        return 200, {"Content-Type": "image/png"}, PNG
    if path == "/photo.jpg":
        return 200, {"Content-Type": "image/jpeg; charset=binary"}, JPEG_GPS
    if path == "/html-as-png":
        return 200, {"Content-Type": "image/png"}, b"<html><script>alert(1)</script></html>"
    if path == "/png-as-html":
        return 200, {"Content-Type": "text/html"}, PNG
    if path == "/no-type":
        return 200, {}, PNG
    if path == "/svg":
        svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
        return 200, {"Content-Type": "image/svg+xml"}, svg
    if path == "/big":  # announced: refused before reading
        return 200, {"Content-Type": "image/png", "Content-Length": str(SIX_MB)}, "big"
    if path == "/big-chunked":  # not announced: refused while streaming, at the limit
        return 200, {"Content-Type": "image/png", "Transfer-Encoding": "chunked"}, "chunked"
    if path == "/gzip-bomb":
        bomb = gzip.compress(PNG + b"\0" * (50 * 1024 * 1024))
        return 200, {"Content-Type": "image/png", "Content-Encoding": "gzip"}, bomb
    if path == "/redirect":
        return 302, {"Location": query["to"][0]}, b""
    if path == "/loop":
        return 302, {"Location": "/loop"}, b""
    if path == "/missing":
        return 404, {"Content-Type": "text/plain"}, b"no"
    return 404, {}, b""


@contextmanager
def image_origin() -> Iterator[Origin]:
    origin = Origin(0)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            origin.hits[parts.path] = origin.hits.get(parts.path, 0) + 1
            origin.headers.append({k.lower(): v for k, v in self.headers.items()})
            status, headers, body = _routes(origin, parts.path, parse_qs(parts.query))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if body == "big":
                self.end_headers()
                self._stream(SIX_MB, chunked=False)
                return
            if body == "chunked":
                self.end_headers()
                self._stream(SIX_MB, chunked=True)
                return
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _stream(self, size: int, *, chunked: bool) -> None:
            block = PNG + b"\0" * (64 * 1024 - len(PNG))
            sent = 0
            try:
                while sent < size:
                    if chunked:
                        self.wfile.write(f"{len(block):x}\r\n".encode() + block + b"\r\n")
                    else:
                        self.wfile.write(block)
                    sent += len(block)
                if chunked:
                    self.wfile.write(b"0\r\n\r\n")
            except OSError:  # the proxy stopped reading at its limit
                pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    origin.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield origin
    finally:
        server.shutdown()
        server.server_close()
