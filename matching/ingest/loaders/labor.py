"""Labor-market context: BLS OEWS wages and employment, state LMI extracts, BLS projections.

Tables (each also carries ``_line``, the spreadsheet row or file line):

``oews`` (BLS OEWS ``national_M*_dl.xlsx``, ``state_M*_dl.xlsx``, ``MSA_M*_dl.xlsx``; older
``.xls`` releases too; every file found is loaded)
    area str, area_title str, area_type int (1 U.S., 2 state, 4 MSA, 6 nonmetro),
    prim_state str, naics str, occ_code str (SOC 2018 'NN-NNNN', incl. group codes such as
    '11-0000'), occ_title str, o_group str ('total' | 'major' | 'minor' | 'broad' |
    'detailed'), tot_emp int, emp_prse float, jobs_1000 float, loc_quotient float,
    h_mean, a_mean, h_pct10, h_pct25, h_median, h_pct75, h_pct90, a_pct10, a_pct25,
    a_median, a_pct75, a_pct90 float, annual bool (only annual wages published), hourly bool
    (only hourly wages published), then one ``<wage column>_topcoded`` bool per wage column,
    then year int (from the file name, M2024 -> 2024). BLS marks: '#' = wage at or above the
    top code ($115.00/hour or $239,200/year in 2024) -> null with ``_topcoded`` true; '*' and
    '**' = not available -> null.

``oews_state_extracts`` (state LMI agencies' own layouts; one ``ExtractLayout`` each)
    area str, area_title str, area_type str ('state' | 'region' | 'msa' | 'nonmetro'),
    prim_state str (state of the publishing agency), occ_code str, occ_title str,
    tot_emp int, h_mean, a_mean, h_pct25, h_median, h_pct75, a_pct25, a_median, a_pct75,
    h_entry, a_entry, h_experienced, a_experienced float, hourly_from_annual bool,
    annual_from_hourly bool, source str, year int (null when the file does not say).
    A wage published only hourly or only annually is converted at 2,080 hours a year (the
    BLS full-time convention) and the row's ``*_from_*`` flag says so; a pair the file gives
    both ways is kept as published. Blank wages are null: these extracts do not distinguish
    top-coded from suppressed.

``ep_projections`` (BLS Employment Projections ``occupation.xlsx``, sheet "Table 1.2")
    soc_code str, title str, occupation_type str ('Line item' = detailed SOC | 'Summary'),
    emp_base_k, emp_proj_k, emp_change_k float (thousands), emp_change_pct float,
    self_employed_pct float, annual_openings_k float, median_annual_wage float,
    entry_education str, work_experience str, on_the_job_training str,
    median_annual_wage_topcoded bool, base_year int, proj_year int. The years are read from
    the headers ("Employment, 2024", "Employment, 2034"), so a new release needs no change.
    '—' = unavailable -> null; '>=$239,200' -> null with the top-code flag.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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
    line_last,
    load_excel_with_spec,
    load_with_spec,
    read_excel_records,
    reject_duplicate_ids,
    soc_code,
)
from matching.ingest.loaders.source import Source

FOLDER = "labor_market"
HOURS_PER_YEAR = 2080
"""BLS converts between hourly and annual wages at 2,080 hours (52 weeks x 40 hours)."""

TOPCODE = "#"


# --------------------------------------------------------------------------- OEWS (BLS)


def _wage(name: str) -> Col:
    return Col(name, (name,), kind="float", flags=((TOPCODE, "topcoded"),))


OEWS_WAGES: tuple[str, ...] = (
    "h_mean",
    "a_mean",
    "h_pct10",
    "h_pct25",
    "h_median",
    "h_pct75",
    "h_pct90",
    "a_pct10",
    "a_pct25",
    "a_median",
    "a_pct75",
    "a_pct90",
)

OEWS_SPEC: list[Col] = [
    Col("area", ("area",), required=True),
    Col("area_title", ("area_title", "area_name"), required=True),
    Col("area_type", ("area_type",), kind="int"),
    Col("prim_state", ("prim_state", "st"), optional_column=True),
    Col("naics", ("naics",), optional_column=True),
    Col("occ_code", ("occ_code",), required=True, normalize=soc_code, problem="not a SOC code"),
    Col("occ_title", ("occ_title",), required=True),
    Col("o_group", ("o_group", "occ_group", "group"), normalize=str.lower),
    Col("tot_emp", ("tot_emp",), kind="int"),
    Col("emp_prse", ("emp_prse",), kind="float"),
    Col("jobs_1000", ("jobs_1000", "jobs_1000_orig"), kind="float", optional_column=True),
    Col("loc_quotient", ("loc_quotient", "loc quotient"), kind="float", optional_column=True),
    *(_wage(name) for name in OEWS_WAGES),
    Col("annual", ("annual",), kind="bool"),
    Col("hourly", ("hourly",), kind="bool"),
]

_OEWS_HEADER = ("occ_code", "tot_emp")
_OEWS_PATTERNS = (
    "national_M*_dl.xlsx",
    "state_M*_dl.xlsx",
    "MSA_M*_dl.xlsx",
    "national_M*_dl.xls",
    "state_M*_dl.xls",
    "MSA_M*_dl.xls",
)
_NOT_DATA_SHEETS = ("field descriptions", "updatetime", "filler", "notes")


def _data_sheet(path: Path) -> str | int:
    """The data sheet: OEWS workbooks also hold 'Field Descriptions', 'UpdateTime', 'Filler'."""
    import fastexcel

    try:
        names = fastexcel.read_excel(str(path)).sheet_names
    except Exception:  # unreadable: let read_excel_records raise the LoaderError
        return 0
    for name in names:
        if name.strip().lower() not in _NOT_DATA_SHEETS:
            return name
    return 0


def _release_year(path: Path) -> int | None:
    match = re.search(r"_M(\d{4})_", Path(path).name)
    return int(match.group(1)) if match else None


def load_oews(path: Path) -> Loaded:
    """One OEWS workbook (national, state or MSA, any release with the OEWS column names)."""
    path = Path(path)
    loaded = load_excel_with_spec(
        "oews",
        path,
        OEWS_SPEC,
        sheet=_data_sheet(path),
        header_must_contain=_OEWS_HEADER,
        record_key="occ_code",
    )
    table = loaded.table.with_columns(
        pl.col("annual").fill_null(False),
        pl.col("hourly").fill_null(False),
        pl.lit(_release_year(path), pl.Int64).alias("year"),
    )
    loaded.table = line_last(table)
    return loaded


def load_oews_files(paths: Sequence[Path]) -> Loaded:
    """Every OEWS workbook found (national, state and MSA files share one layout)."""
    empty = empty_table(OEWS_SPEC).with_columns(pl.lit(None, pl.Int64).alias("year"))
    return concat_loaded("oews", [load_oews(p) for p in paths], line_last(empty))


def _oews_version(folder: Path) -> str | None:
    years = [y for p in folder.glob("*_M*_dl.xls*") if (y := _release_year(p))]
    return f"May {max(years)}" if years else None


# --------------------------------------------------------------------------- state extracts


EXTRACT_MEASURES: tuple[str, ...] = ("mean", "pct25", "median", "pct75", "entry", "experienced")

EXTRACT_COLUMNS: list[str] = [
    "area",
    "area_title",
    "area_type",
    "prim_state",
    "occ_code",
    "occ_title",
    "tot_emp",
    "h_mean",
    "a_mean",
    "h_pct25",
    "h_median",
    "h_pct75",
    "a_pct25",
    "a_median",
    "a_pct75",
    "h_entry",
    "a_entry",
    "h_experienced",
    "a_experienced",
    "hourly_from_annual",
    "annual_from_hourly",
    "source",
    "year",
]


_EXTRACT_SCHEMA = pl.Schema(
    {
        name: pl.Int64
        if name in ("tot_emp", "year")
        else pl.Boolean
        if "_from_" in name
        else pl.Float64
        if name[:2] in ("h_", "a_")
        else pl.String
        for name in EXTRACT_COLUMNS
    }
)


@dataclass(frozen=True)
class ExtractLayout:
    """One state agency's OEWS export: its file names, columns and area coding.

    ``spec`` names columns by their output names (``a_mean``, ``h_median``...); wages not in
    it are derived at 2,080 hours. ``area_type`` turns the typed table into the area kind.
    """

    source: str
    state: str
    patterns: tuple[str, ...]
    spec: tuple[Col, ...]
    area_type: Callable[[], pl.Expr]


def _money(name: str, *headers: str) -> Col:
    return Col(name, headers, kind="float")


_COMMON = (
    Col(
        "occ_code",
        ("Standard Occupational Code", "SOC code", "SOC"),
        required=True,
        normalize=soc_code,
        problem="not a SOC code",
    ),
    Col("occ_title", ("Occupational Title", "Occupational title"), required=True),
    Col("tot_emp", ("Employment",), kind="int"),
    Col("year", ("Year",), kind="int", optional_column=True),
)

_NY_AREA_TYPES = {"1": "state", "10": "region"}

NEW_YORK = ExtractLayout(
    source="ny_dol_oes",
    state="NY",
    patterns=("oews-newyork*.csv", "oes-newyork*.csv"),
    spec=(
        Col("area", ("Area",), required=True),
        Col("area_title", ("Area Name",), required=True),
        Col(
            "area_type",
            ("Area Type",),
            normalize=_NY_AREA_TYPES.get,
            problem="unknown NY area type code",
        ),
        *_COMMON,
        _money("a_mean", "Mean Wage"),
        _money("a_median", "Median Wage"),
        _money("a_entry", "Entry Wage"),
        _money("a_experienced", "Experienced Wage"),
    ),
    area_type=lambda: pl.col("area_type"),
)
"""NY DOL: annual wages only. Area Type 1 = the state (Area 36 = its FIPS code), 10 = one of
the ten labor-market regions (Area 1-10). Entry wage = mean of the lowest third of the wage
distribution, experienced = mean of the upper two thirds (NY DOL definitions). The file does
not state its year (``year`` is null); the $29,536 floor on entry wages is $14.20/hour x
2,080, NY's upstate minimum wage during 2023, which suggests the 2023 release."""

WASHINGTON = ExtractLayout(
    source="wa_esd_oews",
    state="WA",
    patterns=("oews-washington*.csv",),
    spec=(
        Col("area", ("Area code",), required=True),
        Col("area_title", ("Area name",), required=True),
        *_COMMON,
        _money("h_mean", "Average wage"),
        _money("a_mean", "Annual wage"),
        _money("h_pct25", "25th Percentile"),
        _money("h_median", "50th Percentile"),
        _money("h_pct75", "75th Percentile"),
    ),
    area_type=lambda: (
        pl.when(pl.col("area").str.starts_with("0000"))
        .then(pl.lit("state"))
        .when(pl.col("area_title").str.to_lowercase().str.contains("nonmetropolitan"))
        .then(pl.lit("nonmetro"))
        .otherwise(pl.lit("msa"))
    ),
)
"""WA ESD: hourly mean and percentiles plus the annual mean ('Annual wage' = hourly mean x
2,080 before rounding). Area codes: '0000' + state FIPS = statewide, '0' + 5-digit CBSA =
MSA (some cross the state line, e.g. Portland-Vancouver-Hillsboro, OR-WA), '53000N' =
nonmetropolitan area."""

EXTRACT_LAYOUTS: tuple[ExtractLayout, ...] = (NEW_YORK, WASHINGTON)


def complete_wages(table: pl.DataFrame) -> pl.DataFrame:
    """Fill each wage's missing side at 2,080 hours; flag rows where that happened."""
    for measure in EXTRACT_MEASURES:
        for column in (f"h_{measure}", f"a_{measure}"):
            if column not in table.columns:
                table = table.with_columns(pl.lit(None, pl.Float64).alias(column))
    hourly_missing = pl.any_horizontal(
        pl.col(f"h_{m}").is_null() & pl.col(f"a_{m}").is_not_null() for m in EXTRACT_MEASURES
    )
    annual_missing = pl.any_horizontal(
        pl.col(f"a_{m}").is_null() & pl.col(f"h_{m}").is_not_null() for m in EXTRACT_MEASURES
    )
    table = table.with_columns(
        hourly_missing.alias("hourly_from_annual"), annual_missing.alias("annual_from_hourly")
    )
    return table.with_columns(
        expr
        for m in EXTRACT_MEASURES
        for expr in (
            pl.coalesce(f"h_{m}", (pl.col(f"a_{m}") / HOURS_PER_YEAR).round(2)).alias(f"h_{m}"),
            pl.coalesce(f"a_{m}", (pl.col(f"h_{m}") * HOURS_PER_YEAR).round(0)).alias(f"a_{m}"),
        )
    )


def load_state_extract(path: Path, layout: ExtractLayout) -> Loaded:
    """One state agency extract in ``layout``, as ``EXTRACT_COLUMNS`` plus ``_line``."""
    loaded = load_with_spec("oews_state_extracts", path, layout.spec, record_key="occ_code")
    table = complete_wages(loaded.table).with_columns(
        layout.area_type().alias("area_type"),
        pl.lit(layout.state).alias("prim_state"),
        pl.lit(layout.source).alias("source"),
    )
    loaded.table = table.select(*EXTRACT_COLUMNS, LINE).cast(_EXTRACT_SCHEMA)
    return loaded


def load_state_extracts(paths: Sequence[Path]) -> Loaded:
    """Every state extract found, each read with the layout whose file pattern it matches."""
    empty = pl.DataFrame(schema={**_EXTRACT_SCHEMA, LINE: pl.Int64})
    parts = []
    for path in paths:
        layout = next(
            (lay for lay in EXTRACT_LAYOUTS if any(Path(path).match(p) for p in lay.patterns)), None
        )
        if layout is None:
            report = LoadReport("oews_state_extracts")
            report.reject(path, None, None, "no extract layout matches this file name")
            parts.append(Loaded(empty, report))
            continue
        parts.append(load_state_extract(path, layout))
    return concat_loaded("oews_state_extracts", parts, empty)


# --------------------------------------------------------------------------- EP projections


def _find(header: Sequence[str], pattern: str) -> str | None:
    """The first header matching ``pattern`` (case-insensitive, anchored at the start)."""
    for name in header:
        if re.match(pattern, name.strip(), re.IGNORECASE):
            return name
    return None


def projection_years(header: Sequence[str]) -> tuple[int | None, int | None]:
    """(base, projected) from 'Employment, 2024' / 'Employment, 2034' or '..., 2024–34'."""
    years = sorted(
        {int(m.group(1)) for h in header if (m := re.fullmatch(r"\s*Employment,\s*(\d{4})\s*", h))}
    )
    if len(years) >= 2:
        return years[0], years[-1]
    for name in header:
        span = re.search(r"(\d{4})\s*[–-]\s*(\d{2,4})\b", name)
        if span:
            base, end = int(span.group(1)), span.group(2)
            proj = int(end) if len(end) == 4 else base // 100 * 100 + int(end)
            return base, proj + 100 if proj < base else proj
    return None, None


def ep_spec(header: Sequence[str], base: int | None, proj: int | None) -> list[Col]:
    """Table 1.2 columns located by their stable wording, not by this release's years."""

    def col(name: str, pattern: str, fallback: str, **options: object) -> Col:
        return Col(name, (_find(header, pattern) or fallback,), **options)  # type: ignore[arg-type]

    return [
        col(
            "soc_code",
            r"(\d{4} )?National Employment Matrix code",
            "Matrix code",
            required=True,
            normalize=soc_code,
            problem="not a SOC code",
        ),
        col(
            "title",
            r"(\d{4} )?National Employment Matrix title",
            "Matrix title",
            required=True,
            normalize=str.strip,
        ),
        col("occupation_type", r"Occupation type", "Occupation type"),
        Col("emp_base_k", (f"Employment, {base}",), kind="float"),
        Col("emp_proj_k", (f"Employment, {proj}",), kind="float"),
        col(
            "emp_change_k",
            r"Employment change, numeric",
            "Employment change, numeric",
            kind="float",
        ),
        col(
            "emp_change_pct",
            r"Employment change, percent",
            "Employment change, percent",
            kind="float",
        ),
        col("self_employed_pct", r"Percent self.employed", "Percent self employed", kind="float"),
        col("annual_openings_k", r"Occupational openings", "Occupational openings", kind="float"),
        col(
            "median_annual_wage",
            r"Median annual wage",
            "Median annual wage",
            kind="float",
            flags=((TOPCODE, "topcoded"),),
        ),
        col("entry_education", r"Typical education needed", "Typical education needed"),
        col("work_experience", r"Work experience in a related", "Work experience"),
        col("on_the_job_training", r"Typical on-the-job training", "On-the-job training"),
    ]


def _drop_trailing_notes(raw: RawRecords, report: LoadReport) -> None:
    """Footnotes below the table are text in the first cell only; they are not records."""
    while raw.rows and not any(c.strip() for c in raw.rows[-1][1:]):
        raw.rows.pop()
        raw.lines.pop()
        report.rows_read -= 1


def _mark_topcodes(raw: RawRecords, column: str | None) -> None:
    """'>=$239,200' (the threshold changes every release) becomes the top-code marker."""
    if column is None:
        return
    index = raw.header.index(column)
    for row in raw.rows:
        if index < len(row) and row[index].strip().startswith((">=", "≥")):
            row[index] = TOPCODE


def load_ep_projections(path: Path) -> Loaded:
    """BLS Employment Projections Table 1.2: one row per National Employment Matrix line."""
    path = Path(path)
    report = LoadReport("ep_projections")
    try:
        raw = read_excel_records(
            path, report, sheet="Table 1.2", header_must_contain=("Occupation type",)
        )
    except LoaderError as exc:
        report.reject(path, None, None, str(exc))
        return Loaded(empty_table(ep_spec([], None, None)), report)
    _drop_trailing_notes(raw, report)
    base, proj = projection_years(raw.header)
    if base is None:
        report.reject(
            path, None, "base_year", "projection years not found in the header", severity="missing"
        )
    spec = ep_spec(raw.header, base, proj)
    _mark_topcodes(raw, _find(raw.header, r"Median annual wage"))
    table = reject_duplicate_ids(
        build_table(raw, spec, report, record_key="soc_code"), "soc_code", report, file=path
    ).with_columns(
        pl.lit(base, pl.Int64).alias("base_year"), pl.lit(proj, pl.Int64).alias("proj_year")
    )
    return Loaded(line_last(table), report)


SOURCES: list[Source] = [
    # The importer keeps one version per folder, so only OEWS (the wage vintage) gives one.
    Source(
        "oews",
        FOLDER,
        _OEWS_PATTERNS,
        load_oews_files,
        many=True,
        version=_oews_version,
        description="BLS OEWS employment and wages (national, state, MSA)",
    ),
    Source(
        "oews_state_extracts",
        FOLDER,
        tuple(p for layout in EXTRACT_LAYOUTS for p in layout.patterns),
        load_state_extracts,
        many=True,
        description="State LMI agency OEWS extracts (NY, WA)",
    ),
    Source(
        "ep_projections",
        FOLDER,
        ("ep_occupation_*.xlsx", "occupation.xlsx"),
        lambda paths: load_ep_projections(paths[0]),
        description="BLS Employment Projections, Table 1.2 (years in base/proj_year)",
    ),
]
