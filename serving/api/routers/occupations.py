"""``GET /v1/occupations/{code}``: what a case manager needs to know about one occupation.

``code`` is an O*NET-SOC code (``29-2061.00``) or a SOC 2018 code (``29-2061``, answered
with its first O*NET occupation, all of them listed in ``onet_codes``). The answer joins the
bundle's O*NET description and job zone, OEWS wages (national and state rows, detailed or
broad), the BLS projection, regional demand rows and skills requested from the engine's
demand table, and O*NET related occupations. An unknown code answers 404 with the nearest
known codes.
"""

from __future__ import annotations

from typing import Annotated, Any

import polars as pl
from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from serving.api.contract import error_responses, single_query_values
from serving.api.deps import EngineDep, Envelope, meta_of
from serving.api.errors import ApiError
from serving.engine import Engine

router = APIRouter(
    tags=["occupations"],
    dependencies=[Depends(single_query_values)],
    responses=error_responses(401, 404, 422, 503),
)
CODE_PATTERN = r"^\d{2}-\d{4}(\.\d{2})?$"
SUGGESTED = 10
TOP_SKILLS = 15
WAGE_COLUMNS = [
    "area",
    "area_title",
    "prim_state",
    "occ_code",
    "o_group",
    "tot_emp",
    "h_median",
    "a_mean",
    "a_pct10",
    "a_pct25",
    "a_median",
    "a_pct75",
    "a_pct90",
    "year",
]
PROJECTION_COLUMNS = [
    "soc_code",
    "emp_base_k",
    "emp_proj_k",
    "emp_change_pct",
    "annual_openings_k",
    "median_annual_wage",
    "entry_education",
    "work_experience",
    "on_the_job_training",
    "base_year",
    "proj_year",
]
DEMAND_COLUMNS = [
    "region",
    "region_level",
    "onet_soc_code",
    "postings_raw",
    "postings_dedup",
    "dedup_ci_low",
    "dedup_ci_high",
    "pay_hourly_median",
    "pay_annual_median",
    "oews_h_median",
    "ep_growth_pct",
    "ep_annual_openings",
    "in_demand_score",
]

Row = dict[str, Any]


class RelatedOccupation(BaseModel):
    onet_soc_code: str
    title: str | None
    tier: str | None = Field(description="O*NET relatedness tier, e.g. Primary-Short")


class RequestedSkill(BaseModel):
    region: str
    skill_id: str
    label: str | None
    share: float = Field(description="share of deduplicated postings asking for it")
    postings_with_skill: int


class OccupationResponse(Envelope):
    code: str = Field(description="the code as requested")
    onet_soc_code: str
    onet_codes: list[str] = Field(description="all O*NET-SOC codes under the SOC code")
    soc2018_code: str | None
    title: str
    description: str | None
    job_zone: int | None
    wages: list[Row] = Field(description="OEWS rows (national, state), detailed or broad")
    projections: Row | None = Field(description="BLS Employment Projections row")
    demand: list[Row] = Field(description="regional demand rows from the bundle's postings")
    top_skills: list[RequestedSkill]
    related: list[RelatedOccupation]


Code = Annotated[
    str,
    Path(
        pattern=CODE_PATTERN,
        description="O*NET-SOC or SOC 2018 code",
        examples=["29-2061.00", "29-2061"],
    ),
]
RegionFilter = Annotated[
    str | None,
    Query(max_length=16, description="only this region's demand rows and skills, e.g. NJ"),
]


@router.get(
    "/occupations/{code}",
    response_model=OccupationResponse,
    summary="One occupation: wages, projections, demand, skills, related",
)
def occupation(
    code: Code, request: Request, engine: EngineDep, region: RegionFilter = None
) -> OccupationResponse:
    occupations = engine.bundle.table("onet_occupations")
    matched = occupations.filter(
        (pl.col("onet_soc_code") == code) | (pl.col("soc2018_code") == code)
    ).sort("onet_soc_code")
    if matched.is_empty():
        raise ApiError(
            404,
            f"unknown occupation code: not an O*NET-SOC or SOC 2018 code in "
            f"bundle {engine.bundle.hash}; suggestions lists the nearest known "
            f"codes",
            suggestions=suggest(occupations, code),
        )
    row = matched.row(0, named=True)
    onet, soc = row["onet_soc_code"], row.get("soc2018_code")
    return OccupationResponse(
        code=code,
        onet_soc_code=onet,
        onet_codes=matched["onet_soc_code"].to_list(),
        soc2018_code=soc,
        title=row["title"],
        description=row.get("description"),
        job_zone=_job_zone(engine, onet),
        wages=_wages(engine, soc),
        projections=_projection(engine, soc),
        demand=_demand(engine, onet, region),
        top_skills=_skills(engine, onet, region),
        related=_related(engine, onet, occupations),
        meta=meta_of(engine, request),
    )


def suggest(occupations: pl.DataFrame, code: str) -> list[str]:
    """Known codes sharing the longest prefix with ``code`` ("code title"), nearest first."""

    def shared(other: str) -> int:
        n = 0
        for a, b in zip(code, other, strict=False):
            if a != b:
                break
            n += 1
        return n

    rows = occupations.select("onet_soc_code", "title").iter_rows()
    ranked = sorted(rows, key=lambda r: (-shared(r[0]), r[0]))
    return [f"{c} {t}" for c, t in ranked[:SUGGESTED]]


def _rows(engine: Engine, name: str, where: pl.Expr) -> pl.DataFrame | None:
    """Matching rows of a bundle table, read lazily (OEWS is large on real data)."""
    if not engine.bundle.has(name):
        return None
    return engine.bundle.scan(name).filter(where).collect()


def _job_zone(engine: Engine, onet: str) -> int | None:
    hit = _rows(engine, "onet_job_zones", pl.col("onet_soc_code") == onet)
    return None if hit is None or hit.is_empty() else hit.item(0, "job_zone")


def _broad(soc: str) -> str:
    return soc[:-1] + "0"


def _wages(engine: Engine, soc: str | None) -> list[Row]:
    if not soc:
        return []
    national_or_state = pl.col("area_type").is_in([1, 2])  # not metro areas: too many rows
    rows = _rows(engine, "oews", pl.col("occ_code").is_in([soc, _broad(soc)]) & national_or_state)
    if rows is None:
        return []
    keep = [c for c in WAGE_COLUMNS if c in rows.columns]
    return (
        rows.sort("area_type", "area", "occ_code", descending=[False, False, True])
        .select(keep)
        .to_dicts()
    )


def _projection(engine: Engine, soc: str | None) -> Row | None:
    if not soc:
        return None
    hit = _rows(engine, "ep_projections", pl.col("soc_code").is_in([soc, _broad(soc)]))
    if hit is None or hit.is_empty():
        return None
    detailed_first = hit.sort(pl.col("soc_code") != soc)
    keep = [c for c in PROJECTION_COLUMNS if c in hit.columns]
    return detailed_first.select(keep).row(0, named=True)


def _in_region(frame: pl.DataFrame, region: str | None) -> pl.DataFrame:
    if region is None:
        return frame
    wanted = region.strip()
    wanted = wanted if wanted.lower() == "unknown" else wanted.upper()
    return frame.filter(pl.col("region") == wanted)


def _demand(engine: Engine, onet: str, region: str | None) -> list[Row]:
    table = _in_region(engine.demand.table.filter(pl.col("onet_soc_code") == onet), region)
    keep = [c for c in DEMAND_COLUMNS if c in table.columns]
    return table.sort("in_demand_score", descending=True, nulls_last=True).select(keep).to_dicts()


def _skills(engine: Engine, onet: str, region: str | None) -> list[RequestedSkill]:
    skills = _in_region(engine.demand.skills_table.filter(pl.col("onet_soc_code") == onet), region)
    top = skills.sort(["share", "skill_id"], descending=[True, False]).head(TOP_SKILLS)
    return [
        RequestedSkill(
            region=r["region"],
            skill_id=r["skill_id"],
            label=r["skill_label"],
            share=round(float(r["share"]), 4),
            postings_with_skill=int(r["postings_with_skill"]),
        )
        for r in top.iter_rows(named=True)
    ]


def _related(engine: Engine, onet: str, occupations: pl.DataFrame) -> list[RelatedOccupation]:
    rows = _rows(engine, "onet_related_occupations", pl.col("onet_soc_code") == onet)
    if rows is None:
        return []
    titles = dict(occupations.select("onet_soc_code", "title").iter_rows())
    rows = rows.sort("index")
    return [
        RelatedOccupation(
            onet_soc_code=r["related_onet_soc_code"],
            title=titles.get(r["related_onet_soc_code"]),
            tier=r.get("relatedness_tier"),
        )
        for r in rows.iter_rows(named=True)
    ]
