"""Retention in the synthesized template: every prefix expires, every table has a TTL, every
log group has a retention, and all of it comes from the one retention table."""

from __future__ import annotations

import json
import re
from typing import Any, cast

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Template

from infra.app import build_app
from infra.config import ConfigError, DeploymentConfig
from parley.adapters import keys
from parley.core.retention import Retention

pytestmark = pytest.mark.infra
CONTEXT = {
    "nag": "false",
    "relayDomain": "marketplace.example",
    "region": "eu-west-1",
    "bundle": "false",
    "account": "111111111111",
}
OVERRIDE = {"messages": 400, "thread_ids": 200, "logs": 14, "access_logs": 180}


def _template(tmp_path_factory: pytest.TempPathFactory, **extra: object) -> Template:
    app = build_app({**CONTEXT, **extra}, outdir=str(tmp_path_factory.mktemp("cdk")))
    return Template.from_stack(cast(Stack, app.node.find_child("ParleyStack")))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return _template(tmp_path_factory)


@pytest.fixture(scope="module")
def overridden(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return _template(tmp_path_factory, retention=OVERRIDE)


def _rules(template: Template) -> dict[str, list[dict[str, Any]]]:
    """Bucket logical id -> its lifecycle rules."""
    return {
        logical: bucket["Properties"].get("LifecycleConfiguration", {}).get("Rules", [])
        for logical, bucket in template.find_resources("AWS::S3::Bucket").items()
    }


def _mail_rules(template: Template) -> dict[str, int]:
    rules = next(r for logical, r in _rules(template).items() if "Mail" in logical)
    # (rules with a tag filter shorten a subset, e.g. strangers' raw mail: not the prefix's)
    return {
        r["Prefix"]: r["ExpirationInDays"] for r in rules if "Prefix" in r and "TagFilters" not in r
    }


def _written_prefixes(template: Template) -> set[str]:
    """Every prefix anything writes to: the receipt rule's S3 action and each object ARN
    (bucket/<prefix>*) a function's policy names."""
    prefixes = {
        action["S3Action"]["ObjectKeyPrefix"]
        for rule in template.find_resources("AWS::SES::ReceiptRule").values()
        for action in rule["Properties"]["Rule"]["Actions"]
        if "S3Action" in action
    }
    policies = [
        *template.find_resources("AWS::IAM::Policy").values(),
        *template.find_resources("AWS::IAM::ManagedPolicy").values(),  # large ones overflow
    ]
    for policy in policies:
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            text = json.dumps(statement.get("Resource"))
            if "s3:PutObject" in json.dumps(statement.get("Action")):
                # bucket/<prefix>* and bucket/<prefix><id prefix>* (raw/api-*)
                prefixes |= set(re.findall(r'"/([a-z_-]+/)[a-z-]*\*"', text))
    return prefixes


def test_every_prefix_written_to_expires_and_every_bucket_has_a_rule(template: Template) -> None:
    mail = _mail_rules(template)
    written = _written_prefixes(template)
    assert {"raw/", "messages/", "uploads/"} <= written
    assert not written - set(mail), f"prefixes without a lifecycle rule: {written - set(mail)}"
    assert set(keys.expiry_days(Retention())) <= set(mail)
    for logical, rules in _rules(template).items():
        # a bucket either expires everything, or only holds the prefixes it has rules for
        everything = [r for r in rules if "Prefix" not in r and "ExpirationInDays" in r]
        if "WebSite" in logical:  # the built pages (no personal data) stay online;
            assert rules[0]["NoncurrentVersionExpiration"]["NoncurrentDays"] <= 30  # old builds go
            continue
        assert everything or "Mail" in logical, f"{logical} keeps objects forever"


def test_message_objects_expire_with_their_records(template: Template) -> None:
    mail = _mail_rules(template)
    days = Retention().messages
    assert mail["raw/"] == mail["messages/"] == days
    env = _function_env(template)
    assert all(json.loads(e["PARLEY_RETENTION"])["messages"] == days for e in env)


def test_every_table_has_a_ttl_attribute(template: Template) -> None:
    tables = template.find_resources("AWS::DynamoDB::Table")
    for table in tables.values():
        spec = table["Properties"].get("TimeToLiveSpecification")
        name = table["Properties"]["TableName"]
        assert spec and spec["Enabled"] is True and spec["AttributeName"], name


def test_every_log_group_has_a_retention_and_every_function_its_group(template: Template) -> None:
    groups = template.find_resources("AWS::Logs::LogGroup")
    assert groups
    for logical, group in groups.items():
        assert group["Properties"].get("RetentionInDays"), logical
    # A function without an explicit group would log into one Lambda creates, kept forever.
    for logical, function in template.find_resources("AWS::Lambda::Function").items():
        config = function["Properties"].get("LoggingConfig", {})
        assert config.get("LogGroup", {}).get("Ref") in groups, logical


def test_a_marketplace_override_reaches_lifecycle_ttl_and_logs(overridden: Template) -> None:
    mail = _mail_rules(overridden)
    assert mail["raw/"] == mail["messages/"] == 400
    env = _function_env(overridden)
    assert {json.loads(e["PARLEY_RETENTION"])["thread_ids"] for e in env} == {200}
    days = {g["Properties"]["RetentionInDays"] for g in _groups(overridden)}
    assert days == {14, 180}  # functions' logs, API access logs
    access = next(r for logical, r in _rules(overridden).items() if "AccessLogs" in logical)
    assert access[0]["ExpirationInDays"] == 180


def test_contradicting_retention_is_refused_at_synth() -> None:
    with pytest.raises(ConfigError, match="thread_ids cannot outlive"):
        DeploymentConfig.from_context({**CONTEXT, "retention": {"thread_ids": 9999}})
    with pytest.raises(ConfigError, match="unknown retention"):
        DeploymentConfig.from_context({**CONTEXT, "retention": '{"forever": 1}'})


def _groups(template: Template) -> list[dict[str, Any]]:
    return list(template.find_resources("AWS::Logs::LogGroup").values())


def _function_env(template: Template) -> list[dict[str, str]]:
    return [
        f["Properties"]["Environment"]["Variables"]
        for f in template.find_resources("AWS::Lambda::Function").values()
        if "functions." in str(f["Properties"].get("Handler", ""))
    ]
