"""Shared fixtures: an emulated AWS account (moto, in process) provisioned like the stack."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

# jsii (the CDK's engine) warns loudly about the Node.js version of this machine on every start.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")

from parley.adapters.aws import reset_clients
from parley.directory import OrderRegistration, PartyInfo, RegisteredOrder, register_order
from parley.local.lambda_runtime import LocalContext, drain_queues
from parley.local.provision import provision
from parley.local.ses_inbound import store_and_describe
from parley.pipeline.services import Services, default_services
from parley.settings import get_settings

REGION = "eu-west-1"
DOMAIN = "marketplace.example"
ORDER_ID = "123-1234567-1234567"
SELLER_EMAIL = "seller@example.org"
BUYER_EMAIL = "bob@example.net"
PASS = dict.fromkeys(("spam", "virus", "spf", "dkim", "dmarc"), "PASS")


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees real credentials, a real endpoint or another test's cached clients."""
    for key in list(os.environ):
        if key.startswith(("AWS_", "PARLEY_")):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    _clear_caches()
    yield
    _clear_caches()


def _clear_caches() -> None:
    reset_clients()
    get_settings.cache_clear()
    default_services.cache_clear()


@dataclass
class Aws:
    """A provisioned, emulated account plus helpers that play SES and the event sources."""

    env: dict[str, str]

    @property
    def services(self) -> Services:
        return default_services()

    def sent(self) -> list[Any]:
        from moto.ses.models import ses_backends

        return list(ses_backends["123456789012"][REGION].sent_messages)

    def receive(
        self,
        raw: bytes,
        recipients: list[str],
        *,
        verdicts: dict[str, str] | None = None,
        dmarc_policy: str | None = None,
        mail_from: str = "sender@example.org",
        store_raw: bool = True,
    ) -> tuple[str, dict[str, Any]]:
        """What SES does: store the raw mail under the prefix, then build the Lambda event."""
        return store_and_describe(
            raw,
            mail_from=mail_from,
            recipients=recipients,
            verdicts=verdicts or PASS,
            dmarc_policy=dmarc_policy,
            store_raw=store_raw,
        )

    def ingest(
        self, raw: bytes, recipients: list[str], **kwargs: Any
    ) -> tuple[str, dict[str, Any]]:
        from functions.ingest.handler import handler

        ses_id, event = self.receive(raw, recipients, **kwargs)
        return ses_id, handler(event, LocalContext("ingest"))

    def drain(self, rounds: int = 10) -> list[dict[str, Any]]:
        """Play the SQS event source mappings until both queues are empty."""
        return drain_queues(rounds)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    from moto import mock_aws

    from parley.local.atomic_writes import serialize_moto_dynamodb_writes

    serialize_moto_dynamodb_writes()
    with mock_aws():
        env = provision(
            prefix="parley-test",
            relay_domain=DOMAIN,
            region=REGION,
            endpoint_url=None,
            extra_env={"PARLEY_SES_REWRITES_MESSAGE_ID": "false"},
        )
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        _clear_caches()
        yield Aws(env)


@pytest.fixture
def order(aws: Aws) -> RegisteredOrder:
    return register_order(
        aws.services.store,
        OrderRegistration(
            ORDER_ID,
            PartyInfo("S1", "Shop", SELLER_EMAIL, "en-US"),
            PartyInfo("B1", "Bob Buyer", BUYER_EMAIL, "de-DE"),
        ),
    )
