"""CIP 2020, the CIP 2010 -> 2020 map, the CIP-SOC crosswalk and College Scorecard."""

from __future__ import annotations

import time
from pathlib import Path

import polars as pl
import pytest
from loader_checks import balanced, problems, write

from matching.ingest.loaders import programs
from matching.ingest.loaders.programs import (
    cip2010_series_to_2020,
    cip2010_to_2020,
    load_cip_codes,
    load_scorecard,
    load_xwalk_cip_soc,
)

CIP_FILE = "programs/CIPCode2020.csv"
XWALK_CSV = "programs/CIP2020_SOC2018_Crosswalk.csv"
XWALK_XLSX = "programs/CIP2020_SOC2018_Crosswalk.xlsx"
SCORECARD = "programs/FieldOfStudyData1516_1617_PP_CREDLEV1-2.csv"


@pytest.fixture(scope="module")
def cip(shared_data: Path) -> pl.DataFrame:
    return load_cip_codes(shared_data / CIP_FILE).table


# --------------------------------------------------------------------------- CIP codes


@pytest.mark.shared
def test_cip_codes_real_counts_and_formats(shared_data: Path) -> None:
    loaded = load_cip_codes(shared_data / CIP_FILE)
    table = loaded.table
    assert table.height == 2848 and loaded.report.rows_rejected == 0 and balanced(loaded.report)
    assert table.columns == [
        "cip_code",
        "cip_family",
        "title",
        "definition",
        "action",
        "text_change",
        "cross_references",
        "examples",
        "level",
        "in_cip2020",
        "_line",
    ]
    assert table["cip_code"].str.contains(r"^\d{2}(\.\d{2}(\d{2})?)?$").all()
    assert not table["cip_code"].str.contains('[="]').any()
    assert dict(table["level"].value_counts().iter_rows()) == {
        "family": 50,
        "series": 473,
        "code": 2325,
    }
    assert set(table["action"]) == set(programs.CIP_ACTIONS)
    assert table["text_change"].sum() == 225
    assert table["in_cip2020"].sum() == 2848 - 149 - 12  # 'Moved from' and 'Deleted' are 2010
    assert not table.filter(pl.col("cip_code") == "15.0505")["in_cip2020"].item()
    nursing = table.filter(pl.col("cip_code") == "51.3801").row(0, named=True)
    assert nursing["cip_family"] == "51" and nursing["title"].endswith(".")


@pytest.mark.shared
def test_cip2010_to_2020_from_action_rows(cip: pl.DataFrame) -> None:
    mapping = cip2010_to_2020(cip)
    assert dict(mapping["relation"].value_counts().iter_rows()) == {
        "unchanged": 1994,
        "moved": 149,
        "deleted": 12,
    }
    rows = {r["cip2010_code"]: r for r in mapping.iter_rows(named=True)}
    assert rows["01.0309"]["cip2020_code"] == "01.1004"
    assert rows["51.2401"]["cip2020_code"] == "01.8001"
    assert rows["52.0201"] == {
        "cip2010_code": "52.0201",
        "cip2020_code": "52.0201",
        "relation": "unchanged",
        "report_under": None,
    }
    assert rows["45.14"]["cip2020_code"] is None and rows["45.14"]["report_under"] == "45.1103"
    assert rows["60.04"]["report_under"] == "61"
    assert "01.0207" not in rows  # New in 2020: no 2010 code maps to it
    assert mapping.filter(pl.col("relation") == "moved")["cip2020_code"].null_count() == 0


@pytest.mark.shared
def test_cip2010_series_map(cip: pl.DataFrame) -> None:
    series = cip2010_series_to_2020(cip)
    assert series["51.24"] == "01.80"
    assert series["19.00"] == "19.10"
    assert series["52.02"] == "52.02"
    assert series["45.14"] is None
    assert all(len(code) == 5 for code in series)


def test_cip_fixture_guards_bad_codes_and_actions(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "CIPCode2020.csv",
        (
            b'"CIPFamily","CIPCode","Action","TextChange","CIPTitle","CIPDefinition",'
            b'"CrossReferences","Examples"\n'
            b'="01",="01.0000","No substantive changes",no,"Agriculture, General.",'
            b'"A program.","",\n'
            b'="01",="01.0309","Moved from",no,"Viticulture.","Moved from 01.0309 to 01.1004","",\n'
            b'="01",="1.X","New",no,"Bad code.","x","",\n'
            b'="01",="01.0101","Renamed",yes,"Odd action.","x","",\n'
            b'="01",="01.0102","New",no\n'
            b'="01",="01.0103","New",no,"Caf\xe9 Management.","x","",\n'
        ),
    )
    loaded = load_cip_codes(path)
    table, report = loaded.table, loaded.report
    assert table["cip_code"].to_list() == ["01.0000", "01.0309", "01.0101", "01.0103"]
    assert problems(report, "rejected") == {(4, "cip_code"), (6, "CIPTitle")}
    assert (5, "action") in problems(report, "repaired")
    assert (7, "CIPTitle") in problems(report, "repaired")
    assert table.filter(pl.col("cip_code") == "01.0103")["title"].item() == "Café Management."
    assert balanced(report)
    moved = cip2010_to_2020(table).filter(pl.col("relation") == "moved")
    assert moved.row(0) == ("01.0309", "01.1004", "moved", None)


# --------------------------------------------------------------------------- CIP-SOC crosswalk


@pytest.mark.shared
def test_xwalk_real_counts_and_no_match_flags(shared_data: Path) -> None:
    loaded = load_xwalk_cip_soc(shared_data / XWALK_CSV)
    table = loaded.table
    assert table.height == 6097 and loaded.report.rows_rejected == 0 and balanced(loaded.report)
    assert table["soc2018_code_no_match"].sum() == 194
    assert table["cip_code_no_match"].sum() == 180
    assert table["soc2018_code"].null_count() == 194
    assert table["cip_code"].null_count() == 180
    assert table["soc2018_code"].drop_nulls().str.contains(r"^\d{2}-\d{4}$").all()
    assert table["cip_code"].drop_nulls().str.contains(r"^\d{2}\.\d{4}$").all()
    assert "99-9999" not in table["soc2018_code"].to_list()


@pytest.mark.shared
def test_xwalk_workbook_matches_csv(shared_data: Path, tmp_path: Path) -> None:
    from_csv = load_xwalk_cip_soc(shared_data / XWALK_CSV).table
    from_xlsx = load_xwalk_cip_soc(shared_data / XWALK_XLSX).table
    assert from_xlsx.drop("_line").equals(from_csv.drop("_line"))
    # With only the workbook present, the Source falls back to it.
    folder = tmp_path / "programs"
    folder.mkdir()
    (folder / "CIP2020_SOC2018_Crosswalk.xlsx").symlink_to(shared_data / XWALK_XLSX)
    source = next(s for s in programs.SOURCES if s.table == "xwalk_cip_soc")
    assert [p.name for p in source.discover(tmp_path)] == ["CIP2020_SOC2018_Crosswalk.xlsx"]


def test_xwalk_fixture_rejects_bad_codes_and_keeps_sentinels(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "xwalk.csv",
        (
            b"\xef\xbb\xbfCIP2020Code,CIP2020Title,SOC2018Code,SOC2018Title\r\n"
            b'01.0000,"Agriculture, General.",19-1011,Animal Scientists\r\n'
            b"01.0508,Taxidermy/Taxidermist.,99-9999,NO MATCH\r\n"
            b"99.9999,NO MATCH,13-1074,Farm Labor Contractors\r\n"
            b"01.0000,Agriculture,19-10X1,Broken SOC\r\n"
            b",Blank CIP,19-1012,Food Scientists\r\n"
            b"01.0000,Agriculture\r\n"
            b"01.0101,Agricultural Business,11-9013,Farmers, Ranchers\r\n"
        ),
    )
    loaded = load_xwalk_cip_soc(path)
    table, report = loaded.table, loaded.report
    assert table.height == 3 and balanced(report)
    assert problems(report, "rejected") == {
        (5, "soc2018_code"),
        (6, "cip_code"),
        (7, "SOC2018Code"),
        (8, None),
    }
    assert not problems(report, "repaired")
    bad_soc = next(r for r in report.rejects if r.line == 5)
    assert bad_soc.reason == "not a SOC code" and "19-10X1" not in bad_soc.reason
    flags = table.select("soc2018_code_no_match", "cip_code_no_match").rows()
    assert flags == [(False, False), (True, False), (False, True)]


def test_xwalk_missing_column_rejects_nothing_silently(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "xwalk.csv",
        b"CIP2020Code,CIP2020Title,SOC2018Title\n01.0000,Agriculture,Animal Scientists\n",
    )
    loaded = load_xwalk_cip_soc(path)
    assert loaded.table.height == 0
    assert (None, "soc2018_code") in problems(loaded.report, "missing")
    assert (2, "soc2018_code") in problems(loaded.report, "rejected")


# --------------------------------------------------------------------------- College Scorecard


@pytest.mark.shared
def test_scorecard_real_counts_markers_and_speed(shared_data: Path, cip: pl.DataFrame) -> None:
    start = time.perf_counter()
    loaded = load_scorecard(shared_data / SCORECARD, cip)
    elapsed = time.perf_counter() - start
    table, report = loaded.table, loaded.report
    # About 1.7 s on an idle machine; the bound leaves room for a busy CI runner.
    assert elapsed < 10, f"scorecard took {elapsed:.1f}s"
    assert table.height == 87398 and report.rows_rejected == 0 and balanced(report)
    assert table["median_earnings"].is_not_null().sum() == 14554
    assert table["count"].is_not_null().sum() == 87398 - 69871  # PrivacySuppressed
    assert table["unitid"].null_count() == 608  # NULL
    assert table["cip2010_code"].str.contains(r"^\d{2}\.\d{2}$").all()
    assert set(table["credential_level"]) == {1, 2}
    assert set(table["credential_desc"]) == {
        "Undergraduate Certificate or Diploma",
        "Associate's Degree",
    }
    assert table["cip_desc"].str.contains("  ").sum() == 0
    # '100' lost its leading zero: it is CIP 01.00.
    agriculture = table.filter(pl.col("cip2010_code") == "01.00")
    assert agriculture.height > 0 and set(agriculture["cip2020_code"]) == {"01.00"}
    # CIP 2000-era series that CIP 2010 no longer has are reported once per code.
    nursing = table.filter(pl.col("cip2010_code") == "51.16")
    assert nursing.height == 40 and nursing["cip2020_code"].null_count() == 40
    unmapped = [r for r in report.rejects if r.field == "cip2020_code"]
    assert len(unmapped) == 4 and all(r.severity == "repaired" for r in unmapped)
    # The en dash that Windows-1252 put at byte 0x96 ('Career Academy–Brick') is restored.
    assert table["institution"].str.contains("Academy\u2013Brick").any()
    assert not table["institution"].str.contains("[\u0080-\u009f]").any()


SCORECARD_HEADER = (
    b"P_UNITID,P_OPEID6,P_INSTNM,P_CONTROL,P_MAIN,P_CIPCODE,P_CIPDESC,P_CREDLEV,P_CREDDESC,"
    b"P_COUNT,P_DEBTMEDIAN,P_DEBTPAYMENT10YR,P_DEBTMEAN,P_TITLEIVCOUNT,P_EARNINGSCOUNT,"
    b"P_MD_EARN_WNE,P_IPEDSCOUNT1,P_IPEDSCOUNT2\r\n"
)


def test_scorecard_fixture_reports_each_problem(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "FieldOfStudyData.csv",
        SCORECARD_HEADER
        + (
            b"100663,1052,Alpha College,Public,1,5203,Accounting.,1,Certificate,27,5500,57,8660,"
            b"20,21,30100,15,23\r\n"
            b"NULL,1021,Beta College,Public,0,100,Agriculture.,2,Associate\xc2\x92s Degree,"
            b"PrivacySuppressed,PrivacySuppressed,PrivacySuppressed,PrivacySuppressed,"
            b"PrivacySuppressed,PrivacySuppressed,PrivacySuppressed,NULL,NULL\r\n"
            b"100700,1053,Gamma College,Public,1,52X3,Bad code.,1,Certificate,1,1,1,1,1,1,1,1,1\r\n"
            b"100701,1054,Delta College,Public,1,5203,Accounting.,1\r\n"
            b"100702,1055,Caf\xe9 College,Public,1,5124,Veterinary.,1,Certificate,5,1,1,1,1,1,"
            b"abc,1,1\r\n"
        ),
    )
    cip = pl.DataFrame(
        {
            "cip_code": ["52.03", "01.00", "51.24"],
            "action": ["No substantive changes", "No substantive changes", "Moved from"],
            "definition": ["x", "x", "Moved from 51.24 to 01.80"],
        }
    )
    loaded = load_scorecard(path, cip)
    table, report = loaded.table, loaded.report
    assert table["cip2010_code"].to_list() == ["52.03", "01.00", "51.24"]
    assert table["cip2020_code"].to_list() == ["52.03", "01.00", "01.80"]
    assert problems(report, "rejected") == {(4, "cip2010_code"), (5, "P_CREDDESC")}
    assert {(6, "P_INSTNM"), (6, "median_earnings")} <= problems(report, "repaired")
    beta = table.row(1, named=True)
    assert beta["unitid"] is None and beta["count"] is None and beta["median_earnings"] is None
    assert beta["credential_desc"] == "Associate's Degree"  # C2 92 -> apostrophe
    assert table["institution"].to_list()[2] == "Café College"
    assert balanced(report)


def test_scorecard_new_release_names_and_missing_columns(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Most-Recent-Cohorts-Field-of-Study.csv",
        (
            b"UNITID,OPEID6,INSTNM,CONTROL,MAIN,CIPCODE,CIPDESC,CREDLEV,CREDDESC,"
            b"IPEDSCOUNT1,IPEDSCOUNT2\n"
            b"100663,1052,Alpha College,Public,1,5203,Accounting.,1,Certificate,3,4\n"
        ),
    )
    loaded = load_scorecard(path)
    assert loaded.table.height == 1
    assert loaded.table["ipeds_count1"].item() == 3
    missing = problems(loaded.report, "missing")
    assert {(None, "median_earnings"), (None, "count"), (None, "cip2020_code")} <= missing


def test_sources_cover_every_programs_table() -> None:
    tables = [s.table for s in programs.SOURCES]
    assert tables == [
        "cip_codes",
        "xwalk_cip_soc",
        "scorecard_fos",
        "etpl_programs",
        "etpl_outcomes",
    ]
    assert all(s.folder == "programs" for s in programs.SOURCES)


@pytest.mark.shared
def test_sources_discover_and_version(shared_data: Path) -> None:
    by_table = {s.table: s for s in programs.SOURCES}
    assert by_table["cip_codes"].taxonomy_version(shared_data) == "2020"
    scorecard = by_table["scorecard_fos"]
    paths = scorecard.discover(shared_data)
    assert [p.name for p in paths] == [Path(SCORECARD).name]
    assert [p.name for p in by_table["xwalk_cip_soc"].discover(shared_data)] == [
        "CIP2020_SOC2018_Crosswalk.csv"
    ]
