"""The communication policy: classification, rules and verdicts. Pure functions, no I/O."""

from parley.policy.engine import Decision, PolicyContext, evaluate
from parley.policy.model import Action, Category, Verdict, Violation

__all__ = ["Action", "Category", "Decision", "PolicyContext", "Verdict", "Violation", "evaluate"]
