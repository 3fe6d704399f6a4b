"""``GET /v1/sectors``: the region's career clusters ranked by what drives its labor market,
each with its training supply against openings (``matching.sectors``).

Query: ``region`` (state code), optional ``cluster`` (a cluster or sub-cluster name, any
case, or a part of one: "health"), ``level`` (``cluster`` or ``sub_cluster``). With a
cluster the answer adds the supply per occupation of that cluster. An unknown cluster is a
404 whose ``known`` lists the clusters; a region with neither postings nor programs is a
404 whose ``known`` lists the regions that have either.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import polars as pl
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

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
