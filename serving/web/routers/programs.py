"""Program search and the program page: ``GET /programs`` and ``GET /programs/{id}``.

Both pages answer through the API's own route functions (``serving.api.routers.programs``
``programs`` and ``program_detail``, which build on ``matching.market.handout``), so the
page and ``GET /v1/programs`` list the same programs for the same filters and show the same
phone number for a program. This module only reads the form, checks it with the API's
bounds (a bad value is shown next to its field, never a JSON error), and renders.

The search is a GET form: program filters describe programs, not a participant, and the
server logs route templates only (``serving.api.errors``), never query strings.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, ValidationError

from matching.schemas import MAX_COST, MAX_RADIUS_MILES, MAX_WEEKS
from serving.api.deps import EngineDep
from serving.api.errors import ApiError
from serving.api.routers.occupations import CODE_PATTERN
from serving.api.routers.programs import Format, ProgramsResponse, program_detail, programs
from serving.engine import Engine
from serving.web.render import N_, gettext, render
from serving.web.session import UserDep

router = APIRouter()
PAGE_SIZE = 20
MAX_PAGE = 5_000  # past any state's list; the API caps offset the same way
DEFAULT_REGION = "NJ"
SCHEDULES = ("day", "evening", "weekend", "evening/weekend", "online")
FORMATS = tuple(f.value for f in Format)
FIELDS = (
    "region",
    "keyword",
    "occupation",
    "schedule",
    "format",
    "max_cost",
    "max_weeks",
    "zip",
    "max_miles",
    "page",
)
# What to tell the user about a bad value, per field (translated at render time).
FIELD_HELP = {
    "region": N_("Choose a state."),
    "keyword": N_("Type at least 2 characters (at most 200)."),
    "occupation": N_("Type an O*NET-SOC or SOC code, such as 31-1131.00 or 31-1131."),
    "schedule": N_("Choose a schedule from the list."),
    "format": N_("Choose a format from the list."),
    "max_cost": N_("Type a number of dollars from 0 to 1,000,000."),
    "max_weeks": N_("Type a number of weeks above 0, at most 520."),
    "zip": N_("Type a 5-digit ZIP code."),
    "max_miles": N_("Type a number of miles above 0, at most 5,000, with a ZIP code."),
    "page": N_("Page numbers start at 1."),
}


class SearchForm(BaseModel):
    """The search form, bounded exactly as the ``/v1/programs`` query parameters are."""

    region: str = Field(DEFAULT_REGION, pattern=r"^[A-Za-z]{2}$")
    keyword: str | None = Field(None, min_length=2, max_length=200)
    occupation: str | None = Field(None, pattern=CODE_PATTERN)
    schedule: str | None = Field(None, max_length=100)
    format: Format | None = None
    max_cost: float | None = Field(None, ge=0, le=MAX_COST, allow_inf_nan=False)
    max_weeks: float | None = Field(None, gt=0, le=MAX_WEEKS, allow_inf_nan=False)
    zip: str | None = Field(None, pattern=r"^\d{5}$")
    max_miles: float | None = Field(None, gt=0, le=MAX_RADIUS_MILES, allow_inf_nan=False)
    page: int = Field(1, ge=1, le=MAX_PAGE)


def _typed(request: Request) -> dict[str, str]:
    """What the user typed, trimmed; blank fields are left out (no filter)."""
    typed = {k: request.query_params.get(k, "").strip() for k in FIELDS}
    return {k: v for k, v in typed.items() if v}


def _form_errors(request: Request, typed: dict[str, str]) -> tuple[SearchForm, dict[str, str]]:
    """The checked form and a translated message per bad field (bad fields are dropped)."""
    try:
        return SearchForm.model_validate(typed), {}
    except ValidationError as exc:
        bad = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
    errors = {k: gettext(request, FIELD_HELP[k]) for k in bad if k in FIELD_HELP}
    good = {k: v for k, v in typed.items() if k not in bad}
    return SearchForm.model_validate(good), errors


def _search(request: Request, engine: Engine, form: SearchForm) -> ProgramsResponse:
    """The API's ``GET /v1/programs`` for the form (raises its ``ApiError``)."""
    return programs(
        request,
        engine,
        region=form.region,
        occupation=form.occupation,
        max_cost=form.max_cost,
        max_weeks=form.max_weeks,
        keyword=form.keyword,
        schedule=form.schedule,
        program_format=form.format,
        zip=form.zip,
        max_miles=form.max_miles,
        limit=PAGE_SIZE,
        offset=(form.page - 1) * PAGE_SIZE,
    )


def _field_of(exc: ApiError) -> str:
    """Which form field an API refusal is about (its ``loc``, else what the 404 names)."""
    loc = exc.extra.get("loc")
    if loc:
        return str(loc[-1])
    if "suggestions" in exc.extra:
        return "occupation"
    if "known" in exc.extra:
        return "region"
    return "zip"


def _refusal(request: Request, exc: ApiError) -> tuple[str, str]:
    """(field, translated message) for an API refusal of the search."""
    field = _field_of(exc)
    if exc.status_code == 404 and field == "occupation":
        return field, gettext(request, "No occupation has this code. Check the code.")
    if exc.status_code == 404 and field == "zip":
        return field, gettext(request, "This ZIP code has no location point in the data.")
    if field == "schedule":
        return field, gettext(request, "The schedule was not understood: %(detail)s", detail=exc)
    return field, gettext(request, FIELD_HELP.get(field, "Check this value."))


def _regions(engine: Engine) -> list[str]:
    states = engine.catalog.programs["state"].drop_nulls().unique().to_list()
    return sorted(str(s) for s in states)


def _page_link(typed: dict[str, str], page: int) -> str:
    return "/programs?" + urlencode({**typed, "page": str(page)})


@router.get("/programs", response_class=HTMLResponse)
def programs_page(request: Request, engine: EngineDep, user: UserDep) -> HTMLResponse:
    """The search form and the programs it finds (every filter narrows the list)."""
    typed = _typed(request)
    form, errors = _form_errors(request, typed)
    result = None
    if not errors:
        try:
            result = _search(request, engine, form)
        except ApiError as exc:
            field, message = _refusal(request, exc)
            errors[field] = message
    pages = -(-result.total // PAGE_SIZE) if result else 0
    return render(
        request,
        "programs.html",
        status_code=422 if errors else 200,
        typed=typed,
        form=form,
        errors=errors,
        result=result,
        regions=_regions(engine),
        schedules=SCHEDULES,
        formats=FORMATS,
        page=form.page,
        pages=pages,
        prev_link=_page_link(typed, form.page - 1) if form.page > 1 else None,
        next_link=_page_link(typed, form.page + 1) if form.page < pages else None,
    )


@router.get("/programs/{program_id}", response_class=HTMLResponse)
def program_page(
    request: Request, engine: EngineDep, user: UserDep, program_id: str
) -> HTMLResponse:
    """One program as a case manager hands it to the client (the API's detail)."""
    context: dict[str, Any] = {"program": None, "suggestions": []}
    status_code = 200
    if len(program_id) > 100:
        status_code = 404
    else:
        try:
            context["program"] = program_detail(request, engine, program_id).program
        except ApiError as exc:
            status_code = 404
            context["suggestions"] = exc.extra.get("suggestions", [])
    return render(request, "program_detail.html", status_code=status_code, **context)
