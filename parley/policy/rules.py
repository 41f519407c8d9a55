"""The rule catalogue. Each rule has a stable id, an action per category, and in `apply` both
its detection and, where the action sanitizes, the edit."""

from __future__ import annotations

import io
import re
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import ClassVar
from urllib.parse import urlsplit

from parley.policy.config import OFFICE_ZIP_EXTENSIONS, Phrases, PolicyConfig
from parley.policy.inspect import AttachmentPart, Inspection
from parley.policy.model import ORDER_ID, Action, Category, Violation, excerpt, order_ids_in

REDACTED = "[removed]"

P, R, C, B = Category.PROACTIVE, Category.REPLY, Category.CRITICAL, Category.BUYER
ALL = (P, R, C, B)


def blocked_unless_critical(in_critical: Action) -> Mapping[Category, Action]:
    """Most content rules: block seller messages, but clean a critical one instead."""
    return {P: Action.BLOCK, R: Action.BLOCK, C: in_critical}


@dataclass(frozen=True)
class RuleContext:
    category: Category
    config: PolicyConfig
    pair_order_ids: frozenset[str] | None = None  # None: any well-formed order id counts
    delivered_on: date | None = None
    now: datetime | None = None
    buyer_opted_out: bool = False
    buyer_language: str | None = None
    review_requests_sent: int = 0
    seller_link_hosts: frozenset[str] = frozenset()
    relay_domain: str | None = None
    raw_size: int = 0
    list_unsubscribe: bool = False
    allowed_hosts: frozenset[str] = field(default=frozenset())


class Rule(ABC):
    """A rule: a stable id, its action per category, detection and sanitizing in `apply`."""

    id: ClassVar[str]
    actions: ClassVar[Mapping[Category, Action]]

    def action(self, ctx: RuleContext) -> Action | None:
        return self.actions.get(ctx.category)

    @abstractmethod
    def apply(self, inspection: Inspection, ctx: RuleContext) -> list[Violation]: ...

    def violation(self, action: Action, evidence: str) -> Violation:
        return Violation(self.id, action, excerpt(evidence))


def host_of(url: str) -> str:
    try:
        return (urlsplit(url.strip()).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def host_in(host: str, hosts: frozenset[str]) -> bool:
    """A host matches a listed domain and its subdomains."""
    parts = host.split(".")
    return any(".".join(parts[i:]) in hosts for i in range(len(parts) - 1))


def in_context(text: str, found: str, margin: int = 25) -> str:
    """The finding with a little of the text around it, so the sender recognises the spot."""
    at = text.lower().find(found.lower())
    if at < 0:
        return found
    start, end = max(0, at - margin), min(len(text), at + len(found) + margin)
    return (
        ("…" if start else "")
        + " ".join(text[start:end].split())
        + ("…" if end < len(text) else "")
    )


class TextRule(Rule):
    """A rule over visible text: finds spans, blocks or redacts them.

    By default the spans are the phrases of the word list `words_key` in the policy data.
    """

    words_key: ClassVar[str] = ""

    def find(self, text: str, ctx: RuleContext) -> list[str]:
        return [m.group(0) for m in self.pattern(ctx).finditer(text)]

    def pattern(self, ctx: RuleContext) -> Phrases:
        return ctx.config.words(self.words_key)

    def redact(self, text: str, ctx: RuleContext) -> str:
        return self.pattern(ctx).sub(REDACTED, text)

    def apply(self, inspection: Inspection, ctx: RuleContext) -> list[Violation]:
        action = self.action(ctx)
        if action is None:
            return []
        found = self.find(inspection.text(), ctx)
        if not found:
            return []
        evidence = in_context(inspection.text(), found[0])
        if action is Action.REDACT:
            inspection.rewrite_text(lambda text: self.redact(text, ctx))
        return [self.violation(action, evidence)]


# -- order ---------------------------------------------------------------------------------
class OrderIdMissing(Rule):
    """Proactive seller messages must name an order of this pair."""

    id = "order-id-missing"
    actions: ClassVar[Mapping[Category, Action]] = {P: Action.BLOCK, C: Action.FLAG}

    def apply(self, inspection: Inspection, ctx: RuleContext) -> list[Violation]:
        action = self.action(ctx)
        if action is None:
            return []
        found = order_ids_in(inspection.text())
        if ctx.pair_order_ids is None and found:
            return []
        if ctx.pair_order_ids is not None and any(o in ctx.pair_order_ids for o in found):
            return []
        return [self.violation(action, "no order id of this buyer (like 123-1234567-1234567)")]


class OrderIdForeign(TextRule):
    """Naming someone else's order leaks another customer's business."""

    id = "order-id-foreign"
    actions = blocked_unless_critical(Action.REDACT)

    def find(self, text: str, ctx: RuleContext) -> list[str]:
        if ctx.pair_order_ids is None:
            return []
        return [o for o in order_ids_in(text) if o not in ctx.pair_order_ids]

    def redact(self, text: str, ctx: RuleContext) -> str:
        own = ctx.pair_order_ids or frozenset()
        return ORDER_ID.sub(lambda m: m.group(0) if m.group(0) in own else REDACTED, text)


class ProactiveWindow(Rule):
    id = "proactive-window"
    actions: ClassVar[Mapping[Category, Action]] = {P: Action.BLOCK}

    def apply(self, inspection: Inspection, ctx: RuleContext) -> list[Violation]:
        action = self.action(ctx)
        if action is None or ctx.delivered_on is None or ctx.now is None:
            return []
        days = (ctx.now.date() - ctx.delivered_on).days
        if days <= ctx.config.proactive_window_days:
            return []
        return [
            self.violation(
                action, f"delivered {days} days ago (limit {ctx.config.proactive_window_days})"
            )
        ]


class BuyerOptedOut(Rule):
    id = "buyer-opted-out"
    actions: ClassVar[Mapping[Category, Action]] = {P: Action.BLOCK}

    def apply(self, inspection: Inspection, ctx: RuleContext) -> list[Violation]:
        action = self.action(ctx)
        if action is None or not ctx.buyer_opted_out:
            return []
        return [self.violation(action, "the buyer opted out of unsolicited messages")]


# -- reviews, promotion, opt-out, tone -----------------------------------------------------
REVIEW_EARLIEST_DAYS = 5  # the buyer needs time to use what they bought


class ReviewRequestLimit(TextRule):
    id = "review-request-limit"
    words_key = "review_request"
    actions: ClassVar[Mapping[Category, Action]] = {P: Action.BLOCK, R: Action.BLOCK}

    def find(self, text: str, ctx: RuleContext) -> list[str]:
        """Once per order, and only from 5 to 30 days after delivery when that is known."""
        if ctx.review_requests_sent < 1 and not self._outside_window(ctx):
            return []
        return super().find(text, ctx)

    @staticmethod
    def _outside_window(ctx: RuleContext) -> bool:
        if ctx.delivered_on is None or ctx.now is None:
            return False
        days = (ctx.now.date() - ctx.delivered_on).days
        return not REVIEW_EARLIEST_DAYS <= days <= ctx.config.proactive_window_days


class ReviewManipulation(TextRule):
    id = "review-manipulation"
    words_key = "review_manipulation"
    actions = blocked_unless_critical(Action.REDACT)


class Promotion(TextRule):
    id = "promotion"
    words_key = "promotion"
    actions = blocked_unless_critical(Action.REDACT)
    _PRODUCT_PATH = re.compile(r"/(dp|gp/product|product|produkt|item)/", re.IGNORECASE)

    def find(self, text: str, ctx: RuleContext) -> list[str]:
        found = super().find(text, ctx)
        # Links to other products on the marketplace itself are cross-selling too.
        for url in URL.findall(text):
            host = host_of(url if "://" in url else f"http://{url}")
            if host_in(host, ctx.config.marketplace_hosts) and self._PRODUCT_PATH.search(url):
                found.append(url)
        return found


class OptOutRequest(TextRule):
    id = "opt-out-request"
    words_key = "opt_out"
    actions = blocked_unless_critical(Action.REDACT)

    def find(self, text: str, ctx: RuleContext) -> list[str]:
        found = super().find(text, ctx)
        return [*found, "List-Unsubscribe header"] if ctx.list_unsubscribe else found


class SensitiveContent(TextRule):
    id = "sensitive-content"
    words_key = "sensitive"
    actions = blocked_unless_critical(Action.REDACT)


# -- contact details and links -------------------------------------------------------------
EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]{1,64}@[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})+", re.IGNORECASE
)
OBFUSCATED_EMAIL = re.compile(
    r"(?<!\w)[\w.+-]{2,64}\s*(?:\(|\[|\{|<)?\s*(?:at|ät|@)\s*(?:\)|\]|\}|>)?\s*"
    r"[a-z0-9-]{2,63}\s*(?:\(|\[|\{|<)?\s*(?:dot|punkt|\.)\s*(?:\)|\]|\}|>)?\s*"
    r"(?:com|de|net|org|eu|info|co|uk|at|ch|io|fr|it|nl|es)(?!\w)",
    re.IGNORECASE,
)
_NUMBER_WORDS = (
    "zero|oh|one|two|three|four|five|six|seven|eight|nine|null|eins|zwei|drei|vier|fünf|"
    "funf|sechs|sieben|acht|neun"
)
SPELLED_DIGITS = re.compile(
    rf"(?<!\w)(?:(?:{_NUMBER_WORDS})[\s,.-]+){{6,}}(?:{_NUMBER_WORDS})(?!\w)", re.IGNORECASE
)
URL = re.compile(
    r"(?:(?:https?|ftp)://|www\.)[^\s<>\"')\]]+"
    r"|(?<![\w@.-])(?:[a-z0-9-]{2,63}\.)+(?:com|de|net|org|info|io|co|uk|eu|shop|store|biz|at|ch|"
    r"fr|it|nl|es|ly|me|gl)(?:/[^\s<>\"')\]]*)?(?![\w@-])",
    re.IGNORECASE,
)
# Parcel tracking numbers are long digit runs too; they must not read as phone numbers.
TRACKING_NUMBER = re.compile(r"\b(?:1Z[0-9A-Z]{16}|[0-9]{20,22}|JJD[0-9]{16,20}|[0-9]{12,14})\b")


def _mask(pattern: re.Pattern[str], text: str) -> str:
    """Blank out matches but keep offsets, so later matchers cannot see them."""
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


class ContactInfo(TextRule):
    id = "contact-info"
    actions = blocked_unless_critical(Action.REDACT)

    def _emails(self, text: str, ctx: RuleContext) -> list[re.Match[str]]:
        own = {ctx.relay_domain} if ctx.relay_domain else set()
        return [m for m in EMAIL.finditer(text) if m.group(0).rpartition("@")[2].lower() not in own]

    def _phones(self, text: str, ctx: RuleContext) -> list[tuple[int, int]]:
        import phonenumbers  # loaded on the first seller message, not at cold start

        masked = _mask(TRACKING_NUMBER, _mask(ORDER_ID, _mask(URL, _mask(EMAIL, text))))
        spans: dict[tuple[int, int], None] = {}
        for region in ctx.config.phone_regions:
            for match in phonenumbers.PhoneNumberMatcher(
                masked, region, leniency=phonenumbers.Leniency.VALID
            ):
                digits = sum(ch.isdigit() for ch in match.raw_string)
                if digits >= 7:
                    spans[(match.start, match.end)] = None
        return list(spans)

    def _spans(self, text: str, ctx: RuleContext) -> list[tuple[int, int]]:
        spans = [m.span() for m in self._emails(text, ctx)]
        spans += [m.span() for m in OBFUSCATED_EMAIL.finditer(text)]
        spans += [m.span() for m in SPELLED_DIGITS.finditer(text)]
        spans += self._phones(text, ctx)
        spans += [m.span() for m in ctx.config.words("messengers").finditer(text)]
        spans += [m.span() for m in ctx.config.words("ask_contact").finditer(text)]
        return spans

    def find(self, text: str, ctx: RuleContext) -> list[str]:
        return [text[start:end] for start, end in sorted(self._spans(text, ctx))]

    def redact(self, text: str, ctx: RuleContext) -> str:
        for start, end in sorted(set(self._spans(text, ctx)), reverse=True):
            text = text[:start] + REDACTED + text[end:]
        return text

    def apply(self, inspection: Inspection, ctx: RuleContext) -> list[Violation]:
        violations = super().apply(inspection, ctx)
        action = self.action(ctx)
        contact_links = [
            (h, a)
            for h, a in inspection.links()
            if str(a.attributes.get("href") or "").lower().startswith(("mailto:", "tel:"))
        ]
        if action is None or not contact_links:
            return violations
        if action is Action.REDACT:
            for html, anchor in contact_links:
                anchor.unwrap()
                html.changed = True
            inspection.touched()
        if not violations:
            violations = [self.violation(action, str(contact_links[0][1].attributes.get("href")))]
        return violations


class ExternalLink(TextRule):
    """Links must stay on the marketplace, a carrier's tracking site or the seller's own
    registered instruction and warranty hosts."""

    id = "external-link"
    actions = blocked_unless_critical(Action.DEFANG)

    @staticmethod
    def allowed(ctx: RuleContext) -> frozenset[str]:
        own = {ctx.relay_domain} if ctx.relay_domain else set()
        return (
            ctx.config.marketplace_hosts
            | ctx.config.carrier_hosts
            | ctx.seller_link_hosts
            | frozenset(own)
        )

    def _urls(self, text: str, ctx: RuleContext) -> list[re.Match[str]]:
        allowed = self.allowed(ctx)
        found = []
        for match in URL.finditer(_mask(EMAIL, text)):
            url = match.group(0)
            host = host_of(url if "://" in url else f"http://{url}")
            if host and not host_in(host, allowed):
                found.append(match)
        return found

    def find(self, text: str, ctx: RuleContext) -> list[str]:
        return [m.group(0) for m in self._urls(text, ctx)]

    def redact(self, text: str, ctx: RuleContext) -> str:
        for match in reversed(self._urls(text, ctx)):
            defanged = match.group(0).replace("://", "[:]//").replace(".", "[.]")
            text = text[: match.start()] + defanged + text[match.end() :]
        return text

    def apply(self, inspection: Inspection, ctx: RuleContext) -> list[Violation]:
        action = self.action(ctx)
        if action is None:
            return []
        allowed = self.allowed(ctx)
        bad_anchors = []
        for html, anchor in inspection.links():
            if anchor.css_first("img") is not None:
                continue  # a linked image is the logo-link rule's
            href = str(anchor.attributes.get("href") or "")
            host = host_of(href)
            if (
                href.lower().startswith(("http:", "https:", "//", "ftp:"))
                and host
                and not host_in(host, allowed)
            ):
                bad_anchors.append((html, anchor, host))
        found = self.find(inspection.text(), ctx)
        if not found and not bad_anchors:
            return []
        if action is Action.DEFANG:
            for html, anchor, _host in bad_anchors:
                anchor.unwrap()  # keeps the text, drops the link
                html.changed = True
            inspection.touched()
            inspection.rewrite_text(lambda text: self.redact(text, ctx))
        evidence = found[0] if found else bad_anchors[0][2]
        return [self.violation(action, evidence)]


class LogoLink(Rule):
    """An image wrapped in a link off the marketplace: a logo that leads to the seller's shop."""

    id = "logo-link"
    actions = blocked_unless_critical(Action.UNWRAP)

    def apply(self, inspection: Inspection, ctx: RuleContext) -> list[Violation]:
        action = self.action(ctx)
        if action is None:
            return []
        allowed = ctx.config.marketplace_hosts
        found = []
        for html, anchor in list(inspection.links()):
            host = host_of(str(anchor.attributes.get("href") or ""))
            if host and not host_in(host, allowed) and anchor.css_first("img") is not None:
                found.append(host)
                if action is Action.UNWRAP:
                    anchor.unwrap()
                    html.changed = True
        if found and action is Action.UNWRAP:
            inspection.touched()
        return [self.violation(action, f"image linking to {found[0]}")] if found else []


# -- what the message is -------------------------------------------------------------------
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")


class _OnlyRule(Rule):
    """A proactive message that says nothing but <kind> (confirmation, thanks, help offer)."""

    kind: ClassVar[str]
    actions: ClassVar[Mapping[Category, Action]] = {P: Action.BLOCK}
    KINDS: ClassVar[tuple[str, ...]] = ("confirmation", "help_offer", "thanks")
    RESIDUE_WORDS: ClassVar[int] = 3

    @staticmethod
    def sentence_kinds(inspection: Inspection, ctx: RuleContext) -> list[str]:
        body = ORDER_ID.sub(" ", inspection.body_text())
        lines = [ln for ln in body.splitlines() if not ln.lstrip().startswith(">")]
        patterns = {name: ctx.config.words(name) for name in _OnlyRule.KINDS}
        greetings = ctx.config.words("greetings")
        filler = ctx.config.words("filler")
        kinds = []
        for sentence in _SENTENCE.findall("\n".join(lines)):
            if not re.search(r"\w", sentence):
                continue
            found = [name for name, pattern in patterns.items() if pattern.search(sentence)]
            # What is left once the stock phrases and greetings are gone: more than a few
            # words means the sentence carries information of its own.
            residue = greetings.sub(" ", sentence)
            for pattern in patterns.values():
                residue = pattern.sub(" ", residue)
            residue = filler.sub(" ", residue)
            substantive = len(re.findall(r"\w+", residue)) > _OnlyRule.RESIDUE_WORDS
            if found and not substantive:
                kinds.append(found[0])
            elif not found and not substantive:
                kinds.append("greeting")
            else:
                kinds.append("other")
        return kinds

    def apply(self, inspection: Inspection, ctx: RuleContext) -> list[Violation]:
        action = self.action(ctx)
        if action is None or inspection.attachments:
            return []
        kinds = set(self.sentence_kinds(inspection, ctx)) - {"greeting"}
        if not kinds or "other" in kinds:
            return []
        # One verdict per message: a confirmation with thanks is a confirmation.
        primary = next(k for k in ("confirmation", "thanks", "help_offer") if k in kinds)
        if primary != self.kind:
            return []
        return [self.violation(action, f"the message is only a {self.kind.replace('_', ' ')}")]


class ConfirmationOnly(_OnlyRule):
    id = "confirmation-only"
    kind = "confirmation"


class ThankYouOnly(_OnlyRule):
    id = "thank-you-only"
    kind = "thanks"


class HelpOfferOnly(_OnlyRule):
    id = "help-offer-only"
    kind = "help_offer"


class LanguageMismatch(Rule):
    id = "language-mismatch"
    actions: ClassVar[Mapping[Category, Action]] = {P: Action.FLAG}

    def apply(self, inspection: Inspection, ctx: RuleContext) -> list[Violation]:
        action = self.action(ctx)
        if action is None or not ctx.buyer_language:
            return []
        words = re.findall(r"[a-zäöüß]+", inspection.body_text().lower())
        scores = {
            lang: sum(w in stop for w in words) for lang, stop in ctx.config.stopwords.items()
        }
        if not scores or max(scores.values()) < 3:
            return []
        detected = max(scores, key=lambda lang: scores[lang])
        if detected == ctx.buyer_language or scores[detected] < 2 * scores.get(
            ctx.buyer_language, 0
        ):
            return []
        return [
            self.violation(action, f"written in {detected}, the buyer reads {ctx.buyer_language}")
        ]


# -- attachments and size ------------------------------------------------------------------
def _extension(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


def unsafe_reason(attachment: AttachmentPart, config: PolicyConfig) -> str | None:
    """Why an attachment may carry code, or None."""
    name = attachment.name.lower()
    extensions = [piece for piece in name.split(".")[1:] if piece]
    if any(ext in config.unsafe_extensions for ext in extensions[-2:]):
        return f"{attachment.name}: file type .{extensions[-1]} is not allowed"
    if attachment.content_type.lower() in config.unsafe_content_types:
        return f"{attachment.name}: content type {attachment.content_type} is not allowed"
    data = attachment.payload()
    head = data[:8]
    if head.startswith((b"MZ", b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe", b"Rar!", b"7z\xbc\xaf")):
        return f"{attachment.name}: the content is an executable or archive"
    if head.startswith(b"PK\x03\x04"):
        if _extension(name) not in OFFICE_ZIP_EXTENSIONS:
            return f"{attachment.name}: the content is a ZIP archive"
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if any(n.lower().endswith("vbaproject.bin") for n in archive.namelist()):
                    return f"{attachment.name}: the document contains macros"
        except (zipfile.BadZipFile, ValueError, OSError):
            return f"{attachment.name}: the document is a damaged archive"
    return None


class UnsafeAttachment(Rule):
    """Executables, scripts, macro documents and archives never reach anyone."""

    id = "unsafe-attachment"
    actions: ClassVar[Mapping[Category, Action]] = dict.fromkeys(ALL, Action.STRIP)

    def apply(self, inspection: Inspection, ctx: RuleContext) -> list[Violation]:
        action = self.action(ctx)
        if action is None:
            return []
        violations = []
        for attachment in list(inspection.attachments):
            reason = unsafe_reason(attachment, ctx.config)
            if reason:
                inspection.remove_attachment(attachment)
                violations.append(self.violation(action, reason))
        return violations


_MAGIC = {
    b"%PDF": "application/pdf",
    b"\x89PNG": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF8": "image/gif",
}


def sniffed_type(attachment: AttachmentPart) -> str:
    head = attachment.payload()[:4]
    for magic, content_type in _MAGIC.items():
        if head.startswith(magic):
            return content_type
    return attachment.content_type.lower()


class AttachmentType(Rule):
    """Sellers may attach invoices, manuals, warranties and customization proofs, as PDF,
    PNG, JPEG, GIF or plain text, and nothing else."""

    id = "attachment-type"
    actions = blocked_unless_critical(Action.STRIP)

    def apply(self, inspection: Inspection, ctx: RuleContext) -> list[Violation]:
        action = self.action(ctx)
        if action is None:
            return []
        purposes = ctx.config.words("attachment_purposes")
        text_states_purpose = bool(
            purposes.search(inspection.body_text() + " " + inspection.subject)
        )
        violations = []
        for attachment in list(inspection.attachments):
            kind = sniffed_type(attachment)
            if kind not in ctx.config.allowed_attachment_types:
                reason = f"{attachment.name}: {kind} is not an allowed file type"
            elif not (purposes.search(attachment.name.replace("_", " ")) or text_states_purpose):
                reason = f"{attachment.name}: not an invoice, manual, warranty or proof"
            else:
                continue
            if action is Action.STRIP:
                inspection.remove_attachment(attachment)
            violations.append(self.violation(action, reason))
        return violations


class TrackingPixel(Rule):
    """Invisible images and CSS beacons that report when and where a message is read."""

    id = "tracking-pixel"
    actions: ClassVar[Mapping[Category, Action]] = dict.fromkeys(ALL, Action.STRIP)
    _PX = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(px)?\s*$", re.IGNORECASE)
    _HIDDEN = re.compile(
        r"display\s*:\s*none|visibility\s*:\s*hidden|opacity\s*:\s*0(?:\.0*)?\s*(?:;|$)"
        r"|(?:max-)?(?:width|height)\s*:\s*[01](?:px)?\s*(?:;|$)",
        re.IGNORECASE,
    )
    _CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")\s]+)", re.IGNORECASE)

    def _tiny(self, value: str | None) -> bool:
        match = self._PX.match(value) if value is not None else None
        return match is not None and float(match.group(1)) <= 1

    def apply(self, inspection: Inspection, ctx: RuleContext) -> list[Violation]:
        action = self.action(ctx)
        if action is None:
            return []
        trackers = ctx.config.tracker_hosts
        violations = []
        for html in inspection.html_parts:
            for image in html.tree.css("img"):
                attrs = image.attributes
                host = host_of(str(attrs.get("src") or ""))
                style = str(attrs.get("style") or "")
                why = None
                if host and host_in(host, trackers):
                    why = f"image from tracker host {host}"
                elif self._tiny(attrs.get("width")) or self._tiny(attrs.get("height")):
                    why = f"{attrs.get('width') or '?'}x{attrs.get('height') or '?'} image"
                    why += f" from {host}" if host else ""
                elif self._HIDDEN.search(style):
                    why = f"hidden image ({excerpt(style, 40)})"
                if why:
                    image.decompose()
                    html.changed = True
                    violations.append(self.violation(action, why))
            for styled in html.tree.css("[style]"):
                style = str(styled.attributes.get("style") or "")
                beacons = [u for u in self._CSS_URL.findall(style) if host_in(host_of(u), trackers)]
                if beacons:
                    del styled.attrs["style"]
                    html.changed = True
                    violations.append(self.violation(action, f"CSS beacon {host_of(beacons[0])}"))
        if violations:
            inspection.touched()
        return violations


class MessageTooLarge(Rule):
    id = "message-too-large"
    actions: ClassVar[Mapping[Category, Action]] = dict.fromkeys(ALL, Action.BLOCK)

    def apply(self, inspection: Inspection, ctx: RuleContext) -> list[Violation]:
        action = self.action(ctx)
        limit = ctx.config.max_message_bytes
        if action is None or ctx.raw_size <= limit:
            return []
        return [self.violation(action, f"{ctx.raw_size} bytes, limit {limit}")]


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
