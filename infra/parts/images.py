"""The remote image proxy of `remoteImages: proxy`: its key, its function and its public URL.

- The signing key is a Secrets Manager secret the stack generates (64 random characters);
  the relay reads it to sign, the proxy to check, both on first use. Nothing else may read it.
- The function answers on a Lambda function URL without IAM auth: the signed, expiring token
  in the path is the authorization (a recipient's mail program has no AWS credentials). The
  relay may invoke it directly (only it) to have a sent copy's images fetched at once.
- Its concurrency is reserved and capped (`imageProxyConcurrency`, default 20): a flood of
  requests to the public URL is throttled at that many invocations, never drawing on the
  rest of the account's concurrency (0 reserves none: an account still at the default limit
  of 10 cannot reserve any).
- It may read and write only the cache prefix `images/` of the mail bucket; the lifecycle
  rule for that prefix comes from the retention table (`image_cache` days) like every other.
"""

from __future__ import annotations

from aws_cdk import CfnElement, Fn, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.nag import ack
from infra.parts.functions import FunctionFactory
from parley.adapters import keys
from parley.core.image_tokens import ROUTE


class ImageProxy(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        factory: FunctionFactory,
        bucket: s3.IBucket,
        relay: lambda_.Function,
        days: int,
        concurrency: int = 20,
        key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.secret = secretsmanager.Secret(
            self,
            "SigningKey",
            description="Signs the image proxy's URLs in relayed mail (remoteImages: proxy)",
            encryption_key=key,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True
            ),
        )
        environment = {"PARLEY_IMAGE_PROXY_SECRET": self.secret.secret_arn}
        self.function = factory.make(
            "image_proxy", memory_mb=1024, timeout_s=30, extra_env=environment
        )
        # The function URL is public: a flood (valid tokens or not) must not draw on the
        # account concurrency that ingest, the relay and the API share.
        if concurrency:
            cfn = self.function.node.default_child
            assert isinstance(cfn, lambda_.CfnFunction)
            cfn.reserved_concurrent_executions = concurrency
        self.url = self.function.add_function_url(auth_type=lambda_.FunctionUrlAuthType.NONE)
        base = Fn.join("", [self.url.url, ROUTE.strip("/")])
        for function in (self.function, relay):
            self.secret.grant_read(function)
        relay.add_environment("PARLEY_IMAGE_PROXY_SECRET", self.secret.secret_arn)
        relay.add_environment("PARLEY_IMAGE_PROXY_URL", base)
        relay.add_environment("PARLEY_IMAGE_PROXY_DAYS", str(days))
        # Right after sending, the relay has the proxy fetch the copy's images (asynchronous
        # invocation): the sender's server then never sees a request at opening time.
        relay.add_environment(
            "PARLEY_IMAGE_PROXY_WARM", Fn.join("", ["lambda:", self.function.function_name])
        )
        relay.add_to_role_policy(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"], resources=[self.function.function_arn]
            )
        )
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject", "s3:PutObject"],
                resources=[bucket.arn_for_objects(f"{keys.IMAGES}*")],
            )
        )
        child = bucket.node.default_child
        assert isinstance(child, CfnElement)
        mail = f"<{Stack.of(self).get_logical_id(child)}.Arn>"
        ack(
            self.function,
            [f"AwsSolutions-IAM5[Resource::{mail}/{keys.IMAGES}*]"],
            "Cached images are one object per URL hash under images/; the proxy may read and "
            "write that prefix only, with single actions (GetObject, PutObject).",
        )
        ack(
            self,
            ["AwsSolutions-SMG4"],
            "Rotating the signing key would break every image link in mail already delivered "
            "(a link is valid for imageProxyDays); the key signs URLs only and never leaves "
            "the relay and the proxy, which are the only readers.",
        )
