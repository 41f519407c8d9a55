"""One normalized view of text, before any rule looks at it.

- `visible`: HTML entities decoded, Unicode NFKC (fullwidth and compatibility forms folded),
  format and invisible characters (zero-width spaces and joiners, soft hyphens, bidi
  controls, Hangul fillers...) removed, ideographic full stops read as the dots browsers
  take them for in host names. Rules search this view and redact in it.
- `skeleton`: `visible` with every non-ASCII letter that looks like an ASCII one (Unicode
  TR39 confusables, from `confusable-homoglyphs`) replaced by it, one character for one, so
  offsets stay valid. Only keyword matching uses it ("WhаtsApp" with a Cyrillic а).
- `with_number_words`: inside candidate numbers, number words (English and German) become
  digits, with a map back to the offsets of the text they came from.
- `despaced`: runs of single characters spaced out ("s h o p @ g m a i l . c o m") joined,
  with a map back to the text; only address and link patterns read it.
"""

from __future__ import annotations

import html
import json
import sys
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from itertools import pairwise

from parley.policy.patterns import NUMBER_TOKENS, Pattern

# Invisible characters that are not of category Cf (which is removed wholesale).
_INVISIBLE_EXTRA = (0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x3164, 0xFFA0, 0x2800)
# Dots a browser reads as the label separator of a host name (UTS 46): "myshop。com" is
# myshop.com in an address bar. NFKC already folds the fullwidth and halfwidth forms to these.
_LABEL_SEPARATORS = {0x3002: ".", 0xFF61: ".", 0xFF0E: "."}


@lru_cache(maxsize=1)
def _invisible() -> dict[int, str | None]:
    table: dict[int, str | None] = dict.fromkeys(_INVISIBLE_EXTRA)
    for code in range(sys.maxunicode + 1):
        if unicodedata.category(chr(code)) == "Cf":
            table[code] = None
    table.update(_LABEL_SEPARATORS)
    return table


def visible(text: str) -> str:
    """The text as a reader perceives it: entities decoded, NFKC, no invisible characters."""
    if "&" in text:
        text = html.unescape(text)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_invisible())
    return text


@lru_cache(maxsize=1)
def _confusables() -> dict[int, str]:
    """Non-ASCII character -> the ASCII letter or digit it is confusable with (TR39)."""
    import confusable_homoglyphs  # the data ships inside the package

    data = json.loads(
        resources.files(confusable_homoglyphs).joinpath("confusables.json").read_text("utf-8")
    )
    table: dict[int, str] = {}
    for char, glyphs in data.items():
        if len(char) != 1 or char.isascii():
            continue
        targets = [g["c"] for g in glyphs if len(g["c"]) == 1 and g["c"].isascii()]
        letters = [t for t in targets if t.isalnum()]
        if letters:
            table[ord(char)] = letters[0].lower()
    return table


def skeleton(text: str) -> str:
    """`text` with look-alike letters replaced by their ASCII twins (same length)."""
    return text if text.isascii() else text.translate(_confusables())


NUMBER_WORDS: dict[str, str] = {
    "zero": "0", "oh": "0", "null": "0", "nil": "0",
    "one": "1", "eins": "1", "ein": "1", "eine": "1",
    "two": "2", "zwei": "2", "zwo": "2",
    "three": "3", "drei": "3",
    "four": "4", "vier": "4",
    "five": "5", "fünf": "5", "funf": "5", "fuenf": "5",
    "six": "6", "sechs": "6",
    "seven": "7", "sieben": "7",
    "eight": "8", "acht": "8",
    "nine": "9", "neun": "9",
}  # fmt: skip

_NUMBER_GAP = frozenset(" \t\n,.-/()+_*|:;")
_MIN_RUN_DIGITS = 6


@dataclass(frozen=True)
class Numbers:
    """A text with number words turned into digits, and where each character came from."""

    text: str
    starts: list[int]  # starts[i], ends[i]: the source characters that text[i] stands for
    ends: list[int]
    spelled: list[tuple[int, int]] = field(default_factory=list)  # rewritten runs, in text

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        if end <= start:
            return self.starts[start], self.starts[start]
        return self.starts[start], self.ends[end - 1]


def with_number_words(text: str) -> Numbers:
    """Runs of digits and number words ("zero one 7 six...") written as the digits they are.

    A run is made of digit groups and number words separated by at most three separator
    characters; it is rewritten only when it holds a number word or mostly single digits
    (spelled-out, spaced-out numbers) and at least six digits in all.
    """
    tokens: list[tuple[int, int, str | None]] = []  # (start, end, digits or None)
    for found in NUMBER_TOKENS.finditer(text):
        word = found.group().lower()
        if word.isdigit() and word.isascii():
            tokens.append((found.start(), found.end(), word))
        else:
            tokens.append((found.start(), found.end(), NUMBER_WORDS.get(word)))
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    spelled: list[tuple[int, int]] = []
    last = 0
    i = 0
    while i < len(tokens):
        if tokens[i][2] is None:
            i += 1
            continue
        j = i
        while (
            j + 1 < len(tokens)
            and tokens[j + 1][2] is not None
            and tokens[j + 1][0] - tokens[j][1] <= 3
            and all(ch in _NUMBER_GAP for ch in text[tokens[j][1] : tokens[j + 1][0]])
        ):
            j += 1
        run = tokens[i : j + 1]
        digits = sum(len(t[2] or "") for t in run)
        words = sum(not text[t[0] : t[1]].isdigit() for t in run)
        singles = sum(len(t[2] or "") == 1 for t in run)
        if digits >= _MIN_RUN_DIGITS and (words or singles * 2 > len(run) >= 4):
            for k in range(last, run[0][0]):
                out.append(text[k])
                starts.append(k)
                ends.append(k + 1)
            spelled.append((len(out), len(out) + digits))
            for start, end, value in run:
                for ch in value or "":
                    out.append(ch)
                    starts.append(start)
                    ends.append(end)
            last = run[-1][1]
        i = j + 1
    if not out:
        return Numbers(text, list(range(len(text) + 1)), list(range(1, len(text) + 2)))
    for k in range(last, len(text)):
        out.append(text[k])
        starts.append(k)
        ends.append(k + 1)
    starts.append(len(text))
    ends.append(len(text))
    return Numbers("".join(out), starts, ends, spelled)


# Two or more single characters with up to three spaces or tabs between each: the shape of a
# spaced-out address ("s h o p @ g m a i l . c o m", "S H O P  A T  G M A I L").
_SPACED_RUN = Pattern(r"(?:^|\s)(\S(?:[ \t]{1,3}\S)+)(?:\s|$)", ignore_case=False, group=1)


@dataclass(frozen=True)
class Despaced:
    """A text with its spaced-out runs joined, and where each character came from."""

    text: str
    sources: list[int]  # sources[i]: the offset in the original text of text[i]
    joined: list[tuple[int, int]]  # the joined runs, in `text`

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        return self.sources[start], self.sources[end - 1] + 1

    def touches_run(self, start: int, end: int) -> bool:
        """Whether text[start:end] overlaps a joined run (runs are sorted and disjoint)."""
        at = bisect_right(self.joined, (end, -1)) - 1  # the last run starting before `end`
        return at >= 0 and self.joined[at][1] > start


def despaced(text: str) -> Despaced | None:
    """`text` with each run of spaced-out single characters written without its spaces, or
    None when it has no such run.

    In a run, the narrowest gap is the one between letters and goes; a wider gap is between
    words and becomes one space: "S H O P  A T  G M A I L" reads "SHOP AT GMAIL".
    """
    pieces: list[str] = []
    sources: list[int] = []
    joined: list[tuple[int, int]] = []
    last = 0
    for run in _SPACED_RUN.finditer(text):
        pieces.append(text[last : run.start])
        sources.extend(range(last, run.start))
        begin = len(sources)
        letters = run.text[::2]
        if run.text[1::2].isspace() and " " not in letters and "\t" not in letters:
            pieces.append(letters)  # every gap one character wide: the common case
            sources.extend(range(run.start, run.end, 2))
            joined.append((begin, len(sources)))
            last = run.end
            continue
        spaced = run.text.replace("\t", " ")
        marks = [at for at, ch in enumerate(spaced) if ch != " "]
        gaps = [after - before - 1 for before, after in pairwise(marks)]
        narrowest = min(gaps)
        for k, at in enumerate(marks):
            if k and gaps[k - 1] > narrowest:
                pieces.append(" ")
                sources.append(run.start + at - 1)
            pieces.append(spaced[at])
            sources.append(run.start + at)
        joined.append((begin, len(sources)))
        last = run.end
    if not joined:
        return None
    pieces.append(text[last:])
    sources.extend(range(last, len(text)))
    return Despaced("".join(pieces), sources, joined)
