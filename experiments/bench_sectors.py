"""Sector profile and supply on the real bundle: the tables, their time and peak memory.

    .venv/bin/python experiments/bench_sectors.py [--home /tmp/pm/sectors/bench_home]
        [--regions NJ NY] [--clusters "Healthcare & Human Services" "Advanced Manufacturing"]

``--home`` is a PATHMATCH_HOME whose ``bundle`` is the real import of ../shared/data
(``/work/main/.bench/bundle``, read-only; link it, do not copy). The engine there builds
the demand table (title normalizer: the registered one, else fitted from the bundle;
skills: the home's extraction pipeline) and the program catalog once; that set-up is timed
on its own line. A bundle imported before the career-clusters loader has no
``career_clusters_*`` tables: they are then read from ``--clusters-dir`` with the same
loader (``matching.ingest.loaders.clusters``) and the output says so.

Per region: the sector table (top 10 by the profile's ranking rule), and for each cluster
the sector supply row and the supply per occupation, with the wall time of each build and
the peak Python/numpy memory (tracemalloc; polars' Rust heap is not seen by it) and the
process peak RSS (``ru_maxrss``, everything loaded so far). The 2024-25 framework renamed
Health Science to "Healthcare & Human Services"; the names are the crosswalk's.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import polars as pl

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

SHOW = [
    "rank",
    "cluster",
    "postings_dedup",
    "employment",
    "employment_source",
    "openings_regional",
    "openings_national",
    "growth_pct",
    "median_wage",
    "in_demand_score",
    "programs",
    "top_skills",
]
SUPPLY = [
    "openings",
    "openings_national",
    "supply_display",
    "supply_status",
    "supply_source",
    "ratio",
    "under_supplied",
    "units",
    "programs",
]


def timed(label: str, build: Callable[[], Any]) -> Any:
    tracemalloc.start()
    start = time.perf_counter()
    out = build()
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"  [{label}: {seconds:.2f} s, tracemalloc peak {peak / 2**20:.1f} MB, "
        f"process peak RSS {rss:.0f} MB]"
    )
    return out


def inputs_from(engine: Any, clusters_dir: Path) -> Any:
    from matching.ingest.loaders.clusters import load_cip_clusters, load_soc_clusters

    if engine.bundle.has("career_clusters_soc"):
        return engine.sector_inputs
    print(f"bundle has no career_clusters tables: read from {clusters_dir} with the loader")
    soc = load_soc_clusters(sorted(clusters_dir.glob("SOC_Career_Clusters_Crosswalk*.xlsx")))
    cip = load_cip_clusters(sorted(clusters_dir.glob("CIP_Career_Clusters_Crosswalk*.xlsx")))
    from matching.sectors.profile import sector_inputs_from

    return sector_inputs_from(
        engine.bundle,
        engine.catalog.programs,
        engine.catalog.program_occupations,
        engine.demand.table,
        engine.demand.skills_table,
        clusters_soc=soc.table.drop("_line"),
        clusters_cip=cip.table.drop("_line"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", type=Path, default=Path("/tmp/pm/sectors/bench_home"))
    parser.add_argument("--clusters-dir", type=Path, default=REPO.parent / "shared/data/clusters")
    parser.add_argument("--regions", nargs="+", default=["NJ", "NY"])
    parser.add_argument(
        "--clusters", nargs="+", default=["Healthcare & Human Services", "Advanced Manufacturing"]
    )
    args = parser.parse_args()
    os.environ["PATHMATCH_HOME"] = str(args.home)
    os.environ.pop("PATHMATCH_BUNDLE", None)
    from matching.sectors.profile import build_sector_profile
    from matching.sectors.supply import occupation_supply, sector_supply
    from serving.engine import Engine

    pl.Config.set_tbl_cols(20)
    pl.Config.set_tbl_width_chars(220)
    pl.Config.set_fmt_str_lengths(70)
    pl.Config.set_tbl_rows(30)
    pl.Config.set_tbl_hide_dataframe_shape(True)
    engine = Engine.load(learned_extraction=False)
    print(f"bundle {engine.bundle.path} ({engine.bundle.hash})")
    base = timed("demand + catalog (once)", lambda: inputs_from(engine, args.clusters_dir))
    for note in dict.fromkeys(engine.notes):
        print(f"note: {note}")
    inputs = dataclasses.replace(base)
    for region in args.regions:
        print(f"\n== {region}: sectors, top 10 (rank: openings, then postings, then score)")
        profile = timed("profile", partial(build_sector_profile, inputs, region))
        shown = profile.with_columns(pl.col("top_skills").list.head(3).list.join("; "))
        print(shown.head(10).select(SHOW))
        supply = timed("sector supply", partial(sector_supply, inputs, region))
        for cluster in args.clusters:
            print(f"\n-- {region} {cluster}: supply against openings")
            print(supply.filter(pl.col("cluster") == cluster).select(SUPPLY))
            per_occupation = timed(
                "occupation supply", partial(occupation_supply, inputs, region, cluster=cluster)
            )
            print(per_occupation.head(12).select("soc2018_code", "title", *SUPPLY))
            counts = per_occupation.group_by("under_supplied").len().sort("under_supplied")
            print("  under_supplied:", dict(counts.iter_rows()))


if __name__ == "__main__":
    main()
