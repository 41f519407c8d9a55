"""The one Lambda function factory every construct uses."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_kms as kms
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


# CloudWatch's retention choices by their number of days (parley.core.retention checks that a
# configured value is one of them).
LOG_RETENTION = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}


class FunctionFactory:
    """Runtime, architecture, memory, timeout, JSON logs, tracing, retention: decided once."""

    def __init__(
        self,
        scope: Construct,
        config: DeploymentConfig,
        environment: dict[str, str],
        asset_dir: Path | None,
        *,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        key: kms.IKey | None = None,
    ) -> None:
        self._key = key
        self._scope = scope
        self._config = config
        self._log_retention = log_retention
        self._environment = environment
        # Bundled: `asset_dir/<function>` holds that function's own package (infra/bundling.py).
        # Without bundling (fast infrastructure tests) the source tree is every function's asset.
        self._asset_dir = asset_dir
        self._source = (
            None if asset_dir else lambda_.Code.from_asset(str(ROOT), exclude=SOURCE_EXCLUDES)
        )

    def _code(self, name: str) -> lambda_.Code:
        if self._source is not None:
            return self._source
        assert self._asset_dir is not None
        return lambda_.Code.from_asset(str((self._asset_dir / name).resolve()))

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
            retention=self._log_retention,
            encryption_key=self._key,
            removal_policy=RemovalPolicy.DESTROY,
        )
        return lambda_.Function(
            self._scope,
            f"{construct_name}Function",
            runtime=lambda_.Runtime.PYTHON_3_12,
            architecture=lambda_.Architecture.ARM_64,
            handler=f"functions.{name}.handler.handler",
            code=self._code(name),
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
