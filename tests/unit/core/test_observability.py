"""Metrics: EMF lines when on, nothing at all when off."""

from __future__ import annotations

import json
from typing import Any

import pytest

from parley.core import observability


class _Context:
    function_name = "f"
    function_version = "1"
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:f"
    memory_limit_in_mb = 128
    aws_request_id = "r"


def _handler(service: str) -> Any:
    @observability.lambda_entry(service)
    def handler(event: dict[str, Any], context: Any) -> str:
        observability.count("MessagesReceived")
        return "ok"

    return handler


def test_disabled_metrics_print_nothing_however_many(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    handler = _handler("off")
    for _ in range(150):  # Powertools prints every 100th value of a metric, disabled or not
        assert handler({}, _Context()) == "ok"
        observability.count("MessagesRejected", {"Reason": "virus"})
    assert '"_aws"' not in capsys.readouterr().out


def test_enabled_metrics_are_written_per_invocation(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    monkeypatch.setattr(observability, "_metrics", None)
    handler = _handler("on")
    handler({}, _Context())
    handler({}, _Context())
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines() if '"_aws"' in x]
    assert [line["MessagesReceived"] for line in lines] == [[1.0], [1.0]]
