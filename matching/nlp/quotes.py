"""Quotes: a sentence with the words that support a skill link marked, rendered for people.

Explanations (referrals) and reports (curriculum gaps) quote the words behind each link in
their sentence, never a description's first N characters: the sentence is trimmed at word
boundaries around the words, which are marked ``**like this**`` (plain text that reads in
a terminal and in JSON; the HTML gap report turns the marks into ``<mark>``), with ``...``
where it was trimmed. Skills shown by one sentence share one quote (:meth:`Quote.merge`).
Free of spaCy, so the referral logic can use it without loading a pipeline.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

QUOTE_CHARS = 160
"""A quote shows about this many characters of its sentence around the supporting words
(cut at word boundaries; a run-on description is no readable evidence)."""


@dataclass(frozen=True)
class Quote:
    """A sentence as written with the words that support links marked (offsets into it).

    Explanations and reports render it with :meth:`render`: the sentence trimmed at word
    boundaries around the marks, the marked words in ``**bold**`` (plain text that reads in a
    terminal and in JSON; the HTML report turns it into ``<mark>``), ``...`` where trimmed.
    Links of one sentence :meth:`merge` into one quote, so a sentence is quoted once.
    """

    sentence: str
    marks: tuple[tuple[int, int], ...] = ()

    def merge(self, other: Quote) -> Quote:
        """This sentence with ``other``'s marks too (``other`` must quote the same sentence)."""
        return Quote(self.sentence, tuple(sorted(set(self.marks) | set(other.marks))))

    def render(self, limit: int = QUOTE_CHARS) -> str:
        """The quote as text (see the class docstring); never cuts a word."""
        return render_quote(self.sentence, self.marks, limit)


_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+|\s[•·]\s")
_WORD_RE = re.compile(r"\w+")


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """``[left, right)`` of the sentence of ``text`` holding ``[start, end)``, cut at
    sentence punctuation, line breaks and bullets (for texts without a sentencer)."""
    left = 0
    for match in _SENTENCE_END.finditer(text, 0, start):
        left = match.end()
    after = _SENTENCE_END.search(text, end)
    return left, (after.start() if after else len(text))


def label_marks(sentence: str, label: str) -> tuple[tuple[int, int], ...]:
    """Words of ``sentence`` sharing a stem (first 5 letters) with a content word of the
    skill label: what a reader looks for in a link made from a whole sentence."""
    stems = {w.lower()[:5] for w in _WORD_RE.findall(label) if len(w) > 3}
    return tuple(
        (m.start(), m.end())
        for m in _WORD_RE.finditer(sentence)
        if len(m.group()) > 3 and m.group().lower()[:5] in stems
    )


def render_quote(sentence: str, marks: Iterable[tuple[int, int]], limit: int = QUOTE_CHARS) -> str:
    """``sentence`` trimmed at word boundaries to about ``limit`` characters around the
    marks, the marked words in ``**``, ``...`` where trimmed, whitespace collapsed.

    With no marks the sentence's start is quoted; marks farther apart than ``limit`` are
    quoted as separate pieces joined by ``...``, so a long sentence never hides its words.
    """
    spans = _merged(sentence, [(max(0, s), min(len(sentence), e)) for s, e in marks if e > s])
    if not spans:
        lo, hi = _window(sentence, 0, 0, limit, left_share=0.0)
        return _join(sentence, [(lo, hi, [])])
    pieces: list[tuple[int, int, list[tuple[int, int]]]] = []
    groups: list[list[tuple[int, int]]] = [[spans[0]]]
    for span in spans[1:]:
        if span[1] - groups[-1][0][0] <= limit:
            groups[-1].append(span)
        else:
            groups.append([span])
    each = max(limit // len(groups), 40)
    for group in groups:
        lo, hi = _window(sentence, group[0][0], group[-1][1], each)
        pieces.append((lo, hi, group))
    return _join(sentence, pieces)


def _merged(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping marks, and marks with only spaces between them, as one."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and (s <= out[-1][1] or not text[out[-1][1] : s].strip()):
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _window(text: str, lo: int, hi: int, limit: int, left_share: float = 0.5) -> tuple[int, int]:
    """``[a, b)`` holding ``[lo, hi)``, about ``limit`` long, both ends on word boundaries."""
    n = len(text)
    spare = max(0, limit - (hi - lo))
    left = int(spare * left_share)
    right = spare - left
    if left > lo:
        right, left = right + left - lo, lo
    if hi + right > n:
        left, right = min(lo, left + hi + right - n), n - hi
    a, b = lo - left, hi + right
    if a > 0 and not text[a - 1].isspace():  # mid-word: start at the next word
        a = next((i + 1 for i in range(a, lo) if text[i].isspace()), _word_start(text, lo))
    if b < n and not text[b].isspace():  # mid-word: end at the previous word
        b = next((i for i in range(b - 1, hi - 1, -1) if text[i].isspace()), _word_end(text, hi))
    return a, b


def _word_start(text: str, at: int) -> int:
    while at > 0 and not text[at - 1].isspace():
        at -= 1
    return at


def _word_end(text: str, at: int) -> int:
    while at < len(text) and not text[at].isspace():
        at += 1
    return at


def _join(text: str, pieces: list[tuple[int, int, list[tuple[int, int]]]]) -> str:
    bodies = []
    for lo, hi, marks in pieces:
        parts, at = [], lo
        for s, e in marks:
            parts += [text[at:s], "**", text[s:e], "**"]
            at = e
        parts.append(text[at:hi])
        bodies.append(" ".join("".join(parts).split()))
    head = "..." if pieces[0][0] > 0 else ""
    tail = "..." if pieces[-1][1] < len(text) else ""
    return head + " ... ".join(bodies) + tail


def quote_of(sentence: str | None, marks: Iterable[Iterable[int]] | None) -> Quote | None:
    """The :class:`Quote` of an :func:`evidence_frame` row (None without a sentence)."""
    if not sentence:
        return None
    pairs = tuple((int(s), int(e)) for s, e in (tuple(m) for m in marks or []))
    return Quote(sentence, pairs)
