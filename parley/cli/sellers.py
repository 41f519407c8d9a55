"""`parley sellers`: sellers' figures."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from parley.cli.common import DEFAULT_ENV_FILE, EnvFile, open_store

if TYPE_CHECKING:
    from parley.adapters.store import PartyModel, Store

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
    for period in figures["away"]:  # type: ignore[attr-defined]
        typer.echo(f"  away: {period['from']} until {period['until']}")
    for clock in figures["open"]:  # type: ignore[attr-defined]
        typer.echo(
            f"  open: order {clock['order_id']} due {clock['deadline_at']} "
            f"({clock['seconds_left'] / 3600:.1f} h left)"
        )


link_hosts_app = typer.Typer(
    help="Hosts sellers may link to: they count only once approved.", no_args_is_help=True
)
sellers_app.add_typer(link_hosts_app, name="link-hosts")


@link_hosts_app.command("list")
def link_hosts_list(
    seller_id: Annotated[str, typer.Argument()],
    env_file: EnvFile = DEFAULT_ENV_FILE,
) -> None:
    """The seller's requested link hosts, approved or pending."""
    seller = _seller(seller_id, env_file)
    approved = set(seller.approved_link_hosts or ())
    for host in sorted(set(seller.link_hosts or ()) | approved):
        state = "approved" if host in approved else "pending"
        if host not in (seller.link_hosts or set()):
            state = "approved, no longer requested"
        typer.echo(f"{host}\t{state}")


@link_hosts_app.command("approve")
def link_hosts_approve(
    seller_id: Annotated[str, typer.Argument()],
    hosts: Annotated[list[str], typer.Argument(help="Hosts the seller requested.")],
    env_file: EnvFile = DEFAULT_ENV_FILE,
) -> None:
    """Approve requested link hosts (public suffixes, shared platforms and shorteners never)."""
    from parley.adapters.store import PartyModel
    from parley.policy.config import default_policy
    from parley.policy.urls import link_host_problem

    store = open_store(env_file)
    seller = _seller(seller_id, env_file, store)
    wanted = {h.strip().lower().rstrip(".") for h in hosts}
    for host in sorted(wanted):
        problem = link_host_problem(host, default_policy().shortener_hosts)
        if problem:
            typer.echo(f"{host}: refused, {problem}", err=True)
            raise typer.Exit(2)
        if host not in (seller.link_hosts or set()):
            typer.echo(f"{host}: refused, the seller did not request it", err=True)
            raise typer.Exit(2)
    store.update(seller, [PartyModel.approved_link_hosts.add(wanted)])
    typer.echo(f"approved for seller {seller_id}: {', '.join(sorted(wanted))}")


@link_hosts_app.command("revoke")
def link_hosts_revoke(
    seller_id: Annotated[str, typer.Argument()],
    hosts: Annotated[list[str], typer.Argument()],
    env_file: EnvFile = DEFAULT_ENV_FILE,
) -> None:
    """Withdraw an approval."""
    from parley.adapters.store import PartyModel

    store = open_store(env_file)
    seller = _seller(seller_id, env_file, store)
    gone = {h.strip().lower().rstrip(".") for h in hosts}
    store.update(seller, [PartyModel.approved_link_hosts.delete(gone)])
    typer.echo(f"revoked for seller {seller_id}: {', '.join(sorted(gone))}")


def _seller(seller_id: str, env_file: Path, store: Store | None = None) -> PartyModel:
    from parley.adapters.store import PartyModel
    from parley.core.ids import party_key

    seller = (store or open_store(env_file)).get(PartyModel, party_key("seller", seller_id))
    if seller is None:
        typer.echo(f"no seller {seller_id}", err=True)
        raise typer.Exit(2)
    return seller
