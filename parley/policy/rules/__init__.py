"""The rule catalogue, by family. Each rule has a stable id, an action per category, and in
`apply` both its detection and, where the action sanitizes, the edit."""

from __future__ import annotations

from parley.policy.rules.attachments import (
    AttachmentType,
    MessageTooLarge,
    UnsafeAttachment,
    sniffed_type,
    unsafe_reason,
)
from parley.policy.rules.base import (
    ALL,
    REDACTED,
    Rule,
    RuleContext,
    TextRule,
    blocked_unless_critical,
    in_context,
)
from parley.policy.rules.contact import EMAIL, OBFUSCATED_EMAIL, ContactInfo
from parley.policy.rules.content import (
    ConfirmationOnly,
    HelpOfferOnly,
    LanguageMismatch,
    OptOutRequest,
    Promotion,
    ReviewManipulation,
    ReviewRequestLimit,
    SensitiveContent,
    ThankYouOnly,
)
from parley.policy.rules.links import ExternalLink, LogoLink, TrackingPixel
from parley.policy.rules.order import BuyerOptedOut, OrderIdForeign, OrderIdMissing, ProactiveWindow

# Order matters: removals first (so later rules do not judge what is gone), then the
# wrapped images before the links, then text.
RULES: tuple[Rule, ...] = (
    MessageTooLarge(),
    UnsafeAttachment(),
    AttachmentType(),
    TrackingPixel(),
    LogoLink(),
    ContactInfo(),
    ExternalLink(),
    OptOutRequest(),
    ReviewManipulation(),
    ReviewRequestLimit(),
    Promotion(),
    SensitiveContent(),
    OrderIdForeign(),
    OrderIdMissing(),
    ProactiveWindow(),
    BuyerOptedOut(),
    ConfirmationOnly(),
    ThankYouOnly(),
    HelpOfferOnly(),
    LanguageMismatch(),
)
RULE_IDS = tuple(rule.id for rule in RULES)

__all__ = [
    "ALL",
    "EMAIL",
    "OBFUSCATED_EMAIL",
    "REDACTED",
    "RULES",
    "RULE_IDS",
    "Rule",
    "RuleContext",
    "TextRule",
    "blocked_unless_critical",
    "in_context",
    "sniffed_type",
    "unsafe_reason",
]
