"""``POST /v1/gaps``: curriculum gaps of a set of courses against regional employer demand.

The body carries the courses inline (code, title, description), the program's CIP code or
target occupation codes (at most one of them; without either the targets are inferred from
the courses and the answer explains how), the region and ``top_k``. The answer is the JSON
of :class:`matching.curriculum.gaps.GapResult` (the same data as the HTML report's JSON) beside
``meta``. A course code repeated is listed in ``result.rejects`` by position and skipped.
An unknown CIP or occupation code, or a region without postings, is a 404 with what the
data has (``suggestions`` or ``known``), never the value sent; courses no target can be
inferred from are a 422 in the standard shape.

``matching.curriculum.gaps`` raises ``GapError`` with messages written for the CLI (they quote the
input and name ``--cip``); this router checks codes and region itself first and answers
in its own words.
"""

from __future__ import annotations

from typing import Annotated, Any

import polars as pl
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from matching.curriculum.gaps import (
    GapError,
    analyze_gaps,
    check_cip,
    check_region,
    courses_from_records,
)
from serving.api.contract import JsonInt, error_responses, valid_unicode_body
from serving.api.deps import EngineDep, Envelope, check_texts, invalid, meta_of
from serving.api.errors import ApiError
from serving.api.routers.occupations import CODE_PATTERN, suggest
from serving.engine import Engine
from serving.gap_report import gap_context

router = APIRouter(
    tags=["gaps"],
    dependencies=[Depends(valid_unicode_body)],
    responses=error_responses(400, 401, 404, 422, 503),
)
NOT_BLANK = r"\S"  # a JSON Schema pattern matches anywhere: some non-space character
OccupationCode = Annotated[str, Field(pattern=CODE_PATTERN, examples=["15-1231.00"])]
# "give either cip_code or occupations, not both", stated in the schema: both non-null is out
NOT_BOTH: dict[str, Any] = {
    "required": ["cip_code", "occupations"],
    "properties": {"cip_code": {"type": "string"}, "occupations": {"type": "array"}},
}


class CourseIn(BaseModel):
    code: str = Field(min_length=1, max_length=40, pattern=NOT_BLANK, examples=["CIS 105"])
    title: str = Field(
        min_length=1, max_length=300, pattern=NOT_BLANK, examples=["Networking Fundamentals"]
    )
    description: str = Field(
        min_length=1,
        pattern=NOT_BLANK,
        examples=["Students configure routers and switches and troubleshoot networks."],
    )


class GapsRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"not": NOT_BOTH})

    courses: list[CourseIn] = Field(min_length=1)
    cip_code: str | None = Field(default=None, pattern=r"^\d{1,2}\.?\d{4}$", examples=["11.0901"])
    occupations: list[OccupationCode] | None = Field(
        default=None, max_length=20, examples=[["15-1231.00"]]
    )
    region: str = Field(min_length=2, max_length=2, pattern=r"^[A-Za-z]{2}$", examples=["NJ"])
    top_k: JsonInt = Field(default=20, ge=1, le=100)


class GapsResponse(Envelope):
    result: dict[str, Any] = Field(
        description="matching.curriculum.gaps.GapResult as JSON: "
        "targets, taught, sought, gaps, cover, heatmap"
    )


@router.post("/gaps", response_model=GapsResponse, summary="Curriculum gaps in a region")
def gaps(request: Request, body: GapsRequest, engine: EngineDep) -> GapsResponse:
    check_texts(request, [c.description for c in body.courses], ["body", "courses"], "description")
    if body.cip_code and body.occupations:
        raise invalid(["body", "occupations"], "give either cip_code or occupations, not both")
    _check_targets(engine, body)
    _check_region(engine, body.region)
    courses = courses_from_records([c.model_dump() for c in body.courses])
    try:
        result = analyze_gaps(
            courses,
            gap_context(engine),
            region=body.region,
            cip_code=body.cip_code,
            occupations=body.occupations,
            top_k=body.top_k,
        )
    except GapError as exc:  # codes and region are checked: what is left is about the data
        if exc.kind == "not_found":
            raise ApiError(
                404,
                "the requested region has no postings for the target "
                "occupations; known lists the states with postings",
                known=_posting_states(engine),
            ) from None
        raise invalid(
            ["body", "courses"],
            "cannot infer target occupations from these "
            "courses: no skill in their descriptions is shared "
            "with an occupation that has postings in the "
            "region; give cip_code or occupations",
        ) from None
    return GapsResponse(result=result.to_dict(), meta=meta_of(engine, request))


def _check_targets(engine: Engine, body: GapsRequest) -> None:
    """404 for a CIP code the crosswalk does not know (or maps to no occupation), or an
    occupation code not in the bundle; the answer names the field, not the value."""
    if body.cip_code:
        try:
            check_cip(body.cip_code, engine.bundle)
        except GapError as exc:
            problem = (
                "unknown CIP code: not in the CIP 2020 list"
                if exc.kind == "not_found"
                else "the CIP code maps to no occupation in the CIP-SOC crosswalk "
                "(other than postsecondary teachers); give occupations instead"
            )
            raise ApiError(404, problem) from None
    occupations = engine.bundle.table("onet_occupations")
    for i, code in enumerate(body.occupations or []):
        known = occupations.filter(
            (pl.col("onet_soc_code") == code) | (pl.col("soc2018_code") == code)
        )
        if known.is_empty():
            raise ApiError(
                404,
                f"occupations[{i}] is not an O*NET-SOC or SOC 2018 code in "
                f"the bundle; suggestions lists the nearest known codes",
                suggestions=suggest(occupations, code),
            )


def _check_region(engine: Engine, region: str) -> None:
    try:
        check_region(region, engine.bundle.table("postings"))
    except GapError:
        raise ApiError(
            404,
            "no postings in the requested region; known lists the states with postings",
            known=_posting_states(engine),
        ) from None


def _posting_states(engine: Engine) -> list[str]:
    postings = engine.bundle.table("postings")
    if "state" not in postings.columns:
        return []
    return sorted(postings["state"].drop_nulls().str.to_uppercase().unique().to_list())
