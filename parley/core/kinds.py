"""The typed messages a seller can send for an order, modeled on SP-API's Messaging API."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MessageKind:
    name: str
    subject: dict[str, str]  # by language; {order_id} is filled in
    max_text: int = 0  # 0: no free text
    text_required: bool = False
    max_attachments: int = 0
    attachments_required: bool = False
    critical: bool = False  # never blocked by the policy (flagged and cleaned instead)
    once_per_order: bool = False
    before_delivery: bool = True  # offered while the order is on its way
    after_delivery: bool = True  # offered in the window after delivery
    coverage_dates: bool = False  # warranty: start and end of the coverage


KINDS: dict[str, MessageKind] = {
    kind.name: kind
    for kind in (
        MessageKind(
            "confirmCustomizationDetails",
            {
                "en": "Customization details for order {order_id}",
                "de": "Details zur Personalisierung für Bestellung {order_id}",
            },
            max_text=800,
            text_required=True,
            max_attachments=5,
            critical=True,
            after_delivery=False,
        ),
        MessageKind(
            "confirmDeliveryDetails",
            {
                "en": "Delivery details for order {order_id}",
                "de": "Details zur Lieferung für Bestellung {order_id}",
            },
            max_text=2000,
            text_required=True,
            critical=True,
            after_delivery=False,
        ),
        MessageKind(
            "confirmOrderDetails",
            {
                "en": "Details about order {order_id}",
                "de": "Details zu Bestellung {order_id}",
            },
            max_text=2000,
            text_required=True,
            once_per_order=True,
            after_delivery=False,
        ),
        MessageKind(
            "confirmServiceDetails",
            {
                "en": "Service appointment for order {order_id}",
                "de": "Servicetermin für Bestellung {order_id}",
            },
            max_text=2000,
            text_required=True,
        ),
        MessageKind(
            "unexpectedProblem",
            {
                "en": "A problem with order {order_id}",
                "de": "Ein Problem mit Bestellung {order_id}",
            },
            max_text=2000,
            text_required=True,
            critical=True,
        ),
        MessageKind(
            "legalDisclosure",
            {
                "en": "Legal information about order {order_id}",
                "de": "Rechtliche Informationen zu Bestellung {order_id}",
            },
            max_attachments=5,
            attachments_required=True,
            critical=True,
            once_per_order=True,
        ),
        MessageKind(
            "digitalAccessKey",
            {
                "en": "Your access key for order {order_id}",
                "de": "Ihr Zugangsschlüssel für Bestellung {order_id}",
            },
            max_text=400,
            text_required=True,
            max_attachments=5,
        ),
        MessageKind(
            "warranty",
            {
                "en": "Warranty for order {order_id}",
                "de": "Garantie für Bestellung {order_id}",
            },
            max_attachments=5,
            attachments_required=True,
            once_per_order=True,
            coverage_dates=True,
        ),
        MessageKind(
            "invoice",
            {
                "en": "Invoice for order {order_id}",
                "de": "Rechnung für Bestellung {order_id}",
            },
            max_attachments=5,
            attachments_required=True,
        ),
    )
}

CRITICAL_KINDS = frozenset(name for name, kind in KINDS.items() if kind.critical)
REVIEW_REQUEST = "requestReview"
