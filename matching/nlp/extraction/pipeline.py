"""Build the skill-extraction pipeline from ``config.cfg``, plus its two glue components.

``build_pipeline(taxonomy, detector_dir=..., linker_dir=..., kind=...)`` is the one way
to get a working :class:`spacy.language.Language`: ``spacy.blank("en")``'s tokenizer, the
registered components of this package, the trained detector sourced from its directory,
and the linker. ``config.cfg`` is the single description of the pipeline; this module
only fills in what is known at run time (paths, the kind, the detector's component names)
before ``spacy.util.load_model_from_config``, then builds the phrase patterns from the
taxonomy (a few seconds for ESCO + O*NET) and loads the lemma table.

Components defined here:

``pathmatch_detected_candidates``
    Copies the detector's ``doc.ents`` (``source = "ents"``) or a span group
    (``source = "spans:<key>"``) into ``doc.spans["skill_candidates"]`` with label
    ``DETECTED``, skipping boilerplate sections. A detected span overlapping exactly one
    ``TAXONOMY`` span is merged with it: the union of both extents, label ``TAXONOMY``
    and the taxonomy span's candidate ids (the detector's boundaries, the matcher's
    ids). One overlapping several taxonomy spans ("Python and Java") is dropped, since
    the taxonomy spans are more precise evidence.

``pathmatch_lexical_linker``
    The fallback when the learned linker (``pathmatch_linker`` in
    :mod:`matching.nlp.extraction.linker`) is not importable: each candidate span's skills
    are its matcher candidates scored by label-match quality (preferred label 1.0,
    alternative label or O*NET example 0.9, hidden 0.6); the document ranking scores a
    skill ``best * (1 - 0.5 ** count)`` over its spans (frequency times score).
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span
from thinc.api import Config

from matching.nlp.extraction import (
    CANDIDATES_KEY,
    DETECTED_LABEL,
    TAXONOMY_LABEL,
    pipe_in_batches,
    register_extensions,
)
from matching.nlp.extraction import matcher as _matcher  # noqa: F401  (registers factories)
from matching.nlp.extraction import sections as _sections  # noqa: F401
from matching.nlp.extraction.matcher import SkillMatcher
from matching.nlp.extraction.sections import KINDS, section_mask

CONFIG_PATH = Path(__file__).with_name("config.cfg")
DETECTOR_FACTORIES = frozenset({"ner", "spancat", "spancat_singlelabel", "tok2vec",
                                "span_finder", "transformer"})
"""Factories sourced from a detector pipeline (its tokenizer, sentencizer etc. are not)."""
LEXICAL_LINKER = "pathmatch_lexical_linker"
LEARNED_LINKER = "pathmatch_linker"

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------- components


class DetectedCandidates:
    """The ``pathmatch_detected_candidates`` component (see the module docstring)."""

    def __init__(self, name: str, source: str, labels: Sequence[str],
                 skip_sections: Sequence[str], max_tokens: int) -> None:
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
        detected = [s for s in self._detected(doc)
                    if (not self.labels or s.label_ in self.labels) and len(s) <= self.max_tokens
                    and s.text.strip()]
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
                merged = Span(doc, min(old.start, span.start), max(old.end, span.end),
                              label=TAXONOMY_LABEL)
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
    default_config={"source": "ents", "labels": [], "max_tokens": 12,
                    "skip_sections": ["benefits", "eeo", "company", "application", "noise"]},
)
def make_detected_candidates(nlp: Language, name: str, source: str, labels: list[str],
                             skip_sections: list[str], max_tokens: int) -> DetectedCandidates:
    return DetectedCandidates(name, source, labels, skip_sections, max_tokens)


class LexicalLinker:
    """The ``pathmatch_lexical_linker`` component (see the module docstring)."""

    def __init__(self, name: str, top_k: int) -> None:
        register_extensions()
        self.name = name
        self.top_k = top_k

    def __call__(self, doc: Doc) -> Doc:
        best: dict[str, float] = {}
        count: dict[str, int] = {}
        spans = doc.spans[CANDIDATES_KEY] if CANDIDATES_KEY in doc.spans else []
        for span in spans:
            ids = span._.candidate_ids or []
            scores = span._.candidate_scores or [1.0] * len(ids)
            skills = [(sid, float(score)) for sid, score in zip(ids, scores, strict=False)]
            span._.skills = skills[:self.top_k]
            for sid, score in skills:
                best[sid] = max(best.get(sid, 0.0), score)
                count[sid] = count.get(sid, 0) + 1
        ranked = [(sid, round(best[sid] * (1.0 - 0.5 ** count[sid]), 6)) for sid in best]
        ranked.sort(key=lambda x: (-x[1], not x[0].startswith("http"), x[0]))
        doc._.ranked_skills = ranked
        return doc

    def pipe(self, stream: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        return pipe_in_batches(self, stream, batch_size)


@Language.factory(LEXICAL_LINKER, assigns=["span._.skills", "doc._.ranked_skills"],
                  default_config={"top_k": 20})
def make_lexical_linker(nlp: Language, name: str, top_k: int) -> LexicalLinker:
    return LexicalLinker(name, top_k)


# ---------------------------------------------------------------------------- building


def learned_linker_available() -> bool:
    """Is ``pathmatch_linker`` registered (importing the linker module if needed)?"""
    if LEARNED_LINKER in Language.factories:
        return True
    try:
        import matching.nlp.extraction.linker  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - any failure means: use the fallback
        log.warning("learned linker unavailable (%s); using the lexical linker", exc)
        return False
    return LEARNED_LINKER in Language.factories


def pipeline_config(*, kind: str = "posting", detector_dir: Path | str | None = None,
                    linker_dir: Path | str | None = None,
                    config_path: Path | str = CONFIG_PATH) -> Config:
    """``config.cfg`` with the run-time parts filled in (see the module docstring)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")
    config = spacy.util.load_config(Path(config_path), interpolate=False)
    config["paths"]["linker"] = str(linker_dir) if linker_dir else None
    config["paths"]["detector"] = str(detector_dir) if detector_dir else None
    config["components"]["sectioner"]["kind"] = kind
    pipeline: list[str] = list(config["nlp"]["pipeline"])
    if "linker" in pipeline and config["components"]["linker"]["factory"] == LEARNED_LINKER \
            and not learned_linker_available():
        if linker_dir:
            log.warning("linker dir %s given but the learned linker is unavailable", linker_dir)
        top_k = config["components"]["linker"].get("top_k", 20)
        config["components"]["linker"] = {"factory": LEXICAL_LINKER, "top_k": top_k}
    if kind == "intake" and config["components"]["linker"]["factory"] == LEARNED_LINKER:
        # Intake notes are what participants wrote: a server keeps none of it in a cache.
        config["components"]["linker"]["cache_size"] = 0
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


def build_pipeline(taxonomy: Any, *, detector_dir: Path | str | None = None,
                   linker_dir: Path | str | None = None, kind: str = "posting",
                   config_path: Path | str = CONFIG_PATH) -> Language:
    """The extraction pipeline for ``kind``, with patterns built from ``taxonomy``.

    ``taxonomy`` is a :class:`matching.nlp.taxonomy.SkillTaxonomy` (or anything with its
    ``labels`` frame); None leaves the matcher empty (for :func:`load_pipeline`-style
    use where patterns come from disk).
    """
    register_extensions()
    config = pipeline_config(kind=kind, detector_dir=detector_dir, linker_dir=linker_dir,
                             config_path=config_path)
    nlp = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
    for _, pipe in nlp.pipeline:
        init = getattr(pipe, "ensure_initialized", None)
        if init is not None:
            init()
    if taxonomy is not None:
        skill_matcher(nlp).build(taxonomy)
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


def save_pipeline(nlp: Language, path: Path | str) -> Path:
    """Write the whole pipeline (patterns, lemma table, detector weights) to ``path``."""
    path = Path(path)
    nlp.to_disk(path)
    return path


def load_pipeline(path: Path | str, *, kind: str | None = None) -> Language:
    """Load a pipeline saved by :func:`save_pipeline`; ``kind`` overrides the sectioner's."""
    learned_linker_available()
    overrides = {"components.sectioner.kind": kind} if kind else {}
    nlp = spacy.load(Path(path), config=overrides)
    for _, pipe in nlp.pipeline:
        init = getattr(pipe, "ensure_initialized", None)
        if init is not None:
            init()
    _freeze_gc()
    return nlp


def skill_info(nlp: Language, skill_id: str) -> tuple[str, str]:
    """(preferred label, taxonomy) of a skill id as known to the pipeline's matcher."""
    info = skill_matcher(nlp).skill_info.get(skill_id)
    if info is not None:
        return info
    return skill_id, ("ESCO" if skill_id.startswith("http") else "O*NET")
