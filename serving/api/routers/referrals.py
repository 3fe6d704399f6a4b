"""``POST /v1/referrals``: ranked, explained training referrals for one participant.

The body carries the participant as the intake recorded them (``matching.schemas.
Participant``); nothing of it is logged or stored. The answer lists the programs in the
region that fit, best first, each with its score parts and plain-language evidence, and
every program that was excluded with its reasons, so staff can answer "why not this one?".
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict, JsonValue

from matching.referral.referrals import ReferralResult, RegionContext, ScoreWeights, refer
from matching.schemas import Participant
from serving.api.contract import JsonInt, error_responses, valid_unicode_body
from serving.api.deps import EngineDep, Envelope, check_texts, invalid, meta_of
from serving.api.errors import ApiError
from serving.engine import Engine

router = APIRouter(
    tags=["referrals"],
    dependencies=[Depends(valid_unicode_body)],
    responses=error_responses(400, 401, 404, 422, 503),
)
REGION_PATTERN = r"^[A-Za-z]{2}$"
# The rule region_of enforces, stated in the schema so that clients (and schemathesis) know
# it: a region, or a participant with a state.
REGION_OR_STATE: list[JsonValue] = [
    {"required": ["region"], "properties": {"region": {"type": "string"}}},
    {
        "required": ["participant"],
        "properties": {
            "participant": {"required": ["state"], "properties": {"state": {"type": "string"}}}
        },
    },
]

EXAMPLE_PARTICIPANT: JsonDict = {
    "participant_id": "case-0193",
    "past_job_titles": ["Certified Nursing Assistant"],
    "intake_text": "CNA 3 yrs at a nursing home, wants to become a nurse; evenings only.",
    "education_level": "high_school_equivalency",
    "state": "NJ",
    "zip": "08619",
    "last_hourly_wage": 20.5,
    "constraints": {"max_cost": 40000, "max_weeks": 82, "schedule": "evening", "radius_miles": 20},
}


class ReferralRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"participant": EXAMPLE_PARTICIPANT, "top_k": 5}],
            "anyOf": REGION_OR_STATE,
        },
    )

    participant: Participant
    region: str | None = Field(
        None,
        description="state code; default: the participant's state",
        min_length=2,
        max_length=2,
        pattern=REGION_PATTERN,
    )
    top_k: JsonInt = Field(default=10, ge=1, le=50)


class ReferralResponse(Envelope, ReferralResult):
    pass


def region_of(body_region: str | None, participant: Participant) -> str:
    """The request's region, else the participant's state; 422 when neither is given."""
    region = body_region or participant.state
    if not region:
        raise invalid(["body", "region"], "give a region or the participant's state")
    return region.upper()


def context_for(engine: Engine, region: str) -> RegionContext:
    """The region's shared context; 404 listing the regions that have programs.

    The region is checked here, not by catching the ``ValueError`` the context builder
    raises, so that a bug inside the builder stays a 500 instead of passing for a 404; the
    answer does not repeat the region that was sent.
    """
    known = sorted(engine.catalog.programs["state"].drop_nulls().unique().to_list())
    if region not in known:
        raise ApiError(
            404,
            "no training programs listed for the requested region; known "
            "lists the regions that have programs",
            known=known,
        )
    return engine.region_context(region)


def check_participant(request: Request, participant: Participant) -> None:
    """Size limits on the free-text fields (422 with the field path)."""
    check_texts(request, [participant.intake_text or ""], ["body", "participant", "intake_text"])
    check_texts(request, participant.past_job_titles, ["body", "participant", "past_job_titles"])


@router.post(
    "/referrals",
    response_model=ReferralResponse,
    summary="Rank and explain ETPL programs for a participant",
)
def referrals(body: ReferralRequest, request: Request, engine: EngineDep) -> ReferralResponse:
    check_participant(request, body.participant)
    region = region_of(body.region, body.participant)
    ctx = context_for(engine, region)
    result = refer(
        body.participant,
        ctx,
        engine.reader,
        top_k=body.top_k,
        weights=ScoreWeights(),
        scorer=engine.scorer_for(body.participant),
    )
    return ReferralResponse(**dict(result), meta=meta_of(engine, request))
