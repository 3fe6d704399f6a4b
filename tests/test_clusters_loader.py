"""The Advance CTE career-clusters loader (``matching.ingest.loaders.clusters``) and its use
by sector goals (``matching.referral.goals``, issue 15 item 5).

The fixture workbooks are written here in the official layout (an ``Overview`` sheet of
notes, then the long ``SOC - CC - Sub-Clusters`` / ``CIP - CC - Sub-Clusters`` sheet) with
the quirks the loader handles: a section-header row (a cluster name alone), an
interdisciplinary code, CIP codes Excel stored as numbers (zeros lost), a
malformed SOC code, a row without a cluster, a row without a sub-cluster, a repeated row.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from matching.ingest.bundle import load_sources, write_bundle
from matching.ingest.loaders.clusters import SOURCES, load_cip_clusters, load_soc_clusters
from matching.referral.goals import cluster_of, cluster_source, clusters_by_soc
from matching.referral.referrals import refer

CASELOAD = Path(__file__).resolve().parents[1] / "demo" / "data" / "participants"
HEALTH = "Healthcare & Human Services"
OVERVIEW = [[None, "National Career Clusters Framework Crosswalk (test rows)"]]
SOC_ROWS: list[list[object]] = [
    ["SOC Code", "Occupation Title", "Career Cluster", "Sub-Cluster"],  # row 1
    [None, None, HEALTH, None],  # 2: section header (a cluster name alone), skipped
    ["29-1141", "Registered Nurses", HEALTH, "Physical Health"],  # 3
    [
        "43-4051",
        "Customer Service Representatives",
        "Marketing & Sales",
        "Retail & Customer Experience",
    ],  # 4
    [
        "43-4051",
        "Customer Service Representatives",
        "Management & Entrepreneurship",
        "Business Information Management",
    ],  # 5: interdisciplinary
    ["291141", "Registered Nurses", HEALTH, "Physical Health"],  # 6: malformed SOC
    ["31-1131", "Nursing Assistants", None, "Physical Health"],  # 7: no cluster
    ["31-9092", "Medical Assistants", HEALTH, None],  # 8: no sub-cluster, kept
    ["29-1141", "Registered Nurses", HEALTH, "Physical Health"],  # 9: repeat of 3
]
CIP_ROWS: list[list[object]] = [
    ["CIP Code (2020)", "CIP Title (2020)", "Career Cluster", "Sub-Cluster"],
    ["01.0000", "Agriculture, General.", "Agriculture", "Animal Systems"],
    [51.3801, "Registered Nursing/Registered Nurse.", HEALTH, "Physical Health"],  # a number
    [1.0, "Agriculture, General.", "Agriculture", "Plant Systems"],  # a number: zeros lost
    ["51.38x", "Nursing, bad code.", HEALTH, "Physical Health"],  # malformed
]


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    xlsxwriter = pytest.importorskip("xlsxwriter")
    book = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
    book.close()
    return path


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data" / "clusters"
    folder.mkdir(parents=True)
    write_xlsx(
        folder / "SOC_Career_Clusters_Crosswalk.xlsx",
        {"Overview": OVERVIEW, "SOC - CC - Sub-Clusters": SOC_ROWS},
    )
    write_xlsx(
        folder / "CIP_Career_Clusters_Crosswalk.xlsx",
        {"Overview": OVERVIEW, "CIP - CC - Sub-Clusters": CIP_ROWS},
    )
    return tmp_path / "data"


def test_soc_fixture_skips_headers_flags_interdisciplinary_and_names_bad_rows(data: Path) -> None:
    loaded = load_soc_clusters([data / "clusters" / "SOC_Career_Clusters_Crosswalk.xlsx"])
    table, report = loaded.table, loaded.report
    assert (report.rows_read, report.rows_kept, report.rows_rejected) == (7, 4, 3)
    assert table.columns == [
        "soc_code",
        "title",
        "cluster",
        "sub_cluster",
        "interdisciplinary",
        "_line",
    ]
    flags = dict(table.select("soc_code", "interdisciplinary").unique().iter_rows())
    assert flags == {"29-1141": False, "43-4051": True, "31-9092": False}
    assert table.filter(table["soc_code"] == "31-9092")["sub_cluster"].to_list() == [None]
    rejected = {(r.line, r.field) for r in report.rejects if r.severity == "rejected"}
    assert rejected == {(6, "soc_code"), (7, "cluster"), (9, "sub_cluster")}
    repeat = next(r for r in report.rejects if r.line == 9)
    assert "first seen at line 3" in repeat.reason


def test_cip_codes_keep_their_leading_zeros(data: Path) -> None:
    loaded = load_cip_clusters([data / "clusters" / "CIP_Career_Clusters_Crosswalk.xlsx"])
    codes = loaded.table["cip_code"].to_list()
    assert codes == ["01.0000", "51.3801", "01.0000"]
    assert [(r.line, r.field) for r in loaded.report.rejects] == [(5, "cip_code")]
    assert loaded.table.filter(loaded.table["cip_code"] == "01.0000")[
        "interdisciplinary"
    ].to_list() == [False, False]  # two Agriculture sub-clusters: one cluster


def test_import_lands_both_tables_with_a_rejects_file(data: Path, tmp_path: Path) -> None:
    result = load_sources(data, sources=SOURCES)
    assert result.missing == []
    assert result.tables["career_clusters_soc"].height == 4
    assert result.tables["career_clusters_cip"].height == 3
    write_bundle(result, data, tmp_path / "bundle")
    assert (tmp_path / "bundle" / "tables" / "career_clusters_soc.parquet").exists()
    with (tmp_path / "bundle" / "rejects.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {(r["file"], r["line"], r["field"]) for r in rows} >= {
        ("SOC_Career_Clusters_Crosswalk.xlsx", "6", "soc_code"),
        ("CIP_Career_Clusters_Crosswalk.xlsx", "5", "cip_code"),
    }


def test_the_table_wins_over_the_soc_group_stand_in(data: Path) -> None:
    table = load_soc_clusters([data / "clusters" / "SOC_Career_Clusters_Crosswalk.xlsx"]).table
    clusters = clusters_by_soc(table)
    assert cluster_of("43-4051.00") == {"Management & Entrepreneurship"}  # SOC group 43-
    assert cluster_of("43-4051.00", clusters) == {
        "Marketing & Sales",
        "Management & Entrepreneurship",
    }
    assert cluster_source("43-4051.00", clusters) == "Advance CTE career cluster"
    # a code the table does not list falls back to its SOC group
    assert cluster_of("53-3032.00", clusters) == {"Supply Chain & Transportation"}
    assert cluster_source("53-3032.00", clusters) == "career cluster by SOC group"


def test_real_crosswalks(shared_data: Path) -> None:
    """The real SOC and CIP workbooks: every row kept, 29-1141 Registered Nurses in
    Healthcare & Human Services (the 2024-25 framework's name for Health Science), 125
    interdisciplinary SOCs as the wide sheet flags them."""
    soc, cip = (source.load(source.discover(shared_data)) for source in SOURCES)
    assert (soc.report.rows_read, soc.report.rows_rejected) == (1203, 0)
    assert (cip.report.rows_read, cip.report.rows_rejected) == (4725, 0)
    clusters = clusters_by_soc(soc.table)
    assert clusters["29-1141"] == {HEALTH}
    assert sum(len(v) > 1 for v in clusters.values()) == 125
    nursing = cip.table.filter(cip.table["cip_code"] == "51.3801")
    assert HEALTH in nursing["cluster"].to_list()
    assert cip.table["cip_code"].str.starts_with("01.").any()


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, demo_home_template):  # -> Engine
    from matching.settings import Settings
    from serving.engine import Engine

    home = demo_home_template.copy(tmp_path_factory.mktemp("clusters_home"))
    return Engine.load(Settings(home=home)).warm()


def test_want_healthcare_goes_to_healthcare_occupations_through_the_table(engine) -> None:
    """The demo bundle carries the demo crosswalk: a healthcare goal's top referrals lead
    to occupations the table puts in Healthcare & Human Services, and say it is the
    Advance CTE cluster."""
    from serving.batch import participant_from_row, read_caseload

    ctx = engine.region_context("NJ")
    assert ctx.clusters["29-1141"] == {HEALTH}
    rows = read_caseload(CASELOAD / "demo_caseload.csv").table.to_dicts()
    person = next(participant_from_row(r) for r in rows if r["participant_id"] == "DEMO-P002")
    top = refer(person, ctx, engine.reader, top_k=5).referrals
    assert top and HEALTH in ctx.clusters[top[0].target.code[:7]]
    assert any(
        "stated goal's field" in line and "Advance CTE career cluster" in line
        for line in top[0].explanation
    )
