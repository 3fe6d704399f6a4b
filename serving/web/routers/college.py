"""College pages: upload a course catalog, confirm the target occupations, see the gap report.

The same analysis as ``pathmatch gaps`` and ``POST /v1/gaps``: the upload is read with the
CLI's catalog reader (``read_courses``: CSV, JSONL or JSON in the shared course formats), its
courses go through the API's ``courses_from_records`` so the web answers exactly what
``/v1/gaps`` answers for the same courses, and the report shows the HTML report's plots and
tables (``serving.gap_report``). Nothing is stored: the catalog travels between the pages
as a hidden base64 field (size-limited), the reader's temporary copy is removed at once.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import polars as pl
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from matching.curriculum.gaps import (
    COURSE_SUFFIXES,
    CourseInput,
    GapError,
    analyze_gaps,
    courses_from_records,
    read_courses,
    region_rows,
    resolve_targets,
    taught_skills,
)
from serving.api.deps import EngineDep, meta_of
from serving.api.routers.occupations import CODE_PATTERN
from serving.engine import Engine
from serving.gap_report import gap_context, plot_pngs, report_sections
from serving.web.render import N_, gettext, render
from serving.web.session import CsrfDep, UserDep
from serving.web.uploads import read_limited, upload_problem

router = APIRouter()
MAX_CATALOG_BYTES = 2 * 1024 * 1024
TOP_K = 20
PLOT_NAMES = {
    "top_gaps": N_("Top curriculum gaps by demand weight"),
    "coverage": N_("Demand coverage before and after the cover plan"),
    "heatmap": N_("Courses against the most sought skills"),
}


class CatalogProblem(Exception):
    """The upload cannot be used; the message is shown on the form (already translated)."""


@dataclass
class Catalog:
    """An uploaded catalog: its file name, bytes (re-sent by the pages) and courses."""

    name: str
    data: bytes
    courses: CourseInput
    file_rejects: int

    @property
    def encoded(self) -> str:
        return base64.b64encode(self.data).decode("ascii")


def _regions(engine: Engine) -> list[str]:
    postings = engine.bundle.table("postings")
    if "state" not in postings.columns:
        return []
    return sorted(postings["state"].drop_nulls().str.to_uppercase().unique().to_list())


def _safe_name(name: str | None) -> str:
    """The upload's base name kept to letters, digits, ``._-`` (it names a temp file)."""
    base = Path(name or "catalog").name
    return re.sub(r"[^A-Za-z0-9._-]", "_", base)[:100] or "catalog"


def read_catalog(request: Request, name: str, data: bytes) -> Catalog:
    """The courses of an uploaded catalog, read by the CLI's reader from a temp copy."""
    safe = _safe_name(name)
    problem = upload_problem(
        request,
        data,
        safe,
        limit=MAX_CATALOG_BYTES,
        suffixes=COURSE_SUFFIXES,
        empty=gettext(request, "Choose a catalog file to upload."),
        wrong_type=gettext(request, "The catalog must be a .csv, .jsonl or .json course file."),
    )
    if problem is not None:
        raise CatalogProblem(problem)
    with tempfile.TemporaryDirectory(prefix="pm-catalog-") as folder:
        path = Path(folder) / safe
        path.write_bytes(data)
        try:
            read = read_courses(path)
        except GapError as exc:
            raise CatalogProblem(str(exc)) from None
    records = [
        {"code": r["code"], "title": r["title"], "description": r["description"]}
        for r in read.table.iter_rows(named=True)
    ]
    try:
        courses = courses_from_records(records)
    except GapError as exc:
        raise CatalogProblem(str(exc)) from None
    rejected = sum(1 for r in read.rejects if r["severity"] == "rejected")
    return Catalog(safe, data, courses, rejected)


def decode_catalog(request: Request, name: str, encoded: str) -> Catalog:
    """The catalog carried back by a page's hidden field."""
    if len(encoded) > 2 * MAX_CATALOG_BYTES:
        raise CatalogProblem(
            gettext(request, "The file is larger than %(mb)s MB.", mb=MAX_CATALOG_BYTES >> 20)
        )
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise CatalogProblem(
            gettext(request, "The catalog field is damaged; upload it again.")
        ) from None
    return read_catalog(request, name, data)


def course_records(catalog: Catalog) -> list[dict[str, str]]:
    """The catalog's courses as the ``/v1/gaps`` body's ``courses``."""
    return [
        {"code": r["code"], "title": r["title"], "description": r["description"]}
        for r in catalog.courses.table.iter_rows(named=True)
    ]


def inferred_targets(engine: Engine, catalog: Catalog, region: str) -> tuple[pl.DataFrame, str]:
    """The targets ``analyze_gaps`` infers without occupations (same steps, same context)."""
    context = gap_context(engine)
    rows = region_rows(context, region)
    _, per_course = taught_skills(catalog.courses.table, context)
    found, _, _, why = resolve_targets(context, rows, per_course, None, None)
    return found, why


def occupation_for(engine: Engine, typed: str) -> tuple[str | None, list[str]]:
    """An occupation code from a typed code or title: (code, []) or (None, suggestions)."""
    occupations = engine.bundle.table("onet_occupations")
    text = typed.strip()
    if re.match(CODE_PATTERN, text):
        hit = occupations.filter(
            (pl.col("onet_soc_code") == text) | (pl.col("soc2018_code") == text)
        )
    else:
        lowered = pl.col("title").str.to_lowercase()
        hit = occupations.filter(lowered == text.lower())
        if hit.is_empty():
            hit = occupations.filter(lowered.str.contains(text.lower(), literal=True))
    codes = sorted(hit["onet_soc_code"].unique().to_list())
    if len(codes) == 1:
        return codes[0], []
    shown = hit.sort("onet_soc_code").head(8)
    return None, [f"{c} {t}" for c, t in shown.select("onet_soc_code", "title").iter_rows()]


def _form(request: Request, engine: Engine, problem: str | None, status: int) -> HTMLResponse:
    return render(
        request,
        "college.html",
        status_code=status,
        regions=_regions(engine),
        problem=problem,
        max_mb=MAX_CATALOG_BYTES >> 20,
    )


@router.get("/college", response_class=HTMLResponse)
def college_form(request: Request, user: UserDep, engine: EngineDep) -> HTMLResponse:
    return _form(request, engine, None, 200)


@router.post("/college/targets", response_class=HTMLResponse, dependencies=[CsrfDep])
def college_targets(
    request: Request,
    user: UserDep,
    engine: EngineDep,
    region: Annotated[str, Form()],
    catalog: Annotated[UploadFile, File()],
) -> HTMLResponse:
    """The inferred target occupations of the uploaded catalog, to confirm or change.

    A plain ``def`` (run in the thread pool): reading and inferring take seconds."""
    data = read_limited(catalog, MAX_CATALOG_BYTES)
    try:
        read = read_catalog(request, catalog.filename or "", data)
        targets, why = inferred_targets(engine, read, region.strip().upper())
    except (CatalogProblem, GapError) as exc:
        return _form(request, engine, str(exc), 422)
    return _targets_page(request, read, region, targets.to_dicts(), why, None, [])


def _targets_page(
    request: Request,
    catalog: Catalog,
    region: str,
    targets: list[dict[str, Any]],
    why: str,
    problem: str | None,
    suggestions: list[str],
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "college_targets.html",
        status_code=status,
        catalog=catalog,
        region=region.strip().upper(),
        targets=targets,
        inference=why,
        problem=problem,
        suggestions=suggestions,
    )


def _chosen(
    request: Request, engine: Engine, occupations: list[str], extra: str
) -> tuple[list[str], str | None, list[str]]:
    """The checked codes plus the typed one; (codes, problem, suggestions)."""
    codes = [c for c in dict.fromkeys(o.strip() for o in occupations) if c]
    if extra.strip():
        code, suggestions = occupation_for(engine, extra)
        if code is None:
            return (
                codes,
                gettext(request, "No single occupation matches what was typed."),
                (suggestions),
            )
        codes.append(code)
    if not codes:
        return codes, gettext(request, "Keep or add at least one target occupation."), []
    return list(dict.fromkeys(codes)), None, []


@router.post("/college/report", response_class=HTMLResponse, dependencies=[CsrfDep])
def college_report(
    request: Request,
    user: UserDep,
    engine: EngineDep,
    region: Annotated[str, Form()],
    catalog_name: Annotated[str, Form()],
    catalog_data: Annotated[str, Form()],
    occupation: Annotated[list[str] | None, Form()] = None,
    add_occupation: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """The gap report for the confirmed targets: the HTML report's plots and tables."""
    try:
        catalog = decode_catalog(request, catalog_name, catalog_data)
    except CatalogProblem as exc:
        return _form(request, engine, str(exc), 422)
    codes, problem, suggestions = _chosen(request, engine, occupation or [], add_occupation)
    try:
        if problem is not None:
            raise CatalogProblem(problem)
        result = _analyze(engine, catalog, region, codes)
    except (CatalogProblem, GapError) as exc:
        targets = _titled(engine, codes)
        return _targets_page(
            request, catalog, region, targets, "", str(exc), suggestions, status=422
        )
    images = {
        name: base64.b64encode(png).decode("ascii") for name, png in plot_pngs(result).items()
    }
    return render(
        request,
        "college_report.html",
        result=result,
        catalog=catalog,
        region=result.region,
        codes=codes,
        images=images,
        plot_names={k: gettext(request, v) for k, v in PLOT_NAMES.items()},
        sections=[Markup(s) for s in report_sections(result)],
    )


def _analyze(engine: Engine, catalog: Any, region: str, codes: list[str]) -> Any:
    """The gap analysis both report routes run: the API's, over the page's catalog (no
    codes: the targets are inferred, as /v1/gaps does)."""
    return analyze_gaps(
        catalog.courses,
        gap_context(engine),
        region=region.strip().upper(),
        occupations=codes or None,
        top_k=TOP_K,
    )


def _titled(engine: Engine, codes: list[str]) -> list[dict[str, Any]]:
    occupations = engine.bundle.table("onet_occupations")
    titles = dict(occupations.select("onet_soc_code", "title").iter_rows())
    return [{"onet_soc_code": c, "title": titles.get(c)} for c in codes]


@router.post("/college/report.json", dependencies=[CsrfDep])
def college_report_json(
    request: Request,
    user: UserDep,
    engine: EngineDep,
    region: Annotated[str, Form()],
    catalog_name: Annotated[str, Form()],
    catalog_data: Annotated[str, Form()],
    occupation: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """The ``/v1/gaps`` answer for the same courses, region and occupations, as a file."""
    try:
        catalog = decode_catalog(request, catalog_name, catalog_data)
        result = _analyze(engine, catalog, region, [c for c in occupation or [] if c.strip()])
    except (CatalogProblem, GapError) as exc:
        return _form(request, engine, str(exc), 422)
    body = {"result": result.to_dict(), "meta": meta_of(engine, request).model_dump(mode="json")}
    stem = Path(catalog.name).stem or "catalog"
    return Response(
        json.dumps(body, ensure_ascii=False),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="gaps-{stem}.json"'},
    )
