"""Kept-link floors chosen on a linker's own dev data (issue 14, item 2).

Floors are a property of the model they were chosen for: the score scale of a retrained
linker (new features, another training set, the demo's hand-written sentences) is not the
old one's, so floors chosen for one model keep too much or nothing with another. ``pathmatch
train nlp`` therefore chooses them right after fitting, on that linker's dev data run through
the pipeline it will serve in (the registered detector's spans, the matcher, the list-item
candidates), and saves them with the linker (``SkillLinker.floors_``, its ``config.json``);
the pipeline applies them (``LinkerComponent.active_floors``). ``experiments/
bench_abstention.py`` prints the same grid from the same functions.

What is measured on a dev set:

* ``fp/100``: kept links per 100 dev sentences that name no skill (every one is false);
* ``P``, ``R``: kept-link precision and recall (micro) on dev sentences with gold labels.

The pipeline runs once with every floor at 0 (every sentence ranked); each grid point (span
floor, sentence-only floor in a sentence with a candidate span, sentence-only floor in a
sentence without, :data:`REFUSE` = refused) is applied to those raw results as the component
and ``io.linked_skills`` apply it. Rule (:func:`choose`): at most :data:`MAX_FP100` false
links per 100 no-skill sentences and, among those points, the best recall at precision
>= :data:`MIN_PRECISION`; if no point has both, the most precise point with recall
>= :data:`MIN_RECALL` (the answer says so); failing that, the most precise point meeting
the false-link target, and failing that the quietest point.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matching.nlp.extraction import CANDIDATES_KEY
from matching.nlp.extraction.io import make_docs
from matching.nlp.extraction.matcher import normalize_text
from matching.nlp.extraction.pipeline import REFUSE, LinkerComponent

TOP_K = 20
MAX_FP100 = 10.0
MIN_PRECISION = 0.65
MIN_RECALL = 0.3
SPAN_FLOORS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)
SENTENCE_FLOORS = (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, REFUSE)
BARE_FLOORS = (0.7, 0.8, 0.9, 0.95, REFUSE)
TARGET = (
    f"<= {MAX_FP100:g} false kept links per 100 no-skill dev sentences and the best recall at "
    f"precision >= {MIN_PRECISION}"
)

Context = tuple[str, ...]


@dataclass
class DevSet:
    """Dev sentences for choosing floors: no-skill ones and labelled parts (with contexts)."""

    no_skill: list[str]
    parts: dict[str, list[tuple[str, frozenset[str]]]]
    contexts: dict[str, list[Context]] = field(default_factory=dict)
    description: str = ""

    def contexts_of(self, name: str, n: int) -> list[Context]:
        return self.contexts.get(name) or [()] * n


@dataclass
class Raw:
    """One sentence-document's raw linker results (every floor at 0)."""

    gold: frozenset[str]
    spans: list[list[tuple[str, float]]]  # each span's kept candidates (span_candidates)
    span_all: list[list[tuple[str, float]]]  # each span's full ranking (for the doc ranking)
    sentences: list[tuple[bool, list[tuple[str, float]]]]  # (has a span, its ranking)
    esco: set[str] = field(default_factory=set)


@dataclass
class Point:
    span: float
    sentence: float
    bare: float
    fp100: float
    precision: float
    recall: float
    by_part: dict[str, tuple[float, float]]

    def floors(self) -> dict[str, float]:
        return {"span": self.span, "sentence": self.sentence, "bare_sentence": self.bare}


@dataclass
class Choice:
    """The chosen point, why, every grid point and the dev set's description."""

    point: Point
    why: str
    points: list[Point]
    data: str

    def record(self) -> dict[str, Any]:
        """What the linker saves in ``fit_info['abstention']`` and its model card quotes."""
        p = self.point
        dev = {
            "fp_per_100_no_skill": round(p.fp100, 2),
            "precision": round(p.precision, 4),
            "recall": round(p.recall, 4),
        }
        for name, (pp, rr) in p.by_part.items():
            dev[f"{name}_precision"], dev[f"{name}_recall"] = round(pp, 4), round(rr, 4)
        return {"floors": p.floors(), "why": self.why, "target": TARGET, "data": self.data,
                "dev": dev}  # fmt: skip


def set_floors(nlp: Any, span: float, sentence: float, bare: float) -> LinkerComponent:
    """Give the pipeline's linker these floors (as chosen floors saved with it would be)."""
    component: LinkerComponent = nlp.get_pipe("linker")
    floors = {"span": span, "sentence": sentence, "bare_sentence": bare}
    if component.linker is not None:
        component.linker.floors_ = floors
    component.floors[component.policy] = dict(floors)
    return component


def raw_results(
    nlp: Any,
    texts: Sequence[str],
    golds: Sequence[frozenset[str]],
    contexts: Sequence[Context] | None = None,
) -> list[Raw]:
    """Run every text with all floors at 0; keep what the grid needs per document."""
    component = set_floors(nlp, 0.0, 0.0, 0.0)
    esco = set(component.linker.index_.positions()) if component.linker else set()
    out = []
    full: dict[tuple[str, Context], list[tuple[str, float]]] = {}
    docs = nlp.pipe(make_docs(nlp, texts, contexts), batch_size=64)
    for doc, gold in zip(docs, golds, strict=True):
        context = tuple(doc._.context_occupations or ())
        spans = list(doc.spans[CANDIDATES_KEY]) if CANDIDATES_KEY in doc.spans else []
        span_all = []
        for span in spans:
            # the full span ranking the doc ranking combined (span._.skills keeps the top few)
            key = (span.text, context)
            if key not in full:
                full[key] = component._rank_spans([span])[0]
            span_all.append(full[key])
        starts = [span.start for span in spans]
        sentences = [
            (
                any(sent.start <= at < sent.end for at in starts),
                component._rank_cached(
                    [(normalize_text(sent.text).text, (), context)], component.sentence_top_k
                )[0],
            )
            for sent in component._sentences(doc)
        ]
        out.append(Raw(gold, [list(s._.skills or []) for s in spans], span_all, sentences, esco))
    return out


def kept(raw: Raw, span_floor: float, sentence_floor: float, bare_floor: float) -> set[str]:
    """The kept set of one document at one grid point, as component + linked_skills do."""
    sentence: dict[str, float] = {}
    eligible: set[str] = set()
    for has_span, ranking in raw.sentences:
        floor = sentence_floor if has_span else bare_floor
        if floor >= REFUSE:
            continue  # not ranked at all
        for sid, score in ranking:
            sentence[sid] = max(score, sentence.get(sid, 0.0))
            if score >= floor:
                eligible.add(sid)
    span_scores: dict[str, list[float]] = {}
    for result in raw.span_all:
        for sid, score in result:
            span_scores.setdefault(sid, []).append(score)
    best_span = {sid for result in raw.spans for sid, _ in result}
    combined = {}
    for sid in set(span_scores) | set(sentence):
        prod = math.prod(1.0 - min(max(v, 0.0), 1.0) for v in span_scores.get(sid, []))
        combined[sid] = 1.0 - (1.0 - sentence.get(sid, 0.0)) * prod
    order = sorted(((s, v) for s, v in combined.items() if s in raw.esco), key=lambda x: -x[1])
    out = []
    for sid, value in order:
        if sid in best_span:
            if value >= span_floor:
                out.append(sid)
        elif sid in eligible and value >= sentence_floor:
            out.append(sid)
    return set(out[:TOP_K])


def evaluate(
    blank: list[Raw], parts: dict[str, list[Raw]], span: float, sentence: float, bare: float
) -> Point:
    fp = sum(len(kept(r, span, sentence, bare)) for r in blank)
    tp_all = n_kept_all = n_gold_all = 0
    by_part = {}
    for name, raws in parts.items():
        tp = n_kept = n_gold = 0
        for r in raws:
            found = kept(r, span, sentence, bare)
            tp += len(found & r.gold)
            n_kept += len(found)
            n_gold += len(r.gold)
        by_part[name] = (tp / n_kept if n_kept else 1.0, tp / n_gold if n_gold else 0.0)
        tp_all, n_kept_all, n_gold_all = tp_all + tp, n_kept_all + n_kept, n_gold_all + n_gold
    return Point(
        span,
        sentence,
        bare,
        100.0 * fp / max(len(blank), 1),
        tp_all / n_kept_all if n_kept_all else 1.0,
        tp_all / n_gold_all if n_gold_all else 0.0,
        by_part,
    )


def choose(points: list[Point]) -> tuple[Point, str]:
    """The rule of the module docstring; the string says which branch chose.

    On equal dev figures a point refusing bare sentences wins (it keeps the same links on
    dev and skips ranking the sentences with no span, most of a posting's: issue 14 item 7;
    the real linker's 0.95 tied refusing exactly); other ties keep the first point of the
    grid, as before."""
    quiet = [p for p in points if p.fp100 <= MAX_FP100]
    both = [p for p in quiet if p.precision >= MIN_PRECISION]
    if both:
        return max(both, key=lambda p: (p.recall, p.precision, -p.fp100, _refuses_bare(p))), (
            "both targets met"
        )
    recall = [p for p in quiet if p.recall >= MIN_RECALL]
    if recall:
        return max(recall, key=lambda p: (p.precision, p.recall, _refuses_bare(p))), (
            f"precision {MIN_PRECISION} unreachable at fp/100 <= {MAX_FP100:g}: the most "
            f"precise point with recall >= {MIN_RECALL}"
        )
    if quiet:
        return max(quiet, key=lambda p: (p.precision, p.recall, _refuses_bare(p))), (
            f"neither precision {MIN_PRECISION} nor recall {MIN_RECALL} reachable at fp/100 "
            f"<= {MAX_FP100:g}: the most precise point meeting the false-link target"
        )
    best = min(points, key=lambda p: (p.fp100, -p.recall, not _refuses_bare(p)))
    return best, f"no point reaches fp/100 <= {MAX_FP100:g}: the quietest point"


def _refuses_bare(point: Point) -> bool:
    return point.bare >= REFUSE


def grid(blank: list[Raw], parts: dict[str, list[Raw]]) -> list[Point]:
    return [
        evaluate(blank, parts, span, sentence, bare)
        for span, sentence, bare in itertools.product(SPAN_FLOORS, SENTENCE_FLOORS, BARE_FLOORS)
        if sentence <= bare
    ]


def raw_dev(nlp: Any, dev: DevSet) -> tuple[list[Raw], dict[str, list[Raw]]]:
    """The raw results of a dev set's no-skill sentences and labelled parts."""
    blank = raw_results(
        nlp,
        dev.no_skill,
        [frozenset()] * len(dev.no_skill),
        dev.contexts_of("no_skill", len(dev.no_skill)),
    )
    parts = {
        name: raw_results(
            nlp, [s for s, _ in rows], [g for _, g in rows], dev.contexts_of(name, len(rows))
        )
        for name, rows in dev.parts.items()
    }
    return blank, parts


def choose_floors(nlp: Any, dev: DevSet) -> Choice:
    """Choose the floors of the pipeline's linker on ``dev`` (the linker is left with the
    chosen floors set, as ``SkillLinker.floors_``)."""
    blank, parts = raw_dev(nlp, dev)
    points = grid(blank, parts)
    point, why = choose(points)
    set_floors(nlp, point.span, point.sentence, point.bare)
    return Choice(point, why, points, dev.description)


# ---------------------------------------------------------------------------- dev sets


def skillspan_no_skill(benchmarks: Path) -> list[str]:
    """SkillSpan dev sentences with no skill and no knowledge span."""
    out = []
    with open(benchmarks / "skillspan" / "json" / "dev.json", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            tags = row["tags_skill"] + row["tags_knowledge"]
            if all(t == "O" for t in tags) and row["tokens"]:
                out.append(" ".join(row["tokens"]))
    return out


def decorte_dev(
    benchmarks: Path, taxonomy: Any, dev_fraction: float, seed: int
) -> dict[str, list[tuple[str, frozenset[str]]]]:
    """HOUSE and TECH dev halves (the linker's split): (sentence, gold URIs) with gold."""
    from training.nlp.linker_data import DECORTE_DIR, read_decorte, split_sentences

    out = {}
    for name in ("house", "tech"):
        path = benchmarks / DECORTE_DIR / f"{name}_validation_annotations.csv"
        data = read_decorte(path, taxonomy)
        _, dev = split_sentences([e.sentence for e in data.sentences], dev_fraction, seed)
        out[name] = [(e.sentence, frozenset(e.gold)) for e in data.sentences if e.sentence in dev]
    return out


def real_dev_set(benchmarks: Path, taxonomy: Any, dev_fraction: float, seed: int) -> DevSet:
    """The real linker's floor dev data: SkillSpan dev no-skill sentences + Decorte dev."""
    blank = skillspan_no_skill(benchmarks)
    parts = decorte_dev(benchmarks, taxonomy, dev_fraction, seed)
    return DevSet(
        blank,
        parts,
        description=f"{len(blank)} SkillSpan dev sentences with no skill/knowledge span; "
        "Decorte HOUSE/TECH dev halves (linker split): "
        + ", ".join(f"{k} {len(v)} sentences" for k, v in parts.items()),
    )


def demo_dev_set(examples_path: Path, taxonomy: Any, dev_fraction: float, seed: int) -> DevSet:
    """The demo linker's floor dev data: the held-out part of the hand-written demo
    sentences (``train_demo_linker``'s split), no-skill ones and labelled ones, each with
    its document's context."""
    from training.nlp.linker_data import read_linker_examples, split_sentences

    examples = read_linker_examples(examples_path, taxonomy)
    _, dev = split_sentences([e.sentence for e in examples], dev_fraction, seed, by_hash=True)
    held = [e for e in examples if e.sentence in dev]
    blank = [e for e in held if not e.gold]
    labelled = [e for e in held if e.gold]
    return DevSet(
        [e.sentence for e in blank],
        {"demo": [(e.sentence, frozenset(e.gold)) for e in labelled]},
        {
            "no_skill": [tuple(e.context) for e in blank],
            "demo": [tuple(e.context) for e in labelled],
        },
        description=f"the held-out part of {examples_path.name} (dev fraction {dev_fraction}, "
        f"seed {seed}): {len(blank)} no-skill sentences, {len(labelled)} with skills, each "
        "with its document's context",
    )
