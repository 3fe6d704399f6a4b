"""Benchmark: `pathmatch score` on 1,000, 50,000 and 500,000 participants: throughput, memory.

The caseload is made by resampling the demo caseload's rows with replacement (seed 0) and
giving each copy a new id, so it is 50,000 records of ~40 distinct fictional people: the
texts repeat, but every record is read and scored in full (nothing is de-duplicated or
cached across records), so the cost per record is that of a distinct person. It is written
as an intake CSV and goes through the same loader, Ray actors and merge as a real run.

Each run starts from an empty output folder and reports: wall time (loading, Ray start-up,
engine warm-up, scoring, merge and disparity summary), the scoring phase alone, participants
per second over the whole run, and peak memory: the largest sum of the resident memory of
this process and all its descendants (Ray's GCS, raylet and the worker actors), sampled
every 0.2 s with psutil (shared pages are counted in every process, so this over-counts),
plus this driver's own peak (ru_maxrss). Target: 50,000 in <= 10 minutes, <= 4 GB peak, on
this 2-core machine.

Sizes (``--sizes``, default 1,000, 50,000 and 500,000) run smallest first, each with every
worker count of ``--workers``; the cost per participant (wall and scoring phase) and peak
memory are printed per size so their growth is visible. A size is projected from the
largest one measured (its fixed costs, wall minus scoring phase, once, plus its scoring-phase
time per participant); when the projection exceeds ``--budget-s`` the size is not run and
its line says "EXTRAPOLATED, not run", with that wall time and the peak memory on the line
through the two largest measured sizes (the driver holds the validated input table,
which grows with the caseload; the engines do not).

Runs on a demo bundle with the demo models trained (detector, linker, titles, outcome); a
home without them is set up first (import, `train nlp --demo`, `train outcome`: minutes).
`.venv/bin/python experiments/bench_batch.py [--home DIR] [--sizes 1000,50000,500000]
[--workers 2] [--budget-s 1800]`
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "experiments"))

from bench_transitions import PeakRss  # noqa: E402

CASELOAD = REPO / "demo" / "data" / "participants" / "demo_caseload.csv"
DEFAULT_HOME = Path(os.environ.get("PATHMATCH_HOME", REPO / ".bench")) / "batch_demo"


def setup_home(home: Path) -> None:
    """A demo bundle and the demo models in ``home`` (skipped when already there)."""
    env = {**os.environ, "PATHMATCH_HOME": str(home), "PATHMATCH_BUNDLE": str(home / "bundle")}
    env.pop("MLFLOW_TRACKING_URI", None)
    cli = [sys.executable, "-m", "serving.cli"]
    steps = []
    if not (home / "bundle" / "manifest.json").is_file():
        steps.append(
            ["import", "--data", str(REPO / "demo" / "data"), "--out", str(home / "bundle")]
        )
    steps += [["train", "nlp", "--demo", "--if-missing"]]
    if not (home / "mlflow.db").is_file() or not _has_outcome_model(home):
        steps.append(["train", "outcome"])
    for step in steps:
        print(f"setup: pathmatch {' '.join(step)}", flush=True)
        subprocess.run(cli + step, cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL)


def _has_outcome_model(home: Path) -> bool:
    from matching.settings import Settings
    from training.registry import configure, try_resolve

    settings = Settings(home=home, bundle=home / "bundle")
    configure(settings)
    return try_resolve("pathmatch-outcome", settings) is not None


def make_caseload(path: Path, n: int, seed: int = 0) -> int:
    """``n`` rows resampled from the demo caseload with new ids; returns distinct sources."""
    with CASELOAD.open(newline="") as handle:
        reader = csv.DictReader(handle)
        header, rows = list(reader.fieldnames or []), list(reader)
    rng = random.Random(seed)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        for i in range(n):
            row = dict(rng.choice(rows))
            row["participant_id"] = f"BENCH-{i:06d}"
            writer.writerow(row)
    return len(rows)


def run(caseload: Path, out: Path, home: Path, workers: int, block_size: int) -> dict[str, Any]:
    from serving.batch import BatchOptions, run_batch

    stamps: dict[str, float] = {}

    def hook(stage: str, done: int, total: int) -> None:
        stamps.setdefault(stage.split(" ")[0], time.perf_counter())

    options = BatchOptions(
        input=caseload,
        output=out / "referrals.parquet",
        block_size=block_size,
        workers=workers,
        bundle=home / "bundle",
    )
    start = time.perf_counter()
    with PeakRss() as peak:
        summary = run_batch(options, hook)
    wall = time.perf_counter() - start
    scoring = stamps.get("merging", start + wall) - stamps.get("scoring", start)
    return {
        "wall": wall,
        "scoring": scoring,
        "scored": summary.participants_scored,
        "read": summary.participants_read,
        "peak_gb": peak.peak / 1e9,
        "driver_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9,
        "versions": ", ".join(f"{k} {v}" for k, v in summary.versions.items()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=DEFAULT_HOME)
    parser.add_argument("--sizes", default="1000,50000,500000")
    parser.add_argument("--workers", default="2")
    parser.add_argument("--block-size", type=int, default=500)
    parser.add_argument("--budget-s", type=float, default=1800.0)
    args = parser.parse_args()
    home = args.home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    setup_home(home)
    os.environ.update(PATHMATCH_HOME=str(home), PATHMATCH_BUNDLE=str(home / "bundle"))
    os.environ.pop("MLFLOW_TRACKING_URI", None)
    sizes = sorted(int(n) for n in args.sizes.split(","))
    print(
        f"caseloads: {', '.join(f'{n:,}' for n in sizes)} participants resampled with "
        f"replacement from the demo caseload rows (seed 0, new ids; texts repeat, each record "
        f"scored in full); block size {args.block_size}; machine: {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    measured: dict[int, list[dict[str, float]]] = {}
    r: dict[str, Any] = {}
    for n in sizes:
        for workers in (int(w) for w in args.workers.split(",")):
            done = [(m, x) for m, xs in measured.items() for x in xs if x["workers"] == workers]
            if done:
                m, last = max(done, key=lambda item: item[0])
                # fixed costs (reading, Ray start, warm-up, merge) once, scoring per participant
                projected = last["wall"] - last["scoring"] + n * last["scoring"] / m
                if projected > args.budget_s:
                    print(extrapolated(n, workers, projected, measured, workers), flush=True)
                    continue
            with tempfile.TemporaryDirectory(prefix="bench_batch_") as tmp:
                caseload = Path(tmp) / f"caseload_{n}.csv"
                distinct = make_caseload(caseload, n)
                r = run(caseload, Path(tmp) / "out", home, workers, args.block_size)
            r["workers"] = workers
            measured.setdefault(n, []).append(r)
            print(
                f"n={n:,} workers={workers}: {r['scored']:,}/{r['read']:,} scored in "
                f"{r['wall']:.1f} s wall ({r['read'] / r['wall']:.0f} participants/s, "
                f"{1000 * r['wall'] / r['read']:.2f} ms each; scoring phase "
                f"{r['scoring']:.1f} s, {r['read'] / max(r['scoring'], 1e-9):.0f}/s); peak "
                f"memory {r['peak_gb']:.2f} GB (driver + Ray processes), driver "
                f"{r['driver_gb']:.2f} GB; {distinct} distinct source rows; load "
                f"{os.getloadavg()[0]:.1f}",
                flush=True,
            )
    if r:
        print(f"models: {r['versions']}")


def extrapolated(
    n: int, workers: int, projected: float, measured: dict[int, list[dict[str, float]]], w: int
) -> str:
    """The line for a size not run: wall at the largest measured rate, memory on the line
    through the two largest measured sizes (one size measured: that size's peak)."""
    points = sorted(
        (m, x["peak_gb"], x["driver_gb"])
        for m, xs in measured.items()
        for x in xs
        if x["workers"] == w
    )[-2:]
    if len(points) == 2:
        (n0, p0, d0), (n1, p1, d1) = points
        peak = p1 + (p1 - p0) * (n - n1) / (n1 - n0)
        driver = d1 + (d1 - d0) * (n - n1) / (n1 - n0)
        memory = (
            f"peak memory ~{peak:.2f} GB, driver ~{driver:.2f} GB (linear through n={n0:,} "
            f"and n={n1:,})"
        )
    else:
        memory = f"peak memory at least {points[-1][1]:.2f} GB (one size measured)"
    return (
        f"n={n:,} workers={workers}: EXTRAPOLATED, not run (over --budget-s): "
        f"~{projected:.0f} s wall ({n / projected:.0f} participants/s: the largest measured "
        f"size's fixed costs (wall minus scoring phase) once plus its scoring-phase rate per "
        f"participant); {memory}"
    )


if __name__ == "__main__":
    main()
