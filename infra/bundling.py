"""Lambda code without Docker: one package per function, holding only what that function imports.

How a function's package is decided:

1. Its import closure: every module reachable from `functions/<name>/` by `import` statements,
   read from the source (so imports inside functions, which load lazily, count too; imports
   under `if TYPE_CHECKING:` do not). Project modules are followed; the first component of
   every other non-stdlib module is a third-party top-level name.
2. Top-level names -> distributions (the installed metadata knows which distribution ships
   which top-level name). A distribution that is not a runtime dependency (or one of theirs)
   is an error: a development tool must never reach a Lambda package.
3. pip installs exactly those (arm64 wheels from one shared wheelhouse, pins from
   requirements.lock, their own dependencies resolved by pip), then the project's code.
4. botocore ships the models of every AWS service (about 25 MB); only the services the
   project builds clients for (`SERVICES`, checked against the code by a test) are kept.
5. What no code path of a function loads is left out: declared dependencies the code never
   reaches (`UNUSED_REQUIREMENTS`), the parts of libraries nothing imports or opens
   (`PRUNED`), and vendored shared libraries that no remaining extension module links.
   tests/infra/test_package_runtime.py runs each function's lazy paths (every attachment
   kind cleaned or inspected) in a clean interpreter and proves none of it is loaded.
"""

from __future__ import annotations

import ast
import fnmatch
import hashlib
import os
import re
import shutil
import struct
import subprocess
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON_VERSION = "3.12"
# Lambda's python3.12 runtime is Amazon Linux 2023 (glibc 2.34): wheels built for glibc up to
# 2.34 run there (some libraries, pi-heif among them, ship only manylinux_2_28 wheels).
PLATFORMS = (
    "manylinux2014_aarch64",
    "manylinux_2_24_aarch64",
    "manylinux_2_28_aarch64",
    "manylinux_2_34_aarch64",
)
FIRST_PARTY = ("parley", "functions")
# Pure-Python runtime dependencies published only as source (no wheel on the index).
SOURCE_ONLY = frozenset({"dkimpy"})
# Never shipped: the command line and the local stack are for people, not for Lambda.
NOT_SHIPPED = ("parley/cli",)
# The AWS services the code builds clients for (tests/infra checks this against the code);
# every other service model is dropped from botocore.
SERVICES = frozenset({"dynamodb", "events", "lambda", "s3", "secretsmanager", "sesv2", "sqs"})
# botocore's own data files that are not service models.
_BOTOCORE_KEEP_FILES = frozenset(
    {"endpoints.json", "partitions.json", "sdk-default-configuration.json", "_retry.json"}
)


# Declared dependencies that no code path of ours reaches, as (dependent, dependency): the
# dependency is not installed for that dependent (it still is when something else needs it).
UNUSED_REQUIREMENTS: dict[tuple[str, str], str] = {
    ("msoffcrypto-tool", "cryptography"): (
        "oletools imports msoffcrypto, but calls it only to decrypt (its command line and "
        "VBA_Parser.decrypt_file); detect_vba_macros never does, and msoffcrypto imports "
        "cryptography only in its decryption methods"
    ),
    ("cffi", "pycparser"): (
        "cffi parses C declarations with pycparser; ada-url's compiled binding (the one user of "
        "cffi here) loads _cffi_backend only"
    ),
    ("oletools", "easygui"): "the GUI of oletools' olebrowse and ezhexviewer tools",
    ("pikepdf", "pillow"): (
        "pikepdf imports PIL only to convert page images (pikepdf.models.image); the policy "
        "reads PDF objects, the relay's cleaning rewrites streams (it ships Pillow itself)"
    ),
}
# Parts of libraries that nothing loads at run time (globs on the path inside the package;
# `*` crosses directories). Never applied to the project's own code.
PRUNED = (
    # sources, headers and type stubs of compiled libraries
    *("*.c", "*.cpp", "*.h", "*.hpp", "*.pyx", "*.pxd", "*.pxi", "*.pyi"),
    # lxml: the cleaning and oletools use lxml.etree only
    *("lxml/objectify.*", "lxml/html/*", "lxml/isoschematron/*", "lxml/includes/*"),
    *("lxml/sax.*", "lxml/builder.*"),
    # Pillow: fonts, Tk, morphology, ImageMath and AVIF (the cleaning registers the plugins
    # of its formats itself, so Pillow never imports all of them)
    *("PIL/_imagingft.*", "PIL/_imagingtk.*", "PIL/_imagingmorph.*", "PIL/_imagingmath.*"),
    "PIL/_avif.*",
    "pikepdf/pdfa/*",  # PDF/A support, imported on `pikepdf.pdfa` only
    # the Swagger UI's assets, served by enable_swagger only
    *("aws_lambda_powertools/event_handler/openapi/swagger_ui/*.js",),
    *("aws_lambda_powertools/event_handler/openapi/swagger_ui/*.css",),
    "bin/*",  # console scripts
)
# Where Lambda's python3.12 on arm64 evaluates environment markers.
_LAMBDA_MARKERS = {
    "python_version": PYTHON_VERSION,
    "python_full_version": f"{PYTHON_VERSION}.0",
    "platform_machine": "aarch64",
    "platform_system": "Linux",
    "sys_platform": "linux",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def functions() -> list[str]:
    """Every Lambda function of the project: a package under functions/ with a handler."""
    return sorted(p.parent.name for p in (ROOT / "functions").glob("*/handler.py"))


# ---------------------------------------------------------------------------------------------
# The import closure, read from the source
# ---------------------------------------------------------------------------------------------


def _module_file(module: str) -> Path | None:
    base = ROOT.joinpath(*module.split("."))
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    return None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _resolve(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    parts = package.split(".")
    base = ".".join(parts[: len(parts) - node.level + 1])
    return f"{base}.{node.module}" if node.module else base


def _nodes_under(statements: Iterable[ast.stmt]) -> set[int]:
    return {id(n) for statement in statements for n in ast.walk(statement)}


def _imports(path: Path, module: str, *, deferred: bool = False) -> Iterable[str]:
    """Every module an import statement in `path` names (also `from x import submodule`).

    Imports under `if TYPE_CHECKING:` never run. Imports in a module-level `__getattr__`
    (a package that loads a heavy part only when one of its names is used) are `deferred`:
    they count only for a module that imports one of those names (see import_closure).
    """
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    skipped: set[int] = set()
    lazy: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            skipped |= _nodes_under(node.body)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "__getattr__":
            lazy |= _nodes_under(node.body)
    for node in ast.walk(tree):
        if id(node) in skipped or (id(node) in lazy) != deferred:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(node, package)
            yield target
            yield from (f"{target}.{alias.name}" for alias in node.names)


@dataclass(frozen=True)
class Closure:
    modules: frozenset[str]  # the project's modules the function can load
    third_party: frozenset[str]  # top-level names of everything else (not the stdlib)


def _third_party(names: Iterable[str]) -> set[str]:
    tops = {name.partition(".")[0] for name in names}
    return {
        top
        for top in tops
        if top and top not in sys.stdlib_module_names and top not in (*FIRST_PARTY, "__future__")
    }


@cache
def import_closure(function: str) -> Closure:
    package = f"functions.{function}"
    roots = [f"{package}.{p.stem}" for p in (ROOT / "functions" / function).glob("*.py")]
    roots = [r.removesuffix(".__init__") for r in roots]
    seen: set[str] = set()
    deferred_done: set[str] = set()
    third: set[str] = set()
    todo = list(roots)
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        path = _module_file(module)
        if path is None:
            # `from package import name` where name is not a module: the package's
            # `__getattr__` may load it, so its deferred imports count
            parent = module.rpartition(".")[0]
            parent_path = _module_file(parent) if parent else None
            if parent_path is not None and parent not in deferred_done:
                deferred_done.add(parent)
                pending = list(_imports(parent_path, parent, deferred=True))
                todo.extend(n for n in pending if n.partition(".")[0] in FIRST_PARTY)
                third.update(_third_party(pending))
            continue
        seen.add(module)
        parts = module.split(".")
        todo.extend(".".join(parts[:i]) for i in range(1, len(parts)))  # parents run first
        names = list(_imports(path, module))
        todo.extend(n for n in names if n.partition(".")[0] in FIRST_PARTY)
        third.update(_third_party(names))
    return Closure(frozenset(seen), frozenset(third))


# ---------------------------------------------------------------------------------------------
# Distributions
# ---------------------------------------------------------------------------------------------


def runtime_requirements() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return list(project["project"]["dependencies"])


def locked_versions() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        name, sep, version = line.split("#")[0].strip().partition("==")
        if sep:
            pins[_canonical(name.split("[")[0])] = version.strip()
    return pins


def _requirement_name(requirement: str) -> str:
    return _canonical(re.split(r"[\[=<>!~; ]", requirement, maxsplit=1)[0])


def dependency_closure(requirements: Iterable[str]) -> frozenset[str]:
    """The distributions `requirements` name and everything they pull in (as installed here)."""
    from packaging.requirements import Requirement

    found: set[str] = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        requirement = todo.pop()
        name = _canonical(requirement.name)
        if name in found:
            continue
        found.add(name)
        try:
            requires = metadata.requires(requirement.name) or []
        except metadata.PackageNotFoundError:
            continue
        for spec in requires:
            child = Requirement(spec)
            wanted = requirement.extras or {""}
            if child.marker is None or any(child.marker.evaluate({"extra": e}) for e in wanted):
                todo.append(child)
    return frozenset(found)


@cache
def runtime_distributions() -> frozenset[str]:
    """The runtime dependencies and everything they pull in."""
    return dependency_closure(runtime_requirements())


class BundlingError(RuntimeError):
    pass


def function_requirements(function: str) -> list[str]:
    """What pip installs for one function: pinned, with the extras pyproject asks for."""
    names = metadata.packages_distributions()
    direct = {_requirement_name(r): r for r in runtime_requirements()}
    pins = locked_versions()
    runtime = runtime_distributions()
    wanted: dict[str, str] = {}
    for top in sorted(import_closure(function).third_party):
        dists = names.get(top)
        if not dists:
            raise BundlingError(f"{function}: no installed distribution provides `{top}`")
        for dist in dists:
            name = _canonical(dist)
            if name not in runtime:
                raise BundlingError(
                    f"{function} imports `{top}` from {dist}, which is not a runtime dependency"
                )
            wanted[name] = direct.get(name) or f"{name}=={pins[name]}"
    return sorted(wanted.values())


# ---------------------------------------------------------------------------------------------
# Building the packages
# ---------------------------------------------------------------------------------------------


def _pip(*args: str) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--quiet",
            "--disable-pip-version-check",
            *args,
            *(option for platform in PLATFORMS for option in ("--platform", platform)),
            "--implementation",
            "cp",
            "--python-version",
            PYTHON_VERSION,
            "--only-binary=:all:",
            "--constraint",
            str(ROOT / "requirements.lock"),
        ],
        check=True,
    )


def _digest(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    return digest.hexdigest()[:16]


def wheelhouse(out_dir: Path) -> Path:
    """Every runtime wheel for arm64, downloaded once per lock file.

    Pure-Python dependencies published only as source (SOURCE_ONLY) are built into a
    py3-none-any wheel here first, so that everything else stays wheels-only."""
    lock = (ROOT / "requirements.lock").read_bytes()
    target = out_dir / f"wheels-{_digest(lock, *(r.encode() for r in runtime_requirements()))}"
    if not (target / ".complete").exists():
        target.mkdir(parents=True, exist_ok=True)
        source_only = [r for r in runtime_requirements() if _requirement_name(r) in SOURCE_ONLY]
        if source_only:
            subprocess.run(
                [
                    *(sys.executable, "-m", "pip", "wheel", "--quiet"),
                    *("--disable-pip-version-check", "--no-deps", "--wheel-dir", str(target)),
                    *source_only,
                ],
                check=True,
            )
        _pip(
            "download", "--find-links", str(target), "--dest", str(target), *runtime_requirements()
        )
        (target / ".complete").write_text("ok\n")
    return target


def _code_files(function: str) -> list[Path]:
    """The project's files a function ships: its own package, the shared function helpers
    and the runtime package with its data (a few hundred KB; modules loaded by name, such as
    lazily imported routes, are there too)."""
    files = [p for p in (ROOT / "functions").glob("*.py") if p.is_file()]
    files += [p for p in (ROOT / "functions" / function).rglob("*") if p.is_file()]
    for path in (ROOT / "parley").rglob("*"):
        relative = path.relative_to(ROOT).as_posix()
        if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        if any(relative.startswith(prefix + "/") for prefix in NOT_SHIPPED):
            continue
        files.append(path)
    return sorted(files)


def _fingerprint(function: str, requirements: list[str]) -> str:
    parts = [f"{PLATFORMS} {PYTHON_VERSION}".encode(), *(r.encode() for r in requirements)]
    parts.append((ROOT / "requirements.lock").read_bytes())
    parts.append(",".join(sorted(SERVICES)).encode())
    parts.append(str(_bytecode_compiler() is not None).encode())
    parts.append(repr((sorted(UNUSED_REQUIREMENTS), PRUNED)).encode())
    for path in _code_files(function):
        parts += [path.relative_to(ROOT).as_posix().encode(), path.read_bytes()]
    return _digest(*parts)


def prune_botocore(target: Path) -> None:
    data = target / "botocore" / "data"
    if not data.is_dir():
        return
    for entry in data.iterdir():
        if entry.is_dir() and entry.name not in SERVICES:
            shutil.rmtree(entry)
        elif entry.is_file() and entry.name not in _BOTOCORE_KEEP_FILES:
            entry.unlink()


def shipped_distributions(
    requirements: Iterable[str],
    distributions: Iterable[metadata.Distribution],
    environment: dict[str, str] | None = None,
) -> frozenset[str]:
    """What `requirements` need among `distributions`: their closure over Requires-Dist
    (markers evaluated for Lambda's runtime), less the edges of UNUSED_REQUIREMENTS."""
    from packaging.requirements import Requirement

    requires = {
        _canonical(d.metadata["Name"]): [Requirement(r) for r in d.requires or []]
        for d in distributions
    }
    found: set[str] = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        requirement = todo.pop()
        name = _canonical(requirement.name)
        if name in found or name not in requires:
            continue
        found.add(name)
        for child in requires[name]:
            if (name, _canonical(child.name)) in UNUSED_REQUIREMENTS:
                continue
            wanted = requirement.extras or {""}
            env = {**_LAMBDA_MARKERS, **(environment or {})}
            if child.marker is None or any(
                child.marker.evaluate({**env, "extra": e}) for e in wanted
            ):
                todo.append(child)
    return frozenset(found)


def drop_unused_distributions(target: Path, requirements: Iterable[str]) -> list[str]:
    """Remove what pip installed only because of an UNUSED_REQUIREMENTS edge."""
    installed = list(metadata.distributions(path=[str(target)]))
    keep = shipped_distributions(requirements, installed)
    dropped = []
    for dist in installed:
        if _canonical(dist.metadata["Name"]) in keep:
            continue
        dropped.append(_canonical(dist.metadata["Name"]))
        for file in dist.files or []:  # its RECORD, which lists its .dist-info too
            path = (target / file).resolve()
            if path.is_relative_to(target.resolve()) and path.is_file():
                path.unlink()
    _remove_empty_directories(target)
    return sorted(dropped)


def is_pruned(relative: str) -> bool:
    """Whether PRUNED leaves out the file at `relative` (a posix path inside a package)."""
    if relative.startswith(tuple(f"{p}/" for p in FIRST_PARTY)):
        return False
    return any(fnmatch.fnmatchcase(relative, pattern) for pattern in PRUNED)


def _remove_empty_directories(target: Path) -> None:
    for directory in sorted((p for p in target.rglob("*") if p.is_dir()), reverse=True):
        if not any(directory.iterdir()):
            directory.rmdir()


def prune_files(target: Path) -> None:
    for path in [p for p in target.rglob("*") if p.is_file()]:
        if is_pruned(path.relative_to(target).as_posix()):
            path.unlink()
    for library in unlinked_vendored_libraries(target):
        library.unlink()
    _remove_empty_directories(target)


def elf_needed(path: Path) -> list[str]:
    """The DT_NEEDED entries of a 64-bit little-endian ELF file ([] for anything else)."""
    with path.open("rb") as f:
        header = f.read(64)
        if len(header) < 64 or header[:4] != b"\x7fELF" or header[4:6] != b"\x02\x01":
            return []
        (shoff,) = struct.unpack_from("<Q", header, 0x28)
        shentsize, shnum = struct.unpack_from("<HH", header, 0x3A)
        f.seek(shoff)
        table = f.read(shentsize * shnum)
        sections = [struct.unpack_from("<IIQQQQII", table, i * shentsize) for i in range(shnum)]
        needed = []
        for _name, kind, _flags, _addr, offset, size, link, _info in sections:
            if kind != 6:  # SHT_DYNAMIC
                continue
            f.seek(offset)
            dynamic = f.read(size)
            strings = sections[link]
            f.seek(strings[4])
            names = f.read(strings[5])
            for at in range(0, len(dynamic) - 15, 16):
                tag, value = struct.unpack_from("<qQ", dynamic, at)
                if tag == 0:
                    break
                if tag == 1:  # DT_NEEDED
                    needed.append(names[value : names.index(b"\0", value)].decode())
        return needed


def unlinked_vendored_libraries(root: Path, tops: Iterable[str] | None = None) -> list[Path]:
    """Shared libraries in `*.libs/` folders (vendored by auditwheel) that no extension module
    left in `root` links, directly or through another vendored library. Only `tops` (names
    directly under `root`) are looked at when given."""
    entries = [root / t for t in tops] if tops is not None else list(root.iterdir())
    files = [
        p
        for entry in entries
        for p in ([entry] if entry.is_file() else entry.rglob("*.so*"))
        if p.is_file() and ".so" in p.name
    ]
    vendored = {p.name: p for p in files if p.parent.name.endswith(".libs")}
    todo = [
        p
        for p in files
        if not p.parent.name.endswith(".libs") and not is_pruned(p.relative_to(root).as_posix())
    ]
    linked: set[str] = set()
    while todo:
        for name in elf_needed(todo.pop()):
            if name in vendored and name not in linked:
                linked.add(name)
                todo.append(vendored[name])
    return sorted(p for name, p in vendored.items() if name not in linked)


@cache
def _bytecode_compiler() -> str | None:
    """An interpreter of the runtime's version, to ship bytecode Lambda can use:
    $PARLEY_BYTECODE_PYTHON, python3.12 on the PATH, or a pyenv-installed 3.12."""
    candidates = [os.environ.get("PARLEY_BYTECODE_PYTHON"), shutil.which(f"python{PYTHON_VERSION}")]
    candidates += sorted(
        str(p) for p in Path.home().glob(f".pyenv/versions/{PYTHON_VERSION}.*/bin/python")
    )
    check = f"import sys; print('%d.%d' % sys.version_info[:2] == {PYTHON_VERSION!r})"
    for candidate in filter(None, candidates):
        try:
            answer = subprocess.run(
                [candidate, "-c", check], capture_output=True, text=True, timeout=30
            ).stdout
        except (OSError, subprocess.TimeoutExpired):
            continue
        if answer.strip() == "True":
            return candidate
    return None


def compile_bytecode(target: Path) -> bool:
    """Ship Python 3.12 bytecode for every module.

    Lambda's code directory is read-only: without shipped bytecode every cold start compiles
    each imported module from source (the relay's imports: 470 ms of CPU instead of 165 ms
    here). Unchecked hashes, because a zip does not keep the sources' modification times
    exactly and the package never changes once deployed.

    The project's own modules keep their sources beside `__pycache__/*.cpython-312.pyc`, so
    that their tracebacks show the failing lines. Libraries ship their bytecode alone
    (`module.pyc` where `module.py` was, which Python imports as it is): sources and bytecode
    together weighed twice what either does (14 MB of the relay's 68), for source lines in
    the library frames of a traceback (file names and line numbers remain). A library file
    that does not compile for 3.12 keeps its source. Without a python3.12 here the package
    ships sources only: it still works, its cold starts are slower.
    """
    python = _bytecode_compiler()
    if python is None:
        print(f"bundling: no python{PYTHON_VERSION} found, shipping no bytecode", file=sys.stderr)
        return False
    compile_all = [python, "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash"]
    ours = [target / name for name in FIRST_PARTY if (target / name).is_dir()]
    libraries = [p for p in target.iterdir() if p.name not in FIRST_PARTY and p.suffix != ".pyc"]
    for arguments in ([*map(str, ours)], ["-b", *map(str, libraries)]):
        subprocess.run(
            [*compile_all, *arguments],
            check=False,  # a library's file for another Python version must not stop the build
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    for source in [p for p in target.rglob("*.py") if p.with_suffix(".pyc").is_file()]:
        if source.relative_to(target).parts[0] not in FIRST_PARTY:
            source.unlink()
    return True


def build_function_asset(function: str, out_dir: Path) -> Path:
    """The directory CDK zips for one function; rebuilt only when its inputs change."""
    requirements = function_requirements(function)
    target = out_dir / f"{function}-{_fingerprint(function, requirements)}"
    if (target / ".complete").exists():
        return target
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    wheels = wheelhouse(out_dir)
    _pip(
        "install",
        "--no-index",
        "--find-links",
        str(wheels),
        "--target",
        str(target),
        "--no-compile",
        "--no-warn-conflicts",
        *requirements,
    )
    prune_botocore(target)
    drop_unused_distributions(target, requirements)
    prune_files(target)
    for path in _code_files(function):
        destination = target / path.relative_to(ROOT)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)
    compile_bytecode(target)
    (target / ".complete").write_text("ok\n")
    return target


def build_asset(out_dir: Path) -> Path:
    """One directory per function under the returned one (`<returned>/<function>`)."""
    built = {name: build_function_asset(name, out_dir) for name in functions()}
    target = out_dir / f"functions-{_digest(*(p.name.encode() for p in built.values()))}"
    if not (target / ".complete").exists():
        target.mkdir(parents=True, exist_ok=True)
        for name, path in built.items():
            link = target / name
            if not link.exists():
                link.symlink_to(path.resolve(), target_is_directory=True)
        (target / ".complete").write_text("ok\n")
    return target


def unzipped_bytes(directory: Path) -> int:
    """What Lambda's 250 MB limit counts: the bytes of every file, unzipped."""
    return sum(
        p.stat().st_size for p in directory.rglob("*") if p.is_file() and p.name != ".complete"
    )
