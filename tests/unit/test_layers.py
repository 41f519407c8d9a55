"""The dependency rule is enforced: lint-imports passes on the tree and fails on a violation."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _copy_tree(target: Path) -> None:
    for package in ("parley", "functions", "devstack"):
        shutil.copytree(
            ROOT / package, target / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_upward_import_fails_the_lint(tmp_path: Path) -> None:
    # Given a copy of the tree that keeps the rule
    _copy_tree(tmp_path)
    assert _lint(tmp_path).returncode == 0

    # When the pure mail package imports a use case
    compose = tmp_path / "parley" / "mail" / "compose.py"
    compose.write_text(
        compose.read_text() + "\nfrom parley.pipeline.common import RetryLater  # noqa\n"
    )
    result = _lint(tmp_path)

    # Then the layers contract is broken, naming the import
    assert result.returncode == 1
    assert "parley.mail is not allowed to import parley.pipeline" in result.stdout


def test_sdk_use_outside_the_adapters_fails_the_lint(tmp_path: Path) -> None:
    _copy_tree(tmp_path)
    policy = tmp_path / "parley" / "policy" / "engine.py"
    policy.write_text(policy.read_text() + "\nimport boto3  # noqa\n")
    result = _lint(tmp_path)
    assert result.returncode == 1
    assert "parley.policy is not allowed to import boto3" in result.stdout


def test_every_package_of_parley_has_a_layer() -> None:
    """A new room cannot escape the rule by not being named in it."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = next(c for c in config["contracts"] if c["id"] == "layers")["layers"]
    named = {name.strip() for layer in layers for name in layer.replace("|", ":").split(":")}
    rooms = {path.parent.name for path in (ROOT / "parley").glob("*/__init__.py")}
    modules = {path.stem for path in (ROOT / "parley").glob("*.py")} - {"__init__"}
    packages = {f"parley.{name}" for name in rooms | modules}
    assert packages <= named, sorted(packages - named)
