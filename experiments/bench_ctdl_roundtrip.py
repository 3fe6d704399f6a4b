"""CTDL round trip of a state's ETPL programs, and what the real CTDL samples yield.

    .venv/bin/python experiments/bench_ctdl_roundtrip.py [--bundle .bench/bundle] [--region NJ]
        [--samples ../shared/data/ctdl]

1. Export: the region's ``etpl_programs`` from the bundle, with the catalog's SOC targets and
   stackability edges, through ``matching.market.ctdl_export`` into one graph document and
   into a folder (one document per program).
2. Read back: ``matching.ingest.loaders.ctdl.read_ctdl`` on the graph document and, as a check,
   on the folder (the two must agree).
3. Per field: programs where the bundle has a value, and of those how many came back equal
   (**kept**; floats within a relative 1e-6, since durations are written with at most 6
   decimals), came back null (**lost**) or different (**changed**); **gained** counts values
   read where the bundle had none. ``soc_codes`` compares each program's set of SOC 2018
   codes, ``pathway_edges`` the set of (from, to) stackability pairs.
4. Time (wall, export and read, in a pass without tracemalloc) and memory: the process's peak
   RSS (``ru_maxrss``, includes the bundle tables and the catalog) and the tracemalloc peak
   during a first export + read.
5. Every file in ``--samples``, read on its own: records, programs kept, rejects, and for each
   program the fields it yields. The samples carry no state pathmatch can read (no
   jurisdiction, no availableAt region), so they are read with the caller's state 'ZZ'.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from matching.ingest.bundle import Bundle  # noqa: E402
from matching.ingest.loaders.ctdl import read_ctdl  # noqa: E402
from matching.ingest.loaders.etpl import PROGRAM_COLUMNS, PROGRAM_EXTRAS  # noqa: E402
from matching.market.ctdl_export import export_programs, write_ctdl  # noqa: E402
from matching.market.programs import catalog_from_bundle  # noqa: E402

FIELDS = [c for c in (*PROGRAM_COLUMNS, *PROGRAM_EXTRAS) if c != "program_id"]


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1e-6 * max(1.0, abs(a))
    return bool(a == b)


def compare(before: pl.DataFrame, after: pl.DataFrame) -> list[tuple[str, int, int, int, int, int]]:
    """(field, with value, kept, lost, changed, gained) per Program column."""
    rows_after = {r["program_id"]: r for r in after.to_dicts()}
    out = []
    for field in FIELDS:
        counts = {"value": 0, "kept": 0, "lost": 0, "changed": 0, "gained": 0}
        for r in before.to_dicts():
            a = r.get(field)
            b = rows_after.get(r["program_id"], {}).get(field)
            if a is None:
                counts["gained"] += b is not None
                continue
            counts["value"] += 1
            key = "lost" if b is None else "kept" if same(a, b) else "changed"
            counts[key] += 1
        c = counts
        out.append((field, c["value"], c["kept"], c["lost"], c["changed"], c["gained"]))
    return out


def set_row(name: str, before: dict[str, set], after: dict[str, set], ids: Sequence[str]) -> tuple:
    value = [p for p in ids if before.get(p)]
    kept = sum(before[p] == after.get(p, set()) for p in value)
    lost = sum(not after.get(p) for p in value)
    gained = sum(1 for p in ids if not before.get(p) and after.get(p))
    return (name, len(value), kept, lost, len(value) - kept - lost, gained)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=REPO / ".bench" / "bundle")
    parser.add_argument("--region", default="NJ")
    parser.add_argument("--samples", type=Path, default=REPO.parent / "shared/data/ctdl")
    args = parser.parse_args(argv)

    bundle = Bundle(args.bundle)
    catalog = catalog_from_bundle(bundle)
    programs = bundle.table("etpl_programs").filter(pl.col("state") == args.region)
    for column in PROGRAM_COLUMNS:  # a bundle imported before a column existed lacks it
        if column not in programs.columns:
            programs = programs.with_columns(pl.lit(None, pl.String).alias(column))
    titles = catalog.programs.select("program_id", "cip_title")
    ids = programs["program_id"].to_list()
    print(f"bundle {args.bundle}: {len(ids)} {args.region} ETPL programs")

    tmp = Path(tempfile.mkdtemp(prefix="pm_ctdl_"))
    source = programs.join(titles, on="program_id", how="left")

    def run() -> tuple[list[dict[str, Any]], Path, list[Path], Any, float, float]:
        t0 = time.perf_counter()
        nodes = export_programs(source, catalog.program_occupations, catalog.stackability)
        [graph] = write_ctdl(nodes, tmp / f"{args.region}_programs.json")
        folder = write_ctdl(nodes, tmp / "folder")
        t1 = time.perf_counter()
        read = read_ctdl([graph])
        return nodes, graph, folder, read, t1 - t0, time.perf_counter() - t1

    tracemalloc.start()  # a first pass for memory: tracemalloc slows Python code down
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    nodes, graph, folder, read, export_s, read_s = run()
    from_folder = read_ctdl(folder)

    after = read.programs.table
    same_folder = (
        after.drop("_line")
        .sort("program_id")
        .equals(from_folder.programs.table.drop("_line").sort("program_id"))
    )
    size = graph.stat().st_size / 1e6
    print(
        f"exported {len(nodes)} programs: {graph.name} {size:.2f} MB, {len(folder)} files in a "
        f"folder; read back {after.height} (graph) / {from_folder.programs.table.height} "
        f"(folder; same rows: {same_folder}); rejects on read: "
        f"{sum(r.severity == 'rejected' for r in read.programs.report.rejects)}"
    )

    table = compare(programs, after)
    po = catalog.program_occupations.filter(pl.col("program_id").is_in(ids))
    socs_before = {p: set(g["soc2018_code"]) for (p,), g in po.group_by("program_id")}
    socs_after = {p: set(g["soc_code"]) for (p,), g in read.occupations.group_by("program_id")}
    table.append(set_row("soc_codes", socs_before, socs_after, ids))
    edges = catalog.stackability.filter(
        pl.col("from_program_id").is_in(ids) & pl.col("to_program_id").is_in(ids)
    )
    before_edges = {(a, b) for a, b in edges.select("from_program_id", "to_program_id").iter_rows()}
    after_edges = set(read.links.select("from_program_id", "to_program_id").iter_rows())
    edge_kept = len(before_edges & after_edges)
    table.append(
        (
            "pathway_edges",
            len(before_edges),
            edge_kept,
            len(before_edges - after_edges),
            0,
            len(after_edges - before_edges),
        )
    )
    print(f"\n{'field':<32}{'value':>7}{'kept':>7}{'lost':>7}{'changed':>9}{'gained':>8}")
    for name, value, kept, lost, changed, gained in table:
        print(f"{name:<32}{value:>7}{kept:>7}{lost:>7}{changed:>9}{gained:>8}")
    fully = [r[0] for r in table if r[1] and r[2] == r[1]]
    lost_fields = [r[0] for r in table if r[3]]
    changed_fields = [r[0] for r in table if r[4]]
    print(
        f"\nkept in full: {len(fully)} fields; lost: {', '.join(lost_fields) or 'none'}; "
        f"changed: {', '.join(changed_fields) or 'none'}"
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"time: export {export_s:.2f} s (both shapes), read {read_s:.2f} s; "
        f"peak RSS {rss:.0f} MB (process, incl. bundle and catalog), "
        f"tracemalloc peak {peak / 1e6:.1f} MB (export + read)"
    )
    samples(args.samples)


def samples(folder: Path) -> None:
    files = sorted(folder.glob("*/*.json"))
    print(f"\nreal CTDL samples in {folder}: {len(files)} files (read with state 'ZZ')")
    for path in files:
        read = read_ctdl([path], default_state="ZZ")
        report = read.programs.report
        print(
            f"\n{path.parent.name}/{path.name}: {report.rows_read} records, "
            f"{report.rows_kept} programs"
        )
        socs = {p: sorted(g["soc_code"]) for (p,), g in read.occupations.group_by("program_id")}
        for r in read.programs.table.to_dicts():
            cost = {k[5:]: v for k, v in r.items() if k.startswith("cost_") and v is not None}
            print(
                f"  {r['program_id'][:15]} {r['credential_type']!s:<19} {r['name'][:48]!r}; "
                f"cip {r['cip_code']}, soc {socs.get(r['program_id'], [])}, cost {cost or '-'}, "
                f"weeks {r['weeks']}, hours {r['clock_hours']}, format {r['format']}, "
                f"provider {r['provider_id'][:15]} ({r['provider_name'] or 'unnamed'}), "
                f"prerequisites {'yes' if r['prerequisites'] else 'no'}"
            )
        for j in report.rejects:
            print(f"  [{j.severity}] record {j.line} ({j.record}) {j.field}: {j.reason}")


if __name__ == "__main__":
    main()
