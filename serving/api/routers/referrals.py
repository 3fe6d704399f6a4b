"""``POST /v1/referrals``: ranked, explained training referrals for one participant.

The body carries the participant as the intake recorded them (``matching.schemas.
Participant``); nothing of it is logged or stored. The answer lists the programs in the
region that fit, best first, each with its score parts and plain-language evidence, and
every program that was excluded with its reasons, so staff can answer "why not this one?".
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from matching.referrals import ReferralResult, ScoreWeights, refer
from matching.schemas import Participant
from serving.api.deps import EngineDep, Envelope, check_texts, meta_of
from serving.api.errors import ApiError

router = APIRouter(tags=["referrals"])

EXAMPLE_PARTICIPANT = {
    "participant_id": "case-0193",
    "past_job_titles": ["Certified Nursing Assistant"],
    "intake_text": "CNA 3 yrs at a nursing home, wants to become a nurse; evenings only.",
    "education_level": "high_school_equivalency", "state": "NJ", "zip": "08619",
    "last_hourly_wage": 20.5,
    "constraints": {"max_cost": 40000, "max_weeks": 82, "schedule": "evening",
                    "radius_miles": 20},
}


class ReferralRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "participant": EXAMPLE_PARTICIPANT, "top_k": 5}]})

    participant: Participant
    region: str | None = Field(None, description="state code; default: the participant's "
                                                 "state", min_length=2, max_length=2)
    top_k: int = Field(default=10, ge=1, le=50)


class ReferralResponse(Envelope, ReferralResult):
    pass


def region_of(body_region: str | None, participant: Participant) -> str:
    """The request's region, else the participant's state; 422 when neither is given."""
    region = body_region or participant.state
    if not region:
        from serving.api.deps import invalid

        raise invalid(["body", "region"], "give a region or the participant's state")
    return region.upper()


def context_for(engine: EngineDep, region: str):  # noqa: ANN201 - RegionContext
    """The region's shared context; 404 naming the regions that have programs."""
    try:
        return engine.region_context(region)
    except ValueError as exc:
        raise ApiError(404, str(exc)) from None


def check_participant(request: Request, participant: Participant) -> None:
    """Size limits on the free-text fields (422 with the field path)."""
    check_texts(request, [participant.intake_text or ""], ["body", "participant",
                                                            "intake_text"])
    check_texts(request, participant.past_job_titles, ["body", "participant",
                                                       "past_job_titles"])


@router.post("/referrals", response_model=ReferralResponse,
             summary="Rank and explain ETPL programs for a participant")
def referrals(body: ReferralRequest, request: Request, engine: EngineDep) -> ReferralResponse:
    check_participant(request, body.participant)
    region = region_of(body.region, body.participant)
    ctx = context_for(engine, region)
    result = refer(body.participant, ctx, engine.reader, top_k=body.top_k,
                   weights=ScoreWeights(), scorer=engine.scorer_for(body.participant))
    return ReferralResponse(**dict(result), meta=meta_of(engine, request))
