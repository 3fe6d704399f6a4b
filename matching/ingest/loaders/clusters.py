"""Advance CTE National Career Clusters crosswalks: the sector of every SOC and CIP code.

Sector strategies, sector profiles and goals ("want healthcare") are organized by career
cluster, so the bundle carries the official crosswalks (National Career Clusters Framework,
Advance CTE, 2024-25 framework; credit it wherever the clusters are shown). Two tables,
one per code system, because SOC and CIP codes are joined to different tables (occupations
through ``xwalk_onet_soc2018``, programs through their ``cip_code``):

- ``career_clusters_soc``: ``soc_code`` (SOC 2018 detailed, ``29-1141``), ``title``,
  ``cluster``, ``sub_cluster``, ``interdisciplinary`` (bool), ``_line``;
- ``career_clusters_cip``: ``cip_code`` (CIP 2020 text, ``01.0000``), ``title``,
  ``cluster``, ``sub_cluster``, ``interdisciplinary``, ``_line``.

One row per code x sub-cluster, read from the long sheets (``SOC - CC - Sub-Clusters`` and
``CIP - CC - Sub-Clusters`` of ``SOC_Career_Clusters_Crosswalk.xlsx`` and
``CIP_Career_Clusters_Crosswalk.xlsx``; header in row 1, under an ``Overview`` sheet of
notes). Quirks handled:

- ``interdisciplinary`` is true when a code sits in more than one cluster: the same fact
  as the wide sheet's ``Interdisciplinary SOC? (Yes/No)`` flag, read from the long rows so
  the two can never disagree;
- a section-header row (a cluster name with empty code and title cells, as the framework's
  ``SOC - CIP - CC`` sheet opens each cluster) is skipped, not data and not a reject;
- codes are text: CIP keeps its leading zeros (``01.0000``; an Excel-mangled ``1.0`` is
  padded back to six digits, ``_cip6``); a SOC code that is not ``NN-NNNN`` (an O*NET-SOC
  ``.00`` suffix is dropped) or a row with no cluster is rejected naming line and field;
  a missing sub-cluster is kept with a null, reported as repaired;
- a code x cluster x sub-cluster pair listed twice is rejected naming the first line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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
    read_excel_records,
    reject_duplicate_ids,
    soc_code,
)
from matching.ingest.loaders.source import Source

FOLDER = "clusters"
SOC_TABLE = "career_clusters_soc"
CIP_TABLE = "career_clusters_cip"
SOC_SHEET = "SOC - CC - Sub-Clusters"
CIP_SHEET = "CIP - CC - Sub-Clusters"


def _cip6(value: str) -> str | None:
    """A 6-digit CIP 2020 code 'NN.NNNN'. The crosswalk lists detailed codes only, so a cell
    Excel stored as a number ('1', '51.38') lost zeros on both sides and is padded back."""
    value = value.strip().removeprefix("=").strip('"')
    match = re.fullmatch(r"(\d{1,2})(?:\.(\d{1,4}))?", value)
    if match is None:
        return None
    return f"{match.group(1).zfill(2)}.{(match.group(2) or '').ljust(4, '0')}"


CLUSTER = Col("cluster", ("Career Cluster",), required=True)
SUB_CLUSTER = Col("sub_cluster", ("Sub-Cluster", "Subcluster"))
SOC_SPEC = (
    Col(
        "soc_code",
        ("SOC Code", "SOC 2018 Code"),
        required=True,
        normalize=soc_code,
        problem="not a SOC 2018 code NN-NNNN",
    ),
    Col("title", ("Occupation Title", "SOC Title")),
    CLUSTER,
    SUB_CLUSTER,
)
CIP_SPEC = (
    Col(
        "cip_code",
        ("CIP Code (2020)", "CIP Code"),
        required=True,
        normalize=_cip6,
        problem="not a CIP 2020 code NN.NNNN",
    ),
    Col("title", ("CIP Title (2020)", "CIP Title")),
    CLUSTER,
    SUB_CLUSTER,
)


def _drop_section_headers(raw: RawRecords, code_header: str) -> RawRecords:
    """Rows naming only a cluster (no code, no title) open a section: not data, not counted."""
    names = [h.lower() for h in raw.header]
    code_at = next((i for i, h in enumerate(names) if h.startswith(code_header)), None)
    title_at = next((i for i, h in enumerate(names) if "title" in h), None)

    def blank(row: list[str], at: int | None) -> bool:
        return at is None or at >= len(row) or not row[at].strip()

    keep = [
        (row, line)
        for row, line in zip(raw.rows, raw.lines, strict=True)
        if not (blank(row, code_at) and blank(row, title_at))
    ]
    return RawRecords(raw.file, raw.header, [r for r, _ in keep], [n for _, n in keep])


def _load_sheet(path: Path, table: str, sheet: str, spec: tuple[Col, ...], code: str) -> Loaded:
    """One workbook's long sheet, typed; unreadable files give an empty table and a reject."""
    report = LoadReport(table)
    try:
        raw = read_excel_records(
            path, report, sheet=sheet, header_must_contain=[spec[0].source[0], "Career Cluster"]
        )
    except LoaderError as exc:
        report.reject(path, None, None, str(exc))
        return Loaded(_flagged(empty_table(spec), code), report)
    before = len(raw.rows)
    raw = _drop_section_headers(raw, code.split("_")[0])
    report.rows_read -= before - len(raw.rows)
    typed = build_table(raw, spec, report, record_key=code)
    typed = reject_duplicate_ids(
        typed, [code, "cluster", "sub_cluster"], report, file=path, what="code and sub-cluster"
    )
    return Loaded(_flagged(typed, code), report)


def _flagged(table: pl.DataFrame, code: str) -> pl.DataFrame:
    """Add ``interdisciplinary``: the code sits in more than one cluster."""
    flag = (pl.col("cluster").n_unique().over(code) > 1).alias("interdisciplinary")
    return table.with_columns(flag).select(pl.exclude(LINE), LINE)


def _loader(
    table: str, sheet: str, spec: tuple[Col, ...], code: str
) -> Callable[[list[Path]], Loaded]:
    def load(paths: list[Path]) -> Loaded:
        parts = [_load_sheet(p, table, sheet, spec, code) for p in paths]
        report = LoadReport(table)
        for part in parts:
            report.merge(part.report)
        return Loaded(pl.concat([p.table for p in parts], how="vertical_relaxed"), report)

    return load


load_soc_clusters = _loader(SOC_TABLE, SOC_SHEET, SOC_SPEC, "soc_code")
load_cip_clusters = _loader(CIP_TABLE, CIP_SHEET, CIP_SPEC, "cip_code")


SOURCES: list[Source] = [
    Source(
        SOC_TABLE,
        FOLDER,
        ("SOC_Career_Clusters_Crosswalk*.xlsx",),
        load_soc_clusters,
        description="Advance CTE National Career Clusters: SOC 2018 -> cluster, sub-cluster",
    ),
    Source(
        CIP_TABLE,
        FOLDER,
        ("CIP_Career_Clusters_Crosswalk*.xlsx",),
        load_cip_clusters,
        description="Advance CTE National Career Clusters: CIP 2020 -> cluster, sub-cluster",
    ),
]
