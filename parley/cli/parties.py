"""`parley parties`: a party's right of access (export) and to erasure (erase)."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from parley.cli.common import DEFAULT_ENV_FILE, EnvFile, fail, load_env

parties_app = typer.Typer(
    help="A seller's or buyer's data: export everything stored, or erase it.",
    no_args_is_help=True,
)
Party = Annotated[str, typer.Option("--party", help="buyer:ID or seller:ID")]


def _services(env_file: Path):  # type: ignore[no-untyped-def]
    from parley.app import default_services
    from parley.core.settings import SettingsError

    load_env(env_file)
    try:
        return default_services()
    except SettingsError as exc:
        fail(str(exc))


@parties_app.command("export")
def export(
    party: Party,
    output: Annotated[Path, typer.Option(help="The .zip to write.")],
    env_file: EnvFile = DEFAULT_ENV_FILE,
) -> None:
    """Write everything stored about the party: registration, aliases, every conversation
    (each message as sent and as received, .eml), files, verdicts, clocks, settings."""
    from parley.ops.erase import ErasureError
    from parley.ops.export import ExportError, export_party

    services = _services(env_file)
    try:
        with contextlib.redirect_stdout(sys.stderr):  # stdout is the result alone
            summary = export_party(services, party, output)
    except (ErasureError, ExportError, OSError) as exc:
        fail(str(exc))
    typer.echo(json.dumps({**summary, "file": str(output)}))


@parties_app.command("erase")
def erase(
    party: Party,
    keep_evidence_for_order: Annotated[
        list[str] | None,
        typer.Option(help="An order under legal hold: its evidence stays until the hold ends."),
    ] = None,
    operator: Annotated[
        str, typer.Option(help="Who asks (recorded in the audit record).")
    ] = "operator",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document.")] = False,
    env_file: EnvFile = DEFAULT_ENV_FILE,
) -> None:
    """Erase the party's personal data everywhere; safe to run again."""
    from parley.ops.erase import ErasureError, erase_party

    services = _services(env_file)
    try:
        # Stopping a clock emits its metric as EMF on stdout; stdout is the report alone.
        with contextlib.redirect_stdout(sys.stderr):
            report = erase_party(
                services,
                party,
                keep_evidence_for=keep_evidence_for_order or [],
                operator=operator or os.environ.get("PARLEY_OPERATOR", "operator"),
            )
    except ErasureError as exc:
        fail(str(exc))
    result = report.as_dict()
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    for name, count in result["erased"].items():
        typer.echo(f"{name:20} {count}")
    for order, until in result["held_orders"].items():
        typer.echo(f"held: {order} until {until}")
    typer.echo("nothing new to erase" if result["nothing_new"] else f"audit: {result['audit']}")
