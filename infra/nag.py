"""cdk-nag (AwsSolutions) through CDK Validations, and the acknowledged findings with reasons."""

from __future__ import annotations

from collections.abc import Iterable

import aws_cdk as cdk
from constructs import IConstruct


def ack(scope: IConstruct, findings: Iterable[str], reason: str) -> None:
    cdk.Validations.of(scope).acknowledge(
        *(cdk.Acknowledgment(id=finding, reason=reason) for finding in findings)
    )


def enable(app: cdk.App) -> None:
    from cdk_nag import AwsSolutionsChecks

    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def _arn_token(stack: cdk.Stack, construct: IConstruct) -> str:
    child = construct.node.default_child
    assert isinstance(child, cdk.CfnElement)
    return f"<{stack.get_logical_id(child)}.Arn>"


def acknowledge_findings(
    stack: cdk.Stack, *, storage: object, reminders: IConstruct, ingest_failures: IConstruct
) -> None:
    """Every finding we accept, with the reason a reviewer needs. Nothing else is acknowledged."""
    from infra.parts.storage import Storage

    assert isinstance(storage, Storage)
    ack(
        stack,
        [
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSLambdaBasicExecutionRole]"
        ],
        "The managed basic-execution policy only allows writing the function's own CloudWatch "
        "logs; it is what Lambda needs and nothing more.",
    )
    ack(
        stack,
        ["AwsSolutions-IAM5[Resource::*]"],
        "Only for actions without resource-level permissions: X-Ray trace segments (Lambda "
        "active tracing) and ses:SetActiveReceiptRuleSet in the activation custom resource.",
    )
    if storage.key is not None:
        ack(
            stack,
            [
                "AwsSolutions-IAM5[Action::kms:ReEncrypt*]",
                "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
            ],
            "CDK's grants on the deployer's customer-managed key (tables, queues) name these "
            "action families; the resource is that one key.",
        )
    mail = _arn_token(stack, storage.bucket)
    ack(
        stack,
        [
            f"AwsSolutions-IAM5[Resource::{mail}/raw/*]",
            f"AwsSolutions-IAM5[Resource::{mail}/messages/*]",
        ],
        "Object keys are per message (raw/<ses id>, messages/<id>/...); access is scoped to the "
        "prefix each function reads or writes, with single actions (GetObject, PutObject).",
    )
    ack(
        stack,
        [
            f"AwsSolutions-IAM5[Resource::{_arn_token(stack, table)}/index/*]"
            for table in storage.tables.values()
        ],
        "Queries on the table's own secondary indexes (history, reconcile, due reminders).",
    )
    ack(
        stack,
        [f"AwsSolutions-IAM5[Resource::{_arn_token(stack, reminders)}:*]"],
        "EventBridge Scheduler's role may invoke the reminders function and its versions only.",
    )
    ack(
        stack,
        [f"AwsSolutions-IAM5[Resource::{_arn_token(stack, ingest_failures)}:*]"],
        "Ingest's failure destination: Lambda may invoke the recorder function and its "
        "versions only.",
    )
    ack(
        stack,
        [
            f"AwsSolutions-IAM5[Resource::{mail}/raw/api-*]",
            f"AwsSolutions-IAM5[Resource::{mail}/messages/api-*]",
        ],
        "The message center writes only what it composes (raw/api-<random>) and what ingest "
        "stores for those messages (messages/api-<random>-<digest>/...): ids SES never assigns, "
        "so the internet-facing function cannot overwrite mail SES received.",
    )
    ack(
        stack,
        [f"AwsSolutions-IAM5[Resource::{mail}/uploads/*]"],
        "The message center signs each upload form for one key under uploads/<party>/<random "
        "id>; the API function may read and write that prefix only.",
    )
    ack(
        stack,
        [f"AwsSolutions-IAM5[Resource::{mail}/exports/*]"],
        "A party's own export (POST /me/export) is one key under exports/<party>/<random id>; "
        "the API function may read and write that prefix only (and list only under it, so a "
        "missing export is a 404).",
    )
    ack(
        stack,
        ["AwsSolutions-APIG2"],
        "API Gateway checks the Authorization header; bodies are validated by the handler "
        "against the pydantic models the OpenAPI document is generated from (422 naming the "
        "field), so the two can never disagree.",
    )
    ack(
        stack,
        [
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AmazonAPIGatewayPushToCloudWatchLogs]"
        ],
        "API Gateway's account-level logging role; the managed policy only writes its logs.",
    )
    ack(
        stack,
        ["AwsSolutions-L1"],
        "The runtime is pinned to Python 3.12, the version the bundled arm64 wheels are "
        "downloaded and tested for; moving it is a deliberate, tested change.",
    )
    ack(
        stack,
        ["AwsSolutions-SQS3"],
        "Flagged only on the queue that is itself the dead-letter destination of ingest's "
        "asynchronous invocations; a dead-letter queue of a dead-letter queue adds nothing.",
    )
