"""What infra/bundling.py leaves out of a package is never loaded.

Each function's lazy paths run in a clean interpreter (every attachment kind the relay cleans,
every kind the filter's policy inspects, the API's views): no module, shared library or data
file it loads or opens is one that PRUNED removes, belongs to a distribution the package
does not ship (UNUSED_REQUIREMENTS), or is a vendored shared library that no remaining
extension module links. The venv's wheels are the x86-64 builds of the arm64 wheels the
packages ship (same files, same vendored libraries, other hashes in the file names).
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from email.message import EmailMessage
from importlib import metadata
from pathlib import Path

import pytest

from infra import bundling
from tests.infra.test_bundling import OPTIONAL
from tests.support import files

pytestmark = pytest.mark.infra
ROOT = Path(__file__).resolve().parents[2]
SITE = Path(sysconfig.get_paths()["purelib"]).resolve()

_RECORD = r"""
import json, os, sys

opened = set()


def _audit(event, args):
    if event == "open" and isinstance(args[0], str):
        opened.add(args[0])


sys.addaudithook(_audit)
import functions.{function}.handler  # noqa: E402

{exercise}

seen = {{getattr(m, "__file__", None) for m in list(sys.modules.values())}} | opened
with open("/proc/self/maps") as maps:
    seen |= {{line.split()[5] for line in maps if len(line.split()) >= 6}}
print(json.dumps(sorted(os.path.realpath(p) for p in seen if isinstance(p, str) and p)))
"""

_RELAY = """
from pathlib import Path
from email.message import EmailMessage
from parley.mail.cleaning import clean_attachment
from parley.mail.plaintext import best_effort_text

for path in sorted(Path({folder!r}).iterdir()):
    kind, name = path.name.split("__")
    clean_attachment(path.read_bytes(), kind.replace("_", "/"), name)
html = EmailMessage()
html.set_content("<p>Hello <b>there</b></p>", subtype="html")
best_effort_text(html)
"""

_FILTER = """
from pathlib import Path
from email import message_from_bytes, policy
from parley.policy import PolicyContext, evaluate

for path in sorted(Path({folder!r}).glob("*.eml")):
    for direction in ("seller_to_buyer", "buyer_to_seller"):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        evaluate(message, PolicyContext(direction=direction))
"""

_API = """
import importlib
from parley.mail.scrub import anonymize
from parley.policy.urls import link_host_problem
from parley.policy.config import default_policy

# What the API loads on first use: the message center's parts, the privacy export,
# the address validator.
for module in ("reading", "sending", "preferences", "workday"):
    importlib.import_module(f"parley.center.{{module}}")
importlib.import_module("parley.ops.export")
from parley.directory.registration import normalize_email

normalize_email("Seller@Shop.example", "notification_email")
anonymize("write to bob@example.net", {{"bob@example.net": "a1@relay.example"}})
link_host_problem("shop.example.com", default_policy().shortener_hosts)
"""

_IMAGE_PROXY = """
from pathlib import Path
from parley.mail.images import clean_image

for path in sorted(Path({folder!r}).iterdir()):
    clean_image(path.read_bytes())
"""

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


def _attachments(folder: Path) -> None:
    made = {
        "image_jpeg__photo.jpg": files.jpeg_with_gps(),
        "image_png__scan.png": files.png_with_metadata(),
        "image_gif__anim.gif": files.gif_with_comment(),
        "image_webp__pic.webp": files.webp_with_metadata(),
        "image_heic__phone.heic": files.heic_with_gps(),
        "application_pdf__invoice.pdf": files.pdf_with_author(),
        "application_octet-stream__terms.docx": files.docx_with_author(),
        "application_octet-stream__sheet.xlsx": files.xlsx_with_author(),
        "application_octet-stream__deck.pptx": files.pptx_with_author(),
        "application_octet-stream__letter.odt": files.odt_with_author(),
    }
    for name, data in made.items():
        (folder / name).write_bytes(data)


def _messages(folder: Path) -> None:
    attachments = {
        "invoice.pdf": ("application", "pdf", files.pdf_with_author()),
        "terms.docx": ("application", "octet-stream", files.docx_with_author()),
        "legacy.doc": ("application", "msword", _OLE),
        "photo.jpg": ("image", "jpeg", files.jpeg_with_gps()),
    }
    for name, (maintype, subtype, data) in attachments.items():
        message = EmailMessage()
        message["From"] = "seller@shop.example"
        message["To"] = "buyer@relay.example"
        message["Subject"] = "Your order 123-1234567-1234567"
        message.set_content("Call me on +49 30 1234567 or visit https://shop.example.com/x")
        message.add_alternative(
            '<p>Thanks! <a href="https://bit.ly/x">here</a><img src="https://t.example/p.gif"'
            ' width="1" height="1"></p>',
            subtype="html",
        )
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
        (folder / f"{name}.eml").write_bytes(message.as_bytes())


def _loaded(function: str, exercise: str) -> set[str]:
    script = _RECORD.format(function=function, exercise=exercise)
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


def _distribution_files() -> dict[str, str]:
    """Path inside site-packages -> the distribution that installed it."""
    owner = {}
    for dist in metadata.distributions():
        for file in dist.files or []:
            owner[Path(file).as_posix()] = bundling._canonical(dist.metadata["Name"])
    return owner


@pytest.mark.parametrize("function", ["relay", "filter", "api", "image_proxy"])
def test_nothing_left_out_of_a_package_is_loaded_on_its_paths(
    function: str, tmp_path: Path
) -> None:
    if function == "relay":
        _attachments(tmp_path)
        exercise = _RELAY.format(folder=str(tmp_path))
        expected = {"PIL", "pi_heif", "pikepdf", "lxml", "selectolax", "tinycss2"}
    elif function == "filter":
        _messages(tmp_path)
        exercise = _FILTER.format(folder=str(tmp_path))
        expected = {"pikepdf", "oletools", "lxml", "selectolax", "phonenumbers", "ada_url"}
    elif function == "image_proxy":  # what it serves: JPEG, PNG, GIF and WebP
        _attachments(tmp_path)
        for heic_or_document in [*tmp_path.glob("*.heic"), *tmp_path.glob("application_*")]:
            heic_or_document.unlink()
        exercise = _IMAGE_PROXY.format(folder=str(tmp_path))
        expected = {"PIL"}
    else:
        exercise = _API.format()
        expected = {"pydantic", "ada_url"}
    loaded = {
        Path(p).relative_to(SITE).as_posix()
        for p in _loaded(function, exercise)
        if Path(p).is_relative_to(SITE)
    }
    tops = {p.split("/")[0].removesuffix(".py") for p in loaded}
    assert expected <= tops, f"the exercise did not reach {expected - tops}"

    pruned = sorted(p for p in loaded if bundling.is_pruned(p))
    assert not pruned, f"{function} loads what PRUNED leaves out: {pruned}"

    owner = _distribution_files()
    requirements = bundling.function_requirements(function)
    shipped = bundling.shipped_distributions(requirements, metadata.distributions())
    # (pydantic looks for plugins in every installed distribution's entry points: metadata
    # is read, nothing of those distributions is loaded)
    code = {p for p in loaded if ".dist-info/" not in p}
    foreign = {owner[p] for p in code if p in owner} - shipped - {"parley"} - OPTIONAL
    assert not foreign, f"{function} loads distributions its package leaves out: {foreign}"

    shipped_tops = {
        Path(f).parts[0]
        for dist in metadata.distributions()
        if bundling._canonical(dist.metadata["Name"]) in shipped
        for f in dist.files or []
        if (SITE / Path(f).parts[0]).exists()
    }
    unlinked = {
        p.relative_to(SITE).as_posix()
        for p in bundling.unlinked_vendored_libraries(SITE, sorted(shipped_tops))
    }
    assert not loaded & unlinked, f"{function} maps libraries left out: {loaded & unlinked}"


def test_the_left_out_distributions_are_the_declared_ones() -> None:
    everything = list(metadata.distributions())
    relay = bundling.shipped_distributions(bundling.function_requirements("relay"), everything)
    filter_ = bundling.shipped_distributions(bundling.function_requirements("filter"), everything)
    assert {"pillow", "pi-heif", "pikepdf", "lxml"} <= relay
    assert {"pikepdf", "oletools", "msoffcrypto-tool", "lxml", "cffi"} <= filter_
    assert not (relay | filter_) & {"cryptography", "pycparser", "easygui", "pillow-heif"}
    assert "pillow" not in filter_  # pikepdf declares it; the policy never converts an image


def test_elf_links_are_read_and_unlinked_vendored_libraries_found() -> None:
    imaging = next((SITE / "PIL").glob("_imaging.*.so"))
    assert any(name.startswith("libjpeg") for name in bundling.elf_needed(imaging))
    assert bundling.elf_needed(SITE / "PIL" / "Image.py") == []
    unlinked = {
        p.name.split("-")[0]
        for p in bundling.unlinked_vendored_libraries(SITE, ["PIL", "pillow.libs"])
    }
    assert {"libfreetype", "libharfbuzz", "libavif"} <= unlinked  # the fonts and AVIF are pruned
    assert not unlinked & {"libjpeg", "libwebp", "liblcms2", "libtiff"}


def test_pruning_spares_the_project_and_keeps_what_loads() -> None:
    assert bundling.is_pruned("selectolax/lexbor.c")
    assert bundling.is_pruned("lxml/objectify.cpython-312-aarch64-linux-gnu.so")
    assert bundling.is_pruned("PIL/_avif.cpython-312-aarch64-linux-gnu.so")
    assert bundling.is_pruned("pikepdf/pdfa/_api.py")
    assert not bundling.is_pruned("lxml/etree.cpython-312-aarch64-linux-gnu.so")
    assert not bundling.is_pruned("PIL/_webp.cpython-312-aarch64-linux-gnu.so")
    assert not bundling.is_pruned("parley/py.typed")
    assert not bundling.is_pruned("parley/policy/data/some.h")
