"""What every command group shares: failing with one line, finding the local stack."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from parley.adapters.store import Store

EnvFile = Annotated[Path, typer.Option("--env-file", help="Settings written by `parley dev`.")]
DEFAULT_ENV_FILE = Path("var/dev.env")


def fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def load_env(env_file: Path) -> None:
    """Find the stack: the environment wins, else the file `parley dev` wrote."""
    from devstack.runtime import read_env_file

    if "PARLEY_RELAY_DOMAIN" in os.environ:
        return
    if not env_file.exists():
        fail(f"{env_file} not found: start `parley dev` first (or set the PARLEY_* environment)")
    for key, value in read_env_file(env_file).items():
        os.environ.setdefault(key, value)


def open_store(env_file: Path) -> Store:
    """The tables of the stack `parley dev` (or the environment) names."""
    from parley.adapters.store import Store
    from parley.core.settings import SettingsError, get_settings

    load_env(env_file)
    try:
        return Store(get_settings())
    except SettingsError as exc:
        fail(str(exc))


def parse_instant(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        fail(f"{value!r} is not an ISO-8601 time (like 2026-12-01T09:00:00Z)")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
