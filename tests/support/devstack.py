"""`parley dev` as a subprocess on free ports, and the CLI calls the e2e tests make."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from devstack.aws_process import free_port

PARLEY = [sys.executable, "-m", "parley.cli"]


class DevStack:
    def __init__(self, root: Path, *extra_args: str) -> None:
        self.root = root
        self.extra_args = extra_args  # more `parley dev` options
        self.outbox = root / "outbox"
        self.var = root / "var"
        self.aws_port, self.smtp_port, self.api_port = free_port(), free_port(), free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PARLEY_"))}
        self.process = subprocess.Popen(
            [
                *PARLEY,
                "dev",
                "--aws-port",
                str(self.aws_port),
                "--smtp-port",
                str(self.smtp_port),
                "--outbox",
                str(self.outbox),
                "--var-dir",
                str(self.var),
                "--api-port",
                str(self.api_port),
                *self.extra_args,
            ],
            env=env,
            stdout=(self.root / "dev.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while not (self.var / "dev.env").exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "parley dev did not start:\n" + (self.root / "dev.log").read_text()
                )
            time.sleep(0.2)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PARLEY_"))}
        return subprocess.run(
            [*PARLEY, *args, "--env-file", str(self.var / "dev.env")],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def token(self, party: str) -> str:
        """A token from the local issuer, as `parley token` prints it."""
        result = subprocess.run(
            [*PARLEY, "token", party, "--var-dir", str(self.var)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=30)


def order_args(
    order: str = "123-1234567-1234567",
    buyer: tuple[str, str, str] = ("B1", "Bob", "bob@example.net"),
    locale: str | None = "de-DE",
) -> list[str]:
    """`parley orders add` for seller S1 and a buyer."""
    return [
        "orders",
        "add",
        "--order-id",
        order,
        "--seller-id",
        "S1",
        "--seller-name",
        "Shop",
        "--seller-email",
        "seller@example.org",
        "--buyer-id",
        buyer[0],
        "--buyer-name",
        buyer[1],
        "--buyer-email",
        buyer[2],
        *(["--locale", locale] if locale else []),
    ]


def register(dev: DevStack, *args: Any, **kwargs: Any) -> dict[str, str]:
    """Register through the CLI; the aliases it printed."""
    result = dev.cli(*order_args(*args, **kwargs))
    assert result.returncode == 0, result.stderr
    aliases: dict[str, str] = json.loads(result.stdout)
    return aliases
