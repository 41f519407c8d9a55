"""The policy's measured quality, held to the issue's targets on the frozen test set.

The test set (tests/policy/corpus/test.jsonl) was split off once, by a fixed seed, before any
rule was tuned on the new messages; failures here print figures, never its messages.
"""

from __future__ import annotations

import json

from parley.policy.rules import RULE_IDS
from tools.policy_report import DEV, TEST, render, run


def _rows() -> list[dict[str, object]]:
    return [
        json.loads(line)
        for path in (DEV, TEST)
        for line in path.read_text("utf-8").splitlines()
        if line.strip()
    ]


def test_corpus_is_big_enough_in_both_languages_and_formats() -> None:
    rows = _rows()
    test_rows = TEST.read_text("utf-8").splitlines()
    assert len(rows) >= 500
    assert len(test_rows) >= 0.3 * len(rows)
    assert {r["lang"] for r in rows} == {"en", "de"}
    assert sum(1 for r in rows if r.get("html")) >= 20
    assert sum(1 for r in rows if r["legitimate"]) >= 150
    for rule in RULE_IDS:
        positives = sum(rule in r["expect"] for r in rows)  # type: ignore[operator]
        assert positives >= 5, f"{rule} has only {positives} positives"


def test_every_rule_meets_the_targets_on_the_frozen_test_set() -> None:
    report = run(TEST)
    summary = render(report, details=False)
    for rule in RULE_IDS:
        assert report.precision(rule) >= 0.95, summary
        assert report.recall(rule) >= 0.95, summary
    assert report.false_block_rate <= 0.01, summary
    assert report.critical_blocked == [], summary


def test_no_critical_message_of_the_development_set_is_blocked() -> None:
    assert run(DEV).critical_blocked == []
