"""Supply-side taxonomies and outcomes: CIP 2020, the CIP-SOC crosswalk, College Scorecard.

Training programs are coded in CIP (Classification of Instructional Programs); occupations in
SOC. The NCES/BLS crosswalk links the two, and the College Scorecard field-of-study file gives
earnings per (institution, 4-digit CIP, credential level). The Scorecard file at hand uses
CIP 2010 codes, so this module also derives a CIP 2010 -> 2020 map from the ``Action`` rows
that NCES publishes inside the CIP 2020 file itself.

Tables (every one also carries ``_line``, the source line or spreadsheet row):

``cip_codes`` (CIPCode2020.csv)
    cip_code str ('01', '01.00', '01.0000'), cip_family str ('01'), title str (as published,
    whitespace stripped, trailing period kept), definition str, action str (one of
    ``CIP_ACTIONS``), text_change bool, cross_references str, examples str,
    level str ('family' | 'series' | 'code'), in_cip2020 bool (false on the 149 'Moved from'
    and 12 'Deleted' rows: CIP 2010 codes kept in the file only to record the change, so a
    code is valid in CIP 2020 only where this is true).

``xwalk_cip_soc`` (CIP2020_SOC2018_Crosswalk.csv, or the workbook's "CIP-SOC" sheet)
    cip_code str, cip_title str, soc2018_code str, soc2018_title str, cip_code_no_match bool,
    soc2018_code_no_match bool. The crosswalk lists unmatched codes against the sentinels
    CIP '99.9999' and SOC '99-9999' ("NO MATCH"); those rows are kept (they say "this code
    has no counterpart") but the sentinel becomes null and the ``*_no_match`` flag is set, so
    no join can ever treat 99-9999 as an occupation.

``scorecard_fos`` (FieldOfStudyData*.csv / Most-Recent-Cohorts-Field-of-Study*.csv)
    unitid str (null for the few rows reported by OPEID only), opeid6 str, institution str,
    control str, main_campus bool, cip2010_code str ('52.03'), cip2020_code str (series
    mapped through ``cip2010_series_to_2020``; null when CIP 2020 deleted the series or it is
    not a CIP 2010 series at all: the file still carries CIP 2000 series such as 51.16
    Nursing and 42.03, reported once per code),
    cip_desc str, credential_level int, credential_desc str (the byte pair C2 92 that some
    releases carry for the apostrophe becomes a plain "'"), count int, debt_median float,
    earnings_count int, median_earnings float (P_MD_EARN_WNE: median earnings of
    working-not-enrolled completers), ipeds_count1 int, ipeds_count2 int.
    'PrivacySuppressed' and 'NULL' are nulls, never numbers.

ETPL programs and outcomes come from the state adapters in ``matching.ingest.loaders.etpl``; their
two sources are built here by ``etpl_sources`` and listed in ``SOURCES``, since the files
live in the same data folder.

The generic helpers below (``load_excel_with_spec``, ``concat_loaded``, ``line_last``) are
shared with ``matching.ingest.loaders.labor``; they would sit naturally in ``base``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from matching.ingest.loaders import ctdl, etpl
from matching.ingest.loaders.base import (
    LINE,
    Col,
    Loaded,
    LoadReport,
    cip_code,
    concat_loaded,
    line_last,
    load_excel_with_spec,
    load_with_spec,
    soc_code,
)
from matching.ingest.loaders.source import Source

FOLDER = "programs"

CIP_ACTIONS: tuple[str, ...] = (
    "No substantive changes",
    "New",
    "Moved from",
    "Moved to",
    "Deleted",
)
"""The values of CIPCode2020.csv's Action column. 'Moved from' and 'Deleted' rows are CIP 2010
codes that no longer exist; 'New' and 'Moved to' rows are codes that did not exist in 2010."""

_LEVELS = {2: "family", 5: "series", 7: "code"}


# --------------------------------------------------------------------------- shared helpers


def clean_text(value: str) -> str:
    """Collapse runs of whitespace ('Merchandising and  Marketing' appears both ways)."""
    return re.sub(r"\s+", " ", value).strip()


def plain_apostrophes(value: str) -> str:
    """'Bachelor\x92s' is decoded to a typographic quote; store the plain "Bachelor's"."""
    return clean_text(value).replace("\u2019", "'")


def drop_unflagged_nulls(
    loaded: Loaded, file: Path, columns: Sequence[str], flag_suffix: str
) -> Loaded:
    """Reject rows whose code is null without a flag explaining why.

    Columns whose sentinel becomes a flag cannot be ``required`` (a flagged value in a
    required column rejects the row), so the check for a genuinely missing code runs here.
    """
    table, report = loaded.table, loaded.report
    bad = pl.any_horizontal([pl.col(c).is_null() & ~pl.col(f"{c}_{flag_suffix}") for c in columns])
    dropped: dict[tuple[int | None, str | None], str] = {}
    for row in table.filter(bad).select([*columns, LINE]).iter_rows(named=True):
        field = next(c for c in columns if row[c] is None)
        dropped[(row[LINE], field)] = "required value missing or invalid"
    # A malformed code was first nulled and reported as repaired; it now rejects the row.
    for reject in report.rejects:
        if reject.severity == "repaired" and (reject.line, reject.field) in dropped:
            dropped[(reject.line, reject.field)] = reject.reason.removesuffix("; set to null")
    report.rejects = [
        r for r in report.rejects if not (r.severity == "repaired" and (r.line, r.field) in dropped)
    ]
    for (line, column), reason in dropped.items():
        report.reject(file, line, column, reason)
    report.rows_kept -= len(dropped)
    return Loaded(table.filter(~bad), report)


# --------------------------------------------------------------------------- CIP codes


def _cip_action(value: str) -> str | None:
    return value if value in CIP_ACTIONS else None


CIP_SPEC: list[Col] = [
    Col("cip_code", ("CIPCode",), required=True, normalize=cip_code, problem="not a CIP code"),
    Col("cip_family", ("CIPFamily",), normalize=cip_code, problem="not a CIP family"),
    Col("title", ("CIPTitle",), required=True, normalize=str.strip),
    Col("definition", ("CIPDefinition",), normalize=str.strip),
    Col("action", ("Action",), normalize=_cip_action, problem="unknown CIP action"),
    Col("text_change", ("TextChange",), kind="bool"),
    Col("cross_references", ("CrossReferences",), normalize=str.strip),
    Col("examples", ("Examples",), normalize=str.strip),
]


def load_cip_codes(path: Path) -> Loaded:
    """CIP 2020 codes at all three levels, with NCES's 2010 -> 2020 change actions."""
    loaded = load_with_spec("cip_codes", path, CIP_SPEC, record_key="cip_code", id_key="cip_code")
    level = (
        pl.col("cip_code")
        .str.len_chars()
        .replace_strict(_LEVELS, default=None, return_dtype=pl.String)
    )
    current = ~pl.col("action").is_in(["Moved from", "Deleted"]).fill_null(False)
    loaded.table = line_last(
        loaded.table.with_columns(level.alias("level"), current.alias("in_cip2020"))
    )
    return loaded


_MOVED = re.compile(r"Moved from\s+(\S+)\s+to\s+(\S+)", re.IGNORECASE)
_REPORT_UNDER = re.compile(r"Report under\s+([\d.]+)", re.IGNORECASE)


def cip2010_to_2020(cip_codes_df: pl.DataFrame) -> pl.DataFrame:
    """Map every CIP 2010 code (any level) to its CIP 2020 code, from the Action rows.

    Columns: cip2010_code, cip2020_code (null when deleted), relation ('unchanged' | 'moved' |
    'deleted'), report_under (for deleted codes, the code NCES says to report under instead,
    which may be a whole family such as '61'; null otherwise). 'New' and 'Moved to' rows are
    2020-only codes and produce no row. A 'Moved from' row whose definition cannot be parsed
    is returned with relation 'moved' and a null target rather than guessed.
    """
    rows: list[tuple[str, str | None, str, str | None]] = []
    for code, action, definition in cip_codes_df.select(
        "cip_code", "action", "definition"
    ).iter_rows():
        text = definition or ""
        if action == "No substantive changes":
            rows.append((code, code, "unchanged", None))
        elif action == "Moved from":
            match = _MOVED.search(text)
            target = cip_code(match.group(2)) if match else None
            rows.append((code, target, "moved", None))
        elif action == "Deleted":
            under = _REPORT_UNDER.search(text)
            rows.append((code, None, "deleted", cip_code(under.group(1)) if under else None))
    return pl.DataFrame(
        rows,
        schema={
            "cip2010_code": pl.String,
            "cip2020_code": pl.String,
            "relation": pl.String,
            "report_under": pl.String,
        },
        orient="row",
    )


def cip2010_series_to_2020(cip_codes_df: pl.DataFrame) -> dict[str, str | None]:
    """4-digit CIP 2010 series ('51.24') -> CIP 2020 series ('01.80') where the crosswalk allows.

    Series that did not change map to themselves, moved series to their published target;
    deleted series map to None (NCES gives only a 'report under' hint, not a replacement).
    """
    mapping = cip2010_to_2020(cip_codes_df).filter(pl.col("cip2010_code").str.len_chars() == 5)
    return dict(mapping.select("cip2010_code", "cip2020_code").iter_rows())


def _cip_version(folder: Path) -> str | None:
    for path in sorted(folder.glob("CIPCode*.csv")):
        match = re.search(r"CIPCode(\d{4})", path.name)
        if match:
            return match.group(1)
    return None


# --------------------------------------------------------------------------- CIP-SOC crosswalk


XWALK_SPEC: list[Col] = [
    Col(
        "cip_code",
        ("CIP2020Code", "CIPCode"),
        normalize=cip_code,
        problem="not a CIP code",
        flags=(("99.9999", "no_match"),),
    ),
    Col("cip_title", ("CIP2020Title", "CIPTitle"), normalize=str.strip),
    Col(
        "soc2018_code",
        ("SOC2018Code", "SOCCode"),
        normalize=soc_code,
        problem="not a SOC code",
        flags=(("99-9999", "no_match"),),
    ),
    Col("soc2018_title", ("SOC2018Title", "SOCTitle"), normalize=str.strip),
]

_XWALK_HEADER = ("CIP2020Code", "SOC2018Code")


def load_xwalk_cip_soc(path: Path) -> Loaded:
    """The NCES/BLS CIP 2020 -> SOC 2018 crosswalk from its CSV export or its workbook."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xls"):
        loaded = load_excel_with_spec(
            "xwalk_cip_soc",
            path,
            XWALK_SPEC,
            sheet="CIP-SOC",
            header_must_contain=_XWALK_HEADER,
            record_key="cip_code",
        )
    else:
        loaded = load_with_spec("xwalk_cip_soc", path, XWALK_SPEC, record_key="cip_code")
    if loaded.table.height == 0:
        return loaded
    return drop_unflagged_nulls(loaded, path, ("cip_code", "soc2018_code"), "no_match")


# --------------------------------------------------------------------------- College Scorecard


def _aliases(*names: str) -> tuple[str, ...]:
    """Scorecard columns as 'P_NAME' (older mirror releases) and 'NAME' (current releases)."""
    return tuple(alias for name in names for alias in (f"P_{name}", name))


SCORECARD_SPEC: list[Col] = [
    Col("unitid", _aliases("UNITID")),
    Col("opeid6", _aliases("OPEID6")),
    Col("institution", _aliases("INSTNM"), required=True, normalize=clean_text),
    Col("control", _aliases("CONTROL"), normalize=clean_text),
    Col("main_campus", _aliases("MAIN"), kind="bool"),
    Col(
        "cip2010_code",
        _aliases("CIPCODE"),
        required=True,
        normalize=cip_code,
        problem="not a CIP code",
    ),
    Col("cip_desc", _aliases("CIPDESC"), normalize=clean_text),
    Col("credential_level", _aliases("CREDLEV"), kind="int", required=True),
    Col("credential_desc", _aliases("CREDDESC"), normalize=plain_apostrophes),
    Col("count", _aliases("COUNT"), kind="int"),
    Col("debt_median", _aliases("DEBTMEDIAN"), kind="float"),
    Col("earnings_count", _aliases("EARNINGSCOUNT"), kind="int"),
    Col("median_earnings", _aliases("MD_EARN_WNE"), kind="float"),
    Col("ipeds_count1", _aliases("IPEDSCOUNT1"), kind="int"),
    Col("ipeds_count2", _aliases("IPEDSCOUNT2"), kind="int"),
]


def load_scorecard(path: Path, cip_codes_df: pl.DataFrame | None = None) -> Loaded:
    """College Scorecard field-of-study rows, with the CIP 2010 series mapped to CIP 2020.

    Without ``cip_codes_df`` (the CIP file is absent) ``cip2020_code`` stays null and the
    report says so. Series that CIP 2020 deleted, and codes the CIP file does not know, are
    reported once per code (not once per row: the file has tens of thousands of rows).
    """
    loaded = load_with_spec("scorecard_fos", path, SCORECARD_SPEC, record_key="unitid")
    table, report = loaded.table, loaded.report
    mapping = cip2010_series_to_2020(cip_codes_df) if cip_codes_df is not None else {}
    if cip_codes_df is None:
        report.reject(
            path,
            None,
            "cip2020_code",
            "CIP 2020 file not found; cip2020_code left null",
            severity="missing",
        )
    else:
        _report_unmapped(table, mapping, Path(path), report)
    mapped = pl.col("cip2010_code").replace_strict(mapping, default=None, return_dtype=pl.String)
    order = [c.name for c in SCORECARD_SPEC]
    order.insert(order.index("cip2010_code") + 1, "cip2020_code")
    loaded.table = table.with_columns(mapped.alias("cip2020_code")).select([*order, LINE])
    return loaded


def _report_unmapped(
    table: pl.DataFrame, mapping: dict[str, str | None], path: Path, report: LoadReport
) -> None:
    codes = table.group_by("cip2010_code").agg(pl.col(LINE).min(), pl.len()).sort(LINE)
    for code, line, count in codes.iter_rows():
        if mapping.get(code) is None:
            why = "deleted in CIP 2020" if code in mapping else "not a CIP 2010 series"
            report.reject(
                path,
                line,
                "cip2020_code",
                f"series {why}; cip2020_code null on {count} rows",
                severity="repaired",
            )


# --------------------------------------------------------------------------- ETPL sources


def etpl_sources(adapters: Sequence[etpl.EtplAdapter]) -> list[Source]:
    """One ``etpl_programs`` and one ``etpl_outcomes`` source over every state adapter.

    The importer keeps one table per name, so states are combined here: each file found goes
    to the first adapter whose name patterns claim it, and the states' tables are stacked.
    """

    def split(paths: list[Path], kind: str) -> list[tuple[etpl.EtplAdapter, list[Path]]]:
        claimed: dict[int, list[Path]] = {}
        for path in paths:
            owner = next(
                (i for i, a in enumerate(adapters) if a.owns(path, getattr(a, f"{kind}_patterns"))),
                None,
            )
            if owner is not None:
                claimed.setdefault(owner, []).append(path)
        return [(adapters[i], found) for i, found in sorted(claimed.items())]

    def load_programs(paths: list[Path]) -> Loaded:
        return concat_loaded(
            "etpl_programs",
            [a.load_programs_source(found) for a, found in split(paths, "programs")],
        )

    def load_outcomes(paths: list[Path]) -> Loaded:
        return concat_loaded(
            "etpl_outcomes",
            [a.load_outcomes_source(found) for a, found in split(paths, "outcomes")],
        )

    states = ", ".join(a.state for a in adapters)
    return [
        Source(
            "etpl_programs",
            FOLDER,
            tuple(p for a in adapters for p in a.programs_patterns),
            load_programs,
            many=True,
            description=f"ETPL programs with outcomes ({states})",
        ),
        Source(
            "etpl_outcomes",
            FOLDER,
            tuple(p for a in adapters for p in a.outcomes_patterns),
            load_outcomes,
            many=True,
            description=f"ETPL outcomes by provider and CIP ({states})",
        ),
    ]


_CIP_PATTERNS = ("CIPCode2020.csv", "CIPCode*.csv")
_SCORECARD_PATTERNS = ("Most-Recent-Cohorts-Field-of-Study*.csv", "FieldOfStudyData*.csv")


def _load_scorecard_source(paths: list[Path]) -> Loaded:
    """Scorecard from the Source: the CIP file beside it, if any, supplies the 2020 codes."""
    path = paths[0]
    cip_files = [p for pattern in _CIP_PATTERNS for p in sorted(path.parent.glob(pattern))]
    cip_df = load_cip_codes(cip_files[0]).table if cip_files else None
    return load_scorecard(path, cip_df)


SOURCES: list[Source] = [
    Source(
        "cip_codes",
        FOLDER,
        _CIP_PATTERNS,
        lambda paths: load_cip_codes(paths[0]),
        version=_cip_version,
        description="NCES CIP 2020 codes with 2010 change actions",
    ),
    Source(
        "xwalk_cip_soc",
        FOLDER,
        ("CIP2020_SOC2018_Crosswalk.csv", "CIP2020_SOC2018_Crosswalk.xlsx"),
        lambda paths: load_xwalk_cip_soc(paths[0]),
        description="NCES/BLS CIP 2020 to SOC 2018 crosswalk",
    ),
    Source(
        "scorecard_fos",
        FOLDER,
        _SCORECARD_PATTERNS,
        _load_scorecard_source,
        description="College Scorecard field-of-study earnings and debt",
    ),
    *etpl_sources([*etpl.ADAPTERS, ctdl.CtdlAdapter()]),
]
