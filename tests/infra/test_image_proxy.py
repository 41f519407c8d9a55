"""`remoteImages: proxy` in the stack: a function URL without IAM auth whose function may
touch only the image cache and the signing key, the relay told where it is, cdk-nag clean."""

from __future__ import annotations

import json
from typing import Any, cast

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Match, Template

from infra.app import build_app
from infra.config import ConfigError, DeploymentConfig
from tests.infra.test_least_privilege import actions_of, statements
from tests.infra.test_stack import CONTEXT

pytestmark = pytest.mark.infra
PROXY = {**CONTEXT, "remoteImages": "proxy", "imageProxyDays": 14}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    # cdk-nag runs as a validation: synth raises on any unacknowledged finding
    app = build_app(dict(PROXY, nag="true"), outdir=str(tmp_path_factory.mktemp("proxy")))
    app.synth()
    return Template.from_stack(cast(Stack, app.node.find_child("ParleyStack")))


def env_of(template: Template, logical_prefix: str) -> dict[str, Any]:
    functions = template.find_resources("AWS::Lambda::Function")
    (found,) = [f for name, f in functions.items() if name.startswith(logical_prefix)]
    return cast(dict[str, Any], found["Properties"]["Environment"]["Variables"])


def test_the_proxy_answers_on_a_function_url_without_iam_auth(template: Template) -> None:
    template.has_resource_properties(
        "AWS::Lambda::Url", {"AuthType": "NONE", "TargetFunctionArn": Match.any_value()}
    )
    assert len(template.find_resources("AWS::Lambda::Url")) == 1
    handler = [
        f["Properties"]["Handler"]
        for f in template.find_resources("AWS::Lambda::Function").values()
        if "Handler" in f["Properties"]
    ]
    assert "functions.image_proxy.handler.handler" in handler


def test_the_relay_knows_the_proxy_url_the_secret_and_the_days(template: Template) -> None:
    relay = env_of(template, "RelayFunction")
    assert relay["PARLEY_REMOTE_IMAGES"] == "proxy"
    assert relay["PARLEY_IMAGE_PROXY_DAYS"] == "14"
    url = json.dumps(relay["PARLEY_IMAGE_PROXY_URL"])
    assert "FunctionUrl" in url and '"images"' in url
    warm = json.dumps(relay["PARLEY_IMAGE_PROXY_WARM"])
    assert '"lambda:"' in warm and "ImageProxyFunction" in warm
    secret = relay["PARLEY_IMAGE_PROXY_SECRET"]
    assert secret == env_of(template, "ImageProxyFunction")["PARLEY_IMAGE_PROXY_SECRET"]
    assert "SigningKey" in json.dumps(secret)
    template.has_resource_properties(
        "AWS::SecretsManager::Secret",
        {"GenerateSecretString": {"PasswordLength": 64, "ExcludePunctuation": True}},
    )


def test_the_proxy_may_touch_only_the_image_cache_and_its_key(template: Template) -> None:
    found = statements(template, "ImageProxyFunction")
    actions = {a for s in found for a in actions_of(s)}
    assert actions <= {
        "s3:GetObject",
        "s3:PutObject",
        "secretsmanager:GetSecretValue",
        "secretsmanager:DescribeSecret",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }, actions
    for statement in found:
        if any(a.startswith("s3:") for a in actions_of(statement)):
            assert "/images/*" in json.dumps(statement["Resource"])
    invokes = [
        s for s in statements(template, "RelayFunction") if "lambda:InvokeFunction" in actions_of(s)
    ]
    assert len(invokes) == 1 and "ImageProxyFunction" in json.dumps(invokes[0]["Resource"])
    assert "*" not in json.dumps(invokes[0]["Resource"])
    relay_reads = [
        s
        for s in statements(template, "RelayFunction")
        if "secretsmanager:GetSecretValue" in actions_of(s)
    ]
    assert len(relay_reads) == 1 and "SigningKey" in json.dumps(relay_reads[0]["Resource"])


def test_cached_images_expire(template: Template) -> None:
    buckets = template.find_resources("AWS::S3::Bucket")
    rules = [
        rule
        for bucket in buckets.values()
        for rule in bucket["Properties"].get("LifecycleConfiguration", {}).get("Rules", [])
    ]
    (images,) = [r for r in rules if r.get("Prefix") == "images/"]
    assert images["ExpirationInDays"] == 30


def test_without_proxy_there_is_no_proxy(tmp_path_factory: pytest.TempPathFactory) -> None:
    app = build_app(dict(CONTEXT), outdir=str(tmp_path_factory.mktemp("strip")))
    template = Template.from_stack(cast(Stack, app.node.find_child("ParleyStack")))
    assert template.find_resources("AWS::Lambda::Url") == {}
    assert "PARLEY_IMAGE_PROXY_URL" not in env_of(template, "RelayFunction")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"remoteImages": "fetch"}, "strip, keep or proxy"),
        ({"remoteImages": "proxy", "imageProxyDays": 0}, "1 to 3650"),
        ({"remoteImages": "proxy", "imageProxyDays": "a month"}, "1 to 3650"),
        ({"remoteImages": "proxy", "imageProxyDays": 60}, "must not exceed retention image_cache"),
        ({"remoteImages": "proxy", "imageProxyConcurrency": -1}, "whole number"),
        ({"remoteImages": "proxy", "imageProxyConcurrency": 5000}, "0 to 1000"),
    ],
)
def test_bad_settings_are_refused(extra: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        DeploymentConfig.from_context({**CONTEXT, **extra})


def test_with_a_customer_key_the_secret_and_the_cache_use_it(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    key = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    app = build_app(
        dict(PROXY, nag="true", kmsKeyArn=key), outdir=str(tmp_path_factory.mktemp("kms"))
    )
    app.synth()  # cdk-nag: no unacknowledged finding with the key either
    template = Template.from_stack(cast(Stack, app.node.find_child("ParleyStack")))
    template.has_resource_properties("AWS::SecretsManager::Secret", {"KmsKeyId": key})
    decrypt = [
        s
        for s in statements(template, "ImageProxyFunction")
        if "kms:Decrypt" in actions_of(s) and key in json.dumps(s["Resource"])
    ]
    assert decrypt


def test_the_proxy_has_reserved_concurrency(template: Template) -> None:
    """Red team 4, O2: the public, unauthenticated function URL must not draw on the
    account concurrency that ingest, the relay and the API share."""
    functions = template.find_resources("AWS::Lambda::Function")
    (proxy,) = [f for name, f in functions.items() if name.startswith("ImageProxyFunction")]
    assert proxy["Properties"]["ReservedConcurrentExecutions"] == 20


def test_the_reserved_concurrency_is_configurable_and_zero_reserves_none(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """An account still at the default concurrency limit (10) cannot reserve any: 0 is the
    way to deploy there."""
    for value, expected in ((5, 5), (0, None)):
        context = dict(PROXY, imageProxyConcurrency=value)
        app = build_app(context, outdir=str(tmp_path_factory.mktemp(f"c{value}")))
        stack = cast(Stack, app.node.find_child("ParleyStack"))
        functions = Template.from_stack(stack).find_resources("AWS::Lambda::Function")
        (proxy,) = [f for n, f in functions.items() if n.startswith("ImageProxyFunction")]
        assert proxy["Properties"].get("ReservedConcurrentExecutions") == expected
