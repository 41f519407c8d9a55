"""Thanks need no answer: the classifier on a labeled set of 200+ buyer messages (EN, DE),
half acknowledgments, half look-alikes with a question, a request or a problem.

The set was written together with the classifier: read it as a regression suite that holds
the precision target, not as an estimate on mail it has never seen."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from parley.responses.acknowledgments import only_acknowledges

CORPUS = Path(__file__).with_name("acknowledgments.jsonl")
ROWS = [json.loads(line) for line in CORPUS.read_text("utf-8").splitlines() if line.strip()]


def test_the_labeled_set_is_big_enough_and_balanced() -> None:
    acks = sum(1 for r in ROWS if r["ack"])
    assert len(ROWS) >= 200
    assert 0.4 <= acks / len(ROWS) <= 0.6
    assert {r["lang"] for r in ROWS} == {"en", "de"}


def test_precision_is_at_least_098_and_recall_is_reported() -> None:
    predicted = [(only_acknowledges(r["subject"], r["text"]), r["ack"]) for r in ROWS]
    true_pos = sum(1 for p, a in predicted if p and a)
    false_pos = [r["text"] for r, (p, a) in zip(ROWS, predicted, strict=True) if p and not a]
    precision = true_pos / max(1, true_pos + len(false_pos))
    recall = true_pos / sum(1 for r in ROWS if r["ack"])
    assert precision >= 0.98, false_pos
    assert recall >= 0.8  # conservative, but not useless


@pytest.mark.parametrize(
    ("subject", "text"),
    [
        ("Re: order", "Thanks! Where is the invoice"),  # a question without the mark
        ("Re: order", "thank you 😊 but it is broken"),
        ("Re: order", "Danke, leider kaputt"),
        ("Thanks?", "Thanks"),  # the buyer's own subject asks
        ("Re: order", "Thanks\n\nP.S. the box was wet"),  # an unknown word is not thanks
        ("Re: order", "Thanks " * 70),  # long messages are never auto-closed
        ("Re: order", ""),
        ("Re: order", "123-1234567-1234567"),
    ],
)
def test_look_alikes_need_an_answer(subject: str, text: str) -> None:
    assert only_acknowledges(subject, text) is False


def test_quoted_mail_and_signatures_do_not_count() -> None:
    text = (
        "Danke, alles gut angekommen!\n\nAm 1.11. schrieb Shop:\n> Wann passt Ihnen die Lieferung?"
    )
    assert only_acknowledges("AW: Lieferung", text) is True
