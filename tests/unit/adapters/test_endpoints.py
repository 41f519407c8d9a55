"""Every AWS client and every table model talks to its service's endpoint (no network)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from parley.adapters.aws import client, reset_clients
from parley.core.settings import settings_from_env
from parley.models.tables import ALL_MODELS, bind_models
from tests.unit.core.test_aliases_and_settings import BASE

ENV = BASE | {
    "AWS_REGION": "eu-west-1",
    "AWS_ENDPOINT_URL": "http://127.0.0.1:1000",
    "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:2000",
}


@pytest.fixture
def fresh_clients() -> Iterator[None]:
    reset_clients()
    yield
    reset_clients()


def test_clients_use_their_service_endpoint(fresh_clients: None) -> None:
    settings = settings_from_env(ENV)
    assert client("dynamodb", settings).meta.endpoint_url == "http://127.0.0.1:2000"
    for service in ("s3", "sqs", "sesv2", "events"):
        assert client(service, settings).meta.endpoint_url == "http://127.0.0.1:1000"


def test_table_models_use_dynamodbs_endpoint() -> None:
    saved = {name: model.Meta.host for name, model in ALL_MODELS.items()}
    try:
        bind_models(settings_from_env(ENV))
        hosts = {model.Meta.host for model in ALL_MODELS.values()}
        assert hosts == {"http://127.0.0.1:2000"}
    finally:
        for name, model in ALL_MODELS.items():
            meta: Any = model.Meta
            meta.host = saved[name]
            model._connection = None
