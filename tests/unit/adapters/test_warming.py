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
