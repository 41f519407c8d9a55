"""The parts of the benchmark that run the real pipeline: on moto in process, and over SMTP."""

from __future__ import annotations

import smtplib
import statistics
import tempfile
import threading
import time
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.policy import SMTP
from pathlib import Path
from typing import Any

from parley.directory.registration import (
    OrderRegistration,
    PartyInfo,
    RegisteredOrder,
    register_order,
)

ORDER = "123-1234567-1234567"


def _order(store: Any) -> RegisteredOrder:
    return register_order(
        store,
        OrderRegistration(
            ORDER,
            PartyInfo("S1", "Shop", "seller@example.org"),
            PartyInfo("B1", "Bob", "bob@example.net"),
        ),
    )


def _question(alias: str, i: int) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Bob <bob@example.net>"
    message["To"] = alias
    message["Subject"] = f"Question {i} about {ORDER}"
    message["Message-ID"] = f"<bench-{i}@example.net>"
    message.set_content("Hello, can you ship the blue one instead of the red one?\n" * 20)
    return message


class LocalPipeline:
    """Provisioned like the stack, on whatever endpoint is current (moto in process here)."""

    def __init__(self, endpoint_url: str | None = None) -> None:
        import os

        from devstack.provision import provision
        from devstack.runtime import LocalStack

        env = provision(
            prefix="bench",
            relay_domain="marketplace.example",
            region="eu-west-1",
            endpoint_url=endpoint_url,
        )
        os.environ.update(env)
        LocalStack._reset_caches()
        from parley.app import default_services

        self.services = default_services()
        self.order = _order(self.services.store)

    def run(self, messages: int, burst: int = 1) -> None:
        """`burst` messages are ingested (one invocation each, as SES invokes) before the
        queues are drained: the event source mappings' batches hold up to that many."""
        import functions.ingest.handler as ingest
        from devstack.lambda_runtime import LocalContext, drain_queues
        from devstack.ses_inbound import store_and_describe

        for i in range(messages):
            raw = _question(self.order.seller_alias, i).as_bytes(policy=SMTP)
            _ses_id, event = store_and_describe(
                raw, mail_from="bob@example.net", recipients=[self.order.seller_alias]
            )
            ingest.handler(event, LocalContext("ingest"))
            if (i + 1) % burst == 0 or i + 1 == messages:
                drain_queues()


def seed_clocks(client: Any, table: str, stored: int, due: int) -> None:
    """`stored` clocks: most closed, some running but not due, `due` due before 2026-12-01."""
    from parley.responses.clocks import SHARDS

    running = max(due, stored // 100)

    def item(i: int) -> dict[str, Any]:
        base = {
            "clock_id": {"S": f"c{i}"},
            "order_id": {"S": f"o{i}"},
            "pair_id": {"S": "p"},
            "seller_id": {"S": f"S{i % 500}"},
            "buyer_id": {"S": f"B{i}"},
            "received_at": {"S": "2026-11-25T10:00:00.000Z"},
            "deadline_at": {"S": "2026-11-27T10:00:00.000Z"},
        }
        if i < stored - running:
            return base | {"status": {"S": "answered"}}
        when = "2026-11-30T10:00:00.000Z" if i >= stored - due else "2026-12-05T10:00:00.000Z"
        return base | {
            "status": {"S": "open"},
            "shard": {"S": str(i % SHARDS)},
            "next_due_at": {"S": when},
            "stages_sent": {"SS": ["first"]},
        }

    for start in range(0, stored, 25):
        client.batch_write_item(
            RequestItems={
                table: [
                    {"PutRequest": {"Item": item(i)}} for i in range(start, min(start + 25, stored))
                ]
            }
        )


def bounded_sweep(stored: int, due: int) -> int:
    from datetime import UTC, datetime

    from parley.models.tables import ClockModel
    from parley.responses.reminders import sweep

    local = LocalPipeline()
    local.services.mailer.send_raw = lambda **_: None  # type: ignore[method-assign,assignment,return-value]
    seed_clocks(
        ClockModel._get_connection().connection.client,
        local.services.settings.clocks_table,
        stored,
        due,
    )
    result = sweep(local.services, datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    return result.items_read


def smtp_load(messages: int, senders: int = 4) -> dict[str, float]:
    """SMTP in to outbox out on the local stack: throughput and latency."""
    from devstack.aws_process import free_port
    from devstack.runtime import DevConfig, LocalStack
    from parley.adapters.store import Store
    from parley.core.settings import get_settings
    from parley.pipeline.common import message_id_for

    base = Path(tempfile.mkdtemp(prefix="parley-bench-"))
    config = DevConfig(
        aws_port=free_port(),
        smtp_port=free_port(),
        outbox=base / "outbox",
        var_dir=base / "var",
        prefix="parley-bench",
        reminder_seconds=0,
        api_port=0,
        poll_seconds=0.05,
    )
    import resource

    def cpu_seconds(who: int) -> float:
        usage = resource.getrusage(who)
        return usage.ru_utime + usage.ru_stime

    own_before = cpu_seconds(resource.RUSAGE_SELF)
    children_before = cpu_seconds(resource.RUSAGE_CHILDREN)
    stack = LocalStack(config)
    stack.start()
    figures: dict[str, float] = {}
    try:
        order = _order(Store(get_settings()))
        sent_at: dict[str, float] = {}
        lock = threading.Lock()

        def sender(worker: int) -> None:
            with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=60) as smtp:
                smtp.ehlo()
                for i in range(worker, messages, senders):
                    data = _question(order.seller_alias, i).as_bytes(policy=SMTP)
                    smtp.mail("bob@example.net")
                    smtp.rcpt(order.seller_alias)
                    started = time.perf_counter()
                    _code, reply = smtp.data(data)
                    ses_id = reply.decode().rsplit(" ", 1)[-1]
                    with lock:
                        sent_at[message_id_for(ses_id, order.seller_alias)] = started

        started = time.perf_counter()
        threads = [threading.Thread(target=sender, args=(w,)) for w in range(senders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        arrived: dict[str, float] = {}  # message id -> when its copy reached the outbox
        seen: set[str] = set()
        parser = BytesHeaderParser()
        deadline = time.perf_counter() + 900
        while time.perf_counter() < deadline and not all(k in arrived for k in sent_at):
            for path in (config.outbox / "new").iterdir():
                if path.name in seen:
                    continue
                seen.add(path.name)
                message_id = str(parser.parsebytes(path.read_bytes())["Message-ID"]).strip("<>")
                arrived[message_id.split("@")[0]] = time.perf_counter()
            time.sleep(0.05)
        latencies = [(arrived[k] - sent_at[k]) * 1000 for k in sent_at if k in arrived]
        if len(latencies) < 2:
            raise RuntimeError(f"only {len(latencies)} of {messages} messages came out")
        elapsed = max(arrived[k] for k in sent_at if k in arrived) - started
        figures = {
            "e2e_messages": float(len(latencies)),
            "e2e_throughput_msgs_per_s": round(len(latencies) / elapsed, 2),
            "e2e_p50_ms": round(statistics.median(latencies), 1),
            "e2e_p99_ms": round(statistics.quantiles(latencies, n=100)[98], 1),
        }
    finally:
        stack.stop()
    # CPU per message, whatever the neighbours do: this process (SMTP server and client,
    # handlers, workers) and the AWS emulation's process (moto, outbox)
    count = figures["e2e_messages"]
    figures["e2e_cpu_ms_per_message_stack"] = round(
        (cpu_seconds(resource.RUSAGE_SELF) - own_before) * 1000 / count, 1
    )
    figures["e2e_cpu_ms_per_message_aws"] = round(
        (cpu_seconds(resource.RUSAGE_CHILDREN) - children_before) * 1000 / count, 1
    )
    return figures
