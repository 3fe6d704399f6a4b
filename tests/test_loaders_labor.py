"""BLS OEWS, the NY and WA state extracts, and BLS Employment Projections."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from loader_checks import balanced, problems, write

from matching.ingest.loaders import labor
from matching.ingest.loaders.labor import (
    EXTRACT_COLUMNS,
    HOURS_PER_YEAR,
    NEW_YORK,
    OEWS_WAGES,
    WASHINGTON,
    load_ep_projections,
    load_oews,
    load_state_extract,
    projection_years,
)

NATIONAL = "labor_market/national_M2024_dl.xlsx"
EP = "labor_market/ep_occupation_2024-34.xlsx"
NY = "labor_market/oews-newyork.csv"
WA = "labor_market/oews-washington.csv"


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    xlsxwriter = pytest.importorskip("xlsxwriter")
    workbook = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
    workbook.close()
    return path


# --------------------------------------------------------------------------- OEWS


@pytest.mark.shared
def test_oews_national_counts_and_markers(shared_data: Path) -> None:
    loaded = load_oews(shared_data / NATIONAL)
    table, report = loaded.table, loaded.report
    assert table.height == 1403 and report.rows_rejected == 0 and balanced(report)
    assert table.columns[:12] == [
        "area",
        "area_title",
        "area_type",
        "prim_state",
        "naics",
        "occ_code",
        "occ_title",
        "o_group",
        "tot_emp",
        "emp_prse",
        "jobs_1000",
        "loc_quotient",
    ]
    assert table.columns[-2:] == ["year", "_line"]
    assert table["occ_code"].str.contains(r"^\d{2}-\d{4}$").all()
    assert dict(table["o_group"].value_counts().iter_rows()) == {
        "detailed": 831,
        "broad": 455,
        "minor": 94,
        "major": 22,
        "total": 1,
    }
    # '*' = not available: 83 annual-only occupations have no hourly wages.
    assert table["h_mean"].null_count() == 83 and table["annual"].sum() == 83
    assert table["hourly"].sum() == 7 and table["a_mean"].null_count() == 7
    # '#' = top-coded: null value, flag set; never a number.
    assert table["h_median_topcoded"].sum() == 19 and table["a_median_topcoded"].sum() == 19
    assert table["a_pct90_topcoded"].sum() == 72
    top = table.filter(pl.col("a_pct90_topcoded"))
    assert top["a_pct90"].null_count() == top.height
    assert table["a_mean_topcoded"].sum() == 0  # means are published even above the top code
    assert table["year"].unique().to_list() == [2024]
    total = table.filter(pl.col("occ_code") == "00-0000").row(0, named=True)
    assert total["area_type"] == 1 and total["prim_state"] == "US" and total["a_median"] == 49500


def oews_rows(upper: bool) -> list[list[object]]:
    header = [
        "AREA",
        "AREA_TITLE",
        "AREA_TYPE",
        "PRIM_STATE",
        "NAICS",
        "OCC_CODE",
        "OCC_TITLE",
        "O_GROUP",
        "TOT_EMP",
        *[w.upper() for w in OEWS_WAGES],
        "ANNUAL",
        "HOURLY",
    ]
    wages: list[object] = [30.5, 63440, 15, 20, 28, 38, 50, 31200, 41600, 58240, 79040, 104000]
    top: list[object] = [120.0, 250000, 60, 90, "#", "#", "#", 124800, 187200, "#", "#", "#"]
    return [
        header if upper else [h.lower() for h in header],
        [
            "01",
            "Alabama",
            2,
            "AL",
            "000000",
            "00-0000",
            "All Occupations",
            "total",
            2_000_000,
            *wages,
            None,
            None,
        ],
        [
            "01",
            "Alabama",
            2,
            "AL",
            "000000",
            "11-1011",
            "Chief Executives",
            "detailed",
            1_500,
            *top,
            None,
            None,
        ],
        [
            "01",
            "Alabama",
            2,
            "AL",
            "000000",
            "25-2021",
            "Teachers",
            "detailed",
            20_000,
            "*",
            60000,
            "*",
            "*",
            "*",
            "*",
            "*",
            40000,
            50000,
            60000,
            70000,
            80000,
            "TRUE",
            None,
        ],
        [
            "01",
            "Alabama",
            2,
            "AL",
            "000000",
            "11-10X1",
            "Broken code",
            "detailed",
            5,
            *wages,
            None,
            None,
        ],
        [
            "01",
            "Alabama",
            2,
            "AL",
            "000000",
            "13-1011",
            "Agents",
            "detailed",
            "**",
            "twelve",
            *wages[1:],
            None,
            None,
        ],
    ]


@pytest.mark.parametrize("upper", [True, False])
def test_oews_fixture_workbook(tmp_path: Path, upper: bool) -> None:
    path = write_xlsx(
        tmp_path / "state_M2030_dl.xlsx",
        {
            "Field Descriptions": [["Field", "Field Description"], ["area", "code"]],
            "state_M2030_dl": oews_rows(upper),
        },
    )
    loaded = load_oews(path)
    table, report = loaded.table, loaded.report
    assert table["occ_code"].to_list() == ["00-0000", "11-1011", "25-2021", "13-1011"]
    assert problems(report, "rejected") == {(5, "occ_code")}
    assert (6, "h_mean") in problems(report, "repaired")
    missing = problems(report, "missing")
    assert (None, "emp_prse") in missing and (None, "o_group") not in missing
    assert balanced(report)
    ceo = table.row(1, named=True)
    assert ceo["h_median"] is None and ceo["h_median_topcoded"] is True
    assert ceo["h_mean"] == 120.0 and ceo["h_mean_topcoded"] is False
    teachers = table.row(2, named=True)
    assert teachers["h_mean"] is None and teachers["a_mean"] == 60000
    assert teachers["annual"] is True and teachers["hourly"] is False
    assert table.row(3, named=True)["tot_emp"] is None  # '**'
    assert set(table["year"]) == {2030}


def test_oews_unreadable_workbook_is_one_reject(tmp_path: Path) -> None:
    path = write(tmp_path, "national_M2030_dl.xlsx", b"not a workbook")
    loaded = labor.load_oews_files([path])
    assert loaded.table.height == 0 and "year" in loaded.table.columns
    assert [r.severity for r in loaded.report.rejects] == ["rejected"]


# --------------------------------------------------------------------------- state extracts


@pytest.mark.shared
def test_state_extracts_real_counts(shared_data: Path) -> None:
    source = next(s for s in labor.SOURCES if s.table == "oews_state_extracts")
    loaded = source.load(source.discover(shared_data))
    table, report = loaded.table, loaded.report
    assert report.rows_rejected == 0 and balanced(report)
    assert table.columns == [*EXTRACT_COLUMNS, "_line"]
    counts = dict(table.group_by("prim_state").len().iter_rows())
    assert counts == {"NY": 7010, "WA": 6920}
    assert table["occ_code"].str.contains(r"^\d{2}-\d{4}$").all()
    ny = table.filter(pl.col("prim_state") == "NY")
    assert set(ny["area_type"]) == {"state", "region"} and ny["year"].null_count() == 7010
    assert ny["hourly_from_annual"].all() and not ny["annual_from_hourly"].any()
    state = ny.filter(pl.col("area") == "36", pl.col("occ_code") == "00-0000").row(0, named=True)
    assert state["a_mean"] == 77445
    assert state["h_mean"] == pytest.approx(77445 / HOURS_PER_YEAR, abs=0.01)
    wa = table.filter(pl.col("prim_state") == "WA")
    assert set(wa["year"]) == {2022}
    assert set(wa["area_type"]) == {"state", "msa", "nonmetro"}
    ceo = wa.filter(pl.col("area") == "000053", pl.col("occ_code") == "11-1021").row(0, named=True)
    assert ceo["h_mean"] == 64.76 and ceo["a_mean"] == 134690  # both published: kept
    assert ceo["a_median"] == pytest.approx(57.43 * HOURS_PER_YEAR, abs=1)
    assert ceo["annual_from_hourly"] is True and ceo["hourly_from_annual"] is False
    # Same column, same type as the BLS table where both have it.
    oews_schema = load_oews(shared_data / NATIONAL).table.schema
    for column in ("area", "occ_code", "tot_emp", "h_mean", "a_median", "prim_state"):
        assert table.schema[column] == oews_schema[column], column


def test_new_york_fixture_padded_header_and_problems(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "oews-newyork.csv",
        (
            b"Area Type, Area, Area Name, Standard Occupational Code, Occupational Title, "
            b"Employment,Mean Wage, Median Wage, Entry Wage, Experienced Wage      \n"
            b'1,36,New York State,00-0000,"Total, All Occupations",9108930,77445,54276,34849,'
            b"98743\n"
            b"10,7,New York City,29-1211,Anesthesiologists,,321243,,98912,\n"
            b"10,7,New York City,29-12X1,Broken,10,1,1,1,1\n"
            b"10,7,New York City,35-2014,Cooks\n"
            b'10,3,Caf\xe9 Region,35-2014,"Cooks, Restaurant",100,40000,39000,31000,45000\n'
            b"4,9,Somewhere,35-2014,Cooks,100,40000,39000,31000,45000\n"
        ),
    )
    loaded = load_state_extract(path, NEW_YORK)
    table, report = loaded.table, loaded.report
    assert table["occ_code"].to_list() == ["00-0000", "29-1211", "35-2014", "35-2014"]
    assert problems(report, "rejected") == {(4, "occ_code"), (5, "Employment")}
    assert {(6, "Area Name"), (7, "area_type")} <= problems(report, "repaired")
    assert balanced(report)
    anesth = table.row(1, named=True)
    assert anesth["tot_emp"] is None and anesth["a_median"] is None
    assert anesth["h_entry"] == pytest.approx(98912 / HOURS_PER_YEAR, abs=0.01)
    assert table.row(2, named=True)["area_title"] == "Café Region"
    assert table.row(3, named=True)["area_type"] is None


def test_washington_fixture_hourly_only_and_missing_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "oews-washington.csv",
        (
            b"ID,Year,Area code,Area name,SOC code,Occupational title,Employment,Average wage,"
            b"25th Percentile,50th Percentile,Annual wage\n"
            b"1,2022,000053,Washington,27-2011,Actors,100,30.00,20.00,25.00,\n"
            b"2,2022,530006,Western Washington nonmetropolitan area,25-2021,Teachers,50,,,,"
            b"70000.00\n"
        ),
    )
    loaded = load_state_extract(path, WASHINGTON)
    table, report = loaded.table, loaded.report
    assert (None, "h_pct75") in problems(report, "missing")
    actors, teachers = table.iter_rows(named=True)
    assert actors["a_mean"] == 30 * HOURS_PER_YEAR and actors["annual_from_hourly"] is True
    assert actors["h_pct75"] is None and actors["a_pct75"] is None
    assert teachers["h_mean"] == pytest.approx(33.65, abs=0.01)
    assert teachers["hourly_from_annual"] is True and teachers["area_type"] == "nonmetro"
    assert actors["area_type"] == "state" and set(table["year"]) == {2022}


def test_unknown_extract_file_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "oews-oregon.csv", b"a,b\n1,2\n")
    loaded = labor.load_state_extracts([path])
    assert loaded.table.height == 0 and loaded.table.columns == [*EXTRACT_COLUMNS, "_line"]
    assert loaded.report.rejects[0].reason == "no extract layout matches this file name"


# --------------------------------------------------------------------------- projections


@pytest.mark.shared
def test_ep_projections_real(shared_data: Path) -> None:
    loaded = load_ep_projections(shared_data / EP)
    table, report = loaded.table, loaded.report
    assert table.height == 1113 and report.rows_rejected == 0 and balanced(report)
    assert report.rows_read == 1113  # the footnotes below the table are not records
    assert dict(table["occupation_type"].value_counts().iter_rows()) == {
        "Line item": 832,
        "Summary": 281,
    }
    assert set(table["base_year"]) == {2024} and set(table["proj_year"]) == {2034}
    assert table["soc_code"].str.contains(r"^\d{2}-\d{4}$").all()
    assert table["median_annual_wage_topcoded"].sum() == 19
    assert table["median_annual_wage"].null_count() == 19 + 9  # '>=$239,200' and '—'
    assert table["self_employed_pct"].null_count() == 219
    assert table["entry_education"].null_count() == 281
    assert "None" in table["work_experience"].to_list()  # a real answer, not a null
    total = table.row(0, named=True)
    assert total["soc_code"] == "00-0000" and total["emp_base_k"] == 169956.1
    assert total["title"] == "Total, all occupations"
    assert not table["title"].str.starts_with(" ").any()


def test_ep_fixture_next_release_years_and_markers(tmp_path: Path) -> None:
    header = [
        "2030 National Employment Matrix title",
        "2030 National Employment Matrix code",
        "Occupation type",
        "Employment, 2030",
        "Employment, 2040",
        "Employment change, numeric, 2030–40",
        "Employment change, percent, 2030–40",
        "Percent self employed, 2030",
        "Occupational openings, 2030–40 annual average",
        "Median annual wage, dollars, 2030[1]",
        "Typical education needed for entry",
        "Work experience in a related occupation",
        "Typical on-the-job training needed to attain competency in the occupation",
    ]
    path = write_xlsx(
        tmp_path / "occupation.xlsx",
        {
            "Index": [["x"]],
            "Table 1.2": [
                ["Table 1.2 Occupational projections, 2030–2040"],
                header,
                [
                    "Total, all occupations",
                    "00-0000",
                    "Summary",
                    "180000",
                    "185000",
                    "5000",
                    "2.8",
                    "5.5",
                    "19000",
                    "55000",
                    "—",
                    "—",
                    "—",
                ],
                [
                    "  Chief executives",
                    "11-1011",
                    "Line item",
                    "200",
                    "210",
                    "10",
                    "5",
                    "—",
                    "20",
                    ">=$300,000",
                    "Bachelor's degree",
                    "5 years or more",
                    "None",
                ],
                ["  Broken", "11-10X1", "Line item", "1", "1", "0", "0", "0", "0", "1", "", "", ""],
                [
                    "  Odd numbers",
                    "11-2021",
                    "Line item",
                    "many",
                    "1",
                    "0",
                    "0",
                    "0",
                    "0",
                    "1",
                    "",
                    "",
                    "",
                ],
                ["Footnotes:"],
                ["[1] Data are from the OEWS program."],
                ["Source: Employment Projections program"],
            ],
        },
    )
    loaded = load_ep_projections(path)
    table, report = loaded.table, loaded.report
    assert table["soc_code"].to_list() == ["00-0000", "11-1011", "11-2021"]
    assert set(table["base_year"]) == {2030} and set(table["proj_year"]) == {2040}
    assert problems(report, "rejected") == {(5, "soc_code")}
    assert problems(report, "repaired") == {(6, "emp_base_k")}
    assert report.rows_read == 4 and balanced(report)
    ceo = table.row(1, named=True)
    assert ceo["median_annual_wage"] is None and ceo["median_annual_wage_topcoded"] is True
    assert ceo["self_employed_pct"] is None and ceo["title"] == "Chief executives"
    assert table.row(0, named=True)["entry_education"] is None


def test_projection_years_from_header_variants() -> None:
    assert projection_years(["Employment, 2024", "Employment, 2034"]) == (2024, 2034)
    assert projection_years(["Employment change, numeric, 2098–02"]) == (2098, 2102)
    assert projection_years(["Employment change, numeric, 2024-2034"]) == (2024, 2034)
    assert projection_years(["Title"]) == (None, None)


def test_missing_ep_sheet_is_one_reject(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "occupation.xlsx", {"Index": [["x"]]})
    loaded = load_ep_projections(path)
    assert loaded.table.height == 0
    assert "Table 1.2" in loaded.report.rejects[0].reason


@pytest.mark.shared
def test_sources_discover_and_version(shared_data: Path) -> None:
    by_table = {s.table: s for s in labor.SOURCES}
    assert set(by_table) == {"oews", "oews_state_extracts", "ep_projections"}
    assert by_table["oews"].taxonomy_version(shared_data) == "May 2024"
    assert [p.name for p in by_table["oews"].discover(shared_data)] == [Path(NATIONAL).name]
