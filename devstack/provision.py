"""Create the resources the CDK stack declares (same names, same key schemas) on an endpoint."""

from __future__ import annotations

import json
import secrets
from typing import Any

from parley.core.settings import Settings, resource_names, settings_from_env
from parley.models.tables import ALL_MODELS, bind_models

LOCAL_VISIBILITY_TIMEOUT = 5  # seconds: failed attempts come back quickly on a laptop
LOCAL_SUPPORT_ADDRESS = "support@help.marketplace.example"


def queue_names(prefix: str) -> dict[str, str]:
    return {"filter": f"{prefix}-filter", "relay": f"{prefix}-relay"}


def provision(
    *,
    prefix: str,
    relay_domain: str,
    region: str,
    endpoint_url: str | None,
    dynamodb_endpoint_url: str | None = None,
    max_receive_count: int = 5,
    extra_env: dict[str, str] | None = None,
) -> dict[str, str]:
    """Create bucket, tables, queues (with DLQs) and the SES identity; return the env."""
    import boto3

    session = boto3.session.Session(region_name=region)

    def make(service: str) -> Any:
        return session.client(service, endpoint_url=endpoint_url)

    s3, sqs, ses = make("s3"), make("sqs"), make("sesv2")
    bucket = f"{prefix}-mail"
    if region == "us-east-1":
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})

    env: dict[str, str] = {
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "PARLEY_RELAY_DOMAIN": relay_domain,
        "PARLEY_BUCKET": bucket,
        "PARLEY_MAX_RECEIVE_COUNT": str(max_receive_count),
        "PARLEY_SUPPORT_ADDRESS": LOCAL_SUPPORT_ADDRESS,
        **resource_names(prefix),
        **(extra_env or {}),
    }
    if endpoint_url:
        env["AWS_ENDPOINT_URL"] = endpoint_url
    if dynamodb_endpoint_url:
        env["AWS_ENDPOINT_URL_DYNAMODB"] = dynamodb_endpoint_url  # botocore's own name
    for stage, name in queue_names(prefix).items():
        dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        url = sqs.create_queue(
            QueueName=name,
            Attributes={
                "VisibilityTimeout": str(LOCAL_VISIBILITY_TIMEOUT),
                "RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive_count)}
                ),
            },
        )["QueueUrl"]
        env[f"PARLEY_{stage.upper()}_QUEUE_URL"] = url
        env[f"PARLEY_{stage.upper()}_DLQ_URL"] = dlq_url
    env["PARLEY_INGEST_DLQ_URL"] = sqs.create_queue(QueueName=f"{prefix}-ingest-dlq")["QueueUrl"]
    # The image proxy's signing key (remoteImages: proxy), a fresh random one per stack.
    env["PARLEY_IMAGE_PROXY_SECRET"] = make("secretsmanager").create_secret(
        Name=f"{prefix}-image-proxy-key", SecretString=secrets.token_urlsafe(48)
    )["ARN"]
    env.update(_events(make("events"), sqs, prefix, max_receive_count))

    settings: Settings = settings_from_env(env)
    bind_models(settings)
    for model in ALL_MODELS.values():
        if not model.exists():
            model.create_table(wait=False, billing_mode="PAY_PER_REQUEST")
    ses.create_email_identity(EmailIdentity=relay_domain)
    return env


def _events(events: Any, sqs: Any, prefix: str, max_receive_count: int) -> dict[str, str]:
    """The event bus, and the rule that hands every Parley event to the webhook dispatcher's
    queue (with its dead-letter queue), as the stack declares them."""
    bus = f"{prefix}-events"
    events.create_event_bus(Name=bus)
    dlq_url = sqs.create_queue(QueueName=f"{prefix}-webhooks-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    url = sqs.create_queue(
        QueueName=f"{prefix}-webhooks",
        Attributes={
            "VisibilityTimeout": str(LOCAL_VISIBILITY_TIMEOUT),
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive_count)}
            ),
        },
    )["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(
        Name=f"{prefix}-webhooks",
        EventBusName=bus,
        EventPattern=json.dumps({"source": ["parley"]}),
        State="ENABLED",
    )
    events.put_targets(
        Rule=f"{prefix}-webhooks", EventBusName=bus, Targets=[{"Id": "dispatcher", "Arn": arn}]
    )
    return {
        "PARLEY_EVENT_BUS": bus,
        "PARLEY_WEBHOOK_QUEUE_URL": url,
        "PARLEY_WEBHOOK_DLQ_URL": dlq_url,
    }
