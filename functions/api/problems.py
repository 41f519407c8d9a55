"""Every error of the message center as an RFC 9457 problem document.

One shape at the edge, whatever raised it: the center's own errors, the request validator,
Powertools' service errors (401, 404 for an unknown route) and the media-type check.
`type` is a URN per kind of problem (listed in the README); `field` names the one request
field at fault, when there is one, so a form can show the error next to it.
"""

from __future__ import annotations

import json
from typing import Any

MEDIA_TYPE = "application/problem+json"

TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed for this role",
    404: "Not found",
    405: "Method not allowed",
    409: "Not allowed now",
    413: "Too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal error",
}
SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "not-allowed-now",
    413: "too-large",
    415: "unsupported-media-type",
    422: "invalid-input",
    429: "too-many-requests",
    500: "internal-error",
}


def problem(status: int, detail: str, field: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"urn:parley:problem:{SLUGS.get(status, 'error')}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if field:
        body["field"] = field
    return body


def field_of(location: Any) -> str | None:
    """Powertools/pydantic error location -> `attachment_ids[0]`, `next`, `text`."""
    parts = [p for p in (location or ()) if p not in ("body", "query", "path", "header")]
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or None


def validation_problem(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """The first error names the field; every error is listed for clients that want them all."""
    first = errors[0] if errors else {}
    field = field_of(first.get("loc"))
    detail = str(first.get("msg") or "invalid request")
    body = problem(422, f"{field}: {detail}" if field else detail, field)
    body["errors"] = [
        {"field": field_of(e.get("loc")), "detail": str(e.get("msg") or "")} for e in errors
    ]
    return body


def lambda_response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    """A proxy-integration response, for errors raised before the resolver runs."""
    return {
        "statusCode": status,
        "headers": {"Content-Type": MEDIA_TYPE},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }
