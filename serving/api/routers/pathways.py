"""``POST /v1/pathways``: multi-step routes of stackable credentials for a participant.

Routes (CNA, then LPN, then RN) come from ``matching.referral.pathways``: every step within the
participant's constraints, the cost limit applied to the route's total, ranked by the
five-year net wage gain.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from matching.referral.pathways import PathwayResult, find_pathways
from matching.schemas import Participant
from serving.api.contract import JsonInt, error_responses, valid_unicode_body
from serving.api.deps import EngineDep, Envelope, meta_of
from serving.api.routers.referrals import (
    EXAMPLE_PARTICIPANT,
    REGION_OR_STATE,
    REGION_PATTERN,
    check_participant,
    context_for,
    region_of,
)

router = APIRouter(
    tags=["pathways"],
    dependencies=[Depends(valid_unicode_body)],
    responses=error_responses(400, 401, 404, 422, 503),
)


class PathwayRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"participant": EXAMPLE_PARTICIPANT, "target": "29-1141.00", "top_k": 3}],
            "anyOf": REGION_OR_STATE,
        },
    )

    participant: Participant
    region: str | None = Field(
        None,
        min_length=2,
        max_length=2,
        pattern=REGION_PATTERN,
        description="state code; default: the participant's state",
    )
    target: str | None = Field(
        None, pattern=r"^\d{2}-\d{4}\.\d{2}$", description="O*NET-SOC code the route must end in"
    )
    max_steps: JsonInt = Field(default=3, ge=2, le=5)
    top_k: JsonInt = Field(default=5, ge=1, le=20)


class PathwayResponse(Envelope, PathwayResult):
    pass


@router.post(
    "/pathways",
    response_model=PathwayResponse,
    summary="Multi-step stackable-credential routes for a participant",
)
def pathways(body: PathwayRequest, request: Request, engine: EngineDep) -> PathwayResponse:
    check_participant(request, body.participant)
    ctx = context_for(engine, region_of(body.region, body.participant))
    result = find_pathways(
        body.participant,
        ctx,
        engine.reader,
        target=body.target,
        max_steps=body.max_steps,
        top_k=body.top_k,
    )
    return PathwayResponse(**dict(result), meta=meta_of(engine, request))
