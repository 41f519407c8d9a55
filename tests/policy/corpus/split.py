"""The one split: run once, before any rule was tuned on the new messages.

The 212 messages of the original corpus were written alongside the rules, so they all go to
the development set. The new messages (new.jsonl, from generate.py) are shuffled with the
fixed seed below and halved: one half joins the development set, the other half is the
frozen test set. Nobody reads test.jsonl's mistakes while changing rules; `make
policy-report` prints per-rule figures for it, never its individual messages.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

HERE = Path(__file__).parent
SEED = 13_2026_11_27

if __name__ == "__main__":
    old = (HERE.parent / "corpus.jsonl").read_text("utf-8").splitlines()
    new = (HERE / "new.jsonl").read_text("utf-8").splitlines()
    random.Random(SEED).shuffle(new)
    half = len(new) // 2
    dev, test = old + new[half:], new[:half]
    (HERE / "dev.jsonl").write_text("\n".join(dev) + "\n", "utf-8")
    (HERE / "test.jsonl").write_text("\n".join(test) + "\n", "utf-8")
    (HERE / "new.jsonl").unlink()
    (HERE.parent / "corpus.jsonl").unlink()
    print(f"dev {len(dev)}, test {len(test)} ({len(test) / (len(dev) + len(test)):.1%})")
    print("test legitimate:", sum(json.loads(r)["legitimate"] for r in test))
