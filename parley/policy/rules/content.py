"""Content rules: reviews, promotion, opt-out requests, tone, messages that say nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from parley.core.kinds import REVIEW_EARLIEST_DAYS
from parley.policy.inspect import Inspection
from parley.policy.model import ORDER_ID, Action, Category, Violation
from parley.policy.patterns import Found, Pattern, W
from parley.policy.rules.base import Rule, RuleContext, TextRule, blocked_unless_critical
from parley.policy.urls import TEXT_URL, host_in, parse

P, R = Category.PROACTIVE, Category.REPLY


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
    _PRODUCT_PATH = Pattern(r"/(?:dp|gp/product|product|produkt|item|p)/")

    NEGATIONS: ClassVar[frozenset[str]] = frozenset(
        {"no", "not", "without", "kein", "keine", "keinen", "ohne", "nicht"}
    )

    NOT_NEEDED: ClassVar[frozenset[str]] = frozenset(
        {"needed", "necessary", "required", "nötig", "notwendig", "erforderlich"}
    )

    def _negated(self, text: str, found: Found) -> bool:
        """ "No discount code is needed", "ein Rabattcode ist nicht nötig": not an offer."""
        before = _WORD.findall(text[max(0, found.start - 24) : found.start].lower())[-2:]
        after = _WORD.findall(text[found.end : found.end + 40].lower())[:4]
        return bool(self.NEGATIONS & set(before)) or (
            bool(self.NEGATIONS & set(after)) and bool(self.NOT_NEEDED & set(after))
        )

    def find(self, text: str, ctx: RuleContext) -> list[str]:
        found = [m.text for m in self.pattern(ctx).finditer(text) if not self._negated(text, m)]
        # Links to other products on the marketplace itself are cross-selling too.
        for url in TEXT_URL.finditer(text):
            parsed = parse(url.text)
            if (
                parsed
                and host_in(parsed.host, ctx.config.marketplace_hosts)
                and self._PRODUCT_PATH.search(parsed.href)
            ):
                found.append(url.text)
        return found


class OptOutRequest(TextRule):
    id = "opt-out-request"
    words_key = "opt_out"
    actions = blocked_unless_critical(Action.REDACT)

    def apply(self, inspection: Inspection, ctx: RuleContext) -> list[Violation]:
        found = super().apply(inspection, ctx)
        action = self.action(ctx)
        if found or action is None or not ctx.list_unsubscribe:
            return found
        return [self.violation(action, "List-Unsubscribe header")]


class SensitiveContent(TextRule):
    id = "sensitive-content"
    words_key = "sensitive"
    actions = blocked_unless_critical(Action.REDACT)


_SENTENCE = Pattern(r"[^.!?\n]+[.!?]*")
_WORD = Pattern(rf"[{W}]+")


class _OnlyRule(Rule):
    """A proactive message that says nothing but <kind> (confirmation, thanks, help offer)."""

    kind: ClassVar[str]
    actions: ClassVar[Mapping[Category, Action]] = {P: Action.BLOCK}
    KINDS: ClassVar[tuple[str, ...]] = ("confirmation", "help_offer", "thanks")
    RESIDUE_WORDS: ClassVar[int] = 3
    LONGEST_STOCK_SENTENCE: ClassVar[int] = 400

    MAX_SENTENCES: ClassVar[int] = 30

    @staticmethod
    def sentence_kinds(inspection: Inspection, ctx: RuleContext) -> list[str]:
        """Each sentence's kind, computed once per message for the three rules. A message of
        more than MAX_SENTENCES sentences says more than stock phrases: ["other"]."""
        cached = inspection.memo.get("sentence_kinds")
        if cached is None:
            cached = _OnlyRule._sentence_kinds(inspection, ctx)
            inspection.memo["sentence_kinds"] = cached
        return list(cached)

    @staticmethod
    def _sentence_kinds(inspection: Inspection, ctx: RuleContext) -> list[str]:
        body = ORDER_ID.sub(" ", inspection.body_text())
        lines = [ln for ln in body.splitlines() if not ln.lstrip().startswith(">")]
        patterns = {name: ctx.config.words(name) for name in _OnlyRule.KINDS}
        greetings = ctx.config.words("greetings")
        filler = ctx.config.words("filler")
        kinds: list[str] = []
        for count, found in enumerate(_SENTENCE.finditer("\n".join(lines))):
            if count >= _OnlyRule.MAX_SENTENCES:
                return ["other"]
            sentence = found.text
            if not any(ch.isalnum() for ch in sentence):
                continue
            if len(sentence) > _OnlyRule.LONGEST_STOCK_SENTENCE:
                kinds.append("other")  # no stock phrase is that long: it says something
                continue
            kinds_found = [name for name, pattern in patterns.items() if pattern.search(sentence)]
            # What is left once the stock phrases and greetings are gone: more than a few
            # words means the sentence carries information of its own.
            residue = greetings.sub(" ", sentence)
            for pattern in patterns.values():
                residue = pattern.sub(" ", residue)
            residue = filler.sub(" ", residue)
            substantive = len(_WORD.findall(residue)) > _OnlyRule.RESIDUE_WORDS
            if kinds_found and not substantive:
                kinds.append(kinds_found[0])
            elif not kinds_found and not substantive:
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


_LETTERS = Pattern(r"[a-zäöüß]+")


class LanguageMismatch(Rule):
    id = "language-mismatch"
    actions: ClassVar[Mapping[Category, Action]] = {P: Action.FLAG}

    def apply(self, inspection: Inspection, ctx: RuleContext) -> list[Violation]:
        action = self.action(ctx)
        if action is None or not ctx.buyer_language:
            return []
        words = _LETTERS.findall(inspection.body_text().lower())
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
