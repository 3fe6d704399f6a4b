"""``POST /v1/titles``: job titles as people write them to ranked occupations.

Uses the engine's title normalizer (the registered ``pathmatch-titles`` model, else one
fitted from the bundle at start-up). Results come back in input order with their index, so
the response need not repeat the submitted titles. Each result says whether its best
candidate clears the model's calibrated ``min_score`` (``confident``); a title that does not
gets ``note: "no confident match"`` and its candidates all the same.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from matching.nlp.titles import NO_CONFIDENT_MATCH
from serving.api.contract import JsonInt, error_responses, valid_unicode_body
from serving.api.deps import EngineDep, Envelope, check_texts, meta_of

router = APIRouter(
    tags=["titles"],
    dependencies=[Depends(valid_unicode_body)],
    responses=error_responses(400, 401, 422, 503),
)


class TitlesRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "titles": ["cna", "sr. software dev", "class a truck driver"],
                    "taxonomy": "onet",
                    "top_k": 3,
                }
            ]
        },
    )

    titles: list[str] = Field(min_length=1, description="capped by PATHMATCH_MAX_TEXTS")
    taxonomy: Literal["onet", "esco"] = "onet"
    top_k: JsonInt = Field(default=5, ge=1, le=50)


class OccupationCandidate(BaseModel):
    code: str = Field(description="O*NET-SOC code or ESCO occupation URI")
    title: str
    taxonomy: str
    score: float


class TitleResult(BaseModel):
    index: int = Field(description="position of the title in the request")
    confident: bool = Field(
        description="false when the best score is under the model's calibrated min_score "
        "(then note says 'no confident match'; the candidates are still listed)"
    )
    note: str | None = Field(default=None, description="'no confident match' when not confident")
    candidates: list[OccupationCandidate] = Field(description="best first; empty for a blank title")


class TitlesResponse(Envelope):
    taxonomy: str
    results: list[TitleResult]


@router.post("/titles", response_model=TitlesResponse, summary="Normalize job titles")
def titles(body: TitlesRequest, request: Request, engine: EngineDep) -> TitlesResponse:
    check_texts(request, body.titles, ["body", "titles"])
    ranked = engine.titles.predict(body.titles, taxonomy=body.taxonomy, top_k=body.top_k)
    model = engine.titles
    results = []
    for i, candidates in enumerate(ranked):
        confident = model.is_confident(candidates)
        results.append(
            TitleResult(
                index=i,
                confident=confident,
                note=None if confident else NO_CONFIDENT_MATCH,
                candidates=[OccupationCandidate(**c.to_dict()) for c in candidates],
            )
        )
    return TitlesResponse(taxonomy=body.taxonomy, results=results, meta=meta_of(engine, request))
