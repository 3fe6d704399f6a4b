"""Benchmark: the transition ranker's search on 1 and on 2 Ray workers, and peak memory.

Builds the pair features and labels once from a bundle of the real data (959 O*NET-SOC
occupations, ~920k candidate pairs, CPS ASEC observed moves as labels), then runs the same
hyper-parameter search (configurations x grouped CV folds, each a Ray task and an MLflow run
in a throwaway PATHMATCH_HOME) twice: on a local Ray with 1 CPU and 1 task in flight, and
with 2 CPUs and 2 tasks in flight. Prints the wall time of each, the speed-up ratio, and
peak memory: this process (``ru_maxrss``) and the largest sum of the driver's and the Ray
workers' resident memory seen while the search ran (psutil, sampled every 0.2 s).

Speed-up below 2 on this 2-core machine is expected: Ray's start-up, the driver's MLflow
logging and other work on the machine are serial. Run:
`.venv/bin/python experiments/bench_transitions.py [--bundle DIR] [--configs N]`.
The bundle defaults to $PATHMATCH_BUNDLE or /tmp/pm_real_bundle; without one,
../shared/data is imported first.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DEFAULT_BUNDLE = Path(os.environ.get("PATHMATCH_BUNDLE", "/tmp/pm_real_bundle"))
DEFAULT_CONFIG = REPO / "training" / "configs" / "transitions.toml"


class PeakRss:
    """Largest total RSS of this process and all its descendants (Ray workers), sampled."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval, self.peak, self._stop = interval, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    continue
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _bundle(path: Path, home: str) -> Path:
    if (path / "manifest.json").is_file():
        return path
    from matching.ingest.importer import import_bundle

    data = REPO.parent / "shared" / "data"
    print(f"{path} not found: importing {data} first")
    out = Path(home) / "bundle"
    import_bundle(data, out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument(
        "--configs",
        type=int,
        default=4,
        help="configurations from the grid (each runs once per fold)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pm-transitions-bench-") as home:
        os.environ["PATHMATCH_HOME"] = home
        os.environ.pop("MLFLOW_TRACKING_URI", None)
        from matching.ingest.bundle import Bundle
        from matching.settings import get_settings
        from training.search import run_search, sample_grid
        from training.transition_model import load_config, prepare, rank_trial

        bundle = Bundle(_bundle(args.bundle, home))
        config = load_config(args.config)
        start = time.perf_counter()
        data, pairs, _ = prepare(bundle, config)
        prep = time.perf_counter() - start
        trials = [
            {**c, "fold": f}
            for c in sample_grid(config.grid, args.configs, config.seed)
            for f in range(len(data.folds))
        ]
        print(
            f"data: bundle {bundle.hash}, {data.counts['occupations']} occupations, "
            f"{pairs.height:,} candidate pairs, {int(data.sampled.sum()):,} training rows; "
            f"features + labels built in {prep:.1f} s"
        )
        print(
            f"search: {args.configs} configurations x {len(data.folds)} folds = "
            f"{len(trials)} Ray tasks, each one MLflow run"
        )
        walls: dict[int, float] = {}
        peaks: dict[int, int] = {}
        for workers in (1, 2):
            with PeakRss() as rss:
                start = time.perf_counter()
                results = run_search(
                    rank_trial,
                    trials,
                    experiment="bench-transitions",
                    parent_run_name=f"bench-{workers}-workers",
                    max_concurrency=workers,
                    num_cpus=workers,
                    data=data,
                    settings=get_settings(),
                )
                walls[workers] = time.perf_counter() - start
            peaks[workers] = rss.peak
            failed = sum(not r.ok for r in results)
            print(
                f"{workers} Ray worker(s): {walls[workers]:.1f} s wall, "
                f"peak RSS driver + workers {rss.peak / 2**20:,.0f} MB"
                + (f", {failed} trials FAILED" if failed else "")
            )
        print(f"speed-up 2 vs 1 workers: {walls[1] / walls[2]:.2f}x")
        self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory: {self_mb:,.0f} MB (this process, ru_maxrss)")


if __name__ == "__main__":
    main()
