"""``GET /v1/sectors``: the region's career clusters ranked by what drives its labor market,
each with its training supply against openings (``matching.sectors``).

Query: ``region`` (state code), optional ``cluster`` (a cluster or sub-cluster name, any
case, or a part of one: "health"), ``level`` (``cluster`` or ``sub_cluster``). With a
cluster the answer adds the supply per occupation of that cluster. An unknown cluster is a
404 whose ``known`` lists the clusters; a region with neither postings nor programs is a
404 whose ``known`` lists the regions that have either.

``GET /v1/sectors/{cluster}/map?region=ST``: the cluster's career-pathway map (rungs, moves,
stackable steps, programs per rung, missing rungs; ``matching.sectors.ladder``), the JSON
``pathmatch pathway-map`` writes. Unknown cluster or a region with no programs: 404 with
``known``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import polars as pl
from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from matching.sectors.ladder import build_pathway_map
from matching.sectors.profile import SectorLookupError, build_sector_profile, resolve_cluster
from matching.sectors.supply import SMALL_N, occupation_supply, sector_supply
from serving.api.contract import error_responses, single_query_values
from serving.api.deps import EngineDep, Envelope, meta_of
from serving.api.errors import ApiError
from serving.api.routers.programs import Region

router = APIRouter(
    tags=["sectors"],
    dependencies=[Depends(single_query_values)],
    responses=error_responses(401, 404, 422, 503),
)
RANKING = (
    "by annual openings (regional when the state's OEWS rows are in the bundle, else "
    "national), then deduplicated postings, then in-demand score"
)
RULE = (
    "under-supplied when projected annual openings exceed the supply of trained workers "
    "(New Jersey's labor-demand rule); supply = ETPL completers per provider x CIP, else "
    f"College Scorecard IPEDS awards per year; counts under {SMALL_N} show as n<{SMALL_N} "
    "and suppressed ones as suppressed, never as 0"
)
Cluster = Annotated[
    str | None,
    Query(min_length=1, max_length=100, description="career cluster or sub-cluster name"),
]
Level = Annotated[Literal["cluster", "sub_cluster"], Query(description="one row per ...")]


class Supply(BaseModel):
    openings: float | None = Field(description="annual openings in the region")
    openings_basis: str | None
    supply: int | None = Field(description="trained workers per year; null unless known")
    supply_display: str = Field(description="the supply as shown: a number, n<10, ...")
    supply_status: str
    supply_source: str | None = Field(description="ETPL, Scorecard or both")
    ratio: float | None = Field(description="supply / openings")
    under_supplied: str = Field(description="yes | no | unknown")
    units: int = Field(description="provider x CIP outcome cells counted")
    programs: int


class Sector(BaseModel):
    rank: int
    cluster: str
    sub_cluster: str | None
    n_occupations: int
    postings_dedup: int
    postings_raw: int
    employment: float | None
    employment_source: str | None
    openings_regional: float | None
    openings_national: float | None
    openings_basis: str | None
    growth_pct: float | None
    median_wage: float | None
    in_demand_score: float | None
    top_skills: list[str]
    programs: int
    programs_by_cip: int
    programs_by_occupation: int
    supply: Supply | None


class OccupationSupply(Supply):
    soc2018_code: str
    title: str | None


class SectorsResponse(Envelope):
    region: str
    level: str
    cluster: str | None = Field(description="the cluster the request named, resolved")
    ranking: str = RANKING
    supply_rule: str = RULE
    sectors: list[Sector]
    occupations: list[OccupationSupply] = Field(
        default_factory=list, description="supply per occupation (with a cluster only)"
    )


def _supply(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in Supply.model_fields}


@router.get("/sectors", response_model=SectorsResponse, summary="Career clusters in a region")
def sectors(
    request: Request,
    engine: EngineDep,
    region: Region,
    cluster: Cluster = None,
    level: Level = "cluster",
) -> SectorsResponse:
    clusters_soc = (
        engine.bundle.table("career_clusters_soc")
        if engine.bundle.has("career_clusters_soc")
        else pl.DataFrame(schema={"cluster": pl.String, "sub_cluster": pl.String})
    )
    try:
        name = resolve_cluster(clusters_soc, cluster)[0] if cluster else None
    except SectorLookupError as exc:
        raise ApiError(
            404, "unknown career cluster; known lists the clusters", known=exc.valid
        ) from None
    inputs = engine.sector_inputs
    try:
        profile = build_sector_profile(inputs, region, level=level, cluster=cluster)
        supply = sector_supply(inputs, region, level=level, cluster=cluster)
        occupations = occupation_supply(inputs, region, cluster=cluster) if cluster else None
    except SectorLookupError as exc:
        raise ApiError(
            404,
            "no postings and no programs for the requested region; known lists the regions "
            "that have either",
            known=exc.valid,
        ) from None
    keyed = {(r["cluster"], r["sub_cluster"]): r for r in supply.iter_rows(named=True)}
    rows = [
        Sector(
            **{k: r[k] for k in Sector.model_fields if k != "supply"},
            supply=Supply(**_supply(keyed[(r["cluster"], r["sub_cluster"])]))
            if (r["cluster"], r["sub_cluster"]) in keyed
            else None,
        )
        for r in profile.iter_rows(named=True)
    ]
    per_occupation = [
        OccupationSupply(soc2018_code=r["soc2018_code"], title=r["title"], **_supply(r))
        for r in (occupations.iter_rows(named=True) if occupations is not None else [])
    ]
    return SectorsResponse(
        region=region.upper(),
        level=level,
        cluster=name,
        sectors=rows,
        occupations=per_occupation,
        meta=meta_of(engine, request),
    )


# ----------------------------------------------------------------------------- pathway map


class MapProgram(BaseModel):
    program_id: str
    name: str | None = None
    provider_name: str | None = None
    credential_type: str | None = None
    cost_total: float | None = None
    weeks_used: float | None = None
    employment_q2: float | None = Field(None, description="share employed, 2nd quarter")
    employment_q2_n: int | None = None
    median_earnings: float | None = Field(None, description="median quarterly earnings")
    median_earnings_n: int | None = None
    outcome_status: str | None = None


class MapRung(BaseModel):
    position: int = Field(description="ladder order, 1 = entry (job zone, then median wage)")
    soc2018_code: str
    title: str
    job_zone: int | None
    median_wage: float | None
    openings: float | None = Field(description="annual openings (regional, else national)")
    openings_basis: str
    job_zone_basis: str = Field(
        description="O*NET, EP education (the entry education's zone) or none"
    )
    programs: list[MapProgram]
    missing_program: bool = Field(description="openings and no program in the region")


class MapEdge(BaseModel):
    kind: Literal["move", "stack"]
    source: str = Field(description="SOC 2018 code of the lower rung")
    target: str
    weight: float | None = Field(description="move: CPS share of leavers (or ranker score)")
    rules: list[str] = Field(description="stack: the stackability rules")
    program_pairs: list[tuple[str, str]] = Field(description="stack: (from, to) program ids")


class MissingRungOut(BaseModel):
    kind: Literal["no_program", "no_stack_route"]
    soc2018_code: str
    target: str | None
    message: str


class PathwayMapResponse(Envelope):
    region: str
    cluster: str
    sub_cluster: str | None
    moves_basis: str
    rungs: list[MapRung]
    edges: list[MapEdge]
    missing: list[MissingRungOut]
    rules: dict[str, str]


@router.get(
    "/sectors/{cluster}/map",
    response_model=PathwayMapResponse,
    summary="A sector's career-pathway map in a region",
)
def sector_map(
    request: Request,
    engine: EngineDep,
    cluster: Annotated[str, Path(min_length=1, max_length=100)],
    region: Region,
) -> PathwayMapResponse:
    """The cluster's (or sub-cluster's) occupations as a ladder, with observed moves,
    stackable steps, the region's programs per rung and the missing rungs
    (``matching.sectors.ladder``). Unknown cluster: 404 listing the clusters; a region with
    no programs: 404 listing the regions that have some."""
    from serving.pathway_map_report import ladder_inputs  # matplotlib: loaded on first use

    if not engine.bundle.has("career_clusters_soc"):
        raise ApiError(404, "the bundle has no career clusters", known=[])
    try:
        resolve_cluster(engine.bundle.table("career_clusters_soc"), cluster)
    except SectorLookupError as exc:
        raise ApiError(
            404, "unknown career cluster; known lists the clusters", known=exc.valid
        ) from None
    inputs = ladder_inputs(engine.bundle, engine.catalog, lambda: engine.transitions)
    try:
        result = build_pathway_map(inputs, region, cluster)
    except SectorLookupError as exc:
        raise ApiError(
            404,
            "no programs listed for the requested region; known lists the regions with programs",
            known=exc.valid,
        ) from None
    return PathwayMapResponse(**result.to_dict(), meta=meta_of(engine, request))
