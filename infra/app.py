"""CDK app entry point: `cdk synth` / `cdk deploy`, or `python infra/app.py` (make synth)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

import aws_cdk as cdk  # noqa: E402

from infra.bundling import build_asset  # noqa: E402
from infra.config import (  # noqa: E402
    MARKETPLACE_KEYS,
    STACK_KEYS,
    ConfigError,
    DeploymentConfig,
)
from infra.nag import enable as enable_nag  # noqa: E402
from infra.stack import ParleyStack  # noqa: E402


def cdk_json_context() -> dict[str, object]:
    """cdk.json's context, for `python infra/app.py` (the cdk CLI passes it on its own)."""
    if "CDK_CONTEXT_JSON" in os.environ:
        return {}
    return dict(json.loads((ROOT / "cdk.json").read_text()).get("context", {}))


# CDK feature flags this app relies on (new behaviour, not the legacy defaults).
FEATURE_FLAGS = {
    "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True,  # a policy, not a legacy ACL
}


def build_app(context: dict[str, object] | None = None, outdir: str | None = None) -> cdk.App:
    outdir = outdir or os.environ.get("CDK_OUTDIR") or str(ROOT / "cdk.out")
    base = context if context is not None else cdk_json_context()
    app = cdk.App(context={**FEATURE_FLAGS, **base}, outdir=outdir)
    keys = sorted(MARKETPLACE_KEYS | STACK_KEYS | {"nag"})
    values = {k: app.node.try_get_context(k) for k in keys}
    config = DeploymentConfig.from_context({k: v for k, v in values.items() if v is not None})
    asset_dir = build_asset(Path(app.outdir) / ".parley-assets") if config.bundle else None
    web_dist: Path | None = ROOT / "web" / "dist"
    if not (ROOT / "web" / "dist" / "index.html").is_file():
        if config.bundle:  # a real deployment ships the pages
            raise ConfigError("the web front end is not built (web/dist): run `make install`")
        web_dist = None  # offline synthesis (tests) without a build: everything but the files
    ParleyStack(
        app,
        f"{config.prefix.title()}Stack",
        config=config,
        asset_dir=asset_dir,
        web_dist=web_dist,
        env=cdk.Environment(account=config.account, region=config.region),
        description="Parley: anonymizing buyer-seller messaging relay",
    )
    if str(values.get("nag", "true")).lower() != "false":
        enable_nag(app)  # zero unacknowledged AwsSolutions findings, or synth fails
    return app


def main() -> None:
    try:
        app = build_app()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    app.synth()


if __name__ == "__main__":
    main()
