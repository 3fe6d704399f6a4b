"""Participant loaders: the PIRL public-use layout and the pathmatch intake format.

No real PIRL rows exist here (see participants/SOURCE.md), so the PUF loader is tested on
``tests/fixtures/pirl/pirl_sample.csv``, written by hand from the PY2022 Q4 record layout
with clearly fake ids, and its element numbers and code values are checked against the
official layout extract in the shared data.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import polars as pl
import pytest

from matching.ingest.loaders.base import LINE
from matching.ingest.loaders.participants import (
    CREDENTIAL,
    EDUCATION,
    FARMWORKER,
    FUNDING_STREAM,
    INTAKE_SPEC,
    NINE_MEANS_UNKNOWN,
    OUTCOME_SCHEMA,
    PIRL_SPEC,
    RACE,
    SEX,
    SOURCES,
    TRAINING_TYPE,
    YES_NO,
    load_intake,
    load_pirl,
    onet_code,
    yyyymmdd,
)
from matching.ingest.loaders.records import SOURCE_FILE
from matching.schemas import Participant, table_columns

FIXTURES = Path(__file__).parent / "fixtures" / "pirl"
PARTICIPANT_COLUMNS = [*table_columns(Participant), LINE, SOURCE_FILE]
PIRL_COLUMNS = [*table_columns(Participant), *OUTCOME_SCHEMA, LINE, SOURCE_FILE]


def rejects(loaded, severity: str = "rejected") -> list[tuple[str, int | None, str | None]]:
    return [(r.file, r.line, r.field) for r in loaded.report.rejects if r.severity == severity]


def by_id(table: pl.DataFrame, participant_id: str) -> dict:
    return table.filter(pl.col("participant_id") == participant_id).row(0, named=True)


# --------------------------------------------------------------------------- PUF fixture


@pytest.fixture(scope="module")
def pirl():
    return load_pirl([FIXTURES / "pirl_sample.csv"])


def test_pirl_counts_and_rejects(pirl) -> None:
    report = pirl.report
    assert report.rows_read == 12 and report.rows_kept == 10 and report.rows_rejected == 2
    assert rejects(pirl) == [
        ("pirl_sample.csv", 7, "PIRL801"),  # truncated after 20 fields
        ("pirl_sample.csv", 9, "participant_id"),
    ]
    assert rejects(pirl, "repaired") == [
        ("pirl_sample.csv", 5, "wioa_sex"),  # PIRL201 = 5: not a layout code
        ("pirl_sample.csv", 6, "entry_date"),  # PIRL900 = 20221345
        ("pirl_sample.csv", 8, "training_onet_code"),  # PIRL1306 not an O*NET code
        ("pirl_sample.csv", 8, "wages_q2"),  # negative wages
        ("pirl_sample.csv", 12, "training_type_1"),  # PIRL1303 = 13
    ]
    assert [r for r in report.rejects if r.severity == "missing"] == []


def test_pirl_columns_and_types(pirl) -> None:
    table = pirl.table
    assert table.columns == PIRL_COLUMNS
    assert table.schema["wioa_barriers"] == pl.List(pl.String)
    assert table.schema["past_job_titles"] == pl.List(pl.String)
    assert table.schema["employed_q2"] == pl.Boolean
    assert table.schema["wages_q4"] == pl.Float64
    assert table["participant_id"].str.starts_with("FAKE").all()
    assert table[LINE].to_list() == [2, 3, 4, 5, 6, 8, 10, 11, 12, 13]
    assert table["past_job_titles"].to_list() == [[]] * 10
    assert table["intake_text"].null_count() == 10
    assert table["zip"].null_count() == 10  # PIRL103 is blank in the PUF


def test_pirl_code_maps(pirl) -> None:
    table = pirl.table
    one = by_id(table, "FAKE00000001")
    assert (one["wioa_sex"], one["wioa_race_ethnicity"], one["wioa_age_band"]) == (
        "female",
        "black",
        "25-44",
    )
    assert one["education_level"] == "high_school" and one["state"] == "NJ"
    assert (one["wioa_adult"], one["wioa_dislocated_worker"], one["wioa_youth"]) == (
        True,
        False,
        False,
    )
    assert one["wioa_low_income"] is True and one["wioa_disability"] is False
    assert one["wioa_barriers"] == ["low_income", "single_parent", "long_term_unemployed"]
    assert (one["received_training"], one["training_type_1"], one["training_onet_code"]) == (
        True,
        "occupational_skills",
        "31-1131.00",
    )
    assert (one["employed_q2"], one["employed_q4"], one["wages_q2"], one["wages_q4"]) == (
        True,
        True,
        8450.0,
        9120.0,
    )
    assert one["credential_type"] == "occupational_certificate"
    assert (one["entry_date"], one["exit_date"]) == ("2022-08-05", "2023-03-10")

    two = by_id(table, "FAKE00000002")
    assert (two["wioa_race_ethnicity"], two["wioa_veteran"], two["education_level"]) == (
        "hispanic",
        True,
        "bachelor",
    )
    assert two["training_type_1"] == "none" and two["employed_q4"] is None  # 9: not yet known

    three = by_id(table, "FAKE00000003")
    assert three["wioa_sex"] == "not_self_identified"
    assert three["wioa_race_ethnicity"] == "multiple"  # CALC4020 blank: PIRL211 + PIRL215
    assert three["wioa_barriers"] == ["homeless", "migrant_seasonal_farmworker"]
    assert three["training_onet_code"] == "47-2061.00"  # 6-digit code
    assert three["wioa_youth"] is True and three["wioa_age_band"] == "19-24"

    seven = by_id(table, "FAKE00000007")
    assert seven["wioa_race_ethnicity"] is None  # 9 everywhere: not self-identified
    assert seven["wioa_disability"] is None and seven["wioa_veteran"] is None
    assert seven["training_onet_code"] is None and seven["wages_q2"] is None

    nine = by_id(table, "FAKE00000009")
    assert nine["wioa_adult"] is False  # PIRL903 = 4: reportable individual only
    assert nine["education_level"] == "none"  # 3: IEP certificate of attendance
    assert nine["wioa_age_band"] == "60+" and nine["training_type_1"] == "registered_apprenticeship"
    assert by_id(table, "FAKE00000010")["wioa_age_band"] == "under_16"
    assert by_id(table, "FAKE00000012")["training_onet_code"] is None  # '0': no code


def test_pirl_reasons_never_echo_values(pirl) -> None:
    text = (FIXTURES / "pirl_sample.csv").read_text()
    values = {v for line in text.splitlines()[1:] for v in line.split(",") if len(v) > 1}
    layout_codes = set(TRAINING_TYPE)  # listed in the PIRL1303 reason as valid codes
    for reject in pirl.report.rejects:
        assert reject.record is None
        tokens = set(re.findall(r"[\w-]+", reject.reason))
        assert not (tokens & (values - layout_codes)), reject


def _write_puf(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_pirl_older_header_spellings(tmp_path: Path) -> None:
    """PY2017 put a space in names; PY2019-20 used PIRL30xx and PY2021 PIRL40xx for CALC."""
    py2017 = _write_puf(
        tmp_path / "WIOAPerformanceRecords_PY2017Q4_Public.csv",
        ["PIRL 100", "PIRL 201", "PIRL 408", "PIRL 3000", "PIRL 3023", "PIRL 3042", "PIRL 903"],
        [["FAKE17", "2", "6", "oh", "5", "24", "1"]],
    )
    py2021 = _write_puf(
        tmp_path / "WIOAPerformanceRecords_PY2021Q4_PUBLIC.csv",
        ["PIRL100", "PIRL201", "PIRL4000", "PIRL4020", "PIRL4039", "PIRL4001"],
        [["FAKE21", "1", "TX", "4", "61", "1"]],
    )
    loaded = load_pirl([py2017, py2021])
    old, new = loaded.table.iter_rows(named=True)
    assert (
        old["participant_id"],
        old["wioa_sex"],
        old["education_level"],
        old["state"],
        old["wioa_race_ethnicity"],
        old["wioa_age_band"],
        old["wioa_adult"],
    ) == ("FAKE17", "female", "associate", "OH", "american_indian_alaska_native", "19-24", True)
    assert (new["state"], new["wioa_race_ethnicity"], new["wioa_age_band"], new["wioa_adult"]) == (
        "TX",
        "native_hawaiian_pacific_islander",
        "60+",
        True,
    )
    missing = {r.field for r in loaded.report.rejects if r.severity == "missing"}
    assert "received_training" in missing and "participant_id" not in missing


def test_pirl_missing_id_column_and_bad_encoding(tmp_path: Path) -> None:
    no_id = _write_puf(tmp_path / "pirl_noid.csv", ["PIRL201"], [["1"]])
    loaded = load_pirl([no_id])
    assert loaded.table.height == 0 and loaded.table.columns == PIRL_COLUMNS
    assert rejects(loaded) == [("pirl_noid.csv", None, "participant_id")]
    latin = tmp_path / "pirl_latin.csv"
    latin.write_bytes(b"PIRL100,PIRL201,CALC4000\nFAKE\xe901,1,NJ\nFAKE02,2,NJ\n")
    loaded = load_pirl([latin])
    assert loaded.table.height == 2
    assert rejects(loaded, "repaired") == [("pirl_latin.csv", 2, "PIRL100")]


@pytest.mark.shared
def test_sources_find_no_real_rows(shared_data: Path) -> None:
    """The shared participants folder holds only the data dictionary."""
    for source in SOURCES:
        assert source.discover(shared_data) == []


# --------------------------------------------------------------------------- layout check


def _layout(shared_data: Path) -> dict[str, str]:
    """Element name ('PIRL201', 'CALC4020') -> its CODE VALUE text, whitespace removed."""
    path = (
        shared_data
        / "participants"
        / "dictionary"
        / "WIOA_PUF_Record_Layout_PY2022Q4_table_extract.csv"
    )
    text = path.read_bytes().decode("utf-8", errors="replace")
    layout: dict[str, str] = {}
    for row in list(csv.reader(io.StringIO(text, newline="")))[1:]:
        for number in row[0].split():
            name = number if number.startswith("CALC") else f"PIRL{number.replace('-', '')}"
            layout.setdefault(name, re.sub(r"\s+", "", row[4]))
    return layout


@pytest.mark.shared
def test_elements_exist_in_official_layout(shared_data: Path) -> None:
    layout = _layout(shared_data)
    used = {
        alias
        for col in (*PIRL_SPEC, *INTAKE_SPEC)
        for alias in col.source
        if re.fullmatch(r"(PIRL|CALC)\d+", alias)
    }
    older_years = {a for a in used if re.fullmatch(r"PIRL[34]0\d\d", a)}  # PY2019-21 CALC
    assert used - older_years <= set(layout), sorted(used - older_years - set(layout))
    assert {
        "PIRL100",
        "PIRL201",
        "PIRL408",
        "PIRL1303",
        "PIRL1306",
        "PIRL1606",
        "PIRL1706",
        "CALC4000",
        "CALC4020",
        "CALC4039",
    } <= used


@pytest.mark.shared
@pytest.mark.parametrize(
    ("element", "mapping"),
    [
        ("PIRL201", SEX),
        ("PIRL408", EDUCATION),
        ("CALC4020", RACE),
        ("PIRL1303", TRAINING_TYPE),
        ("PIRL1800", CREDENTIAL),
        ("PIRL903", FUNDING_STREAM),
        ("PIRL905", FUNDING_STREAM),
        ("PIRL808", FARMWORKER),
        ("PIRL1300", YES_NO),
        ("PIRL802", YES_NO),
        ("PIRL300", YES_NO),
        ("PIRL1602", YES_NO),
        ("PIRL1606", YES_NO),
        ("PIRL202", YES_NO),
    ],
)
def test_code_maps_match_layout(shared_data: Path, element: str, mapping: dict[str, str]) -> None:
    codes = _layout(shared_data)[element]
    for code in mapping:
        assert f"{code}=" in codes, (element, code)


@pytest.mark.shared
def test_nine_is_null_only_where_the_layout_says_so(shared_data: Path) -> None:
    layout = _layout(shared_data)
    for element in NINE_MEANS_UNKNOWN:
        assert "9=" in layout[element], element
    for element in ("PIRL1300", "PIRL802", "PIRL800", "PIRL903"):
        assert "9=" not in layout[element], element


def test_nine_on_a_yes_no_element_without_it_is_reported(tmp_path: Path) -> None:
    path = _write_puf(
        tmp_path / "pirl_nine.csv", ["PIRL100", "PIRL1300", "PIRL1602"], [["FAKE01", "9", "9"]]
    )
    loaded = load_pirl([path])
    row = loaded.table.row(0, named=True)
    assert row["received_training"] is None and row["employed_q2"] is None
    assert rejects(loaded, "repaired") == [("pirl_nine.csv", 2, "received_training")]


# --------------------------------------------------------------------------- intake format


@pytest.fixture(scope="module")
def intake():
    return load_intake([FIXTURES / "intake_sample.csv", FIXTURES / "intake_sample.jsonl"])


def test_intake_counts_and_rejects(intake) -> None:
    report = intake.report
    assert report.rows_read == 11 and report.rows_kept == 7 and report.rows_rejected == 4
    assert sorted(rejects(intake)) == [
        ("intake_sample.csv", 6, "participant_id"),  # duplicate id
        ("intake_sample.csv", 7, "participant_id"),  # no id
        ("intake_sample.csv", 8, "intake_text"),  # truncated after 2 fields
        ("intake_sample.jsonl", 2, None),  # malformed JSON
    ]
    assert sorted(rejects(intake, "repaired")) == [
        ("intake_sample.csv", 5, "education_level"),
        ("intake_sample.csv", 5, "last_hourly_wage"),
        ("intake_sample.csv", 5, "state"),
        ("intake_sample.csv", 5, "zip"),
        ("intake_sample.jsonl", 3, "wioa_barriers"),
    ]
    for reject in report.rejects:
        assert "phd" not in reject.reason and "nights" not in reject.reason


def test_intake_values(intake) -> None:
    table = intake.table
    assert table.columns == PARTICIPANT_COLUMNS
    first = by_id(table, "DEMO-0001")
    assert first["past_job_titles"] == ["Warehouse Associate", "Forklift Operator"]
    assert first["intake_text"].startswith("Laid off") and first[LINE] == 2
    assert (first["state"], first["zip"], first["last_hourly_wage"]) == ("NJ", "08608", 17.5)
    assert (
        first["constraints_max_cost"],
        first["constraints_max_weeks"],
        first["constraints_schedule"],
        first["constraints_radius_miles"],
    ) == (5000.0, 16.0, "day", 25.0)
    assert (first["wioa_sex"], first["wioa_race_ethnicity"], first["wioa_age_band"]) == (
        "male",
        "white",
        "25-44",
    )
    assert first["wioa_dislocated_worker"] is True and first["wioa_barriers"] == ["low_income"]
    second = by_id(table, "DEMO-0002")
    assert second["education_level"] == "some_postsecondary"  # PIRL408 code 4
    assert second["state"] == "NJ" and second["zip"] == "07102"
    assert second["wioa_barriers"] == ["single_parent", "english_language_learner"]
    bare = by_id(table, "DEMO-0007")
    assert bare["past_job_titles"] == [] and bare["wioa_barriers"] == []
    assert bare["wioa_sex"] is None and bare["education_level"] == "associate"


def test_intake_jsonl_nested_and_mixed_keys(intake) -> None:
    j1 = by_id(intake.table, "DEMO-J01")
    assert j1["past_job_titles"] == ["Medical Assistant", "Receptionist"]
    assert (j1["constraints_max_cost"], j1["constraints_schedule"]) == (3000.0, "evening")
    assert (j1["wioa_sex"], j1["wioa_veteran"], j1["wioa_adult"]) == ("female", False, True)
    assert j1["wioa_barriers"] == ["single_parent"] and j1[SOURCE_FILE] == "intake_sample.jsonl"
    j3 = by_id(intake.table, "DEMO-J03")
    assert (j3["education_level"], j3["wioa_sex"], j3["wioa_age_band"]) == (
        "bachelor",
        "female",
        "55-59",
    )
    j4 = by_id(intake.table, "DEMO-J04")
    assert (j4["wioa_age_band"], j4["wioa_race_ethnicity"], j4["wioa_dislocated_worker"]) == (
        "25-44",
        "asian",
        True,
    )
    assert j4["wioa_barriers"] == ["homeless"]


def test_intake_unreadable_file_reported(tmp_path: Path) -> None:
    empty = tmp_path / "intake_empty.csv"
    empty.write_text("")
    other = tmp_path / "intake.xlsx"
    other.write_text("x")
    loaded = load_intake([empty, other])
    assert loaded.table.height == 0 and loaded.table.columns == PARTICIPANT_COLUMNS
    assert rejects(loaded) == [("intake_empty.csv", None, None), ("intake.xlsx", None, None)]


# --------------------------------------------------------------------------- formats


def test_value_formats() -> None:
    assert yyyymmdd("20220805") == "2022-08-05" and yyyymmdd("20220805.0") == "2022-08-05"
    assert yyyymmdd("20221345") is None and yyyymmdd("2022-02-30") is None
    assert onet_code("29114100") == "29-1141.00" and onet_code("291141") == "29-1141.00"
    assert onet_code("29-1141.01") == "29-1141.01" and onet_code("2911") is None
