"""Course descriptions: SMC catalog JSON, Coursera and edX CSVs, and user college catalogs.

Table ``courses`` (one row per course), columns in this order:

==============  ============  ===========================================================
course_id       String        ``smc:<course_id>``, ``coursera:<course_id>``, ``edx:<slug>``,
                              ``catalog:<file stem>:<code>``
source          String        ``smc_2025`` | ``coursera`` | ``edx`` | ``catalog``
provider        String        "Santa Monica College"; edX ``institution``; "Coursera"
                              (the 2019 scrape names no partner institution, and
                              ``instructors`` are people, not providers)
program         String        SMC ``program_name``; Coursera breadcrumbs joined " / ";
                              edX ``subject``
code            String        SMC ``course_code`` ("ACCTG 1"); catalog course code
title           String        required
description     String        required: a course without one is rejected
                              ("description missing"); edX falls back to ``summary``
units           Float64       "3 UNITS" -> 3.0; a range "1-3 UNITS" -> 3.0 (the maximum,
                              the load a student can take the course at)
prerequisites   String        SMC ``prerequisites`` as published
tagged_skills   List[String]  Coursera's own "Skills you will gain" tags
language        String        English names (edX "Español" -> "Spanish")
url             String
_line           Int64         line the course record starts on
source_file     String        file name
==============  ============  ===========================================================

SMC program files hold ``courses[]``; files of another shape (``cross_references.json``)
are reported as skipped (severity ``missing``), not as errors. The 36 SMC independent-study
and internship courses have empty descriptions and are rejected, leaving 926 of 962.
The edX file lists one course twice; the second copy is rejected as a duplicate.

``load_catalog`` reads the generic catalog format a college can export for ``pathmatch
gaps``: CSV or JSON Lines with a course code, title and description (accepted column names
in ``CATALOG_COLUMNS``), optionally program, units, provider, prerequisites, url, language.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import polars as pl

from matching.ingest.loaders.base import (
    NULL_MARKERS,
    Col,
    ColumnTypes,
    Loaded,
    LoaderError,
    LoadReport,
    RawRecords,
    build_table,
    find_column,
    read_csv_records,
)
from matching.ingest.loaders.records import (
    JSON_LINE,
    LIST_SEP,
    add_raw_columns,
    canonical_records,
    conform,
    drop_duplicate_ids,
    empty_conformed,
    json_error,
    json_scalar,
    jsonl_objects,
    list_text,
    load_keyed,
    parse_json,
    raw_from_dicts,
    read_text,
    short_sha1,
    to_list_column,
)
from matching.ingest.loaders.source import Source
from matching.schemas import Course, table_columns

COURSE_SCHEMA: ColumnTypes = {
    name: pl.Float64
    if name == "units"
    else pl.List(pl.String)
    if name == "tagged_skills"
    else pl.String
    for name in table_columns(Course)
}

DESCRIPTION_MISSING = "description missing"

# --------------------------------------------------------------------------- normalizers


def units(value: str) -> str | None:
    """'2 UNITS', '0.5 UNIT', '3 credits', '4' -> the number; '1-3 UNITS' -> the maximum."""
    match = re.fullmatch(
        r"(\d+(?:\.\d+)?)(?:\s*(?:-|–|to)\s*(\d+(?:\.\d+)?))?\s*"
        r"(?:units?|credits?|credit hours?)?",
        value.strip(),
        re.IGNORECASE,
    )
    if not match:
        return None
    return str(max(float(g) for g in match.groups() if g is not None))


_MAX_LITERAL = 100_000


def python_list(value: str) -> str | None:
    """A Python list literal of strings ("['SQL', 'Excel']") as a list cell; else invalid.

    ``ast.literal_eval`` evaluates literals only (no names, calls or attributes); the size
    cap keeps a pathological cell from exhausting memory or recursion.
    """
    if len(value) > _MAX_LITERAL:
        return None
    try:
        parsed = ast.literal_eval(value)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    if not isinstance(parsed, list | tuple) or not all(isinstance(v, str) for v in parsed):
        return None
    return LIST_SEP.join(v.strip() for v in parsed if v.strip())


def breadcrumbs(value: str) -> str | None:
    """Coursera's ['Business', 'Business Essentials'] as 'Business / Business Essentials'."""
    items = python_list(value)
    return None if items is None else " / ".join(items.split(LIST_SEP))


_LANGUAGES = {
    "español": "Spanish",
    "français": "French",
    "italiano": "Italian",
    "中文": "Chinese",
    "português": "Portuguese",
    "日本語": "Japanese",
    "اللغة العربية": "Arabic",
    "deutsch": "German",
}


def language(value: str) -> str | None:
    """English language names; edX writes each language in itself."""
    return _LANGUAGES.get(value.strip().lower(), value.strip())


def _prefixed(prefix: str) -> Callable[[str], str | None]:
    def normalize(value: str) -> str | None:
        value = re.sub(r"\s+", " ", value.strip())
        return f"{prefix}{value}" if value else None

    return normalize


_LANGUAGE_MARKERS = NULL_MARKERS | {"None"}

# --------------------------------------------------------------------------- shared typing


def _reject_blank_descriptions(raw: RawRecords, report: LoadReport, column: str) -> RawRecords:
    """Drop (and report) records whose description is empty: the schema requires one."""
    index = raw.header.index(column)
    rows, lines = [], []
    for row, line in zip(raw.rows, raw.lines, strict=True):
        if row[index].strip() not in NULL_MARKERS:
            rows.append(row)
            lines.append(line)
        else:
            report.reject(raw.file, line, "description", DESCRIPTION_MISSING)
    return RawRecords(raw.file, raw.header, rows, lines)


def _typed(
    raw: RawRecords,
    spec: Sequence[Col],
    report: LoadReport,
    constants: dict[str, object],
    description: str | None,
) -> pl.DataFrame:
    """Reject blank descriptions, type by ``spec``, conform to the courses table.

    ``description`` is the raw header holding the description; when the file lacks it,
    ``build_table`` reports the missing required column instead.
    """
    if description in raw.header:
        raw = _reject_blank_descriptions(raw, report, description)
    table = build_table(raw, spec, report, record_key="course_id")
    if "tagged_skills" in table.columns:
        table = to_list_column(table, "tagged_skills")
    return conform(
        table,
        COURSE_SCHEMA,
        raw.file,
        {"tagged_skills": [], **constants} if "tagged_skills" not in table.columns else constants,
    )


# --------------------------------------------------------------------------- SMC JSON


SMC_SPEC: tuple[Col, ...] = (
    Col("course_id", ("course_id",), required=True, normalize=_prefixed("smc:")),
    Col("program", ("program_name",)),
    Col("code", ("course_code",)),
    Col("title", ("course_title",), required=True),
    Col("description", ("description",), required=True),
    Col("units", ("units",), kind="float", normalize=units, problem="units not a number"),
    Col("prerequisites", ("prerequisites",)),
)

_SMC_FIELDS = ("course_id", "course_code", "course_title", "description", "units", "prerequisites")


def load_smc_program(path: Path, report: LoadReport) -> pl.DataFrame:
    """One SMC program file; a file without ``courses`` is reported as skipped."""
    text = read_text(path, report)
    try:
        doc = parse_json(text)
    except json.JSONDecodeError as exc:
        report.rows_read += 1  # one unreadable program: read and rejected
        json_error(path, report, exc)
        return empty_conformed(COURSE_SCHEMA)
    courses = doc.get("courses") if isinstance(doc, dict) else None
    if not isinstance(courses, list):
        report.reject(
            path,
            None,
            None,
            "no courses in this file (not a program file); skipped",
            severity="missing",
        )
        return empty_conformed(COURSE_SCHEMA)
    program = json_scalar(doc.get("program_name"))
    records = [
        (
            course.get(JSON_LINE, 1),
            {"program_name": program, **{f: json_scalar(course.get(f)) for f in _SMC_FIELDS}},
        )
        for course in courses
        if isinstance(course, dict)
    ]
    report.rows_read += len(records)
    if not records:
        return empty_conformed(COURSE_SCHEMA)
    raw = raw_from_dicts(path, records)
    return _typed(
        raw,
        SMC_SPEC,
        report,
        {"source": "smc_2025", "provider": "Santa Monica College", "language": "English"},
        "description",
    )


# --------------------------------------------------------------------------- Coursera / edX


COURSERA_SPEC: tuple[Col, ...] = (
    Col("course_id", ("course_id",), required=True, normalize=_prefixed("coursera:")),
    Col("title", ("title",), required=True),
    Col("description", ("about",), required=True),
    Col(
        "program", ("breadcrumbs",), normalize=breadcrumbs, problem="breadcrumbs not a list literal"
    ),
    Col(
        "tagged_skills",
        ("skills",),
        normalize=python_list,
        problem="skills not a list literal of strings",
    ),
    Col("language", ("language",), normalize=language, markers=_LANGUAGE_MARKERS),
    Col("url", ("url",)),
)

EDX_SPEC: tuple[Col, ...] = (
    Col("course_id", ("derived_course_id",), required=True),
    Col("provider", ("institution",)),
    Col("program", ("subject",)),
    Col("title", ("title",), required=True),
    Col("description", ("derived_description",), required=True),
    Col("language", ("language",), normalize=language, markers=_LANGUAGE_MARKERS),
    Col("url", ("course_url",)),
)


def _edx_derived(row: dict[str, str]) -> dict[str, str]:
    """Course id from the URL slug (sha1 of title+institution without one); description
    falling back to the one-line summary when the long description is empty."""
    match = re.search(r"/course/([^/?#]+)", row.get("course_url", ""))
    slug = match.group(1) if match else short_sha1(row.get("title", ""), row.get("institution", ""))
    description = row.get("course_description", "").strip() or row.get("summary", "").strip()
    return {"derived_course_id": f"edx:{slug}", "derived_description": description}


def load_coursera(raw: RawRecords, report: LoadReport) -> pl.DataFrame:
    return _typed(
        raw, COURSERA_SPEC, report, {"source": "coursera", "provider": "Coursera"}, "about"
    )


def load_edx(raw: RawRecords, report: LoadReport) -> pl.DataFrame:
    raw = add_raw_columns(raw, _edx_derived)
    return _typed(raw, EDX_SPEC, report, {"source": "edx"}, "derived_description")


# --------------------------------------------------------------------------- generic catalog


CATALOG_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("course_code", "code", "course_number", "number", "course", "subject_code"),
    "title": ("title", "course_title", "course_name", "name"),
    "description": ("description", "course_description", "desc", "course_desc"),
    "program": ("program", "program_name", "department", "subject", "discipline"),
    "units": ("units", "credits", "credit_hours", "unit"),
    "provider": ("provider", "institution", "college", "school"),
    "prerequisites": ("prerequisites", "prerequisite", "prereqs"),
    "url": ("url", "link", "course_url"),
    "language": ("language",),
    "tagged_skills": ("skills", "tagged_skills"),
}
"""Accepted column names per field (case, spaces and punctuation ignored)."""

_CATALOG_REQUIRED = ("code", "title", "description")


def _catalog_spec(stem: str) -> tuple[Col, ...]:
    return (
        Col(
            "course_id",
            CATALOG_COLUMNS["code"],
            required=True,
            normalize=_prefixed(f"catalog:{stem}:"),
        ),
        Col("code", CATALOG_COLUMNS["code"], required=True),
        Col("title", CATALOG_COLUMNS["title"], required=True),
        Col("description", CATALOG_COLUMNS["description"], required=True),
        Col("program", CATALOG_COLUMNS["program"], optional_column=True),
        Col(
            "units",
            CATALOG_COLUMNS["units"],
            kind="float",
            normalize=units,
            problem="units not a number",
            optional_column=True,
        ),
        Col("provider", CATALOG_COLUMNS["provider"], optional_column=True),
        Col("prerequisites", CATALOG_COLUMNS["prerequisites"], optional_column=True),
        Col("url", CATALOG_COLUMNS["url"], optional_column=True),
        Col("language", CATALOG_COLUMNS["language"], normalize=language, optional_column=True),
        Col(
            "tagged_skills",
            CATALOG_COLUMNS["tagged_skills"],
            normalize=list_text,
            optional_column=True,
        ),
    )


def _check_catalog(raw: RawRecords) -> None:
    """Clear errors for a catalog that cannot be used at all."""
    for field in _CATALOG_REQUIRED:
        if find_column(raw.header, Col(field, CATALOG_COLUMNS[field])) is None:
            accepted = ", ".join(CATALOG_COLUMNS[field])
            raise LoaderError(
                f"{raw.file.name}: required column '{field}' missing (accepted names: {accepted})"
            )
    if not raw.rows:
        raise LoaderError(f"{raw.file.name}: catalog has no courses (only a header)")


def catalog_table(raw: RawRecords, report: LoadReport) -> pl.DataFrame:
    _check_catalog(raw)
    spec = _catalog_spec(re.sub(r"\W+", "_", raw.file.stem.lower()).strip("_"))
    description = find_column(raw.header, Col("description", CATALOG_COLUMNS["description"]))
    return _typed(raw, spec, report, {"source": "catalog"}, description)


def _read_catalog_raw(path: Path, report: LoadReport) -> RawRecords:
    if path.suffix.lower() == ".jsonl":
        records = [
            (line, {k: json_scalar(v) for k, v in obj.items()})
            for line, obj in jsonl_objects(path, report)
        ]
        if not records:
            raise LoaderError(f"{path.name}: catalog has no courses")
        fields = [c for c in _catalog_spec(path.stem) if c.name != "course_id"]
        return raw_from_dicts(path, canonical_records(records, fields))
    return read_csv_records(path, report)


def load_catalog(path: Path) -> Loaded:
    """A college's own catalog (CSV or JSON Lines) as a courses table.

    Raises ``LoaderError`` with a message naming the problem when the file is absent,
    empty, or lacks a required column (the message lists the accepted column names);
    bad rows are reported and skipped like in every other loader.
    """
    path = Path(path)
    report = LoadReport("catalog")
    table = catalog_table(_read_catalog_raw(path, report), report)
    return Loaded(drop_duplicate_ids(table, "course_id", report), report)


# --------------------------------------------------------------------------- dispatch


def _csv_kind(header: Sequence[str]) -> str:
    def has(*names: str) -> bool:
        return all(find_column(header, Col(n, (n,))) is not None for n in names)

    if has("course_id", "about", "skills"):
        return "coursera"
    if has("course_url", "course_description", "institution"):
        return "edx"
    return "catalog"


def _load_one(path: Path, report: LoadReport) -> pl.DataFrame:
    suffix = path.suffix.lower()
    if suffix == ".json":
        return load_smc_program(path, report)
    if suffix == ".jsonl":
        return catalog_table(_read_catalog_raw(path, report), report)
    if suffix == ".csv":
        raw = read_csv_records(path, report)
        kind = _csv_kind(raw.header)
        if kind == "coursera":
            return load_coursera(raw, report)
        if kind == "edx":
            return load_edx(raw, report)
        return catalog_table(raw, report)
    raise LoaderError(f"{path.name}: not a course file (expected .json, .csv or .jsonl)")


def load_courses(paths: Sequence[Path]) -> Loaded:
    """Courses from SMC program JSON, Coursera/edX CSVs and catalogs, chosen by content."""
    return load_keyed("courses", paths, COURSE_SCHEMA, _load_one, "course_id")


SOURCES: list[Source] = [
    Source(
        table="courses",
        folder="courses",
        patterns=("*_catalog*/*.json", "*_catalog*/extra_refs/*.json", "*.csv", "*.jsonl"),
        load=load_courses,
        many=True,
        description="Course descriptions: SMC 2025 schedule, Coursera 2019, edX 2021, "
        "college catalogs",
    ),
]
