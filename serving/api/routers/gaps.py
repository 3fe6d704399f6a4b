"""``POST /v1/gaps``: curriculum gaps of a set of courses against regional employer demand.

The body carries the courses inline (code, title, description), the program's CIP code or
target occupation codes (both optional: without them the targets are inferred from the
courses and the answer explains how), the region and ``top_k``. The answer is the JSON of
:class:`matching.gaps.GapResult` (the same data as the HTML report's JSON) beside ``meta``.
Course records missing a field are listed in ``result.rejects`` by position and skipped;
none usable is a 422. An unknown CIP or occupation code, or a region without postings, is
a 404 naming the problem.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from matching.gaps import GapError, analyze_gaps, check_region, courses_from_records
from serving.api.deps import EngineDep, Envelope, check_texts, meta_of
from serving.api.errors import ApiError
from serving.api.routers.occupations import CODE_PATTERN
from serving.gap_report import gap_context

router = APIRouter(tags=["gaps"])


class CourseIn(BaseModel):
    code: str = Field(min_length=1, max_length=40, examples=["CIS 105"])
    title: str = Field(min_length=1, max_length=300, examples=["Networking Fundamentals"])
    description: str = Field(min_length=1, examples=["Students configure routers and "
                                                     "switches and troubleshoot networks."])


class GapsRequest(BaseModel):
    courses: list[CourseIn] = Field(min_length=1)
    cip_code: str | None = Field(default=None, pattern=r"^\d{1,2}\.?\d{4}$",
                                 examples=["11.0901"])
    occupations: list[str] | None = Field(default=None, max_length=20, examples=[
        ["15-1231.00"]])
    region: str = Field(min_length=2, max_length=2, pattern=r"^[A-Za-z]{2}$",
                        examples=["NJ"])
    top_k: int = Field(default=20, ge=1, le=100)


class GapsResponse(Envelope):
    result: dict[str, Any] = Field(description="matching.gaps.GapResult as JSON: targets, "
                                               "taught, sought, gaps, cover, heatmap")


@router.post("/gaps", response_model=GapsResponse, summary="Curriculum gaps in a region")
def gaps(request: Request, body: GapsRequest, engine: EngineDep) -> GapsResponse:
    import re

    check_texts(request, [c.description for c in body.courses], ["body", "courses"],
                "description")
    for i, code in enumerate(body.occupations or []):
        if not re.fullmatch(CODE_PATTERN, code):
            raise ApiError(422, f"occupations[{i}] is not an O*NET-SOC or SOC 2018 code")
    if body.cip_code and body.occupations:
        raise ApiError(422, "give either cip_code or occupations, not both")
    try:
        check_region(body.region, engine.bundle.table("postings"))
        courses = courses_from_records([c.model_dump() for c in body.courses])
        result = analyze_gaps(courses, gap_context(engine), region=body.region,
                              cip_code=body.cip_code, occupations=body.occupations,
                              top_k=body.top_k)
    except GapError as exc:
        raise ApiError(404 if exc.kind == "not_found" else 422, str(exc)) from None
    return GapsResponse(result=result.to_dict(), meta=meta_of(engine, request))
