"""`parley sellers`: sellers' figures."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer

from parley.cli.common import DEFAULT_ENV_FILE, EnvFile, open_store

sellers_app = typer.Typer(help="Sellers' figures.", no_args_is_help=True)


@sellers_app.command("stats")
def sellers_stats(
    seller_id: Annotated[str, typer.Argument()],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document.")] = False,
    env_file: EnvFile = DEFAULT_ENV_FILE,
) -> None:
    """Late-response rate, median and 90th percentile response time (7/30/90 days), open clocks."""
    from parley.responses.stats import seller_stats

    figures = seller_stats(open_store(env_file), seller_id, datetime.now(UTC))
    if as_json:
        typer.echo(json.dumps(figures, indent=2))
        return
    typer.echo(f"Seller {seller_id}")
    for window, row in figures["windows"].items():  # type: ignore[attr-defined]
        rate = "-" if row["late_rate"] is None else f"{row['late_rate']:.1%}"
        median = "-" if row["median_seconds"] is None else f"{row['median_seconds'] / 3600:.1f} h"
        p90 = "-" if row["p90_seconds"] is None else f"{row['p90_seconds'] / 3600:.1f} h"
        typer.echo(
            f"  {window:>4}: {row['answered']} answered, late {rate}, median {median}, p90 {p90}"
        )
    for clock in figures["open"]:  # type: ignore[attr-defined]
        typer.echo(
            f"  open: order {clock['order_id']} due {clock['deadline_at']} "
            f"({clock['seconds_left'] / 3600:.1f} h left)"
        )
