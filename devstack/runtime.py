"""`parley dev`: moto server + SMTP (as SES inbound) + queue workers + Maildir outbox."""

from __future__ import annotations

import logging
import mailbox
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devstack.dns_zone import Zone, receipt_verdicts
from devstack.lambda_runtime import LocalContext, invoke_async, sqs_lambda_event
from devstack.provision import provision
from devstack.ses_inbound import store_and_describe
from parley.mail.addresses import domain_of

log = logging.getLogger("devstack")
LOCAL_ACCOUNT = "123456789012"
RELAY_DOMAIN = "marketplace.example"
REGION = "eu-west-1"
SES_INBOUND_LIMIT = 40 * 1024 * 1024


@dataclass
class DevConfig:
    aws_port: int = 5055
    # DynamoDB's moto process (AWS_ENDPOINT_URL_DYNAMODB in dev.env); 0: a free port
    dynamodb_port: int = 0
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    outbox: Path = Path("var/outbox")
    var_dir: Path = Path("var")
    relay_domain: str = RELAY_DOMAIN
    region: str = REGION
    prefix: str = "parley"  # the same physical names as the CDK stack
    poll_seconds: float = 0.2
    reminder_seconds: float = 60.0  # the deployed schedule runs every 5 minutes
    webhook_backoff_seconds: float = 30.0  # first webhook retry; doubles up to an hour
    # Lambda runs several batches at once (the stack allows filter 10, relay 5, webhooks 5)
    # and async invocations in parallel; the workers mostly wait on moto, so two of each left
    # a 1,000-message burst queued behind them with the cores half idle.
    workers_per_queue: int = 4
    ingest_workers: int = 4
    api_host: str = "127.0.0.1"
    api_port: int = 8025  # the message center API; 0: not served
    dns_zone: Path | None = None  # TXT records over the built-in zone (SPF, DKIM, DMARC)
    remote_images: str = "strip"  # strip | keep | proxy (served by the API port at /images/)


def read_env_file(path: Path) -> dict[str, str]:
    env = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip()
    return env


class SesInboundHandler:
    """aiosmtpd handler: accepts mail for the relay domain like an SES receipt rule."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if domain_of(address) != self.stack.config.relay_domain:
            return "550 5.1.1 Recipient address rejected: no receipt rule for this domain"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        peer = session.peer[0] if isinstance(session.peer, tuple) else "127.0.0.1"
        ses_id = self.stack.receive(
            raw,
            envelope.mail_from or "",
            list(envelope.rcpt_tos),
            ip=str(peer),
            helo=str(session.host_name or ""),
        )
        return f"250 Ok: queued as {ses_id}"


class LocalStack:
    def __init__(self, config: DevConfig) -> None:
        self.config = config
        self.env: dict[str, str] = {}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._server: Any = None
        self._dynamodb_server: Any = None
        self._smtp: Any = None
        self._api: Any = None
        self._ingest_pool = ThreadPoolExecutor(
            max_workers=config.ingest_workers, thread_name_prefix="ingest"
        )
        self.zone = Zone.load(config.dns_zone)

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        from devstack.aws_process import AwsProcess, free_port

        cfg = self.config
        cfg.var_dir.mkdir(parents=True, exist_ok=True)
        zone_file = (cfg.var_dir / "dns-zone.json").resolve()
        self.zone.write(zone_file)  # what ingest's own DKIM check resolves against
        for key, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
        }.items():
            os.environ[key] = value
        # moto and the outbox in their own process, DynamoDB alone in a second one: moto's
        # work spreads over both cores (devstack/aws_process.py)
        dynamodb_port = cfg.dynamodb_port or free_port()
        self._server = AwsProcess(cfg.aws_port, cfg.outbox, cfg.region, cfg.poll_seconds)
        self._dynamodb_server = AwsProcess(dynamodb_port, None, cfg.region, cfg.poll_seconds)
        self._server.launch()
        self._dynamodb_server.launch()
        try:
            self._server.wait_ready()
            self._dynamodb_server.wait_ready()
        except RuntimeError:
            self._server.stop()
            self._dynamodb_server.stop()
            raise
        endpoint = f"http://127.0.0.1:{cfg.aws_port}"
        self.env = provision(
            prefix=cfg.prefix,
            relay_domain=cfg.relay_domain,
            region=cfg.region,
            endpoint_url=endpoint,
            dynamodb_endpoint_url=f"http://127.0.0.1:{dynamodb_port}",
            extra_env={
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_SESSION_TOKEN": "testing",
                "PARLEY_SES_REWRITES_MESSAGE_ID": "false",
                # a local receiver may listen on http://127.0.0.1 (never in the stack)
                "PARLEY_WEBHOOKS_ALLOW_LOOPBACK": "true",
                "PARLEY_WEBHOOK_BACKOFF_SECONDS": str(cfg.webhook_backoff_seconds),
                "PARLEY_SMTP": f"{cfg.smtp_host}:{cfg.smtp_port}",
                "PARLEY_OUTBOX": str(cfg.outbox.resolve()),
                "PARLEY_DNS_ZONE_FILE": str(zone_file),
                **self._remote_images_env(),
                "POWERTOOLS_SERVICE_NAME": "parley-local",
                "POWERTOOLS_METRICS_NAMESPACE": "Parley",
                "POWERTOOLS_METRICS_DISABLED": os.environ.get(
                    "POWERTOOLS_METRICS_DISABLED", "true"
                ),
            },
        )
        os.environ.update(self.env)
        self._reset_caches()
        mailbox.Maildir(str(cfg.outbox), create=True)

        from aiosmtpd.controller import Controller

        self._smtp = Controller(
            SesInboundHandler(self),
            hostname=cfg.smtp_host,
            port=cfg.smtp_port,
            data_size_limit=SES_INBOUND_LIMIT,
        )
        self._smtp.start()
        if cfg.api_port:
            from devstack.api_server import ApiServer, LocalIssuer

            issuer = LocalIssuer(cfg.var_dir / "dev-issuer.pem")
            issuer.ensure_key()
            self._api = ApiServer(cfg.api_host, cfg.api_port, issuer, aws_origin=endpoint)
            self._api.start()
        for n in range(cfg.workers_per_queue):
            self._spawn(f"filter-worker-{n}", self._worker, "filter")
            self._spawn(f"relay-worker-{n}", self._worker, "relay")
        self._spawn("webhooks-worker", self._worker, "webhooks")  # the dispatcher function
        if cfg.reminder_seconds > 0:
            self._spawn("reminders", self._reminder_loop)
        env_file = cfg.var_dir / "dev.env"
        env_file.write_text("".join(f"{k}={v}\n" for k, v in sorted(self.env.items())))

    def _remote_images_env(self) -> dict[str, str]:
        cfg = self.config
        env = {"PARLEY_REMOTE_IMAGES": cfg.remote_images}
        if cfg.remote_images == "proxy":
            if not cfg.api_port:
                raise OSError("remote images can be proxied only with the API port on")
            env["PARLEY_IMAGE_PROXY_URL"] = f"http://{cfg.api_host}:{cfg.api_port}/images"
            env["PARLEY_IMAGE_PROXY_WARM"] = "http"  # the stack invokes the proxy function
        return env

    def stop(self) -> None:
        self._stop.set()
        if self._smtp is not None:
            self._smtp.stop()
        if self._api is not None:
            self._api.stop()
        self._ingest_pool.shutdown(wait=True)
        for thread in self._threads:
            thread.join(timeout=5)
        if self._server is not None:
            self._server.stop()  # writes the outbox a last time
        if self._dynamodb_server is not None:
            self._dynamodb_server.stop()
        env_file = self.config.var_dir / "dev.env"
        if env_file.exists():
            env_file.unlink()

    @staticmethod
    def _reset_caches() -> None:
        from parley.adapters.aws import reset_clients
        from parley.app import default_services
        from parley.core.settings import get_settings

        reset_clients()
        get_settings.cache_clear()
        default_services.cache_clear()

    def _spawn(self, name: str, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    # -- SES inbound -----------------------------------------------------------------------
    def receive(
        self,
        raw: bytes,
        mail_from: str,
        recipients: list[str],
        verdicts: dict[str, str] | None = None,
        *,
        ip: str = "127.0.0.1",
        helo: str = "localhost",
    ) -> str:
        """Authenticate like SES (SPF, DKIM, DMARC against the zone) unless verdicts are
        given, store raw at the receipt rule's prefix, then invoke ingest (Event)."""
        dmarc_policy = None
        if verdicts is None:
            found = receipt_verdicts(raw, zone=self.zone, ip=ip, mail_from=mail_from, helo=helo)
            verdicts = {"spam": "PASS", "virus": "PASS", **found.statuses()}
            dmarc_policy = found.dmarc_policy
        ses_id, event = store_and_describe(
            raw,
            mail_from=mail_from,
            recipients=recipients,
            verdicts=verdicts,
            dmarc_policy=dmarc_policy,
            function_arn=f"arn:aws:lambda:{self.config.region}:{LOCAL_ACCOUNT}:function:ingest",
        )
        self._ingest_pool.submit(self._invoke_ingest, event)
        return ses_id

    def _invoke_ingest(self, event: dict[str, Any]) -> None:
        from functions.ingest.handler import handler
        from functions.ingest_failures.handler import handler as on_failure

        invoke_async(handler, event, "ingest", on_failure, backoff_s=0.5)

    # -- queue workers (event source mappings) ---------------------------------------------
    def _worker(self, stage: str) -> None:
        from parley.adapters.aws import client
        from parley.core.settings import get_settings

        if stage == "webhooks":
            from functions.dispatcher.handler import handler
        elif stage == "filter":
            from functions.filter.handler import handler
        else:
            from functions.relay.handler import handler
        settings = get_settings()
        sqs = client("sqs", settings)
        url = {
            "filter": settings.filter_queue_url,
            "relay": settings.relay_queue_url,
            "webhooks": settings.webhook_queue_url,
        }[stage]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        while not self._stop.is_set():
            try:
                messages = sqs.receive_message(
                    QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, AttributeNames=["All"]
                ).get("Messages", [])
            except Exception:
                if self._stop.is_set():
                    return
                log.exception("%s worker could not poll", stage)
                time.sleep(1)
                continue
            if not messages:
                continue
            event = sqs_lambda_event(messages, arn, settings.region)
            try:
                result = handler(event, LocalContext(stage))
                failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
            except Exception:
                log.exception("%s batch failed", stage)
                failed = {m["MessageId"] for m in messages}
            done = [m for m in messages if m["MessageId"] not in failed]
            if done:
                sqs.delete_message_batch(
                    QueueUrl=url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                        for i, m in enumerate(done)
                    ],
                )

    # -- reminders (the EventBridge schedule) ------------------------------------------------
    def _reminder_loop(self) -> None:
        from functions.reminders.handler import handler
        from parley.core.time import iso, utcnow

        while not self._stop.wait(self.config.reminder_seconds):
            try:
                handler({"scheduledTime": iso(utcnow())}, LocalContext("reminders"))
            except Exception:
                log.exception("reminder sweep failed")
