"""``GET /v1/programs``: eligible training programs (ETPL) in a region, with outcomes.

Filters: ``region`` (state code, required), ``occupation`` (O*NET-SOC or SOC 2018 code the
program leads to, through the CIP-SOC crosswalk), ``max_cost`` and ``max_weeks`` (programs
with an unknown cost or length are kept out of a capped search: a cap is a promise), and
``limit``/``offset`` pagination in program id order. Each program carries its reported
outcomes (with the number of exiters behind them) and, when an outcome model is
registered, predicted outcomes with their intervals.
"""

from __future__ import annotations

from typing import Annotated, Any

import polars as pl
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from matching.schemas import MAX_COST, MAX_WEEKS
from serving.api.contract import error_responses, single_query_values
from serving.api.deps import EngineDep, Envelope, meta_of
from serving.api.errors import ApiError
from serving.api.routers.occupations import CODE_PATTERN, suggest
from serving.engine import Engine

router = APIRouter(
    tags=["programs"],
    dependencies=[Depends(single_query_values)],
    responses=error_responses(401, 404, 422, 503),
)
MAX_OFFSET = 1_000_000  # far past any state's list; a page past the end is empty, not a 500
REPORTED = [
    "employment_q2",
    "employment_q2_n",
    "employment_q4",
    "employment_q4_n",
    "median_earnings",
    "median_earnings_n",
    "outcome_status",
]


class ReportedOutcomes(BaseModel):
    employment_q2: float | None = Field(description="share employed in the 2nd quarter after exit")
    employment_q2_n: int | None = Field(description="exiters behind that share")
    employment_q4: float | None
    employment_q4_n: int | None
    median_earnings: float | None
    median_earnings_n: int | None
    outcome_status: str | None


class ProgramOut(BaseModel):
    program_id: str
    name: str | None
    provider_id: str | None
    provider_name: str | None
    state: str | None
    cip_code: str | None
    cip_title: str | None
    credential_type: str | None
    credential_name: str | None
    format: str | None
    schedule: str | None
    location_city: str | None
    location_county: str | None
    location_zip: str | None
    prerequisites: str | None
    cost_total: float | None
    weeks: float | None
    target_onet_codes: list[str]
    skills_taught: int = Field(description="number of ESCO skills found in the description")
    reported: ReportedOutcomes
    predicted: dict[str, float | None] | None = Field(
        description="model predictions with interval bounds (_pred, _lo, _hi); None without "
        "a registered outcome model"
    )


class ProgramsResponse(Envelope):
    region: str
    occupation: str | None
    total: int = Field(description="programs matching the filters, before paging")
    limit: int
    offset: int
    programs: list[ProgramOut]


Region = Annotated[
    str,
    Query(
        min_length=2,
        max_length=2,
        pattern=r"^[A-Za-z]{2}$",
        description="state code",
        examples=["NJ"],
    ),
]
Occupation = Annotated[
    str | None,
    Query(pattern=CODE_PATTERN, description="O*NET-SOC or SOC 2018 code the programs lead to"),
]
MaxCost = Annotated[
    float | None,
    Query(ge=0, le=MAX_COST, allow_inf_nan=False, description="total cost cap, US dollars"),
]
MaxWeeks = Annotated[
    float | None, Query(gt=0, le=MAX_WEEKS, allow_inf_nan=False, description="length cap in weeks")
]
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]


@router.get("/programs", response_model=ProgramsResponse, summary="Programs in a region")
def programs(
    request: Request,
    engine: EngineDep,
    region: Region,
    occupation: Occupation = None,
    max_cost: MaxCost = None,
    max_weeks: MaxWeeks = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> ProgramsResponse:
    catalog = engine.catalog
    state = region.upper()
    table = catalog.programs.filter(pl.col("state") == state)
    if table.is_empty():
        known = sorted(catalog.programs["state"].drop_nulls().unique().to_list())
        raise ApiError(
            404,
            "no training programs listed for the requested region; known "
            "lists the regions that have programs",
            known=known,
        )
    if occupation:
        table = table.join(_leading_to(engine, occupation), on="program_id", how="semi")
    if max_cost is not None:
        table = table.filter(pl.col("cost_total") <= max_cost)
    if max_weeks is not None:
        table = table.filter(pl.col("weeks_used") <= max_weeks)
    table = table.sort("program_id")
    page = _with_predictions(engine, table.slice(offset, limit))
    return ProgramsResponse(
        region=state,
        occupation=occupation,
        total=table.height,
        limit=limit,
        offset=offset,
        programs=[_program(r) for r in page.iter_rows(named=True)],
        meta=meta_of(engine, request),
    )


def _leading_to(engine: Engine, code: str) -> pl.DataFrame:
    """Program ids leading to ``code``; 404 with suggestions when the code is unknown."""
    links = engine.catalog.program_occupations
    hit = links.filter((pl.col("onet_soc_code") == code) | (pl.col("soc2018_code") == code))
    if hit.is_empty():
        occupations = engine.bundle.table("onet_occupations")
        known = occupations.filter(
            (pl.col("onet_soc_code") == code) | (pl.col("soc2018_code") == code)
        )
        if known.is_empty():
            raise ApiError(
                404,
                "unknown occupation code: not an O*NET-SOC or SOC 2018 code "
                "in the bundle; suggestions lists the nearest known codes",
                suggestions=suggest(occupations, code),
            )
    return hit.select("program_id").unique()


def _with_predictions(engine: Engine, page: pl.DataFrame) -> pl.DataFrame:
    predicted = engine.predicted_outcomes
    if predicted is None:
        return page
    keep = [c for c in predicted.columns if c.endswith(("_pred", "_lo", "_hi"))]
    renamed = predicted.select("program_id", *keep).rename({c: f"predicted.{c}" for c in keep})
    return page.join(renamed, on="program_id", how="left")


def _program(row: dict[str, Any]) -> ProgramOut:
    predicted = {
        k.removeprefix("predicted."): v for k, v in row.items() if k.startswith("predicted.")
    }
    return ProgramOut(
        **{
            k: row.get(k)
            for k in ProgramOut.model_fields
            if k not in ("weeks", "target_onet_codes", "skills_taught", "reported", "predicted")
        },
        weeks=row.get("weeks_used"),
        target_onet_codes=list(row.get("target_onet_codes") or []),
        skills_taught=len(row.get("skills_taught") or []),
        reported=ReportedOutcomes(**{k: row.get(k) for k in REPORTED}),
        predicted=predicted or None,
    )
