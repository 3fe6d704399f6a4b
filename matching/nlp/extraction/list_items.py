"""Candidate spans for enumerations: ``pathmatch_list_items``.

Programme and course descriptions are lists ("Students learn patient assessment, care
planning, medication and IV administration"; "covers blueprint reading; layout; welding
symbols"). The detector and the matcher often find no span in them (the demo detector
learned the matcher's silver spans; a phrase like "care planning" is no ESCO label), so
every link from such a sentence was a whole-sentence guess held to the strictest floor.
This component proposes each list item as a candidate span (label ``LIST_ITEM``) in the
span group the detector and matcher fill (``skill_candidates``), so the learned linker
scores it as a span and the span floor applies. It generates candidates, it keeps nothing:
an item the linker does not score high enough yields no link.

A list is a run of at least ``min_items`` items inside one sentence, split on commas,
semicolons and the words 'and'/'or'. The first item is what follows the list's lead-in
(the last lead word such as 'learn', 'covers', 'including', or a colon; without one, a
first segment of more than two tokens is a clause and proposes nothing); leading
determiners and lead words are stripped from every item, an item ends where the sentence's
predicate starts ('are', 'has', ...), the last item and an item longer than ``max_tokens``
are cut at their first preposition, and items still longer, without a letter,
starting with a preposition (the sentence's tail, not an item), or overlapping an
existing candidate span (the matcher's and detector's spans are more
precise evidence) are not proposed. A lone word joined by 'and'/'or' to a longer item is
one item with it ("tool and work offsets"), and a detected span on that word is widened to
the item (see ``_coordinated``). Boilerplate sections are skipped, and only the kinds
in ``kinds`` are read (intake notes are split into sentences at commas already).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from matching.nlp.extraction import (
    CANDIDATES_KEY,
    TAXONOMY_LABEL,
    pipe_in_batches,
    register_extensions,
)
from matching.nlp.extraction.sections import BOILERPLATE, section_mask

LIST_ITEM_LABEL = "LIST_ITEM"
SEPARATORS = frozenset({",", ";", "and", "or", "&", "/"})
"""Tokens between list items ('/' and '&' only as whole tokens, as in "A / B")."""
LEAD_WORDS = frozenset(
    {
        "learn", "learns", "learning", "cover", "covers", "covering", "covered", "include",
        "includes", "including", "included", "teach", "teaches", "taught", "study", "studies",
        "practice", "practise", "practices", "gain", "gains", "master", "train", "trains",
        "trained", "training", "focus", "focuses", "emphasize", "emphasizes", "explore",
        "explores", "introduce", "introduces", "develop", "develops", "build", "builds",
        "topics", "skills", "experience", "knowledge", "in", "on", "of", "with", "like", "as",
        "are", "is", "use", "uses", "perform", "performs", "how", "to", "both", "also",
        "such", "plus", "basic", "basics", "fundamentals", "principles", "etc",
    }
)  # fmt: skip
"""Lead-in words stripped from an item's start; the first item starts after the last one."""
DETERMINERS = frozenset(
    {
        "a", "an", "the", "this", "that", "these", "those", "our", "your", "their", "its",
        "his", "her", "all", "any", "some", "each", "every", "other", "more", "and", "or",
        "also", "both", "either", "then", "well",
    }
)  # fmt: skip
PREPOSITIONS = frozenset(
    {
        "in", "at", "for", "on", "with", "through", "using", "to", "from", "during", "under",
        "within", "while", "before", "after", "so", "that", "which", "who", "by", "as", "into",
        "across", "around", "near", "throughout", "per", "every",
    }
)  # fmt: skip
"""Where an over-long item is cut ("care planning for adults in long-term care")."""
PREDICATES = frozenset(
    {
        "is", "are", "was", "were", "be", "been", "being", "have", "has", "had", "will",
        "would", "can", "could", "may", "might", "must", "should", "shall", "do", "does",
    }
)  # fmt: skip
"""Where an item's noun phrase ends and the sentence's predicate starts ("rehab center are")."""
COORDINATORS = frozenset({"and", "or", "&", "/"})
"""Separators that join two items into one phrase ("tool and work offsets")."""
ITEM_LEADS = frozenset({"including", "include", "includes", "such", "as", "plus", "like", "how"})
"""Stripped from every item's start (lead words such as 'build' start real items)."""
STOP_TOKENS = frozenset({"(", ")", "[", "]", ":", "etc", "etc.", '"', "'"})
_STRIPPED = DETERMINERS | ITEM_LEADS | {"to"}


class ListItems:
    """The ``pathmatch_list_items`` component (see the module docstring)."""

    def __init__(
        self,
        name: str,
        kinds: Sequence[str],
        min_items: int,
        max_tokens: int,
        skip_sections: Sequence[str],
    ) -> None:
        register_extensions()
        if min_items < 2 or max_tokens < 1:
            raise ValueError("min_items must be at least 2 and max_tokens at least 1")
        self.name = name
        self.kinds = frozenset(kinds)
        self.min_items = min_items
        self.max_tokens = max_tokens
        self.skip_sections = frozenset(skip_sections)

    def __call__(self, doc: Doc) -> Doc:
        if self.kinds and doc._.kind not in self.kinds:
            return doc
        current = list(doc.spans[CANDIDATES_KEY]) if CANDIDATES_KEY in doc.spans else []
        taken = [False] * len(doc)
        for span in current:
            for i in range(span.start, span.end):
                taken[i] = True
        skip = section_mask(doc, self.skip_sections)
        added = []
        for sent in _sentences(doc):
            items, lone = self._coordinated_items(sent)
            for start, end in items:
                if any(skip[i] for i in range(start, end)):
                    continue
                part = lone.get((start, end))
                widened = [s for s in current if (s.start, s.end) == part and _widenable(s)]
                if widened:  # the detector's lone word gets the words it shares
                    current = [s for s in current if s not in widened]
                elif any(taken[i] for i in range(start, end)):
                    continue
                added.append(_item_span(doc, start, end))
        if added:
            doc.spans[CANDIDATES_KEY] = sorted(current + added, key=lambda s: (s.start, s.end))
        return doc

    def items(self, sent: Span) -> list[tuple[int, int]]:
        """(start, end) token offsets of the list items of one sentence (none: no list)."""
        return self._coordinated_items(sent)[0]

    def _coordinated_items(
        self, sent: Span
    ) -> tuple[list[tuple[int, int]], dict[tuple[int, int], tuple[int, int]]]:
        """The items, and for each item joined from a lone word, that word's offsets."""
        items = self._items(sent)
        return _coordinated(sent.doc, items) if len(items) >= self.min_items else ([], {})

    def _items(self, sent: Span) -> list[tuple[int, int]]:
        segments = _segments(sent)
        if len(segments) < self.min_items:
            return []
        out = []
        doc = sent.doc
        for n, (start, end) in enumerate(segments):
            if n == 0:
                lead = _after_lead_in(doc[start:end])
                if lead == start and end - start > 2:
                    continue  # no lead-in: "Join a friendly, ..." is a clause, not an item
                start = lead
            if n == len(segments) - 1:  # the sentence goes on after its list ("... at X")
                end = next((i for i in range(start + 1, end) if doc[i].lower_ in PREPOSITIONS), end)
            item = self._trimmed(doc, start, end)
            if item is not None:
                out.append(item)
        return out

    def _trimmed(self, doc: Doc, start: int, end: int) -> tuple[int, int] | None:
        for i in range(start, end):  # a bracket, colon or the predicate ends the item
            if doc[i].lower_ in STOP_TOKENS or (i > start and doc[i].lower_ in PREDICATES):
                end = i
                break
        while start < end and (doc[start].lower_ in _STRIPPED or _punct(doc[start])):
            start += 1
        while end > start and (_punct(doc[end - 1]) or doc[end - 1].lower_ in DETERMINERS):
            end -= 1
        if end - start > self.max_tokens:
            cut = next((i for i in range(start + 1, end) if doc[i].lower_ in PREPOSITIONS), end)
            end = cut
        if not start < end <= start + self.max_tokens or doc[start].lower_ in PREPOSITIONS:
            return None  # too long, empty, or the sentence's tail ("with placements at ...")
        if not any(doc[i].is_alpha and len(doc[i]) > 1 for i in range(start, end)):
            return None
        return start, end

    def pipe(self, stream: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        return pipe_in_batches(self, stream, batch_size)


def _sentences(doc: Doc) -> list[Span]:
    if doc.has_annotation("SENT_START"):
        return list(doc.sents)
    return [doc[:]] if len(doc) else []


def _punct(token: Token) -> bool:
    return token.is_punct or token.is_space


def _segments(sent: Span) -> list[tuple[int, int]]:
    """The sentence split at separators into non-empty (start, end) token ranges."""
    out = []
    start = sent.start
    for token in sent:
        if token.lower_ in SEPARATORS or token.is_space and "\n" in token.text:
            if token.i > start:
                out.append((start, token.i))
            start = token.i + 1
    end = sent.end
    while end > start and _punct(sent.doc[end - 1]):
        end -= 1
    if end > start:
        out.append((start, end))
    return out


def _coordinated(
    doc: Doc, items: list[tuple[int, int]]
) -> tuple[list[tuple[int, int]], dict[tuple[int, int], tuple[int, int]]]:
    """Items with a lone word joined to a longer neighbour by 'and'/'or' alone made one,
    and for each such item the lone word's (start, end).

    The lone word shares its neighbour's words: "tool and work offsets" are tool offsets,
    "packing slips and labels" are both what "Prepare" governs. Linked on its own word,
    "tool" is an IT tool and "labels" prescription labels; linked as one span, the linker
    sees the words the two share (the demo detector proposes such lone words too: the
    component widens those, not the matcher's exact labels). A comma before the
    coordinator ("nursing, and leadership") keeps the items apart, as does a neighbour of
    one word as well.
    """
    out: list[tuple[int, int]] = []
    lone: dict[tuple[int, int], tuple[int, int]] = {}
    for start, end in items:
        if out and _merges(doc, out[-1], (start, end)):
            left = out.pop()
            lone.pop(left, None)
            out.append((left[0], end))
            lone[out[-1]] = left if left[1] - left[0] == 1 else (start, end)
        else:
            out.append((start, end))
    return out, lone


def _item_span(doc: Doc, start: int, end: int) -> Span:
    span = Span(doc, start, end, label=LIST_ITEM_LABEL)
    span._.candidate_ids = []
    span._.candidate_scores = []
    return span


def _widenable(span: Span) -> bool:
    """A candidate span the list may widen: not the matcher's exact taxonomy label."""
    return span.label_ != TAXONOMY_LABEL


def _merges(doc: Doc, left: tuple[int, int], right: tuple[int, int]) -> bool:
    between = doc[left[1] : right[0]]
    if not len(between) or any(t.lower_ not in COORDINATORS for t in between):
        return False
    sizes = (left[1] - left[0], right[1] - right[0])
    return min(sizes) == 1 < max(sizes)


def _after_lead_in(tokens: Span) -> int:
    """Where the first item starts: after the last lead word or colon of the lead-in
    ("Students learn | patient assessment"), else the segment's start."""
    at = tokens.start
    for token in tokens:
        if token.lower_ in LEAD_WORDS or token.text == ":":
            at = token.i + 1
    return at


@Language.factory(
    "pathmatch_list_items",
    assigns=["doc.spans"],
    default_config={
        "kinds": ["posting", "course"],
        "min_items": 3,
        "max_tokens": 6,
        "skip_sections": sorted(BOILERPLATE),
    },
)
def make_list_items(
    nlp: Language,
    name: str,
    kinds: list[str],
    min_items: int,
    max_tokens: int,
    skip_sections: list[str],
) -> ListItems:
    return ListItems(name, kinds, min_items, max_tokens, skip_sections)
