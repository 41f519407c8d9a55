"""Phrase lists matched on words, not characters: stemmed, look-alike proof, linear.

Text is cut into tokens (RE2): words, and single symbols such as `%` or `/`. Hyphens,
apostrophes, dots and the like between letters are dropped, and runs of four or more
single letters are joined ("W h a t s A p p", "c.o.u.p.o.n"). Each word is compared by its
lowercase form and its English and German Snowball stems, so "reviews", "reviewing" and
"Bewertungen" match the phrase word "review" / "Bewertung".

A phrase list entry is a family:
- `{a|b|}` alternatives (an empty one makes the group optional): "{leave|write} {us |}a review";
- `~` up to three words of anything: "remove ~ review" is "remove the one-star review" too.

Matching walks a trie of stems from each token: O(tokens x phrase length), no regex
backtracking. Spans are character offsets into the searched text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from parley.policy.normalize import skeleton
from parley.policy.patterns import TOKENS, Found, Pattern, re2_escape

_GAP = "~"
_PREFIX_MARK = "*"
_MAX_GAP = 3
_UMLAUTS = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "s"})
_STEM_CACHE: dict[str, tuple[str, ...]] = {}
_EN, _DE = "\x01", "\x02"  # language tags of stems in keys
# Three-letter prefixes of every phrase word of every list: a text word with another prefix
# cannot match any phrase word, so it is never stemmed.
_PREFIXES: set[str] = set()
_TEXT_CACHE: dict[str, tuple[list[Token], list[tuple[str, ...]]]] = {}
# Enough for every segment of the largest text a message may carry (max_message_text_chars,
# 512 KB in segments of 3.5 KB: ~150): each phrase family reads a segment's tokens once.
_TEXT_CACHE_SIZE = 256
_SEGMENT = 4096
_OVERLAP = 512  # longer than any phrase


@lru_cache(maxsize=1)
def _stemmers() -> tuple[Any, Any]:
    import snowballstemmer

    return snowballstemmer.stemmer("english"), snowballstemmer.stemmer("german")


_LOOSE = {
    "a": "[aä]",
    "o": "[oö]",
    "u": "[uü]",
    "s": "(?:s|ß)",
    "ä": "[aä]",
    "ö": "[oö]",
    "ü": "[uü]",
}
_LETTER = r"\pL"
_SPACED = r"[\s.·*_\-]{1,2}"


def _loose(head: str) -> str:
    """A regular expression for a prefix that also matches its umlaut-folded forms."""
    return "".join(_LOOSE.get(ch) or re2_escape(ch) for ch in head)


def _prefix(word: str) -> str:
    head = word[:3]
    return head if head.isascii() else head.translate(_UMLAUTS)


def _keys(word: str) -> tuple[str, ...]:
    """A lowercase word's forms: itself and its English and German stems."""
    keys = _STEM_CACHE.get(word)
    if keys is None:
        english, german = _stemmers()
        # Stems are tagged with their language (the German stem of "ändern" is "and", which
        # must not meet the English word "and"); stems under four letters are not used.
        stems = [_EN + english.stemWord(word), _DE + german.stemWord(word)]
        keys = (word, *(stem for stem in stems if len(stem) >= 5))
        if len(_STEM_CACHE) > 50_000:
            _STEM_CACHE.clear()
        _STEM_CACHE[word] = keys
    return keys


class Token(NamedTuple):
    start: int
    end: int
    word: str  # lowercase


def tokens(text: str) -> list[Token]:
    """Words and symbol runs of `text` (already normalized), look-alikes folded, lowercase."""
    starts, ends, words = _tokenize(text)
    return [Token(*t) for t in zip(starts, ends, words, strict=True)]


def _tokenize(text: str) -> tuple[list[int], list[int], list[str]]:
    folded = skeleton(text).lower()
    starts: list[int] = []
    ends: list[int] = []
    words: list[str] = []
    run_from = -1  # index in `words` where a run of single letters began
    for match in TOKENS.finditer(folded):
        word = match.group()
        start, end = match.span()
        if len(word) == 1 and word.isalpha():
            # Single letters next to each other but for a space or a dot ("W h a t s A p p",
            # "c.o.u.p.o.n"): one word once the run is four letters long.
            if run_from >= 0 and start - ends[-1] <= 2:
                starts.append(start)
                ends.append(end)
                words.append(word)
                continue
            _join_run(starts, ends, words, run_from)
            run_from = len(words)
        else:
            _join_run(starts, ends, words, run_from)
            run_from = -1
        starts.append(start)
        ends.append(end)
        words.append(word)
    _join_run(starts, ends, words, run_from)
    return starts, ends, words


def _join_run(starts: list[int], ends: list[int], words: list[str], run_from: int) -> None:
    """Join the single letters from `run_from` to the end into one word, when four or more."""
    if run_from < 0 or len(words) - run_from < 4:
        return
    joined = "".join(words[run_from:])
    end = ends[-1]
    del starts[run_from + 1 :], ends[run_from:], words[run_from:]
    ends.append(end)
    words.append(joined)


def tokens_and_keys(text: str, cache: bool = True) -> tuple[list[Token], list[tuple[str, ...]]]:
    """The tokens of `text` and each one's forms (itself, stems), cached for the few texts
    that every rule reads in turn."""
    cached = _TEXT_CACHE.get(text) if cache else None
    if cached is not None:
        return cached
    starts, ends, words = _tokenize(text)
    keys: list[tuple[str, ...]] = []
    prefixes = _PREFIXES
    for word in words:
        head = word[:3]
        if not head.isascii():
            head = head.translate(_UMLAUTS)
        if head in prefixes and word.isalpha():
            keys.append(_keys(word))
        else:
            keys.append((word,))
    toks = [Token(*t) for t in zip(starts, ends, words, strict=True)]
    if not cache:
        return toks, keys
    if len(_TEXT_CACHE) >= _TEXT_CACHE_SIZE:
        _TEXT_CACHE.pop(next(iter(_TEXT_CACHE)))
    _TEXT_CACHE[text] = (toks, keys)
    return toks, keys


def expand(family: str) -> list[str]:
    """Every phrase a family stands for: "{a|b} c{ d|}" -> ["a c d", "a c", "b c d", "b c"]."""
    results = [""]
    rest = family
    while rest:
        open_at = rest.find("{")
        if open_at < 0:
            results = [r + rest for r in results]
            break
        close_at = rest.find("}", open_at)
        if close_at < 0:
            raise ValueError(f"unclosed {{ in phrase {family!r}")
        head, options = rest[:open_at], rest[open_at + 1 : close_at].split("|")
        results = [r + head + option for r in results for option in options]
        rest = rest[close_at + 1 :]
    return [" ".join(r.split()) for r in results if r.strip()]


@dataclass
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    prefixes: list[tuple[str, _Node]] = field(default_factory=list)
    gap: _Node | None = None
    terminal: bool = False


class Phrases:
    """A list of phrase families, matched on stemmed tokens."""

    def __init__(self, families: Iterable[str]) -> None:
        self.root = _Node()
        self.max_tokens = 0
        for family in families:
            for phrase in expand(family.lower()):
                self._add(phrase)
        # A text in which no phrase can start is rejected in one RE2 scan (C speed): every
        # first word's forms share a prefix of up to three letters with it, or the text has a
        # run of spaced-out single letters to join.
        heads = {_loose(key.lstrip(_EN + _DE)[:3]) for key in self.root.children}
        heads |= {_loose(start[:3]) for start, _ in self.root.prefixes}
        self._root_prefixes = tuple(start for start, _ in self.root.prefixes)
        self._prefilter = Pattern("|".join(sorted(heads)) + "|" + _SPACED.join([_LETTER] * 4))

    def could_match(self, text: str) -> bool:
        return self._prefilter.search(skeleton(text)) is not None

    def _add(self, phrase: str) -> None:
        words: list[str] = []
        for piece in phrase.split():
            if piece == _GAP:
                words.append(_GAP)
            elif piece.endswith(_PREFIX_MARK) and len(piece) > 3:
                words.append(piece)  # a word beginning: "gravur*" is "Gravurfreigabe" too
            else:
                words += [t.word for t in tokens(piece)]
        if not words or words[0] == _GAP or words[-1] == _GAP:
            raise ValueError(f"phrase {phrase!r} must start and end with a word")
        self.max_tokens = max(self.max_tokens, len(words) + _MAX_GAP * words.count(_GAP))
        frontier = [self.root]
        for word in words:
            if word == _GAP:
                nodes = []
                for node in frontier:
                    node.gap = node.gap or _Node()
                    nodes.append(node.gap)
                frontier = nodes
                continue
            if word.endswith(_PREFIX_MARK):
                start = word[:-1].lower()
                _PREFIXES.add(_prefix(start))
                _TEXT_CACHE.clear()
                nodes = []
                for node in frontier:
                    child = next((c for p, c in node.prefixes if p == start), None)
                    if child is None:
                        child = _Node()
                        node.prefixes.append((start, child))
                    nodes.append(child)
                frontier = nodes
                continue
            keys = set(_keys(word)) if word.isalpha() else {word}
            _PREFIXES.update(_prefix(k.lstrip(_EN + _DE)) for k in keys)
            _TEXT_CACHE.clear()
            # Each key of the phrase word leads to one shared child.
            nodes = []
            for node in frontier:
                child = next((node.children[k] for k in keys if k in node.children), None)
                child = child or _Node()
                for key in keys:
                    node.children.setdefault(key, child)
                nodes.append(child)
            frontier = nodes
        for node in frontier:
            node.terminal = True

    def _longest(self, words: list[str], keys: list[tuple[str, ...]], i: int) -> int:
        """The end (token index) of the longest phrase starting at token i, or -1."""
        best = -1
        stack: list[tuple[_Node, int]] = [(self.root, i)]
        steps = 0
        while stack and steps < 512:
            steps += 1
            node, j = stack.pop()
            if node.terminal and j > i:
                best = max(best, j)
            if node.gap is not None:
                for skip in range(1, _MAX_GAP + 1):
                    if j + skip <= len(keys):
                        stack.append((node.gap, j + skip))
                stack.append((node.gap, j))
            if j < len(keys):
                for start, after in node.prefixes:
                    if words[j].startswith(start):
                        stack.append((after, j + 1))
                seen: set[int] = set()
                for key in keys[j]:
                    child = node.children.get(key)
                    if child is not None and id(child) not in seen:
                        seen.add(id(child))
                        stack.append((child, j + 1))
        return best

    def finditer(self, text: str) -> Iterator[Found]:
        """Matches in `text`, longest first at each place, not overlapping.

        A long text is read in segments of `_SEGMENT` characters that overlap by `_OVERLAP`:
        the work stays in the processor's caches, so time grows with the text and no faster.
        """
        if not self.could_match(text):
            return
        if len(text) <= _SEGMENT:
            yield from self._finditer(text, 0, tokens_and_keys(text))
            return
        last_end = 0
        for start in range(0, len(text), _SEGMENT - _OVERLAP):
            segment = text[start : start + _SEGMENT]
            final = start + _SEGMENT >= len(text)
            for found in self._finditer(segment, start, tokens_and_keys(segment)):
                if found.start < last_end:
                    continue
                if not final and found.start >= start + _SEGMENT - _OVERLAP:
                    break  # the next segment reads it whole
                last_end = found.end
                yield found
            if final:
                break

    def _finditer(
        self, text: str, offset: int, tokenized: tuple[list[Token], list[tuple[str, ...]]]
    ) -> Iterator[Found]:
        toks, keys = tokenized
        words = [t.word for t in toks]
        first = self.root.children
        starts = self._root_prefixes
        i = 0
        count = len(toks)
        while i < count:
            for key in keys[i]:
                if key in first:
                    break
            else:
                if not starts or not words[i].startswith(starts):
                    i += 1
                    continue
            end = self._longest(words, keys, i)
            if end < 0:
                i += 1
                continue
            start_char, end_char = toks[i].start, toks[end - 1].end
            yield Found(offset + start_char, offset + end_char, text[start_char:end_char])
            i = end

    def search(self, text: str) -> Found | None:
        return next(self.finditer(text), None)

    def findall(self, text: str) -> list[str]:
        return [found.text for found in self.finditer(text)]

    def sub(self, replacement: str, text: str) -> str:
        pieces, last = [], 0
        for found in self.finditer(text):
            pieces += [text[last : found.start], replacement]
            last = found.end
        if not pieces:
            return text
        return "".join([*pieces, text[last:]])
