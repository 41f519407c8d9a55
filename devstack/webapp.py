"""The web message center in `parley dev`: the built page under /app/, and a local sign-in.

`/app/` serves web/dist (built by `make install`), `/app/config.json` tells the page where the
API is and that it signs in locally; `/dev/parties` lists the registered sellers and buyers
(names and ids only, never addresses) and `/dev/token` has the local issuer sign an ID token
for one of them: the stand-in for the Cognito Hosted UI the stack uses. Nothing here exists
in the deployed stack.
"""

from __future__ import annotations

import json
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WEB_DIST = Path(__file__).resolve().parent.parent / "web" / "dist"
PREFIX = "/app/"
NOT_BUILT = (
    b"The web front end is not built: run `make install` (npm ci && npm run build in web/).\n"
)
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: dict[str, str]


def security_headers(aws_origin: str) -> dict[str, str]:
    """The same strict policy as the CloudFront response-headers policy, with the local AWS
    endpoint (presigned uploads and downloads) in place of S3's."""
    csp = "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' {aws_origin}",
            f"connect-src 'self' {aws_origin}",
            "font-src 'self'",
            "manifest-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    )
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
    }


class WebApp:
    """Static files from the build, and the page's configuration."""

    def __init__(self, dist: Path, api_origin: str, aws_origin: str) -> None:
        self.dist = dist.resolve()
        self.api_origin = api_origin
        self.headers = security_headers(aws_origin)

    def config(self) -> dict[str, Any]:
        return {"api": self.api_origin, "auth": {"mode": "dev"}}

    def get(self, path: str) -> Answer:
        if path in ("/app", "/"):
            return Answer(302, b"", {"Location": PREFIX})
        relative = path[len(PREFIX) :] or "index.html"
        if relative == "config.json":
            body = json.dumps(self.config()).encode()
            return self._answer(200, body, "application/json", "no-store")
        if not (self.dist / "index.html").is_file():
            return self._answer(503, NOT_BUILT, "text/plain; charset=utf-8", "no-store")
        target = (self.dist / relative).resolve()
        if not target.is_relative_to(self.dist) or not target.is_file():
            return self._answer(404, b"not found\n", "text/plain; charset=utf-8", "no-store")
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in ("application/javascript", "image/svg+xml"):
            kind += "; charset=utf-8"
        # hashed assets never change; index.html always revalidates
        cache = (
            "public, max-age=31536000, immutable" if relative.startswith("assets/") else "no-cache"
        )
        return self._answer(200, target.read_bytes(), kind, cache)

    def _answer(self, status: int, body: bytes, kind: str, cache: str) -> Answer:
        return Answer(status, body, {**self.headers, "Content-Type": kind, "Cache-Control": cache})


def registered_parties() -> list[dict[str, str]]:
    """Every registered seller and buyer, by name and id: what the local sign-in offers."""
    from parley.models.tables import PartyModel

    items = [
        {"party": p.party_key, "kind": p.kind, "party_id": p.party_id, "name": p.name}
        for p in PartyModel.scan(attributes_to_get=["party_key", "kind", "party_id", "name"])
        if p.kind in ("seller", "buyer")
    ]
    return sorted(items, key=lambda p: (p["kind"] != "seller", p["name"].lower(), p["party_id"]))
