"""Sector table and career-pathway maps on the real bundle: time and peak memory of each.

    .venv/bin/python experiments/bench_pathway_map.py [--home /tmp/pm/pathway/bench_home]
        [--regions NJ NY] [--clusters "Healthcare & Human Services" "Advanced Manufacturing"]
        [--out /tmp/pm/pathway/maps] [--skills]

``--home`` is a PATHMATCH_HOME whose ``bundle`` is (a link to) the real import of
../shared/data (``/work/main/.bench/bundle``: read-only, link it, do not copy); the script
links it there when the home has no bundle. Postings in the real sample: CA 99, TX 70,
NY 55, NJ 36 (of 1,000; 239 without a state), so NY is the second state: it is also the one
(with WA) whose state OEWS extract the bundle holds, so its openings are regional, while NJ's
are national (no NJ OEWS rows).

Timed, each with wall time, the tracemalloc peak (Python/numpy; polars' Rust heap is not
seen) and the process peak RSS so far:

* set-up, once: the sector inputs: the demand table over the postings (occupations by the
  title normalizer, deduplicated) and the program catalog, without the skill pipeline (the
  table's top skills are then empty; ``--skills`` builds the engine's own, with the skill
  pipeline over every posting and program: tens of minutes on a loaded 2-core machine); the
  catalog without skills and
  the CPS moves for the maps (``serving.pathway_map_report.ladder_inputs``, what
  ``pathmatch pathway-map`` builds);
* per region: the sector table (``build_sector_profile``, all clusters) and the sector
  supply; per region x cluster: the pathway map (``build_pathway_map``) and writing its
  HTML + JSON + PNG. A region with no programs (NY: the bundle lists NJ's ETPL only) is
  refused by the map with the error the CLI prints; the rungs alone (``ladder_rungs``,
  the regional openings) are then timed instead.
"""

from __future__ import annotations

import argparse
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

BENCH_BUNDLE = REPO / ".bench" / "bundle"


def timed(label: str, build: Callable[[], Any]) -> Any:
    tracemalloc.start()
    start = time.perf_counter()
    try:
        out = build()
    finally:
        seconds = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"  [{label}: {seconds:.2f} s, tracemalloc peak {peak / 2**20:.1f} MB, "
            f"process peak RSS {rss:.0f} MB]",
            flush=True,
        )
    return out


def _home(home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    link = home / "bundle"
    if not link.exists():
        link.symlink_to(BENCH_BUNDLE)


def _map_line(result: Any) -> str:
    trained = sum(bool(r.programs) for r in result.rungs)
    kinds = [m.kind for m in result.missing]
    moves = sum(e.kind == "move" for e in result.edges)
    stacks = sum(e.kind == "stack" for e in result.edges)
    zones = sum(r.job_zone_basis == "EP education" for r in result.rungs)
    return (
        f"  {len(result.rungs)} rungs ({trained} with programs; {zones} zoned by EP education), "
        f"{moves} moves, {stacks} stackable steps; missing: "
        f"{kinds.count('no_program')} no_program, {kinds.count('no_stack_route')} no_stack_route"
    )


def openings_line(rungs: pl.DataFrame) -> str:
    """Rungs with openings and their sum, per basis (regional and national never summed)."""
    per = (
        rungs.filter(pl.col("openings") > 0)
        .group_by("openings_basis")
        .agg(pl.len(), pl.col("openings").sum())
        .sort("openings_basis")
    )
    return "; ".join(f"{b}: {n} with {total:,.0f} openings a year" for b, n, total in per.rows())


def plain_inputs(engine: Any) -> Any:
    """Sector inputs with the postings' demand (title normalizer -> occupations, deduplicated)
    but no skill pipeline: the sector table's figures except top skills."""
    from matching.market.demand import demand_from_bundle, occupations_from_titles
    from matching.market.programs import catalog_from_bundle
    from matching.sectors.profile import sector_inputs_from

    postings = engine.bundle.table("postings")
    demand = demand_from_bundle(engine.bundle, occupations_from_titles(postings, engine.titles))
    catalog = catalog_from_bundle(engine.bundle)
    return sector_inputs_from(
        engine.bundle,
        catalog.programs,
        catalog.program_occupations,
        demand.table,
        demand.skills_table,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", type=Path, default=Path("/tmp/pm/pathway/bench_home"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/pm/pathway/maps"))
    parser.add_argument("--regions", nargs="+", default=["NJ", "NY"])
    parser.add_argument(
        "--clusters", nargs="+", default=["Healthcare & Human Services", "Advanced Manufacturing"]
    )
    parser.add_argument(
        "--skills", action="store_true", help="run the skill pipeline (postings, programs)"
    )
    args = parser.parse_args()
    _home(args.home)
    os.environ["PATHMATCH_HOME"] = str(args.home)
    os.environ.pop("PATHMATCH_BUNDLE", None)
    from matching.market.programs import catalog_from_bundle
    from matching.sectors.ladder import build_pathway_map, ladder_rungs
    from matching.sectors.profile import SectorLookupError, build_sector_profile
    from matching.sectors.supply import sector_supply
    from serving.engine import Engine
    from serving.pathway_map_report import ladder_inputs, write_map

    pl.Config.set_tbl_cols(12)
    pl.Config.set_tbl_width_chars(200)
    pl.Config.set_fmt_str_lengths(40)
    pl.Config.set_tbl_hide_dataframe_shape(True)
    engine = Engine.load(learned_extraction=False)
    print(f"bundle {engine.bundle.path} ({engine.bundle.hash})", flush=True)
    if args.skills:
        sector = timed(
            "sector inputs: demand over postings with skills + catalog with skills (once)",
            lambda: engine.sector_inputs,
        )
    else:
        sector = timed(
            "sector inputs: demand over postings, no skills (once)", partial(plain_inputs, engine)
        )
        print(
            "  (postings -> occupations by the title normalizer; no skill pipeline: no top skills)"
        )
    catalog = timed(
        "map inputs: catalog without skills (once)", lambda: catalog_from_bundle(engine.bundle)
    )
    inputs = timed(
        "map inputs: CPS moves, job zones (once)", lambda: ladder_inputs(engine.bundle, catalog)
    )
    print(f"  moves: {inputs.moves_basis}, {inputs.moves.height:,} pairs")
    for region in args.regions:
        print(f"\n== {region}: sector table (all clusters)", flush=True)
        try:
            profile = timed("sector table", partial(build_sector_profile, sector, region))
            print(
                profile.head(8).select(
                    "rank",
                    "cluster",
                    "postings_dedup",
                    "openings_regional",
                    "openings_national",
                    "median_wage",
                    "programs",
                )
            )
            timed("sector supply", partial(sector_supply, sector, region))
        except SectorLookupError as exc:
            print(f"  refused: {exc}")
        for cluster in args.clusters:
            print(f"-- {region} {cluster}: pathway map", flush=True)
            try:
                result = timed("pathway map", partial(build_pathway_map, inputs, region, cluster))
            except SectorLookupError as exc:
                print(f"  refused (the CLI's exit-2 line): {exc}")
                rungs = timed(
                    "rungs only (regional openings)",
                    partial(ladder_rungs, inputs, region, cluster, None),
                )
                print(f"  {rungs.height} rungs; {openings_line(rungs)}")
                continue
            print(_map_line(result))
            folder = args.out / f"{region}_{cluster.split()[0].lower()}"
            timed("HTML + JSON + PNG", partial(write_map, result, folder))


if __name__ == "__main__":
    main()
