"""The real stages' CPU per message, with AWS faked in memory (moto, in process).

Ingest runs from its SES event, filter and relay from their queue records, through the same
handler code Lambda runs. The CPU spent inside botocore's API call (request signing and
serialization, and moto playing DynamoDB, S3, SQS and SES) is taken out: what remains is
our code's own work, PynamoDB's model handling included, which is what the budget compares
with the stdlib's parse + serialize of the same bytes.
"""

from __future__ import annotations

import os
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class AwsClock:
    """CPU seconds spent inside AWS calls, for taking them out of a measurement."""

    def __init__(self) -> None:
        self.inside = 0.0

    @contextmanager
    def installed(self) -> Iterator[None]:
        import botocore.client

        real = botocore.client.BaseClient._make_api_call

        def timed(client: Any, operation: str, params: dict[str, Any]) -> Any:
            started = time.process_time()
            try:
                return real(client, operation, params)
            finally:
                self.inside += time.process_time() - started

        botocore.client.BaseClient._make_api_call = timed  # type: ignore[method-assign]
        try:
            yield
        finally:
            botocore.client.BaseClient._make_api_call = real  # type: ignore[method-assign]


class MemoryProbe:
    """Peak traced memory of a stage, with and without the AWS SDK's own buffers.

    `total` is the stage's peak. `own` leaves out what botocore allocates inside an API call
    and frees by its end (the request it serializes, e.g. SES v2's JSON with the raw mail in
    base64, and the response it parses), as the CPU figure leaves out the calls' CPU: the
    data the stage holds while it calls is counted, and so is what a call returns.
    """

    def __init__(self) -> None:
        self.own = 0
        self.total = 0

    @contextmanager
    def installed(self) -> Iterator[None]:
        import botocore.client

        real = botocore.client.BaseClient._make_api_call

        def traced(client: Any, operation: str, params: dict[str, Any]) -> Any:
            self.own = max(self.own, tracemalloc.get_traced_memory()[1])
            try:
                return real(client, operation, params)
            finally:
                self.total = max(self.total, tracemalloc.get_traced_memory()[1])
                tracemalloc.reset_peak()

        botocore.client.BaseClient._make_api_call = traced  # type: ignore[method-assign]
        tracemalloc.start()
        try:
            yield
        finally:
            peak = tracemalloc.get_traced_memory()[1]
            self.own, self.total = max(self.own, peak), max(self.total, peak)
            tracemalloc.stop()
            botocore.client.BaseClient._make_api_call = real  # type: ignore[method-assign]


class StageBench:
    """A provisioned emulated account with one registered pair; `run` sends one message
    through ingest, filter and relay and answers the stages' own CPU seconds; `peaks` the
    stages' peak memory (run it against an AWS emulation in another process, so that the
    emulation's own memory, the objects it stores, is not counted)."""

    def __init__(self, endpoint_url: str | None = None) -> None:
        from bench.localrun import LocalPipeline

        os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
        os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
        self.local = LocalPipeline(endpoint_url)
        self.statuses: list[str] = []
        self.by_stage: dict[str, float] = {"ingest": 0.0, "filter": 0.0, "relay": 0.0}

    def _receive(self, queue_url: str) -> str:
        from parley.adapters.aws import client

        sqs = client("sqs", self.local.services.settings)
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=1).get(
            "Messages", []
        )
        if not messages:
            raise RuntimeError("the previous stage queued nothing")
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=messages[0]["ReceiptHandle"])
        return str(messages[0]["Body"])

    def run(self, raw: bytes) -> float:
        from devstack.lambda_runtime import LocalContext
        from devstack.ses_inbound import store_and_describe
        from functions.filter.handler import process as filter_process
        from functions.ingest.handler import handler as ingest_handler
        from functions.relay.handler import process as relay_process

        settings = self.local.services.settings
        _ses_id, event = store_and_describe(  # what SES does before ingest runs: not ours
            raw, mail_from="bob@example.net", recipients=[self.local.order.seller_alias]
        )
        clock = AwsClock()
        spent = 0.0

        def stage(name: str, work: Any, *args: Any) -> Any:
            nonlocal spent
            inside, started = clock.inside, time.process_time()
            result = work(*args)
            own = (time.process_time() - started) - (clock.inside - inside)
            spent += own
            self.by_stage[name] += own
            return result

        with clock.installed():
            stage("ingest", ingest_handler, event, LocalContext("ingest"))
            body = self._receive(settings.filter_queue_url)
            self.statuses.append(stage("filter", filter_process, body, 1))
            body = self._receive(settings.relay_queue_url)
            self.statuses.append(stage("relay", relay_process, body, 1))
        return spent

    def peaks(self, raw: bytes) -> dict[str, MemoryProbe]:
        """Each stage's peak memory for one message (Lambda runs each in its own process:
        nothing one stage allocated lives on in the next)."""
        from devstack.lambda_runtime import LocalContext
        from devstack.ses_inbound import store_and_describe
        from functions.filter.handler import process as filter_process
        from functions.ingest.handler import handler as ingest_handler
        from functions.relay.handler import process as relay_process

        settings = self.local.services.settings
        _ses_id, event = store_and_describe(
            raw, mail_from="bob@example.net", recipients=[self.local.order.seller_alias]
        )
        probes = {name: MemoryProbe() for name in ("ingest", "filter", "relay")}
        with probes["ingest"].installed():
            ingest_handler(event, LocalContext("ingest"))
        body = self._receive(settings.filter_queue_url)
        with probes["filter"].installed():
            self.statuses.append(filter_process(body, 1))
        body = self._receive(settings.relay_queue_url)
        with probes["relay"].installed():
            self.statuses.append(relay_process(body, 1))
        return probes
