"""The message center API on 127.0.0.1, played like API Gateway (REST) with a JWT authorizer.

A local token issuer stands in for Cognito: `parley token seller:S1` signs a token with the
key `parley dev` keeps in its var directory; requests without a valid token get the 401 that
API Gateway would give, and valid claims reach the handler where Cognito's would.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from parley.core.image_tokens import ROUTE as IMAGE_ROUTE

if TYPE_CHECKING:
    from parley.adapters.outbound_http import IPAddress
    from parley.imageproxy.service import ImageProxy

log = logging.getLogger("devstack")
ISSUER = "https://parley-dev-issuer.local"
AUDIENCE = "parley-message-center"
TOKEN_SECONDS = 3600
MAX_BODY = 1024 * 1024  # API Gateway's payload limit is 10 MB; nothing here needs more


class LocalIssuer:
    """RS256 tokens, like a Cognito user pool's ID tokens, signed with a key kept on disk."""

    def __init__(self, key_file: Path) -> None:
        self.key_file = key_file

    def _private_key(self, create: bool) -> Any:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        if self.key_file.exists():
            return serialization.load_pem_private_key(self.key_file.read_bytes(), password=None)
        if not create:
            raise FileNotFoundError(f"{self.key_file} not found: start `parley dev` first")
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.key_file.parent.mkdir(parents=True, exist_ok=True)
        self.key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        self.key_file.chmod(0o600)
        return key

    def ensure_key(self) -> None:
        self._private_key(create=True)

    def token(self, party: str, seconds: int = TOKEN_SECONDS) -> str:
        import jwt

        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": party,
            "custom:party": party,
            "token_use": "id",
            "iat": now,
            "exp": now + seconds,
        }
        return jwt.encode(claims, self._private_key(create=False), algorithm="RS256")

    def verify(self, token: str) -> dict[str, Any] | None:
        import jwt

        public = self._private_key(create=False).public_key()
        try:
            claims: dict[str, Any] = jwt.decode(
                token, public, algorithms=["RS256"], audience=AUDIENCE, issuer=ISSUER
            )
        except jwt.PyJWTError:
            return None
        return claims


def rest_event(
    method: str, target: str, headers: dict[str, str], body: str | None, claims: dict[str, Any]
) -> dict[str, Any]:
    """An API Gateway REST proxy event, as a Cognito-authorized method receives it."""
    parts = urlsplit(target)
    query = parse_qs(parts.query, keep_blank_values=True)
    return {
        "resource": "/{proxy+}",
        "path": parts.path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": {"proxy": parts.path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "path": parts.path,
            "stage": "local",
            "requestId": str(uuid.uuid4()),
            "identity": {"sourceIp": "127.0.0.1"},
            "authorizer": {"claims": {k: str(v) for k, v in claims.items()}},
        },
        "body": body,
        "isBase64Encoded": False,
    }


def response_headers(result: dict[str, Any]) -> dict[str, str]:
    """A proxy response's headers, single- and multi-valued, as API Gateway merges them."""
    merged = {k: ", ".join(v) for k, v in (result.get("multiValueHeaders") or {}).items()}
    merged.update(result.get("headers") or {})
    return merged


class _Handler(BaseHTTPRequestHandler):
    server: ApiServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("api: " + format, *args)

    def _problem(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        """The gateway's own errors, in the shape the stack's gateway responses give them."""
        from functions.api.problems import MEDIA_TYPE, problem

        body = json.dumps(problem(status, detail)).encode()
        self._send(status, body, {"Content-Type": MEDIA_TYPE, **(headers or {})})

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        sent = {"Content-Type": "application/json", **(headers or {})}
        for key, value in sent.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._problem(413, "Request Too Long", {"Connection": "close"})
            self.close_connection = True
            return
        raw = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        if self.command == "GET" and path == "/openapi.json":
            self._send(200, self.server.openapi.encode())
            return
        if self.command in ("GET", "HEAD") and (path in ("/", "/app") or path.startswith("/app/")):
            page = self.server.web.get(path)
            self._send(page.status, b"" if self.command == "HEAD" else page.body, page.headers)
            return
        if path.startswith("/dev/"):
            self._dev_sign_in(path, raw)
            return
        if path.startswith(IMAGE_ROUTE):  # the image proxy's function URL, no sign-in
            self._image(path, raw)
            return
        if self.command == "OPTIONS":  # a CORS preflight, answered like API Gateway's mock
            from functions.api.routes import with_cors

            answer = with_cors({"headers": dict(self.headers.items())}, {"headers": {}})
            self._send(204, b"", answer["headers"])
            return
        authorization = self.headers.get("Authorization", "")
        scheme, _, token = authorization.partition(" ")
        claims = self.server.issuer.verify(token) if scheme.lower() == "bearer" else None
        if claims is None:
            self._problem(401, "Unauthorized")
            return
        try:
            body = raw.decode("utf-8") if raw else None
        except UnicodeDecodeError:
            self._problem(400, "body is not UTF-8")
            return
        headers = {k: v for k, v in self.headers.items()}
        event = rest_event(self.command, self.path, headers, body, claims)
        from devstack.lambda_runtime import LocalContext
        from functions.api.handler import handler

        try:
            result = handler(event, LocalContext("api"))
        except Exception:
            log.exception("api handler failed")
            self._problem(502, "Internal server error")
            return
        out_headers = response_headers(result)
        out = (result.get("body") or "").encode()
        self._send(int(result.get("statusCode", 200)), out, out_headers)

    def _image(self, path: str, raw: bytes) -> None:
        """`remoteImages: proxy`: what the stack's function URL answers, from the same code;
        and the relay's warm-up (`POST /images/warm`), which the stack delivers by invoking
        the function directly."""
        import base64

        from functions.image_proxy.handler import respond

        if self.command == "POST" and path == IMAGE_ROUTE + "warm":
            try:
                tokens = json.loads(raw or b"{}").get("warm")
                warmed = respond({"warm": tokens}, self.server.image_proxy())
            except Exception:
                log.exception("image warm-up failed")
                self._send(502, b"", {"Content-Type": "text/plain"})
                return
            self._send(200, json.dumps(warmed).encode())
            return
        event = {"rawPath": path, "requestContext": {"http": {"method": self.command}}}
        try:
            result = respond(event, self.server.image_proxy())
        except Exception:
            log.exception("image proxy failed")
            self._send(502, b"", {"Content-Type": "text/plain"})
            return
        body = base64.b64decode(result["body"]) if self.command == "GET" else b""
        self._send(int(result["statusCode"]), body, dict(result["headers"]))

    def _dev_sign_in(self, path: str, raw: bytes) -> None:
        """The local sign-in behind the page: who is registered, and a token for one of them."""
        from devstack.webapp import registered_parties

        if path == "/dev/parties" and self.command == "GET":
            self._send(200, json.dumps({"items": registered_parties()}).encode())
            return
        if path == "/dev/token" and self.command == "POST":
            try:
                party = json.loads(raw or b"{}").get("party")
            except (ValueError, AttributeError):
                party = None
            known = {p["party"] for p in registered_parties()}
            if not isinstance(party, str) or party not in known:
                from functions.api.problems import MEDIA_TYPE, problem

                body = problem(422, "not a registered seller or buyer", "party")
                self._send(422, json.dumps(body).encode(), {"Content-Type": MEDIA_TYPE})
                return
            self._send(200, json.dumps({"token": self.server.issuer.token(party)}).encode())
            return
        self._problem(404, "Not Found")

    def __getattr__(self, name: str) -> Any:
        """Every method reaches the handler, which answers unknown ones like API Gateway."""
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)


class ApiServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, host: str, port: int, issuer: LocalIssuer, aws_origin: str = "http://127.0.0.1"
    ) -> None:
        from devstack.webapp import WEB_DIST, WebApp
        from functions.api.routes import openapi_document

        super().__init__((host, port), _Handler)
        self.issuer = issuer
        self.web = WebApp(WEB_DIST, api_origin="", aws_origin=aws_origin)
        self.openapi = openapi_document()
        self._thread: threading.Thread | None = None
        self._image_proxy: ImageProxy | None = None
        self._image_lock = threading.Lock()

    def image_proxy(self) -> ImageProxy:
        """The stack's image proxy, except that it may also fetch from 127.0.0.1 (an origin
        on this machine): decided here in code, so no setting of a deployment can loosen it."""
        with self._image_lock:
            if self._image_proxy is None:
                from parley.adapters.outbound_http import ImageFetcher
                from parley.core.settings import get_settings
                from parley.imageproxy.service import image_proxy_from_settings

                fetcher = ImageFetcher(allowed=local_or_public_web)
                self._image_proxy = image_proxy_from_settings(get_settings(), fetcher)
            return self._image_proxy

    def start(self) -> None:
        self._thread = threading.Thread(target=self.serve_forever, name="api", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def local_or_public_web(address: IPAddress, port: int) -> bool:
    """`parley dev` only: 127.0.0.1 on any port, otherwise what production allows."""
    from parley.adapters.outbound_http import public_web

    return str(address) == "127.0.0.1" or public_web(address, port)


def openapi_json() -> str:
    from functions.api.routes import openapi_document

    return json.dumps(json.loads(openapi_document()), indent=2)
