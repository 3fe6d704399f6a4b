"""O*NET text-database loaders: real 27.0 counts, code formats, markers, and bad-file fixtures."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from matching.ingest.loaders import onet
from matching.ingest.loaders.base import LINE, Loaded
from matching.ingest.loaders.onet import SOURCES, onet_version

EXPECTED_ROWS = {
    "onet_occupations": 1016,
    "onet_alternate_titles": 52754,
    "onet_reported_titles": 7541,
    "onet_job_zones": 923,
    "onet_technology_skills": 30826,
    "onet_tools": 41644,
    "onet_tasks": 19265,
    "onet_tasks_to_dwas": 23543,
    "onet_dwa_reference": 2087,
    "onet_education": 35723,
    "onet_related_occupations": 18460,
}
ONET_CODE = r"^\d{2}-\d{4}\.\d{2}$"
HEADERS = {
    "occ": "O*NET-SOC Code\tTitle\tDescription\n",
    "tech": "O*NET-SOC Code\tExample\tCommodity Code\tCommodity Title\tHot Technology\n",
}


def _source(table: str):
    return next(s for s in SOURCES if s.table == table)


@pytest.fixture(scope="module")
def real(shared_data: Path) -> dict[str, Loaded]:
    return {s.table: s.load(s.discover(shared_data)) for s in SOURCES}


def _write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


# --------------------------------------------------------------------------- real data


@pytest.mark.shared
@pytest.mark.parametrize("table", sorted(EXPECTED_ROWS))
def test_real_row_counts_and_no_rejects(real: dict[str, Loaded], table: str) -> None:
    loaded = real[table]
    assert loaded.table.height == EXPECTED_ROWS[table]
    assert loaded.report.rows_read == loaded.report.rows_kept == EXPECTED_ROWS[table]
    assert loaded.report.rejects == []
    assert loaded.table.columns[-1] == LINE


@pytest.mark.shared
def test_real_codes_are_onet_soc(real: dict[str, Loaded]) -> None:
    for table, loaded in real.items():
        for column in ("onet_soc_code", "related_onet_soc_code"):
            if column in loaded.table.columns:
                assert loaded.table[column].str.contains(ONET_CODE).all(), (table, column)


@pytest.mark.shared
def test_real_version(shared_data: Path) -> None:
    assert _source("onet_occupations").taxonomy_version(shared_data) == "27.0"


@pytest.mark.shared
def test_real_technology_flags_and_ids(real: dict[str, Loaded]) -> None:
    tech = real["onet_technology_skills"].table
    assert tech["hot_technology"].sum() == 13431
    assert tech["in_demand"].null_count() == tech.height  # 27.0 has no In Demand column
    assert tech["commodity_code"].str.contains(r"^\d{8}$").all()
    row = tech.row(0, named=True)
    assert row["skill_id"] == f"onet:tech:{row['commodity_code']}:{row['example'].lower()}"
    tools = real["onet_tools"].table
    assert tools["skill_id"].str.starts_with("onet:tool:").all()


@pytest.mark.shared
def test_real_markers_and_types(real: dict[str, Loaded]) -> None:
    zones = real["onet_job_zones"].table["job_zone"]
    assert zones.min() == 1 and zones.max() == 5
    education = real["onet_education"].table
    assert education["standard_error"].null_count() > 0  # "n/a" -> null, never a number
    assert education["recommend_suppress"].dtype == pl.Boolean
    assert education["n"].dtype == pl.Int64
    assert real["onet_alternate_titles"].table["short_title"].null_count() == 50565
    tasks = real["onet_tasks"].table
    assert tasks["task"].str.contains('"', literal=True).sum() > 0  # literal quotes kept


# --------------------------------------------------------------------------- fixtures


def test_bad_code_truncated_row_and_extra_field_reported(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "Occupation Data.txt",
        HEADERS["occ"]
        + "11-1011.00\tChief Executives\tRun things.\n"
        + "11-10110.00\tBroken\tBad code.\n"
        + "11-1021.00\tTruncated\n"
        + "11-1031.00\tLegislators\tMake laws.\textra\n"
        + "11-2011\tAdvertising Managers\tBare SOC gains .00.\n",
    )
    loaded = _source("onet_occupations").load([path])
    assert loaded.table["onet_soc_code"].to_list() == ["11-1011.00", "11-2011.00"]
    assert loaded.table[LINE].to_list() == [2, 6]
    rejects = {(r.line, r.field) for r in loaded.report.rejects}
    assert rejects == {(3, "onet_soc_code"), (4, "Description"), (5, None)}
    assert all(r.severity == "rejected" for r in loaded.report.rejects)
    assert all("11-10110" not in r.reason for r in loaded.report.rejects)
    assert loaded.report.rows_read == 5 and loaded.report.rows_kept == 2


def test_literal_quotes_are_data(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "Task Statements.txt",
        "O*NET-SOC Code\tTask ID\tTask\tTask Type\tIncumbents Responding\tDate"
        "\tDomain Source\n"
        '11-1011.00\t8823\tUse "lean" methods.\tCore\tn/a\t07/2014\tIncumbent\n'
        '11-1011.00\t8824\t"Quoted start\tn/a\t87\t07/2014\tIncumbent\n',
    )
    loaded = _source("onet_tasks").load([path])
    assert loaded.table["task"].to_list() == ['Use "lean" methods.', '"Quoted start']
    assert loaded.table["incumbents_responding"].to_list() == [None, 87]
    assert loaded.table["task_type"].to_list() == ["Core", None]
    assert loaded.report.rejects == []


def test_latin1_bytes_repaired_and_kept(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "Occupation Data.txt",
        HEADERS["occ"].encode()
        + b"11-1011.00\tChefs de caf\xe9\tCook.\n"
        + b"11-1021.00\tManagers\tManage.\n",
    )
    loaded = _source("onet_occupations").load([path])
    assert loaded.table["title"].to_list() == ["Chefs de café", "Managers"]
    [reject] = loaded.report.rejects
    assert (reject.line, reject.field, reject.severity) == (2, "Title", "repaired")  # header name


def test_missing_optional_and_required_columns(tmp_path: Path) -> None:
    no_description = _write(
        tmp_path / "Occupation Data.txt", "O*NET-SOC Code\tTitle\n11-1011.00\tChief Executives\n"
    )
    loaded = _source("onet_occupations").load([no_description])
    assert loaded.table["description"].to_list() == [None]
    assert [(r.field, r.severity) for r in loaded.report.rejects] == [("description", "missing")]

    no_title = _write(
        tmp_path / "Alternate Titles.txt", "O*NET-SOC Code\tShort Title\n11-1011.00\tCEO\n"
    )
    loaded = _source("onet_alternate_titles").load([no_title])
    assert loaded.table.height == 0
    assert loaded.table.columns == [
        "onet_soc_code",
        "alternate_title",
        "short_title",
        "sources",
        LINE,
    ]
    assert [(r.field, r.severity) for r in loaded.report.rejects] == [
        ("alternate_title", "rejected")
    ]


def test_unreadable_file_is_one_reject(tmp_path: Path) -> None:
    loaded = _source("onet_job_zones").load([tmp_path / "Job Zones.txt"])
    assert loaded.table.height == 0
    assert len(loaded.report.rejects) == 1 and loaded.report.rejects[0].line is None


def test_job_zone_out_of_range_rejected(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "Job Zones.txt",
        "O*NET-SOC Code\tJob Zone\tDate\tDomain Source\n"
        "11-1011.00\t5\t07/2014\tAnalyst\n11-1021.00\t7\t07/2014\tAnalyst\n"
        "11-1031.00\tn/a\t07/2014\tAnalyst\n",
    )
    loaded = _source("onet_job_zones").load([path])
    assert loaded.table["job_zone"].to_list() == [5]
    assert [(r.line, r.field) for r in loaded.report.rejects] == [(3, "job_zone"), (4, "job_zone")]


def test_in_demand_column_of_newer_releases(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "Technology Skills.txt",
        HEADERS["tech"].replace("\n", "\tIn Demand\n")
        + "11-1011.00\tMicrosoft Excel\t43232110\tSpreadsheet software\tY\tY\n"
        + "11-1011.00\tSAP\t4323210\tERP software\tN\tN\n",
    )
    loaded = _source("onet_technology_skills").load([path])
    assert loaded.table.select("hot_technology", "in_demand").row(0) == (True, True)
    assert loaded.table["skill_id"].to_list() == ["onet:tech:43232110:microsoft excel"]
    assert [(r.line, r.field) for r in loaded.report.rejects] == [(3, "commodity_code")]


def test_older_tools_and_technology_file_keeps_tools(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "Tools and Technology.txt",
        "O*NET-SOC Code\tT2 Type\tT2 Example\tCommodity Code\tCommodity Title\n"
        "11-1011.00\tTools\t10-key calculators\t44101809\tDesktop calculator\n"
        "11-1011.00\tTechnology\tMicrosoft Excel\t43232110\tSpreadsheet software\n",
    )
    loaded = _source("onet_tools").load([path])
    assert loaded.table["skill_id"].to_list() == ["onet:tool:44101809:10-key calculators"]
    assert loaded.table.columns == [
        "onet_soc_code",
        "example",
        "commodity_code",
        "commodity_title",
        "skill_id",
        LINE,
    ]
    assert loaded.report.rows_kept == 1


def test_discover_prefers_current_tools_name(tmp_path: Path) -> None:
    folder = tmp_path / "onet"
    folder.mkdir()
    _write(folder / "Tools and Technology.txt", "x\n")
    assert [p.name for p in _source("onet_tools").discover(tmp_path)] == [
        "Tools and Technology.txt"
    ]
    _write(folder / "Tools Used.txt", "x\n")
    assert [p.name for p in _source("onet_tools").discover(tmp_path)] == ["Tools Used.txt"]


def test_education_markers(tmp_path: Path) -> None:
    header = (
        "O*NET-SOC Code\tElement ID\tElement Name\tScale ID\tCategory\tData Value\tN"
        "\tStandard Error\tLower CI Bound\tUpper CI Bound\tRecommend Suppress\tDate"
        "\tDomain Source\n"
    )
    path = _write(
        tmp_path / "Education, Training, and Experience.txt",
        header + "11-1011.00\t2.D.1\tRequired Level of Education\tRL\t1\t0.00\t27\t0.00"
        "\tn/a\tn/a\tN\t07/2014\tIncumbent\n"
        + "11-1011.00\t2.D.1\tRequired Level of Education\tRL\tn/a\t1.5\tn/a\t"
        "0.1\t0.2\t0.3\tn/a\t07/2014\tIncumbent\n"
        + "11-1011.00\t2.D.1\tRequired Level of Education\tRL\t2\tabc\t27\t0.1"
        "\t0.2\t0.3\tY\t07/2014\tIncumbent\n",
    )
    loaded = _source("onet_education").load([path])
    table = loaded.table
    assert table["lower_ci_bound"].to_list() == [None, 0.2, 0.2]
    assert table["recommend_suppress"].to_list() == [False, None, True]
    assert table["category"].to_list() == [1, None, 2]
    assert table["n"].to_list() == [27, None, 27]
    assert table["data_value"].to_list() == [0.0, 1.5, None]
    [reject] = loaded.report.rejects
    assert (reject.line, reject.field, reject.severity) == (4, "data_value", "repaired")


def test_version_from_readme(tmp_path: Path) -> None:
    assert onet_version(tmp_path) is None
    _write(tmp_path / "Read Me.txt", "O*NET 29.3 Database\nMay 2025 Release\n")
    assert onet_version(tmp_path) == "29.3"
    _write(tmp_path / "Read Me.txt", "something else\n")
    assert onet_version(tmp_path) is None


def test_every_source_is_in_the_onet_folder() -> None:
    assert {s.folder for s in SOURCES} == {onet.FOLDER}
    assert sorted(s.table for s in SOURCES) == sorted(EXPECTED_ROWS)
    assert all(s.version is onet_version for s in SOURCES)


def test_repeated_occupation_code_is_a_rejected_row(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "Occupation Data.txt",
        HEADERS["occ"]
        + "29-1141.00\tRegistered Nurses\tCare\n"
        + "29-2061.00\tLicensed Practical Nurses\tCare\n"
        + "29-1141.00\tNurses (again)\tCare\n",
    )
    loaded = _source("onet_occupations").load([path])
    assert loaded.table["title"].to_list() == ["Registered Nurses", "Licensed Practical Nurses"]
    (issue,) = loaded.report.rejects
    assert (issue.line, issue.field, issue.severity, issue.reason) == (
        4,
        "onet_soc_code",
        "rejected",
        "duplicate id, first seen at line 2",
    )
    assert loaded.report.rows_kept + loaded.report.rows_rejected == loaded.report.rows_read


def test_utf16_text_export_reads_like_utf8(tmp_path: Path) -> None:
    """Excel's "Unicode text" save: UTF-16 LE with a byte-order mark and CRLF line ends."""
    text = HEADERS["occ"] + "29-1141.00\tRegistered Nurses\tCare for patients\n"
    path = _write(tmp_path / "Occupation Data.txt", text.replace("\n", "\r\n").encode("utf-16"))
    loaded = _source("onet_occupations").load([path])
    assert loaded.table["title"].to_list() == ["Registered Nurses"]
    assert loaded.report.rejects == []
