"""The CDK stack, synthesized offline (no bundling, no AWS), checked resource by resource."""

from __future__ import annotations

from typing import Any, cast

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Match, Template

from infra.app import build_app
from infra.config import ConfigError, DeploymentConfig
from infra.parts.storage import model_schema
from infra.sizing import PIPELINE_MEMORY_MB
from parley.core.settings import resource_names
from parley.models.tables import ALL_MODELS

pytestmark = pytest.mark.infra
CONTEXT = {
    "nag": "false",
    "relayDomain": "marketplace.example",
    "region": "eu-west-1",
    "bundle": "false",
    "account": "111111111111",
}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    app = build_app(dict(CONTEXT), outdir=str(tmp_path_factory.mktemp("cdk")))
    stack = app.node.find_child("ParleyStack")
    return Template.from_stack(cast(Stack, stack))


def test_tables_match_the_pynamodb_models_exactly(template: Template) -> None:
    tables = template.find_resources("AWS::DynamoDB::Table")
    by_name = {t["Properties"]["TableName"]: t["Properties"] for t in tables.values()}
    names = resource_names("parley")
    assert len(by_name) == len(ALL_MODELS)
    for setting, model in ALL_MODELS.items():
        props = by_name[names[f"PARLEY_{setting.upper()}"]]
        schema = model_schema(model)
        keys = {k["KeyType"]: k["AttributeName"] for k in props["KeySchema"]}
        assert keys.get("HASH") == schema["hash"][0]
        assert keys.get("RANGE") == (schema["range"][0] if schema["range"] else None)
        declared = {d["AttributeName"]: d["AttributeType"] for d in props["AttributeDefinitions"]}
        indexes = {i["IndexName"]: i for i in props.get("GlobalSecondaryIndexes", [])}
        assert set(indexes) == {i["name"] for i in schema["indexes"]}
        for index in schema["indexes"]:
            found = indexes[index["name"]]
            index_keys = {k["KeyType"]: k["AttributeName"] for k in found["KeySchema"]}
            assert index_keys == {"HASH": index["hash"][0], "RANGE": index["range"][0]}
            assert found["Projection"]["ProjectionType"] == index["projection"]
            assert declared[index["hash"][0]] == index["hash"][1]
        assert declared[schema["hash"][0]] == schema["hash"][1]
        ttl = props.get("TimeToLiveSpecification")
        assert (ttl["AttributeName"] if ttl else None) == schema["ttl"]
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True


def test_receipt_rule_stores_then_invokes_ingest_with_scanning_and_tls(template: Template) -> None:
    template.has_resource_properties(
        "AWS::SES::ReceiptRule",
        {
            "Rule": {
                "Recipients": ["marketplace.example"],
                "ScanEnabled": True,
                "TlsPolicy": "Require",
                "Enabled": True,
                "Actions": [
                    {"S3Action": Match.object_like({"ObjectKeyPrefix": "raw/"})},
                    {"LambdaAction": Match.object_like({"InvocationType": "Event"})},
                ],
            },
        },
    )
    rule = next(iter(template.find_resources("AWS::SES::ReceiptRule").values()))
    assert rule.get("DependsOn"), "the rule must wait for SES's bucket and invoke permissions"


def test_rule_set_is_activated_by_a_custom_resource(template: Template) -> None:
    resources = template.find_resources("Custom::AWS")
    assert len(resources) == 1
    props = next(iter(resources.values()))["Properties"]
    create = props["Create"]
    text = create if isinstance(create, str) else str(create)
    assert "setActiveReceiptRuleSet" in text and "parley-inbound" in text
    assert props["InstallLatestAwsSdk"] is False
    assert "setActiveReceiptRuleSet" in str(props["Delete"])


def test_stage_queues_have_dead_letter_queues_encryption_and_tls_only(template: Template) -> None:
    queues = template.find_resources("AWS::SQS::Queue")
    with_redrive = [q for q in queues.values() if "RedrivePolicy" in q["Properties"]]
    assert len(with_redrive) == 3  # filter, relay, webhooks
    for queue in with_redrive:
        assert queue["Properties"]["RedrivePolicy"]["maxReceiveCount"] == 5
    assert all(q["Properties"].get("SqsManagedSseEnabled") for q in queues.values())
    policies = template.find_resources("AWS::SQS::QueuePolicy")
    assert len(policies) == len(queues)
    assert all("aws:SecureTransport" in str(p) for p in policies.values())


def test_queue_consumers_report_partial_batch_failures(template: Template) -> None:
    template.resource_count_is("AWS::Lambda::EventSourceMapping", 3)
    template.all_resources_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "ScalingConfig": Match.object_like({"MaximumConcurrency": Match.any_value()}),
        },
    )


def test_functions_are_arm64_python312_traced_with_json_logs(template: Template) -> None:
    functions = {
        k: v
        for k, v in template.find_resources("AWS::Lambda::Function").items()
        if "functions." in str(v["Properties"].get("Handler", ""))
    }
    assert {f["Properties"]["Handler"] for f in functions.values()} == {
        "functions.ingest.handler.handler",
        "functions.filter.handler.handler",
        "functions.relay.handler.handler",
        "functions.reminders.handler.handler",
        "functions.feedback.handler.handler",
        "functions.api.handler.handler",
        "functions.ingest_failures.handler.handler",
        "functions.dispatcher.handler.handler",
    }
    for function in functions.values():
        props = function["Properties"]
        assert props["Architectures"] == ["arm64"]
        assert props["Runtime"] == "python3.12"
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert props["LoggingConfig"]["LogFormat"] == "JSON"
        assert props["Environment"]["Variables"]["PARLEY_DETAILED_TRACING"] == "false"


def test_pipeline_functions_have_the_memory_the_cost_model_prices(template: Template) -> None:
    """The bench prices GB-seconds from infra/sizing.py: the stack must deploy those sizes,
    and the sizes are the ones the README's capacity model and cost row state."""
    memory = {
        str(f["Properties"]["Handler"]).split(".")[1]: f["Properties"]["MemorySize"]
        for f in template.find_resources("AWS::Lambda::Function").values()
        if "functions." in str(f["Properties"].get("Handler", ""))
    }
    assert {stage: memory[stage] for stage in PIPELINE_MEMORY_MB} == PIPELINE_MEMORY_MB
    assert PIPELINE_MEMORY_MB == {"ingest": 512, "filter": 512, "relay": 1024}


def test_queue_consumers_take_batches_within_a_short_window(template: Template) -> None:
    """Receives, deletes and invocations are shared by up to 10 messages (the cost model)."""
    template.all_resources_properties(
        "AWS::Lambda::EventSourceMapping",
        {"BatchSize": 10, "MaximumBatchingWindowInSeconds": 1},
    )


def test_ingest_async_failures_are_recorded_then_parked_not_lost(template: Template) -> None:
    configs = template.find_resources("AWS::Lambda::EventInvokeConfig")
    destinations = {
        str(c["Properties"]["FunctionName"]): str(
            c["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]
        )
        for c in configs.values()
    }
    assert all(c["Properties"]["MaximumRetryAttempts"] == 2 for c in configs.values())
    # ingest -> the recorder function; the recorder -> the dead-letter queue
    assert any("Ingest" in f and "IngestFailuresFunction" in d for f, d in destinations.items())
    assert any("IngestFailures" in f and "IngestDeadLetters" in d for f, d in destinations.items())


def test_sending_identity_has_dkim_and_custom_mail_from(template: Template) -> None:
    template.has_resource_properties(
        "AWS::SES::EmailIdentity",
        {
            "EmailIdentity": "marketplace.example",
            "MailFromAttributes": Match.object_like(
                {"MailFromDomain": "bounce.marketplace.example"}
            ),
        },
    )


def test_a_region_without_ses_receiving_is_refused() -> None:
    with pytest.raises(ConfigError, match="does not receive mail"):
        DeploymentConfig.from_context({"relayDomain": "m.example", "region": "eu-central-2"})


def test_an_alias_length_leaving_fewer_than_12_characters_is_refused() -> None:
    with pytest.raises(ConfigError, match="fewer than 12"):
        DeploymentConfig.from_context(
            {
                "relayDomain": "a-long-marketplace-name.example",
                "region": "eu-west-1",
                "aliasLength": 30,
            }
        )


def test_reminders_run_on_an_eventbridge_schedule_with_the_scheduled_time(
    template: Template,
) -> None:
    template.has_resource_properties(
        "AWS::Scheduler::Schedule",
        {
            "ScheduleExpression": "rate(5 minutes)",
            "Target": Match.object_like(
                {
                    "Input": Match.string_like_regexp("scheduledTime"),
                    "RetryPolicy": Match.object_like({"MaximumRetryAttempts": 2}),
                }
            ),
        },
    )


def test_only_the_functions_that_need_a_table_may_write_it(template: Template) -> None:
    policies = template.find_resources("AWS::IAM::Policy")
    text = {name: str(policy["Properties"]["PolicyDocument"]) for name, policy in policies.items()}
    ingest = next(t for n, t in text.items() if n.startswith("IngestFunction"))
    reminders = next(t for n, t in text.items() if n.startswith("RemindersFunction"))
    assert "StorageClocks" not in ingest  # ingest never touches the response clocks
    assert "StorageMessages" not in reminders  # the sweep reads clocks, never messages
    assert "sqs:SendMessage" not in reminders


def test_dashboard_and_alarms_cover_what_operators_watch(template: Template) -> None:
    dashboards = template.find_resources("AWS::CloudWatch::Dashboard")
    assert len(dashboards) == 1
    body = str(next(iter(dashboards.values()))["Properties"]["DashboardBody"])
    for metric in (
        "MessagesReceived",
        "MessagesDelivered",
        "MessagesSanitized",
        "MessagesBlocked",
        "PolicyViolations",
        "MessagesRejected",
        "ResponseTime",
        "LateResponses",
        "RemindersSent",
        "ApproximateNumberOfMessagesVisible",
        "Throttles",
        "Reputation.BounceRate",
        "Reputation.ComplaintRate",
    ):
        assert metric in body, metric
    alarms = template.find_resources("AWS::CloudWatch::Alarm")
    thresholds = {
        a["Properties"].get("MetricName"): a["Properties"]["Threshold"] for a in alarms.values()
    }
    assert thresholds["Reputation.BounceRate"] == 0.05
    assert thresholds["Reputation.ComplaintRate"] == 0.001
    dlq_alarms = [
        a
        for a in alarms.values()
        if a["Properties"].get("MetricName") == "ApproximateNumberOfMessagesVisible"
    ]
    assert len(dlq_alarms) == 4 and all(a["Properties"]["Threshold"] == 0 for a in dlq_alarms)
    error_rate_alarms = [
        a for a in alarms.values() if "invocations fail" in a["Properties"]["AlarmDescription"]
    ]
    assert len(error_rate_alarms) == 8  # one per function
    assert all(a["Properties"]["AlarmActions"] for a in alarms.values())


def test_ses_events_reach_the_feedback_function(template: Template) -> None:
    template.has_resource_properties(
        "AWS::SES::ConfigurationSetEventDestination",
        {
            "EventDestination": Match.object_like(
                {
                    "Enabled": True,
                    "MatchingEventTypes": Match.array_with(
                        ["bounce", "complaint", "delivery", "reject"]
                    ),
                }
            ),
        },
    )
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": Match.object_like({"source": ["aws.ses"]}),
        },
    )


@pytest.mark.parametrize("shape", ["one marketplace", "two marketplaces", "browser origins"])
def test_cdk_nag_aws_solutions_finds_nothing_unacknowledged(shape: str, tmp_path_factory) -> None:
    # Given the app with the AwsSolutions pack as a CDK validation plugin
    context = {
        "one marketplace": CONTEXT,
        "two marketplaces": MULTI,
        "browser origins": {**CONTEXT, "apiAllowedOrigins": ["https://shop.example"]},
    }[shape]
    app = build_app(dict(context, nag="true"), outdir=str(tmp_path_factory.mktemp("nag")))
    # When it synthesizes, Then no finding is left (synth raises on the first one)
    app.synth()
    stack = app.node.find_child("ParleyStack")
    acknowledged = [m.data for m in stack.node.metadata if m.type == "aws:cdk:acknowledged-rules"]
    assert acknowledged and all(reason for entry in acknowledged for reason in entry.values())


@pytest.mark.parametrize("region", ["us-east-1", "us-west-2", "eu-west-1"])
def test_cfn_lint_passes_for_every_receiving_region(region: str, tmp_path_factory) -> None:
    import json

    from cfnlint.api import ManualArgs, lint

    app = build_app(dict(CONTEXT, region=region), outdir=str(tmp_path_factory.mktemp(region)))
    template = app.synth().get_stack_by_name("ParleyStack").template
    matches = lint(json.dumps(template), config=ManualArgs(regions=[region]))
    # W3005: CDK writes a DependsOn on the function's role that a GetAtt already implies.
    problems = [
        f"{m.rule.id} {m.message}" for m in matches if m.rule.id[0] in "EW" and m.rule.id != "W3005"
    ]
    assert problems == []


def test_the_local_stack_creates_the_same_tables_as_the_cdk_stack(template: Template) -> None:
    import boto3
    from moto import mock_aws

    from devstack.provision import provision

    declared = {
        t["Properties"]["TableName"]: (
            sorted((k["AttributeName"], k["KeyType"]) for k in t["Properties"]["KeySchema"]),
            sorted(i["IndexName"] for i in t["Properties"].get("GlobalSecondaryIndexes", [])),
        )
        for t in template.find_resources("AWS::DynamoDB::Table").values()
    }
    with mock_aws():
        provision(
            prefix="parley",
            relay_domain="marketplace.example",
            region="eu-west-1",
            endpoint_url=None,
        )
        dynamodb = boto3.client("dynamodb", region_name="eu-west-1")
        local = {}
        for name in dynamodb.list_tables()["TableNames"]:
            table = dynamodb.describe_table(TableName=name)["Table"]
            local[name] = (
                sorted((k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]),
                sorted(i["IndexName"] for i in table.get("GlobalSecondaryIndexes", [])),
            )
    assert local == declared


def test_message_center_api_is_authenticated_throttled_logged_and_firewalled(
    template: Template,
) -> None:
    # Every method of the proxy needs a Cognito token; only the CORS preflight for the web
    # pages' origin is answered without one, by API Gateway itself (a mock: nothing behind it)
    methods = template.find_resources("AWS::ApiGateway::Method")
    assert methods and all(
        m["Properties"]["AuthorizationType"] == "COGNITO_USER_POOLS"
        or (
            m["Properties"]["HttpMethod"] == "OPTIONS"
            and m["Properties"]["Integration"]["Type"] == "MOCK"
        )
        for m in methods.values()
    )
    template.has_resource_properties("AWS::ApiGateway::Authorizer", {"Type": "COGNITO_USER_POOLS"})
    # The stage throttles, logs access (without bodies) and is traced
    template.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "StageName": "v1",
            "TracingEnabled": True,
            "AccessLogSetting": Match.object_like({"DestinationArn": Match.any_value()}),
            "MethodSettings": Match.array_with(
                [
                    Match.object_like(
                        {
                            "ThrottlingRateLimit": 50,
                            "ThrottlingBurstLimit": 100,
                            "DataTraceEnabled": False,
                        }
                    )
                ]
            ),
        },
    )
    # A WAF web ACL with managed rules and a rate rule guards the stage
    template.has_resource_properties(
        "AWS::WAFv2::WebACL",
        {
            "Scope": "REGIONAL",
            "Rules": Match.array_with(
                [Match.object_like({"Name": "AWSManagedRulesCommonRuleSet"})]
            ),
        },
    )
    template.resource_count_is("AWS::WAFv2::WebACLAssociation", 1)
    # Operators see it on the dashboard and are alarmed on server errors
    alarms = template.find_resources("AWS::CloudWatch::Alarm")
    assert any("API requests fail" in a["Properties"]["AlarmDescription"] for a in alarms.values())
    body = str(template.find_resources("AWS::CloudWatch::Dashboard"))
    assert "Message center API" in body and "5XXError" in body
    # Users cannot change which party they act for; MFA is required
    template.has_resource_properties(
        "AWS::Cognito::UserPool",
        {
            "MfaConfiguration": "ON",
            "Schema": Match.array_with([Match.object_like({"Name": "party", "Mutable": False})]),
        },
    )


def test_api_function_reaches_only_its_prefixes(template: Template) -> None:
    policies = template.find_resources("AWS::IAM::Policy")
    api = next(
        str(p["Properties"]["PolicyDocument"])
        for n, p in policies.items()
        if n.startswith("ApiFunction")
    )
    for prefix in ("/raw/*", "/messages/*", "/uploads/*"):
        assert prefix in api
    assert "s3:DeleteObject" not in api and "'s3:*'" not in api


def test_support_address_must_be_outside_the_relay_domain() -> None:
    with pytest.raises(ConfigError, match="supportAddress"):
        DeploymentConfig.from_context(
            {
                "relayDomain": "m.example",
                "region": "eu-west-1",
                "supportAddress": "help@m.example",
            }
        )


MULTI = {
    **CONTEXT,
    "marketplaces": [
        {"marketplace": "default", "relayDomain": "marketplace.example"},
        {
            "marketplace": "de",
            "relayDomain": "marktplatz.example",
            "defaultLocale": "de-DE",
            "marketplaceName": "Marktplatz",
            "supportAddress": "hilfe@service.marktplatz.example",
            "displayName": "first-name",
            "remoteImages": "keep",
        },
    ],
}


def test_one_stack_serves_several_marketplaces_with_one_rule_set(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # Given two marketplaces, each with its own relay domain
    app = build_app(dict(MULTI), outdir=str(tmp_path_factory.mktemp("multi")))
    template = Template.from_stack(cast(Stack, app.node.find_child("ParleyStack")))
    # Then each has its own tables under its own prefix
    names = {
        t["Properties"]["TableName"]
        for t in template.find_resources("AWS::DynamoDB::Table").values()
    }
    assert {"parley-messages", "parley-de-messages"} <= names
    # And one receipt rule set (SES allows one active per region) with a rule per domain,
    # each storing the raw mail and invoking that marketplace's own ingest
    template.resource_count_is("AWS::SES::ReceiptRuleSet", 1)
    rules = template.find_resources("AWS::SES::ReceiptRule")
    by_domain = {
        r["Properties"]["Rule"]["Recipients"][0]: str(r["Properties"]["Rule"]["Actions"])
        for r in rules.values()
    }
    assert set(by_domain) == {"marketplace.example", "marktplatz.example"}
    assert "DeIngestFunction" in by_domain["marktplatz.example"]
    # (CDK leaves a construct named Default out of logical ids: the first marketplace keeps
    # the names a single-marketplace stack has)
    assert "IngestFunction" in by_domain["marketplace.example"]
    assert "DeIngestFunction" not in by_domain["marketplace.example"]
    # And the German functions are told their marketplace, language and support desk
    functions = template.find_resources("AWS::Lambda::Function")
    german = [
        f["Properties"]["Environment"]["Variables"]
        for name, f in functions.items()
        if name.startswith("DeFilterFunction")
    ]
    assert german and german[0]["PARLEY_MARKETPLACE"] == "de"
    assert german[0]["PARLEY_RELAY_DOMAIN"] == "marktplatz.example"
    assert german[0]["PARLEY_DEFAULT_LOCALE"] == "de-DE"
    assert german[0]["PARLEY_SUPPORT_ADDRESS"] == "hilfe@service.marktplatz.example"
    assert german[0]["PARLEY_DISPLAY_NAME"] == "first-name"
    assert german[0]["PARLEY_REMOTE_IMAGES"] == "keep"


@pytest.mark.parametrize(
    ("marketplaces", "message"),
    [
        (
            [{"relayDomain": "a.example"}, {"marketplace": "de", "relayDomain": "a.example"}],
            "relayDomain",
        ),
        ([{"relayDomain": "a.example", "colour": "red"}], "unknown marketplace setting"),
        ([{"relayDomain": "a.example", "remoteImages": "fetch"}], "remoteImages"),
        ([{"relayDomain": "a.example", "displayName": "nickname"}], "displayName"),
        ([], "non-empty list"),
    ],
)
def test_marketplace_sections_are_validated(marketplaces: list[Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        DeploymentConfig.from_context({"region": "eu-west-1", "marketplaces": marketplaces})


def test_browser_origins_get_an_unauthenticated_preflight_and_nothing_else(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    context = {**CONTEXT, "apiAllowedOrigins": ["https://shop.example"]}
    app = build_app(context, outdir=str(tmp_path_factory.mktemp("cors")))
    template = Template.from_stack(cast(Stack, app.node.find_child("ParleyStack")))
    methods = template.find_resources("AWS::ApiGateway::Method").values()
    auth = {(m["Properties"]["HttpMethod"], m["Properties"]["AuthorizationType"]) for m in methods}
    assert auth == {("OPTIONS", "NONE"), ("ANY", "COGNITO_USER_POOLS")}
    functions = template.find_resources("AWS::Lambda::Function")
    api = next(f for n, f in functions.items() if n.startswith("ApiFunction"))
    variables = api["Properties"]["Environment"]["Variables"]
    # the marketplace's origin, and the web pages' own (the CloudFront distribution)
    origins = variables["PARLEY_API_ALLOWED_ORIGINS"]["Fn::Join"][1]
    assert origins[0] == "https://shop.example,https://"
    assert origins[1]["Fn::GetAtt"][1] == "DomainName"
    with pytest.raises(ConfigError, match="apiAllowedOrigins"):
        DeploymentConfig.from_context({**CONTEXT, "apiAllowedOrigins": ["javascript:alert(1)"]})
