"""`parley check`: the policy offline, for sellers before they send."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from parley.cli import app

runner = CliRunner()
PROMO = (
    b"From: seller@example.org\r\nTo: a@marketplace.example\r\nSubject: News\r\n\r\n"
    b"Use coupon SAVE10 for order 123-1234567-1234567!\r\n"
)


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "draft.eml"
    path.write_bytes(data)
    return path


def test_json_verdict_names_each_rule_with_action_and_evidence(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", str(write(tmp_path, PROMO)), "--json"])
    assert result.exit_code == 0
    verdict = json.loads(result.stdout)
    assert verdict["verdict"] == "block" and verdict["category"] == "proactive"
    assert verdict["violations"] == [
        {"rule": "promotion", "action": "block", "evidence": verdict["violations"][0]["evidence"]}
    ]
    assert "SAVE10" in verdict["violations"][0]["evidence"]
    assert verdict["policy_version"]


def test_order_ids_restrict_which_orders_count(tmp_path: Path) -> None:
    draft = write(tmp_path, PROMO.replace(b"Use coupon SAVE10 for", b"About"))
    ok = runner.invoke(app, ["check", str(draft), "--json"])
    assert json.loads(ok.stdout)["verdict"] == "deliver"
    other = runner.invoke(app, ["check", str(draft), "--json", "--order-id", "999-9999999-9999999"])
    rules = {v["rule"] for v in json.loads(other.stdout)["violations"]}
    assert rules == {"order-id-missing", "order-id-foreign"}


def test_context_flags_reach_the_rules(tmp_path: Path) -> None:
    draft = write(tmp_path, PROMO.replace(b"Use coupon SAVE10 for", b"About"))
    result = runner.invoke(
        app, ["check", str(draft), "--json", "--opted-out", "--delivered-on", "2020-01-01"]
    )
    rules = {v["rule"] for v in json.loads(result.stdout)["violations"]}
    assert rules == {"buyer-opted-out", "proactive-window"}
    reply = runner.invoke(app, ["check", str(draft), "--json", "--reply", "--opted-out"])
    assert json.loads(reply.stdout)["category"] == "reply"
    assert json.loads(reply.stdout)["verdict"] == "deliver"


def test_buyer_direction_applies_only_safety_rules(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["check", str(write(tmp_path, PROMO)), "--json", "--direction", "buyer-to-seller"]
    )
    assert json.loads(result.stdout) | {"policy_version": ""} == {
        "verdict": "deliver",
        "category": "buyer",
        "violations": [],
        "policy_version": "",
    }


def test_an_unreadable_file_is_a_one_line_error_with_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", str(tmp_path / "missing.eml")])
    assert result.exit_code == 2
    assert "cannot check" in result.output and result.output.strip().count("\n") == 0


def test_help_tells_sellers_to_use_it_before_sending() -> None:
    result = runner.invoke(app, ["check", "--help"])
    assert "before you send" in result.stdout
