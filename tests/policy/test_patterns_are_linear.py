"""Structure behind the linear-time guarantee: the policy's patterns run on RE2.

Python's `re` backtracks; one careless pattern can stall a filter Lambda for minutes. So no
module of parley.policy may use it, except `patterns.py` for its tokenizer, whose two patterns
are single alternations of character classes (no nested or adjacent quantifiers).
"""

from __future__ import annotations

import ast
from pathlib import Path

import parley.policy
from parley.policy import patterns

POLICY = Path(parley.policy.__file__).parent


def test_no_policy_module_imports_the_backtracking_re_module() -> None:
    offenders = []
    for path in sorted(POLICY.rglob("*.py")):
        if path.name == "patterns.py":
            continue
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if any(name == "re" or name.startswith("re.") for name in names):
                offenders.append(str(path.relative_to(POLICY)))
    assert offenders == []


def test_the_stdlib_patterns_are_the_reviewed_tokenizers_only() -> None:
    source = (POLICY / "patterns.py").read_text("utf-8")
    assert source.count("re.compile(") == 2
    for compiled in (patterns.TOKENS, patterns.NUMBER_TOKENS):
        body = compiled.pattern
        # One level of alternation of classes, each quantified at most once: no groups.
        assert "(" not in body.replace("\\(", "")
        assert "{" not in body
