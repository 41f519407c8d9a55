"""`make bench`: the budgets of DESIGN.md, measured as ratios in one run.

Writes bench/results.json and prints a table. Machines here are small and noisy: CPU figures
are the minimum over repeated samples, import times the median of fresh interpreters.
"""

from __future__ import annotations

import functools
import json
import math
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.compute import floor, pipeline  # noqa: E402
from bench.fixtures import html_30k, large_pdf, small_plain  # noqa: E402

RESULTS = Path(os.environ.get("BENCH_RESULTS") or ROOT / "bench" / "results.json")
# On-demand list prices, us-east-1 (USD): what one million of each unit costs.
PRICES = {
    "ses_outbound_per_message": 0.10 / 1000,
    "ses_inbound_per_message": 0.10 / 1000,
    "dynamodb_write_request": 0.625 / 1e6,
    "dynamodb_read_request": 0.125 / 1e6,
    "s3_put": 0.005 / 1000,
    "s3_get": 0.0004 / 1000,
    "sqs_request": 0.40 / 1e6,
    "eventbridge_event": 1.00 / 1e6,  # custom events on the default bus, per 64 KB entry
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_second_arm64": 0.0000133334,
}
# Calls the test harness makes that a deployment does not (the event source mapping knows
# its queue's ARN).
HARNESS_ONLY = {("sqs", "GetQueueAttributes")}
DYNAMODB_READS = {"GetItem", "Query", "BatchGetItem"}
DYNAMODB_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


def cpu_seconds(work: Callable[[], object], repeat: int, samples: int = 5) -> float:
    best = float("inf")
    for _ in range(samples):
        start = time.process_time()
        for _ in range(repeat):
            work()
        best = min(best, (time.process_time() - start) / repeat)
    return best


def _bench_environment() -> None:
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION="eu-west-1",
        POWERTOOLS_METRICS_DISABLED="true",
        POWERTOOLS_LOG_LEVEL="ERROR",
    )


def cpu_ratios(samples: int = 3) -> dict[str, float]:
    """The real stages (bench/stages.py: ingest, filter and relay handlers on moto, the AWS
    calls' own CPU taken out) against the stdlib's parse + serialize of the same bytes; the
    best of `samples` averages. `compute_*` is the old mirror of the parse/compose path
    alone (bench/compute.py), kept to show what the rest of the stages' work costs."""
    from moto import mock_aws

    from bench.stages import StageBench

    _bench_environment()
    figures: dict[str, float] = {}
    with mock_aws():
        stages = StageBench()
        for name, raw, repeat in (
            ("small", small_plain(), 25),
            ("html", html_30k(), 10),
            ("large", large_pdf(), 1),
        ):
            stages.run(raw)  # warm: first-use caches (policy, deadlines, clients)
            stages.by_stage = dict.fromkeys(stages.by_stage, 0.0)
            runs = repeat * samples
            ours = min(sum(stages.run(raw) for _ in range(repeat)) / repeat for _ in range(samples))
            base = cpu_seconds(functools.partial(floor, raw), max(repeat, 5))
            mirror = cpu_seconds(functools.partial(pipeline, raw, {}), max(repeat, 5))
            figures[f"bytes_{name}"] = len(raw)
            figures[f"floor_ms_{name}"] = round(base * 1000, 3)
            figures[f"pipeline_ms_{name}"] = round(ours * 1000, 3)
            figures[f"cpu_ratio_{name}"] = round(ours / base, 3)
            figures[f"compute_only_ratio_{name}"] = round(mirror / base, 3)
            for stage, seconds in stages.by_stage.items():  # the average, not the best
                figures[f"cpu_ms_{stage}_{name}"] = round(seconds / runs * 1000, 3)
        if set(stages.statuses) != {"filtered", "delivered"}:
            raise RuntimeError(f"the benchmark messages did not go through: {stages.statuses}")
    return figures


def peak_memory() -> dict[str, float]:
    """Peak of the hungriest real stage for the 10 MB message: the ingest handler from its
    SES event, filter and relay from their queue records (bench/stages.py), each traced on
    its own, AWS emulated in another process (moto's stored objects are not the stage's).
    `peak_memory_ratio_large` leaves out the AWS SDK's buffers inside its calls (see
    MemoryProbe); `..._with_sdk` counts them. The raw mail the stage reads is counted."""
    import socket
    import tempfile

    from bench.stages import StageBench
    from devstack.aws_process import AwsProcess

    _bench_environment()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    raw = large_pdf()
    saved = dict(os.environ)
    with tempfile.TemporaryDirectory() as outbox:
        server = AwsProcess(port, Path(outbox) / "outbox", "eu-west-1", poll_seconds=3600)
        server.start()
        try:
            stages = StageBench(f"http://127.0.0.1:{port}")
            stages.run(small_plain())  # warm: first-use caches (policy, clients)
            peaks = stages.peaks(raw)
        finally:
            server.stop()
            # the pipeline's env names that server's endpoint (AWS_ENDPOINT_URL): the later
            # steps run on moto in process and must not call the stopped server
            os.environ.clear()
            os.environ.update(saved)
    if set(stages.statuses) != {"filtered", "delivered"}:
        raise RuntimeError(f"the benchmark message did not go through: {stages.statuses}")
    own = {name: probe.own for name, probe in peaks.items()}
    total = {name: probe.total for name, probe in peaks.items()}
    return {
        **{f"peak_memory_mb_{k}": round(v / 2**20, 1) for k, v in own.items()},
        **{f"peak_memory_mb_{k}_with_sdk": round(v / 2**20, 1) for k, v in total.items()},
        "peak_memory_ratio_large": round(max(own.values()) / len(raw), 3),
        "peak_memory_ratio_large_with_sdk": round(max(total.values()) / len(raw), 3),
    }


def _import_cpu_seconds(statements: dict[str, str], rounds: int = 9) -> dict[str, float]:
    """CPU seconds each statement takes in a fresh interpreter, the best of `rounds`.

    CPU time, not wall time: on a shared machine the wall clock measures the neighbours
    (`import boto3` alone varied from 231 to 375 ms within a minute). Rounds interleave the
    statements, so that each ratio compares samples taken under the same load. A first,
    uncounted round writes the bytecode caches: a module edited since its last import would
    otherwise be compiled from source in every sample, as the libraries' modules never are.
    """
    env = dict(os.environ)
    best = dict.fromkeys(statements, float("inf"))
    for round_ in range(rounds + 1):
        for name, statement in statements.items():
            code = f"import time; t = time.process_time(); {statement}; "
            code += "print(time.process_time() - t)"
            out = subprocess.run(
                [sys.executable, "-c", code],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
                env=env,
            ).stdout
            if round_:
                best[name] = min(best[name], float(out))
    return best


MAIL_FUNCTIONS = ("ingest", "filter", "relay", "reminders", "feedback", "ingest_failures")


def cold_imports() -> dict[str, float]:
    statements = {"boto3": "import boto3"}
    statements |= {fn: f"import functions.{fn}.handler" for fn in (*MAIL_FUNCTIONS, "api")}
    statements["tracer_enabled"] = (
        "import functions.ingest.handler; from aws_lambda_powertools import Tracer; "
        "Tracer(service='x', disabled=True)"
    )
    seconds = _import_cpu_seconds(statements)
    boto3 = seconds["boto3"]
    figures = {f"import_ms_{name}": round(value * 1000, 1) for name, value in seconds.items()}
    figures["cold_import_ratio_max"] = round(max(seconds[fn] for fn in MAIL_FUNCTIONS) / boto3, 3)
    figures["cold_import_ratio_api"] = round(seconds["api"] / boto3, 3)
    return figures


def package_sizes() -> dict[str, float]:
    """Each function's deployment package, unzipped (what Lambda's 250 MB limit counts).

    Built as `make synth` builds them (arm64 wheels, pip's cache, rebuilt only on change).
    """
    from infra.bundling import build_asset, unzipped_bytes

    assets = build_asset(ROOT / "cdk.out" / ".parley-assets")
    sizes = {
        f"package_mb_{d.name}": round(unzipped_bytes(d.resolve()) / 2**20, 1)
        for d in sorted(assets.iterdir())
        if d.is_dir()
    }
    return {**sizes, "package_mb_max": max(sizes.values())}


# Latency of one call from Lambda in the same region (ms): assumed, not measured (there is no
# AWS account here). Typical p50s of warm keep-alive connections for items and objects of a
# few KB: DynamoDB single-digit ms, S3 tens of ms (a PUT a bit more than a GET), SES's send
# the slowest. A stage waits for these; Lambda bills the wait.
LATENCY_MS = {
    "dynamodb": 5.0,
    ("dynamodb", "BatchWriteItem"): 8.0,
    ("dynamodb", "TransactWriteItems"): 10.0,
    ("s3", "GetObject"): 15.0,
    ("s3", "PutObject"): 25.0,
    "s3": 15.0,
    "sqs": 10.0,
    "sesv2": 40.0,
    "events": 15.0,
}
STAGES = ("ingest", "filter", "relay")


def _latency_ms(service: str, operation: str) -> float:
    return LATENCY_MS.get((service, operation), LATENCY_MS.get(service, 10.0))


class _Meter:
    """AWS calls counted (per service and operation, and per stage), and each stage's CPU:
    its own, the SDK's (botocore's signing, serializing and parsing, moto's CPU taken out)."""

    def __init__(self) -> None:
        self.calls: Counter[tuple[str, str]] = Counter()
        self.read_units = 0.0
        self.read_items = 0
        self.write_units = 0.0
        self.events = 0
        self.stage: str | None = None
        self.invocations: Counter[str] = Counter()
        self.cpu: dict[str, float] = dict.fromkeys(STAGES, 0.0)  # the stage's own CPU seconds
        self.sdk: dict[str, float] = dict.fromkeys(STAGES, 0.0)  # in the SDK, moto's taken out
        self.waited: dict[str, float] = dict.fromkeys(STAGES, 0.0)  # assumed latency, ms
        self.moto_inside = 0.0

    def count(self, service: str, operation: str, params: dict[str, Any]) -> None:
        self.calls[(service, operation)] += 1
        if self.stage:
            self.waited[self.stage] += _latency_ms(service, operation)
        if (service, operation) == ("events", "PutEvents"):
            self.events += len(params.get("Entries", []))
        if service != "dynamodb":
            return
        if operation in {"GetItem", "Query"}:
            # a strongly consistent read of up to 4 KB is one unit, an eventual one half
            self.read_units += 1.0 if params.get("ConsistentRead") else 0.5
            self.read_items += 1
        elif operation == "BatchGetItem":
            # billed per item, as if each were read on its own
            for spec in params.get("RequestItems", {}).values():
                keys = len(spec.get("Keys", []))
                self.read_units += keys * (1.0 if spec.get("ConsistentRead") else 0.5)
                self.read_items += keys
        elif operation == "BatchWriteItem":
            self.write_units += sum(len(v) for v in params.get("RequestItems", {}).values())
        elif operation == "TransactWriteItems":
            self.write_units += 2 * len(params.get("TransactItems", []))  # transactions: 2x
        elif operation in DYNAMODB_WRITES:
            self.write_units += 1

    @contextmanager
    def installed(self) -> Iterator[None]:
        import botocore.client
        from moto.core.botocore_stubber import BotocoreStubber

        import functions.filter.handler
        import functions.ingest.handler
        import functions.relay.handler

        real_call = botocore.client.BaseClient._make_api_call
        real_stub = BotocoreStubber.__call__
        modules: dict[str, Any] = {
            "ingest": functions.ingest.handler,
            "filter": functions.filter.handler,
            "relay": functions.relay.handler,
        }
        handlers = {name: module.handler for name, module in modules.items()}
        meter = self

        def call(client: Any, operation: str, params: dict[str, Any]) -> Any:
            service = client.meta.service_model.service_name
            if (service, operation) in HARNESS_ONLY:
                return real_call(client, operation, params)
            moto_before, started = meter.moto_inside, time.process_time()
            try:
                result = real_call(client, operation, params)
            finally:
                if meter.stage:
                    inside = time.process_time() - started - (meter.moto_inside - moto_before)
                    meter.sdk[meter.stage] += inside
            # Only receives that return messages: the harness polls each queue until it is
            # empty; a deployment's empty long polls come per second, not per message.
            if (service, operation) != ("sqs", "ReceiveMessage") or result.get("Messages"):
                meter.count(service, operation, params)
            return result

        def stub(stubber: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return real_stub(stubber, *args, **kwargs)
            finally:
                meter.moto_inside += time.process_time() - started

        def staged(name: str) -> Callable[[Any, Any], Any]:
            def run(event: Any, context: Any) -> Any:
                meter.stage, started, sdk = name, time.process_time(), meter.sdk[name]
                outside = meter.moto_inside
                try:
                    return handlers[name](event, context)
                finally:
                    spent = time.process_time() - started - (meter.moto_inside - outside)
                    meter.cpu[name] += spent - (meter.sdk[name] - sdk)
                    meter.invocations[name] += 1
                    meter.stage = None

            return run

        botocore.client.BaseClient._make_api_call = call  # type: ignore[method-assign]
        BotocoreStubber.__call__ = stub  # type: ignore[method-assign,assignment]
        for name, module in modules.items():
            module.handler = staged(name)
        try:
            yield
        finally:
            botocore.client.BaseClient._make_api_call = real_call  # type: ignore[method-assign]
            BotocoreStubber.__call__ = real_stub  # type: ignore[method-assign]
            for name, module in modules.items():
                module.handler = handlers[name]


def _lambda_costs(meter: _Meter, messages: int) -> dict[str, float]:
    """Per message and stage: invocations, billed duration at the stack's memory (CPU scaled
    to the memory's share of a vCPU, plus the calls' assumed latency), GB-seconds."""
    from infra.sizing import ONE_VCPU_MB, PIPELINE_MEMORY_MB

    figures: dict[str, float] = {}
    for stage in STAGES:
        invocations = meter.invocations[stage]
        memory = PIPELINE_MEMORY_MB[stage]
        slower = max(1.0, ONE_VCPU_MB / memory)
        cpu_ms = (meter.cpu[stage] + meter.sdk[stage]) * 1000 / invocations
        billed_ms = math.ceil(cpu_ms * slower + meter.waited[stage] / invocations)
        figures[f"lambda_memory_mb_{stage}"] = memory
        figures[f"lambda_cpu_ms_{stage}"] = round(cpu_ms, 2)
        figures[f"lambda_sdk_cpu_ms_{stage}"] = round(meter.sdk[stage] * 1000 / invocations, 2)
        figures[f"lambda_wait_ms_{stage}"] = round(meter.waited[stage] / invocations, 1)
        figures[f"lambda_billed_ms_{stage}"] = billed_ms
        figures[f"lambda_invocations_per_message_{stage}"] = round(invocations / messages, 3)
        figures[f"lambda_gb_s_per_message_{stage}"] = round(
            invocations * billed_ms / 1000 * memory / 1024 / messages, 5
        )
    return figures


def _priced(meter: _Meter, messages: int) -> dict[str, Any]:
    calls = meter.calls
    lambda_figures = _lambda_costs(meter, messages)
    invocations = sum(meter.invocations.values()) / messages
    gb_s = sum(lambda_figures[f"lambda_gb_s_per_message_{s}"] for s in STAGES)
    by_service = {
        "dynamodb_writes": meter.write_units / messages * PRICES["dynamodb_write_request"],
        "dynamodb_reads": meter.read_units / messages * PRICES["dynamodb_read_request"],
        "s3_puts": calls[("s3", "PutObject")] / messages * PRICES["s3_put"],
        "s3_gets": calls[("s3", "GetObject")] / messages * PRICES["s3_get"],
        "sqs": sum(n for (s, _), n in calls.items() if s == "sqs")
        / messages
        * PRICES["sqs_request"],
        "eventbridge": meter.events / messages * PRICES["eventbridge_event"],
        "lambda": invocations * PRICES["lambda_request"] + gb_s * PRICES["lambda_gb_second_arm64"],
    }
    cost = sum(by_service.values())
    ses = PRICES["ses_outbound_per_message"] + PRICES["ses_inbound_per_message"]
    read_requests = sum(n for (s, o), n in calls.items() if s == "dynamodb" and o in DYNAMODB_READS)
    return {
        "api_calls_per_message": {
            f"{s}:{o}": round(n / messages, 2) for (s, o), n in sorted(calls.items())
        },
        "dynamodb_read_requests_per_message": round(read_requests / messages, 2),
        "dynamodb_items_read_per_message": round(meter.read_items / messages, 2),
        "dynamodb_read_units_per_message": round(meter.read_units / messages, 2),
        "dynamodb_write_units_per_message": round(meter.write_units / messages, 2),
        **lambda_figures,
        "aws_cost_per_million_usd": round(cost * 1e6, 2),
        "aws_cost_per_million_by_service": {k: round(v * 1e6, 2) for k, v in by_service.items()},
        "ses_cost_per_million_usd": round(ses * 1e6, 2),
        "cost_overhead_vs_ses": round(cost / ses, 4),
    }


def _metered_run(messages: int, burst: int) -> dict[str, Any]:
    from moto import mock_aws

    _bench_environment()
    from bench.localrun import LocalPipeline

    with mock_aws():
        local = LocalPipeline()
        local.run(1)  # warm: first-use imports and caches are a cold start's, not per message
        meter = _Meter()
        with meter.installed():
            local.run(messages, burst=burst)
    return _priced(meter, messages)


def api_costs(messages: int = 40) -> dict[str, Any]:
    """Count AWS calls per message over the pipeline on moto, price them against SES.

    Messages arrive 10 at a time (the event source mappings' batch size, within their 1 s
    window: 10 messages a second or more); `*_one_at_a_time` is the same for a trickle, each
    message its own filter and relay invocation, receive and delete."""
    trickle = _metered_run(messages // 4, burst=1)
    figures = _metered_run(messages, burst=10)
    figures["cost_overhead_vs_ses_one_at_a_time"] = trickle["cost_overhead_vs_ses"]
    figures["aws_cost_per_million_usd_one_at_a_time"] = trickle["aws_cost_per_million_usd"]
    return figures


def reminder_reads() -> dict[str, float]:
    from moto import mock_aws

    from bench.localrun import bounded_sweep

    with mock_aws():
        read = bounded_sweep(stored=100_000, due=50)
    return {"reminder_items_read": read}


def end_to_end(messages: int) -> dict[str, float]:
    from bench.localrun import smtp_load

    return smtp_load(messages)


def web_bundle() -> dict[str, float]:
    """The web pages as browsers download them: gzip -9 of web/dist, measured by its build."""
    size = Path(__file__).resolve().parent.parent / "web" / "dist" / "size.json"
    if not size.exists():
        raise SystemExit("web/dist/size.json is missing: `make install` builds the web pages")
    return {"web_bundle_kb_gzip": float(json.loads(size.read_text())["kb_gzip"])}


def _policy_figures() -> dict[str, float]:
    from bench.policy import policy_figures

    return policy_figures()


def main() -> None:
    # One synthetic buyer writes thousands of messages through one alias: a limit no test
    # reaches, so that the limiter still counts (and costs) one write per message.
    os.environ.setdefault("PARLEY_ALIAS_HOURLY_LIMIT", str(10**9))
    # BENCH_ONLY=packages,imports runs some steps and updates their figures in results.json.
    only = {s for s in os.environ.get("BENCH_ONLY", "").split(",") if s}
    results: dict[str, Any] = json.loads(RESULTS.read_text()) if only and RESULTS.exists() else {}
    for title, step in (
        ("packages", package_sizes),
        ("cpu", cpu_ratios),
        ("imports", cold_imports),
        ("cost", api_costs),
        ("reminders", reminder_reads),
        # after the steps on moto in process: it runs the stages against a moto server
        ("memory", peak_memory),
        ("e2e", lambda: end_to_end(int(os.environ.get("BENCH_E2E_MESSAGES", 1000)))),
        ("web", web_bundle),
        ("policy", _policy_figures),  # worst rule per KB; parley check, hostile vs benign
    ):
        if only and title not in only:
            continue
        started = time.perf_counter()
        results.update(step())
        print(f"[bench] {title} done in {time.perf_counter() - started:.1f}s", file=sys.stderr)
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")  # a late failure keeps these
    targets = {
        "cpu_ratio_small": 3,
        "cpu_ratio_html": 3,
        "cpu_ratio_large": 1.5,
        "peak_memory_ratio_large": 4,
        "cold_import_ratio_max": 1.3,
        "cold_import_ratio_api": 1.5,
        "cost_overhead_vs_ses": 0.10,
        "package_mb_max": 60,
        "web_bundle_kb_gzip": 200,
        "check_adversarial_vs_benign_2k": 3,
    }
    print(f"{'figure':<28} {'value':>12} {'target':>8}")
    for key, value in results.items():
        if isinstance(value, dict):
            continue
        target = targets.get(key)
        mark = "" if target is None else ("ok" if value <= target else "MISSED")
        print(f"{key:<28} {value:>12} {'' if target is None else '<= ' + str(target):>8} {mark}")


if __name__ == "__main__":
    main()
