"""Every pattern of the policy runs on RE2: time linear in the text, whatever the pattern.

The one exception is the tokenizer (`TOKENS`, `NUMBER_TOKENS`): a single alternation of
character classes, each quantified once, with no two quantifiers that could share text, so the
stdlib engine never backtracks on it (linear, and several times faster per token than the RE2
wrapper, which builds a Python object per match). The linear-time test covers it like the rest.

RE2 has no look-around and its `\\w` is ASCII; `W` is the Unicode word class to use instead,
and a match's neighbours are checked in Python (`not_before`, `not_after`), which is O(1) per
match. The stdlib `re` is not used anywhere in parley.policy (a test enforces it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import re2

# A word character (Unicode letters and digits, underscore) for use inside [...] classes.
W = r"\pL\pN_"

_OPTIONS = re2.Options()
_OPTIONS.max_mem = 64 << 20
_OPTIONS.log_errors = False


# Words (letters and digits) and runs of symbols; the characters that join or decorate words
# (- ' . _ * ...) are skipped. Linear: see the module docstring.
TOKENS = re.compile(r"[^\W_]+|[^\w\s\-‐‑–'’`´._·*•^]+")
# Letter runs and digit runs.
NUMBER_TOKENS = re.compile(r"[^\W\d_]+|\d+")


def is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


@dataclass(frozen=True)
class Found:
    """One match: its span in the searched text and the matched text."""

    start: int
    end: int
    text: str

    def span(self) -> tuple[int, int]:
        return (self.start, self.end)

    def group(self, index: int = 0) -> str:
        return self.text


class Pattern:
    """A compiled RE2 pattern with `re`-like finditer/search/sub/findall over `Found`s.

    `not_before` / `not_after` reject a match whose preceding / following character passes
    the predicate (what `(?<!...)` and `(?!...)` did). `group` picks the capture group that
    is the match proper. RE2 compiles the pattern on first use: the policy defines 29
    patterns at import, and compiling them all cost the filter's cold start about 38 ms of
    CPU, most of it for patterns that only some messages reach (a buyer's mail runs the
    safety rules only; a rule stops early on text it cannot concern).
    """

    def __init__(
        self,
        pattern: str,
        *,
        ignore_case: bool = True,
        not_before: Callable[[str], bool] | None = None,
        not_after: Callable[[str], bool] | None = None,
        group: int = 0,
    ) -> None:
        self.source = pattern
        self._expression = ("(?i)" if ignore_case else "") + pattern
        self._not_before = not_before
        self._not_after = not_after
        self._group = group

    @cached_property
    def _regex(self) -> Any:
        return re2.compile(self._expression, _OPTIONS)

    def finditer(self, text: str) -> Iterator[Found]:
        for match in self._regex.finditer(text):
            start, end = match.span(self._group)
            if start < 0:
                continue
            if self._not_before and start > 0 and self._not_before(text[start - 1]):
                continue
            if self._not_after and end < len(text) and self._not_after(text[end]):
                continue
            yield Found(start, end, text[start:end])

    def search(self, text: str) -> Found | None:
        return next(self.finditer(text), None)

    def findall(self, text: str) -> list[str]:
        return [found.text for found in self.finditer(text)]

    def sub(self, replacement: str | Callable[[Found], str], text: str) -> str:
        pieces, last = [], 0
        for found in self.finditer(text):
            pieces.append(text[last : found.start])
            pieces.append(replacement(found) if callable(replacement) else replacement)
            last = found.end
        if not pieces:
            return text
        pieces.append(text[last:])
        return "".join(pieces)

    def fullmatch(self, text: str) -> bool:
        return self._regex.fullmatch(text) is not None


def re2_escape(text: str) -> str:
    return str(re2.escape(text))


def compile_pattern(pattern: str, **options: object) -> Pattern:
    return Pattern(pattern, **options)  # type: ignore[arg-type]


def mask(pattern: Pattern, text: str) -> str:
    """Blank out matches but keep offsets, so later matchers cannot see them."""
    return pattern.sub(lambda found: " " * (found.end - found.start), text)


def mask_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with the given spans blanked out, offsets kept."""
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted spans with overlapping ones merged into one."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
