"""The emulated AWS (moto's server) in its own process, with the outbox beside SES's sent list.

One interpreter for moto and for the handlers made them share one core (the GIL): every
AWS call's server side competed with the stages' own work. In its own process moto gets the
second core. The outbox must live here, because what SES "sent" is moto's memory.

`parley dev` runs two: DynamoDB alone in the second (its own endpoint,
AWS_ENDPOINT_URL_DYNAMODB), so moto's work spreads over both cores. Each service lives in
exactly one process; nothing in the stack crosses from DynamoDB into another service inside
moto (EventBridge -> SQS and SES's sent list stay together in the first).

Run by LocalStack (`AwsProcess`); `python -m devstack.aws_process PORT OUTBOX REGION POLL`
(OUTBOX `-`: none, the DynamoDB process). Ends when told to (SIGTERM) or when its parent goes
away (its stdin closes), writing the outbox a last time.
"""

from __future__ import annotations

import logging
import mailbox
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from email.utils import getaddresses
from pathlib import Path
from typing import Any

LOCAL_ACCOUNT = "123456789012"


class Outbox:
    """Writes what SES accepted since the last call into a Maildir, one file per recipient."""

    def __init__(self, path: Path, region: str) -> None:
        self.path = path
        self.region = region
        self._index = 0
        self._lock = threading.Lock()

    def flush(self) -> int:
        from moto.ses.models import ses_backends

        with self._lock:
            backend = ses_backends[LOCAL_ACCOUNT][self.region]
            sent = backend.sent_messages[self._index :]
            self._index += len(sent)
            box = mailbox.Maildir(str(self.path), create=True)
            written = 0
            for message in sent:
                raw = getattr(message, "raw_data", None)
                if raw is None:
                    continue
                data = raw.encode("utf-8") if isinstance(raw, str) else raw
                recipients = {addr.lower() for _, addr in getaddresses(message.destinations)}
                for _recipient in sorted(a for a in recipients if a):
                    box.add(data)
                    written += 1
            return written


def serve(port: int, outbox: Path | None, region: str, poll_seconds: float) -> None:
    from devstack.atomic_writes import serialize_moto_dynamodb_writes
    from devstack.moto_tuning import MotoServer, tune_moto

    serialize_moto_dynamodb_writes()
    tune_moto()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per AWS call is noise
    server = MotoServer("127.0.0.1", port)
    server.start()
    box = Outbox(outbox, region) if outbox is not None else None
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def watch_parent() -> None:
        sys.stdin.read()  # returns when the parent closes the pipe or dies
        stop.set()

    threading.Thread(target=watch_parent, daemon=True).start()
    while not stop.wait(poll_seconds):
        if box is not None:
            box.flush()
    if box is not None:
        box.flush()
    server.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class AwsProcess:
    """Starts and stops the child process; `start` returns once the endpoint answers
    (`launch` + `wait_ready`: several start at once)."""

    def __init__(self, port: int, outbox: Path | None, region: str, poll_seconds: float) -> None:
        self.port = port
        self.outbox = outbox
        self.region = region
        self.poll_seconds = poll_seconds
        self._process: subprocess.Popen[Any] | None = None

    def start(self, timeout_s: float = 60) -> None:
        self.launch()
        self.wait_ready(timeout_s)

    def launch(self) -> None:
        root = str(Path(__file__).resolve().parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "devstack.aws_process",
                str(self.port),
                str(self.outbox.resolve()) if self.outbox is not None else "-",
                self.region,
                str(self.poll_seconds),
            ],
            stdin=subprocess.PIPE,
            env=env,
        )

    def wait_ready(self, timeout_s: float = 60) -> None:
        assert self._process is not None, "launch first"
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"the AWS emulation exited with {self._process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the AWS emulation did not answer on port {self.port}")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()  # the child writes the outbox a last time
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdin is not None:
            process.stdin.close()


if __name__ == "__main__":
    serve(
        int(sys.argv[1]),
        None if sys.argv[2] == "-" else Path(sys.argv[2]),
        sys.argv[3],
        float(sys.argv[4]),
    )
