"""Have the image proxy fetch a relayed copy's images right after it was sent.

Without this the sender's image server sees the proxy's request when the recipient first opens
the mail (the time of reading, if not who or where). With it the request comes when the
relay sends, which the sender knows anyway. If it fails, the relay logs it and that copy's
images stay unavailable: views are served from the cache only and never reach the origin
(README, "Openings are served from the cache only").

- `lambda:<function name>` (the stack): one asynchronous invocation of the proxy function with
  the tokens (`{"warm": [...]}`); the relay waits for Lambda's acceptance only.
- `http` (`parley dev` only): POST the tokens to the dev API's `<proxy URL>/warm` from a
  background thread (a GET of a proxied URL is a view: served from the cache only).
"""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Callable
from typing import Any

MAX_WARM = 50  # images per message the proxy is asked to fetch ahead
Warmer = Callable[[list[str]], None]


def image_warmer(spec: str, lambda_client: Callable[[], Any]) -> Warmer | None:
    if spec.startswith("lambda:"):
        function = spec.removeprefix("lambda:")

        def invoke(urls: list[str]) -> None:
            tokens = [url.rsplit("/", 1)[-1] for url in urls[:MAX_WARM]]
            lambda_client().invoke(
                FunctionName=function,
                InvocationType="Event",
                Payload=json.dumps({"warm": tokens}).encode(),
            )

        return invoke
    if spec == "http":

        def post(urls: list[str]) -> None:
            if not urls:
                return
            base = urls[0].rsplit("/", 1)[0]
            tokens = [url.rsplit("/", 1)[-1] for url in urls[:MAX_WARM]]
            request = urllib.request.Request(
                f"{base}/warm",
                data=json.dumps({"warm": tokens}).encode(),
                headers={"Content-Type": "application/json"},
                method="POST",
            )

            def run() -> None:
                try:
                    with urllib.request.urlopen(request, timeout=120) as answer:
                        answer.read()
                except OSError:
                    pass

            threading.Thread(target=run, name="image-warm", daemon=True).start()

        return post
    return None
