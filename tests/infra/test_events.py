"""The stack's events: the custom bus with its schema registry and archive, the rule to the
webhook dispatcher's queue (with a dead-letter queue), the dispatcher, its grants, alarms."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from infra.app import build_app
from tests.infra.test_stack import CONTEXT
from tests.support.event_schemas import SCHEMA_DIR


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    app = build_app(dict(CONTEXT), outdir=str(tmp_path_factory.mktemp("cdk-events")))
    return Template.from_stack(app.node.find_child("ParleyStack"))  # type: ignore[arg-type]


def _one(template: Template, kind: str) -> dict[str, Any]:
    found = template.find_resources(kind)
    assert len(found) == 1, found
    return next(iter(found.values()))["Properties"]


def test_a_custom_bus_with_an_archive_for_replay(template: Template) -> None:
    assert _one(template, "AWS::Events::EventBus")["Name"] == "parley-events"
    archive = _one(template, "AWS::Events::Archive")
    assert archive["RetentionDays"] == 30
    assert json.loads(json.dumps(archive["EventPattern"])) == {"source": ["parley"]}


def test_every_schema_file_is_in_the_registry(template: Template) -> None:
    registry = _one(template, "AWS::EventSchemas::Registry")
    assert registry["RegistryName"] == "parley-events"
    schemas = template.find_resources("AWS::EventSchemas::Schema")
    files = sorted(p.name.removesuffix(".v1.json") for p in SCHEMA_DIR.glob("*.v1.json"))
    assert sorted(s["Properties"]["SchemaName"] for s in schemas.values()) == [
        f"parley@{name}" for name in files
    ]
    for schema in schemas.values():
        assert schema["Properties"]["Type"] == "JSONSchemaDraft4"
        assert json.loads(schema["Properties"]["Content"])["$schema"].startswith(
            "http://json-schema.org/draft-04"
        )


def test_the_bus_feeds_the_dispatcher_queue_which_has_a_dead_letter_queue(
    template: Template,
) -> None:
    rules = template.find_resources("AWS::Events::Rule")
    [rule] = [r["Properties"] for r in rules.values() if "EventBusName" in r["Properties"]]
    assert rule["EventPattern"] == {"source": ["parley"]}
    assert "WebhooksQueue" in json.dumps(rule["Targets"])
    template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "FunctionName": {"Ref": Match.string_like_regexp("DispatcherFunction")},
            "EventSourceArn": {"Fn::GetAtt": [Match.string_like_regexp("WebhooksQueue"), "Arn"]},
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
        },
    )
    queues = template.find_resources("AWS::SQS::Queue")
    webhooks = [v for k, v in queues.items() if "WebhooksQueue" in k]
    assert len(webhooks) == 1 and "RedrivePolicy" in webhooks[0]["Properties"]


def test_the_stages_may_publish_and_know_the_bus(template: Template) -> None:
    functions = template.find_resources("AWS::Lambda::Function")
    publishers = {"ingest", "filter", "relay", "reminders", "feedback", "api"}
    for key, function in functions.items():
        handler = str(function["Properties"].get("Handler", ""))
        if not handler.startswith("functions."):
            continue
        env = function["Properties"]["Environment"]["Variables"]
        assert "PARLEY_EVENT_BUS" in env and "PARLEY_WEBHOOK_QUEUE_URL" in env, key
    policies = json.dumps(
        [template.find_resources(kind) for kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")]
    )  # a large role's statements overflow into a managed policy
    assert policies.count("events:PutEvents") == len(publishers)


def test_failed_and_dead_deliveries_alarm(template: Template) -> None:
    alarms = template.find_resources("AWS::CloudWatch::Alarm")
    descriptions = [a["Properties"]["AlarmDescription"] for a in alarms.values()]
    assert any("webhook delivery failed for 24 hours" in d for d in descriptions)
    assert any("webhook delivery attempts failed" in d for d in descriptions)
    assert any("webhooks dead-letter queue" in d for d in descriptions)
    assert any("dispatcher invocations fail" in d for d in descriptions)
