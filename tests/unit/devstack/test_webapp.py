"""`parley dev`'s /app/: the built files, its config, the headers, and nothing outside dist."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devstack.webapp import WebApp


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "dist" / "assets").mkdir(parents=True)
    (tmp_path / "dist" / "index.html").write_text("<!doctype html><h1>page</h1>")
    (tmp_path / "dist" / "assets" / "index-abc.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("not for the browser")
    return tmp_path / "dist"


def test_the_page_its_assets_and_its_config(dist: Path) -> None:
    web = WebApp(dist, api_origin="", aws_origin="http://127.0.0.1:5055")
    page = web.get("/app/")
    assert (page.status, page.body) == (200, b"<!doctype html><h1>page</h1>")
    assert page.headers["Content-Type"].startswith("text/html")
    assert page.headers["Cache-Control"] == "no-cache"
    asset = web.get("/app/assets/index-abc.js")
    assert asset.status == 200 and "immutable" in asset.headers["Cache-Control"]
    config = json.loads(web.get("/app/config.json").body)
    assert config == {"api": "", "auth": {"mode": "dev"}}
    assert web.get("/").status == 302 and web.get("/app").headers["Location"] == "/app/"


def test_strict_headers_on_every_answer(dist: Path) -> None:
    web = WebApp(dist, api_origin="", aws_origin="http://127.0.0.1:5055")
    for path in ("/app/", "/app/config.json", "/app/missing.js"):
        headers = web.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert (
            "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        )
        assert "connect-src 'self' http://127.0.0.1:5055" in csp  # presigned S3 uploads
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "path", ["/app/../secret.txt", "/app/assets/../../secret.txt", "/app/%2e%2e/secret.txt"]
)
def test_nothing_outside_the_build_is_served(dist: Path, path: str) -> None:
    web = WebApp(dist, api_origin="", aws_origin="http://127.0.0.1:5055")
    answer = web.get(path)
    assert answer.status == 404 and b"not for the browser" not in answer.body


def test_an_unbuilt_page_says_how_to_build_it(tmp_path: Path) -> None:
    answer = WebApp(tmp_path / "nothing", api_origin="", aws_origin="x").get("/app/")
    assert answer.status == 503 and b"make install" in answer.body
