"""Lambda function URL (no IAM auth: the relay's signed token is the authorization) -> the
remote image proxy: GET /images/<token>; and the relay's warm-up, invoked directly."""

from __future__ import annotations

import base64
from functools import lru_cache
from typing import Any

from parley.core.image_tokens import ROUTE as PREFIX
from parley.core.observability import lambda_entry
from parley.core.settings import get_settings
from parley.imageproxy.service import ImageProxy, image_proxy_from_settings

# An image answer is never a document: nothing in it runs, nothing is sniffed, no referrer.
SAFE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "cross-origin",
}


@lru_cache(maxsize=1)
def default_proxy() -> ImageProxy:
    return image_proxy_from_settings(get_settings())


def respond(event: dict[str, Any], proxy: ImageProxy) -> dict[str, Any]:
    """A function URL event (payload 2.0) -> its response; `parley dev` calls this too. The
    relay's warm-up ({"warm": [tokens]}) comes by direct invocation, never through the URL."""
    if "warm" in event and "rawPath" not in event:
        return {"warmed": proxy.warm(event["warm"])}
    method = str(event.get("requestContext", {}).get("http", {}).get("method", "GET"))
    path = str(event.get("rawPath") or "")
    if method not in {"GET", "HEAD"}:
        return _answer(405, b"GET only", "text/plain", {"Allow": "GET, HEAD"})
    if not path.startswith(PREFIX) or "/" in path[len(PREFIX) :]:
        return _answer(404, b"not found", "text/plain")
    reply = proxy.view(path[len(PREFIX) :])  # the cache only: an opening reaches no origin
    cache = f"private, max-age={reply.max_age}" if reply.max_age else "no-store"
    extra = {"Cache-Control": cache, **({"Location": reply.location} if reply.location else {})}
    return _answer(reply.status, reply.body if method == "GET" else b"", reply.content_type, extra)


def _answer(
    status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None
) -> dict[str, Any]:
    headers = {"Content-Type": content_type, **SAFE_HEADERS, **(extra or {})}
    return {
        "statusCode": status,
        "headers": headers,
        "body": base64.b64encode(body).decode("ascii"),
        "isBase64Encoded": True,
    }


@lambda_entry("image_proxy", correlation_id_path="requestContext.requestId")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return respond(event, default_proxy())
