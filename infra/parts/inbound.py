"""SES receiving: a rule set with one rule per relay domain, activated by a custom resource."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ses as ses
from aws_cdk import aws_ses_actions as actions
from aws_cdk import custom_resources as cr
from constructs import Construct


@dataclass(frozen=True)
class InboundRoute:
    """Mail for one relay domain: stored under the prefix in the bucket, then handed to ingest."""

    domain: str
    bucket: s3.IBucket
    raw_prefix: str
    ingest: lambda_.IFunction


class Inbound(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        prefix: str,
        routes: list[InboundRoute],
        log_retention: logs.RetentionDays,
        key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        rule_set_name = f"{prefix}-inbound"
        self.rule_set = ses.ReceiptRuleSet(self, "RuleSet", receipt_rule_set_name=rule_set_name)
        for index, route in enumerate(routes):
            # The S3 action writes raw/<messageId> first; then ingest runs asynchronously.
            # Both actions grant SES its permission and make the rule depend on it.
            self.rule_set.add_rule(
                f"Domain{index}",
                recipients=[route.domain],
                scan_enabled=True,
                tls_policy=ses.TlsPolicy.REQUIRE,
                actions=[
                    actions.S3(bucket=route.bucket, object_key_prefix=route.raw_prefix),
                    actions.Lambda(
                        function=route.ingest, invocation_type=actions.LambdaInvocationType.EVENT
                    ),
                ],
            )
        # CloudFormation cannot make a rule set the active one; this call can, and undoes it.
        activate = cr.AwsSdkCall(
            service="SES",
            action="setActiveReceiptRuleSet",
            parameters={"RuleSetName": rule_set_name},
            physical_resource_id=cr.PhysicalResourceId.of(f"{rule_set_name}-active"),
        )
        self.activation = cr.AwsCustomResource(
            self,
            "Activate",
            on_create=activate,
            on_update=activate,
            on_delete=cr.AwsSdkCall(service="SES", action="setActiveReceiptRuleSet", parameters={}),
            policy=cr.AwsCustomResourcePolicy.from_sdk_calls(
                resources=cr.AwsCustomResourcePolicy.ANY_RESOURCE
            ),
            install_latest_aws_sdk=False,
            # Its function's logs have a retention like every other log group.
            log_group=logs.LogGroup(
                self,
                "ActivateLogs",
                retention=log_retention,
                encryption_key=key,
                removal_policy=RemovalPolicy.DESTROY,
            ),
        )
        self.activation.node.add_dependency(self.rule_set)
