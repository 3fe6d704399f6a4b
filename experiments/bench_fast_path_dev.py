"""Dev quality of the linker's cheap first stage: fewer lexical candidates reranked.

The pipeline's ``rank_candidates`` (``LinkerComponent``; 0 = the trained linker's own
``n_candidates``, 40 on the real linker) keeps only the best N lexical candidates per
source of each text before the pair features and LightGBM: the speed side is measured by
``bench_extraction_speed.py``; this prints the dev side, for each N given, on the linker
registered in ``--home`` (the home stays read-only):

* RP@5, RP@10, MRR on the Decorte HOUSE and TECH dev halves (the linker's split; whole
  sentences, no context, as ``train_linker`` reports them);
* kept links through the pipeline as the Engine builds it: false kept links per 100 SkillSpan
  dev sentences with no skill span, kept-link precision and recall on the Decorte dev
  halves, at the floors saved with the linker and at the floors the chooser
  (``training.nlp.abstention.choose``) would pick for that N.

Dev parts only (the test parts are held out). Run:
``nice -n 10 .venv/bin/python experiments/bench_fast_path_dev.py --home .bench --n 0,20``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from training.nlp import abstention  # noqa: E402
from training.nlp.linker_data import ranking_metrics  # noqa: E402

SHARED = Path(os.environ.get("PATHMATCH_SHARED_DATA", REPO.parent / "shared" / "data"))
BENCH = SHARED / "benchmarks"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--n", default="0,20", help="rank_candidates values (0: the model's)")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/pm/abstention/pipelines"))
    parser.add_argument("--no-kept", action="store_true", help="RP@K only (fast)")
    args = parser.parse_args(argv)
    os.environ["PATHMATCH_HOME"] = str(args.home)
    sys.path.insert(0, str(REPO / "experiments"))
    from bench_abstention import learned_pipeline  # the Engine's pipeline, cached

    from training.nlp.train import load_config

    nlp, engine, models = learned_pipeline(args.cache)
    component = nlp.get_pipe("linker")
    linker = component.linker
    saved = dict(linker.floors_ or {})
    config = load_config(REPO / "training" / "configs" / "nlp.toml")["linker"]
    dev = abstention.real_dev_set(BENCH, engine.taxonomy, config["dev_fraction"], config["seed"])
    print(f"models {models}; {dev.description}", file=sys.stderr)
    for n in [int(x) for x in args.n.split(",")]:
        started = time.process_time()
        line = [f"rank_candidates {n or linker.n_candidates}:"]
        for name, rows in dev.parts.items():
            ranked = linker.rank([s for s, _ in rows], 10, n_candidates=n or None)
            m = ranking_metrics([[s for s, _ in r] for r in ranked], [g for _, g in rows])
            line.append(f"{name} RP@5 {m['RP@5']:.3f} RP@10 {m['RP@10']:.3f} MRR {m['MRR']:.3f}")
        print("  ".join(line), flush=True)
        if args.no_kept:
            continue
        component.rank_candidates = n
        component._cache.clear()
        blank, parts = abstention.raw_dev(nlp, dev)
        at = abstention.evaluate(
            blank, parts, saved["span"], saved["sentence"], saved["bare_sentence"]
        )
        chosen, why = abstention.choose(abstention.grid(blank, parts))
        print(
            f"  kept at the saved floors {saved}: fp/100 {at.fp100:.1f}, P {at.precision:.3f}, "
            f"R {at.recall:.3f}; chooser ({why}): span {chosen.span:.2f} sentence "
            f"{chosen.sentence:.2f} bare {chosen.bare:.2f}: fp/100 {chosen.fp100:.1f}, "
            f"P {chosen.precision:.3f}, R {chosen.recall:.3f} "
            f"({time.process_time() - started:.0f} CPU s)",
            flush=True,
        )
        linker.floors_ = dict(saved)  # raw_dev set every floor to 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
