"""GeoNames postal-code export: a point for every postal code, for distances on real data.

Fills the same ``zcta_centroids`` table as the Census Gazetteer loader (``geo.py``), so the
referral distance check (``matching.referral.geo.zip_points``) reads either: ``zcta`` str,
``lat`` float, ``lon`` float, ``land_sq_miles`` float (always null: GeoNames has no area),
plus ``country`` str, ``place`` str, ``state`` str and ``accuracy`` int (GeoNames'
1 = estimated, 4 = geonameid, 6 = centroid of addresses or shape).

Official file: ``XX.txt`` (``US.txt`` for the US; the same layout for every country, so the
country is read from each row, never assumed), UTF-8, tab-separated, **no header**, 12
columns: country code, postal code, place name, admin name1, admin code1, admin name2,
admin code2, admin name3, admin code3, latitude, longitude, accuracy. Quirks handled:

- postal codes are text: US ZIPs keep their leading zeros (``00501``); a US code that is not
  five digits (a file resaved by a spreadsheet that dropped the zeros) is rejected, not
  guessed at;
- no quoting: a place name may hold a quote character, so lines are split on tabs only;
- a row without a latitude or longitude, or one outside -90..90 / -180..180, is rejected;
- military APO/FPO/DPO codes (admin code1 AA, AE or AP, or a place name starting with
  APO/FPO/DPO) have no meaningful location (the point is a base abroad, or a Pacific
  fleet's home port) and are rejected as such; in the 2020 US export two of them repeat a
  Hawaii ZIP, whose real row is then the one kept;
- a postal code repeated within a country keeps its first row; the repeat is rejected
  naming the line of the first.

A ``zcta_centroids`` table is keyed by postal code alone, so load one country's file
(``allCountries.txt`` would put codes of several countries side by side).
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from matching.ingest.loaders.base import (
    LINE,
    Col,
    Loaded,
    LoaderError,
    LoadReport,
    RawRecords,
    build_table,
    concat_loaded,
    empty_table,
    read_decoded,
    reject_duplicate_ids,
)

TABLE = "zcta_centroids"
COLUMNS = (
    "country_code",
    "postal_code",
    "place_name",
    "admin_name1",
    "admin_code1",
    "admin_name2",
    "admin_code2",
    "admin_name3",
    "admin_code3",
    "latitude",
    "longitude",
    "accuracy",
)
"""The export's columns, in file order (the file itself has no header row)."""
MILITARY_STATES = frozenset({"AA", "AE", "AP"})
MILITARY_PLACE = re.compile(r"^(APO|FPO|DPO)\b")
US_ZIP = re.compile(r"\d{5}")
PATTERNS = ("US.txt", "[A-Z][A-Z].txt")
"""File names of the export: the US file first, then any other country's."""


def _in_range(limit: float):
    def check(value: str) -> str | None:
        try:
            number = float(value)
        except ValueError:
            return None
        return value if -limit <= number <= limit else None

    return check


def _postal(value: str) -> str | None:
    return value if re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z \-]{0,11}", value) else None


def _accuracy(value: str) -> str | None:
    return value if value in {"1", "2", "3", "4", "5", "6"} else None


SPEC = (
    Col(
        "country",
        ("country_code",),
        required=True,
        normalize=lambda v: v.upper() if re.fullmatch(r"[A-Za-z]{2}", v) else None,
        problem="not a 2-letter country code",
    ),
    Col(
        "zcta",
        ("postal_code",),
        required=True,
        normalize=_postal,
        problem="not a postal code",
    ),
    Col("place", ("place_name",)),
    Col("state", ("admin_code1",)),
    Col(
        "lat",
        ("latitude",),
        kind="float",
        required=True,
        normalize=_in_range(90),
        problem="latitude not a number in -90..90",
    ),
    Col(
        "lon",
        ("longitude",),
        kind="float",
        required=True,
        normalize=_in_range(180),
        problem="longitude not a number in -180..180",
    ),
    Col(
        "accuracy",
        ("accuracy",),
        kind="int",
        normalize=_accuracy,
        problem="accuracy not a GeoNames code 1-6",
    ),
)
OUTPUT = ("zcta", "lat", "lon", "land_sq_miles", "country", "place", "state", "accuracy", LINE)


def read_records(path: Path, report: LoadReport) -> RawRecords:
    """The export's lines as records of 12 fields, split on tabs only (no quoting).

    A line with another number of fields is rejected (the export trims nothing, so a short
    line is a truncated one); blank lines are skipped.
    """
    text, repaired = read_decoded(path, report)
    repaired_lines = set(repaired)
    rows: list[list[str]] = []
    lines: list[int] = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        report.rows_read += 1
        fields = line.split("\t")
        if len(fields) != len(COLUMNS):
            report.reject(path, number, None, f"row has {len(fields)} fields, the export has 12")
            continue
        if number in repaired_lines:
            report.reject(
                path,
                number,
                "place_name",
                "bytes not valid UTF-8; decoded as Windows-1252",
                severity="repaired",
            )
        rows.append(fields)
        lines.append(number)
    return RawRecords(Path(path), list(COLUMNS), rows, lines)


def load_geonames_file(path: Path) -> Loaded:
    """One export file: typed, military and malformed rows rejected, repeats dropped."""
    report = LoadReport(TABLE)
    try:
        raw = read_records(path, report)
    except LoaderError as exc:
        report.reject(path, None, None, str(exc))
        return Loaded(_output(empty_table(SPEC)), report)
    table = build_table(raw, SPEC, report, record_key="zcta")
    table = _reject_where(
        table,
        report,
        path,
        pl.col("state").is_in(list(MILITARY_STATES))
        | pl.col("place").fill_null("").str.contains(MILITARY_PLACE.pattern),
        "zcta",
        "military APO/FPO/DPO code: no meaningful location",
    )
    table = _reject_where(
        table,
        report,
        path,
        (pl.col("country") == "US") & ~pl.col("zcta").str.contains(f"^{US_ZIP.pattern}$"),
        "zcta",
        "US ZIP not 5 digits (leading zeros lost?)",
    )
    table = reject_duplicate_ids(table, ["country", "zcta"], report, file=path, what="postal code")
    return Loaded(_output(table), report)


def _reject_where(
    table: pl.DataFrame,
    report: LoadReport,
    path: Path,
    condition: pl.Expr,
    field: str,
    reason: str,
) -> pl.DataFrame:
    """Drop the rows ``condition`` holds for, each reported as a rejected row."""
    hit = table.filter(condition)
    for line, key in hit.select(LINE, "zcta").iter_rows():
        report.reject(path, line, field, reason, record=key)
    report.rows_kept -= hit.height
    return table.filter(~condition.fill_null(False))


def _output(table: pl.DataFrame) -> pl.DataFrame:
    """The Gazetteer table's columns first (``land_sq_miles`` null), then GeoNames' own."""
    return table.with_columns(pl.lit(None, dtype=pl.Float64).alias("land_sq_miles")).select(OUTPUT)


def load_geonames(paths: list[Path]) -> Loaded:
    """Every export file given, concatenated (one country each, see the module docstring)."""
    return concat_loaded(TABLE, [load_geonames_file(p) for p in paths])
