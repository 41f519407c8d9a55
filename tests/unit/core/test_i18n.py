"""The language catalogues: a translator edits one file per language and misses nothing."""

from __future__ import annotations

import string

import pytest

from parley.core.i18n import LANGUAGES, catalogue, language, text


def _fields(value: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(value) if name}


def test_every_language_has_every_key_with_the_same_placeholders() -> None:
    english = catalogue("en")
    for lang in LANGUAGES:
        other = catalogue(lang)
        assert set(other) == set(english), (lang, set(english) ^ set(other))
        for key, value in english.items():
            assert _fields(other[key]) == _fields(value), (lang, key)
            assert other[key].strip(), (lang, key)


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("de-DE", "de"),
        ("de_AT", "de"),
        ("DE", "de"),
        ("en-GB", "en"),
        ("fr-FR", "en"),
        (None, "en"),
    ],
)
def test_a_locale_without_a_catalogue_reads_english(locale: str | None, expected: str) -> None:
    assert language(locale) == expected


def test_fields_are_filled_in_and_templates_keep_their_placeholders() -> None:
    assert text("notice.subject.blocked", "de", subject="Hallo") == "Nicht zugestellt: Hallo"
    assert "{{order_id}}" in text("template.delivery.subject", "en")
