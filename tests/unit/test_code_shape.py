"""Small units where the issue asks for them: thin handlers, stages made of named steps."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_HANDLER_LINES = 60
MAX_FUNCTION_LINES = 60
SMALL_UNIT_PACKAGES = ("parley/pipeline", "parley/center")


def _long_functions(folder: str) -> list[str]:
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length})")
    return found


def test_lambda_handlers_stay_thin() -> None:
    handlers = sorted((ROOT / "functions").glob("*/handler.py"))
    assert handlers
    thick = [str(h) for h in handlers if len(h.read_text().splitlines()) > MAX_HANDLER_LINES]
    assert not thick


def test_stages_and_the_message_center_are_made_of_small_named_steps() -> None:
    long = [f for folder in SMALL_UNIT_PACKAGES for f in _long_functions(folder)]
    assert not long, long
