"""Job postings: LinkedIn CSV releases, schema.org ``JobPosting`` JSON-LD, Parquet.

Table ``postings`` (one row per published posting), columns in this order:

==================  =======  ===============================================================
posting_id          String   ``linkedin:<job_id>`` or ``jsonld:<identifier | url | sha1>``
source              String   ``linkedin``, ``jsonld`` or (Parquet files) their own or ``parquet``
title               String   required
description         String   required; JSON-LD HTML reduced to text, paragraphs kept
company             String
city                String   from ``City, ST`` / JSON-LD ``addressLocality``
state               String   2-letter code; null for "United States" or a bare metro area
zip                 String   5 digits, leading zeros restored
county_fips         String   5 digits, leading zeros restored
remote              Boolean  LinkedIn ``remote_allowed`` / JSON-LD ``TELECOMMUTE``
pay_min             Float64  as advertised, in ``pay_period`` units (not annualized here)
pay_max             Float64
pay_median          Float64  LinkedIn ``med_salary`` / a single JSON-LD ``value``
pay_period          String   hour | day | week | biweekly | month | year
currency            String   ISO 4217
employment_type     String   full_time | part_time | contract | temporary | internship |
                             volunteer | per_diem | other; several joined with ';'
experience_level    String   as published ("Mid-Senior level")
date_posted         String   ISO date YYYY-MM-DD
url                 String
_line               Int64    line the record starts on (multi-line quoted fields included)
source_file         String   file name
==================  =======  ===============================================================

Quirks handled (see ``postings/SOURCE.md``): the 28- and 27-column LinkedIn releases name
different columns, so columns are found by header name, never position; the 165-row file is
Windows-1252 in places (repaired and reported per record) and its epoch-millisecond times were
saved in scientific notation (``1.71138E+12``), precise to a few hours, so only the date is
kept; it also lost the leading zeros of ``zip_code`` and ``fips`` (``6877`` -> ``06877``).
Pay is kept as advertised; a later stage converts periods. A posting id seen twice (in any of
the files loaded together) is rejected the second time.

"""

from __future__ import annotations

import html
import json
import json.decoder
import json.scanner
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polars as pl

from matching.ingest.loaders.base import (
    Col,
    ColumnTypes,
    Loaded,
    LoaderError,
    LoadReport,
    RawRecords,
    build_table,
    empty_table,
    read_csv_records,
)
from matching.ingest.loaders.records import (
    JSON_LINE,
    LIST_SEP,
    _digits,
    add_raw_columns,
    conform,
    drop_duplicate_ids,
    fips5,
    json_error,
    load_keyed,
    parse_json,
    raw_from_dicts,
    read_text,
    short_sha1,
    state_code,
    zip5,
)
from matching.ingest.loaders.source import Source
from matching.schemas import Posting, table_columns

_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "header",
        "footer",
        "ul",
        "ol",
        "table",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "dl",
        "dt",
        "dd",
    }
)


class _TextExtractor(HTMLParser):
    """HTML to plain text: block elements become paragraph breaks, list items lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(value: str) -> str:
    """Visible text of an HTML fragment with paragraph breaks kept (also double-escaped)."""
    if "<" not in value and "&lt;" in value:
        value = html.unescape(value)
    parser = _TextExtractor()
    parser.feed(value)
    parser.close()
    lines = [re.sub(r"\s+", " ", line).strip() for line in "".join(parser.parts).split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# =========================================================================== normalizers


_PERIODS = {
    "HOUR": "hour",
    "HOURLY": "hour",
    "DAY": "day",
    "DAILY": "day",
    "WEEK": "week",
    "WEEKLY": "week",
    "BIWEEKLY": "biweekly",
    "MONTH": "month",
    "MONTHLY": "month",
    "YEAR": "year",
    "YEARLY": "year",
    "ANNUAL": "year",
    "ANNUALLY": "year",
}

_EMPLOYMENT = {
    "FULL_TIME": "full_time",
    "FULLTIME": "full_time",
    "PART_TIME": "part_time",
    "PARTTIME": "part_time",
    "CONTRACT": "contract",
    "CONTRACTOR": "contract",
    "TEMPORARY": "temporary",
    "INTERN": "internship",
    "INTERNSHIP": "internship",
    "VOLUNTEER": "volunteer",
    "PER_DIEM": "per_diem",
    "OTHER": "other",
}


def pay_period(value: str) -> str | None:
    """LinkedIn HOURLY/YEARLY/... and schema.org HOUR/YEAR/... as hour, year, ..."""
    return _PERIODS.get(re.sub(r"[\s-]+", "", value.strip().upper()))


def employment_type(value: str) -> str | None:
    """One or several ('FULL_TIME' / 'Full-time' / a JSON-LD list) in one vocabulary."""
    items = value.split(LIST_SEP) if LIST_SEP in value else re.split(r"[;,]", value)
    found = [_EMPLOYMENT.get(re.sub(r"[\s-]+", "_", i.strip().upper())) for i in items]
    if not found or None in found:
        return None
    return ";".join(dict.fromkeys(f for f in found if f))


def pay_amount(value: str) -> str | None:
    """A positive advertised amount ('$65,000.00' -> '65000.0'); anything else invalid."""
    cleaned = value.replace(",", "").replace("$", "").strip()
    try:
        number = float(cleaned)
    except ValueError:
        return None
    return repr(number) if 0 < number < float("inf") else None


def iso_date(value: str) -> str | None:
    """ISO date from 'YYYY-MM-DD', an ISO datetime, or epoch milliseconds (also '1.71E+12')."""
    value = value.strip()
    match = re.match(r"(\d{4}-\d{2}-\d{2})(?:$|[T ])", value)
    if match:
        try:
            return date.fromisoformat(match.group(1)).isoformat()
        except ValueError:
            return None
    try:
        millis = float(value)
    except ValueError:
        return None
    if not 9.0e11 <= millis <= 4.1e12:  # 1998..2099 in epoch milliseconds
        return None
    return datetime.fromtimestamp(millis / 1000, tz=UTC).date().isoformat()


def flag_01(value: str) -> str | None:
    """'1', '1.0', 'true' -> '1'; '0', '0.0', 'false' -> '0'."""
    low = value.strip().lower()
    if low in ("1", "1.0", "true", "yes"):
        return "1"
    if low in ("0", "0.0", "false", "no"):
        return "0"
    return None


def linkedin_id(value: str) -> str | None:
    digits = _digits(value)
    return f"linkedin:{digits}" if digits else None


def currency(value: str) -> str | None:
    value = value.strip().upper()
    return value if re.fullmatch(r"[A-Z]{3}", value) else None


# =========================================================================== LinkedIn CSV


POSTING_SCHEMA: ColumnTypes = {
    name: pl.Boolean
    if name == "remote"
    else pl.Float64
    if name.startswith("pay_") and name != "pay_period"
    else pl.String
    for name in table_columns(Posting)
}

_COMMON: tuple[Col, ...] = (
    Col("title", ("title",), required=True),
    Col("description", ("description",), required=True),
    Col("company", ("company_name", "company")),
    Col("city", ("derived_city",), optional_column=True),
    Col("state", ("derived_state",), optional_column=True),
    Col("zip", ("zip_code", "zip"), normalize=zip5, problem="not a ZIP code", optional_column=True),
    Col(
        "county_fips",
        ("fips", "county_fips"),
        normalize=fips5,
        problem="not a county FIPS code",
        optional_column=True,
    ),
    Col(
        "remote",
        ("remote_allowed", "remote"),
        kind="bool",
        normalize=flag_01,
        problem="not a yes/no flag",
    ),
    Col(
        "pay_min",
        ("min_salary", "pay_min"),
        kind="float",
        normalize=pay_amount,
        problem="pay amount not a positive number",
    ),
    Col(
        "pay_max",
        ("max_salary", "pay_max"),
        kind="float",
        normalize=pay_amount,
        problem="pay amount not a positive number",
    ),
    Col(
        "pay_median",
        ("med_salary", "pay_median"),
        kind="float",
        normalize=pay_amount,
        problem="pay amount not a positive number",
        optional_column=True,
    ),
    Col("pay_period", ("pay_period",), normalize=pay_period, problem="unknown pay period"),
    Col("currency", ("currency",), normalize=currency, problem="not a 3-letter currency code"),
    Col(
        "employment_type",
        ("work_type", "formatted_work_type", "employment_type"),
        normalize=employment_type,
        problem="unknown employment type",
    ),
    Col(
        "experience_level", ("formatted_experience_level", "experience_level"), optional_column=True
    ),
    Col(
        "date_posted",
        ("listed_time", "date_posted"),
        normalize=iso_date,
        problem="not a date or epoch-milliseconds time",
    ),
    Col("url", ("job_posting_url", "url")),
)

LINKEDIN_SPEC: tuple[Col, ...] = (
    Col(
        "posting_id",
        ("job_id",),
        required=True,
        normalize=linkedin_id,
        problem="job_id is not a whole number",
    ),
    *_COMMON,
)


def parse_location(value: str) -> tuple[str, str]:
    """(city, state code) from LinkedIn locations; '' where the text does not say.

    'Princeton, NJ' and 'Los Angeles, California, United States' give both; 'Texas, United
    States' and 'Austin, Texas Metropolitan Area' give the state; 'United States' and bare
    metro names ('Greater Philadelphia') give neither.
    """
    parts = [p.strip() for p in value.split(",") if p.strip()]
    if parts and parts[-1].lower() in ("united states", "usa", "us"):
        parts = parts[:-1]
    if not parts:
        return "", ""
    last = re.sub(r"\s+(Metropolitan Area|Metro Area|Area)$", "", parts[-1])
    code = state_code(last)
    if code is None:
        return "", ""
    city = ", ".join(parts[:-1])
    return city, code


def _location_columns(row: dict[str, str]) -> dict[str, str]:
    city, state = parse_location(row.get("location", ""))
    return {"derived_city": city, "derived_state": state}


def load_linkedin(path: Path, report: LoadReport) -> pl.DataFrame:
    """One LinkedIn postings CSV (either release), conformed to the postings table."""
    raw = read_csv_records(path, report, header_must_contain=("job_id", "title"))
    raw = add_raw_columns(raw, _location_columns)
    table = build_table(raw, LINKEDIN_SPEC, report, record_key="posting_id")
    return conform(table, POSTING_SCHEMA, path, {"source": "linkedin"})


# =========================================================================== JSON-LD


JSONLD_SPEC: tuple[Col, ...] = (
    Col("_record", ("_record",)),
    Col("posting_id", ("posting_id",), required=True),
    *(c for c in _COMMON if c.name not in ("city", "state")),
    Col("city", ("city",), optional_column=True),
    Col("state", ("state",), normalize=state_code, problem="not a US state", optional_column=True),
)


def _is_job_posting(obj: Any) -> bool:
    if not isinstance(obj, dict):
        return False
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return any(isinstance(k, str) and k.rsplit("/", 1)[-1].endswith("JobPosting") for k in kinds)


def find_job_postings(doc: Any) -> Iterator[dict]:
    """JobPosting objects in a document: one object, an array, or an ``@graph``."""
    if isinstance(doc, list):
        for item in doc:
            yield from find_job_postings(item)
    elif isinstance(doc, dict):
        if _is_job_posting(doc):
            yield doc
        elif isinstance(doc.get("@graph"), list):
            yield from find_job_postings(doc["@graph"])


def _text(value: Any) -> str:
    """Text of a schema.org value that may be a string, a number, or {'name'|'value': ..}."""
    if isinstance(value, dict):
        return _text(value.get("name", value.get("value", value.get("@value"))))
    if isinstance(value, list):
        return _text(value[0]) if value else ""
    return "" if value is None else str(value).strip()


def _address(posting: dict) -> dict:
    locations = posting.get("jobLocation")
    for place in locations if isinstance(locations, list) else [locations]:
        if isinstance(place, dict):
            address = place.get("address")
            if isinstance(address, dict):
                return address
    return {}


def _salary(posting: dict) -> dict[str, str]:
    salary = posting.get("baseSalary")
    if isinstance(salary, list):
        salary = salary[0] if salary else None
    out = {"currency": _text(posting.get("salaryCurrency"))}
    if salary is None:
        return out
    if not isinstance(salary, dict):
        return {**out, "pay_median": _text(salary)}
    value = salary.get("value")
    out["currency"] = _text(salary.get("currency")) or out["currency"]
    unit = salary.get("unitText")
    if isinstance(value, dict):
        unit = value.get("unitText", unit)
        out.update(
            pay_min=_text(value.get("minValue")),
            pay_max=_text(value.get("maxValue")),
            pay_median=_text(value.get("value")),
        )
    else:
        out["pay_median"] = _text(value)
    out["pay_period"] = _text(unit)
    return out


def _identifier(posting: dict, title: str, description: str) -> str:
    ident = posting.get("identifier")
    if isinstance(ident, list):
        ident = ident[0] if ident else None
    text = _text(ident.get("value") if isinstance(ident, dict) else ident)
    url = _text(posting.get("url"))
    return "jsonld:" + (text or url or short_sha1(title, description))


def flatten_posting(posting: dict) -> dict[str, str]:
    """A JobPosting as raw cells named like the postings columns."""
    title = _text(posting.get("title"))
    description = html_to_text(_text(posting.get("description")))
    address = _address(posting)
    kinds = posting.get("employmentType")
    kinds = kinds if isinstance(kinds, list) else [kinds] if kinds else []
    location_type = _text(posting.get("jobLocationType")).upper()
    experience = posting.get("experienceRequirements")
    return {
        "posting_id": _identifier(posting, title, description),
        "title": title,
        "description": description,
        "company": _text(posting.get("hiringOrganization")),
        "city": _text(address.get("addressLocality")),
        "state": _text(address.get("addressRegion")),
        "zip": _text(address.get("postalCode")),
        "remote": "true" if location_type == "TELECOMMUTE" else "",
        **_salary(posting),
        "employment_type": LIST_SEP.join(_text(k) for k in kinds),
        "experience_level": experience if isinstance(experience, str) else "",
        "date_posted": _text(posting.get("datePosted")),
        "url": _text(posting.get("url")),
    }


_LD_SCRIPT = re.compile(
    r"<script[^>]*type\s*=\s*[\"']application/ld\+json[\"'][^>]*>(.*?)</script\s*>",
    re.IGNORECASE | re.DOTALL,
)


def _json_documents(path: Path, text: str, report: LoadReport) -> Iterator[Any]:
    """Parsed documents of a .json/.jsonld file, a .jsonl file, or an HTML page's blocks."""
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                yield from _parse_or_report(path, line, number, report)
        return
    if suffix in (".html", ".htm"):
        for match in _LD_SCRIPT.finditer(text):
            first = text.count("\n", 0, match.start(1)) + 1
            yield from _parse_or_report(path, match.group(1), first, report)
        return
    yield from _parse_or_report(path, text, 1, report)


def _parse_or_report(path: Path, text: str, first_line: int, report: LoadReport) -> Iterator[Any]:
    """The parsed document; a malformed one counts as one record read and rejected."""
    try:
        yield parse_json(text, first_line)
    except json.JSONDecodeError as exc:
        report.rows_read += 1
        json_error(path, report, exc, first_line)


def load_jsonld(path: Path, report: LoadReport) -> pl.DataFrame:
    """JobPostings from one JSON-LD, JSON Lines or HTML file, conformed to the table."""
    text = read_text(path, report)
    records: list[tuple[int, dict[str, str]]] = []
    for doc in _json_documents(path, text, report):
        for posting in find_job_postings(doc):
            record = flatten_posting(posting)
            record["_record"] = str(len(records) + 1)
            records.append((posting[JSON_LINE], record))
            _check_salary_unit(path, posting[JSON_LINE], record, report)
    report.rows_read += len(records)
    if not records:
        report.reject(path, None, None, "no schema.org JobPosting found", severity="missing")
        return conform(empty_table(JSONLD_SPEC), POSTING_SCHEMA, path)
    table = build_table(raw_from_dicts(path, records), JSONLD_SPEC, report, record_key="_record")
    return conform(table, POSTING_SCHEMA, path, {"source": "jsonld"})


def _check_salary_unit(path: Path, line: int, record: dict[str, str], report: LoadReport) -> None:
    has_pay = any(record.get(k) for k in ("pay_min", "pay_max", "pay_median"))
    if has_pay and not record.get("pay_period"):
        report.reject(
            path,
            line,
            "pay_period",
            "salary has no unitText; pay period unknown",
            severity="repaired",
            record=record["_record"],
        )


# =========================================================================== Parquet


PARQUET_SPEC: tuple[Col, ...] = (
    Col("posting_id", ("posting_id",), required=True),
    *(c for c in JSONLD_SPEC if c.name not in ("_record", "posting_id")),
)


def load_parquet(path: Path, report: LoadReport) -> pl.DataFrame:
    """A Parquet file of postings: the postings table's columns (``posting_id``, ``title``,
    ``description``, ...) or a LinkedIn release's (``job_id``, ``location``, ...), read
    through the same column rules as the CSV and JSON-LD files. A record's "line" is its
    row number (first row 1); ``source`` is kept when the file has it, else ``parquet``."""
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:  # polars raises ComputeError/OSError variants for bad files
        raise LoaderError(f"{path.name}: not a readable Parquet file ({exc})") from exc
    header = frame.columns
    rows = [
        ["" if value is None else str(value) for value in row]
        for row in frame.cast({c: pl.String for c in header}, strict=False).iter_rows()
    ]
    report.rows_read += len(rows)
    raw = RawRecords(Path(path), list(header), rows, list(range(1, len(rows) + 1)))
    if "job_id" in header:
        raw = add_raw_columns(raw, _location_columns)
        table = build_table(raw, LINKEDIN_SPEC, report, record_key="posting_id")
        return conform(table, POSTING_SCHEMA, path, {"source": "linkedin"})
    table = build_table(raw, PARQUET_SPEC, report, record_key="posting_id")
    sources = frame.get_column("source").drop_nulls().unique() if "source" in header else None
    source = sources.item(0) if sources is not None and sources.len() == 1 else "parquet"
    return conform(table, POSTING_SCHEMA, path, {"source": source})


# =========================================================================== entry points


_JSONLD_SUFFIXES = (".jsonld", ".json", ".jsonl", ".html", ".htm")


def _load_one(path: Path, report: LoadReport) -> pl.DataFrame:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return load_linkedin(path, report)
    if suffix in _JSONLD_SUFFIXES:
        return load_jsonld(path, report)
    if suffix == ".parquet":
        return load_parquet(path, report)
    raise LoaderError(
        f"{path.name}: not a postings file (expected .csv, .jsonld, .json, .jsonl, .html "
        "or .parquet)"
    )


def load_posting_file(path: Path, report: LoadReport) -> pl.DataFrame:
    """One postings file of any known format (by extension), an id repeated inside it
    rejected the second time; ``LoaderError`` for a file that is no postings file."""
    return drop_duplicate_ids(_load_one(Path(path), report), "posting_id", report)


def load_postings(paths: Sequence[Path]) -> Loaded:
    """Postings from a mix of LinkedIn CSVs and JSON-LD files, chosen by extension."""
    return load_keyed("postings", paths, POSTING_SCHEMA, _load_one, "posting_id")


SOURCES: list[Source] = [
    Source(
        table="postings",
        folder="postings",
        patterns=("*.csv", "*.jsonld", "*.json", "*.jsonl", "*.html"),
        load=load_postings,
        many=True,
        description="Job postings: LinkedIn CSV releases and schema.org JobPosting JSON-LD",
    ),
]
