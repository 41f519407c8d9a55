"""Precision and recall per rule on the labeled corpus, and the false-block rate.

`make policy-report` prints it; tests/policy/test_corpus.py holds the targets.
"""

from __future__ import annotations

import io
import json
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from parley.mail.parsing import parse_message
from parley.policy import PolicyContext, Verdict, evaluate
from parley.policy.config import load_policy
from parley.policy.model import CRITICAL_CLAIM
from parley.policy.rules import RULE_IDS

# The rules, and the flag for an [Important] tag on a message that is not critical.
REPORTED = (*RULE_IDS, CRITICAL_CLAIM)

CORPUS_DIR = Path(__file__).parents[1] / "tests" / "policy" / "corpus"
DEV = CORPUS_DIR / "dev.jsonl"
TEST = CORPUS_DIR / "test.jsonl"  # frozen: figures only, never its messages (see README)
CORPUS = DEV
PAIR_ORDER = "123-1234567-1234567"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def _zip(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "x")
    return buffer.getvalue()


PAYLOADS = {
    "pdf": (b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\n", "application", "pdf"),
    "png": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 16, "image", "png"),
    "jpg": (b"\xff\xd8\xff\xe0" + b"\x00" * 16, "image", "jpeg"),
    "xlsx": (
        _zip(["xl/workbook.xml"]),
        "application",
        "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "docx": (
        _zip(["word/document.xml"]),
        "application",
        "vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "docm": (_zip(["word/document.xml", "word/vbaProject.bin"]), "application", "octet-stream"),
    "exe": (b"MZ\x90\x00" + b"\x00" * 16, "application", "octet-stream"),
    "zip": (_zip(["a.jpg"]), "application", "zip"),
    "sh": (b"#!/bin/sh\necho hi\n", "application", "octet-stream"),
}


def build(row: dict[str, object]) -> tuple[EmailMessage, PolicyContext]:
    context = dict(row.get("context") or {})  # type: ignore[call-overload]
    buyer = row["category"] == "buyer"
    message = EmailMessage()
    message["From"] = "bob@example.net" if buyer else "seller@example.org"
    message["To"] = "alias0000000000@marketplace.example"
    message["Subject"] = str(row["subject"])
    if context.get("list_unsubscribe"):
        message["List-Unsubscribe"] = "<https://shop-s1.example/unsub>"
    message.set_content(str(row["text"]))
    if row.get("html"):
        message.add_alternative(str(row["html"]), subtype="html")
    for attachment in row.get("attachments") or []:  # type: ignore[attr-defined]
        data, maintype, subtype = PAYLOADS[attachment["kind"]]
        message.add_attachment(
            data, maintype=maintype, subtype=subtype, filename=attachment["name"]
        )
    raw = message.as_bytes(policy=SMTP)
    lang = str(row["lang"])
    policy = ctx = PolicyContext(
        direction="buyer_to_seller" if buyer else "seller_to_buyer",
        is_reply=row["category"] == "reply",
        pair_order_ids=frozenset({PAIR_ORDER}),
        config=load_policy("de" if lang == "de" else "default"),
        delivered_on=(NOW - timedelta(days=int(context.get("delivered_days_ago", 5)))).date(),
        now=NOW,
        buyer_opted_out=bool(context.get("opted_out")),
        buyer_locale=str(context.get("buyer_locale") or ("de-DE" if lang == "de" else "en-US")),
        review_requests_sent=int(context.get("review_requests_sent", 0)),
        seller_link_hosts=frozenset(context.get("seller_link_hosts", [])),
        relay_domain="marketplace.example",
        raw_size=int(context.get("raw_size", len(raw))),
    )
    del policy
    return parse_message(raw, max_bytes=len(raw) + 1), ctx


@dataclass
class Report:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    messages: int = 0
    legitimate: int = 0
    false_blocks: list[str] = field(default_factory=list)
    critical_blocked: list[str] = field(default_factory=list)
    mistakes: list[str] = field(default_factory=list)

    def precision(self, rule: str) -> float:
        c = self.counts[rule]
        return c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0

    def recall(self, rule: str) -> float:
        c = self.counts[rule]
        return c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0

    @property
    def false_block_rate(self) -> float:
        return len(self.false_blocks) / self.legitimate if self.legitimate else 0.0


def run(corpus: Path = CORPUS) -> Report:
    report = Report(counts={r: {"tp": 0, "fp": 0, "fn": 0, "positives": 0} for r in REPORTED})
    for line in corpus.read_text("utf-8").splitlines():
        row = json.loads(line)
        message, context = build(row)
        decision = evaluate(message, context)
        fired = set(decision.rule_ids)
        expected = set(row["expect"])
        report.messages += 1
        for rule in REPORTED:
            counts = report.counts[rule]
            counts["positives"] += rule in expected
            if rule in fired and rule in expected:
                counts["tp"] += 1
            elif rule in fired:
                counts["fp"] += 1
            elif rule in expected:
                counts["fn"] += 1
        if fired != expected:
            report.mistakes.append(f"{row['id']}: expected {sorted(expected)}, got {sorted(fired)}")
        if row["legitimate"]:
            report.legitimate += 1
            if decision.verdict is Verdict.BLOCK:
                report.false_blocks.append(row["id"])
        if decision.category == "critical" and decision.verdict is Verdict.BLOCK:
            report.critical_blocked.append(row["id"])
    return report


def render(report: Report, *, details: bool = True) -> str:
    lines = [f"{'rule':<22} {'positives':>9} {'precision':>9} {'recall':>7}"]
    for rule in REPORTED:
        lines.append(
            f"{rule:<22} {report.counts[rule]['positives']:>9} "
            f"{report.precision(rule):>9.3f} {report.recall(rule):>7.3f}"
        )
    lines.append(
        f"messages: {report.messages}, legitimate: {report.legitimate}, "
        f"false blocks: {len(report.false_blocks)} ({report.false_block_rate:.1%}), "
        f"critical blocked: {len(report.critical_blocked)}"
    )
    if details:  # the development set only: the frozen test set is never read message by message
        lines += [f"  mismatch {m}" for m in report.mistakes]
    return "\n".join(lines)


if __name__ == "__main__":
    print("== development set (tune here) ==")
    print(render(run(DEV)))
    print()
    print("== frozen test set (figures only) ==")
    print(render(run(TEST), details=False))
    sys.exit(0)
