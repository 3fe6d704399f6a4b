"""``pathmatch pathway-map``: a sector's career-pathway map in a region (rungs by job zone
and wage, observed moves, stackable credentials, the region's programs at each rung and the
missing rungs), written as a self-contained HTML report, JSON and PNG
(``serving.pathway_map_report``; the map is ``matching.sectors.ladder``).

Registered in ``serving.cli`` with one line. The programs come from the bundle's catalog
without skills (the map lists cost, weeks and outcomes, not skills taught), so the command
runs no skill pipeline. An unknown cluster or a region with no programs is one line naming
what is known, exit 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from serving.cli_sectors import BundleIn, Caseload, Region, Scored, read_scored

ClusterName = Annotated[
    str, typer.Option("--cluster", help="career cluster or sub-cluster name (any case, or a part)")
]
OutDir = Annotated[Path, typer.Option("--out", help="folder for pathway_map.html/.json/.png")]


def pathway_map_command(
    region: Region,
    cluster: ClusterName,
    out: OutDir,
    bundle: BundleIn = None,
    scored: Scored = None,
    caseload: Caseload = None,
) -> None:
    """A sector's career-pathway map: rungs entry -> advanced, moves, stackable steps, the
    region's programs per rung, and missing rungs (openings with no program; a move with no
    stackable route). With --scored and --caseload: who the pathways serve (referred into
    the sector by group, impact ratios as in the disparity summary)."""
    from matching.market.programs import catalog_from_bundle
    from matching.sectors.ladder import build_pathway_map
    from matching.sectors.profile import SectorLookupError, resolve_cluster
    from matching.sectors.served import who_is_served
    from serving.cli import engine_for, fail, print_notes, stage_progress, stdout
    from serving.pathway_map_report import ladder_inputs, write_map

    engine = engine_for(bundle)
    if not engine.bundle.has("career_clusters_soc"):
        raise fail(f"bundle {engine.bundle.path} has no career clusters: re-run `pathmatch import`")
    try:  # before the catalog is built: a typo costs nothing
        resolve_cluster(engine.bundle.table("career_clusters_soc"), cluster)
    except SectorLookupError as exc:
        raise fail(str(exc)) from None
    given = read_scored(scored, caseload)
    progress, hook = stage_progress()
    try:
        with progress:
            hook("program catalog", 0, 3)
            catalog = catalog_from_bundle(engine.bundle)
            hook("ladder: rungs, moves, stackable steps", 1, 3)
            inputs = ladder_inputs(engine.bundle, catalog, lambda: engine.transitions)
            result = build_pathway_map(inputs, region, cluster)
            served = None
            if given is not None:
                served = who_is_served(
                    *given,
                    catalog.program_occupations,
                    inputs.sector.clusters_soc,
                    result.region,
                    result.cluster,
                    result.sub_cluster,
                    [r.soc2018_code for r in result.rungs],
                )
            hook("writing the map", 2, 3)
            paths = write_map(result, out, served)
    except SectorLookupError as exc:
        raise fail(str(exc)) from None
    print_notes(engine)
    say = stdout().print
    moves = sum(e.kind == "move" for e in result.edges)
    stacks = sum(e.kind == "stack" for e in result.edges)
    say(
        f"{result.cluster} in {result.region}: {len(result.rungs)} rungs, {moves} observed "
        f"moves ({result.moves_basis}), {stacks} stackable steps",
        soft_wrap=True,
        highlight=False,
    )
    for r in result.rungs:
        programs = ", ".join(str(p["name"]) for p in r.programs) or "no program"
        say(
            f"  {r.position}. {r.title} (zone {r.job_zone}): {programs}",
            soft_wrap=True,
            highlight=False,
        )
    say(f"missing rungs: {len(result.missing)}", highlight=False)
    for m in result.missing:
        say(f"  {m.kind}: {m.message}", soft_wrap=True, highlight=False)
    if served is not None:
        flagged = served.flagged()
        say(
            f"who the pathways serve: {served.top1_referred} of {served.participants} scored "
            f"participants have a top-1 referral into the sector ({served.anyk_referred} any "
            f"top-k); groups flagged below four-fifths: {flagged.height}"
            + (
                " ("
                + ", ".join(f"{f}: {g}" for f, g in flagged.select("field", "group").iter_rows())
                + ")"
                if flagged.height
                else ""
            ),
            soft_wrap=True,
            highlight=False,
        )
        for note in served.notes:
            say(f"  note: {note}", soft_wrap=True, highlight=False)
    say(f"wrote {paths.html}, {paths.json}, {paths.png}", soft_wrap=True, highlight=False)
