"""Abstention: choose the linker's kept-link floors on dev data, for a stated target.

What is measured (dev parts only; the test parts are held out):

* ``fp/100``: kept links per 100 SkillSpan dev sentences with no skill or knowledge span
  (``benchmarks/skillspan/json/dev.json``): every one is a false link (company blurbs,
  headers, benefits);
* ``P``, ``R``: kept-link precision and recall (micro) on the Decorte HOUSE/TECH dev halves
  (``training.nlp.linker_data.split_sentences`` with the linker config's dev fraction and
  seed: the sentences the linker did not train on); gold = the sentence's ESCO labels,
  over the dev sentences with at least one.

Every sentence is one document through the REAL learned pipeline, loaded as the Engine
builds it (the registered detector and linker champions of ``PATHMATCH_HOME``, the
bundle's taxonomy, ``build_pipeline``), cached under ``--cache``. The pipeline runs once
with every floor at 0 (every sentence ranked); each grid point (span floor, sentence-only
floor for a sentence with a candidate span, sentence-only floor for a sentence with none,
1.01 = refused) is then applied to those raw results exactly as the component and
``io.linked_skills`` apply it (the same combination, the same evidence rule), and the
chosen point is run again through the pipeline with its floors, so the printed figures are
those of the fast path the product runs (refused no-span sentences are not ranked).

Target: <= 10 false kept links per 100 no-skill sentences and, among the points meeting
it, the best recall at precision >= 0.65. The chosen floors go into ``config.cfg``
(``[components.linker.floors.learned]``, by hand) and, with these figures, into
``matching/nlp/extraction/abstention_dev.json`` (``--write``), which the linker's model card quotes.

Run: ``PATHMATCH_HOME=.bench nice .venv/bin/python experiments/bench_abstention.py --write``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from matching.nlp.extraction import CANDIDATES_KEY  # noqa: E402
from matching.nlp.extraction.io import linked_skills, skill_info_from  # noqa: E402
from matching.nlp.extraction.matcher import normalize_text  # noqa: E402
from matching.nlp.extraction.pipeline import (  # noqa: E402
    REFUSE,
    LinkerComponent,
    build_pipeline,
    cached_pipeline,
)

SHARED = Path(os.environ.get("PATHMATCH_SHARED_DATA", REPO.parent / "shared" / "data"))
BENCH = SHARED / "benchmarks"
OUT = REPO / "matching" / "nlp" / "extraction" / "abstention_dev.json"
TOP_K = 20
MAX_FP100 = 10.0
MIN_PRECISION = 0.65
SPAN_FLOORS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8)
SENTENCE_FLOORS = (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, REFUSE)
BARE_FLOORS = (0.7, 0.8, 0.9, 0.95, REFUSE)


@dataclass
class Raw:
    """One sentence-document's raw linker results (every floor at 0)."""

    gold: frozenset[str]
    spans: list[list[tuple[str, float]]]  # each span's kept candidates (span_candidates)
    span_all: list[list[tuple[str, float]]]  # each span's full ranking (for the doc ranking)
    sentences: list[tuple[bool, list[tuple[str, float]]]]  # (has a span, its ranking)
    esco: set[str] = field(default_factory=set)


def learned_pipeline(cache: Path) -> Any:
    """The posting pipeline with the registered detector and linker, as the Engine builds
    it (``serving/engine.py``), saved under ``cache`` (not the home: it stays read-only)."""
    from serving.engine import Engine

    engine = Engine.load()
    models = engine.models
    detector, linker = models.get("pathmatch-detector"), models.get("pathmatch-linker")
    if detector is None or linker is None:
        raise SystemExit("no registered detector and linker in PATHMATCH_HOME")
    built_from = {
        "bundle": engine.bundle.hash,
        "detector": f"{detector.label} run {detector.run_id}",
        "linker": f"{linker.label} run {linker.run_id}",
    }

    def build() -> Any:
        return build_pipeline(
            bundle_dir=engine.bundle.path, detector_dir=detector.path, linker_dir=linker.path
        )

    nlp = cached_pipeline(cache, built_from, "posting", build)
    return nlp, engine, f"{linker.label}, {detector.label}"


def no_skill_sentences() -> list[str]:
    """SkillSpan dev sentences with no skill and no knowledge span."""
    out = []
    with open(BENCH / "skillspan" / "json" / "dev.json", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            tags = row["tags_skill"] + row["tags_knowledge"]
            if all(t == "O" for t in tags) and row["tokens"]:
                out.append(" ".join(row["tokens"]))
    return out


def decorte_dev(taxonomy: Any) -> dict[str, list[tuple[str, frozenset[str]]]]:
    """HOUSE and TECH dev halves (the linker's split): (sentence, gold URIs) with gold."""
    from training.nlp.linker_data import DECORTE_DIR, read_decorte, split_sentences
    from training.nlp.train import load_config

    config = load_config(REPO / "training" / "configs" / "nlp.toml")["linker"]
    out = {}
    for name in ("house", "tech"):
        data = read_decorte(BENCH / DECORTE_DIR / f"{name}_validation_annotations.csv", taxonomy)
        _, dev = split_sentences(
            [e.sentence for e in data.sentences], config["dev_fraction"], config["seed"]
        )
        out[name] = [(e.sentence, frozenset(e.gold)) for e in data.sentences if e.sentence in dev]
    return out


def set_floors(nlp: Any, span: float, sentence: float, bare: float) -> LinkerComponent:
    component: LinkerComponent = nlp.get_pipe("linker")
    component.floors["learned"] = {"span": span, "sentence": sentence, "bare_sentence": bare}
    return component


def raw_results(nlp: Any, texts: Sequence[str], golds: Sequence[frozenset[str]]) -> list[Raw]:
    """Run every text with all floors at 0; keep what the grid needs per document."""
    component = set_floors(nlp, 0.0, 0.0, 0.0)
    esco = set(component.linker.index_.positions()) if component.linker else set()
    out = []
    full: dict[str, list[tuple[str, float]]] = {}
    for doc, gold in zip(nlp.pipe(texts, batch_size=64), golds, strict=True):
        spans = list(doc.spans[CANDIDATES_KEY]) if CANDIDATES_KEY in doc.spans else []
        span_all = []
        for span in spans:
            # the full span ranking the doc ranking combined (span._.skills keeps the top few)
            key = span.text
            if key not in full:
                full[key] = component._rank_spans([span])[0]
            span_all.append(full[key])
        starts = [span.start for span in spans]
        sentences = [
            (
                any(sent.start <= at < sent.end for at in starts),
                component._rank_cached(
                    [(normalize_text(sent.text).text, (), ())], component.sentence_top_k
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
    """The best recall among points with fp/100 <= 10 and P >= 0.65; else say what gives."""
    both = [p for p in points if p.fp100 <= MAX_FP100 and p.precision >= MIN_PRECISION]
    if both:
        return max(both, key=lambda p: (p.recall, p.precision, -p.fp100)), "both targets met"
    quiet = [p for p in points if p.fp100 <= MAX_FP100]
    if quiet:
        best = max(quiet, key=lambda p: (p.precision, p.recall))
        return best, (
            f"no point has P >= {MIN_PRECISION} with fp/100 <= {MAX_FP100}: the most precise "
            "point meeting the false-link target"
        )
    best = min(points, key=lambda p: (p.fp100, -p.recall))
    return best, f"no point reaches fp/100 <= {MAX_FP100}: the quietest point"


def fmt(value: float) -> str:
    return "refuse" if value >= REFUSE else f"{value:.2f}"


def print_table(points: list[Point], chosen: Point) -> None:
    print(f"{'span':>6}{'sent':>8}{'bare':>8}{'fp/100':>8}{'P':>7}{'R':>7}  house P/R  tech P/R")
    shown = sorted(points, key=lambda p: (p.span, p.sentence, p.bare))
    for p in shown:
        if p.sentence > p.bare:
            continue
        mark = "  <- chosen" if p is chosen else ""
        parts = "  ".join(f"{pp:.2f}/{rr:.2f}" for pp, rr in p.by_part.values())
        print(
            f"{fmt(p.span):>6}{fmt(p.sentence):>8}{fmt(p.bare):>8}{p.fp100:>8.1f}"
            f"{p.precision:>7.3f}{p.recall:>7.3f}  {parts}{mark}"
        )


def verify(
    nlp: Any, point: Point, texts: dict[str, list[str]], golds: dict[str, list[frozenset[str]]]
) -> dict[str, float]:
    """The chosen floors run through the pipeline and ``linked_skills`` (the fast path)."""
    set_floors(nlp, point.span, point.sentence, point.bare)
    info = skill_info_from(None, nlp)
    out: dict[str, float] = {}
    tp = n_kept = n_gold = 0
    started = time.process_time()
    n_docs = 0
    for name in texts:
        docs = list(nlp.pipe(texts[name], batch_size=64))
        n_docs += len(docs)
        links = [{link.id for link in linked_skills(d, info, top_k=TOP_K)} for d in docs]
        if name == "no_skill":
            out["fp100"] = 100.0 * sum(len(x) for x in links) / max(len(links), 1)
            continue
        tp += sum(len(x & g) for x, g in zip(links, golds[name], strict=True))
        n_kept += sum(len(x) for x in links)
        n_gold += sum(len(g) for g in golds[name])
    out["precision"] = tp / n_kept if n_kept else 1.0
    out["recall"] = tp / n_gold if n_gold else 0.0
    out["sentences_per_cpu_s"] = n_docs / (time.process_time() - started)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/pm/abstention/pipelines"))
    parser.add_argument("--limit", type=int, default=0, help="first N no-skill sentences")
    parser.add_argument("--write", action="store_true", help=f"write {OUT.name}")
    args = parser.parse_args(argv)
    nlp, engine, models = learned_pipeline(args.cache)
    blank_texts = no_skill_sentences()
    if args.limit:
        blank_texts = blank_texts[: args.limit]
    dev = decorte_dev(engine.taxonomy)
    print(
        f"{len(blank_texts)} SkillSpan dev sentences without skills; Decorte dev "
        + ", ".join(f"{k} {len(v)} sentences" for k, v in dev.items())
        + f"; models {models}",
        file=sys.stderr,
    )
    started = time.perf_counter()
    blank = raw_results(nlp, blank_texts, [frozenset()] * len(blank_texts))
    parts = {
        name: raw_results(nlp, [s for s, _ in rows], [g for _, g in rows])
        for name, rows in dev.items()
    }
    print(f"raw results in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    points = [
        evaluate(blank, parts, span, sentence, bare)
        for span, sentence, bare in itertools.product(SPAN_FLOORS, SENTENCE_FLOORS, BARE_FLOORS)
        if sentence <= bare
    ]
    today = evaluate(blank, parts, 0.3, 0.4, 0.4)
    chosen, why = choose(points)
    print(
        f"\nKept links on dev data (fp/100: per 100 no-skill SkillSpan dev sentences; P/R: "
        f"Decorte HOUSE+TECH dev halves, micro; top {TOP_K} per sentence)"
    )
    print_table(points, chosen)
    print(
        f"\nbefore (span 0.3, sentence 0.4, no-span sentence 0.4): fp/100 {today.fp100:.1f}, "
        f"P {today.precision:.3f}, R {today.recall:.3f}"
    )
    print(
        f"chosen ({why}): span {fmt(chosen.span)}, sentence {fmt(chosen.sentence)}, "
        f"no-span sentence {fmt(chosen.bare)}: fp/100 {chosen.fp100:.1f}, "
        f"P {chosen.precision:.3f}, R {chosen.recall:.3f}"
    )
    texts = {"no_skill": blank_texts, **{k: [s for s, _ in v] for k, v in dev.items()}}
    golds = {k: [g for _, g in v] for k, v in dev.items()}
    checked = verify(nlp, chosen, texts, golds)
    print(
        "through the pipeline at the chosen floors (linked_skills, refused sentences not "
        f"ranked): fp/100 {checked['fp100']:.1f}, P {checked['precision']:.3f}, "
        f"R {checked['recall']:.3f}, {checked['sentences_per_cpu_s']:.0f} sentences/CPU-s"
    )
    if args.write:
        record = {
            "floors": chosen.floors(),
            "why": why,
            "target": f"fp/100 <= {MAX_FP100} and best recall at P >= {MIN_PRECISION}",
            "models": models,
            "data": (
                f"{len(blank_texts)} SkillSpan dev sentences with no skill/knowledge span; "
                "Decorte HOUSE/TECH dev halves (linker split): "
                + ", ".join(f"{k} {len(v)} sentences" for k, v in dev.items())
            ),
            "command": "PATHMATCH_HOME=.bench .venv/bin/python experiments/bench_abstention.py",
            "dev": {
                "fp_per_100_no_skill": round(checked["fp100"], 2),
                "precision": round(checked["precision"], 4),
                "recall": round(checked["recall"], 4),
                **{
                    f"{k}_{m}": round(v, 4)
                    for k, (p, r) in chosen.by_part.items()
                    for m, v in (("precision", p), ("recall", r))
                },
            },
            "before": {
                "floors": {"span": 0.3, "sentence": 0.4, "bare_sentence": 0.4},
                "fp_per_100_no_skill": round(today.fp100, 2),
                "precision": round(today.precision, 4),
                "recall": round(today.recall, 4),
            },
        }
        OUT.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
        print(f"wrote {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
