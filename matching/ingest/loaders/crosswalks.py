"""Occupation crosswalks and the SOC 2018 structure (O*NET Resource Center, BLS, ESCO).

The workbooks carry title rows above their header and, for the ESCO crosswalk, a footer
below a blank row; ``read_excel_records`` finds the header by name and lines are the
spreadsheet row numbers a person would look at. Codes are stripped (BLS cells carry
trailing spaces) and validated; a malformed code rejects its row with line and field.

Tables (each also has ``_line``, the spreadsheet row, as its last column):

``xwalk_esco_onet``         esco_code str (ESCO occupation code '2654.1.7', or an ISCO-08
                            group code of 3-4 digits), esco_title str, onet_soc_code str,
                            onet_title str, esco_level str ('occupation' | 'isco_group')
``xwalk_isco_soc2010``      isco_code str (1-4 digits; BLS maps two rows at 3-digit level),
                            isco_title str, partial bool ('*' in BLS's ``part`` column),
                            soc2010_code str, soc2010_title str, comment str
``xwalk_onet2010_soc2018``  onet_soc_2010_code str, onet_soc_2010_title str,
                            soc2018_code str, soc2018_title str, soc2018_is_broad bool
                            (true for the one broad-group target, 19-1020)
``xwalk_onet_soc2018``      onet_soc_code str, onet_title str, soc2018_code str,
                            soc2018_title str
``soc2018_structure``       soc_code str, title str, level ('major' | 'minor' | 'broad' |
                            'detailed'), major_code, minor_code, broad_code str (the group
                            the row sits in at that level, its own code at its own level)
``soc2018_definitions``     soc_code str, soc_group ('major' | 'minor' | 'broad' |
                            'detailed'), title str, definition str (detailed rows only)
``onet_soc_structure``      code str (SOC code, or O*NET-SOC code at level 'onet'), title,
                            level ('major' | 'minor' | 'broad' | 'detailed' | 'onet'),
                            major_code, minor_code, broad_code, detailed_code str

Joins that later stages need are plain functions here: ``esco_code_to_uri``,
``soc2010_to_soc2018`` and ``onet_to_soc2018``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
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
    empty_table,
    line_last,
    matches,
    onet_soc_code,
    read_csv_records,
    read_excel_records,
    reject_duplicate_ids,
    soc_code,
    text_col,
)
from matching.ingest.loaders.source import Source

FOLDER = "crosswalks"

_LEVELS = ("major", "minor", "broad", "detailed")
_ONET_PROBLEM = "not an O*NET-SOC code (NN-NNNN.NN)"
_SOC_PROBLEM = "not a SOC code (NN-NNNN)"

_strict_soc = matches(r"\d{2}-\d{4}")
"""A SOC code as printed in SOC tables: 'NN-NNNN' only (no O*NET suffix accepted)."""


def _onet(name: str, *source: str) -> Col:
    return Col(name, source, required=True, normalize=onet_soc_code, problem=_ONET_PROBLEM)


def _soc(name: str, *source: str, required: bool = True) -> Col:
    return Col(name, source, required=required, normalize=soc_code, problem=_SOC_PROBLEM)


def _partial(value: str) -> str | None:
    """BLS marks a partial match with '*' in ``part`` and leaves full matches blank."""
    return {"*": "true", "": "false"}.get(value)


ESCO_ONET = [
    Col(
        "esco_code",
        ("ESCO/ISCO Code", "ESCO Code"),
        required=True,
        normalize=matches(r"\d{3,4}(?:\.\d+)*"),
        problem="not an ESCO occupation code or ISCO-08 group code",
    ),
    text_col("esco_title", "ESCO/ISCO Title", "ESCO Title"),
    _onet("onet_soc_code", "O*NET-SOC 2019 Code", "O*NET-SOC Code"),
    text_col("onet_title", "O*NET-SOC 2019 Title", "O*NET-SOC Title"),
]
ISCO_SOC2010 = [
    Col(
        "isco_code",
        ("ISCO-08 Code",),
        required=True,
        normalize=matches(r"\d{1,4}"),
        problem="not an ISCO-08 code (1-4 digits)",
    ),
    text_col("isco_title", "ISCO-08 Title EN", "ISCO-08 Title"),
    Col(
        "partial",
        ("part",),
        kind="bool",
        normalize=_partial,
        markers=frozenset(),
        problem="part is neither '*' nor blank",
    ),
    _soc("soc2010_code", "2010 SOC Code"),
    text_col("soc2010_title", "2010 SOC Title"),
    text_col("comment", "Comment 8/17/11", "Comment"),
]
ONET2010_SOC2018 = [
    _onet("onet_soc_2010_code", "O*NET-SOC 2010 Code"),
    text_col("onet_soc_2010_title", "O*NET-SOC 2010 Title"),
    _soc("soc2018_code", "2018 SOC Code"),
    text_col("soc2018_title", "2018 SOC Title"),
]
ONET_SOC2018 = [
    _onet("onet_soc_code", "O*NET-SOC 2019 Code"),
    text_col("onet_title", "O*NET-SOC 2019 Title"),
    _soc("soc2018_code", "2018 SOC Code"),
    text_col("soc2018_title", "2018 SOC Title"),
]
SOC_DEFINITIONS = [
    Col("soc_code", ("SOC Code",), required=True, normalize=_strict_soc, problem=_SOC_PROBLEM),
    Col(
        "soc_group",
        ("SOC Group",),
        normalize=lambda v: v.lower() if v.lower() in _LEVELS else None,
        problem="not Major, Minor, Broad or Detailed",
    ),
    Col("title", ("SOC Title",), required=True),
    text_col("definition", "SOC Definition"),
]


# --------------------------------------------------------------------------- reading


def _read_sheet(
    table: str,
    path: Path,
    spec: Sequence[Col],
    *,
    header: Iterable[str],
    sheet: str | int = 0,
    stop_at_blank: bool = False,
    fix_header: Callable[[RawRecords], None] | None = None,
    id_key: str | None = None,
) -> Loaded:
    """One worksheet typed by ``spec``; an unreadable workbook is one file-level reject.

    With ``id_key``, a row repeating an earlier code is rejected (the first is kept).
    """
    report = LoadReport(table)
    try:
        raw = read_excel_records(
            path, report, sheet=sheet, header_must_contain=header, stop_at_blank=stop_at_blank
        )
    except LoaderError as exc:
        report.reject(path, None, None, str(exc))
        return Loaded(empty_table(spec), report)
    if fix_header is not None:
        fix_header(raw)
    frame = build_table(raw, spec, report)
    if id_key is not None:
        frame = reject_duplicate_ids(frame, id_key, report, file=path)
    return Loaded(frame, report)


def load_esco_onet(paths: list[Path]) -> Loaded:
    """ESCO_to_ONET-SOC.xlsx; the footer note below the blank row is not data."""
    loaded = _read_sheet(
        "xwalk_esco_onet",
        paths[0],
        ESCO_ONET,
        sheet="O-NET-SOC 2019 Crosswalks",
        header=("ESCO/ISCO Code", "O*NET-SOC 2019 Code"),
        stop_at_blank=True,
    )
    level = (
        pl.when(pl.col("esco_code").str.contains(".", literal=True))
        .then(pl.lit("occupation"))
        .otherwise(pl.lit("isco_group"))
        .alias("esco_level")
    )
    return Loaded(line_last(loaded.table, level), loaded.report)


def load_isco_soc2010(paths: list[Path]) -> Loaded:
    """BLS ISCO-08 -> SOC 2010 (.xls, first sheet), or the derived CSV when the .xls fails.

    The fallback is reported (severity ``repaired``) with the reason the workbook failed.
    """
    header = ("ISCO-08 Code", "2010 SOC Code")
    workbook = next((p for p in paths if p.suffix.lower() in (".xls", ".xlsx")), None)
    derived = next((p for p in paths if p.suffix.lower() == ".csv"), None)
    loaded = None
    if workbook is not None:
        loaded = _read_sheet("xwalk_isco_soc2010", workbook, ISCO_SOC2010, header=header)
        if loaded.table.height or derived is None:
            return loaded
    report = LoadReport("xwalk_isco_soc2010")
    if derived is None:
        report.reject("isco_soc_crosswalk.xls", None, None, "no crosswalk file given")
        return Loaded(empty_table(ISCO_SOC2010), report)
    if loaded is not None:
        for problem in loaded.report.rejects:
            report.reject(
                problem.file,
                problem.line,
                problem.field,
                f"{problem.reason}; read {derived.name} instead",
                severity="repaired",
            )
    try:
        raw = read_csv_records(derived, report, header_must_contain=header)
    except LoaderError as exc:
        report.reject(derived, None, None, str(exc))
        return Loaded(empty_table(ISCO_SOC2010), report)
    return Loaded(build_table(raw, ISCO_SOC2010, report), report)


def load_onet2010_soc2018(paths: list[Path]) -> Loaded:
    """O*NET-SOC 2010 -> SOC 2018; the broad-group target 19-1020 is kept and flagged."""
    loaded = _read_sheet(
        "xwalk_onet2010_soc2018",
        paths[0],
        ONET2010_SOC2018,
        header=("O*NET-SOC 2010 Code", "2018 SOC Code"),
    )
    broad = pl.col("soc2018_code").str.ends_with("0").alias("soc2018_is_broad")
    return Loaded(line_last(loaded.table, broad), loaded.report)


def load_onet_soc2018(paths: list[Path]) -> Loaded:
    """O*NET-SOC 2019 -> SOC 2018 (every O*NET-SOC 2019 code, onto 867 detailed codes)."""
    return _read_sheet(
        "xwalk_onet_soc2018",
        paths[0],
        ONET_SOC2018,
        header=("O*NET-SOC 2019 Code", "2018 SOC Code"),
        id_key="onet_soc_code",
    )


def load_soc_definitions(paths: list[Path]) -> Loaded:
    """BLS 2018 SOC definitions; only detailed occupations have a definition."""
    return _read_sheet(
        "soc2018_definitions",
        paths[0],
        SOC_DEFINITIONS,
        header=("SOC Code", "SOC Title"),
        id_key="soc_code",
    )


# --------------------------------------------------------------------------- structures


def _level_columns(levels: Sequence[tuple[str, str, Callable[[str], str | None]]]) -> list[Col]:
    return [
        Col(name, (header,), normalize=check, problem=f"not a {name} code")
        for name, header, check in levels
    ]


def _title_header(raw: RawRecords) -> None:
    """BLS leaves the title column's header blank: name it so it can be matched."""
    raw.header = [h or "Title" for h in raw.header]


def _structure(loaded: Loaded, levels: Sequence[str], code_name: str) -> Loaded:
    """Collapse one-column-per-level rows into (code, level) and fill the ancestors down.

    A row must have exactly one level column filled, and must sit below a major group with
    its two-digit prefix; other rows are rejected. Each ancestor column is filled down from
    the rows above and reset at every row of a higher level, so codes that do not encode
    their parents (minor group 15-1200 over broad 15-1210) are still placed right.
    """
    table, report = loaded.table, loaded.report
    filled = pl.sum_horizontal([pl.col(c).is_not_null() for c in levels])
    bad = table.filter(filled != 1)
    for line, count in bad.select(LINE, filled.alias("n")).iter_rows():
        report.reject(
            report.files[-1] if report.files else "",
            line,
            "level",
            f"{count} level columns filled, expected exactly one",
        )
    table = table.filter(filled == 1)
    code = pl.coalesce(levels).alias(code_name)
    level = pl.coalesce(
        [pl.when(pl.col(lv).is_not_null()).then(pl.lit(lv)) for lv in levels]
    ).alias("level")
    table = table.with_columns(code, level)
    # '' marks a reset (a row of a higher level) so forward_fill stops there.
    ancestors = []
    for depth, lv in enumerate(levels[:-1]):
        above = pl.col("level").is_in(list(levels[:depth]))
        ancestors.append(
            pl.when(above)
            .then(pl.lit(""))
            .otherwise(pl.col(lv))
            .forward_fill()
            .replace("", None)
            .alias(f"{lv}_code")
        )
    table = table.with_columns(ancestors)
    orphan = pl.col("major_code").is_null() | (
        pl.col("major_code").str.slice(0, 2) != pl.col(code_name).str.slice(0, 2)
    )
    for line in table.filter(orphan).get_column(LINE):
        report.reject(
            report.files[-1],
            line,
            "major_code",
            "row is not under a major group with its code prefix",
        )
    table = table.filter(~orphan)
    report.rows_kept = table.height
    ancestor_cols = [f"{lv}_code" for lv in levels[:-1]]
    return Loaded(table.select(code_name, "title", "level", *ancestor_cols, LINE), report)


_SOC_LEVELS = (
    ("major", "Major Group", _strict_soc),
    ("minor", "Minor Group", _strict_soc),
    ("broad", "Broad Group", _strict_soc),
    ("detailed", "Detailed Occupation", _strict_soc),
)
SOC_STRUCTURE = [*_level_columns(_SOC_LEVELS), Col("title", ("Title",), required=True)]

_ONET_LEVELS = (
    ("major", "Major Group", _strict_soc),
    ("minor", "Minor Group", _strict_soc),
    ("broad", "Broad Occupation", _strict_soc),
    ("detailed", "Detailed Occupation", _strict_soc),
    ("onet", "Detailed O*NET-SOC", matches(r"\d{2}-\d{4}\.\d{2}")),
)
ONET_STRUCTURE = [
    *_level_columns(_ONET_LEVELS),
    Col("title", ("SOC or O*NET-SOC 2019 Title",), required=True),
]


def load_soc_structure(paths: list[Path]) -> Loaded:
    """BLS 2018 SOC structure: 23 major, 98 minor, 459 broad, 867 detailed groups."""
    loaded = _read_sheet(
        "soc2018_structure",
        paths[0],
        SOC_STRUCTURE,
        header=("Major Group", "Detailed Occupation"),
        fix_header=_title_header,
    )
    return _structure(loaded, [lv for lv, _, _ in _SOC_LEVELS], "soc_code")


def load_onet_soc_structure(paths: list[Path]) -> Loaded:
    """O*NET-SOC 2019 taxonomy in the SOC hierarchy: the SOC levels plus O*NET '.xx' codes."""
    loaded = _read_sheet(
        "onet_soc_structure", paths[0], ONET_STRUCTURE, header=("Major Group", "Detailed O*NET-SOC")
    )
    return _structure(loaded, [lv for lv, _, _ in _ONET_LEVELS], "code")


# --------------------------------------------------------------------------- joins


def esco_code_to_uri(
    xwalk: pl.DataFrame,
    esco_occupations: pl.DataFrame,
    isco_groups: pl.DataFrame,
    *,
    file: str = "ESCO_to_ONET-SOC.xlsx",
) -> Loaded:
    """Give each crosswalk row the ESCO URI of its code: an occupation or an ISCO group.

    The crosswalk was built on ESCO v1.1.0, so some codes changed by later releases do not
    resolve (24 against v1.1.1). Their rows are kept with a null ``esco_uri`` and each such
    code is reported once (field ``esco_code``, at its first row).
    """
    occupations = esco_occupations.select(
        pl.col("code").alias("esco_code"), pl.col("occupation_uri").alias("_occ_uri")
    )
    groups = isco_groups.select(
        pl.col("code").alias("esco_code"), pl.col("isco_uri").alias("_isco_uri")
    )
    joined = (
        xwalk.join(occupations.unique("esco_code"), on="esco_code", how="left")
        .join(groups.unique("esco_code"), on="esco_code", how="left")
        .with_columns(pl.coalesce("_occ_uri", "_isco_uri").alias("esco_uri"))
        .drop("_occ_uri", "_isco_uri")
    )
    report = LoadReport(
        "xwalk_esco_onet:uri", files=[file], rows_read=xwalk.height, rows_kept=joined.height
    )
    line = pl.col(LINE).min() if LINE in joined.columns else pl.lit(None, dtype=pl.Int64)
    missing = (
        joined.filter(pl.col("esco_uri").is_null())
        .group_by("esco_code")
        .agg(line.alias("line"))
        .sort("esco_code")
    )
    for code, first in missing.iter_rows():
        report.reject(
            file,
            first,
            "esco_code",
            "code not in ESCO occupations or ISCO "
            "groups (changed between ESCO releases); esco_uri left null",
            severity="repaired",
            record=code,
        )
    columns = [c for c in joined.columns if c != LINE] + ([LINE] if LINE in joined else [])
    return Loaded(joined.select(columns), report)


def soc2010_to_soc2018(
    codes: pl.DataFrame, xwalk: pl.DataFrame, *, column: str = "soc2010_code"
) -> pl.DataFrame:
    """Add SOC 2018 targets to SOC 2010 codes via the O*NET-SOC 2010 -> 2018 crosswalk.

    A SOC 2010 code is its O*NET-SOC 2010 '.00' occupation, so the join is on code + '.00'.
    A code split in 2018 yields several rows; an unknown code keeps one row with null
    ``soc2018_code``. Adds ``soc2018_code``, ``soc2018_title`` and ``soc2018_is_broad``.
    """
    targets = xwalk.select(
        pl.col("onet_soc_2010_code").alias("_onet2010"),
        "soc2018_code",
        "soc2018_title",
        "soc2018_is_broad",
    ).unique(["_onet2010", "soc2018_code"], maintain_order=True)
    keyed = codes.with_columns((pl.col(column).str.strip_chars() + ".00").alias("_onet2010"))
    return keyed.join(targets, on="_onet2010", how="left", maintain_order="left").drop("_onet2010")


def onet_to_soc2018(
    codes: pl.DataFrame, xwalk: pl.DataFrame, *, column: str = "onet_soc_code"
) -> pl.DataFrame:
    """Add the SOC 2018 detailed code (and title) of each O*NET-SOC 2019 code.

    Every O*NET-SOC 2019 code maps to exactly one SOC 2018 code; unknown codes get nulls.
    """
    targets = xwalk.select(
        pl.col("onet_soc_code").alias(column), "soc2018_code", "soc2018_title"
    ).unique(column, keep="first", maintain_order=True)
    return codes.join(targets, on=column, how="left", maintain_order="left")


# --------------------------------------------------------------------------- sources


SOURCES: list[Source] = [
    Source(
        "xwalk_esco_onet",
        FOLDER,
        ("ESCO_to_ONET-SOC.xlsx",),
        load_esco_onet,
        description="ESCO occupations (codes) -> O*NET-SOC 2019",
    ),
    # ``many``: the .xls and the derived CSV, which is read only if the .xls cannot be.
    Source(
        "xwalk_isco_soc2010",
        FOLDER,
        ("isco_soc_crosswalk.xls", "isco_soc_crosswalk*.derived.csv"),
        load_isco_soc2010,
        many=True,
        description="BLS ISCO-08 -> SOC 2010",
    ),
    Source(
        "xwalk_onet2010_soc2018",
        FOLDER,
        ("2010_to_2018_SOC_Crosswalk.xlsx",),
        load_onet2010_soc2018,
        description="O*NET-SOC 2010 -> SOC 2018",
    ),
    Source(
        "xwalk_onet_soc2018",
        FOLDER,
        ("2019_to_SOC_Crosswalk.xlsx",),
        load_onet_soc2018,
        description="O*NET-SOC 2019 -> SOC 2018",
    ),
    Source(
        "soc2018_structure",
        FOLDER,
        ("soc_structure_2018.xlsx",),
        load_soc_structure,
        description="BLS 2018 SOC hierarchy",
    ),
    Source(
        "soc2018_definitions",
        FOLDER,
        ("soc_2018_definitions.xlsx",),
        load_soc_definitions,
        description="BLS 2018 SOC titles and definitions",
    ),
    Source(
        "onet_soc_structure",
        FOLDER,
        ("SOC_Structure.xlsx",),
        load_onet_soc_structure,
        description="O*NET-SOC 2019 taxonomy within the SOC hierarchy",
    ),
]
