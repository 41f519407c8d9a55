"""Reply templates: the marketplace's defaults for the critical cases and sellers' own."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from parley.center.errors import InvalidInput
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


def _default(key: str, kind: str, lang: str, name: str, subject: str, text: str) -> Template:
    return Template(f"default-{key}-{lang}", name, lang, subject, text, "marketplace", kind)


DEFAULT_TEMPLATES: tuple[Template, ...] = (
    _default(
        "customization",
        "confirmCustomizationDetails",
        "en",
        "Customization details",
        "Customization details for order {{order_id}}",
        "Hello {{buyer_name}},\n\nto make your item for order {{order_id}} we need one more "
        "detail: {{question}}\n\nPlease reply to this message.\n\n{{seller_name}}",
    ),
    _default(
        "customization",
        "confirmCustomizationDetails",
        "de",
        "Details zur Personalisierung",
        "Details zur Personalisierung für Bestellung {{order_id}}",
        "Hallo {{buyer_name}},\n\num Ihren Artikel aus Bestellung {{order_id}} anzufertigen, "
        "benötigen wir noch eine Angabe: {{question}}\n\nBitte antworten Sie auf diese "
        "Nachricht.\n\n{{seller_name}}",
    ),
    _default(
        "delivery",
        "confirmDeliveryDetails",
        "en",
        "Delivery appointment",
        "Delivery appointment for order {{order_id}}",
        "Hello {{buyer_name}},\n\nyour order {{order_id}} needs a delivery appointment. We can "
        "deliver on {{proposed_date}}. Please reply to confirm or to suggest another day."
        "\n\n{{seller_name}}",
    ),
    _default(
        "delivery",
        "confirmDeliveryDetails",
        "de",
        "Liefertermin",
        "Liefertermin für Bestellung {{order_id}}",
        "Hallo {{buyer_name}},\n\nfür Ihre Bestellung {{order_id}} benötigen wir einen "
        "Liefertermin. Wir können am {{proposed_date}} liefern. Bitte bestätigen Sie den "
        "Termin oder schlagen Sie einen anderen Tag vor.\n\n{{seller_name}}",
    ),
    _default(
        "address",
        "unexpectedProblem",
        "en",
        "Problem with the delivery address",
        "Delivery address of order {{order_id}}",
        "Hello {{buyer_name}},\n\nthe carrier could not deliver order {{order_id}} to the "
        "address given: {{problem}}\n\nPlease check your address in your account and reply to "
        "this message once it is correct.\n\n{{seller_name}}",
    ),
    _default(
        "address",
        "unexpectedProblem",
        "de",
        "Problem mit der Lieferadresse",
        "Lieferadresse von Bestellung {{order_id}}",
        "Hallo {{buyer_name}},\n\nder Zusteller konnte Bestellung {{order_id}} nicht an die "
        "angegebene Adresse liefern: {{problem}}\n\nBitte prüfen Sie Ihre Adresse in Ihrem "
        "Konto und antworten Sie auf diese Nachricht, sobald sie stimmt.\n\n{{seller_name}}",
    ),
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
