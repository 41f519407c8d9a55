"""Least privilege in the synthesized stack (issue #12): who may send as whom, who may write
or delete evidence, which tokens the API accepts."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from infra.app import build_app
from infra.config import ConfigError, DeploymentConfig
from parley.core.retention import Retention
from tests.infra.test_stack import CONTEXT

pytestmark = pytest.mark.infra


def synth(tmp_path_factory: pytest.TempPathFactory, **extra: Any) -> Template:
    app = build_app({**CONTEXT, **extra}, outdir=str(tmp_path_factory.mktemp("cdk")))
    return Template.from_stack(app.node.find_child("ParleyStack"))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return synth(tmp_path_factory)


def statements(template: Template, function: str) -> list[dict[str, Any]]:
    """Every statement of the policies attached to one function's role."""
    found = []
    for kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):  # big ones overflow
        for name, policy in template.find_resources(kind).items():
            if name.startswith(function):
                found += policy["Properties"]["PolicyDocument"]["Statement"]
    assert found, f"no policy for {function}"
    return found


def actions_of(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


def test_every_function_sends_only_as_the_addresses_it_needs(template: Template) -> None:
    senders = {}
    for function in ("Ingest", "Filter", "Relay", "Reminders", "Feedback", "Api"):
        sending = [
            s
            for s in statements(template, f"{function}Function")
            if "ses:SendEmail" in actions_of(s)
        ]
        assert len(sending) == 1, function
        senders[function] = sending[0]["Condition"]["StringLike"]["ses:FromAddress"]
    notice = "no-reply@marketplace.example"
    assert senders.pop("Relay") == ["*@marketplace.example", notice]
    assert all(addresses == [notice] for addresses in senders.values()), senders


def test_the_api_function_cannot_write_or_delete_evidence(template: Template) -> None:
    writes = [
        str(resource)
        for s in statements(template, "ApiFunction")
        if {"s3:PutObject", "s3:DeleteObject", "s3:*"} & set(actions_of(s))
        for resource in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    ]
    assert writes and all(
        any(
            allowed in w
            for allowed in ("/raw/api-*", "/messages/api-*", "/uploads/*", "/exports/*")
        )
        for w in writes
    ), writes
    actions = {a for s in statements(template, "ApiFunction") for a in actions_of(s)}
    assert not {a for a in actions if a.startswith("s3:Delete") or a == "s3:*"}


def test_the_bucket_is_versioned_and_denies_deleting_evidence(template: Template) -> None:
    (bucket,) = [
        b["Properties"]
        for b in template.find_resources("AWS::S3::Bucket").values()
        if "LifecycleConfiguration" in b["Properties"]
        and any(
            r.get("Prefix") == "raw/" for r in b["Properties"]["LifecycleConfiguration"]["Rules"]
        )
    ]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    rules = {r["Id"]: r for r in bucket["LifecycleConfiguration"]["Rules"]}
    assert rules["strangers"]["ExpirationInDays"] == Retention().quarantine == 7
    assert rules["strangers"]["TagFilters"] == [{"Key": "parley-retention", "Value": "short"}]
    assert rules["raw"]["ExpirationInDays"] == Retention().messages
    assert rules["raw"]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30
    policies = [
        p["Properties"]["PolicyDocument"]
        for p in template.find_resources("AWS::S3::BucketPolicy").values()
    ]
    denies = [
        s
        for doc in policies
        for s in doc["Statement"]
        if s["Effect"] == "Deny" and "s3:DeleteObject" in actions_of(s)
    ]
    assert len(denies) == 1 and denies[0]["Principal"] == {"AWS": "*"}
    assert denies[0]["Condition"] == {"StringNotEquals": {"aws:PrincipalTag/parley-eraser": "true"}}
    assert "s3:DeleteObjectVersion" in actions_of(denies[0])
    resources = str(denies[0]["Resource"])
    assert "/raw/*" in resources and "/messages/*" in resources


def test_the_stacks_own_pool_lets_no_client_write_the_party_attribute(template: Template) -> None:
    (pool,) = template.find_resources("AWS::Cognito::UserPool").values()
    (party,) = [a for a in pool["Properties"]["Schema"] if a["Name"] == "party"]
    assert party["Mutable"] is False
    for client in template.find_resources("AWS::Cognito::UserPoolClient").values():
        assert "custom:party" not in client["Properties"].get("WriteAttributes", [])
    api = next(
        f["Properties"]
        for f in template.find_resources("AWS::Lambda::Function").values()
        if f["Properties"]
        .get("Environment", {})
        .get("Variables", {})
        .get("POWERTOOLS_SERVICE_NAME")
        == "parley-api"
    )
    # its own clients: the API's and the web pages'
    joined = api["Environment"]["Variables"]["PARLEY_API_CLIENT_IDS"]["Fn::Join"]
    assert joined[0] == "," and [set(part) for part in joined[1]] == [{"Ref"}, {"Ref"}]


def test_an_external_pool_needs_the_list_of_app_clients(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    external = {"userPoolId": "eu-west-1_abcdefghi"}
    with pytest.raises(ConfigError, match="apiClientIds"):
        DeploymentConfig.from_context({**CONTEXT, **external})
    template = synth(tmp_path_factory, **external, apiClientIds=["app1client", "app2client"])
    api = next(
        f["Properties"]
        for f in template.find_resources("AWS::Lambda::Function").values()
        if f["Properties"]
        .get("Environment", {})
        .get("Variables", {})
        .get("POWERTOOLS_SERVICE_NAME")
        == "parley-api"
    )
    joined = api["Environment"]["Variables"]["PARLEY_API_CLIENT_IDS"]["Fn::Join"]
    assert joined[1][0] == "app1client,app2client" and len(joined[1]) == 3  # + 2 Refs


def test_sender_authentication_is_a_validated_marketplace_setting(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    with pytest.raises(ConfigError, match="senderAuthentication"):
        DeploymentConfig.from_context({**CONTEXT, "senderAuthentication": "lenient"})
    template = synth(tmp_path_factory, senderAuthentication="dmarc-policy")
    values = {
        f["Properties"]
        .get("Environment", {})
        .get("Variables", {})
        .get("PARLEY_SENDER_AUTHENTICATION")
        for f in template.find_resources("AWS::Lambda::Function").values()
        if "PARLEY_RELAY_DOMAIN" in f["Properties"].get("Environment", {}).get("Variables", {})
    }
    assert values == {"dmarc-policy"}
