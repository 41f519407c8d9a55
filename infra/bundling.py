"""Lambda code without Docker: pip downloads arm64 wheels into a local asset directory."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON_VERSION = "3.12"
PLATFORM = "manylinux2014_aarch64"
CODE_DIRS = ("parley", "functions")
EXCLUDE = shutil.ignore_patterns("__pycache__", "*.pyc", "tests")


def runtime_requirements() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return list(project["project"]["dependencies"])


def _fingerprint() -> str:
    digest = hashlib.sha256()
    digest.update("\n".join(runtime_requirements()).encode())
    digest.update((ROOT / "requirements.lock").read_bytes())
    for directory in CODE_DIRS:
        for path in sorted((ROOT / directory).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build_asset(out_dir: Path) -> Path:
    """One directory for all functions: dependencies for arm64, then the project's code.

    Rebuilt only when the code or the pinned dependencies change.
    """
    target = out_dir / f"lambda-{_fingerprint()}"
    if (target / ".complete").exists():
        return target
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--target",
            str(target),
            "--platform",
            PLATFORM,
            "--implementation",
            "cp",
            "--python-version",
            PYTHON_VERSION,
            "--only-binary=:all:",
            "--constraint",
            str(ROOT / "requirements.lock"),
            *runtime_requirements(),
        ],
        check=True,
    )
    for directory in CODE_DIRS:
        shutil.copytree(ROOT / directory, target / directory, ignore=EXCLUDE)
    (target / ".complete").write_text("ok\n")
    return target
