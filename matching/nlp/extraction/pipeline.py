"""The skill-extraction pipeline: assembled from ``config.cfg``, built once, loaded after.

``config.cfg`` is the single description of the pipeline: ``spacy.blank("en")``'s
tokenizer, the registered components of this package and, when one is given, the trained
detector's components sourced from its directory. Assembly follows spaCy's own steps:

1. :func:`pipeline_config` fills in the run-time parts (``[paths]``, the kind, the
   detector's component names); ``spacy.util.load_model_from_config`` creates the
   components.
2. :func:`initialize_pipeline` runs spaCy's component ``initialize`` with the settings of
   ``[initialize.components.*]``: the lemmatizer loads its lookup table, the skill matcher
   compiles its patterns from the taxonomy (``pathmatch.bundle_taxonomy.v1``, the bundle
   named by ``paths.bundle``, or a taxonomy object given by the caller), the linker loads the
   trained linker from ``paths.linker``. Sourced detector components keep their weights.
3. ``nlp.to_disk`` saves every component's state (patterns, lemma table, the linker's
   index and model, detector weights); ``spacy.load`` (:func:`load_pipeline`) reads it back
   in about a second where assembling takes 20 s on the real ESCO + O*NET bundle.

:func:`cached_pipeline` ties the steps together for a process that has a bundle: it loads
the pipeline saved under a content-addressed key (bundle hash, detector and linker model
versions, the pipeline's own code) and builds and saves it only when that key has no
readable copy. A damaged or partial copy is logged in one line, removed and rebuilt.

Components defined here (the sectioner, lemmatizer and matcher live in their modules):

``pathmatch_detected_candidates``
    Copies the detector's ``doc.ents`` (``source = "ents"``) or a span group
    (``source = "spans:<key>"``) into ``doc.spans["skill_candidates"]`` with label
    ``DETECTED``, skipping boilerplate sections. A detected span overlapping exactly one
    ``TAXONOMY`` span is merged with it: the union of both extents, label ``TAXONOMY``
    and the taxonomy span's candidate ids (the detector's boundaries, the matcher's
    ids). One overlapping several taxonomy spans ("Python and Java") is dropped, since
    the taxonomy spans are more precise evidence.

``pathmatch_linker``
    Links candidate spans and sentences with a :class:`~matching.nlp.extraction.linker.
    SkillLinker` (see :class:`LinkerComponent`); without one it is lexical. The linker
    module (scikit-learn, SciPy) is imported only when a trained linker is loaded.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import logging
import math
import os
import shutil
import threading
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import registry
from thinc.api import Config

from matching.nlp.extraction import (
    CANDIDATES_KEY,
    DETECTED_LABEL,
    KINDS,
    SECTIONS_KEY,
    TAXONOMY_LABEL,
    pipe_in_batches,
    register_extensions,
)
from matching.nlp.extraction.held_scope import held_parts  # and registers the factory
from matching.nlp.extraction.list_items import ListItems  # noqa: F401  (registers the factory)
from matching.nlp.extraction.matcher import LowerLookupLemmatizer, SkillMatcher, normalize_text
from matching.nlp.extraction.sections import BOILERPLATE, Sectioner, section_mask

if TYPE_CHECKING:
    from matching.nlp.extraction.linker import SkillLinker
    from matching.nlp.taxonomy import SkillTaxonomy

CONFIG_PATH = Path(__file__).with_name("config.cfg")
DETECTOR_FACTORIES = frozenset(
    {"ner", "spancat", "spancat_singlelabel", "tok2vec", "span_finder", "transformer"}
)
"""Factories sourced from a detector pipeline (its tokenizer, sentencizer etc. are not)."""
LEARNED_LINKER = "pathmatch_linker"
BUILT_FROM = "pathmatch_built_from.json"
"""Written last into a saved pipeline: what it was built from; its absence marks a partial copy."""
FORMAT = "pathmatch-pipeline/1"

log = logging.getLogger(__name__)


class PipelineError(ValueError):
    """A saved pipeline that cannot be used (missing, partial or damaged), said in one line."""


# ---------------------------------------------------------------------------- components


class DetectedCandidates:
    """The ``pathmatch_detected_candidates`` component (see the module docstring)."""

    def __init__(
        self,
        name: str,
        source: str,
        labels: Sequence[str],
        skip_sections: Sequence[str],
        max_tokens: int,
    ) -> None:
        register_extensions()
        if source != "ents" and not source.startswith("spans:"):
            raise ValueError(f"source must be 'ents' or 'spans:<key>', not {source!r}")
        self.name = name
        self.source = source
        self.labels = frozenset(labels)
        self.skip_sections = frozenset(skip_sections)
        self.max_tokens = max_tokens

    def _detected(self, doc: Doc) -> list[Span]:
        if self.source == "ents":
            return list(doc.ents)
        key = self.source.split(":", 1)[1]
        return list(doc.spans[key]) if key in doc.spans else []

    def __call__(self, doc: Doc) -> Doc:
        detected = [
            s
            for s in self._detected(doc)
            if (not self.labels or s.label_ in self.labels)
            and len(s) <= self.max_tokens
            and s.text.strip()
        ]
        if not detected:
            return doc
        skip = section_mask(doc, self.skip_sections)
        current = list(doc.spans[CANDIDATES_KEY]) if CANDIDATES_KEY in doc.spans else []
        for span in detected:
            if skip[span.start]:
                continue
            overlapping = [c for c in current if c.start < span.end and span.start < c.end]
            if len(overlapping) > 1 or any(c.label_ == DETECTED_LABEL for c in overlapping):
                continue
            if overlapping:
                old = overlapping[0]
                merged = Span(
                    doc, min(old.start, span.start), max(old.end, span.end), label=TAXONOMY_LABEL
                )
                ids, scores = list(old._.candidate_ids or []), list(old._.candidate_scores or [])
                current.remove(old)
                merged._.candidate_ids = ids
                merged._.candidate_scores = scores
                current.append(merged)
            else:
                new = Span(doc, span.start, span.end, label=DETECTED_LABEL)
                new._.candidate_ids = []
                new._.candidate_scores = []
                current.append(new)
        doc.spans[CANDIDATES_KEY] = sorted(current, key=lambda s: (s.start, s.end))
        return doc

    def pipe(self, stream: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        return pipe_in_batches(self, stream, batch_size)


@Language.factory(
    "pathmatch_detected_candidates",
    assigns=["doc.spans"],
    default_config={
        "source": "ents",
        "labels": [],
        "max_tokens": 12,
        "skip_sections": sorted(BOILERPLATE),
    },
)
def make_detected_candidates(
    nlp: Language,
    name: str,
    source: str,
    labels: list[str],
    skip_sections: list[str],
    max_tokens: int,
) -> DetectedCandidates:
    return DetectedCandidates(name, source, labels, skip_sections, max_tokens)


FLOOR_KEYS = ("span", "sentence", "bare_sentence")
"""The abstention floors of a policy (see :class:`LinkerComponent`)."""
RANK_CANDIDATES = 20
"""Lexical candidates per source the trained linker reranks by default (see
:class:`LinkerComponent`); 0 reranks as many as the linker was trained with."""
REFUSE = 1.01
"""A floor above every calibrated score: that kind of link is never kept (and, for
``bare_sentence``, those sentences are not even ranked)."""


class LinkerComponent:
    """spaCy component: ``span._.skills`` for each skill candidate, ``doc._.ranked_skills``.

    Spans are ranked with the phrase matcher's ESCO candidate ids forced into their
    candidate set; O*NET ids among a span's matched candidates are kept with score
    ``onet_score`` times the matcher's ``candidate_scores`` value for them (an O*NET
    technology/tool example matched by label; the learned model covers ESCO only). Each
    span keeps its best ``span_candidates`` links: what a caller can use, not the 20 the
    ranking looked at. Sentences outside boilerplate sections are ranked too
    (``rank_sentences``, after the intake shorthand expansion of
    :func:`~matching.nlp.extraction.matcher.normalize_text`), each keeping its best
    ``sentence_top_k``. The trained linker reranks the best ``rank_candidates`` lexical
    candidates per source of each text (:data:`RANK_CANDIDATES`, 20, by default; 0: as many
    as it was trained with, 40 on the real linker): a cheap first stage (issue 14 item 7).
    On the real linker's dev data 20 keeps the kept links exactly (SkillSpan no-skill fp/100
    10.0, Decorte dev P 0.878, R 0.305 at its floors, and the floor chooser picks the same
    floors), moves RP@5 HOUSE 0.585 -> 0.596 and TECH 0.815 -> 0.801, and takes ~26% off the
    linker's time per text (``experiments/bench_fast_path_dev.py``; README).

    Abstention (the trained linker's own floors, chosen on its dev data when it was trained;
    else ``floors``, one policy for a trained model, ``learned``, one for lexical scores,
    ``lexical``; see :attr:`active_floors`): a span link is kept at ``span`` or more; a link
    from a whole sentence that no span names needs ``sentence`` when the sentence has a
    candidate span, and ``bare_sentence`` when the detector and matcher found nothing in it
    (a company blurb names no skill; a whole-sentence guess there needs the strongest
    support). A floor of :data:`REFUSE` or more refuses that kind of link; a refused
    ``bare_sentence`` also skips ranking those sentences, which is most of the linker's time.
    The floors in use go on every doc (``doc._.link_floors``), so
    :func:`~matching.nlp.extraction.io.linked_skills` keeps the same set wherever the doc
    is rendered; a sentence only becomes a link's evidence (``doc._.skill_sentences``)
    when its score clears its floor.

    Document ranking per skill (``aggregate``): 'noisy_or' (default) combines the span
    scores by noisy-or over distinct wordings (a skill named in three different ways is
    surer than in one), the best score per wording (:func:`wording_key`: the same words
    repeated are one piece of evidence, the doubt is whether those words mean the skill,
    and repeating them does not answer it: two weak "reach truck" links, 0.30 and 0.25,
    made a kept 'manoeuvre heavy trucks' at 0.56 in the demo's forklift postings), takes the best
    sentence score times ``sentence_weight`` (sentence lists are long and would inflate a
    noisy-or), and combines the two by noisy-or again: 1 - (1 - s_sent) * prod(1 - s_span).
    'max' takes the single best score. Results of repeated texts (the same span or sentence,
    with the same context, in many postings) come from an LRU cache of ``cache_size``
    entries (0 for intake notes: a server keeps none of what participants wrote).

    Context: ``doc._.context_occupations`` (O*NET-SOC codes) is passed per text to the
    linker's ``rank(..., contexts=...)`` when the trained linker takes one.

    The trained linker is loaded by :meth:`initialize` (``linker_dir``) and saved with the
    pipeline (:meth:`to_disk`, with the floors, which :meth:`from_disk` restores: a saved
    pipeline keeps the kept set it was saved with). Without one the component is lexical:
    span candidates keep their matcher ids with their ``candidate_scores`` (1.0 when
    absent); sentences are not ranked.
    """

    def __init__(
        self,
        name: str,
        top_k: int,
        rank_sentences: bool,
        sentence_weight: float,
        aggregate: str,
        min_score: float,
        onet_score: float,
        batch_size: int,
        cache_size: int,
        floors: dict[str, dict[str, float]] | None = None,
        span_candidates: int = 3,
        sentence_top_k: int = 5,
        rank_candidates: int = RANK_CANDIDATES,
    ) -> None:
        register_extensions()
        if aggregate not in ("noisy_or", "max"):
            raise ValueError("aggregate must be 'noisy_or' or 'max'")
        self.name = name
        self.linker: SkillLinker | None = None
        self.top_k = top_k
        self.rank_sentences = rank_sentences
        self.sentence_weight = sentence_weight
        self.aggregate = aggregate
        self.min_score = min_score
        self.onet_score = onet_score
        self.batch_size = batch_size
        self.cache_size = cache_size
        self.floors = _checked_floors(floors or DEFAULT_FLOORS)
        self.span_candidates = span_candidates
        self.sentence_top_k = sentence_top_k
        self.rank_candidates = rank_candidates
        self._takes_contexts = False
        self._cache: OrderedDict[tuple[int, int, str, tuple[str, ...], tuple[str, ...]], Any] = (
            OrderedDict()
        )

    # ------------------------------------------------------------------ state

    @property
    def policy(self) -> str:
        """'learned' with a trained model, else 'lexical' (scores on another scale)."""
        trained = self.linker is not None and getattr(self.linker, "model_", None) is not None
        return "learned" if trained else "lexical"

    @property
    def active_floors(self) -> dict[str, float]:
        """The floors in force: ``span``, ``sentence``, ``bare_sentence``.

        A trained linker carries the floors chosen on its own dev data at training time
        (``SkillLinker.floors_``, see :mod:`training.nlp.abstention`): floors chosen for
        another model's score scale would keep too much or nothing. The configured floors of
        :attr:`policy` apply to a linker without chosen floors and to lexical scores."""
        chosen = getattr(self.linker, "floors_", None) if self.policy == "learned" else None
        if chosen:
            return {k: float(chosen[k]) for k in FLOOR_KEYS}
        return dict(self.floors[self.policy])

    @property
    def floors_source(self) -> str:
        """Where :attr:`active_floors` come from: 'linker' (chosen with the model) or
        'config' (``config.cfg``'s policy floors)."""
        chosen = getattr(self.linker, "floors_", None) if self.policy == "learned" else None
        return "linker" if chosen else "config"

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Any]] | None = None,
        *,
        nlp: Language | None = None,
        linker_dir: str | None = None,
    ) -> None:
        """Load the trained linker from ``linker_dir`` (None: the component stays lexical)."""
        self._set_linker(_load_linker(Path(linker_dir)) if linker_dir else None)

    def _set_linker(self, linker: SkillLinker | None) -> None:
        import inspect

        self.linker = linker
        self._takes_contexts = linker is not None and (
            "contexts" in inspect.signature(linker.rank).parameters
        )
        self._cache.clear()

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        state = {
            "has_linker": self.linker is not None,
            "policy": self.policy,
            "floors": self.floors,
            "active_floors": self.active_floors,
            "floors_source": self.floors_source,
        }
        (path / "state.json").write_text(json.dumps(state, indent=2, sort_keys=True))
        if self.linker is not None:
            self.linker.save(path / "linker")

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> LinkerComponent:
        state_file = Path(path) / "state.json"
        if not state_file.is_file():
            raise PipelineError(f"{path} has no state.json: not a saved linker component")
        state = json.loads(state_file.read_text())
        if "floors" in state:  # the floors in force when the pipeline was saved
            self.floors = _checked_floors(state["floors"])
        self._set_linker(_load_linker(Path(path) / "linker") if state.get("has_linker") else None)
        return self

    # ------------------------------------------------------------------ running

    def __call__(self, doc: Doc) -> Doc:
        self._process([doc])
        return doc

    def pipe(self, stream: Iterable[Doc], batch_size: int = 32) -> Iterator[Doc]:
        batch: list[Doc] = []
        for doc in stream:
            batch.append(doc)
            if len(batch) >= max(1, self.batch_size):
                self._process(batch)
                yield from batch
                batch = []
        if batch:
            self._process(batch)
            yield from batch

    def _process(self, docs: list[Doc]) -> None:
        floors = self.active_floors
        span_jobs: list[tuple[int, Span]] = []
        sent_jobs: list[tuple[int, Span, float]] = []  # (doc, sentence, its floor)
        for d, doc in enumerate(docs):
            spans = list(doc.spans[CANDIDATES_KEY]) if CANDIDATES_KEY in doc.spans else []
            span_jobs.extend((d, span) for span in spans)
            if self.linker is not None and self.rank_sentences:
                sent_jobs.extend(self._sentence_jobs(d, doc, spans, floors))
        span_results = self._rank_spans([s for _, s in span_jobs])
        sent_results = self._rank_cached(
            [(normalize_text(s.text).text, (), _context(docs[d])) for d, s, _ in sent_jobs],
            self.sentence_top_k,
        )
        spans_by: list[dict[str, dict[str, float]]] = [{} for _ in docs]
        sents: list[dict[str, float]] = [{} for _ in docs]
        where: list[dict[str, tuple[float, str]]] = [{} for _ in docs]
        for (d, span), result in zip(span_jobs, span_results, strict=True):
            span._.skills = result[: self.span_candidates]
            wording = wording_key(span.text)
            for sid, score in result:
                by_wording = spans_by[d].setdefault(sid, {})
                by_wording[wording] = max(score, by_wording.get(wording, 0.0))
        for (d, sent, floor), result in zip(sent_jobs, sent_results, strict=True):
            for sid, score in result:
                value = score * self.sentence_weight
                sents[d][sid] = max(value, sents[d].get(sid, 0.0))
                if value >= floor and value > where[d].get(sid, (0.0, ""))[0]:
                    where[d][sid] = (value, sent.text.strip())
        link_floors = {
            "span": floors["span"],
            "sentence": floors["sentence"],
            "span_candidates": float(self.span_candidates),
        }
        for doc, span_scores, sent_scores, best in zip(docs, spans_by, sents, where, strict=True):
            doc._.ranked_skills = self._combine(span_scores, sent_scores)
            doc._.skill_sentences = {sid: text for sid, (_, text) in best.items()}
            doc._.link_floors = dict(link_floors)

    def _sentence_jobs(
        self, d: int, doc: Doc, spans: list[Span], floors: dict[str, float]
    ) -> Iterator[tuple[int, Span, float]]:
        """The doc's sentences to rank, each with the floor its links must clear.

        A sentence without a candidate span gets ``bare_sentence``; when that refuses, it
        is not ranked at all (abstention, and the fast path: most sentences of a posting
        name no skill)."""
        starts = sorted(span.start for span in spans)
        for sent in self._sentences(doc):
            at = bisect_left(starts, sent.start)
            has_span = at < len(starts) and starts[at] < sent.end
            floor = floors["sentence"] if has_span else floors["bare_sentence"]
            if floor < REFUSE:
                yield d, sent, floor

    def _rank_cached(self, jobs: list[_CacheKey], top_k: int) -> list[list[tuple[str, float]]]:
        """Rank (text, forced ids, context) jobs through the LRU cache; only misses reach
        the model."""
        if not jobs or self.linker is None:
            return [[] for _ in jobs]
        results: list[list[tuple[str, float]] | None] = []
        misses: dict[tuple[int, int, str, tuple[str, ...], tuple[str, ...]], list[int]] = {}
        for i, job in enumerate(jobs):
            key = (top_k, self.rank_candidates, *job)
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
            else:
                misses.setdefault(key, []).append(i)
            results.append(hit)
        if misses:
            keys = list(misses)
            extra: dict[str, Any] = {}
            if self._takes_contexts:
                extra["contexts"] = [list(k[4]) for k in keys]
            ranked = self.linker.rank(
                [k[2] for k in keys],
                top_k,
                forced=[list(k[3]) for k in keys],
                n_candidates=self.rank_candidates or None,
                **extra,
            )
            for key, result in zip(keys, ranked, strict=True):
                for i in misses[key]:
                    results[i] = result
                if self.cache_size > 0:
                    self._cache[key] = result
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return [list(r or []) for r in results]

    def _rank_spans(self, spans: list[Span]) -> list[list[tuple[str, float]]]:
        matched = [list(span._.candidate_ids or []) for span in spans]
        if self.linker is None:
            return [self._lexical(span, ids) for span, ids in zip(spans, matched, strict=True)]
        esco = self.linker.index_.positions()
        ranked = self._rank_cached(
            [
                (
                    normalize_text(span.text).text,
                    tuple(i for i in ids if i in esco),
                    _context(span.doc),
                )
                for span, ids in zip(spans, matched, strict=True)
            ],
            self.top_k,
        )
        out = []
        for span, ids, result in zip(spans, matched, ranked, strict=True):
            quality = dict(self._lexical(span, ids))
            onet = [
                (sid, round(self.onet_score * quality.get(sid, 1.0), 6))
                for sid in ids
                if sid not in esco
            ]
            merged = sorted(result + onet, key=lambda x: -x[1])
            out.append([x for x in merged if x[1] >= self.min_score][: self.top_k])
        return out

    def _lexical(self, span: Span, ids: list[str]) -> list[tuple[str, float]]:
        scores = list(span._.candidate_scores or [])
        return [
            (sid, float(scores[i]) if i < len(scores) else 1.0)
            for i, sid in enumerate(ids[: self.top_k])
        ]

    def _sentences(self, doc: Doc) -> list[Span]:
        if doc.has_annotation("SENT_START"):
            sents = list(doc.sents)
        else:
            sents = [doc[i : i + 40] for i in range(0, len(doc), 40)]
        sections = list(doc.spans[SECTIONS_KEY]) if SECTIONS_KEY in doc.spans else []
        return held_parts(
            doc,
            [sent for sent in sents if sent.text.strip() and not _in_boilerplate(sections, sent)],
        )

    def _combine(
        self, spans: dict[str, dict[str, float]], sents: dict[str, float]
    ) -> list[tuple[str, float]]:
        combined = []
        for sid in set(spans) | set(sents):
            values = [min(max(v, 0.0), 1.0) for v in spans.get(sid, {}).values()]
            sent = min(max(sents.get(sid, 0.0), 0.0), 1.0)
            if self.aggregate == "max":
                value = max([*values, sent])
            else:
                value = 1.0 - (1.0 - sent) * math.prod(1.0 - v for v in values)
            if value >= self.min_score:
                combined.append((sid, round(value, 6)))
        combined.sort(key=lambda x: (-x[1], x[0]))
        return combined


def wording_key(text: str) -> str:
    """A span's words up to case, inflection and punctuation ('Reach truck', 'reach
    trucks' -> 'reach truck'): spans with one key are one piece of evidence for a skill."""
    from matching.nlp.extraction.linker import lemma, tokenize  # sklearn: only with a linker

    return " ".join(lemma(w.lower()) for w in tokenize(text))


_CacheKey = tuple[str, tuple[str, ...], tuple[str, ...]]
"""(text, forced ids, context occupations): what a linker result depends on (the cache
adds the ``top_k`` asked for and ``rank_candidates``)."""

DEFAULT_FLOORS: dict[str, dict[str, float]] = {
    "learned": {"span": 0.65, "sentence": 0.9, "bare_sentence": REFUSE},
    "lexical": {"span": 0.3, "sentence": 0.4, "bare_sentence": 0.5},
}
"""Used when a config gives none; ``config.cfg`` holds the floors chosen on dev data."""


def _checked_floors(floors: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for policy in ("learned", "lexical"):
        given = dict(floors.get(policy, DEFAULT_FLOORS[policy]))
        missing = [k for k in FLOOR_KEYS if k not in given]
        if missing:
            raise ValueError(f"linker floors.{policy} lacks {', '.join(missing)}")
        out[policy] = {k: float(given[k]) for k in FLOOR_KEYS}
    return out


def _context(doc: Doc) -> tuple[str, ...]:
    return tuple(str(c) for c in (doc._.context_occupations or ()))


def _in_boilerplate(sections: list[Span], sent: Span) -> bool:
    for section in sections:
        if section.start <= sent.start < section.end:
            return section.label_ in BOILERPLATE
    return False


def _load_linker(directory: Path) -> SkillLinker:
    """The trained linker in ``directory``; PipelineError (one line) when it does not load."""
    from matching.nlp.extraction.linker import SkillLinker

    try:
        return SkillLinker.load(directory)
    except Exception as exc:  # joblib/pickle, LightGBM and OS errors alike
        raise PipelineError(
            f"the trained linker at {directory} does not load "
            f"({_first_line(exc)}); retrain it with `pathmatch train nlp`"
        ) from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@Language.factory(
    LEARNED_LINKER,
    assigns=["span._.skills", "doc._.ranked_skills", "doc._.skill_sentences", "doc._.link_floors"],
    default_config={
        "top_k": 10,
        "rank_sentences": True,
        "sentence_weight": 1.0,
        "aggregate": "noisy_or",
        "min_score": 0.0,
        "onet_score": 0.9,
        "batch_size": 64,
        "cache_size": 20000,
        "floors": DEFAULT_FLOORS,
        "span_candidates": 3,
        "sentence_top_k": 5,
        "rank_candidates": RANK_CANDIDATES,
    },
)
def make_linker(
    nlp: Language,
    name: str,
    top_k: int,
    rank_sentences: bool,
    sentence_weight: float,
    aggregate: str,
    min_score: float,
    onet_score: float,
    batch_size: int,
    cache_size: int,
    floors: dict[str, dict[str, float]],
    span_candidates: int,
    sentence_top_k: int,
    rank_candidates: int,
) -> LinkerComponent:
    return LinkerComponent(
        name,
        top_k,
        rank_sentences,
        sentence_weight,
        aggregate,
        min_score,
        onet_score,
        batch_size,
        cache_size,
        floors,
        span_candidates,
        sentence_top_k,
        rank_candidates,
    )


@registry.misc("pathmatch.bundle_taxonomy.v1")
def bundle_taxonomy(bundle: str | None) -> SkillTaxonomy | None:
    """The skill taxonomy of the bundle at ``bundle`` (None when no bundle is named), for
    ``[initialize.components.skill_matcher]``; shared with every other user in the process."""
    if bundle is None:
        return None
    from matching.ingest.bundle import Bundle
    from matching.nlp.taxonomy import taxonomy_of

    return taxonomy_of(Bundle(Path(bundle)))


# ---------------------------------------------------------------------------- assembling


def kind_overrides(kind: str) -> dict[str, Any]:
    """Config values that differ by kind: the sectioner's kind, no linker cache for intake
    (intake notes are what participants wrote: a server keeps none of it in a cache)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")
    overrides: dict[str, Any] = {"components.sectioner.kind": kind}
    if kind == "intake":
        overrides["components.linker.cache_size"] = 0
    return overrides


def pipeline_config(
    *,
    kind: str = "posting",
    detector_dir: Path | str | None = None,
    linker_dir: Path | str | None = None,
    bundle_dir: Path | str | None = None,
    config_path: Path | str = CONFIG_PATH,
) -> Config:
    """``config.cfg`` with the run-time parts filled in (see the module docstring)."""
    overrides = kind_overrides(kind)
    config = spacy.util.load_config(Path(config_path), interpolate=False)
    config["paths"]["linker"] = str(linker_dir) if linker_dir else None
    config["paths"]["detector"] = str(detector_dir) if detector_dir else None
    config["paths"]["bundle"] = str(bundle_dir) if bundle_dir else None
    for dotted, value in overrides.items():
        section, name, key = dotted.split(".")
        config[section][name][key] = value
    pipeline: list[str] = list(config["nlp"]["pipeline"])
    if detector_dir:
        names, source = _detector_components(Path(detector_dir))
        at = pipeline.index("detected_candidates")
        for name in names:
            config["components"][name] = {"source": str(detector_dir)}
        pipeline[at:at] = names
        config["components"]["detected_candidates"]["source"] = source
    else:
        pipeline.remove("detected_candidates")
        del config["components"]["detected_candidates"]
    config["nlp"]["pipeline"] = pipeline
    return config.interpolate()


def _detector_components(detector_dir: Path) -> tuple[list[str], str]:
    """Names of the detector's components to source, and where its spans end up."""
    cfg_path = detector_dir / "config.cfg"
    if not cfg_path.exists():
        raise FileNotFoundError(f"{detector_dir} is not a spaCy pipeline (no config.cfg)")
    cfg = spacy.util.load_config(cfg_path, interpolate=False)
    names: list[str] = []
    source = "ents"
    for name in cfg["nlp"]["pipeline"]:
        factory = cfg["components"].get(name, {}).get("factory")
        if factory in DETECTOR_FACTORIES:
            names.append(name)
            if factory.startswith("spancat"):
                source = "spans:" + cfg["components"][name].get("spans_key", "sc")
    if not names:
        raise ValueError(f"{detector_dir} has no ner/spancat component to source")
    return names, source


_OWN_COMPONENTS = (
    Sectioner,
    LowerLookupLemmatizer,
    SkillMatcher,
    DetectedCandidates,
    LinkerComponent,
)


def initialize_pipeline(nlp: Language, taxonomy: SkillTaxonomy | None = None) -> Language:
    """spaCy's ``initialize`` for this package's components, settings from the config.

    What ``nlp.initialize()`` does for them (``[initialize.components.*]`` resolved through
    the registry, then each component's ``initialize(get_examples, nlp=..., **settings)``),
    without touching sourced detector components, whose trained weights
    ``nlp.initialize()`` would reset. A ``taxonomy`` given here replaces the configured
    one (tests and benchmarks build taxonomies from frames, not bundles).
    """
    config = nlp.config.interpolate()
    resolved = registry.resolve({"components": config["initialize"]["components"]})
    settings: dict[str, dict[str, Any]] = dict(resolved["components"])
    if taxonomy is not None:
        settings["skill_matcher"] = {**settings.get("skill_matcher", {}), "taxonomy": taxonomy}
    for name, pipe in nlp.pipeline:
        init = getattr(pipe, "initialize", None)
        if isinstance(pipe, _OWN_COMPONENTS) and init is not None:
            init(lambda: [], nlp=nlp, **settings.get(name, {}))
    return nlp


def build_pipeline(
    taxonomy: SkillTaxonomy | None = None,
    *,
    detector_dir: Path | str | None = None,
    linker_dir: Path | str | None = None,
    bundle_dir: Path | str | None = None,
    kind: str = "posting",
    config_path: Path | str = CONFIG_PATH,
) -> Language:
    """The extraction pipeline for ``kind``, assembled and initialized (seconds to minutes).

    The matcher's patterns come from ``taxonomy`` or else from the bundle at ``bundle_dir``;
    with neither the matcher stays empty. Prefer :func:`cached_pipeline` in a process that
    can keep the result.
    """
    register_extensions()
    config = pipeline_config(
        kind=kind,
        detector_dir=detector_dir,
        linker_dir=linker_dir,
        bundle_dir=bundle_dir,
        config_path=config_path,
    )
    nlp = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
    initialize_pipeline(nlp, taxonomy)
    _freeze_gc()
    return nlp


def _freeze_gc() -> None:
    """Exempt the pattern tables (a million long-lived objects) from garbage collection.

    Without this every full collection re-scans them: a third of the matcher's time on a
    long run. New objects are collected as usual.
    """
    gc.collect()
    gc.freeze()


def skill_matcher(nlp: Language) -> SkillMatcher:
    """The pipeline's phrase matcher component."""
    for _, pipe in nlp.pipeline:
        if isinstance(pipe, SkillMatcher):
            return pipe
    raise ValueError("pipeline has no pathmatch_skill_matcher")


# ---------------------------------------------------------------------------- saving, loading


def save_pipeline(
    nlp: Language, path: Path | str, built_from: dict[str, Any] | None = None
) -> Path:
    """Write the whole pipeline (patterns, lemma table, linker, detector weights) to ``path``.

    Save a pipeline before it has processed any text: the vocabulary is saved with it, and
    it should hold the taxonomy's words, not anyone's notes. ``built_from`` (bundle hash,
    model versions) is written last, into :data:`BUILT_FROM`, marking the copy complete.
    """
    path = Path(path)
    nlp.to_disk(path)
    (path / BUILT_FROM).write_text(
        json.dumps({"format": FORMAT, **(built_from or {})}, indent=2, sort_keys=True)
    )
    return path


def load_pipeline(path: Path | str, *, kind: str | None = None) -> Language:
    """Load a pipeline saved by :func:`save_pipeline`; ``kind`` sets the kind's config.

    Raises :class:`PipelineError` (one line naming the path and the problem) when the copy
    is missing, partial or damaged.
    """
    path = Path(path)
    if not (path / BUILT_FROM).is_file():
        raise PipelineError(f"no complete saved pipeline at {path} ({BUILT_FROM} missing)")
    register_extensions()
    overrides = kind_overrides(kind) if kind else {}
    try:
        nlp = spacy.load(path, config=overrides)
    except Exception as exc:  # spaCy, NumPy, joblib and OS errors alike
        raise PipelineError(f"saved pipeline at {path} does not load: {_first_line(exc)}") from exc
    _freeze_gc()
    return nlp


def code_version() -> str:
    """Hash of this package's pipeline code and config: a saved pipeline built by other
    code (other guards, other serialization) is not reused."""
    digest = hashlib.sha256(spacy.about.__version__.encode())
    here = Path(__file__).parent
    # every module and config of the package: a new component file counts without a list
    for path in sorted([*here.glob("*.py"), *here.glob("*.cfg")]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def pipeline_key(built_from: dict[str, Any]) -> str:
    """The content address of a pipeline: what it is built from plus :func:`code_version`."""
    body = json.dumps({"format": FORMAT, "code": code_version(), **built_from}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()[:20]


_build_locks: dict[str, threading.Lock] = {}
_build_locks_guard = threading.Lock()


def cached_pipeline(
    cache_dir: Path | str, built_from: dict[str, Any], kind: str, build: Callable[[], Language]
) -> Language:
    """The pipeline for ``kind`` saved under ``cache_dir`` for ``built_from``, else built.

    ``built_from`` names everything the pipeline depends on (bundle hash, detector and
    linker versions); ``build()`` assembles it for kind ``posting``. One saved copy serves
    every kind (:func:`kind_overrides` at load). A copy that does not load is reported in
    the log, removed and rebuilt; a cache that cannot be written only costs the next
    process the build.
    """
    path = Path(cache_dir) / pipeline_key(built_from)
    with _build_locks_guard:
        lock = _build_locks.setdefault(str(path), threading.Lock())
    with lock:
        if path.exists():
            try:
                loaded = load_pipeline(path, kind=kind)
            except PipelineError as exc:
                log.warning("%s; rebuilding it", exc)
                shutil.rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):  # a read-only cache keeps its time stamps
                    os.utime(path)
                return loaded
        nlp = build()
        _save_atomically(nlp, path, built_from)
        _prune(Path(cache_dir), keep=KEEP_SAVED)
        return nlp if kind == "posting" else _load_or_keep(path, kind, nlp)


KEEP_SAVED = 4
"""Saved pipelines kept per cache (most recently used first): one per bundle and model
version in use, tens of MB each; older ones belong to replaced bundles or models."""


def _prune(cache_dir: Path, keep: int) -> None:
    """Remove all but the ``keep`` most recently used saved pipelines (best effort)."""
    try:
        entries = sorted(
            (p for p in cache_dir.iterdir() if p.is_dir() and not p.name.startswith(".")),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
    except OSError:
        return
    for old in entries[keep:]:
        shutil.rmtree(old, ignore_errors=True)


def _save_atomically(nlp: Language, path: Path, built_from: dict[str, Any]) -> None:
    """Save into a temporary sibling, then rename: readers never see a partial copy."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        save_pipeline(nlp, tmp, built_from)
        os.replace(tmp, path)
    except OSError as exc:  # read-only home, disk full, another process won the rename
        if not path.exists():
            log.warning(
                "could not save the skill pipeline to %s (%s); it is rebuilt next time", path, exc
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _load_or_keep(path: Path, kind: str, built: Language) -> Language:
    """The saved copy loaded for ``kind``; without one, the built pipeline re-configured."""
    try:
        return load_pipeline(path, kind=kind)
    except PipelineError:
        for dotted, value in kind_overrides(kind).items():
            _, name, key = dotted.split(".")
            setattr(built.get_pipe(name), key, value)
        return built
