"""Benchmark: `pathmatch ingest-postings` (Ray Data) and `demand --postings` from its dataset.

Runs (each on a fresh output folder, a local Ray of 2 CPUs started by ``ray_session``):

1. **Real postings** (``../shared/data/postings``: 1,165 LinkedIn postings in two CSVs), with
   1 and 2 Ray workers: wall time, extraction throughput per worker (postings per busy
   second = per core, since a worker is one process on one core) and peak memory (RSS) per
   worker. ``--extraction`` picks the skill extraction: ``rules`` (taxonomy matcher; the
   default here) or ``learned`` (the registered detector + linker, ~3 postings/s per core).
   ``--learned-sample N`` also times the learned linker on the first N postings, 1 worker.
2. **A large corpus made by replicating and perturbing the real postings** (``--big N``,
   default 100,000): copy ``k`` of posting ``j`` drops ~3% of its description's words at
   random, changes every digit, its town and its id, so every copy is a near-duplicate of
   its original (recall is measured on these copies: a copy is found when it lands in its
   original's cluster). Written as Parquet files of 5,000 rows; ingested with extraction
   ``off`` (titles, sectioning, MinHash dedup; said in the output), with 2 workers, and with
   1 worker on the first 20% of the files for scaling (``--one-worker-share``; 0.05 was
   used at 1,000,000 so the whole run stays near an hour on 2 cores: the per-core rate
   comes from busy seconds, so a smaller share measures the same thing).
3. **Demand from the dataset** at both sizes (``demand_from_dataset`` in a fresh process:
   wall time and peak RSS), and for the real postings the usual load (bundle-style frames
   in memory) for comparison.

`.venv/bin/python experiments/bench_ingest_postings.py [--home DIR] [--big 100000]
[--one-worker-share 0.2]`
(--home: a copy of a PATHMATCH_HOME with a bundle; default a copy of .bench, else .demo).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import polars as pl  # noqa: E402

from matching.ingest.loaders.postings import load_postings  # noqa: E402

REAL = REPO.parent / "shared" / "data" / "postings"
TOWNS = ["Trenton", "Camden", "Paterson", "Edison", "Newark", "Elizabeth", "Clifton", "Toms River"]
# The scaling rows measure Ray workers: one local worker would otherwise run in this
# process without Ray (serving.ingest_postings.in_process).
os.environ.setdefault("PATHMATCH_INGEST_IN_PROCESS", "0")


def home_copy(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    source = REPO / ".bench" if (REPO / ".bench" / "READY").exists() else REPO / ".demo"
    dest = Path(tempfile.mkdtemp(prefix="bench_ingest_home_"))
    shutil.copytree(source, dest, dirs_exist_ok=True, symlinks=True)
    return dest


def run(input_spec: str, out: Path, workers: int, extraction: str, partition: int) -> dict:
    from serving.ingest_postings import IngestOptions, run_ingest

    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    summary = run_ingest(
        IngestOptions(
            input=input_spec,
            out=out,
            partition_size=partition,
            workers=workers,
            extraction=extraction,
            num_cpus=2,
        )
    )
    wall = time.perf_counter() - start
    busy = sum(w.busy_s for w in summary.workers.values())
    return {
        "workers": workers,
        "extraction": extraction,
        "postings": summary.postings,
        "wall_s": wall,
        "extract_s": summary.extract_s,
        "dedup_s": summary.dedup_s,
        "per_core_per_s": summary.postings / busy if busy else 0.0,
        "throughput_per_s": summary.postings / summary.extract_s if summary.extract_s else 0.0,
        "worker_peak_mb": [round(w.peak_rss_mb) for w in summary.workers.values()],
        "worker_postings": [w.postings for w in summary.workers.values()],
        "clusters": summary.clusters,
        "duplicates": summary.duplicates,
    }


def show(label: str, r: dict) -> None:
    print(
        f"{label}: {r['postings']:,} postings, {r['workers']} worker(s), extraction "
        f"{r['extraction']}: wall {r['wall_s']:.1f} s (extract stage {r['extract_s']:.1f} s incl. "
        f"actor start, dedup {r['dedup_s']:.1f} s); {r['throughput_per_s']:.1f} postings/s "
        f"end to end of the extract stage, {r['per_core_per_s']:.1f} postings/s per busy core; "
        f"peak RSS per worker {r['worker_peak_mb']} MB (postings {r['worker_postings']}); "
        f"{r['duplicates']} near-duplicates in {r['clusters']} clusters",
        flush=True,
    )


DEMAND_SCRIPT = """
import json, resource, sys, time
from pathlib import Path
from matching.ingest.bundle import Bundle
from matching.market.demand import demand_from_dataset
start = time.perf_counter()
result = demand_from_dataset(Path(sys.argv[1]), Bundle(Path(sys.argv[2])))
print(json.dumps({"seconds": time.perf_counter() - start, "rows": result.table.height,
    "skill_rows": result.skills_table.height, "postings": result.report.postings,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def demand_from(dataset: Path, bundle: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", DEMAND_SCRIPT, str(dataset), str(bundle)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def perturb(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    kept = [w for w in words if rng.random() > 0.03]
    digit = str(rng.randrange(10))
    return re.sub(r"\d", digit, " ".join(kept))


def make_big(n: int, folder: Path, rng: random.Random) -> pl.DataFrame:
    """``n`` postings: copies of the real ones, perturbed; returns (posting_id, base_id)."""
    base = load_postings(sorted(REAL.glob("*.csv"))).table.drop("_line", "source_file")
    rows = base.to_dicts()
    folder.mkdir(parents=True, exist_ok=True)
    truth = []
    batch: list[dict] = []
    part = 0
    for i in range(n):
        j = i % len(rows)
        src = rows[j]
        if i < len(rows):
            row = dict(src)
        else:
            row = dict(src)
            row["posting_id"] = f"copy:{i}"
            row["description"] = perturb(src["description"] or "", rng)
            row["city"] = rng.choice(TOWNS)
        truth.append((row["posting_id"], src["posting_id"]))
        batch.append(row)
        if len(batch) == 5000 or i == n - 1:
            pl.DataFrame(batch, schema=base.schema).write_parquet(
                folder / f"feed-{part:05d}.parquet"
            )
            batch, part = [], part + 1
    return pl.DataFrame(truth, schema={"posting_id": pl.String, "base_id": pl.String}, orient="row")


def recall(dataset: Path, truth: pl.DataFrame) -> tuple[float, int, int]:
    clusters = pl.read_parquet(dataset / "duplicate_clusters" / "*.parquet").select(
        "posting_id", "cluster_id"
    )
    copies = truth.filter(pl.col("posting_id") != pl.col("base_id"))
    joined = copies.join(clusters, on="posting_id", how="left").join(
        clusters.rename({"posting_id": "base_id", "cluster_id": "base_cluster"}),
        on="base_id",
        how="left",
    )
    found = joined.filter(pl.col("cluster_id") == pl.col("base_cluster")).height
    return found / copies.height if copies.height else 0.0, found, copies.height


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home")
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--extraction", default="rules")
    parser.add_argument("--learned-sample", type=int, default=0)
    parser.add_argument("--skip-real", action="store_true")
    parser.add_argument(
        "--one-worker-share",
        type=float,
        default=0.2,
        help="share of the big corpus's files the 1-worker scaling run ingests",
    )
    args = parser.parse_args()
    home = home_copy(args.home)
    os.environ["PATHMATCH_HOME"] = str(home)
    os.environ.pop("PATHMATCH_BUNDLE", None)
    os.environ.pop("MLFLOW_TRACKING_URI", None)
    bundle = home / "bundle"
    work = Path(tempfile.mkdtemp(prefix="bench_ingest_"))
    print(f"home {home} (bundle {bundle}); work folder {work}", flush=True)
    if not args.skip_real:
        for workers in (1, 2):
            r = run(str(REAL), work / f"real-{workers}", workers, args.extraction, 100)
            show("real", r)
        d = demand_from(work / "real-2", bundle)
        print(
            f"demand from the real dataset: {d['seconds']:.2f} s, peak RSS {d['peak_mb']:.0f} MB "
            f"({d['postings']} postings, {d['rows']} rows, {d['skill_rows']} skill rows)",
            flush=True,
        )
    if args.learned_sample:
        sample = work / "sample"
        sample.mkdir()
        t = load_postings(sorted(REAL.glob("*.csv"))).table.head(args.learned_sample)
        t.drop("_line", "source_file").write_parquet(sample / "sample.parquet")
        show("learned sample", run(str(sample), work / "sample-out", 1, "learned", 25))
    if args.big:
        rng = random.Random(0)
        start = time.perf_counter()
        truth = make_big(args.big, work / "big", rng)
        print(
            f"big corpus: {args.big:,} postings made by replicating and perturbing the 1,165 "
            f"real ones (~3% of words dropped, digits, town and id changed) in "
            f"{time.perf_counter() - start:.0f} s",
            flush=True,
        )
        files = sorted((work / "big").glob("*.parquet"))
        share = work / "big-share"
        share.mkdir()
        first = files[: max(1, round(len(files) * args.one_worker_share))]
        for f in first:
            os.link(f, share / f.name)
        r1 = run(str(share), work / "big1", 1, "off", 5000)
        show(
            f"big (first {len(first)} of {len(files)} files = {len(first) / len(files):.0%}, "
            "1-worker scaling run), extraction off",
            r1,
        )
        r2 = run(str(work / "big"), work / "big2", 2, "off", 5000)
        show("big, extraction off", r2)
        rate, found, copies = recall(work / "big2", truth)
        print(f"dedup recall on the perturbed copies: {found:,} of {copies:,} = {rate:.4f}")
        d = demand_from(work / "big2", bundle)
        print(
            f"demand from the big dataset: {d['seconds']:.2f} s, peak RSS {d['peak_mb']:.0f} MB "
            f"({d['postings']:,} postings, {d['rows']} rows)",
            flush=True,
        )


if __name__ == "__main__":
    main()
