"""The typed messages a seller can send for an order, modeled on SP-API's Messaging API."""

from __future__ import annotations

from dataclasses import dataclass

from parley.core.i18n import text


@dataclass(frozen=True)
class MessageKind:
    name: str
    max_text: int = 0  # 0: no free text
    text_required: bool = False
    max_attachments: int = 0
    attachments_required: bool = False
    critical: bool = False  # never blocked by the policy (flagged and cleaned instead)
    once_per_order: bool = False
    before_delivery: bool = True  # offered while the order is on its way
    after_delivery: bool = True  # offered in the window after delivery
    coverage_dates: bool = False  # warranty: start and end of the coverage

    def subject(self, lang: str, order_id: str) -> str:
        """The subject in the buyer's language (catalogue key `kind.<name>.subject`)."""
        return text(f"kind.{self.name}.subject", lang, order_id=order_id)


KINDS: dict[str, MessageKind] = {
    kind.name: kind
    for kind in (
        MessageKind(
            "confirmCustomizationDetails",
            max_text=800,
            text_required=True,
            max_attachments=5,
            critical=True,
            after_delivery=False,
        ),
        MessageKind(
            "confirmDeliveryDetails",
            max_text=2000,
            text_required=True,
            critical=True,
            after_delivery=False,
        ),
        MessageKind(
            "confirmOrderDetails",
            max_text=2000,
            text_required=True,
            once_per_order=True,
            after_delivery=False,
        ),
        MessageKind(
            "confirmServiceDetails",
            max_text=2000,
            text_required=True,
        ),
        MessageKind(
            "unexpectedProblem",
            max_text=2000,
            text_required=True,
            critical=True,
        ),
        MessageKind(
            "legalDisclosure",
            max_attachments=5,
            attachments_required=True,
            critical=True,
            once_per_order=True,
        ),
        MessageKind(
            "digitalAccessKey",
            max_text=400,
            text_required=True,
            max_attachments=5,
        ),
        MessageKind(
            "warranty",
            max_attachments=5,
            attachments_required=True,
            once_per_order=True,
            coverage_dates=True,
        ),
        MessageKind(
            "invoice",
            max_attachments=5,
            attachments_required=True,
        ),
    )
}

CRITICAL_KINDS = frozenset(name for name, kind in KINDS.items() if kind.critical)
REVIEW_REQUEST = "requestReview"
REVIEW_EARLIEST_DAYS = 5  # a review request waits until the buyer could use what they bought
