"""Have the image proxy fetch a relayed copy's images right after it was sent.

Without this the sender's image server sees the proxy's request when the recipient first opens
the mail (the time of reading, if not who or where). With it the request comes when the
relay sends, which the sender knows anyway. Best effort: a failure here leaves the images to be
fetched on first view.

- `lambda:<function name>` (the stack): one asynchronous invocation of the proxy function with
  the tokens (`{"warm": [...]}`); the relay waits for Lambda's acceptance only.
- `http` (`parley dev` only): GET each proxied URL from a background thread.
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

        def get_all(urls: list[str]) -> None:
            def run() -> None:
                for url in urls[:MAX_WARM]:
                    try:
                        with urllib.request.urlopen(url, timeout=30) as answer:
                            answer.read()
                    except OSError:
                        continue

            threading.Thread(target=run, name="image-warm", daemon=True).start()

        return get_all
    return None
