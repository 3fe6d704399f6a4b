"""Records that do not come as delimited text: JSON, JSON Lines, dicts, and multi-file sources.

Postings (JSON-LD), course catalogs (JSON, JSONL) and participant intake files share these
helpers: JSON parsed with the line each object starts on, dict records turned into the
``RawRecords`` that ``base.build_table`` types, list-valued cells, US state and ZIP codes,
and the loop that loads several files of one source into one table with one report.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import json.decoder
import json.scanner
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from matching.ingest.loaders.base import (
    LINE,
    Col,
    ColumnTypes,
    Loaded,
    LoaderError,
    LoadReport,
    RawRecords,
    find_column,
    read_decoded,
    reject_duplicate_ids,
)

SOURCE_FILE = "source_file"

LIST_SEP = "\x1f"
"""Joins list items inside one raw string cell until the column is turned into a list."""

JSON_LINE = "__line__"
"""Key added to every JSON object read by ``parse_json``: the line its ``{`` is on."""

US_STATES: dict[str, str] = {
    "alabama": "AL",
    "alaska": "AK",
    "arizona": "AZ",
    "arkansas": "AR",
    "california": "CA",
    "colorado": "CO",
    "connecticut": "CT",
    "delaware": "DE",
    "district of columbia": "DC",
    "florida": "FL",
    "georgia": "GA",
    "hawaii": "HI",
    "idaho": "ID",
    "illinois": "IL",
    "indiana": "IN",
    "iowa": "IA",
    "kansas": "KS",
    "kentucky": "KY",
    "louisiana": "LA",
    "maine": "ME",
    "maryland": "MD",
    "massachusetts": "MA",
    "michigan": "MI",
    "minnesota": "MN",
    "mississippi": "MS",
    "missouri": "MO",
    "montana": "MT",
    "nebraska": "NE",
    "nevada": "NV",
    "new hampshire": "NH",
    "new jersey": "NJ",
    "new mexico": "NM",
    "new york": "NY",
    "north carolina": "NC",
    "north dakota": "ND",
    "ohio": "OH",
    "oklahoma": "OK",
    "oregon": "OR",
    "pennsylvania": "PA",
    "rhode island": "RI",
    "south carolina": "SC",
    "south dakota": "SD",
    "tennessee": "TN",
    "texas": "TX",
    "utah": "UT",
    "vermont": "VT",
    "virginia": "VA",
    "washington": "WA",
    "west virginia": "WV",
    "wisconsin": "WI",
    "wyoming": "WY",
    "puerto rico": "PR",
    "guam": "GU",
    "virgin islands": "VI",
    "american samoa": "AS",
    "northern mariana islands": "MP",
}
STATE_CODES: frozenset[str] = frozenset(US_STATES.values()) | {"AA", "AE", "AP"}
"""US states, DC, territories, and the military APO/FPO codes the PIRL allows."""


def state_code(value: str) -> str | None:
    """A 2-letter postal code from a code in any case or a full state name."""
    value = value.strip().strip(".")
    if value.upper() in STATE_CODES:
        return value.upper()
    return US_STATES.get(re.sub(r"\s+", " ", value.lower()))


def _digits(value: str) -> str | None:
    """Digits of a whole number, also when a spreadsheet wrote it as '6877.0'."""
    value = value.strip()
    if re.fullmatch(r"\d+\.0*", value):
        value = value.split(".")[0]
    return value if value.isascii() and value.isdigit() else None


def zip5(value: str) -> str | None:
    """A 5-digit ZIP: leading zeros lost by spreadsheets restored, ZIP+4 cut to 5."""
    match = re.fullmatch(r"(\d{5})-?\d{4}", value.strip())
    if match:
        return match.group(1)
    digits = _digits(value)
    return digits.zfill(5) if digits and 3 <= len(digits) <= 5 else None


def fips5(value: str) -> str | None:
    """A 5-digit county FIPS code, leading zero restored ('9001' -> '09001')."""
    digits = _digits(value)
    return digits.zfill(5) if digits and 4 <= len(digits) <= 5 else None


def short_sha1(*parts: str) -> str:
    """A stable 16-hex-digit id for records that carry none of their own."""
    return hashlib.sha1("\x00".join(parts).encode("utf-8")).hexdigest()[:16]


def list_text(value: str) -> str:
    """Canonical list cell: items split on ``LIST_SEP`` (from JSON) or ';' (from CSV)."""
    items = value.split(LIST_SEP) if LIST_SEP in value else value.split(";")
    return LIST_SEP.join(item.strip() for item in items if item.strip())


def to_list_column(table: pl.DataFrame, name: str) -> pl.DataFrame:
    """Turn a ``LIST_SEP``-joined string column into List[String]; null becomes []."""
    return table.with_columns(
        pl.when(pl.col(name).is_null() | (pl.col(name) == ""))
        .then(pl.lit([], dtype=pl.List(pl.String)))
        .otherwise(pl.col(name).str.split(LIST_SEP))
        .alias(name)
    )


def read_text(path: Path, report: LoadReport) -> str:
    """A whole text file, UTF-8 or repaired Windows-1252 lines (each reported)."""
    path = Path(path)
    text, repaired = read_decoded(path, report)
    for line in repaired:
        report.reject(
            path, line, None, "bytes not valid UTF-8; decoded as Windows-1252", severity="repaired"
        )
    return text


class _LineDecoder(json.JSONDecoder):
    """A JSON decoder that stamps each object with the line its opening brace is on."""

    def __init__(self, text: str, first_line: int) -> None:
        super().__init__()
        newlines = [m.start() for m in re.finditer("\n", text)]

        # JSONObject and py_make_scanner are undocumented stdlib helpers that typeshed omits.
        def parse_object(s_and_end: tuple[str, int], *args: Any) -> tuple[dict, int]:
            obj, end = json.decoder.JSONObject(s_and_end, *args)  # type: ignore[attr-defined]
            obj[JSON_LINE] = first_line + bisect.bisect_left(newlines, s_and_end[1] - 1)
            return obj, end

        self.parse_object = parse_object
        self.scan_once = json.scanner.py_make_scanner(self)  # type: ignore[attr-defined]


def parse_json(text: str, first_line: int = 1) -> Any:
    """Parse JSON, adding ``JSON_LINE`` to every object; raises ``json.JSONDecodeError``."""
    return _LineDecoder(text, first_line).decode(text)


def json_error(
    path: Path, report: LoadReport, exc: json.JSONDecodeError, first_line: int = 1
) -> None:
    """Report malformed JSON at its line; the parser's message names no data values."""
    report.reject(path, first_line + exc.lineno - 1, None, f"malformed JSON: {exc.msg}")


def jsonl_objects(path: Path, report: LoadReport) -> Iterator[tuple[int, dict]]:
    """(line, object) for each line of a JSON Lines file; bad lines reported and skipped."""
    for number, line in enumerate(read_text(path, report).splitlines(), start=1):
        if not line.strip():
            continue
        report.rows_read += 1
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            json_error(path, report, exc, number)
            continue
        if not isinstance(obj, dict):
            report.reject(path, number, None, "line is not a JSON object")
            continue
        yield number, obj


def json_scalar(value: Any) -> str:
    """One JSON value as raw cell text: lists joined by ``LIST_SEP``, null as ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return LIST_SEP.join(json_scalar(v) for v in value if v is not None)
    if isinstance(value, dict):
        return json.dumps({k: v for k, v in value.items() if k != JSON_LINE})
    return str(value)


def flatten_json(obj: dict, prefix: str = "") -> dict[str, str]:
    """Nested objects flattened with '_' (``constraints.max_cost`` -> ``constraints_max_cost``)."""
    flat: dict[str, str] = {}
    for key, value in obj.items():
        if key == JSON_LINE:
            continue
        if isinstance(value, dict):
            flat.update(flatten_json(value, f"{prefix}{key}_"))
        else:
            flat[f"{prefix}{key}"] = json_scalar(value)
    return flat


def raw_from_dicts(path: Path, records: Sequence[tuple[int, dict[str, str]]]) -> RawRecords:
    """String records from dicts (JSON sources), so they go through ``build_table`` too."""
    header: list[str] = []
    for _, record in records:
        header.extend(k for k in record if k not in header)
    rows = [[record.get(h, "") for h in header] for _, record in records]
    return RawRecords(Path(path), header, rows, [line for line, _ in records])


def canonical_records(
    records: Sequence[tuple[int, dict[str, str]]], spec: Sequence[Col]
) -> list[tuple[int, dict[str, str]]]:
    """JSON records keyed by each column's first accepted name.

    JSON Lines records need not share keys: one may say ``sex``, the next ``PIRL201``. A
    CSV picks one header per file, so each record is mapped on its own before the records
    are stacked into one header.
    """
    out = []
    for line, record in records:
        keys = list(record)
        canonical = {}
        for col in spec:
            found = find_column(keys, col)
            if found is not None:
                canonical[col.source[0]] = record[found]
        out.append((line, canonical))
    return out


def add_raw_columns(
    raw: RawRecords, derive: Callable[[dict[str, str]], dict[str, str]]
) -> RawRecords:
    """Raw columns computed from each whole row (fallbacks, values split in two)."""
    rows: list[list[str]] = []
    names: list[str] = []
    for row in raw.rows:
        extra = derive(dict(zip(raw.header, row, strict=False)))
        names = names or list(extra)
        rows.append(row + [extra[n] for n in names])
    if not raw.rows:
        names = list(derive({h: "" for h in raw.header}))
    return RawRecords(raw.file, raw.header + names, rows, raw.lines)


def conform(
    table: pl.DataFrame, schema: ColumnTypes, path: Path, constants: dict[str, object] | None = None
) -> pl.DataFrame:
    """The table in ``schema`` order, constants and absent columns filled, then _line, file.

    Empty strings become null, so "no value" has one spelling in every table.
    """
    constants = constants or {}
    exprs = []
    for name, dtype in schema.items():
        if name in constants:
            exprs.append(pl.lit(constants[name], dtype=dtype).alias(name))
        elif name in table.columns and dtype == pl.String:
            column = pl.col(name).cast(dtype)
            exprs.append(pl.when(column == "").then(None).otherwise(column).alias(name))
        elif name in table.columns:
            exprs.append(pl.col(name).cast(dtype))
        else:
            exprs.append(pl.lit(None, dtype=dtype).alias(name))
    exprs += [pl.col(LINE), pl.lit(Path(path).name, dtype=pl.String).alias(SOURCE_FILE)]
    return table.select(exprs)


def empty_conformed(schema: ColumnTypes) -> pl.DataFrame:
    """A zero-row table with ``schema`` plus _line and source_file."""
    return pl.DataFrame(schema={**schema, LINE: pl.Int64, SOURCE_FILE: pl.String})


def drop_duplicate_ids(table: pl.DataFrame, key: str, report: LoadReport) -> pl.DataFrame:
    """Keep the first row per id; report each later one at its file and line."""
    return reject_duplicate_ids(table, key, report, file_column=SOURCE_FILE)


def load_files(
    paths: Iterable[Path],
    report: LoadReport,
    schema: ColumnTypes,
    load_one: Callable[[Path, LoadReport], pl.DataFrame],
) -> pl.DataFrame:
    """Load each file into one table; a file that cannot be read is reported, not fatal."""
    tables = []
    for path in paths:
        part = LoadReport(report.source)
        try:
            tables.append(load_one(Path(path), part))
        except LoaderError as exc:
            part.reject(path, None, None, str(exc))
        report.merge(part)
    return pl.concat(tables, how="vertical") if tables else empty_conformed(schema)


# =========================================================================== text


def load_keyed(
    source: str,
    paths: Sequence[Path],
    schema: ColumnTypes,
    load_one: Callable[[Path, LoadReport], pl.DataFrame],
    key: str,
) -> Loaded:
    """Load several files of one source into one table; an id seen twice is rejected."""
    report = LoadReport(source)
    table = load_files(paths, report, schema, load_one)
    return Loaded(drop_duplicate_ids(table, key, report), report)
