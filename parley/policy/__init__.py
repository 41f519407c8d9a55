"""The communication policy: classification, rules and verdicts. Pure functions, no I/O.

The engine (and with it the rule libraries: phonenumbers, selectolax) loads on first use, so
that modules needing only the vocabulary, such as the notices, stay light to import.
"""

from typing import TYPE_CHECKING, Any

from parley.policy.model import Action, Category, Verdict, Violation

if TYPE_CHECKING:
    from parley.policy.context import PolicyContext
    from parley.policy.engine import Decision, evaluate

__all__ = ["Action", "Category", "Decision", "PolicyContext", "Verdict", "Violation", "evaluate"]


def __getattr__(name: str) -> Any:
    if name in {"Decision", "PolicyContext", "evaluate"}:
        from parley.policy import engine

        return getattr(engine, name)
    raise AttributeError(name)
