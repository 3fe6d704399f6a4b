"""Case manager pages: intake form, ranked referral cards, occupation correction, compare.

The answer comes from the same functions as ``POST /v1/referrals`` and ``POST /v1/pathways``
(``region_of``, ``context_for``, ``refer`` with ``engine.reader`` and ``engine.scorer_for``,
``find_pathways``), so the page and the API rank the same programs in the same order.
Nothing typed is stored: the results page carries the intake back as hidden fields, and
"re-run" and "compare" POST it again. Nothing of it is logged (the access log has the route
only, and these routes read no query string).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from matching.referral.pathways import PathwayResult, find_pathways
from matching.referral.referrals import (
    ReferralResult,
    RegionContext,
    ScoreWeights,
    UnknownOccupation,
    refer,
)
from matching.schemas import EducationLevel, Participant
from serving.api.deps import EngineDep
from serving.api.errors import ApiError
from serving.api.routers.referrals import context_for, region_of
from serving.engine import Engine
from serving.web.render import N_, gettext, render
from serving.web.session import CsrfDep, UserDep

router = APIRouter()
TOP_K = 10
PATHWAYS_K = 3
CANDIDATES = 5  # occupations offered per title in the correction select
TEXT_FIELDS = (
    "past_job_titles",
    "intake_text",
    "education_level",
    "state",
    "zip",
    "last_hourly_wage",
    "max_cost",
    "max_weeks",
    "schedule",
    "format",
    "radius_miles",
    "barriers",
    "goal",
    "occupation_codes",
)
SCHEDULES = {
    "any": N_("any time"),
    "day": N_("daytime"),
    "evening": N_("evenings"),
    "weekend": N_("weekends"),
    "evening+weekend": N_("evenings or weekends"),
    "overnight": N_("overnight"),
    "online": N_("online or self-paced only"),
}
FORMATS = {"any": N_("as the schedule allows"), "online": N_("online study is fine too")}
EDUCATIONS = {
    EducationLevel.NONE: N_("no diploma"),
    EducationLevel.HIGH_SCHOOL: N_("high school diploma"),
    EducationLevel.HSE: N_("high school equivalency (GED, HiSET)"),
    EducationLevel.SOME_POSTSECONDARY: N_("some college, no degree"),
    EducationLevel.CERTIFICATE: N_("postsecondary certificate"),
    EducationLevel.ASSOCIATE: N_("associate degree"),
    EducationLevel.BACHELOR: N_("bachelor's degree"),
    EducationLevel.GRADUATE: N_("graduate degree"),
}
PARTICIPANT_ID = "web-intake"  # the page's answers name no person


@dataclass
class Intake:
    """What the case manager typed, as form strings (sent back as hidden fields)."""

    values: dict[str, str]
    occupations: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, form: FormData) -> Intake:
        """The intake in ``form``; a changed correction select replaces the occupations.

        The results page sends each title's reading (``reading``) and select
        (``occupation_choice``): only when a select differs from its reading do the choices
        become ``past_occupations``, so "compare" and an unchanged re-run ask the same
        question as the page they came from.
        """
        values = {name: _text(form.get(name)) for name in TEXT_FIELDS}
        occupations = [_text(v) for v in form.getlist("occupation")]
        choices = [_text(v) for v in form.getlist("occupation_choice")]
        readings = [_text(v) for v in form.getlist("reading")]
        if choices and choices != readings:
            occupations = choices
        if not occupations:  # the intake form's optional codes, one per title
            occupations = values["occupation_codes"].split()
        return cls(values, [c for c in occupations if c])

    def titles(self) -> list[str]:
        lines = self.values.get("past_job_titles", "").splitlines()
        return [t.strip() for t in lines if t.strip()]


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


class IntakeError(Exception):
    """A field the page cannot use; ``field`` names it, the message never repeats it."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


def _number(intake: Intake, name: str) -> float | None:
    raw = intake.values.get(name, "").replace(",", "").replace("$", "")
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise IntakeError(name, N_("not a number")) from None


def _schedule(intake: Intake) -> str | None:
    """The schedule, with the online slot added when online study is fine."""
    schedule = intake.values.get("schedule") or None
    if intake.values.get("format") == "online" and schedule not in (None, "any", "online"):
        return f"{schedule}+online"
    return schedule


def _intake_text(intake: Intake) -> str | None:
    """The notes plus the stated goal, as a sentence the goal reader understands."""
    notes = intake.values.get("intake_text", "")
    goal = intake.values.get("goal", "")
    if goal:
        notes = f"{notes}\nI want to work as {goal}.".strip()
    return notes or None


def participant_of(intake: Intake) -> Participant:
    """The ``Participant`` the API would get for this intake; IntakeError names a bad field."""
    barriers = [b.strip() for b in intake.values.get("barriers", "").split(",") if b.strip()]
    body: dict[str, Any] = {
        "participant_id": PARTICIPANT_ID,
        "past_job_titles": intake.titles(),
        "past_occupations": intake.occupations,
        "intake_text": _intake_text(intake),
        "education_level": intake.values.get("education_level") or None,
        "state": (intake.values.get("state") or "").upper() or None,
        "zip": intake.values.get("zip") or None,
        "last_hourly_wage": _number(intake, "last_hourly_wage"),
        "constraints": {
            "max_cost": _number(intake, "max_cost"),
            "max_weeks": _number(intake, "max_weeks"),
            "schedule": _schedule(intake),
            "radius_miles": _number(intake, "radius_miles"),
        },
        "wioa": {"barriers": barriers},
    }
    try:
        return Participant.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [str(p) for p in first.get("loc", ())]
        name = {"constraints": loc[-1] if loc else "", "wioa": "barriers"}.get(
            loc[0] if loc else "", loc[0] if loc else ""
        )
        if name == "past_occupations":
            raise IntakeError(
                "occupation_codes", N_("use O*NET-SOC codes such as 31-1131.00")
            ) from None
        raise IntakeError(name, str(first.get("msg", "invalid"))) from None


@dataclass
class Answer:
    participant: Participant
    result: ReferralResult
    pathways: PathwayResult
    readings: list[Reading]


def answer(engine: Engine, intake: Intake) -> Answer:
    """Referrals and pathways for the intake, by the API's functions; IntakeError on bad input."""
    participant = participant_of(intake)
    try:
        ctx = context_for(engine, region_of(None, participant))
        result = refer(
            participant,
            ctx,
            engine.reader,
            top_k=TOP_K,
            weights=ScoreWeights(),
            scorer=engine.scorer_for(participant),
        )
    except RequestValidationError:
        raise IntakeError("state", N_("give the participant's state")) from None
    except ApiError:
        raise IntakeError("state", N_("no training programs are listed for this state")) from None
    except UnknownOccupation:
        raise IntakeError(
            "occupation_codes", N_("an occupation code is not in the data bundle")
        ) from None
    paths = find_pathways(participant, ctx, engine.reader, top_k=PATHWAYS_K)
    return Answer(participant, result, paths, _readings(engine, intake, result, ctx))


@dataclass
class Reading:
    """One typed title, the occupation it is read as now, and the select's options."""

    title: str
    code: str
    name: str
    override: bool
    options: list[tuple[str, str]]


def _readings(
    engine: Engine, intake: Intake, result: ReferralResult, ctx: RegionContext
) -> list[Reading]:
    """Per typed title: the reading in force (the override, else the title model's) and the
    title model's top candidates to choose from (the reading first)."""
    titles = intake.titles()
    ranked = engine.titles.predict(titles, taxonomy="onet", top_k=CANDIDATES) if titles else []
    normalized = {s.title: s for s in result.source_occupations if s.reading != "override"}
    rows: list[Reading] = []
    for i, (title, hits) in enumerate(zip(titles, ranked, strict=True)):
        options = [(c.code, c.title) for c in hits]
        override = i < len(intake.occupations)
        if override:
            code = intake.occupations[i]
            name = ctx.occupation_titles.get(code, code)
        elif title in normalized:
            code, name = normalized[title].code, normalized[title].occupation_title
        else:
            code, name = "", ""
        if code:
            options = [(code, name), *[o for o in options if o[0] != code]]
        rows.append(Reading(title, code, name, override, options))
    return rows


def _choices() -> dict[str, Any]:
    return {
        "educations": {e.value: label for e, label in EDUCATIONS.items()},
        "schedules": SCHEDULES,
        "formats": FORMATS,
    }


def _intake_page(request: Request, intake: Intake, error: IntakeError | None) -> Response:
    if intake.occupations and not intake.values.get("occupation_codes"):
        intake.values["occupation_codes"] = "\n".join(intake.occupations)  # keep corrections
    message = gettext(request, error.message) if error else None
    return render(
        request,
        "case.html",
        status_code=422 if error else 200,
        intake=intake,
        error_field=error.field if error else None,
        error=message,
        **_choices(),
    )


@router.get("/case")
def intake_form(request: Request, user: UserDep) -> Response:
    return _intake_page(request, Intake({"state": "NJ"}), None)


@router.post("/case/referrals", dependencies=[CsrfDep])
async def referrals(request: Request, user: UserDep, engine: EngineDep) -> Response:
    intake = Intake.of(await request.form())
    try:
        found = answer(engine, intake)
    except IntakeError as exc:
        return _intake_page(request, intake, exc)
    return render(request, "case_results.html", intake=intake, answer=found, **_choices())


@router.post("/case/compare", dependencies=[CsrfDep])
async def compare(request: Request, user: UserDep, engine: EngineDep) -> Response:
    form = await request.form()
    intake = Intake.of(form)
    chosen = [_text(v) for v in form.getlist("compare")]
    try:
        found = answer(engine, intake)
    except IntakeError as exc:
        return _intake_page(request, intake, exc)
    programs = {r.program_id: r for r in found.result.referrals}
    picked = [programs[c] for c in dict.fromkeys(chosen) if c in programs]
    if not 2 <= len(picked) <= 3:
        error = gettext(request, "Choose two or three programs to compare.")
        return render(
            request,
            "case_results.html",
            status_code=422,
            intake=intake,
            answer=found,
            compare_error=error,
            **_choices(),
        )
    return render(request, "case_compare.html", intake=intake, picked=picked)
