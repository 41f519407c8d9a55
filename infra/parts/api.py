"""The message center API: REST API Gateway, Cognito authorizer, throttling, access logs, WAF."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra.nag import ack

PARTY_ATTRIBUTE = "party"  # reaches the handler as the claim custom:party ("seller:S1")


class MessageCenterApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        prefix: str,
        handler: lambda_.IFunction,
        user_pool_id: str | None,
        rate_per_second: int,
        burst: int,
        allowed_origins: tuple[str, ...] = (),
        access_log_retention: logs.RetentionDays = logs.RetentionDays.THREE_MONTHS,
        key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        if user_pool_id:  # the marketplace's own pool, whose users carry custom:party
            self.user_pool: cognito.IUserPool = cognito.UserPool.from_user_pool_id(
                self, "Users", user_pool_id
            )
        else:
            self.user_pool = cognito.UserPool(
                self,
                "Users",
                user_pool_name=f"{prefix}-message-center",
                self_sign_up_enabled=False,  # the marketplace creates its sellers and buyers
                sign_in_aliases=cognito.SignInAliases(email=True),
                custom_attributes={
                    PARTY_ATTRIBUTE: cognito.StringAttribute(min_len=3, max_len=80, mutable=False)
                },
                password_policy=cognito.PasswordPolicy(
                    min_length=12,
                    require_digits=True,
                    require_lowercase=True,
                    require_uppercase=True,
                    require_symbols=True,
                ),
                mfa=cognito.Mfa.REQUIRED,
                mfa_second_factor=cognito.MfaSecondFactor(sms=False, otp=True),
                feature_plan=cognito.FeaturePlan.PLUS,
                standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
                account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
                removal_policy=RemovalPolicy.RETAIN,
            )
        self.client = self.user_pool.add_client(
            "Client",
            auth_flows=cognito.AuthFlow(user_srp=True),
            read_attributes=cognito.ClientAttributes()
            .with_standard_attributes(email=True)
            .with_custom_attributes(PARTY_ATTRIBUTE),
            write_attributes=cognito.ClientAttributes(),  # nobody changes whom they act for
            id_token_validity=Duration.hours(1),
            prevent_user_existence_errors=True,
            # no OAuth flows (CDK's default offers implicit + code): the pool has a Hosted UI
            # domain for the web pages, whose own client allows only the code flow with PKCE
            disable_o_auth=True,
        )
        access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            retention=access_log_retention,
            encryption_key=key,
            removal_policy=RemovalPolicy.DESTROY,
        )
        authorizer = apigw.CognitoUserPoolsAuthorizer(
            self, "Authorizer", cognito_user_pools=[self.user_pool]
        )
        self.rest_api = apigw.RestApi(
            self,
            "Api",
            rest_api_name=f"{prefix}-message-center",
            description="Parley message center: history, typed messages, actions, settings",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.DESTROY,
            deploy_options=apigw.StageOptions(
                stage_name="v1",
                throttling_rate_limit=rate_per_second,
                throttling_burst_limit=burst,
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,  # request bodies are private messages
                metrics_enabled=True,
                tracing_enabled=True,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=False,
                ),
            ),
            default_method_options=apigw.MethodOptions(
                authorizer=authorizer,
                authorization_type=apigw.AuthorizationType.COGNITO,
            ),
            # Browsers send the preflight without a token; API Gateway answers it itself.
            default_cors_preflight_options=apigw.CorsOptions(
                allow_origins=list(allowed_origins),
                allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
                allow_headers=["Authorization", "Content-Type"],
                max_age=Duration.minutes(10),
            )
            if allowed_origins
            else None,
        )
        # Bodies are validated by the handler against the same models the OpenAPI document
        # is generated from; API Gateway still refuses requests missing the token header.
        validator = self.rest_api.add_request_validator(
            "Validator", validate_request_parameters=True, validate_request_body=False
        )
        self.rest_api.root.add_proxy(
            default_integration=apigw.LambdaIntegration(handler),
            any_method=True,
            default_method_options=apigw.MethodOptions(
                authorizer=authorizer,
                authorization_type=apigw.AuthorizationType.COGNITO,
                request_validator=validator,
                request_parameters={"method.request.header.Authorization": True},
            ),
        )
        for method in self.rest_api.methods:
            if method.http_method == "OPTIONS":
                ack(
                    method,
                    ["AwsSolutions-APIG4", "AwsSolutions-COG4"],
                    "CORS preflight: browsers send it without credentials by design; API "
                    "Gateway answers it itself (mock integration), no function or data behind it.",
                )
        _problem_gateway_responses(self.rest_api)
        self.web_acl = _firewall(self, prefix, self.rest_api)


def _firewall(scope: Construct, prefix: str, rest_api: apigw.RestApi) -> wafv2.CfnWebACL:
    """AWS's common and known-bad-input rules, and a per-address rate limit."""
    web_acl = wafv2.CfnWebACL(
        scope,
        "Firewall",
        scope="REGIONAL",
        default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
        visibility_config=_visibility(f"{prefix}-api"),
        rules=[
            _managed_rule("AWSManagedRulesCommonRuleSet", 1),
            _managed_rule("AWSManagedRulesKnownBadInputsRuleSet", 2),
            wafv2.CfnWebACL.RuleProperty(
                name="RatePerAddress",
                priority=3,
                action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                        aggregate_key_type="IP", limit=1000
                    )
                ),
                visibility_config=_visibility("rate-per-address"),
            ),
        ],
    )
    wafv2.CfnWebACLAssociation(
        scope,
        "FirewallAssociation",
        resource_arn=rest_api.deployment_stage.stage_arn,
        web_acl_arn=web_acl.attr_arn,
    )
    return web_acl


# The gateway's own errors (authorizer, throttling, size, unknown resource) in the same RFC 9457
# shape as the handler's: clients read one error format.
_GATEWAY_PROBLEMS = {
    apigw.ResponseType.UNAUTHORIZED: ("401", "unauthorized", "Not signed in"),
    apigw.ResponseType.ACCESS_DENIED: ("403", "forbidden", "Not allowed for this role"),
    apigw.ResponseType.THROTTLED: ("429", "too-many-requests", "Too many requests"),
    apigw.ResponseType.REQUEST_TOO_LARGE: ("413", "too-large", "Too large"),
    apigw.ResponseType.DEFAULT_4_XX: (None, "bad-request", "Bad request"),
    apigw.ResponseType.DEFAULT_5_XX: (None, "internal-error", "Internal error"),
}


def _problem_gateway_responses(rest_api: apigw.RestApi) -> None:
    for response_type, (status, slug, title) in _GATEWAY_PROBLEMS.items():
        body = (
            f'{{"type": "urn:parley:problem:{slug}", "title": "{title}", '
            + (f'"status": {status}, ' if status else "")
            + '"detail": $context.error.messageString}'
        )
        rest_api.add_gateway_response(
            f"Problem{response_type.response_type}",
            type=response_type,
            status_code=status,
            response_headers={"Content-Type": "'application/problem+json'"},
            templates={"application/json": body},
        )


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )


def _managed_rule(name: str, priority: int) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name="AWS", name=name
            )
        ),
        visibility_config=_visibility(name),
    )
