"""Contact details: addresses, phone numbers (in digits, words or both), messengers, social
profiles, contact links (mailto:, tel:, sms:, tg:, whatsapp:, wa.me, t.me...), and asking the
buyer for theirs."""

from __future__ import annotations

from typing import Any

from parley.policy.inspect import Chunk, Inspection, Link
from parley.policy.model import ORDER_ID, Action, Violation
from parley.policy.normalize import Despaced, despaced, with_number_words
from parley.policy.patterns import Pattern, W, is_word, mask
from parley.policy.rules.base import (
    REDACTED,
    RuleContext,
    TextRule,
    blocked_unless_critical,
    in_context,
    located,
    remove_attachments,
)
from parley.policy.urls import (
    CONTACT_SCHEMES,
    EDGE,
    TEXT_CONTACT_URL,
    TEXT_URL,
    ParsedUrl,
    host_in,
    is_tld,
    parse,
)

_OPEN, _CLOSE = r"[(\[{<]?", r"[)\]}>]?"
_MARK = r"[\-_*=~|]*"  # "shop -at- gmail -dot- com", "shop_at_gmail_dot_com"
EMAIL = Pattern(rf"[{W}.+\-]+@[{W}\-]+(?:\.[{W}\-]+)+")
_TLD = (
    "com|de|net|org|eu|info|co|uk|at|ch|io|fr|it|nl|es|be|pl|ru|us|me|biz|shop|store|online|"
    "example|email|mail"
)
_SEP_AT = rf"\s*{_MARK}\s*{_OPEN}\s*(?:at|ät|@|ät)\s*{_CLOSE}\s*{_MARK}\s*"
_SEP_DOT = rf"\s*{_MARK}\s*{_OPEN}\s*(?:dot|punkt|\.)\s*{_CLOSE}\s*{_MARK}\s*"
OBFUSCATED_EMAIL = Pattern(
    rf"[{W}.+\-]{{2,}}{_SEP_AT}[{W}\-]{{2,}}(?:{_SEP_DOT}[{W}\-]{{2,}})*?{_SEP_DOT}(?:{_TLD})",
    not_after=lambda ch: ch.isalnum(),
)
# Any other top-level domain ("shop at myshop dot xyz", "shop @ myshop.berlin"): "at" and "dot"
# must stand apart as words (or "@", "."), and the last label must be a real TLD.
_WORD_AT = rf"(?:{EDGE}(?:at|ät){EDGE}|\s*@\s*)"
_WORD_DOT = rf"(?:{EDGE}(?:dot|punkt){EDGE}|\.)"
ANY_TLD_EMAIL = Pattern(
    rf"[{W}.+\-]{{2,}}{_WORD_AT}[{W}\-]{{2,}}(?:{_WORD_DOT}[{W}\-]{{2,}})*{_WORD_DOT}\pL{{2,24}}",
    not_after=lambda ch: ch.isalnum(),
)
# "@myshop_official": a handle when it looks like one (digits, "_" or ".") or when a word
# before it says so ("follow us @myshop", "IG @myshop"); "says @home" is a word; CSS at-rules
# ("@media") are not handles.
HANDLE = Pattern(rf"@[\pL_][{W}]*(?:\.[{W}]+)*", not_before=lambda ch: is_word(ch) or ch in "@.+-")
_HANDLE_CUE = Pattern(
    r"\b(?:follow\w*|folg\w*|find\w*|ig|insta\w*|tiktok|tt|fb|yt|dm|pm|handle|account|konto|"
    r"profile?|kanal|channel|page|seite|add|message|nachricht|schreib\w*|write|contact|kontakt\w*)"
    r"\b"
)
_CUE_REACH = 40  # characters before a handle where a cue counts
_CSS_AT_RULES = frozenset(
    {
        "media", "import", "charset", "namespace", "supports", "page", "font", "keyframes",
        "counter", "layer", "property", "container", "document", "viewport", "scope",
        "starting", "position", "color",
    }
)  # fmt: skip
# "IG: myshop_official", "IG myshop_official": a platform's short name, a name that looks like
# a handle (digits, "_" or "."; "IG means" is words).
CUED_HANDLE = Pattern(
    r"\b(?:(?:ig|insta|tiktok)(?:\s+|\s*[:=]\s*)|(?:tt|fb|yt|sc|snap|tg)\s*[:=]\s*)"
    rf"[\pL_][{W}.]{{2,29}}",
    not_after=lambda ch: is_word(ch),
)
_WWW = Pattern(rf"{_SEP_AT}www{_SEP_DOT}")
# Parcel tracking numbers are long digit runs too; they must not read as phone numbers.
TRACKING_NUMBER = Pattern(
    # A leading 0 of twelve digits or fewer is a trunk prefix: that is a phone number (0151...).
    r"\b(?:1Z[0-9A-Z]{16}|[0-9]{20,22}|JJD[0-9]{16,20}|[1-9][0-9]{11,13}|0[0-9]{12,13})\b",
    ignore_case=False,
)
# Anything that could be a phone number: digits with the separators people write between.
PHONE_CANDIDATE = Pattern(r"\+?\(?[0-9][0-9 \t().,/\-]{4,}[0-9]", ignore_case=False)
# A line break (or two) right between digits is read as a space ("0176\n1234\n5678"); one
# after other characters ends the number: a list of dates "03.12.\n04.12." stays a list.
_DIGIT_NEWLINE = Pattern(r"[0-9][ \t]*(?:\r?\n[ \t]*){1,2}", ignore_case=False)
# An "x" or "×" between digit groups, one of them of three digits or more ("0176x12345678",
# "+49 x 176 x 12345678"), is read as a space; the library refuses the dimensions this makes
# ("3840x2160", "120 x 80"), and "1x1x1" stays out of the candidates.
# Three digits before the x, or three after it: two scans, as matches of one could overlap.
_X_AFTER_THREE = Pattern(r"[0-9]{3}[ \t]?[xX×][ \t]?[0-9]", ignore_case=False)
_X_BEFORE_THREE = Pattern(r"[0-9][ \t]?[xX×][ \t]?[0-9]{3}", ignore_case=False)


def _as_spaces(text: str) -> str:
    """`text` with the x's and line breaks that separate digit groups of one number read as
    spaces (same length: offsets stay valid)."""
    spaces = [
        at
        for pattern in (_X_AFTER_THREE, _X_BEFORE_THREE)
        for found in pattern.finditer(text)
        for at in range(found.start, found.end)
        if text[at] in "xX×"
    ]
    spaces += [
        at
        for found in _DIGIT_NEWLINE.finditer(text)
        if found.end < len(text) and text[found.end].isdigit()
        for at in range(found.start, found.end)
        if text[at] in "\r\n"
    ]
    if not spaces:
        return text
    chars = list(text)
    for at in spaces:
        chars[at] = " "
    return "".join(chars)


_WINDOW = 64  # with _CONTEXT on both sides, windows overlap by 48: no number is cut
_CONTEXT = 16
_MAX_E164 = 15
_SPELLED_MIN_DIGITS = 7


def _emails(text: str, own: set[str]) -> list[tuple[int, int]]:
    spans = [m.span() for m in EMAIL.finditer(text) if m.text.rpartition("@")[2].lower() not in own]
    spans += [m.span() for m in OBFUSCATED_EMAIL.finditer(text) if not _WWW.search(m.text)]
    for m in ANY_TLD_EMAIL.finditer(text):
        if _WWW.search(m.text) or m.text.rpartition("@")[2].strip().lower() in own:
            continue
        at = len(m.text)
        while at and m.text[at - 1].isalpha():
            at -= 1
        tld = m.text[at:]
        # "Red Dot Design": a capitalised word after "dot" is a name, not a domain
        if is_tld(tld) and not (tld[:1].isupper() and tld[1:].islower()):
            spans.append(m.span())
    return spans


def address_spans(
    text: str, own: set[str] | frozenset[str] = frozenset(), view: Despaced | None = None
) -> list[tuple[int, int]]:
    """Every email address in `text` (but those of the domains `own`): plain, written out
    ("shop at myshop dot xyz", "shop -at- gmail -dot- com") or spaced out ("s h o p @ ...");
    `view` is `despaced(text)` when the caller has it."""
    mine = set(own)
    spans = _emails(text, mine)
    view = view or despaced(text)
    if view is not None:
        for start, end in _emails(view.text, mine):
            if view.touches_run(start, end):
                spans.append(view.source_span(start, end))
    return spans


def contact_link(parsed: ParsedUrl, ctx: RuleContext) -> str | None:
    """Why a URL is a contact channel, or None."""
    if parsed.scheme in CONTACT_SCHEMES:
        return f"{parsed.scheme}: link"
    if parsed.scheme == "mailto":
        domain = parsed.href.split("?")[0].rpartition("@")[2].lower()
        return None if ctx.relay_domain and domain == ctx.relay_domain else "mailto: link"
    if parsed.scheme in {"http", "https"} and host_in(parsed.host, ctx.config.messenger_hosts):
        return f"messenger or social profile {parsed.host}"
    return None


class ContactInfo(TextRule):
    id = "contact-info"
    actions = blocked_unless_critical(Action.REDACT)

    def _phones(self, text: str, ctx: RuleContext) -> list[tuple[int, int]]:
        from parley.policy import phones  # loads the library on the first seller message

        # Addresses, links, order and parcel numbers are digits too: blank them first.
        masked = mask(TRACKING_NUMBER, mask(ORDER_ID, mask(TEXT_URL, mask(EMAIL, text))))
        numbers = with_number_words(masked)
        spans: dict[tuple[int, int], None] = {}
        cache: phones.Cache = {}
        for start, end in numbers.spelled:
            if sum(ch.isdigit() for ch in numbers.text[start:end]) >= _SPELLED_MIN_DIGITS:
                spans[numbers.source_span(start, end)] = None
        converted = _as_spaces(numbers.text)
        for candidate in PHONE_CANDIDATE.finditer(converted):
            if sum(ch.isdigit() for ch in candidate.text) < 7:
                continue
            if candidate.text.isdigit() and len(candidate.text) > _MAX_E164:
                continue  # one unbroken run longer than any phone number (E.164: 15 digits)
            # Long runs are read in overlapping windows, each with a little context around:
            # the matcher's work stays bounded whatever the input.
            step = _WINDOW - 16
            for offset in range(
                candidate.start, max(candidate.start + 1, candidate.end - step), step
            ):
                ctx.check_deadline(self.id)  # a long table of numbers ends in the budget
                lo = max(0, offset - _CONTEXT)
                window = converted[lo : min(candidate.end, offset + _WINDOW) + _CONTEXT]
                # the first region that reads a number here is enough
                for match in phones.matches(window, ctx.config.phone_regions, cache):
                    begin = lo + match.start
                    spans[numbers.source_span(begin, begin + len(match.raw_string))] = None
        return list(spans)

    def _contact_urls(self, text: str, ctx: RuleContext) -> list[tuple[int, int]]:
        spans = [m.span() for m in TEXT_CONTACT_URL.finditer(text)]
        for found in TEXT_URL.finditer(text):
            parsed = parse(found.text)
            if parsed is not None and contact_link(parsed, ctx):
                spans.append(found.span())
        return spans

    def _handles(self, text: str) -> list[tuple[int, int]]:
        spans = []
        for m in HANDLE.finditer(text):
            name = m.text[1:]
            if len(name) < 3 or name.split(".")[0].lower() in _CSS_AT_RULES:
                continue
            looks_like_one = any(ch.isdigit() or ch in "_." for ch in name)
            if looks_like_one or _HANDLE_CUE.search(text[max(0, m.start - _CUE_REACH) : m.start]):
                spans.append(m.span())
        for m in CUED_HANDLE.finditer(text):
            name = m.text.replace("=", " ").replace(":", " ").split()[-1]
            if any(ch.isdigit() or ch in "_." for ch in name):
                spans.append(m.span())
        return spans

    def _spans(self, text: str, ctx: RuleContext) -> list[tuple[int, int]]:
        own = {ctx.relay_domain} if ctx.relay_domain else set()
        spans = address_spans(text, own)
        spans += self._handles(text)
        spans += self._phones(text, ctx)
        spans += self._contact_urls(text, ctx)
        spans += [m.span() for m in ctx.config.words("messengers").finditer(text)]
        spans += [m.span() for m in ctx.config.words("ask_contact").finditer(text)]
        return spans

    def find(self, text: str, ctx: RuleContext) -> list[str]:
        return [text[start:end] for start, end in sorted(self._spans(text, ctx))]

    def redact(self, text: str, ctx: RuleContext) -> str:
        merged: list[tuple[int, int]] = []
        for start, end in sorted(set(self._spans(text, ctx))):
            if merged and start < merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        for start, end in reversed(merged):
            text = text[:start] + REDACTED + text[end:]
        return text

    def apply(self, inspection: Inspection, ctx: RuleContext) -> list[Violation]:
        action = self.action(ctx)
        if action is None:
            return []
        violations = super().apply(inspection, ctx)
        bad: list[tuple[Link, str]] = []
        for link in inspection.links():
            parsed = parse(link.url)
            why = contact_link(parsed, ctx) if parsed else None
            if why:
                bad.append((link, why))
        if not bad:
            return violations
        if action is Action.REDACT:
            remove_links(inspection, [link for link, _ in bad])
        if not violations:
            link, why = bad[0]
            chunk = Chunk(link.where, link.url)
            violations = [self.violation(action, located(chunk, in_context(link.url, link.url)))]
        return violations


def remove_links(inspection: Inspection, links: list[Link]) -> None:
    """Take the links out: an anchor keeps its text, other attributes go, a refresh goes."""
    done: set[int] = set()
    for link in links:
        node: Any = link.node
        if node is not None and id(node) in done:
            continue
        if link.attachment is not None:
            remove_attachments(inspection, [link.attachment])
        elif node is not None and link.html is not None:
            if node.tag in {"a", "area"} and link.attribute == "href":
                node.unwrap()
            elif node.tag == "meta":
                node.decompose()
            elif link.attribute in node.attributes:
                del node.attrs[link.attribute]
            link.html.changed = True
            if node.tag in {"a", "area", "meta"}:
                done.add(id(node))
    inspection.touched()
