"""Encryption at rest: the deployer's customer-managed key (kmsKeyArn) on the mail bucket,
every table, every queue and every log group; AWS-managed keys without it."""

from __future__ import annotations

import json
from typing import cast

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Template

from infra.app import build_app
from infra.config import ConfigError, DeploymentConfig

pytestmark = pytest.mark.infra
KEY = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
CONTEXT = {
    "relayDomain": "marketplace.example",
    "region": "eu-west-1",
    "bundle": "false",
    "account": "111111111111",
}


def _template(tmp_path_factory: pytest.TempPathFactory, **extra: object) -> Template:
    app = build_app({**CONTEXT, **extra}, outdir=str(tmp_path_factory.mktemp("cdk")))
    return Template.from_stack(cast(Stack, app.node.find_child("ParleyStack")))


@pytest.fixture(scope="module")
def with_key(tmp_path_factory: pytest.TempPathFactory) -> Template:
    # cdk-nag runs as a validation plugin: a finding would fail this synth
    return _template(tmp_path_factory, kmsKeyArn=KEY, nag="true")


def test_a_customer_key_encrypts_bucket_tables_queues_and_logs(with_key: Template) -> None:
    mail = next(
        b["Properties"]
        for logical, b in with_key.find_resources("AWS::S3::Bucket").items()
        if "Mail" in logical
    )
    rule = mail["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": KEY,
    }
    assert rule["BucketKeyEnabled"] is True
    tables = with_key.find_resources("AWS::DynamoDB::Table").values()
    assert tables
    for table in tables:
        sse = table["Properties"]["SSESpecification"]
        assert sse == {"KMSMasterKeyId": KEY, "SSEEnabled": True, "SSEType": "KMS"}
    queues = with_key.find_resources("AWS::SQS::Queue").values()
    # filter, relay and webhooks with their dead letters, and ingest's dead letters
    assert len(queues) == 7
    assert all(q["Properties"]["KmsMasterKeyId"] == KEY for q in queues)
    groups = with_key.find_resources("AWS::Logs::LogGroup").values()
    assert groups and all(g["Properties"]["KmsKeyId"] == KEY for g in groups)


def test_every_function_may_use_the_key_and_only_that_key(with_key: Template) -> None:
    policies = with_key.find_resources("AWS::IAM::Policy")
    functions = {
        logical: f
        for logical, f in with_key.find_resources("AWS::Lambda::Function").items()
        if "functions." in str(f["Properties"].get("Handler", ""))
    }
    for logical in functions:
        role = functions[logical]["Properties"]["Role"]["Fn::GetAtt"][0]
        statements = [
            s
            for p in policies.values()
            if {"Ref": role} in p["Properties"]["Roles"]
            for s in p["Properties"]["PolicyDocument"]["Statement"]
        ]
        kms = [s for s in statements if "kms:Decrypt" in json.dumps(s["Action"])]
        assert kms and all(s["Resource"] == KEY for s in kms), logical


def test_without_a_key_aws_managed_keys_encrypt_everything(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    template = _template(tmp_path_factory, nag="false")
    for table in template.find_resources("AWS::DynamoDB::Table").values():
        assert table["Properties"]["SSESpecification"]["SSEEnabled"] is True
    assert "KmsMasterKeyId" not in json.dumps(template.to_json())
    assert all(
        q["Properties"]["SqsManagedSseEnabled"]
        for q in template.find_resources("AWS::SQS::Queue").values()
    )


def test_an_alias_or_malformed_key_is_refused() -> None:
    with pytest.raises(ConfigError, match="kmsKeyArn"):
        DeploymentConfig.from_context({**CONTEXT, "kmsKeyArn": "alias/parley"})
