"""Shared fixtures: an emulated AWS account (moto, in process) provisioned like the stack."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# jsii (the CDK's engine) warns loudly about the Node.js version of this machine on every start.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")

from devstack.provision import provision
from parley.directory.registration import (
    OrderRegistration,
    PartyInfo,
    RegisteredOrder,
    register_order,
)
from tests.support.aws import (
    BUYER_EMAIL,
    DOMAIN,
    ORDER_ID,
    REGION,
    SELLER_EMAIL,
    Aws,
    clear_caches,
)


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
    clear_caches()
    yield
    clear_caches()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    from moto import mock_aws

    from devstack.atomic_writes import serialize_moto_dynamodb_writes

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
        clear_caches()
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
