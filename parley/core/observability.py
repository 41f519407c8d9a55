"""Powertools logging, metrics and (optionally) tracing for the Lambda entry points.

Everything is built on the first invocation, not at import: the X-Ray SDK behind
Powertools' Tracer costs 110-145 ms to import, so it is loaded only when the stack's
detailed-tracing switch (PARLEY_DETAILED_TRACING=true) is on. Lambda active tracing,
set in the stack, traces every function without it.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Mapping
from typing import Any

NAMESPACE = "Parley"
Handler = Callable[[dict[str, Any], Any], Any]

_lock = threading.Lock()
_loggers: dict[str, Any] = {}
_metrics: Any = None


def get_logger(service: str) -> Any:
    with _lock:
        if service not in _loggers:
            from aws_lambda_powertools import Logger
            from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

            logger = Logger(service=service)
            # The core logs through logging.getLogger("parley"): same JSON, same context.
            copy_config_to_registered_loggers(source_logger=logger, include={"parley"})
            _loggers[service] = logger
        return _loggers[service]


def get_metrics() -> Any:
    global _metrics
    with _lock:
        if _metrics is None:
            from aws_lambda_powertools import Metrics

            _metrics = Metrics(namespace=NAMESPACE)
        return _metrics


def metrics_disabled() -> bool:
    """Powertools' own rule (POWERTOOLS_METRICS_DISABLED, POWERTOOLS_DEV). Checked here because
    Powertools 3 keeps collecting while disabled: the set is never flushed, and every 100th
    value of a metric is printed as an EMF line all the same (the local stack and the bench
    printed them, and paid for the bookkeeping)."""
    from aws_lambda_powertools.metrics.functions import is_metrics_disabled

    return is_metrics_disabled()


def detailed_tracing() -> bool:
    return os.environ.get("PARLEY_DETAILED_TRACING", "false").lower() == "true"


def count(
    name: str, dimensions: Mapping[str, str] | None = None, value: float = 1, unit: str = "Count"
) -> None:
    """Emit one EMF metric; with dimensions it is written at once (its own metric set)."""
    if metrics_disabled():
        return
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    metric_unit = MetricUnit(unit)
    if not dimensions:
        get_metrics().add_metric(name=name, unit=metric_unit, value=value)
        return
    with single_metric(name=name, unit=metric_unit, value=value, namespace=NAMESPACE) as m:
        for key, val in (dimensions or {}).items():
            m.add_dimension(name=key, value=val)


def lambda_entry(
    service: str, correlation_id_path: str | None = None
) -> Callable[[Handler], Handler]:
    """Decorate a handler with logging (correlation id), metrics and optional tracing."""

    def decorate(handler: Handler) -> Handler:
        wrapped: list[Handler] = []

        @functools.wraps(handler)
        def entry(event: dict[str, Any], context: Any) -> Any:
            if not wrapped:
                logger = get_logger(service)
                inner: Handler = handler
                if detailed_tracing():
                    from aws_lambda_powertools import Tracer

                    inner = Tracer(service=service).capture_lambda_handler(inner)
                if not metrics_disabled():
                    inner = get_metrics().log_metrics(inner)
                inner = logger.inject_lambda_context(
                    inner, correlation_id_path=correlation_id_path, clear_state=True
                )
                wrapped.append(inner)
            return wrapped[0](event, context)

        return entry

    return decorate
