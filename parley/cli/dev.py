"""`parley dev`, `demo`, `token`, `openapi`: the local stack and its helpers."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from contextlib import redirect_stdout
from pathlib import Path
from typing import Annotated

import typer

from parley.cli.common import fail


def dev(
    aws_port: Annotated[int, typer.Option(help="Port of the moto server (AWS APIs).")] = 5055,
    dynamodb_port: Annotated[
        int, typer.Option(help="Port of DynamoDB's own moto server (0: a free port).")
    ] = 0,
    smtp_host: Annotated[
        str, typer.Option(help="Address the SMTP server listens on.")
    ] = "127.0.0.1",
    smtp_port: Annotated[
        int, typer.Option(help="Port of the SMTP server (plays SES inbound).")
    ] = 2525,
    outbox: Annotated[Path, typer.Option(help="Maildir that receives what SES sent.")] = Path(
        "var/outbox"
    ),
    var_dir: Annotated[Path, typer.Option(help="Where dev.env is written.")] = Path("var"),
    relay_domain: Annotated[
        str, typer.Option(help="Domain of the aliases.")
    ] = "marketplace.example",
    reminder_seconds: Annotated[
        float, typer.Option(help="Seconds between reminder sweeps (0: none).")
    ] = 60.0,
    api_port: Annotated[
        int, typer.Option(help="Port of the message center API on 127.0.0.1 (0: none).")
    ] = 8025,
    webhook_backoff_seconds: Annotated[
        float, typer.Option(help="First webhook retry delay (doubles up to an hour).")
    ] = 30.0,
    dns_zone: Annotated[
        Path | None,
        typer.Option(
            help='JSON {"name": ["TXT record", ...]} over the built-in zone: the DNS that SPF, '
            "DKIM and DMARC are checked against."
        ),
    ] = None,
    remote_images: Annotated[
        str,
        typer.Option(
            help="Remote images in relayed HTML: strip, keep or proxy (served by the API "
            "port at /images/, which may also fetch from 127.0.0.1)."
        ),
    ] = "strip",
) -> None:
    """Run the whole system locally in the foreground until Ctrl-C."""
    from devstack.dns_zone import ZoneError, read_zone_file
    from devstack.runtime import DevConfig, LocalStack

    if dns_zone is not None:
        try:
            read_zone_file(dns_zone)
        except ZoneError as exc:
            fail(str(exc))

    if remote_images not in ("strip", "keep", "proxy"):
        fail(f"--remote-images {remote_images!r} must be strip, keep or proxy")
    config = DevConfig(
        aws_port=aws_port,
        dynamodb_port=dynamodb_port,
        smtp_host=smtp_host,
        smtp_port=smtp_port,
        outbox=outbox,
        var_dir=var_dir,
        relay_domain=relay_domain,
        reminder_seconds=reminder_seconds,
        api_port=api_port,
        webhook_backoff_seconds=webhook_backoff_seconds,
        dns_zone=dns_zone,
        remote_images=remote_images,
    )
    stack = LocalStack(config)
    stopped = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        stack.start()
    except OSError as exc:
        fail(f"could not start the local stack: {exc}")
    typer.echo(
        f"parley dev: AWS APIs on http://127.0.0.1:{aws_port} (DynamoDB on "
        f"{stack.env['AWS_ENDPOINT_URL_DYNAMODB']}), SMTP on "
        f"{smtp_host}:{smtp_port}, outbox {outbox}/new, settings in {var_dir}/dev.env"
    )
    if api_port:
        typer.echo(
            f"message center API on http://127.0.0.1:{api_port} "
            f"(OpenAPI at /openapi.json; tokens: parley token seller:ID)"
        )
        typer.echo(f"web message center on http://127.0.0.1:{api_port}/app/ (sign in as any party)")
        if remote_images == "proxy":
            typer.echo(f"image proxy on http://127.0.0.1:{api_port}/images/ (remoteImages: proxy)")
    typer.echo("Ctrl-C stops it.")
    sys.stdout.flush()
    stopped.wait()
    typer.echo("stopping…")
    stack.stop()


def token(
    party: Annotated[str, typer.Argument(help="seller:ID or buyer:ID")],
    hours: Annotated[float, typer.Option(help="How long the token is valid.")] = 1.0,
    var_dir: Annotated[Path, typer.Option(help="Where `parley dev` keeps its key.")] = Path("var"),
) -> None:
    """Print a token for the local message center API (the local stand-in for Cognito)."""
    from devstack.api_server import LocalIssuer
    from parley.center.service import Principal

    if Principal.from_claim(party) is None:
        fail(f"{party!r} is not seller:ID or buyer:ID")
    try:
        typer.echo(LocalIssuer(var_dir / "dev-issuer.pem").token(party, int(hours * 3600)))
    except FileNotFoundError as exc:
        fail(str(exc))


def openapi() -> None:
    """Print the message center API's OpenAPI document (generated from the handler's routes)."""
    from devstack.api_server import openapi_json

    typer.echo(openapi_json())


def demo() -> None:
    """Run a scripted conversation through the real pipeline on a private local stack."""
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    from devstack.demo import browser_hint, print_table, run_demo

    log_path = Path("var/dev.log")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    typer.echo(f"demo: running a scripted conversation on a private local stack (logs: {log_path})")
    # Handler logs and EMF metric lines are written to stdout, as in Lambda: here they go to
    # the log file, so the terminal shows the demo's own lines and the table only.
    with log_path.open("a", encoding="utf-8") as log_file, redirect_stdout(log_file):
        root = logging.getLogger()
        to_file = logging.StreamHandler(log_file)
        root.addHandler(to_file)
        try:
            steps = run_demo()
        finally:
            root.removeHandler(to_file)
    print_table(steps)
    wrong = [s for s in steps if not s.ok]
    if wrong:
        fail("; ".join(f"{s.title}: expected {s.expected}, got {s.status}" for s in wrong))
    typer.echo("demo: every step ended as expected.")
    typer.echo(browser_hint())


COMMANDS = [dev, token, openapi, demo]
