"""Per-function Lambda packages: each ships what its function imports, nothing a developer uses."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import cast

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Template

import infra.app
from infra import bundling
from infra.app import build_app

pytestmark = pytest.mark.infra
ROOT = Path(__file__).resolve().parents[2]
# Imported when present, optional where absent: botocore falls back to its own CA bundle
# without certifi, PynamoDB's signals to no-ops without blinker; setuptools is the venv's
# editable-install hook.
OPTIONAL = {"certifi", "blinker", "setuptools"}
MAIL_FUNCTIONS = ["ingest", "filter", "relay", "reminders", "feedback", "ingest_failures"]


def _client_services() -> set[str]:
    """Every service name passed as a literal to a `client(...)` call in the shipped code."""
    found = set()
    for path in [*(ROOT / "parley").rglob("*.py"), *(ROOT / "functions").rglob("*.py")]:
        if "cli" in path.relative_to(ROOT).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "client"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


def test_every_service_the_code_calls_keeps_its_botocore_model() -> None:
    services = _client_services()
    assert {"s3", "sesv2", "sqs", "events"} <= services  # the scan sees the real calls
    assert services | {"dynamodb"} <= bundling.SERVICES  # PynamoDB builds its own client


def test_pruning_botocore_keeps_the_listed_services_and_the_endpoint_data(tmp_path: Path) -> None:
    data = tmp_path / "botocore" / "data"
    for service in ("s3", "sqs", "ec2", "sagemaker"):
        (data / service / "2006-03-01").mkdir(parents=True)
        (data / service / "2006-03-01" / "service-2.json.gz").write_bytes(b"x")
    for name in ("endpoints.json", "partitions.json", "sdk-default-configuration.json"):
        (data / name).write_text("{}")
    bundling.prune_botocore(tmp_path)
    assert sorted(p.name for p in data.iterdir()) == [
        "endpoints.json",
        "partitions.json",
        "s3",
        "sdk-default-configuration.json",
        "sqs",
    ]


def test_every_function_is_packaged() -> None:
    assert set(bundling.functions()) >= {*MAIL_FUNCTIONS, "api"}


@pytest.mark.parametrize("function", bundling.functions())
def test_a_function_ships_only_runtime_dependencies(function: str) -> None:
    requirements = bundling.function_requirements(function)  # raises on a development package
    names = {bundling._requirement_name(r) for r in requirements}
    assert {"boto3", "botocore", "aws-lambda-powertools"} <= names
    # every function but the image proxy (bucket and key only) reads the tables
    assert ("pynamodb" in names) == (function != "image_proxy")
    assert not names & {"moto", "aiosmtpd", "typer", "rich", "aws-cdk-lib", "pytest"}
    assert all("==" in r for r in requirements)  # pinned


def test_lazy_imports_count_and_the_api_alone_ships_pydantic() -> None:
    # phonenumbers is imported inside a rule's method (first seller message), and the rules
    # by parley.policy's __getattr__ when the filter imports `evaluate`
    assert "phonenumbers" in bundling.import_closure("filter").third_party
    assert "parley.policy.engine" in bundling.import_closure("filter").modules
    assert "pydantic" in bundling.import_closure("api").third_party
    for function in MAIL_FUNCTIONS:
        assert "pydantic" not in bundling.import_closure(function).third_party, function


def test_a_function_that_never_evaluates_the_policy_ships_no_rule_libraries() -> None:
    for function in ("reminders", "feedback", "ingest_failures"):
        closure = bundling.import_closure(function)
        assert "parley.policy.engine" not in closure.modules, function
        assert not closure.third_party & {"phonenumbers", "selectolax"}, function


def test_attachment_libraries_ship_only_where_attachments_are_inspected_or_cleaned() -> None:
    """The filter inspects attachments (pikepdf, oletools); the relay cleans them (Pillow,
    pi-heif, pikepdf, lxml). The API reads views and sends through ingest: it needs neither,
    nor the policy's rule libraries; the relay evaluates no rule."""
    inspect, clean = {"pikepdf", "oletools"}, {"PIL", "pi_heif", "pikepdf", "lxml"}
    rules = {"phonenumbers", "oletools", "ada_url"}
    assert inspect <= bundling.import_closure("filter").third_party
    assert not bundling.import_closure("filter").third_party & {"PIL", "pi_heif"}
    relay = bundling.import_closure("relay")
    assert clean <= relay.third_party
    assert "tinycss2" in relay.third_party  # remote content: CSS read as a browser reads it
    assert not relay.third_party & rules
    assert "parley.policy.engine" not in relay.modules
    api = bundling.import_closure("api")
    assert not api.third_party & (
        inspect | clean | rules - {"ada_url"} | {"selectolax", "tinycss2"}
    )
    assert not {"parley.policy.engine", "parley.mail.compose"} & api.modules


def test_lazy_package_names_are_only_reached_by_from_imports() -> None:
    """A package whose `__getattr__` loads a part on use (parley.policy) is reached only as
    `from package import name`, the form the closure follows; `import package` followed by
    `package.name` would load code the closure never saw."""
    lazy = {
        module
        for function in bundling.functions()
        for module in bundling.import_closure(function).modules
        if "def __getattr__" in (bundling._module_file(module) or Path("/dev/null")).read_text()
    }
    assert "parley.policy" in lazy
    for path in [*(ROOT / "parley").rglob("*.py"), *(ROOT / "functions").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                assert not {a.name for a in node.names} & lazy, path
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                assert not {f"{node.module}.{a.name}" for a in node.names} & lazy, path


def test_phone_numbers_come_from_the_lite_distribution_without_geodata() -> None:
    requirements = " ".join(bundling.function_requirements("filter"))
    assert "phonenumberslite==" in requirements
    for function in bundling.functions():
        for module in bundling.import_closure(function).modules:
            path = bundling._module_file(module)
            assert path is not None
            for name in bundling._imports(path, module):
                assert not name.startswith(
                    ("phonenumbers.geocoder", "phonenumbers.carrier", "phonenumbers.timezone")
                ), f"{module} uses data that phonenumberslite does not ship"


@pytest.mark.parametrize("function", bundling.functions())
def test_what_a_handler_loads_at_import_is_in_its_package(function: str) -> None:
    """The reading of the source, checked against a real import in a clean interpreter."""
    code = (
        "import json, sys, importlib.metadata as md\n"
        f"import functions.{function}.handler\n"
        "tops = {m.partition('.')[0] for m in list(sys.modules)}\n"
        "names = md.packages_distributions()\n"
        "print(json.dumps(sorted({d for t in tops for d in names.get(t, [])})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    loaded = {bundling._canonical(d) for d in json.loads(out)} - {"parley"} - OPTIONAL
    shipped = bundling.dependency_closure(bundling.function_requirements(function))
    assert loaded <= shipped, f"{function} loads what its package lacks: {loaded - shipped}"


def test_a_bundled_stack_gives_each_function_its_own_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assets = tmp_path / "assets"
    for function in bundling.functions():
        (assets / function / "functions" / function).mkdir(parents=True)
        (assets / function / "functions" / function / "handler.py").write_text(f"# {function}\n")
    monkeypatch.setattr(infra.app, "build_asset", lambda _out: assets)
    web = tmp_path / "root" / "web" / "dist"  # a bundled stack ships the built web pages
    web.mkdir(parents=True)
    (web / "index.html").write_text("<!doctype html><title>Parley</title>\n")
    monkeypatch.setattr(infra.app, "ROOT", tmp_path / "root")
    context = {
        "nag": "false",
        "relayDomain": "marketplace.example",
        "region": "eu-west-1",
        "account": "111111111111",
    }
    app = build_app(context, outdir=str(tmp_path / "cdk"))
    template = Template.from_stack(cast(Stack, app.node.find_child("ParleyStack")))
    code = {
        props["Handler"]: json.dumps(props["Code"], sort_keys=True)
        for props in (
            r["Properties"]
            for r in template.find_resources("AWS::Lambda::Function").values()
            if str(r["Properties"].get("Handler", "")).startswith("functions.")
        )
    }
    assert set(code) >= {f"functions.{f}.handler.handler" for f in MAIL_FUNCTIONS}
    assert len(set(code.values())) == len(code)  # one asset per function


def test_the_image_proxy_ships_pillow_and_nothing_of_the_mail_pipeline() -> None:
    closure = bundling.import_closure("image_proxy")
    assert "PIL" in closure.third_party
    assert not closure.third_party & {
        "pynamodb",
        "pikepdf",
        "lxml",
        "pillow_heif",
        "selectolax",
        "phonenumbers",
        "pydantic",
    }
    assert not {"parley.app", "parley.mail.compose", "parley.mail.cleaning"} & closure.modules
