"""A seller's link host counts only once an operator approved it, and some hosts never can be
(public suffixes, shared platforms, shorteners)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from parley.adapters.store import MessageModel, PartyModel
from parley.cli import app as cli_app
from parley.core.ids import party_key
from parley.pipeline.common import message_id_for
from parley.policy.config import default_policy
from parley.policy.urls import link_host_problem
from tests.support.aws import ORDER_ID, SELLER_EMAIL, Aws
from tests.support.mail import mail, wire


@pytest.mark.parametrize(
    "host", ["bit.ly", "co.uk", "myshopify.com", "github.io", "blogspot.com", "tinyurl.com"]
)
def test_shared_and_redirecting_hosts_are_refused(host: str) -> None:
    assert link_host_problem(host, default_policy().shortener_hosts)


def test_a_plain_registrable_host_is_accepted() -> None:
    assert link_host_problem("manuals.shop-s1.example", default_policy().shortener_hosts) is None


def _send_link(aws: Aws, order, n: int) -> MessageModel:  # type: ignore[no-untyped-def]
    message = mail(
        SELLER_EMAIL,
        order.buyer_alias,
        f"Re: setup {n}",
        f"Order {ORDER_ID}: the assembly video is at https://manuals.shop-s1.example/v{n}",
        message_id=f"<link-{n}@shop.example>",
    )
    ses_id, _ = aws.ingest(wire(message), [order.buyer_alias], mail_from=SELLER_EMAIL)
    aws.drain()
    return MessageModel.get(message_id_for(ses_id, order.buyer_alias), consistent_read=True)


def test_a_requested_host_counts_only_after_approval(aws: Aws, order) -> None:  # type: ignore[no-untyped-def]
    seller = aws.services.store.get(PartyModel, party_key("seller", "S1"))
    assert seller is not None
    aws.services.store.update(seller, [PartyModel.link_hosts.set({"manuals.shop-s1.example"})])
    assert _send_link(aws, order, 1).status == "blocked"  # requested, not approved

    runner = CliRunner()
    env = Path("/nonexistent.env")  # the emulated stack is in the environment already
    refused = runner.invoke(
        cli_app, ["sellers", "link-hosts", "approve", "S1", "bit.ly", "--env-file", str(env)]
    )
    assert refused.exit_code == 2 and "shortener" in refused.output
    approved = runner.invoke(
        cli_app,
        [
            "sellers",
            "link-hosts",
            "approve",
            "S1",
            "manuals.shop-s1.example",
            "--env-file",
            str(env),
        ],
    )
    assert approved.exit_code == 0, approved.output
    listed = runner.invoke(cli_app, ["sellers", "link-hosts", "list", "S1", "--env-file", str(env)])
    assert "manuals.shop-s1.example\tapproved" in listed.output
    assert _send_link(aws, order, 2).status == "delivered"
