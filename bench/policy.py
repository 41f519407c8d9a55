"""The policy under attack, timed: the worst rule's CPU time per KB on adversarial text, and
`parley check` on the worst adversarial 2,000-character message against a benign one."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from email.message import EmailMessage

from parley.policy import PolicyContext, evaluate, phrases
from parley.policy.config import load_policy
from parley.policy.inspect import Inspection
from parley.policy.model import Category
from parley.policy.rules import RULES, RuleContext
from tests.policy.test_linear_time import ADVERSARIAL

ORDER = "123-1234567-1234567"
BENIGN = (
    f"Hello, about your order {ORDER}: the sofa needs a delivery appointment. Would Tuesday "
    "or Thursday morning suit you? The driver brings it to the flat and takes the packaging "
    "back. It weighs 48 kg, so two people carry it; the legs are in a separate box. "
)


def _message(text: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = f"Order {ORDER}"
    message.set_content(text)
    return message


def _cpu(work: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        phrases._TEXT_CACHE.clear()
        start = time.process_time()
        work()
        best = min(best, time.process_time() - start)
    return best


def _evaluate(text: str, context: PolicyContext) -> object:
    return evaluate(_message(text), context)


def policy_figures() -> dict[str, float]:
    ctx = RuleContext(
        PolicyContext("seller_to_buyer", config=load_policy("de")), category=Category.PROACTIVE
    )
    worst = 0.0
    for make in ADVERSARIAL.values():
        text = make(100_000)
        for rule in RULES:
            inspection = Inspection.of(_message(text))
            inspection.text()
            worst = max(worst, _cpu(functools.partial(rule.apply, inspection, ctx), repeat=1))
    seller = PolicyContext("seller_to_buyer", pair_order_ids=frozenset({ORDER}))
    benign = _cpu(lambda: evaluate(_message((BENIGN * 20)[:2000]), seller), repeat=5)
    texts = [make(2000) for make in ADVERSARIAL.values()]
    hostile = max(_cpu(functools.partial(_evaluate, t, seller), repeat=5) for t in texts)
    return {
        "policy_worst_rule_ms_per_kb": round(worst * 1000 / 100, 3),
        "check_adversarial_vs_benign_2k": round(hostile / benign, 2),
    }


if __name__ == "__main__":
    print(policy_figures())
