"""Demand build time and peak memory: the real postings, and 100,000 replicated postings.

    .venv/bin/python experiments/bench_demand.py [--bundle /tmp/pm_real_bundle]
        [--titles /tmp/pm_titles] [--n 100000]

Each scenario runs in its own subprocess so that the process peak RSS (``ru_maxrss``) belongs
to that scenario alone. Figures reported per scenario:

- ``dedup s``: :func:`matching.market.dedup.find_duplicates` wall time;
- ``build s``: :func:`matching.market.demand.build_demand` wall time given that dedup result (pay,
  regions, counts, skills, OEWS/EP joins, score); ``total s`` is the sum;
- ``peak RSS MB``: the subprocess's ``ru_maxrss`` (everything: Python, numpy, polars'
  Rust heap, the loaded bundle tables);
- ``tracemalloc MB``: peak of Python- and numpy-allocated memory during dedup + build
  (polars' Rust allocations are invisible to tracemalloc, hence both figures).

Inputs, stated in the output:

- occupations: ``matching.nlp.titles.TitleNormalizer`` loaded from ``--titles`` when the module
  imports and a fitted model is there; otherwise a **stand-in**: the posting title, lower-cased,
  matched exactly against O*NET titles and alternate titles (unmatched -> ``unassigned``).
  Assignment time is not part of the build time.
- skills: a **stand-in** keyword matcher (a fixed list of 30 skill terms searched in the
  description), since the extraction pipeline is benchmarked separately.
- 100,000 postings: the real postings **replicated** (about 86 copies each) to measure
  scaling, each copy perturbed so deduplication has real work: a new id, a date, another
  real posting's city and state, five words deleted at a random position and a reference
  code appended. Copies keep their original's occupation and skills. Most copies are near
  duplicates of their original by construction, so the cluster count should stay close to
  the real data's.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import polars as pl

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from matching.ingest.bundle import Bundle  # noqa: E402
from matching.market.dedup import find_duplicates  # noqa: E402
from matching.market.demand import (  # noqa: E402
    build_demand,
    load_title_normalizer,
    occupations_from_titles,
)

SKILL_TERMS = (
    "python",
    "sql",
    "excel",
    "salesforce",
    "aws",
    "azure",
    "java",
    "javascript",
    "cpr",
    "bls",
    "epic",
    "forklift",
    "cdl",
    "quickbooks",
    "customer service",
    "project management",
    "scheduling",
    "inventory",
    "welding",
    "blueprint",
    "autocad",
    "tableau",
    "microsoft office",
    "data analysis",
    "communication",
    "leadership",
    "budget",
    "compliance",
    "sales",
    "marketing",
)


def assign_occupations(
    bundle: Bundle, postings: pl.DataFrame, titles_dir: Path
) -> tuple[pl.DataFrame, str]:
    normalizer = load_title_normalizer(titles_dir)
    if normalizer is not None:
        return (
            occupations_from_titles(postings, normalizer),
            f"matching.nlp.titles.TitleNormalizer from {titles_dir}",
        )
    names = [bundle.table("onet_occupations").select("onet_soc_code", pl.col("title").alias("t"))]
    if bundle.has("onet_alternate_titles"):
        names.append(
            bundle.table("onet_alternate_titles").select(
                "onet_soc_code", pl.col("alternate_title").alias("t")
            )
        )
    lookup = (
        pl.concat(names)
        .with_columns(pl.col("t").str.to_lowercase().str.strip_chars())
        .sort(["t", "onet_soc_code"])
        .unique("t", keep="first")
    )
    occ = (
        postings.select(
            "posting_id", pl.col("title").str.to_lowercase().str.strip_chars().alias("t")
        )
        .join(lookup, on="t")
        .select("posting_id", "onet_soc_code", pl.lit(1.0).alias("score"))
    )
    return occ, (
        f"STAND-IN (no fitted TitleNormalizer at {titles_dir}): exact title match "
        "against O*NET titles and alternate titles"
    )


def keyword_skills(postings: pl.DataFrame) -> pl.DataFrame:
    text = pl.col("description").fill_null("").str.to_lowercase()
    frames = [
        postings.filter(text.str.contains(term, literal=True)).select(
            "posting_id", pl.lit(term).alias("skill_id"), pl.lit(1.0).alias("score")
        )
        for term in SKILL_TERMS
    ]
    return pl.concat(frames)


def replicate(postings: pl.DataFrame, n: int, seed: int = 7) -> tuple[pl.DataFrame, pl.Series]:
    """``n`` perturbed copies of ``postings`` (see the module docstring) and, per copy, the
    posting id it was made from."""
    rng = np.random.default_rng(seed)
    source = rng.permutation(np.resize(np.arange(postings.height), n))
    base = postings[source]
    places = postings.select("city", "state")[rng.integers(0, postings.height, n)]
    descriptions = []
    for i, text in enumerate(base.get_column("description").fill_null("").to_list()):
        words = text.split()
        if len(words) > 20:
            cut = int(rng.integers(0, len(words) - 5))
            del words[cut : cut + 5]
        descriptions.append(" ".join(words) + f" Ref {i:06d}.")
    copies = base.with_columns(
        (pl.col("posting_id") + pl.Series([f"#r{i}" for i in range(n)])).alias("posting_id"),
        pl.Series("description", descriptions),
        places.get_column("city"),
        places.get_column("state"),
        pl.Series("date_posted", [f"2024-04-{1 + i % 28:02d}" for i in range(n)]),
    )
    return copies, base.get_column("posting_id")


def run_scenario(name: str, bundle_path: Path, titles_dir: Path, n: int) -> dict:
    bundle = Bundle(bundle_path)
    postings = bundle.table("postings")
    t = time.perf_counter()
    occ, occ_note = assign_occupations(bundle, postings, titles_dir)
    occ_seconds = time.perf_counter() - t
    skills = keyword_skills(postings)
    note = "real postings"
    if name == "replicated":
        copies, origin = replicate(postings, n)
        mapping = pl.DataFrame({"posting_id": copies.get_column("posting_id"), "_origin": origin})
        occ = mapping.join(occ.rename({"posting_id": "_origin"}), on="_origin").drop("_origin")
        skills = mapping.join(skills.rename({"posting_id": "_origin"}), on="_origin").drop(
            "_origin"
        )
        postings = copies
        note = f"{n:,} = real postings replicated and perturbed (scaling test, not real volume)"
    oews, ep = bundle.table("oews"), bundle.table("ep_projections")
    onet = bundle.table("onet_occupations")
    tracemalloc.start()
    t0 = time.perf_counter()
    dedup = find_duplicates(postings)
    t1 = time.perf_counter()
    result = build_demand(postings, occ, skills, oews, ep, dedup=dedup, onet_occupations=onet)
    t2 = time.perf_counter()
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "scenario": name,
        "note": note,
        "postings": postings.height,
        "clusters": result.report.dedup["clusters"],
        "rows": result.table.height,
        "skill_rows": result.skills_table.height,
        "dedup_s": t1 - t0,
        "build_s": t2 - t1,
        "total_s": t2 - t0,
        "peak_rss_mb": rss_mb,
        "tracemalloc_mb": traced_peak / 2**20,
        "occupations": occ_note,
        "occupation_assign_s": occ_seconds,
        "assigned": int(occ.get_column("posting_id").n_unique()),
        "report": result.report.lines(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--bundle",
        type=Path,
        default=Path(os.environ.get("PATHMATCH_BUNDLE", "/tmp/pm_real_bundle")),
    )
    parser.add_argument("--titles", type=Path, default=Path("/tmp/pm_titles"))
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--scenario", choices=("real", "replicated"))
    args = parser.parse_args()
    if args.scenario:
        print(json.dumps(run_scenario(args.scenario, args.bundle, args.titles, args.n)))
        return
    results = []
    for scenario in ("real", "replicated"):
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--scenario",
                scenario,
                "--bundle",
                str(args.bundle),
                "--titles",
                str(args.titles),
                "--n",
                str(args.n),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(
        f"occupations: {results[0]['occupations']} "
        f"({results[0]['assigned']} of {results[0]['postings']} real postings assigned, "
        f"{results[0]['occupation_assign_s']:.1f} s, not in the build time)"
    )
    print(f"skills: stand-in keyword matcher ({len(SKILL_TERMS)} terms)")
    for r in results:
        print(f"{r['scenario']}: {r['note']}")
    header = (
        f"{'scenario':<11} {'postings':>9} {'clusters':>9} {'rows':>6} {'dedup s':>8} "
        f"{'build s':>8} {'total s':>8} {'peak RSS MB':>12} {'tracemalloc MB':>15}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r['scenario']:<11} {r['postings']:>9,} {r['clusters']:>9,} {r['rows']:>6,} "
            f"{r['dedup_s']:>8.2f} {r['build_s']:>8.2f} {r['total_s']:>8.2f} "
            f"{r['peak_rss_mb']:>12.0f} {r['tracemalloc_mb']:>15.0f}"
        )
    print("\nreport (real postings):")
    print("\n".join("  " + line for line in results[0]["report"]))


if __name__ == "__main__":
    main()
