"""``GET /v1/programs``: eligible training programs (ETPL) in a region, with outcomes, and
``GET /v1/programs/{program_id}``: one program as a case manager hands it to the client.

Filters of the list (each one narrows it; a capped or filtered search keeps out programs
whose value is unknown, because a filter is a promise):

- ``region`` (state code, required);
- ``occupation`` (O*NET-SOC or SOC 2018 code the program leads to, through the CIP-SOC
  crosswalk);
- ``keyword``: every word must appear, case-insensitively, in the program's name,
  description or provider name ("cna evening");
- ``schedule``: when the client can attend, read by ``matching.schedules`` exactly as a
  participant's ``constraints.schedule`` is (day, evening, weekend, overnight, online or
  self-paced, any, their combinations and everyday words; 'any' is no filter). A program
  fits when it meets in one of them: its listed schedule, the schedule words of its name
  ("- Evening and Weekend") and online when it is taught online (which fits everyone);
- ``format``: in_person | online | hybrid;
- ``max_cost`` and ``max_weeks``: caps on the listed total cost and length;
- ``zip``: each program carries ``distance_miles`` from the ZIP's centroid
  (``matching.referral.geo``; null when the program's ZIP has no point), and with
  ``max_miles`` only programs within that many miles are listed (``max_miles`` without
  ``zip`` is a 422). A well-formed ZIP the bundle has no point for is a 404 (like an
  unknown occupation code), not an empty list;
- ``limit``/``offset`` pagination in program id order.

A bad value is a 422 whose ``loc`` names the parameter. Each program carries its provider
contact (phone, website, email, contact person, address), the cost breakdown, the listing's
schedule text, its reported outcomes (with the number of exiters behind them) and, when an
outcome model is registered, predicted outcomes with their intervals. The detail adds the
description, the length band and the skills the description teaches with the sentence
showing each; an unknown id is a 404 whose body suggests ids by name.
"""

from __future__ import annotations

from collections.abc import Callable
from difflib import get_close_matches
from enum import StrEnum
from os.path import commonprefix
from typing import Annotated, Any

import polars as pl
from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from matching.market.handout import CostBreakdown, ProviderContact, cost_breakdown, provider_contact
from matching.referral.geo import zip_distance, zip_points
from matching.schedules import ALL_SLOTS, ScheduleError, fits, parse_schedule, program_slots
from matching.schemas import MAX_COST, MAX_RADIUS_MILES, MAX_WEEKS
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
    schedule_text: str | None = Field(
        None, description="the listing's own sentences on when classes meet or start"
    )
    provider: ProviderContact = Field(
        ProviderContact(), description="provider, contact person, phone, website, address"
    )
    cost_breakdown: CostBreakdown = CostBreakdown()
    distance_miles: float | None = Field(
        None, description="miles from the requested zip (only with zip and max_miles)"
    )


class TaughtSkill(BaseModel):
    """A skill the program's description teaches, with the sentence that shows it."""

    skill_id: str
    label: str | None
    score: float | None
    sentence: str | None


class ProgramDetail(ProgramOut):
    description: str | None
    weeks_low: float | None = Field(description="the listing's length band, low end")
    weeks_high: float | None = Field(description="the listing's length band, high end")
    taught: list[TaughtSkill] = Field(
        description="skills found in the description, strongest first, with evidence"
    )


class ProgramDetailResponse(Envelope):
    program: ProgramDetail


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
Keyword = Annotated[
    str | None,
    Query(
        min_length=2,
        max_length=200,
        description="words that must all appear in the name, description or provider name "
        "(case-insensitive)",
        examples=["nurse aide"],
    ),
]
Schedule = Annotated[
    str | None,
    Query(
        max_length=100,
        description="when the client can attend, read by matching.schedules as a "
        "participant's schedule is: day, evening, weekend, overnight, online (or "
        "self-paced), any, combinations ('evening/weekend') and everyday words ('nights', "
        "'weekends only'); 'any' is no filter",
        examples=["evening/weekend"],
    ),
]


class Format(StrEnum):
    in_person = "in_person"
    online = "online"
    hybrid = "hybrid"


FormatQuery = Annotated[Format | None, Query(alias="format", description="how it is taught")]
Zip = Annotated[
    str | None,
    Query(pattern=r"^\d{5}$", description="the client's 5-digit ZIP code (with max_miles)"),
]
MaxMiles = Annotated[
    float | None,
    Query(
        gt=0,
        le=MAX_RADIUS_MILES,
        allow_inf_nan=False,
        description="distance cap in miles from zip (with zip)",
    ),
]
ProgramId = Annotated[str, Path(min_length=1, max_length=100, description="ETPL program id")]


@router.get("/programs", response_model=ProgramsResponse, summary="Programs in a region")
def programs(
    request: Request,
    engine: EngineDep,
    region: Region,
    occupation: Occupation = None,
    max_cost: MaxCost = None,
    max_weeks: MaxWeeks = None,
    keyword: Keyword = None,
    schedule: Schedule = None,
    program_format: FormatQuery = None,
    zip: Zip = None,
    max_miles: MaxMiles = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> ProgramsResponse:
    wanted = _wanted_slots(schedule)
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
    if keyword:
        table = _with_keyword(table, keyword)
    if wanted is not None:
        table = table.filter(_fits_schedule(table, wanted))
    if program_format is not None:
        table = table.filter(pl.col("format") == program_format.value)
    table = _within(engine, table, zip, max_miles)
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


@router.get(
    "/programs/{program_id}",
    response_model=ProgramDetailResponse,
    summary="One program: contact, address, cost breakdown, schedule, outcomes, skills",
)
def program_detail(
    request: Request, engine: EngineDep, program_id: ProgramId
) -> ProgramDetailResponse:
    table = engine.catalog.programs
    hit = table.filter(pl.col("program_id") == program_id)
    if hit.is_empty():
        raise ApiError(
            404,
            "unknown program id: no program with this id in the bundle's ETPL; "
            "suggestions lists ids whose program name is closest, and search the list "
            "with GET /v1/programs?region=..&keyword=..",
            suggestions=_suggest_ids(table, program_id),
        )
    row = _with_predictions(engine, hit).row(0, named=True)
    listed = _program(row)
    return ProgramDetailResponse(
        program=ProgramDetail(
            **listed.model_dump(),
            description=row.get("description"),
            weeks_low=row.get("weeks_min"),
            weeks_high=row.get("weeks_max"),
            taught=_taught(engine, program_id),
        ),
        meta=meta_of(engine, request),
    )


def _suggest_ids(table: pl.DataFrame, asked: str, n: int = 5) -> list[dict[str, str]]:
    """Ids sharing the longest prefix with the one asked for (a mistyped id), else the
    programs whose name is closest to the text (a name typed where the id goes)."""
    names = dict(table.select("program_id", "name").iter_rows())
    shared = {i: len(commonprefix([asked, i])) for i in names}
    best = max(shared.values(), default=0)
    if best >= 2:
        close = sorted((i for i, k in shared.items() if k == best), key=_near(asked))[:n]
    else:
        by_name = {str(v).lower(): k for k, v in names.items()}
        close = [by_name[m] for m in get_close_matches(asked.lower(), by_name, n=n, cutoff=0.3)]
    return [{"program_id": i, "name": str(names[i])} for i in close]


def _near(asked: str) -> Callable[[str], tuple[float, str]]:
    """Sort key: numeric distance when both ids are numbers, then the id."""

    def key(program_id: str) -> tuple[float, str]:
        if asked.isdigit() and program_id.isdigit():
            return abs(int(asked) - int(program_id)), program_id
        return 0.0, program_id

    return key


def _taught(engine: Engine, program_id: str) -> list[TaughtSkill]:
    skills = engine.program_skills.filter(pl.col("program_id") == program_id)
    if skills.is_empty():
        return []
    best = skills.sort("score", descending=True, nulls_last=True).unique(
        "skill_id", keep="first", maintain_order=True
    )
    return [
        TaughtSkill(
            skill_id=r["skill_id"],
            label=r.get("skill_label"),
            score=r.get("score"),
            sentence=r.get("sentence"),
        )
        for r in best.iter_rows(named=True)
    ]


def _wanted_slots(schedule: str | None) -> frozenset[str] | None:
    """The slots a schedule filter names (None: no filter), read by the same vocabulary as
    a participant's schedule (``matching.schedules``); 422 at ``schedule`` otherwise."""
    try:
        slots = parse_schedule(schedule)
    except ScheduleError as exc:
        raise ApiError(422, str(exc), loc=["query", "schedule"]) from None
    return None if slots is None or slots >= ALL_SLOTS else slots


def _fits_schedule(table: pl.DataFrame, wanted: frozenset[str]) -> pl.Series:
    """True where the listing meets in a wanted slot (``matching.schedules.fits``: its
    schedule field plus the schedule words of its name; online fits everyone); a program
    with no schedule listed is kept out of a schedule search."""
    rows = table.select("schedule", "format", "name").iter_rows()
    return pl.Series(
        [bool(fits(wanted, program_slots(s, f, n))) for s, f, n in rows], dtype=pl.Boolean
    )


def _with_keyword(table: pl.DataFrame, keyword: str) -> pl.DataFrame:
    text = pl.concat_str(
        pl.col("name").fill_null(""),
        pl.col("description").fill_null(""),
        pl.col("provider_name").fill_null(""),
        separator=" ",
    ).str.to_lowercase()
    words = keyword.lower().split()
    if not words:
        raise ApiError(422, "keyword has no words", loc=["query", "keyword"])
    return table.filter(pl.all_horizontal([text.str.contains(w, literal=True) for w in words]))


def _within(
    engine: Engine, table: pl.DataFrame, zip: str | None, max_miles: float | None
) -> pl.DataFrame:
    """Programs within ``max_miles`` of ``zip`` with their distance; both or neither."""
    if zip is None and max_miles is None:
        return table
    if zip is None:
        raise ApiError(422, "max_miles needs a zip to measure from", loc=["query", "zip"])
    bundle = engine.bundle
    points = zip_points(bundle.table("zcta_centroids") if bundle.has("zcta_centroids") else None)
    if zip not in points:
        raise ApiError(
            404,
            "no location point for the requested ZIP code in the bundle (zcta_centroids), "
            "so no distance can be measured from it",
        )
    miles = [zip_distance(points, zip, z) for z in table["location_zip"].to_list()]
    measured = table.with_columns(pl.Series("distance_miles", miles, dtype=pl.Float64))
    if max_miles is None:
        return measured
    return measured.filter(pl.col("distance_miles") <= max_miles)


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
    computed = (
        "weeks",
        "target_onet_codes",
        "skills_taught",
        "reported",
        "predicted",
        "provider",
        "cost_breakdown",
        "distance_miles",
    )
    distance = row.get("distance_miles")
    return ProgramOut(
        **{k: row.get(k) for k in ProgramOut.model_fields if k not in computed},
        provider=provider_contact(row),
        cost_breakdown=cost_breakdown(row),
        distance_miles=round(distance, 1) if distance is not None else None,
        weeks=row.get("weeks_used"),
        target_onet_codes=list(row.get("target_onet_codes") or []),
        skills_taught=len(row.get("skills_taught") or []),
        reported=ReportedOutcomes(**{k: row.get(k) for k in REPORTED}),
        predicted=predicted or None,
    )
