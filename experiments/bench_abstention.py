"""Abstention: the kept-link grid of the registered linker on its dev data, with and
without the list-item candidates.

The floors themselves are chosen at training time (``pathmatch train nlp`` calls
``training.nlp.abstention.choose_floors`` on the linker it just fitted and saves them with
it); this benchmark runs the same functions on the registered models of ``PATHMATCH_HOME``
and prints every grid point, so the choice can be checked and the effect of a pipeline
change measured.

What is measured (dev parts only; the test parts are held out):

* ``fp/100``: kept links per 100 SkillSpan dev sentences with no skill or knowledge span
  (``benchmarks/skillspan/json/dev.json``): every one is a false link (company blurbs,
  headers, benefits);
* ``P``, ``R``: kept-link precision and recall (micro) on the Decorte HOUSE/TECH dev halves
  (the linker config's dev fraction and seed: the sentences the linker did not train on).

``--demo`` measures the demo linker instead, on the held-out part of
``demo/data/nlp/linker_examples.jsonl``. ``--no-list-items`` removes the
``pathmatch_list_items`` component (the candidate spans for enumerations) before running.
Every sentence is one document through the learned pipeline as the Engine builds it
(cached under ``--cache``, the home stays read-only). The chosen point is run again through
the pipeline with its floors (``linked_skills``, refused no-span sentences not ranked), so
the last line shows the fast path the product runs.

Run: ``PATHMATCH_HOME=.bench nice .venv/bin/python experiments/bench_abstention.py
[--demo] [--no-list-items]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from matching.nlp.extraction.io import linked_skills, make_docs, skill_info_from  # noqa: E402
from matching.nlp.extraction.pipeline import REFUSE, build_pipeline, cached_pipeline  # noqa: E402
from training.nlp import abstention  # noqa: E402
from training.nlp.abstention import TOP_K, DevSet, Point  # noqa: E402

SHARED = Path(os.environ.get("PATHMATCH_SHARED_DATA", REPO.parent / "shared" / "data"))
BENCH = SHARED / "benchmarks"


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


def fmt(value: float) -> str:
    return "refuse" if value >= REFUSE else f"{value:.2f}"


def print_table(points: list[Point], chosen: Point) -> None:
    names = "  ".join(f"{name} P/R" for name in (points[0].by_part if points else {}))
    print(f"{'span':>6}{'sent':>8}{'bare':>8}{'fp/100':>8}{'P':>7}{'R':>7}  {names}")
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


def verify(nlp: Any, point: Point, dev: DevSet) -> dict[str, float]:
    """The chosen floors run through the pipeline and ``linked_skills`` (the fast path)."""
    abstention.set_floors(nlp, point.span, point.sentence, point.bare)
    info = skill_info_from(None, nlp)
    out: dict[str, float] = {}
    tp = n_kept = n_gold = 0
    started = time.process_time()
    n_docs = 0
    sets = {"no_skill": [(t, frozenset[str]()) for t in dev.no_skill], **dev.parts}
    for name, rows in sets.items():
        texts = [t for t, _ in rows]
        docs = list(nlp.pipe(make_docs(nlp, texts, dev.contexts_of(name, len(texts)))))
        n_docs += len(docs)
        links = [{link.id for link in linked_skills(d, info, top_k=TOP_K)} for d in docs]
        if name == "no_skill":
            out["fp100"] = 100.0 * sum(len(x) for x in links) / max(len(links), 1)
            continue
        tp += sum(len(x & g) for x, (_, g) in zip(links, rows, strict=True))
        n_kept += sum(len(x) for x in links)
        n_gold += sum(len(g) for _, g in rows)
    out["precision"] = tp / n_kept if n_kept else 1.0
    out["recall"] = tp / n_gold if n_gold else 0.0
    out["sentences_per_cpu_s"] = n_docs / max(time.process_time() - started, 1e-9)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/pm/abstention/pipelines"))
    parser.add_argument("--limit", type=int, default=0, help="first N no-skill sentences")
    parser.add_argument("--demo", action="store_true", help="the demo linker's dev data")
    parser.add_argument("--no-list-items", action="store_true", help="without list items")
    parser.add_argument("--json", type=Path, help="write the chosen point's record here")
    args = parser.parse_args(argv)
    nlp, engine, models = learned_pipeline(args.cache)
    if args.no_list_items and "list_items" in nlp.pipe_names:
        nlp.remove_pipe("list_items")
    saved = dict(getattr(nlp.get_pipe("linker").linker, "floors_", None) or {})
    if args.demo:
        from training.nlp.train import DEMO_DEV_FRACTION, DEMO_LINKER_EXAMPLES, load_config

        seed = load_config(REPO / "training" / "configs" / "nlp.toml")["linker"]["seed"]
        dev = abstention.demo_dev_set(
            DEMO_LINKER_EXAMPLES, engine.taxonomy, DEMO_DEV_FRACTION, seed
        )
    else:
        from training.nlp.train import load_config

        config = load_config(REPO / "training" / "configs" / "nlp.toml")["linker"]
        dev = abstention.real_dev_set(
            BENCH, engine.taxonomy, config["dev_fraction"], config["seed"]
        )
    if args.limit:
        dev.no_skill = dev.no_skill[: args.limit]
    print(f"{dev.description}; models {models}; pipeline {nlp.pipe_names}", file=sys.stderr)
    started = time.perf_counter()
    blank, parts = abstention.raw_dev(nlp, dev)
    print(f"raw results in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    points = abstention.grid(blank, parts)
    chosen, why = abstention.choose(points)
    print(
        f"\nKept links on dev data (fp/100: per 100 no-skill dev sentences; P/R: labelled dev "
        f"sentences, micro; top {TOP_K} per sentence)"
    )
    print_table(points, chosen)
    if saved:
        at = abstention.evaluate(blank, parts, saved["span"], saved["sentence"],
                                 saved["bare_sentence"])  # fmt: skip
        print(
            f"\nfloors saved with the linker {saved}: fp/100 {at.fp100:.1f}, "
            f"P {at.precision:.3f}, R {at.recall:.3f}"
        )
    print(
        f"chosen here ({why}): span {fmt(chosen.span)}, sentence {fmt(chosen.sentence)}, "
        f"no-span sentence {fmt(chosen.bare)}: fp/100 {chosen.fp100:.1f}, "
        f"P {chosen.precision:.3f}, R {chosen.recall:.3f}"
    )
    checked = verify(nlp, chosen, dev)
    print(
        "through the pipeline at the chosen floors (linked_skills, refused sentences not "
        f"ranked): fp/100 {checked['fp100']:.1f}, P {checked['precision']:.3f}, "
        f"R {checked['recall']:.3f}, {checked['sentences_per_cpu_s']:.0f} sentences/CPU-s"
    )
    if args.json:
        record = abstention.Choice(chosen, why, points, dev.description).record()
        record["models"], record["pipeline"] = models, nlp.pipe_names
        args.json.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
