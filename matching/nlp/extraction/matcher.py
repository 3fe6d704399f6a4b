"""Taxonomy phrase matching: ESCO and O*NET labels found in text, by lemma, with guards.

Three registered components live here, in pipeline order:

``pathmatch_lemmatizer``
    The English lookup lemmatizer of spacy-lookups-data (table ``lemma_lookup``), applied
    to the *lower-cased* token ("Operating" -> "operate", which the stock lookup mode
    misses because its table is case-sensitive) after expanding intake shorthand
    (:data:`ABBREVIATIONS`: "yrs" -> "year", "cert" -> "certification", "+" -> "and").
    It is a :class:`spacy.pipeline.Lemmatizer` with one more mode, ``lookup_lower``, and a
    vectorized ``__call__`` (one cached lookup per distinct word of the doc, about 0.1 ms
    a posting). Its lemmas are lower case by construction.

``pathmatch_skill_matcher``
    Ordinary labels are matched on ``LEMMA`` by a :class:`PhraseIndex` (the token-hash
    lookup a :class:`~spacy.matcher.PhraseMatcher` does, without one Doc per pattern:
    110k label patterns build in seconds and reload from disk in about a second);
    guarded labels (a few hundred) case-sensitively on ``ORTH`` by a spaCy
    ``PhraseMatcher``. Since the lemma is a function of the lower-cased word, a
    ``LOWER`` match is always a ``LEMMA`` match too, so one index covers both
    ("operating forklifts" matches "operate forklift"). Overlapping matches keep the
    longest; spans go to ``doc.spans["skill_candidates"]`` with label ``TAXONOMY`` and
    ``span._.candidate_ids`` / ``span._.candidate_scores``; boilerplate sections are
    skipped.

The guards (:class:`GuardRules`, all data, set in ``config.cfg`` and tested):

* a label in ``blocklist`` never matches;
* a single letter ("C", "R") matches case-sensitively and only with programming context
  within ``context_window`` tokens ("R, Python and SQL", "programming in C"), never after
  a word like "vitamin" or "grade", never as an initial ("C. Smith");
* a short label (at most ``short_max_chars`` letters or digits: "SQL", "SAS", "HR")
  or an ALL CAPS one matches case-sensitively;
* a one-word label that is a common English word (spaCy stop word, or at least as
  frequent as ``common_word_logprob`` in the spacy-lookups-data word-frequency table,
  checked on the word and on its lemma: "design", "plan", "security") is dropped when
  written in lower case and, when it is a capitalized name ("Google", "Excel"), matches
  only case-sensitively, not at a sentence start, not in an ALL CAPS or Title Case run;
  labels that are nobody's preferred label (alternative, hidden, O*NET examples) must
  clear the stricter ``alt_word_logprob`` ("reports", "activities", "platforms"), and
  a multi-word label with a single content word that common is dropped ("be
  responsible", "and procedures");
* ``allowlist`` exempts words from the common-word rules ("English", "inventory").

Label tokens come from ``nlp.tokenizer.pipe`` (plain-word labels are split on spaces,
which is what the tokenizer does, faster) and the same lemma function as the text;
labels sharing a lemma key share its candidates. ``to_disk`` stores the keys and
candidates as token-hash arrays (``.npz``), from which ``from_disk`` rebuilds the indexes
without the taxonomy (under a second for the real ESCO + O*NET labels).

Intake text ("5 yrs cashier, handled cash + inventory, forklift cert") is handled by the
same abbreviation table at two levels: token lemmas (above), so matching sees "year",
"certification", "and", while span offsets stay those of the original text; and
:func:`normalize_text`, a character-level rewrite with an offset map back into the
original, for consumers that work on text (``Span._.normalized``).
"""

from __future__ import annotations

import gzip
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from itertools import compress
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple, cast

import numpy
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.pipeline import Lemmatizer
from spacy.tokens import Doc, Span
from spacy.util import filter_spans
from spacy.vocab import Vocab
from thinc.types import Ints2d

from matching.nlp.extraction import (
    CANDIDATES_KEY,
    TAXONOMY_LABEL,
    pipe_in_batches,
    register_extensions,
)
from matching.nlp.extraction.sections import BOILERPLATE, section_mask

# ---------------------------------------------------------------------------- shorthand

ABBREVIATIONS: dict[str, str] = {
    "yrs": "years",
    "yr": "year",
    "mos": "months",
    "hrs": "hours",
    "exp": "experience",
    "mgmt": "management",
    "mgt": "management",
    "mngmt": "management",
    "cert": "certification",
    "certs": "certifications",
    "certif": "certification",
    "w/": "with",
    "w/o": "without",
    "b/c": "because",
    "asst": "assistant",
    "dept": "department",
    "mgr": "manager",
    "sr": "senior",
    "jr": "junior",
    "svc": "service",
    "svcs": "services",
    "cust": "customer",
    "equip": "equipment",
    "maint": "maintenance",
    "ops": "operations",
    "admin": "administrative",
    "acct": "account",
    "accts": "accounts",
    "acctg": "accounting",
    "lic": "license",
    "govt": "government",
    "info": "information",
    "approx": "approximately",
    "incl": "including",
    "mfg": "manufacturing",
    "whse": "warehouse",
    "mktg": "marketing",
    "bkkpg": "bookkeeping",
    "+": "and",
    "&": "and",
    "diag": "diagnostics",
}
"""Intake shorthand -> word, keyed by the lower-cased token (single words only, so token
offsets never change). Ambiguous shorthand ("hr": hour or human resources, "ft", "mo":
month or Missouri) is left out here; :func:`normalize_text` expands it only after a
number ("10 hrs", "6 mo")."""

_NUMBER_UNITS = {
    "yrs": "years",
    "yr": "years",
    "years": "years",
    "year": "year",
    "hrs": "hours",
    "hr": "hours",
    "mos": "months",
    "mo": "months",
    "mths": "months",
    "wks": "weeks",
    "wk": "weeks",
}
_NORMALIZE = re.compile(
    r"(?P<num>\b\d+(?:\.\d+)?\+?)\s*(?P<unit>yrs?|hrs?|mos|mo|mths|wks?)\b"
    r"|(?<![\w+#])(?P<plus>[+&])(?![\w+#])"
    r"|(?P<slash>\bw/o?(?=\s|$|\w))"
    r"|\b(?P<word>[A-Za-z]+)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class NormalizedText:
    """Normalized text and, per character of it, the offset in the original text.

    ``offsets`` has ``len(text) + 1`` entries (the last maps the end), so a span
    ``[a, b)`` of the normalized text is ``[offsets[a], offsets[b])`` in the original.
    """

    text: str
    offsets: tuple[int, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a character span of the normalized text back into the original."""
        return self.offsets[start], self.offsets[end]


def normalize_text(text: str) -> NormalizedText:
    """Expand intake shorthand ("5yrs" -> "5 years", "+" -> "and", "w/" -> "with").

    Only lower-case or capitalized shorthand is expanded (ALL CAPS words are acronyms:
    "OPS", "SR" stay). A replacement's characters all map to the start of the replaced
    text, except its last, which maps to the end of it, so spans map back monotonically.
    """
    out: list[str] = []
    offsets: list[int] = []
    position = 0
    for match in _NORMALIZE.finditer(text):
        replacement = _replacement(match)
        if replacement is None:
            continue
        start, end = match.span()
        out.append(text[position:start])
        offsets.extend(range(position, start))
        out.append(replacement)
        offsets.extend([start] * (len(replacement) - 1) + [end - 1] if replacement else [])
        position = end
    out.append(text[position:])
    offsets.extend(range(position, len(text)))
    offsets.append(len(text))
    return NormalizedText("".join(out), tuple(offsets))


def _replacement(match: re.Match[str]) -> str | None:
    if match.group("num"):
        return f"{match.group('num')} {_NUMBER_UNITS[match.group('unit').lower()]}"
    if match.group("plus"):
        return "and"
    if match.group("slash"):
        glued = match.end() < len(match.string) and match.string[match.end()].isalnum()
        word = "without" if match.group("slash").lower().endswith("o") else "with"
        return word + (" " if glued else "")
    word = match.group("word")
    if word.isupper() and len(word) > 1:
        return None
    expansion = ABBREVIATIONS.get(word.lower())
    if expansion is None:
        return None
    return expansion[0].upper() + expansion[1:] if word[0].isupper() else expansion


# ---------------------------------------------------------------------------- lemmatizer


class LowerLookupLemmatizer(Lemmatizer):
    """spaCy's lookup lemmatizer on the lower-cased, shorthand-expanded token.

    Mode ``lookup_lower`` needs the same table as ``lookup`` (``lemma_lookup`` from
    spacy-lookups-data, loaded by :meth:`initialize` and saved with the pipeline).
    """

    @classmethod
    def get_lookups_config(cls, mode: str) -> tuple[list[str], list[str]]:
        if mode == "lookup_lower":
            return ["lemma_lookup"], []
        return super().get_lookups_config(mode)

    def __init__(
        self,
        vocab: Vocab,
        model: Any,
        name: str = "lemmatizer",
        *,
        mode: str = "lookup_lower",
        overwrite: bool = True,
    ) -> None:
        super().__init__(vocab, model, name, mode=mode, overwrite=overwrite)
        self._cache: dict[int, int] = {}

    def lookup_lower_lemmatize(self, token: Any) -> list[str]:
        return [self.lemma_of(token.lower_)]

    def lemma_of(self, lower: str) -> str:
        """The lemma of a lower-cased word."""
        word = ABBREVIATIONS.get(lower, lower)
        table = self.lookups.get_table("lemma_lookup")
        return table.get(word, word)

    def _lemma_hash(self, lower_hash: int) -> int:
        lemma = self.lemma_of(self.vocab.strings[lower_hash])
        value = self.vocab.strings.add(lemma)
        self._cache[lower_hash] = value
        return value

    def ensure_initialized(self) -> None:
        if not self.lookups.has_table("lemma_lookup"):
            self.initialize()

    def __call__(self, doc: Doc) -> Doc:
        if self.mode != "lookup_lower":
            return super().__call__(doc)
        if len(doc) == 0:
            return doc
        self.ensure_initialized()
        cache = self._cache
        miss = self._lemma_hash
        # One lookup per distinct word, then a numpy gather back to the tokens.
        unique, inverse = numpy.unique(doc.to_array("LOWER"), return_inverse=True)
        mapped = numpy.fromiter(
            (cache.get(h) or miss(h) for h in unique.tolist()),
            dtype=numpy.uint64,
            count=len(unique),
        )
        doc.from_array(["LEMMA"], cast(Ints2d, mapped[inverse].reshape(-1, 1)))
        return doc

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128) -> Iterator[Doc]:
        if self.mode != "lookup_lower":
            yield from super().pipe(stream, batch_size=batch_size)
            return
        yield from pipe_in_batches(self, stream, batch_size)


@Language.factory(
    "pathmatch_lemmatizer",
    assigns=["token.lemma"],
    default_config={"model": None, "mode": "lookup_lower", "overwrite": True},
)
def make_lemmatizer(
    nlp: Language, model: Any, name: str, mode: str, overwrite: bool
) -> LowerLookupLemmatizer:
    return LowerLookupLemmatizer(nlp.vocab, model, name, mode=mode, overwrite=overwrite)


# ---------------------------------------------------------------------------- guards

FREE, CASED, COMMON, LETTER = 0, 1, 2, 3
"""Guard modes: lemma match; case-sensitive; case-sensitive + position/context checks;
single letter needing programming context."""
_MODE_NAMES = {FREE: "lemma", CASED: "cased", COMMON: "common", LETTER: "letter"}

LABEL_TYPE_SCORE = {"preferred": 1.0, "alt": 0.9, "onet_example": 0.9, "hidden": 0.6}
"""Label-match quality by label type: what a lexical scorer starts from."""


@dataclass
class GuardRules:
    """Data-driven guards against labels that match everywhere (see module docstring)."""

    short_max_chars: int = 3
    common_word_logprob: float = -10.5
    alt_word_logprob: float = -12.0
    blocklist: list[str] = field(default_factory=list)
    allowlist: list[str] = field(default_factory=list)
    programming_context: list[str] = field(default_factory=list)
    letter_blockers: list[str] = field(default_factory=list)
    context_window: int = 3
    max_label_tokens: int = 8
    common_words: list[str] | None = None
    """Explicit common-word list; when None the word-frequency table decides."""

    def __post_init__(self) -> None:
        self._block = {w.lower() for w in self.blocklist}
        self._allow = {w.lower() for w in self.allowlist}
        self._context = {w.lower() for w in self.programming_context}
        self._letter_block = {w.lower() for w in self.letter_blockers}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def is_common(self, word: str, logprob: float | None = None) -> bool:
        """Is ``word`` a stop word or at least as frequent as ``logprob`` (default
        ``common_word_logprob``) in English? Allowlisted words never are."""
        lower = word.lower()
        if lower in self._allow:
            return False
        if lower in STOP_WORDS:
            return True
        if self.common_words is not None:
            return lower in {w.lower() for w in self.common_words}
        return lower in frequent_words(self.common_word_logprob if logprob is None else logprob)

    def mode(
        self, label: str, tokens: Sequence[str], lemmas: Sequence[str] = (), preferred: bool = True
    ) -> int | None:
        """Guard mode of a label given its tokens (and their lemmas); None = never match.

        ``preferred``: the label is some skill's preferred label. Other labels (alt,
        hidden, O*NET examples) must clear the stricter ``alt_word_logprob`` when they
        are one content word: "reports", "activities", "platforms" name no skill on
        their own. Frequency is checked on the word and on its lemma, since matching is
        by lemma ("Securities" would otherwise match every "security").
        """
        lower = label.lower()
        if lower in self._block or not any(c.isalpha() for c in label):
            return None
        if len(tokens) > self.max_label_tokens:
            return None
        forms = list(zip(tokens, list(lemmas) or tokens, strict=True))
        content = [
            (t, lem)
            for t, lem in forms
            if any(c.isalnum() for c in t) and t.lower() not in STOP_WORDS
        ]
        if len(tokens) > 1:
            if not content:
                return None
            if len(content) == 1 and self._common_word(*content[0], self.alt_word_logprob):
                return None  # "be responsible", "and procedures"
            return FREE
        if len(label) == 1:
            return LETTER if label.isalpha() and label.isupper() else None
        alnum = sum(c.isalnum() for c in label)
        common = self._common_word(
            forms[0][0], forms[0][1], None if preferred else self.alt_word_logprob
        )
        if alnum <= self.short_max_chars or (label.isupper() and alnum >= 2):
            return COMMON if common or self.is_common(label) else CASED
        if common:
            return COMMON if any(c.isupper() for c in label) else None
        return FREE

    def _common_word(self, word: str, lemma: str, logprob: float | None) -> bool:
        if word.lower() in self._allow:
            return False
        return self.is_common(word, logprob) or self.is_common(lemma, logprob)


@lru_cache(maxsize=4)
def frequent_words(logprob: float) -> frozenset[str]:
    """Lower-cased words at least this frequent in spacy-lookups-data's English table.

    The table (1M words) is stored one entry per line, most frequent first, so reading
    stops at the first word below ``logprob``: milliseconds instead of a second.
    """
    import spacy_lookups_data

    path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lexeme_prob.json.gz"
    words: set[str] = set()
    with gzip.open(path, "rt", encoding="utf8") as handle:
        for line in handle:
            key, sep, value = line.strip().rstrip(",").rpartition(":")
            if not sep or not key.startswith('"'):
                continue
            if float(value) < logprob:
                break
            words.add(json.loads(key).lower())
    return frozenset(words)


# ---------------------------------------------------------------------------- matcher


class _Entry(NamedTuple):
    """A pattern's candidates, best first, and its guard mode (a tuple: cheap to load)."""

    ids: tuple[str, ...]
    scores: tuple[float, ...]
    mode: int


class PhraseIndex:
    """Token-hash phrase lookup: what :class:`spacy.matcher.PhraseMatcher` does, without a
    :class:`Doc` per pattern.

    A PhraseMatcher needs one Doc per pattern: for 110k ESCO/O*NET labels that is 5 s to
    create, about 1 GB of memory, and the same again to rebuild after loading from disk.
    Here a pattern is the tuple of its tokens' attribute hashes (LEMMA or ORTH, from the
    same tokenizer and lemmatizer as the text), kept in a dict with, per first token, the
    pattern lengths starting with it. Matching a doc is one dict probe per token plus one
    per candidate length (about 0.2 ms for a 500-token posting); loading is building the
    dict from the saved hash arrays (a fraction of a second).
    """

    def __init__(self) -> None:
        self.entries: dict[tuple[int, ...], _Entry] = {}
        self._lengths: dict[int, tuple[int, ...]] = {}
        self._single: dict[int, _Entry] = {}
        self._pairs: set[tuple[int, int]] = set()
        self._firsts = numpy.zeros(0, dtype=numpy.uint64)

    def __len__(self) -> int:
        return len(self.entries)

    def set(self, entries: dict[tuple[int, ...], _Entry]) -> None:
        """Index ``entries`` (C-level passes and NumPy only: this runs at every load)."""
        self.entries = entries
        keys = list(entries)
        n = len(keys)
        lens = numpy.fromiter(map(len, keys), dtype=numpy.int64, count=n)
        firsts = numpy.fromiter(map(itemgetter(0), keys), dtype=numpy.uint64, count=n)
        is_multi = lens > 1
        multi = list(compress(keys, is_multi.tolist()))
        seconds = numpy.fromiter(map(itemgetter(1), multi), dtype=numpy.uint64, count=len(multi))
        multi_firsts = firsts[is_multi]
        self._pairs = set(zip(multi_firsts.tolist(), seconds.tolist(), strict=True))
        lengths: dict[int, list[int]] = {}
        if len(multi):  # unique (first, length) rows, sorted by first, then length ascending
            rows = numpy.unique(
                numpy.stack([multi_firsts, lens[is_multi].astype(numpy.uint64)], axis=1), axis=0
            )
            for first, length in rows.tolist():
                lengths.setdefault(first, []).append(length)
        self._lengths = {first: tuple(reversed(ls)) for first, ls in lengths.items()}
        single = (~is_multi).tolist()
        self._single = dict(
            zip(compress(firsts.tolist(), single), compress(entries.values(), single), strict=True)
        )
        self._firsts = numpy.unique(firsts)

    def find(self, hashes: numpy.ndarray) -> list[tuple[int, int, _Entry]]:
        """Every (start, end, entry) whose token hashes equal a pattern.

        A vectorized first pass keeps the tokens that start some pattern (a sorted-array
        search); per kept token: one probe for a one-token pattern, one for "does a
        longer pattern start with this token and continue with the next", and only then
        one probe per candidate length.
        """
        found: list[tuple[int, int, _Entry]] = []
        n = len(hashes)
        if n == 0 or not len(self._firsts):
            return found
        firsts = self._firsts
        pos = numpy.searchsorted(firsts, hashes)
        starts = numpy.flatnonzero(firsts[numpy.minimum(pos, len(firsts) - 1)] == hashes)
        if not len(starts):
            return found
        values = hashes.tolist()
        single = self._single.get
        pairs = self._pairs
        entries = self.entries
        for i in starts.tolist():
            first = values[i]
            entry = single(first)
            if entry is not None:
                found.append((i, i + 1, entry))
            if i + 1 < n and (first, values[i + 1]) in pairs:
                for length in self._lengths[first]:
                    if i + length <= n:
                        entry = entries.get(tuple(values[i : i + length]))
                        if entry is not None:
                            found.append((i, i + length, entry))
        return found

    def to_arrays(self, prefix: str, id_index: dict[str, int]) -> dict[str, numpy.ndarray]:
        """The patterns as flat arrays (key hashes, candidates), ``id_index`` filled in."""
        keys = list(self.entries)
        values = list(self.entries.values())
        cands = [id_index.setdefault(i, len(id_index)) for e in values for i in e.ids]
        return {
            prefix + "key_len": numpy.array([len(k) for k in keys], dtype=numpy.uint8),
            prefix + "key_hash": numpy.array([h for k in keys for h in k], dtype=numpy.uint64),
            prefix + "cand_len": numpy.array([len(e.ids) for e in values], dtype=numpy.int32),
            prefix + "cand_id": numpy.array(cands, dtype=numpy.int32),
            prefix + "cand_score": numpy.array(
                [x for e in values for x in e.scores], dtype=numpy.float64
            ),
            prefix + "mode": numpy.array([e.mode for e in values], dtype=numpy.int8),
        }


def entries_from_arrays(
    arrays: Any, prefix: str, ids: Sequence[str]
) -> dict[tuple[int, ...], _Entry]:
    """The inverse of :meth:`PhraseIndex.to_arrays` (one pass of list slicing)."""
    hashes = arrays[prefix + "key_hash"].tolist()
    key_bounds = numpy.concatenate(
        [[0], numpy.cumsum(arrays[prefix + "key_len"], dtype=numpy.int64)]
    ).tolist()
    cand_bounds = numpy.concatenate(
        [[0], numpy.cumsum(arrays[prefix + "cand_len"], dtype=numpy.int64)]
    ).tolist()
    names = [ids[i] for i in arrays[prefix + "cand_id"].tolist()]
    scores = arrays[prefix + "cand_score"].tolist()
    cand_pairs = list(zip(cand_bounds[:-1], cand_bounds[1:], strict=True))
    keys = [tuple(hashes[a:b]) for a, b in zip(key_bounds[:-1], key_bounds[1:], strict=True)]
    entries = map(
        _Entry._make,
        zip(
            [tuple(names[a:b]) for a, b in cand_pairs],
            [tuple(scores[a:b]) for a, b in cand_pairs],
            arrays[prefix + "mode"].tolist(),
            strict=True,
        ),
    )
    return dict(zip(keys, entries, strict=True))


PATTERNS_FILE = "patterns.npz"


class SkillMatcher:
    """The ``pathmatch_skill_matcher`` component (see the module docstring)."""

    def __init__(
        self, nlp: Language, name: str, guards: GuardRules, skip_sections: Sequence[str]
    ) -> None:
        register_extensions()
        self.nlp = nlp
        self.vocab = nlp.vocab
        self.name = name
        self.guards = guards
        self.skip_sections = frozenset(skip_sections)
        self._lemma_index = PhraseIndex()
        self._orth_index = PhraseIndex()
        self._orth_matcher = PhraseMatcher(self.vocab, attr="ORTH")
        self.skill_info: dict[str, tuple[str, str]] = {}
        """skill id -> (preferred label, taxonomy), so output needs no taxonomy object."""
        self.n_patterns = 0

    # ------------------------------------------------------------------ building

    @property
    def is_built(self) -> bool:
        return self.n_patterns > 0

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Any]] | None = None,
        *,
        nlp: Language | None = None,
        taxonomy: Any = None,
        batch_size: int = 2000,
    ) -> None:
        """spaCy's initialize: compile the patterns of ``taxonomy`` (None: no patterns).

        ``taxonomy`` is a :class:`matching.nlp.taxonomy.SkillTaxonomy` or anything with a
        ``labels`` polars frame (skill_id, label, label_type, taxonomy); preferred labels
        for output come from its ``preferred_label`` method when present, else from the
        frame. The config passes it as ``[initialize.components.skill_matcher.taxonomy]``.
        """
        if taxonomy is None:
            self._load_groups({}, {})
            self.skill_info = {}
            return
        self._compile(taxonomy, batch_size)

    def _compile(self, taxonomy: Any, batch_size: int) -> None:
        labels = taxonomy.labels
        rows = labels.select("skill_id", "label", "label_type", "taxonomy").rows()
        self.skill_info = _skill_info(taxonomy, rows)
        lemmatizer = _lemmatizer_of(self.nlp)
        grouped: dict[str, list[tuple[str, float]]] = {}
        preferred: set[str] = set()
        for skill_id, label, label_type, _ in rows:
            if not label or not skill_id:
                continue
            label = " ".join(label.split())
            grouped.setdefault(label, []).append((skill_id, LABEL_TYPE_SCORE.get(label_type, 0.5)))
            if label_type == "preferred":
                preferred.add(label)
        texts = list(grouped)
        lemma_groups: dict[tuple[int, ...], dict[str, float]] = {}
        orth_groups: dict[tuple[int, ...], tuple[int, dict[str, float]]] = {}
        strings = self.vocab.strings
        for label, tokens in zip(texts, tokenize_labels(self.nlp, texts, batch_size), strict=True):
            lemmas = [lemmatizer.lemma_of(t.lower()) for t in tokens]
            mode = self.guards.mode(label, tokens, lemmas, label in preferred)
            if mode is None or not tokens:
                continue
            if mode == FREE:
                targets = [
                    lemma_groups.setdefault(tuple(strings.add(w) for w in variant), {})
                    for variant in _variants(lemmas)
                ]
            else:  # case-sensitive labels: the exact form only ("R." too: the tokenizer
                # keeps a single capital with its period as one token, like an initial)
                forms = [tokens] + ([[tokens[0] + "."]] if mode == LETTER else [])
                targets = [
                    orth_groups.setdefault(tuple(strings.add(t) for t in form), (mode, {}))[1]
                    for form in forms
                ]
            for merged in targets:
                for skill_id, score in grouped[label]:
                    if merged.get(skill_id, -1.0) < score:
                        merged[skill_id] = score
        self._load_groups({k: (FREE, v) for k, v in lemma_groups.items()}, orth_groups)

    def _load_groups(
        self,
        lemma_groups: dict[tuple[int, ...], tuple[int, dict[str, float]]],
        orth_groups: dict[tuple[int, ...], tuple[int, dict[str, float]]],
    ) -> None:
        self._lemma_index.set({k: _entry(m, c) for k, (m, c) in lemma_groups.items()})
        self._set_orth({k: _entry(m, c) for k, (m, c) in orth_groups.items()})
        self.n_patterns = len(self._lemma_index) + len(self._orth_index)

    def _set_orth(self, entries: dict[tuple[int, ...], _Entry]) -> None:
        """The case-sensitive patterns: a few hundred, so a spaCy PhraseMatcher (whose
        Cython scan beats a Python loop over the tokens) is cheap to build here."""
        self._orth_index.set(entries)
        self._orth_matcher = PhraseMatcher(self.vocab, attr="ORTH")
        strings = self.vocab.strings
        docs = [Doc(self.vocab, words=[strings[h] for h in key]) for key in entries]
        if docs:
            self._orth_matcher.add(TAXONOMY_LABEL, docs)

    # ------------------------------------------------------------------ matching

    def __call__(self, doc: Doc) -> Doc:
        if len(doc) == 0 or not self.is_built:
            doc.spans[CANDIDATES_KEY] = []
            return doc
        skip = section_mask(doc, self.skip_sections)
        found = [
            (start, end, entry)
            for start, end, entry in self._lemma_index.find(doc.to_array("LEMMA"))
            if not skip[start]
        ]
        if len(self._orth_index):
            orths = doc.to_array("ORTH")
            entries = self._orth_index.entries
            for _, start, end in self._orth_matcher(doc):
                entry = entries[tuple(orths[start:end].tolist())]
                if not skip[start] and self._guard_ok(doc, start, end, entry.mode):
                    found.append((start, end, entry))
        entries = {(start, end): entry for start, end, entry in found}
        kept = filter_spans(
            [Span(doc, start, end, label=TAXONOMY_LABEL) for start, end, _ in found]
        )
        for span in kept:
            entry = entries[(span.start, span.end)]
            span._.candidate_ids = list(entry.ids)
            span._.candidate_scores = list(entry.scores)
        doc.spans[CANDIDATES_KEY] = sorted(kept, key=lambda s: s.start)
        return doc

    def pipe(self, stream: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        return pipe_in_batches(self, stream, batch_size)

    def _guard_ok(self, doc: Doc, start: int, end: int, mode: int) -> bool:
        if mode == CASED:
            return True
        token = doc[start]
        if _sentence_initial(doc, start):
            return False
        if mode == COMMON:
            return not _caps_or_title_run(doc, start, end)
        # LETTER: not an initial ("C. Smith", one token "C." or two), not "vitamin C", and
        # programming context nearby.
        after = end + (0 if token.text.endswith(".") else 1)
        if (
            (token.text.endswith(".") or (end < len(doc) and doc[end].text == "."))
            and after < len(doc)
            and doc[after].is_title
        ):
            return False
        if start > 0 and doc[start - 1].lower_ in self.guards._letter_block:
            return False
        if token.text in ("A", "I"):
            return False
        window = self.guards.context_window
        context = self.guards._context
        lo, hi = max(0, start - window), min(len(doc), end + window)
        return any(doc[i].lower_ in context for i in range(lo, hi) if not start <= i < end)

    # ------------------------------------------------------------------ serialization

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        """Patterns as token-hash arrays with their candidates (ids stored once), the words
        of the hashes (so the vocabulary can decode them), guards and labels: one ``.npz``."""
        id_index: dict[str, int] = {}
        arrays = {
            **self._lemma_index.to_arrays("lemma_", id_index),
            **self._orth_index.to_arrays("orth_", id_index),
        }
        strings = self.vocab.strings
        words = sorted(
            {
                strings[h]
                for index in (self._lemma_index, self._orth_index)
                for key in index.entries
                for h in key
            }
        )
        meta = {
            "guards": self.guards.to_dict(),
            "ids": list(id_index),
            "words": words,
            "skill_info": self.skill_info,
        }
        arrays["meta"] = numpy.frombuffer(json.dumps(meta).encode("utf8"), dtype=numpy.uint8)
        buffer = io.BytesIO()
        savez: Any = numpy.savez  # its stub types **arrays like its allow_pickle flag
        savez(buffer, **arrays)
        return buffer.getvalue()

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> SkillMatcher:
        with numpy.load(io.BytesIO(data), allow_pickle=False) as arrays:
            meta = json.loads(arrays["meta"].tobytes().decode("utf8"))
            self.guards = GuardRules(**meta["guards"])
            for word in meta["words"]:
                self.vocab.strings.add(word)
            self.skill_info = {k: (v[0], v[1]) for k, v in meta["skill_info"].items()}
            self._lemma_index.set(entries_from_arrays(arrays, "lemma_", meta["ids"]))
            self._set_orth(entries_from_arrays(arrays, "orth_", meta["ids"]))
        self.n_patterns = len(self._lemma_index) + len(self._orth_index)
        return self

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / PATTERNS_FILE).write_bytes(self.to_bytes())

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> SkillMatcher:
        file = Path(path) / PATTERNS_FILE
        if not file.is_file():
            raise FileNotFoundError(f"{file} is missing: the saved matcher has no patterns")
        return self.from_bytes(file.read_bytes())

    # ------------------------------------------------------------------ introspection

    def lookup(self, text: str) -> list[tuple[str, float]]:
        """Candidates of a label text as the matcher would find it (for tests/debugging)."""
        doc = self.nlp.make_doc(text)
        _lemmatizer_of(self.nlp)(doc)
        key = tuple(doc.to_array("LEMMA").tolist())
        entry = self._lemma_index.entries.get(key) or self._orth_index.entries.get(
            tuple(doc.to_array("ORTH").tolist())
        )
        return list(zip(entry.ids, entry.scores, strict=True)) if entry else []

    def mode_of(self, label: str) -> str | None:
        """How a label is guarded: 'lemma', 'cased', 'common', 'letter' or None (never)."""
        tokens = [t.text for t in self.nlp.make_doc(label) if not t.is_space]
        lemmatizer = _lemmatizer_of(self.nlp)
        mode = self.guards.mode(label, tokens, [lemmatizer.lemma_of(t.lower()) for t in tokens])
        return None if mode is None else _MODE_NAMES[mode]


def _entry(mode: int, candidates: dict[str, float]) -> _Entry:
    ordered = sorted(
        candidates.items(), key=lambda kv: (-kv[1], not kv[0].startswith("http"), kv[0])
    )
    return _Entry(tuple(k for k, _ in ordered), tuple(round(v, 4) for _, v in ordered), mode)


def _variants(tokens: list[str]) -> list[list[str]]:
    """A label's tokens, plus them without hyphens ("problem-solving" as "problem solving"),
    plus a two-word label written as one word ("cyber security" as "cybersecurity",
    "health care" as "healthcare"), as job ads often spell them."""
    if "-" in tokens and len(tokens) > 2:
        return [tokens, [t for t in tokens if t != "-"]]
    if len(tokens) == 2 and all(t.isalpha() and len(t) >= 3 for t in tokens):
        return [tokens, ["".join(tokens)]]
    return [tokens]


_SIMPLE_LABEL = re.compile(r"[A-Za-z]+(?: [A-Za-z]+)*")


def tokenize_labels(
    nlp: Language, labels: Sequence[str], batch_size: int = 2000
) -> list[list[str]]:
    """Token texts of each label, as ``nlp.tokenizer`` splits them (spaces dropped).

    Labels of plain letters and single spaces whose words have no tokenizer special case
    ("cannot", "gonna") are split on spaces, which is what the tokenizer would do, five
    times faster; the rest go through ``nlp.tokenizer.pipe``.
    """
    tokenizer: Any = nlp.tokenizer
    special = tokenizer.rules or {}
    out: list[list[str] | None] = []
    hard: list[int] = []
    for i, label in enumerate(labels):
        if _SIMPLE_LABEL.fullmatch(label):
            words = label.split(" ")
            if not any(w in special or w.lower() in special for w in words):
                out.append(words)
                continue
        out.append(None)
        hard.append(i)
    docs = tokenizer.pipe([labels[i] for i in hard], batch_size=batch_size)
    for i, doc in zip(hard, docs, strict=True):
        out[i] = [t.text for t in doc if not t.is_space]
    return [tokens or [] for tokens in out]


def _lemmatizer_of(nlp: Language) -> LowerLookupLemmatizer:
    for _, pipe in nlp.pipeline:
        if isinstance(pipe, LowerLookupLemmatizer):
            pipe.ensure_initialized()
            return pipe
    raise ValueError("the pipeline needs a 'pathmatch_lemmatizer' before the skill matcher")


def _skill_info(
    taxonomy: Any, rows: Sequence[tuple[str, str, str, str]]
) -> dict[str, tuple[str, str]]:
    info: dict[str, tuple[str, str]] = {}
    for skill_id, label, label_type, tax in rows:
        if label_type in ("preferred", "onet_example") and skill_id not in info:
            info[skill_id] = (label, tax)
    for skill_id, _, _, tax in rows:
        info.setdefault(skill_id, (skill_id, tax))
    preferred: Callable[[str], str] | None = getattr(taxonomy, "preferred_label", None)
    if preferred is not None:
        for skill_id, (_, tax) in list(info.items()):
            try:
                info[skill_id] = (preferred(skill_id), tax)
            except KeyError:
                pass
    return info


def _sentence_initial(doc: Doc, i: int) -> bool:
    j = i - 1
    while j >= 0 and (doc[j].is_space or doc[j].text in ("•", "-", "*", "·", "(", '"')):
        j -= 1
    return j < 0 or doc[i].is_sent_start is True or doc[j].text in (".", ":", "!", "?", ";")


def _caps_or_title_run(doc: Doc, start: int, end: int) -> bool:
    """Is the match inside an ALL CAPS or Title Case run (a heading or a name)?"""
    neighbours = [doc[i] for i in (start - 1, end) if 0 <= i < len(doc)]
    words = [t for t in neighbours if t.is_alpha]
    if not words:
        return False
    if any(t.is_upper and len(t) > 1 for t in words):
        return True
    return len(words) == 2 and all(t.is_title and not t.is_stop for t in words)


@Language.factory(
    "pathmatch_skill_matcher",
    assigns=["doc.spans", "span._.candidate_ids", "span._.candidate_scores"],
    requires=["token.lemma"],
    default_config={"guards": GuardRules().to_dict(), "skip_sections": sorted(BOILERPLATE)},
)
def make_skill_matcher(
    nlp: Language, name: str, guards: dict[str, Any], skip_sections: list[str]
) -> SkillMatcher:
    return SkillMatcher(nlp, name, GuardRules(**guards), skip_sections)
