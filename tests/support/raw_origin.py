"""A raw-socket origin on 127.0.0.1 for answers no HTTP server library would write: odd
header values, header lines trickled one at a time. Each connection runs `answer` in a thread;
`hits` records when each connection arrived."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

Answer = Callable[[socket.socket], None]


@dataclass
class RawOrigin:
    port: int
    hits: list[float] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@contextmanager
def raw_origin(answer: Answer) -> Iterator[RawOrigin]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    origin = RawOrigin(server.getsockname()[1])

    def loop() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            origin.hits.append(time.time())
            threading.Thread(target=_run, args=(answer, conn), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()
    try:
        yield origin
    finally:
        server.close()


def _run(answer: Answer, conn: socket.socket) -> None:
    try:
        conn.recv(65536)
        answer(conn)
    except OSError:  # the client gave up first (that is what the deadline tests expect)
        pass
    finally:
        conn.close()


def only_loopback(origin: RawOrigin) -> Callable[[object, int], bool]:
    return lambda address, port: str(address) == "127.0.0.1" and port == origin.port
