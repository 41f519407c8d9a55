"""Reply templates: the marketplace's defaults for the critical cases and sellers' own."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from parley.center.errors import InvalidInput
from parley.core.i18n import LANGUAGES, text
from parley.models.tables import TemplateModel

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]{1,40})\s*\}\}")
MAX_TEMPLATE_TEXT = 2000
MAX_VARIABLE = 200


@dataclass(frozen=True)
class Template:
    template_id: str
    name: str
    language: str
    subject: str
    text: str
    source: str  # "marketplace" (read-only) or "seller"
    suggested_kind: str | None = None

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def _default(key: str, kind: str, lang: str) -> Template:
    """A marketplace template; its words live in the language catalogues."""
    return Template(
        f"default-{key}-{lang}",
        text(f"template.{key}.name", lang),
        lang,
        text(f"template.{key}.subject", lang),
        text(f"template.{key}.text", lang),
        "marketplace",
        kind,
    )


# The critical reasons the mission names, each with the typed message it suggests.
_DEFAULT_KINDS = {
    "customization": "confirmCustomizationDetails",
    "delivery": "confirmDeliveryDetails",
    "address": "unexpectedProblem",
}
DEFAULT_TEMPLATES: tuple[Template, ...] = tuple(
    _default(key, kind, lang) for key, kind in _DEFAULT_KINDS.items() for lang in LANGUAGES
)
DEFAULTS_BY_ID = {t.template_id: t for t in DEFAULT_TEMPLATES}


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def render(text: str, values: Mapping[str, str], field: str) -> str:
    """Fill every {{name}}; a missing value is the caller's error, named."""
    missing = sorted(placeholders(text) - set(values))
    if missing:
        raise InvalidInput(f"no value for {', '.join(missing)}", field=field)
    for name, value in values.items():
        if len(value) > MAX_VARIABLE:
            raise InvalidInput(f"{name}: at most {MAX_VARIABLE} characters", field=field)
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def template_of(item: TemplateModel) -> Template:
    """A seller's stored template as the API shows it."""
    return Template(
        item.template_id, item.name, item.language, item.subject, item.text, "seller", None
    )
