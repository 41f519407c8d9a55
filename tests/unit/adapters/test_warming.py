"""The relay's warm-up call: one asynchronous invocation with the tokens, or nothing."""

from __future__ import annotations

import json
from typing import Any

from parley.adapters.warming import MAX_WARM, image_warmer


class FakeLambda:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        return {"StatusCode": 202}


def test_the_stack_invokes_the_proxy_asynchronously_with_the_tokens_only() -> None:
    client = FakeLambda()
    warm = image_warmer("lambda:parley-image-proxy", lambda: client)
    assert warm is not None
    urls = [f"https://x.lambda-url.eu-west-1.on.aws/images/tok{i}.sig" for i in range(60)]
    warm(urls)
    (call,) = client.calls
    assert call["FunctionName"] == "parley-image-proxy"
    assert call["InvocationType"] == "Event"
    tokens = json.loads(call["Payload"])["warm"]
    assert tokens[:2] == ["tok0.sig", "tok1.sig"] and len(tokens) == MAX_WARM


def test_without_a_setting_there_is_no_warm_up() -> None:
    assert image_warmer("", lambda: FakeLambda()) is None
    assert image_warmer("nonsense", lambda: FakeLambda()) is None


def test_the_dev_stack_posts_the_tokens_to_the_dev_api(monkeypatch: Any) -> None:
    """`parley dev`: a GET of a proxied URL is a view (cache only), so the warm-up is a POST
    of the tokens to `<proxy URL>/warm`, from a background thread."""
    import threading
    import urllib.request

    sent: list[urllib.request.Request] = []
    done = threading.Event()

    class Answer:
        def __enter__(self) -> Answer:
            return self

        def __exit__(self, *args: object) -> None:
            done.set()

        def read(self) -> bytes:
            return b"{}"

    def urlopen(request: urllib.request.Request, timeout: float) -> Answer:
        sent.append(request)
        return Answer()

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    warm = image_warmer("http", lambda: FakeLambda())
    assert warm is not None
    warm([f"http://127.0.0.1:8025/images/tok{i}.sig" for i in range(3)])
    assert done.wait(5)
    (request,) = sent
    assert request.full_url == "http://127.0.0.1:8025/images/warm"
    assert request.get_method() == "POST"
    assert json.loads(request.data) == {"warm": ["tok0.sig", "tok1.sig", "tok2.sig"]}  # type: ignore[arg-type]
