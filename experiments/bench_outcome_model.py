"""Benchmark: the program-outcome model's held-out metrics and training wall time.

Trains every task of training/configs/outcome_model.toml on a bundle of the real data
(grouped 5-fold CV by provider, the Ray-parallel search, MLflow runs and registration in a
throwaway PATHMATCH_HOME) and prints, per task, MAE / weighted MAE / Spearman on held-out
providers for LightGBM next to the CIP-family-mean and ridge baselines, plus the empirical
coverage of the prediction intervals.

Which data each number comes from:
- nj_employment: NJ ETPL outcomes by provider x CIP (outcomes_schcip.csv), label employed_q2
  (share employed in Q2 after exit), records with >= 5 completers (smaller ones suppressed);
- nj_earnings: the same file, avg_quarterly_wage_q2 (USD per quarter);
- scorecard_earnings: College Scorecard field-of-study file (2015-17 cohorts, certificates and
  associate degrees), P_MD_EARN_WNE median annual earnings (USD per year).

Run: `.venv/bin/python experiments/bench_outcome_model.py [--bundle DIR] [--config TOML]`.
The bundle defaults to /tmp/pm_real_bundle; without it, ../shared/data is imported first.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DEFAULT_BUNDLE = Path(os.environ.get("PATHMATCH_BUNDLE", "/tmp/pm_real_bundle"))
DEFAULT_CONFIG = REPO / "training" / "configs" / "outcome_model.toml"
SOURCES = {
    "nj_employment": "NJ ETPL outcomes (provider x CIP), employed_q2",
    "nj_earnings": "NJ ETPL outcomes (provider x CIP), avg_quarterly_wage_q2, USD/quarter",
    "scorecard_earnings": "College Scorecard FoS 2015-17, median_earnings, USD/year",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument("--json", type=Path, help="also write the full result here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pm-outcome-bench-") as home:
        os.environ["PATHMATCH_HOME"] = home
        os.environ.pop("MLFLOW_TRACKING_URI", None)
        bundle_dir = args.bundle
        if not (bundle_dir / "manifest.json").is_file():
            from matching.ingest.importer import import_bundle

            data = REPO.parent / "shared" / "data"
            print(f"{bundle_dir} not found: importing {data} first")
            bundle_dir = Path(home) / "bundle"
            import_bundle(data, bundle_dir)
        from training.outcome_model import format_report, train_outcome_model

        start = time.perf_counter()
        result = train_outcome_model(bundle_dir, args.config, progress=_progress)
        seconds = time.perf_counter() - start
    print()
    print(
        f"bundle {result['bundle_hash']} ({bundle_dir}); config {args.config.name}; "
        f"registered {result['name']} v{result['version']}"
    )
    print("held-out providers (grouped K-fold by provider; MAE in label units):")
    print(format_report(result))
    print()
    for task, report in result["tasks"].items():
        print(
            f"{task}: {SOURCES.get(task, report['description'])}; "
            f"{report['rows_labelled']} labelled of {report['rows_total']} rows "
            f"({report['rows_suppressed']} suppressed/missing), {report['providers']} "
            f"providers, {report['trials']} configs ({report['trials_failed']} failed), "
            f"best {json.dumps(report['best_params'], sort_keys=True)}"
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"wall time {seconds:.1f} s (Ray start, features, search, baselines, refit, "
        f"registration); driver peak RSS {peak_mb:,.0f} MB; {os.cpu_count()} CPUs"
    )
    if args.json:
        args.json.write_text(json.dumps({**result, "wall_seconds": seconds}, indent=2, default=str))


def _progress(stage: str, done: int, total: int) -> None:
    print(f"  {stage}: {done}/{total}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
