"""Crosswalk and SOC-structure loaders: real counts, code quirks, joins, workbook fixtures."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from matching.ingest.loaders import crosswalks as xw
from matching.ingest.loaders.base import LINE, Loaded
from matching.ingest.loaders.crosswalks import SOURCES

EXPECTED_ROWS = {
    "xwalk_esco_onet": 8627,
    "xwalk_isco_soc2010": 1125,
    "xwalk_onet2010_soc2018": 1170,
    "xwalk_onet_soc2018": 1016,
    "soc2018_structure": 1447,
    "soc2018_definitions": 1447,
    "onet_soc_structure": 1596,
}
TITLE_ROWS = [["O*NET-SOC 2019 Crosswalks"], ["A title"], []]


def _source(table: str):
    return next(s for s in SOURCES if s.table == table)


def _xlsx(path: Path, rows: list[list[str]], sheet: str = "Sheet1") -> Path:
    """A workbook whose cells are all text, as in the official files."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    page = book.add_worksheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value != "":
                page.write_string(r, c, value)
    book.close()
    return path


@pytest.fixture(scope="module")
def real(shared_data: Path) -> dict[str, Loaded]:
    return {s.table: s.load(s.discover(shared_data)) for s in SOURCES}


@pytest.fixture(scope="module")
def esco_tables(shared_data: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    from matching.ingest.loaders import esco

    folder = shared_data / "esco"
    occupations = esco.load_occupations([folder / "occupations_en.csv"]).table
    groups = next(s for s in esco.SOURCES if s.table == "esco_isco_groups")
    return occupations, groups.load([folder / "ISCOGroups_en.csv"]).table


# --------------------------------------------------------------------------- real data


@pytest.mark.shared
@pytest.mark.parametrize("table", sorted(EXPECTED_ROWS))
def test_real_row_counts(real: dict[str, Loaded], table: str) -> None:
    loaded = real[table]
    assert loaded.table.height == EXPECTED_ROWS[table]
    assert loaded.report.rows_read == loaded.report.rows_kept == EXPECTED_ROWS[table]
    assert loaded.report.rejects == []
    assert loaded.table.columns[-1] == LINE


@pytest.mark.shared
def test_real_esco_onet(real: dict[str, Loaded]) -> None:
    table = real["xwalk_esco_onet"].table
    assert table.columns == [
        "esco_code",
        "esco_title",
        "onet_soc_code",
        "onet_title",
        "esco_level",
        LINE,
    ]
    assert table["esco_code"].n_unique() == 3349
    assert table["onet_soc_code"].n_unique() == 958
    groups = table.filter(pl.col("esco_level") == "isco_group")["esco_code"]
    assert groups.n_unique() == 352
    assert groups.str.contains(r"^\d{3,4}$").all()
    assert table[LINE].to_list()[:1] == [5]  # header on spreadsheet row 4


@pytest.mark.shared
def test_real_esco_code_to_uri(
    real: dict[str, Loaded], esco_tables: tuple[pl.DataFrame, pl.DataFrame]
) -> None:
    occupations, groups = esco_tables
    joined = xw.esco_code_to_uri(real["xwalk_esco_onet"].table, occupations, groups)
    assert joined.table.height == 8627
    assert len(joined.report.rejects) == 24
    codes = {r.record for r in joined.report.rejects}
    assert {"1120.2.1", "2133.12"} <= codes
    assert joined.table.filter(pl.col("esco_uri").is_null())["esco_code"].n_unique() == 24
    resolved = joined.table.filter(
        pl.col("esco_level") == "occupation", pl.col("esco_uri").is_not_null()
    )
    assert resolved["esco_uri"].str.starts_with("http://data.europa.eu/esco/occupation/").all()
    covered = occupations.filter(pl.col("occupation_uri").is_in(joined.table["esco_uri"].implode()))
    assert covered.height == 2973
    isco = joined.table.filter(pl.col("esco_level") == "isco_group")
    assert isco["esco_uri"].str.starts_with("http://data.europa.eu/esco/isco/C").all()


@pytest.mark.shared
def test_real_isco_soc2010(real: dict[str, Loaded]) -> None:
    table = real["xwalk_isco_soc2010"].table
    assert table["soc2010_code"].str.contains(r"^\d{2}-\d{4}$").all()  # trailing spaces gone
    assert table["isco_code"].str.contains(r"^\d{3,4}$").all()
    assert sorted(
        table.filter(pl.col("isco_code").str.len_chars() == 3)["isco_code"].to_list()
    ) == ["211", "315"]
    assert table["partial"].sum() == 970 and table["partial"].null_count() == 0
    assert table["isco_code"].n_unique() == 438
    assert table["soc2010_code"].n_unique() == 840


@pytest.mark.shared
def test_real_soc_2010_2018_and_broad_target(real: dict[str, Loaded]) -> None:
    table = real["xwalk_onet2010_soc2018"].table
    broad = table.filter(pl.col("soc2018_is_broad"))
    assert broad.select("onet_soc_2010_code", "soc2018_code").rows() == [("19-1020.01", "19-1020")]
    assert table["onet_soc_2010_code"].n_unique() == 1110
    mapped = xw.soc2010_to_soc2018(real["xwalk_isco_soc2010"].table, table)
    assert mapped["soc2018_code"].null_count() == 0
    assert set(mapped["isco_code"]) == set(real["xwalk_isco_soc2010"].table["isco_code"])


@pytest.mark.shared
def test_real_onet_soc2018(real: dict[str, Loaded]) -> None:
    table = real["xwalk_onet_soc2018"].table
    assert table["soc2018_code"].n_unique() == 867
    codes = pl.DataFrame({"onet_soc_code": ["15-1299.08", "11-1011.03"]})
    assert xw.onet_to_soc2018(codes, table)["soc2018_code"].to_list() == ["15-1299", "11-1011"]


@pytest.mark.shared
def test_real_structures(real: dict[str, Loaded]) -> None:
    soc = real["soc2018_structure"].table
    assert dict(soc["level"].value_counts().rows()) == {
        "major": 23,
        "minor": 98,
        "broad": 459,
        "detailed": 867,
    }
    row = soc.filter(pl.col("soc_code") == "15-1211").row(0, named=True)
    assert (row["major_code"], row["minor_code"], row["broad_code"]) == (
        "15-0000",
        "15-1200",
        "15-1210",
    )
    major = soc.filter(pl.col("level") == "major")
    assert major["minor_code"].null_count() == major.height
    definitions = real["soc2018_definitions"].table
    with_definition = definitions.filter(pl.col("definition").is_not_null())
    assert set(with_definition["soc_group"]) == {"detailed"}
    assert with_definition.height == 867
    onet = real["onet_soc_structure"].table
    assert dict(onet["level"].value_counts().rows())["onet"] == 149
    row = onet.filter(pl.col("code") == "15-1299.08").row(0, named=True)
    assert row["detailed_code"] == "15-1299" and row["broad_code"] == "15-1290"


# --------------------------------------------------------------------------- fixtures


def test_esco_onet_footer_bad_codes_and_levels(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "ESCO_to_ONET-SOC.xlsx",
        [
            *TITLE_ROWS,
            ["ESCO/ISCO Code", "ESCO/ISCO Title", "O*NET-SOC 2019 Code", "O*NET-SOC 2019 Title"],
            ["0110.10", "lieutenant", "33-1011.00", "Supervisors"],
            ["1111", "Legislators", "11-1031.00", "Legislators"],
            ["12AB", "broken code", "11-1031.00", "Legislators"],
            ["2654.1.7", "technical director", "11-1O21.00", "bad O*NET code"],
            ["2654.1.7", "technical director", "", "missing O*NET code"],
            [],
            ["", "This publication uses the ESCO classification. ESCO v1.1.0 used."],
        ],
        sheet="O-NET-SOC 2019 Crosswalks",
    )
    loaded = _source("xwalk_esco_onet").load([path])
    assert loaded.table.select("esco_code", "esco_level", LINE).rows() == [
        ("0110.10", "occupation", 5),
        ("1111", "isco_group", 6),
    ]
    assert [(r.line, r.field) for r in loaded.report.rejects] == [
        (7, "esco_code"),
        (8, "onet_soc_code"),
        (9, "onet_soc_code"),
    ]
    assert loaded.report.rows_read == 5  # the footer is not counted as data


def test_esco_code_to_uri_reports_each_code_once() -> None:
    xwalk = pl.DataFrame(
        {"esco_code": ["2654.1.7", "9999.9", "9999.9", "0110"], LINE: [5, 6, 7, 8]}
    )
    occupations = pl.DataFrame({"code": ["2654.1.7"], "occupation_uri": ["occ-uri"]})
    groups = pl.DataFrame({"code": ["0110"], "isco_uri": ["isco-uri"]})
    joined = xw.esco_code_to_uri(xwalk, occupations, groups)
    assert joined.table["esco_uri"].to_list() == ["occ-uri", None, None, "isco-uri"]
    assert joined.table.columns == ["esco_code", "esco_uri", LINE]
    assert [(r.line, r.field, r.record) for r in joined.report.rejects] == [
        (6, "esco_code", "9999.9")
    ]


def test_isco_xls_falls_back_to_derived_csv(tmp_path: Path) -> None:
    workbook = tmp_path / "isco_soc_crosswalk.xls"
    workbook.write_bytes(b"this is not a BIFF8 workbook")
    derived = tmp_path / "isco_soc_crosswalk.ISCO-08_to_SOC-2010.derived.csv"
    derived.write_bytes(
        b"ISCO-08 Code,ISCO-08 Title EN,part,2010 SOC Code,2010 SOC Title,Comment 8/17/11\n"
        b"0110,Commissioned armed forces officers,*,55-1011 ,Air Crew Officers,\n"
        b"3322 ,Commercial sales representatives,,41-4012,Sales Representatives,\n"
        b"211,Physical and earth science professionals,,19-2099,Physical Scientists,"
        b"matches to 3-digit ISCO\n"
        b"2111,Physicists,?,19-2012,Physicists,\n"
        b"2112,M\xe9t\xe9orologues,*,19-20,Atmospheric Scientists,\n"
        b"2113,Chemists,*\n"
    )
    loaded = _source("xwalk_isco_soc2010").load([workbook, derived])
    table = loaded.table
    assert table.select("isco_code", "partial", "soc2010_code").rows() == [
        ("0110", True, "55-1011"),
        ("3322", False, "41-4012"),
        ("211", False, "19-2099"),
        ("2111", None, "19-2012"),
    ]
    found = [(r.file, r.line, r.field, r.severity) for r in loaded.report.rejects]
    assert found[0][:2] == (workbook.name, None) and found[0][3] == "repaired"
    assert sorted(found[1:]) == [
        (derived.name, 5, "partial", "repaired"),
        (derived.name, 6, "ISCO-08 Title EN", "repaired"),  # latin-1 bytes decoded
        (derived.name, 6, "soc2010_code", "rejected"),
        (derived.name, 7, "2010 SOC Code", "rejected"),  # truncated row
    ]
    assert loaded.report.files == [derived.name]


def test_isco_xls_used_when_readable(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "isco_soc_crosswalk.xlsx",
        [
            ["Bureau of Labor Statistics"],
            [],
            ["August 2012"],
            [],
            [],
            [],
            [
                "ISCO-08 Code",
                "ISCO-08 Title EN",
                "part",
                "2010 SOC Code",
                "2010 SOC Title",
                "Comment 8/17/11",
            ],
            ["0110", "Officers", "*", "55-1011 ", "Air Crew Officers"],
        ],
    )
    derived = tmp_path / "isco_soc_crosswalk.ISCO-08_to_SOC-2010.derived.csv"
    derived.write_text("ISCO-08 Code,2010 SOC Code\n9999,11-1011\n")
    loaded = _source("xwalk_isco_soc2010").load([path, derived])
    assert loaded.table.select("isco_code", "soc2010_code", LINE).rows() == [("0110", "55-1011", 8)]
    assert loaded.report.files == [path.name]


def test_onet2010_missing_column_and_broad_flag(tmp_path: Path) -> None:
    header = ["O*NET-SOC 2010 Code", "O*NET-SOC 2010 Title", "2018 SOC Code", "2018 SOC Title"]
    path = _xlsx(
        tmp_path / "2010_to_2018_SOC_Crosswalk.xlsx",
        [
            ["O*NET-SOC 2010 Occupation Listings"],
            ["Crosswalk"],
            [],
            header,
            ["19-1020.01", "Biologists", "19-1020", "Biological Scientists"],
            ["11-1011.00", "Chief Executives", "11-1011", "Chief Executives"],
            ["11-1011.00", "Chief Executives", "11-10", "Chief Executives"],
        ],
    )
    loaded = _source("xwalk_onet2010_soc2018").load([path])
    assert loaded.table["soc2018_is_broad"].to_list() == [True, False]
    assert [(r.line, r.field) for r in loaded.report.rejects] == [(7, "soc2018_code")]
    mapped = xw.soc2010_to_soc2018(
        pl.DataFrame({"soc2010_code": ["11-1011 ", "99-9999"]}), loaded.table
    )
    assert mapped["soc2018_code"].to_list() == ["11-1011", None]

    no_title = _xlsx(tmp_path / "other.xlsx", [header[:1] + header[2:3], ["11-1011.00", "11-1011"]])
    loaded = _source("xwalk_onet2010_soc2018").load([no_title])
    assert loaded.table["onet_soc_2010_title"].to_list() == [None]
    assert {(r.field, r.severity) for r in loaded.report.rejects} == {
        ("onet_soc_2010_title", "missing"),
        ("soc2018_title", "missing"),
    }


def test_unreadable_workbook_is_one_reject(tmp_path: Path) -> None:
    path = tmp_path / "2019_to_SOC_Crosswalk.xlsx"
    path.write_bytes(b"PK\x03\x04 truncated zip")
    loaded = _source("xwalk_onet_soc2018").load([path])
    assert loaded.table.height == 0
    assert loaded.table.columns == [
        "onet_soc_code",
        "onet_title",
        "soc2018_code",
        "soc2018_title",
        LINE,
    ]
    [reject] = loaded.report.rejects
    assert (reject.line, reject.severity) == (None, "rejected")
    missing = _source("soc2018_structure").load([tmp_path / "absent.xlsx"])
    assert missing.table.columns == [
        "soc_code",
        "title",
        "level",
        "major_code",
        "minor_code",
        "broad_code",
        LINE,
    ]


def test_soc_structure_fill_down_and_bad_rows(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "soc_structure_2018.xlsx",
        [
            ["U.S. Bureau of Labor Statistics"],
            [],
            [],
            [],
            [],
            [],
            [],
            ["Major Group", "Minor Group", "Broad Group", "Detailed Occupation", ""],
            ["", "", "", "11-1011", "Orphan before any major group"],
            ["15-0000", "", "", "", "Computer and Mathematical Occupations"],
            ["", "15-1200", "", "", "Computer Occupations"],
            ["", "", "15-1210", "", "Computer and Information Analysts"],
            ["", "", "", "15-1211", "Computer Systems Analysts"],
            ["", "", "15-1220", "15-1221", "Two levels filled"],
            ["", "", "", "15-12X1", "Bad code"],
            ["", "", "", "17-2011", "Wrong major prefix"],
            ["17-0000", "", "", "", "Architecture and Engineering Occupations"],
            ["", "", "", "17-2011", "Aerospace Engineers (no minor or broad above)"],
        ],
        sheet="2018 Structure",
    )
    loaded = _source("soc2018_structure").load([path])
    table = loaded.table
    assert table.select("soc_code", "level", "major_code", "minor_code", "broad_code").rows() == [
        ("15-0000", "major", "15-0000", None, None),
        ("15-1200", "minor", "15-0000", "15-1200", None),
        ("15-1210", "broad", "15-0000", "15-1200", "15-1210"),
        ("15-1211", "detailed", "15-0000", "15-1200", "15-1210"),
        ("17-0000", "major", "17-0000", None, None),
        ("17-2011", "detailed", "17-0000", None, None),
    ]
    found = sorted((r.line, r.field, r.severity) for r in loaded.report.rejects)
    assert found == [
        (9, "major_code", "rejected"),
        (14, "level", "rejected"),
        (15, "detailed", "repaired"),
        (15, "level", "rejected"),
        (16, "major_code", "rejected"),
    ]
    assert loaded.report.rows_kept == table.height == 6


def test_definitions_groups_lowercased(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "soc_2018_definitions.xlsx",
        [
            ["U.S. Bureau of Labor Statistics"],
            [],
            [],
            [],
            [],
            [],
            [],
            ["SOC Group", "SOC Code", "SOC Title", "SOC Definition"],
            ["Major", "11-0000", "Management Occupations", ""],
            ["Detailed", "11-1011", "Chief Executives", "Determine policies."],
            ["Detailed", "11-1011.00", "O*NET code is not a SOC code", "x"],
            ["Unit", "11-1021", "Odd group", "Plan."],
        ],
        sheet="2018 SOC",
    )
    loaded = _source("soc2018_definitions").load([path])
    assert loaded.table.select("soc_code", "soc_group", "definition").rows() == [
        ("11-0000", "major", None),
        ("11-1011", "detailed", "Determine policies."),
        ("11-1021", None, "Plan."),
    ]
    assert [(r.line, r.field, r.severity) for r in loaded.report.rejects] == [
        (11, "soc_code", "rejected"),
        (12, "soc_group", "repaired"),
    ]


@pytest.mark.shared
def test_real_derived_csv_matches_workbook(shared_data: Path, real: dict[str, Loaded]) -> None:
    folder = shared_data / "crosswalks"
    derived = xw.load_isco_soc2010([folder / "isco_soc_crosswalk.ISCO-08_to_SOC-2010.derived.csv"])
    assert derived.report.rejects == []
    assert derived.table.drop(LINE).equals(real["xwalk_isco_soc2010"].table.drop(LINE))
    assert xw.load_isco_soc2010([]).table.height == 0
