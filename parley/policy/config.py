"""Policy configuration: limits, lists and the version every verdict records."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

POLICY_VERSION = "2026.11-1"

UNSAFE_EXTENSIONS = frozenset(
    [
        "exe",
        "scr",
        "bat",
        "cmd",
        "com",
        "pif",
        "cpl",
        "msi",
        "msp",
        "msc",
        "dll",
        "sys",
        "drv",
        "ocx",
        "js",
        "jse",
        "vbs",
        "vbe",
        "wsf",
        "wsh",
        "hta",
        "ps1",
        "psm1",
        "psd1",
        "sh",
        "bash",
        "zsh",
        "csh",
        "ksh",
        "py",
        "pyw",
        "pl",
        "rb",
        "php",
        "jar",
        "class",
        "apk",
        "app",
        "dmg",
        "pkg",
        "deb",
        "rpm",
        "iso",
        "img",
        "vhd",
        "vhdx",
        "lnk",
        "reg",
        "inf",
        "scf",
        "url",
        "desktop",
        "docm",
        "dotm",
        "xlsm",
        "xltm",
        "xlam",
        "xlsb",
        "pptm",
        "potm",
        "ppam",
        "sldm",
        "zip",
        "rar",
        "7z",
        "tar",
        "gz",
        "tgz",
        "bz2",
        "tbz",
        "xz",
        "txz",
        "z",
        "lz",
        "lzh",
        "lha",
        "cab",
        "ace",
        "arj",
        "zst",
    ]
)
UNSAFE_CONTENT_TYPES = frozenset(
    {
        "application/x-msdownload",
        "application/x-msdos-program",
        "application/x-dosexec",
        "application/x-executable",
        "application/x-sh",
        "application/x-shellscript",
        "application/javascript",
        "text/javascript",
        "application/x-javascript",
        "application/java-archive",
        "application/vnd.microsoft.portable-executable",
        "application/zip",
        "application/x-zip-compressed",
        "application/x-rar-compressed",
        "application/vnd.rar",
        "application/x-7z-compressed",
        "application/x-tar",
        "application/gzip",
        "application/x-gzip",
        "application/x-bzip2",
        "application/x-xz",
        "application/vnd.ms-word.document.macroenabled.12",
        "application/vnd.ms-excel.sheet.macroenabled.12",
        "application/vnd.ms-powerpoint.presentation.macroenabled.12",
        "application/x-ms-shortcut",
        "application/hta",
        "text/x-python",
        "text/x-shellscript",
    }
)
OFFICE_ZIP_EXTENSIONS = frozenset({"docx", "xlsx", "pptx", "odt", "ods", "odp"})


@lru_cache(maxsize=1)
def tracker_hosts() -> frozenset[str]:
    text = resources.files("parley.policy").joinpath("data/tracker-hosts.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


@dataclass(frozen=True)
class PolicyConfig:
    version: str = POLICY_VERSION
    max_message_bytes: int = 10 * 1024 * 1024
    critical_tag: str = "[important]"
    tracker_hosts: frozenset[str] = field(default_factory=tracker_hosts)
