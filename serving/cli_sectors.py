"""``pathmatch sectors``: the region's career-cluster profile (and, with ``--supply``, the
training supply against openings) as rich tables, from the engine's demand and catalog.

Registered in ``serving.cli`` with one line; the tables come from ``matching.sectors``. The
CLI's helpers are imported when the command runs, since ``serving.cli`` imports this module.
An unknown region or cluster is one line naming what is known, exit 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

Region = Annotated[str, typer.Option("--region", help="state code, e.g. NJ")]
BundleIn = Annotated[
    Path | None,
    typer.Option(
        "--bundle", help="bundle folder [default: $PATHMATCH_BUNDLE or $PATHMATCH_HOME/bundle]"
    ),
]

Scored = Annotated[
    Path | None,
    typer.Option(
        "--scored",
        help="a `pathmatch score` output (referrals parquet): add who is referred into each "
        "sector, by group (needs --caseload)",
    ),
]
Caseload = Annotated[
    Path | None,
    typer.Option("--caseload", help="the caseload that output was scored from (CSV/JSONL/parquet)"),
]


def read_scored(scored: Path | None, caseload: Path | None) -> tuple[Any, Any] | None:
    """(referrals, participants table) for ``--scored`` / ``--caseload``, or None without
    them. A missing or unreadable file, a file that is no score output, or one option
    without the other: one line naming the file and the problem, exit 2 (no value of any
    participant is printed)."""
    import polars as pl

    from matching.sectors.served import ServedInputError, check_referrals
    from serving.batch import BatchError, read_caseload
    from serving.cli import fail

    if scored is None and caseload is None:
        return None
    if scored is None or caseload is None:
        raise fail("--scored and --caseload go together: the score output and the caseload it read")
    if not scored.is_file():
        raise fail(f"{scored}: no such file (--scored)")
    try:
        referrals = check_referrals(pl.read_parquet(scored), scored.name)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise fail(f"{scored.name}: not a readable parquet file ({type(exc).__name__})") from None
    except ServedInputError as exc:
        raise fail(str(exc)) from None
    try:
        people = read_caseload(caseload).table
    except BatchError as exc:
        raise fail(str(exc)) from None
    if not referrals.join(people, on="participant_id", how="semi").height:
        raise fail(
            f"{caseload.name}: none of the participants of {scored.name} is in it "
            "(participant_id): give the caseload that was scored"
        )
    return referrals, people


PROFILE_COLUMNS = [
    "rank",
    "cluster",
    "sub_cluster",
    "postings_dedup",
    "employment",
    "openings_regional",
    "openings_national",
    "growth_pct",
    "median_wage",
    "in_demand_score",
    "programs",
    "top_skills",
]
SUPPLY_COLUMNS = [
    "openings",
    "supply_display",
    "supply_status",
    "supply_source",
    "ratio",
    "under_supplied",
    "programs",
]
SERVED_COLUMNS = [
    "cluster",
    "participants",
    "top1_referred",
    "top1_share",
    "anyk_referred",
    "reference",
    "lowest_ratio",
    "lowest_group",
    "flagged",
    "reference_small",
]
SUPPLY_NOTE = (
    "supply: ETPL completers per provider x CIP (NumCompleted, read as per year) or "
    "Scorecard IPEDS awards per year; under-supplied = openings exceed supply (New Jersey's "
    "rule); n<10 and suppressed counts are never shown as 0"
)

Cluster = Annotated[
    str | None,
    typer.Option("--cluster", help="career cluster or sub-cluster name (any case, or a part)"),
]
SubClusters = Annotated[
    bool, typer.Option("--sub-clusters", help="one row per sub-cluster instead of cluster")
]
Supply = Annotated[
    bool, typer.Option("--supply", help="add supply against openings per sector/occupation")
]


def sectors_command(
    region: Region,
    cluster: Cluster = None,
    supply: Supply = False,
    sub_clusters: SubClusters = False,
    bundle: BundleIn = None,
    scored: Scored = None,
    caseload: Caseload = None,
) -> None:
    """Career clusters in a region: postings, openings, wages, growth, in-demand score, top
    skills and programs, ranked by annual openings (then postings, then score). With
    --scored and --caseload: who is referred into each cluster and its impact ratios."""
    import polars as pl

    from matching.sectors.profile import (
        SectorLookupError,
        build_sector_profile,
        resolve_cluster,
    )
    from matching.sectors.supply import occupation_supply, sector_supply
    from serving.cli import console, engine_for, fail, print_notes, render_frame

    given = read_scored(scored, caseload)
    engine = engine_for(bundle)
    if cluster is not None and engine.bundle.has("career_clusters_soc"):
        try:  # before the demand table is built: a typo costs no minute
            resolve_cluster(engine.bundle.table("career_clusters_soc"), cluster)
        except SectorLookupError as exc:
            raise fail(str(exc)) from None
    inputs = engine.sector_inputs
    print_notes(engine)
    level = "sub_cluster" if sub_clusters else "cluster"
    try:
        table = build_sector_profile(inputs, region, level=level, cluster=cluster)
        supply_table = sector_supply(inputs, region, level=level, cluster=cluster)
        occupations = occupation_supply(inputs, region, cluster=cluster) if cluster else None
    except SectorLookupError as exc:
        raise fail(str(exc)) from None
    shown = table.with_columns(pl.col("top_skills").list.join("; "))
    title = f"sectors in {region.upper()}" + (f": {cluster}" if cluster else "")
    render_frame(shown, title, PROFILE_COLUMNS)
    if supply:
        render_frame(
            supply_table, "supply against openings", ["cluster", "sub_cluster", *SUPPLY_COLUMNS]
        )
        if occupations is not None:
            render_frame(
                occupations, "supply per occupation", ["soc2018_code", "title", *SUPPLY_COLUMNS]
            )
        console().print(SUPPLY_NOTE, soft_wrap=True, highlight=False)
    if given is not None:
        from matching.sectors.served import RULE, sectors_served

        names = table.get_column("cluster").unique(maintain_order=True).to_list()
        served = sectors_served(
            *given,
            inputs.program_occupations,
            inputs.clusters_soc,
            region,
            names,
        )
        render_frame(
            served, "who the pathways serve (top-1 referral into the cluster)", SERVED_COLUMNS
        )
        console().print(
            RULE + "; reference_small: no group of n >= 30, ratios indicative",
            soft_wrap=True,
            highlight=False,
        )
    console().print(
        "sectors: Advance CTE National Career Clusters; openings: BLS EP 2024-34 (regional = "
        "national x state share of OEWS employment); wages and employment: OEWS",
        soft_wrap=True,
        highlight=False,
    )
