"""The one Lambda function factory every construct uses."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.config import DeploymentConfig

ROOT = Path(__file__).resolve().parents[2]
SOURCE_EXCLUDES = [
    ".venv",
    ".git",
    "cdk.out",
    "var",
    "tests",
    "infra",
    "bench",
    "**/__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".hypothesis",
    "*.egg-info",
]


class FunctionFactory:
    """Runtime, architecture, memory, timeout, JSON logs, tracing, retention: decided once."""

    def __init__(
        self,
        scope: Construct,
        config: DeploymentConfig,
        environment: dict[str, str],
        asset_dir: Path | None,
    ) -> None:
        self._scope = scope
        self._config = config
        self._environment = environment
        # Without bundling (fast infrastructure tests) the source tree is the asset.
        self._code = lambda_.Code.from_asset(
            str(asset_dir) if asset_dir else str(ROOT),
            exclude=None if asset_dir else SOURCE_EXCLUDES,
        )

    def make(
        self,
        name: str,
        *,
        memory_mb: int = 512,
        timeout_s: int = 60,
        extra_env: dict[str, str] | None = None,
    ) -> lambda_.Function:
        construct_name = "".join(word.title() for word in name.split("_"))
        log_group = logs.LogGroup(
            self._scope,
            f"{construct_name}Logs",
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=RemovalPolicy.DESTROY,
        )
        return lambda_.Function(
            self._scope,
            f"{construct_name}Function",
            runtime=lambda_.Runtime.PYTHON_3_12,
            architecture=lambda_.Architecture.ARM_64,
            handler=f"functions.{name}.handler.handler",
            code=self._code,
            memory_size=memory_mb,
            timeout=Duration.seconds(timeout_s),
            tracing=lambda_.Tracing.ACTIVE,
            logging_format=lambda_.LoggingFormat.JSON,
            log_group=log_group,
            environment={
                **self._environment,
                "POWERTOOLS_SERVICE_NAME": f"parley-{name.replace('_', '-')}",
                "POWERTOOLS_METRICS_NAMESPACE": "Parley",
                "PARLEY_DETAILED_TRACING": str(self._config.detailed_tracing).lower(),
                **(extra_env or {}),
            },
        )
