"""The web message center: the built page in a private S3 bucket behind CloudFront.

CloudFront reads the bucket through origin access control (the bucket is never public), adds
a strict Content-Security-Policy, HSTS and the other security headers to every answer, and a
viewer-request function maps /app/ to the page. Sign-in is the Cognito Hosted UI with the
authorization code flow and PKCE (a public client: no secret in a browser). The page learns
the API's URL, the Hosted UI domain and its client id from app/config.json, written at deploy.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra.nag import _arn_token, ack

APP_PATH = "/app/"

# Answers /, /app and /app/ (and any path below /app/ without a file extension: the page
# routes with #fragments, so this is only for typed or bookmarked URLs) with the page.
REWRITE = """
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri === "/" || uri === "/app") {
    var to = { location: { value: "/app/" } };
    return { statusCode: 302, statusDescription: "Found", headers: to };
  }
  if (uri.startsWith("/app/") && uri.split("/").pop().indexOf(".") === -1) {
    request.uri = "/app/index.html";
  }
  return request;
}
"""


def content_security_policy(region: str, cognito_domain: str) -> str:
    """Scripts and styles only from the distribution itself; the API (API Gateway), the
    Hosted UI's token endpoint and presigned S3 uploads are the only other connections, S3
    downloads the only other images. No inline script, no eval, no frames, no plugins."""
    api = f"https://*.execute-api.{region}.amazonaws.com"
    s3_hosts = f"https://*.s3.amazonaws.com https://*.s3.{region}.amazonaws.com"
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' {s3_hosts}",
            f"connect-src 'self' {api} {cognito_domain} {s3_hosts}",
            "font-src 'self'",
            "manifest-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "upgrade-insecure-requests",
        )
    )


class WebFrontEnd(Construct):
    """Bucket, distribution and headers; `connect` adds the sign-in client and the config."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        prefix: str,
        access_log_days: int = 90,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        log_key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.prefix = prefix
        self.log_retention = log_retention
        self.log_key = log_key  # the deployer's key, when given, encrypts every log group
        region = Stack.of(self).region
        # globally unique per region: the marketplace's prefix and this construct's own hash
        self.hosted_ui_prefix = f"{prefix.lower()}-{self.node.addr[:12]}"
        self.cognito_domain = f"https://{self.hosted_ui_prefix}.auth.{region}.amazoncognito.com"
        self.logs = s3.Bucket(
            self,
            "AccessLogs",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            # CloudFront's standard logs are delivered with an ACL
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(access_log_days))],
            removal_policy=RemovalPolicy.RETAIN,
        )
        ack(
            self.logs,
            ["AwsSolutions-S1"],
            "This is the web front end's access-log bucket; logging it into itself would loop.",
        )
        self.bucket = s3.Bucket(
            self,
            "Site",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=True,  # the current build stays; replaced builds go after a month
            lifecycle_rules=[
                s3.LifecycleRule(
                    noncurrent_version_expiration=Duration.days(30),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
            server_access_logs_bucket=self.logs,
            server_access_logs_prefix="s3/",
            removal_policy=RemovalPolicy.DESTROY,
            auto_delete_objects=False,
        )
        self.headers = cloudfront.ResponseHeadersPolicy(
            self,
            "Headers",
            response_headers_policy_name=f"{prefix}-web-security",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=content_security_policy(region, self.cognito_domain),
                    override=True,
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.days(730),
                    include_subdomains=True,
                    preload=True,
                    override=True,
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True
                ),
                xss_protection=cloudfront.ResponseHeadersXSSProtection(
                    protection=True, mode_block=True, override=True
                ),
            ),
        )
        rewrite = cloudfront.Function(
            self,
            "Rewrite",
            code=cloudfront.FunctionCode.from_inline(REWRITE),
            runtime=cloudfront.FunctionRuntime.JS_2_0,
            comment="/ and /app to the page",
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"{prefix} message center",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=self.headers,
                function_associations=[
                    cloudfront.FunctionAssociation(
                        function=rewrite, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST
                    )
                ],
            ),
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            enable_logging=True,
            log_bucket=self.logs,
            log_file_prefix="cloudfront/",
        )
        ack(
            self.distribution,
            ["AwsSolutions-CFR1"],
            "Buyers and sellers of a marketplace may be anywhere; the API behind the page has "
            "its own WAF and throttling.",
        )
        ack(
            self.distribution,
            ["AwsSolutions-CFR2"],
            "The distribution serves only static files from a private bucket (GET and HEAD); "
            "every request with data goes to the API, which has a WAF web ACL. A CLOUDFRONT-"
            "scoped ACL would have to live in us-east-1, outside this stack.",
        )
        ack(
            self.distribution,
            ["AwsSolutions-CFR4"],
            "The default *.cloudfront.net certificate cannot pin the viewer TLS version; the "
            "distribution asks for TLS 1.2 (2021), which CloudFront applies once a custom "
            "domain with its own certificate is attached.",
        )
        self.url = f"https://{self.distribution.distribution_domain_name}{APP_PATH}"
        self.origin = f"https://{self.distribution.distribution_domain_name}"

    def connect(
        self, *, user_pool: cognito.IUserPool, api_url: str, dist: Path | None
    ) -> cognito.UserPoolClient:
        """The Hosted UI (a Cognito domain on the pool) and its public client for the page,
        and the page itself with its config.json."""
        self.hosted_ui = user_pool.add_domain(
            "HostedUi",
            cognito_domain=cognito.CognitoDomainOptions(domain_prefix=self.hosted_ui_prefix),
        )
        client = user_pool.add_client(
            "WebClient",
            generate_secret=False,  # a browser keeps no secret: PKCE protects the code
            auth_flows=cognito.AuthFlow(user_srp=True),
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.PROFILE],
                callback_urls=[self.url],
                logout_urls=[self.url],
            ),
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            id_token_validity=Duration.hours(1),
            access_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(1),
            prevent_user_existence_errors=True,
            read_attributes=cognito.ClientAttributes().with_custom_attributes("party"),
            write_attributes=cognito.ClientAttributes(),
        )
        if dist is not None:
            deployment = s3deploy.BucketDeployment(
                self,
                "Deploy",
                sources=[
                    s3deploy.Source.asset(str(dist), exclude=["size.json"]),
                    s3deploy.Source.json_data(
                        "config.json",
                        {
                            "api": api_url,
                            "auth": {
                                "mode": "cognito",
                                "domain": self.cognito_domain,
                                "clientId": client.user_pool_client_id,
                                "redirectUri": self.url,
                                "scopes": ["openid", "profile"],
                            },
                        },
                    ),
                ],
                destination_bucket=self.bucket,
                destination_key_prefix=APP_PATH.strip("/") + "/",
                distribution=self.distribution,
                distribution_paths=[f"{APP_PATH}*"],
                prune=True,
                memory_limit=256,
                log_group=logs.LogGroup(
                    self,
                    "DeployLogs",
                    retention=self.log_retention,
                    encryption_key=self.log_key,
                    removal_policy=RemovalPolicy.DESTROY,
                ),
            )
            self._acknowledge_deployment(deployment)
        return client

    def _acknowledge_deployment(self, deployment: s3deploy.BucketDeployment) -> None:
        """CDK's own deployment function copies the build from the asset bucket into the site
        bucket and invalidates the distribution; its grants are CDK's, scoped to the two."""
        stack = Stack.of(self)
        site = _arn_token(stack, self.bucket)
        assets = f"arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-{stack.account}-{stack.region}/*"
        ack(
            deployment.handler_role,
            [
                *(
                    f"AwsSolutions-IAM5[Action::s3:{a}*]"
                    for a in ("GetObject", "GetBucket", "List", "DeleteObject", "Abort")
                ),
                f"AwsSolutions-IAM5[Resource::{assets}]",
                f"AwsSolutions-IAM5[Resource::{site}/*]",
            ],
            "CDK's BucketDeployment reads the build from the CDK asset bucket and replaces the "
            "files of the site bucket (list, get, put, delete under it); no other bucket.",
        )
