"""The policy's measured quality on the labeled corpus, held to the issue's targets."""

from __future__ import annotations

import json

from parley.policy.rules import RULE_IDS
from tools.policy_report import CORPUS, render, run


def test_corpus_is_big_enough_in_both_languages_and_formats() -> None:
    rows = [json.loads(line) for line in CORPUS.read_text("utf-8").splitlines()]
    assert len(rows) >= 150
    assert {r["lang"] for r in rows} == {"en", "de"}
    assert sum(1 for r in rows if r.get("html")) >= 20
    for rule in RULE_IDS:
        positives = sum(rule in r["expect"] for r in rows)
        assert positives >= 5, f"{rule} has only {positives} positives"


def test_every_rule_meets_precision_and_recall_targets_and_no_critical_is_blocked() -> None:
    report = run()
    summary = render(report)
    for rule in RULE_IDS:
        assert report.precision(rule) >= 0.95, summary
        assert report.recall(rule) >= 0.95, summary
    assert report.false_block_rate <= 0.02, summary
    assert report.critical_blocked == [], summary
