"""The web message center in the stack: a private bucket behind CloudFront (origin access
control, strict security headers, HSTS), the Cognito Hosted UI with a public PKCE client, the
page's origin allowed by the API and the upload bucket, and the URL in the outputs."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any, cast

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cognito as cognito
from aws_cdk.assertions import Match, Template

from infra.app import build_app
from infra.parts.web import REWRITE, WebFrontEnd
from tests.infra.test_stack import CONTEXT

pytestmark = pytest.mark.infra


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    app = build_app(dict(CONTEXT), outdir=str(tmp_path_factory.mktemp("cdk-web")))
    return Template.from_stack(cast(cdk.Stack, app.node.find_child("ParleyStack")))


def _one(template: Template, kind: str) -> dict[str, Any]:
    found = template.find_resources(kind)
    assert len(found) == 1, f"{kind}: {len(found)}"
    properties: dict[str, Any] = next(iter(found.values()))["Properties"]
    return properties


def test_the_bucket_is_private_and_read_only_through_origin_access_control(
    template: Template,
) -> None:
    oac = _one(template, "AWS::CloudFront::OriginAccessControl")["OriginAccessControlConfig"]
    assert (oac["OriginAccessControlOriginType"], oac["SigningBehavior"]) == ("s3", "always")
    distribution = _one(template, "AWS::CloudFront::Distribution")["DistributionConfig"]
    origin = distribution["Origins"][0]
    assert origin["OriginAccessControlId"] and "S3OriginConfig" in origin
    behavior = distribution["DefaultCacheBehavior"]
    assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behavior["AllowedMethods"] == ["GET", "HEAD"]
    assert behavior["FunctionAssociations"][0]["EventType"] == "viewer-request"
    assert distribution["Logging"]["Bucket"]
    policies = template.find_resources("AWS::S3::BucketPolicy")
    statements = json.dumps(policies)
    assert "cloudfront.amazonaws.com" in statements and "AWS:SourceArn" in statements
    for bucket in template.find_resources("AWS::S3::Bucket").values():
        block = bucket["Properties"].get("PublicAccessBlockConfiguration", {})
        assert all(
            block.get(k)
            for k in (
                "BlockPublicAcls",
                "BlockPublicPolicy",
                "IgnorePublicAcls",
                "RestrictPublicBuckets",
            )
        )


def test_every_answer_carries_a_strict_csp_and_hsts(template: Template) -> None:
    config = _one(template, "AWS::CloudFront::ResponseHeadersPolicy")["ResponseHeadersPolicyConfig"]
    security = config["SecurityHeadersConfig"]
    csp = security["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    directives = dict(d.split(" ", 1) for d in csp.split("; ") if " " in d)
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "unsafe" not in csp and "data:" not in csp and "*" not in directives["script-src"]
    assert "https://*.execute-api.eu-west-1.amazonaws.com" in directives["connect-src"]
    assert ".auth.eu-west-1.amazoncognito.com" in directives["connect-src"]
    hsts = security["StrictTransportSecurity"]
    assert hsts["AccessControlMaxAgeSec"] >= 31536000 and hsts["IncludeSubdomains"]
    assert security["FrameOptions"]["FrameOption"] == "DENY"
    assert security["ContentTypeOptions"]["Override"] is True


def test_sign_in_is_the_hosted_ui_with_a_public_pkce_client(template: Template) -> None:
    template.resource_count_is("AWS::Cognito::UserPoolDomain", 1)
    template.has_resource_properties(
        "AWS::Cognito::UserPoolClient",
        {
            "AllowedOAuthFlows": ["code"],
            "AllowedOAuthFlowsUserPoolClient": True,
            "GenerateSecret": False,
            "AllowedOAuthScopes": Match.array_with(["openid"]),
            "CallbackURLs": [Match.object_like({"Fn::Join": Match.any_value()})],
            "SupportedIdentityProviders": ["COGNITO"],
        },
    )
    clients = template.find_resources("AWS::Cognito::UserPoolClient")
    code_clients = [c for c in clients.values() if c["Properties"].get("AllowedOAuthFlows")]
    assert len(code_clients) == 1  # implicit flow nowhere
    assert "/app/" in json.dumps(code_clients[0]["Properties"]["CallbackURLs"])


def test_the_page_may_call_the_api_and_post_uploads_and_its_url_is_an_output(
    template: Template,
) -> None:
    functions = template.find_resources("AWS::Lambda::Function")
    api_env = [
        f["Properties"]["Environment"]["Variables"]
        for f in functions.values()
        if "PARLEY_API_ALLOWED_ORIGINS"
        in f["Properties"].get("Environment", {}).get("Variables", {})
    ]
    assert len(api_env) == 1 and "DomainName" in json.dumps(
        api_env[0]["PARLEY_API_ALLOWED_ORIGINS"]
    )
    cors = [
        b["Properties"]["CorsConfiguration"]
        for b in template.find_resources("AWS::S3::Bucket").values()
        if "CorsConfiguration" in b["Properties"]
    ]
    assert len(cors) == 1 and cors[0]["CorsRules"][0]["AllowedMethods"] == ["POST"]
    outputs = template.to_json()["Outputs"]
    for name in ("WebUrl", "WebSignInDomain", "WebClientId"):
        assert any(key.endswith(name) for key in outputs), name


def test_the_built_pages_are_deployed_with_their_config(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html>")
    app = cdk.App()
    stack = cdk.Stack(app, "Web", env=cdk.Environment(account="111111111111", region="eu-west-1"))
    web = WebFrontEnd(stack, "Web", prefix="parley")
    pool = cognito.UserPool(stack, "Pool")
    web.connect(user_pool=pool, api_url="https://api.example/v1/", dist=dist)
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "Custom::CDKBucketDeployment",
        {"DestinationBucketKeyPrefix": "app/", "DistributionPaths": ["/app/*"], "Prune": True},
    )
    deployment = _one(template, "Custom::CDKBucketDeployment")
    assert len(deployment["SourceObjectKeys"]) == 2  # the build, and config.json
    assert "Pool" in json.dumps(deployment["SourceMarkers"])  # the client id, filled at deploy


@pytest.mark.skipif(shutil.which("node") is None, reason="node runs CloudFront Functions' JS")
@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("/", "302 /app/"),
        ("/app", "302 /app/"),
        ("/app/", "/app/index.html"),
        ("/app/seller", "/app/index.html"),
        ("/app/assets/index-abc.js", "/app/assets/index-abc.js"),
        ("/app/config.json", "/app/config.json"),
        ("/other.txt", "/other.txt"),
    ],
)
def test_the_viewer_request_function_routes_to_the_page(uri: str, expected: str) -> None:
    script = (
        REWRITE
        + f"""
var out = handler({{request: {{uri: {json.dumps(uri)}}}}});
console.log(out.statusCode ? out.statusCode + " " + out.headers.location.value : out.uri);
"""
    )
    result = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=30)
    assert result.stdout.strip() == expected, result.stderr
