"""Every sentence Parley writes to people, one catalogue per language (a translator edits one
file: `en.json`, `de.json`). Keys are dotted: `notice.subject.blocked`, `digest.intro`,
`rule.contact-info.what`, `template.delivery.text`. Values are `str.format` templates for
notices and digests (`{subject}`, `{n}`); message templates keep their `{{placeholders}}`.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

LANGUAGES = ("en", "de")
DEFAULT_LANGUAGE = "en"


def language(locale: str | None) -> str:
    """`de-DE` -> `de`; anything without a catalogue -> English."""
    lang = (locale or DEFAULT_LANGUAGE).split("-")[0].split("_")[0].lower()
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


@lru_cache(maxsize=len(LANGUAGES))
def catalogue(lang: str) -> dict[str, str]:
    text = resources.files("parley.core.i18n").joinpath(f"{lang}.json").read_text("utf-8")
    loaded: dict[str, str] = json.loads(text)
    return loaded


def has(key: str) -> bool:
    return key in catalogue(DEFAULT_LANGUAGE)


def text(key: str, lang: str, **fields: object) -> str:
    """The sentence in `lang` (falling back to English), with `fields` filled in."""
    found = catalogue(language(lang)).get(key)
    if found is None:
        found = catalogue(DEFAULT_LANGUAGE)[key]
    return found.format(**fields) if fields else found
