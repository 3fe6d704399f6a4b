"""Wanted or lacking, not held: the goal and negation scopes of an intake note.

A case note mixes what a person has done with what they want and what they lack: "got
forklift cert last yr", "want forklift cert + warehouse lead someday", "no civilian CDL
yet", "weak on PLCs + electrical". Every skill linked from the note is read downstream as a
skill the person *has* (skill fit, "carries over" in a referral's explanation), so a skill
named in a wish or a denial must not be linked at all: "want forklift cert" made
'operate forklift' a carried-over skill of a person who has none, and "interested in
nursing" gave a cashier three nursing skills.

The ``pathmatch_held_scope`` component finds those scopes the way ConText / NegEx do in
clinical notes (Chapman et al.): a cue phrase ("want", "interested in", "maybe", "no",
"can't", "weak on") opens a scope that runs to the end of the clause (intake clauses end at
commas, which the sectioner makes sentence ends) or to a terminating word ("but", "bc");
a clause that ends in a question mark ("forklift?") is a goal as a whole, and a goal that
runs to a comma goes on into the next clause ("want healthcare, something w/ patients")
unless that opens with a word of what the person has or did ("have", "did", "I"). The scopes go
to ``doc.spans["not_held"]`` (label ``GOAL`` or ``NEGATED``); candidate spans inside one
are removed, and the linker ranks only the parts of a sentence outside them. The
cue lists are data (``config.cfg``); the component runs for the kinds it is given (intake).
Goals themselves are read elsewhere, as occupations (``matching.referral``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from spacy.language import Language
from spacy.tokens import Doc, Span

from matching.nlp.extraction import CANDIDATES_KEY, register_extensions

NOT_HELD_KEY = "not_held"
GOAL_LABEL = "GOAL"
NEGATED_LABEL = "NEGATED"


class HeldScope:
    """The ``pathmatch_held_scope`` component (see the module docstring)."""

    def __init__(
        self,
        name: str,
        kinds: Sequence[str],
        goal_cues: Sequence[str],
        negation_cues: Sequence[str],
        terminators: Sequence[str],
        questions: bool = True,
        goal_stops: Sequence[str] = (),
    ) -> None:
        register_extensions()
        self.name = name
        self.questions = questions
        self.goal_stops = frozenset(w.lower() for w in goal_stops)
        self.kinds = frozenset(kinds)
        self.cues = _cue_table([(c, GOAL_LABEL) for c in goal_cues])
        self.cues.update(_cue_table([(c, NEGATED_LABEL) for c in negation_cues]))
        self.longest = max((len(k) for k in self.cues), default=1)
        self.terminators = frozenset(t.lower() for t in terminators)

    def __call__(self, doc: Doc) -> Doc:
        if self.kinds and doc._.kind not in self.kinds:
            return doc
        scopes = list(self.scopes(doc))
        doc.spans[NOT_HELD_KEY] = scopes
        if scopes and CANDIDATES_KEY in doc.spans:
            inside = _covered(len(doc), scopes)
            doc.spans[CANDIDATES_KEY] = [
                s for s in doc.spans[CANDIDATES_KEY] if not any(inside[s.start : s.end])
            ]
        return doc

    def scopes(self, doc: Doc) -> Iterator[Span]:
        """Each cue's scope: the cue through the end of its clause or a terminator."""
        sents = list(doc.sents) if doc.has_annotation("SENT_START") else [doc[:]]
        goal_open = False  # the previous clause's goal ran to a comma: it may go on
        for sent in sents:
            words = [t.lower_ for t in sent]
            if self.questions and _is_question(words):
                yield Span(doc, sent.start, sent.end, label=GOAL_LABEL)
                goal_open = False
                continue
            if goal_open and self._continues_goal(words):
                last = _last_word(words, len(words), 0)
                if last > 0:
                    yield Span(doc, sent.start, sent.start + last, label=GOAL_LABEL)
                goal_open = words[-1:] == [","]
                continue
            goal_open = False
            i = 0
            while i < len(words):
                found = self._cue_at(words, i)
                if found is None:
                    i += 1
                    continue
                n, label = found
                end = i + n
                while end < len(words) and words[end] not in self.terminators:
                    other = self._cue_at(words, end) if end > i + n else None
                    if other is not None and other[1] != label:
                        break  # "want X, no Y": the other kind of cue opens its own scope
                    end += 1
                last = _last_word(words, end, i + n)
                if last > i + n:  # a cue with nothing after it holds nothing
                    yield Span(doc, sent.start + i, sent.start + last, label=label)
                goal_open = label == GOAL_LABEL and end == len(words) and words[-1] == ","
                i = end

    def _continues_goal(self, words: list[str]) -> bool:
        """'want healthcare, something w/ patients': a comma clause after a goal goes on
        with it unless it opens with a cue of its own or a word of what the person has or
        did ('have Google IT support cert', 'I work weekdays')."""
        return bool(words) and words[0] not in self.goal_stops and self._cue_at(words, 0) is None

    def _cue_at(self, words: list[str], i: int) -> tuple[int, str] | None:
        for n in range(min(self.longest, len(words) - i), 0, -1):
            label = self.cues.get(tuple(words[i : i + n]))
            if label is not None:
                return n, label
        return None


def _last_word(words: list[str], end: int, start: int) -> int:
    """One past the last word of ``words[start:end]``: the clause's closing punctuation is
    nobody's skill (``start`` when there is no word)."""
    last = end
    while last > start and not any(c.isalnum() for c in words[last - 1]):
        last -= 1
    return last


def _is_question(words: list[str]) -> bool:
    """A clause asked, not told ("forklift?", "maybe IT?"): its last word is '?'."""
    told = [w for w in words if w.strip()]
    return len(told) > 1 and told[-1] == "?"


def _cue_table(cues: Sequence[tuple[str, str]]) -> dict[tuple[str, ...], str]:
    """Cue phrases as lower-case token tuples, as spaCy's English tokenizer splits them
    ("can't" and "cant" are both 'ca' + "n't"/'nt'; the table holds each cue's words)."""
    return {tuple(cue.lower().split()): label for cue, label in cues if cue.strip()}


def _covered(n: int, spans: Sequence[Span]) -> list[bool]:
    inside = [False] * n
    for span in spans:
        for i in range(span.start, span.end):
            inside[i] = True
    return inside


def held_parts(doc: Doc, sents: Sequence[Span]) -> list[Span]:
    """The parts of ``sents`` outside the doc's not-held scopes (the sentences themselves
    when the doc has none): what a linker may read as skills the writer has."""
    scopes = doc.spans[NOT_HELD_KEY] if NOT_HELD_KEY in doc.spans else []
    if not scopes:
        return list(sents)
    inside = _covered(len(doc), scopes)
    parts: list[Span] = []
    for sent in sents:
        start = None
        for i in range(sent.start, sent.end):
            if inside[i]:
                if start is not None:
                    parts.append(doc[start:i])
                start = None
            elif start is None:
                start = i
        if start is not None:
            parts.append(doc[start : sent.end])
    return [p for p in parts if p.text.strip(" ,.;:-+&/")]


@Language.factory(
    "pathmatch_held_scope",
    assigns=["doc.spans"],
    default_config={
        "kinds": ["intake"],
        "goal_cues": [],
        "negation_cues": [],
        "terminators": [],
        "questions": True,
        "goal_stops": [],
    },
)
def make_held_scope(
    nlp: Language,
    name: str,
    kinds: list[str],
    goal_cues: list[str],
    negation_cues: list[str],
    terminators: list[str],
    questions: bool,
    goal_stops: list[str],
) -> HeldScope:
    return HeldScope(name, kinds, goal_cues, negation_cues, terminators, questions, goal_stops)
