"""ETPL adapters: New Jersey's programs and outcomes as state-independent tables."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from loader_checks import balanced, problems, write

from matching.ingest.loaders import etpl, programs
from matching.ingest.loaders.etpl import (
    NJ_CALENDAR_LENGTH,
    OUTCOME_COLUMNS,
    PROGRAM_COLUMNS,
    EtplAdapter,
    NewJerseyEtpl,
    nj_text,
)
from matching.schemas import CredentialType, Program, table_columns

PROGRAMS_FILE = "programs/NJ_standardized_etpl_2023-04-28.csv"
OUTCOMES_FILE = "programs/NJ_outcomes_schcip.csv"
NJ = NewJerseyEtpl()


def as_program(row: dict[str, object]) -> Program:
    """Rebuild the nested model from a flat row, to prove the columns mean what they say."""
    nested: dict[str, object] = {}
    for column in PROGRAM_COLUMNS:
        parts = column.split("_")
        if parts[0] in ("cost", "contact"):
            nested.setdefault(parts[0], {})[parts[1]] = row[column]  # type: ignore[index]
        elif parts[0] == "location":
            nested.setdefault("location", {})[parts[1]] = row[column]  # type: ignore[index]
        elif parts[0] == "outcomes":
            measure, leaf = "_".join(parts[1:-1]), parts[-1]
            outcomes = nested.setdefault("outcomes", {})
            outcomes.setdefault(measure, {})[leaf] = row[column]  # type: ignore[union-attr]
        else:
            nested[column] = row[column]
    return Program.model_validate(nested)


@pytest.fixture(scope="module")
def nj_programs(shared_data: Path) -> etpl.Loaded:
    source = next(s for s in programs.SOURCES if s.table == "etpl_programs")
    return source.load(source.discover(shared_data))


# --------------------------------------------------------------------------- real files


@pytest.mark.shared
def test_programs_real_counts_and_schema(nj_programs: etpl.Loaded) -> None:
    table, report = nj_programs.table, nj_programs.report
    assert table.height == 128 and report.rows_rejected == 0 and balanced(report)
    assert table.columns == [*table_columns(Program), "weeks_min", "weeks_max", "_line"]
    assert table["program_id"].n_unique() == 128
    assert table["cip_code"].str.contains(r"^\d{2}\.\d{4}$").all()
    assert set(table["state"]) == {"NJ"}
    assert set(table["credential_type"].drop_nulls()) <= {c.value for c in CredentialType}
    assert set(table["format"].drop_nulls()) <= {"in_person", "online", "hybrid"}
    assert set(table["schedule"].drop_nulls()) <= {"day", "evening"}
    assert table["location_zip"].drop_nulls().str.contains(r"^\d{5}$").all()
    # Eleven programs have no provider record in this export: kept, reported, null.
    assert table["provider_name"].null_count() == 11
    assert len([r for r in report.rejects if r.field == "provider_name"]) == 11
    for row in table.filter(pl.col("provider_name").is_not_null()).iter_rows(named=True):
        as_program(row)


@pytest.mark.shared
def test_programs_quotes_are_stripped(nj_programs: etpl.Loaded) -> None:
    table = nj_programs.table
    for column in ("provider_name", "name", "description", "location_street", "prerequisites"):
        values = table[column].drop_nulls()
        assert not values.str.starts_with('"').any(), column
        assert not values.str.contains('""').any(), column
    assert "E-Z Wheels Driving School, Inc. - Augusta" in table["provider_name"].to_list()
    assert "4403 Black Horse Pike, Unit 2141" in table["location_street"].to_list()
    # 'student¿s' is repaired; a '¿' standing for a lost dash, bullet or (R) stays as is.
    assert not table["description"].str.contains(r"\w\x{bf}\w").any()
    assert table["description"].str.contains("student's").any()


@pytest.mark.shared
def test_programs_documented_examples(nj_programs: etpl.Loaded) -> None:
    table = nj_programs.table
    massage = table.filter(pl.col("name") == "Massage Therapy").row(0, named=True)
    assert massage["cip_code"] == "51.3501"
    assert massage["cost_total"] == 15578 and massage["clock_hours"] == 750
    assert massage["credential_type"] == "license"
    assert massage["credential_name"] == "MASSAGE THERAPIST"
    assert massage["weeks_min"] == pytest.approx(26) and massage["weeks_max"] == 52
    assert massage["weeks"] == pytest.approx(39)
    assert massage["location_city"] == "Wayne" and massage["location_zip"] == "07470"
    # Outcomes joined on (provider 174, CIP 51.3501): shares in 0-1, n = completers.
    assert massage["outcomes_employment_q2_value"] == pytest.approx(0.8333, abs=1e-4)
    assert massage["outcomes_employment_q2_n"] == 48
    assert massage["outcomes_median_earnings_value"] == 3745.5
    assert massage["outcomes_median_earnings_n"] == 40
    cdl = table.filter(
        pl.col("provider_id") == "9466",
        pl.col("cip_code") == "49.0205",
        pl.col("cost_total") == 4299,
    ).row(0, named=True)
    assert cdl["clock_hours"] == 220 and cdl["credential_type"] == "license"
    assert table["outcomes_employment_q2_n"].is_not_null().sum() == 42
    ged = table.filter(pl.col("name").str.starts_with("High School Equivalency"))
    assert ged["credential_type"].item() == "certificate"
    assert ged["format"].item() == "hybrid"


@pytest.mark.shared
def test_outcomes_real_counts_markers_and_catch_all(shared_data: Path) -> None:
    loaded = NJ.load_outcomes(shared_data / OUTCOMES_FILE)
    table, report = loaded.table, loaded.report
    assert table.height == 1565 and report.rows_rejected == 0 and balanced(report)
    assert table.columns == [*OUTCOME_COLUMNS, "_line"]
    assert table["employed_q2"].null_count() == 476  # -99999
    assert table["avg_quarterly_wage_q2"].null_count() == 656
    assert table["retention_q8"].null_count() == 998
    for column in etpl.RATE_COLUMNS:
        assert table[column].drop_nulls().is_between(0, 1).all(), column
    assert table["avg_quarterly_wage_q4"].min() > 0
    catch_all = table.filter(pl.col("cip_catch_all"))
    assert catch_all.height == 1 and catch_all["cip_code"].item() == "99.9999"
    assert table["cip_code"].str.contains(r"^\d{2}\.\d{4}$").all()
    assert table.select("provider_id", "cip_code").is_duplicated().sum() == 0


# --------------------------------------------------------------------------- fixtures

PROGRAM_HEADER = (
    b"providerid,officialname,cipcode,tuition,fees,booksmaterialscost,suppliestoolscost,"
    b"othercosts,totalcost,prerequisites,leadtodegree,degreeawardedname,leadtolicense,"
    b"licenseawardedname,leadtoindustrycredential,industrycredentialname,description,"
    b"totalclockhours,calendarlengthid,featuresdescription,programid,credentialtype,name,"
    b"street1,street2,city,state,zip,county,distancelearning,eveningcourses\n"
)


def nj_row(
    program_id: str,
    provider: str,
    cip: str,
    *,
    name: bytes = b"Welding",
    provider_name: bytes = b'"""Acme Training, Inc."""',
    total: bytes = b"1000",
    calendar: bytes = b"5",
    evening: bytes = b"1",
) -> bytes:
    return (
        b",".join(
            [
                provider.encode(),
                name,
                cip.encode(),
                b"900",
                b"50",
                b"25",
                b"25",
                b"0",
                total,
                b"None",
                b"False",
                b"Certificate of Completion",
                b"f",
                b"",
                b"True",
                b"AWS Welder",
                b'"""Learn to weld; a """"hands-on"""" course."""',
                b"160",
                calendar,
                b"",
                program_id.encode(),
                b"Certification",
                provider_name,
                b'"""12 Main St, Unit 3"""',
                b"",
                b"Trenton",
                b"NJ",
                b"8608",
                b"Mercer",
                b"2",
                evening,
            ]
        )
        + b"\n"
    )


OUTCOME_HEADER = (
    b"providerid,cipcode,PerEmployed2,PerEmployed4,PerEmployed8,AvgQuarterlyWage2,"
    b"AvgQuarterlyWage4,AvgQuarterlyWage8,PerRetention4,PerRetention8,NumCompleted2,"
    b"NumCompleted4,NumCompleted8,NumUsedWageCalc2,NumUsedWageCalc4,NumUsedWageCalc8,"
    b"NumUsedRetentionCalc4,NumUsedRetentionCalc8\r\n"
)


def test_nj_fixture_programs_every_problem_reported(tmp_path: Path) -> None:
    programs = write(
        tmp_path,
        "NJ_standardized_etpl_2024-01-01.csv",
        PROGRAM_HEADER
        + nj_row("1", "10", "480508")
        + nj_row("2", "10", "90101", calendar=b"10", evening=b"2")
        + nj_row("3", "11", "ABC123", total=b"-5", calendar=b"42")
        + b"4,Truncated,480508\n"
        + nj_row("5", "12", "480508", provider_name=b"Caf\xe9 School")
        + nj_row("6", "13", "480508", name=b""),
    )
    outcomes = write(
        tmp_path,
        "NJ_outcomes_schcip.csv",
        OUTCOME_HEADER + b"10,480508,0.8,0.75,-99999,5000.5,-99999,-99999,1,-99999,"
        b"10,8,0,9,7,0,6,0\r\n"
        + b"10,090101,0.5,0.5,0.5,100,100,100,1,1,2,2,2,2,2,2,2,2\r\n"
        + b"12,480508,0.1,0.1,0.1,100,100,100,1,1,2,2,2,2,2,2,2,2\r\n"
        + b"12,480508,0.2,0.2,0.2,200,200,200,1,1,3,3,3,3,3,3,3,3\r\n"
        + b"999999\r\n",
    )
    loaded = NJ.load_programs(programs, outcomes)
    table, report = loaded.table, loaded.report
    assert table["program_id"].to_list() == ["1", "2", "3", "5"]
    assert problems(report, "rejected") == {(5, "tuition"), (7, "name")}
    repaired = problems(report, "repaired")
    assert {(4, "cip_code"), (4, "cost_total"), (4, "calendarlengthid"), (6, "name")} <= repaired
    assert (6, "outcomes") in repaired  # two outcome rows for (12, 48.0508)
    assert balanced(report)
    first, second, third, fourth = table.iter_rows(named=True)
    assert first["provider_name"] == "Acme Training, Inc."
    assert first["description"] == 'Learn to weld; a "hands-on" course.'
    assert first["location_street"] == "12 Main St, Unit 3" and first["location_zip"] == "08608"
    assert first["cip_code"] == "48.0508" and first["credential_type"] == "industry_credential"
    assert first["credential_name"] == "AWS Welder"
    assert first["format"] == "in_person" and first["schedule"] == "evening"
    assert first["weeks"] == pytest.approx(7.5)
    assert first["outcomes_employment_q2_value"] == 0.8
    assert first["outcomes_employment_q4_n"] == 8
    assert first["outcomes_median_earnings_value"] == 5000.5
    assert second["cip_code"] == "09.0101" and second["schedule"] == "day"
    assert second["weeks"] == second["weeks_min"] == 208 and second["weeks_max"] is None
    assert second["outcomes_employment_q2_value"] == 0.5
    assert third["cip_code"] is None and third["cost_total"] is None and third["weeks"] is None
    assert fourth["provider_name"] == "Café School"
    assert fourth["outcomes_employment_q2_value"] is None  # ambiguous: two outcome rows


def test_nj_fixture_outcomes_markers_percent_scale_and_bad_rows(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "outcomes.csv",
        OUTCOME_HEADER
        + b"1,510801,85,70,-99999,-99999,4000,4100,90,-99999,10,10,0,0,5,5,5,0\r\n"
        + b"2,999999,50,50,50,3000,3000,3000,100,100,4,4,4,4,4,4,4,4\r\n"
        + b"3,51X801,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1\r\n"
        + b"4,510801,120,1,1,1,1,1,1,1,-3,1,1,1,1,1,1,1\r\n"
        + b"5,510801,1,1\r\n",
    )
    loaded = NJ.load_outcomes(path)
    table, report = loaded.table, loaded.report
    assert table["provider_id"].to_list() == ["1", "2", "4"]
    assert problems(report, "rejected") == {(4, "cip_code"), (6, "PerEmployed8")}
    assert {(5, "employed_q2"), (5, "completed_q2")} <= problems(report, "repaired")
    scale = [r for r in report.rejects if "percentages" in r.reason]
    assert len(scale) == 1 and scale[0].line is None
    first = table.row(0, named=True)
    assert first["employed_q2"] == pytest.approx(0.85) and first["employed_q8"] is None
    assert first["avg_quarterly_wage_q2"] is None and first["retention_q4"] == 0.9
    assert table["cip_catch_all"].to_list() == [False, True, False]
    assert balanced(report)


def test_missing_outcomes_file_and_columns_are_reported(tmp_path: Path) -> None:
    programs = write(
        tmp_path,
        "NJ_standardized_etpl_2024-01-01.csv",
        b"providerid,officialname,cipcode,programid\n10,Welding,480508,1\n",
    )
    loaded = NJ.load_programs(programs, None)
    assert loaded.table.height == 1 and loaded.table.columns[: len(PROGRAM_COLUMNS)] == (
        PROGRAM_COLUMNS
    )
    missing = problems(loaded.report, "missing")
    assert {(None, "outcomes"), (None, "cost_total"), (None, "calendarlengthid")} <= missing
    assert loaded.table["outcomes_employment_q2_value"].item() is None


def test_source_loads_newest_snapshot_and_reports_older(tmp_path: Path) -> None:
    folder = tmp_path / "programs"
    folder.mkdir()
    write(
        folder, "NJ_standardized_etpl_2023-01-01.csv", PROGRAM_HEADER + nj_row("1", "10", "480508")
    )
    write(
        folder, "NJ_standardized_etpl_2024-01-01.csv", PROGRAM_HEADER + nj_row("2", "10", "480508")
    )
    source = next(s for s in programs.SOURCES if s.table == "etpl_programs")
    loaded = source.load(source.discover(tmp_path))
    assert loaded.table["program_id"].to_list() == ["2"]
    assert any(
        r.file == "NJ_standardized_etpl_2023-01-01.csv" and r.severity == "missing"
        for r in loaded.report.rejects
    )
    assert (None, "outcomes") in problems(loaded.report, "missing")


def test_another_state_is_one_more_adapter(tmp_path: Path) -> None:
    class Elsewhere(NewJerseyEtpl):
        state = "PA"
        programs_patterns = ("PA_etpl_*.csv",)
        outcomes_patterns = ("PA_outcomes*.csv",)

    adapters: list[EtplAdapter] = [NJ, Elsewhere()]
    folder = tmp_path / "programs"
    folder.mkdir()
    write(
        folder, "NJ_standardized_etpl_2024-01-01.csv", PROGRAM_HEADER + nj_row("1", "10", "480508")
    )
    write(
        folder,
        "PA_etpl_2024.csv",
        PROGRAM_HEADER + nj_row("7", "70", "480508") + nj_row("8", "70", "480509"),
    )
    write(
        folder,
        "PA_outcomes.csv",
        OUTCOME_HEADER + b"70,480508,0.6,0.6,0.6,100,100,100,1,1,5,5,5,5,5,5,5,5\r\n",
    )
    sources = {s.table: s for s in programs.etpl_sources(adapters)}
    assert set(sources) == {"etpl_programs", "etpl_outcomes"}
    loaded = sources["etpl_programs"].load(sources["etpl_programs"].discover(tmp_path))
    outcomes = sources["etpl_outcomes"].load(sources["etpl_outcomes"].discover(tmp_path))
    table = loaded.table
    assert table.columns == [*PROGRAM_COLUMNS, "weeks_min", "weeks_max", "_line"]
    assert table["state"].to_list() == ["NJ", "PA", "PA"]
    assert table["outcomes_employment_q2_value"].to_list() == [None, 0.6, None]
    assert loaded.report.rows_read == 3 and balanced(loaded.report)
    assert set(loaded.report.files) >= {
        "NJ_standardized_etpl_2024-01-01.csv",
        "PA_etpl_2024.csv",
        "PA_outcomes.csv",
    }
    assert outcomes.table.columns == [*OUTCOME_COLUMNS, "_line"]
    assert outcomes.table["state"].to_list() == ["PA"]


def test_text_and_calendar_helpers() -> None:
    assert nj_text('"E-Z Wheels Driving School, Inc. - Augusta"') == (
        "E-Z Wheels Driving School, Inc. - Augusta"
    )
    assert nj_text('"say ""hi"" now"') == 'say "hi" now'
    assert nj_text("Plain") == "Plain"
    assert list(NJ_CALENDAR_LENGTH) == [str(i) for i in range(1, 11)]
    lows = [low for _, low, _ in NJ_CALENDAR_LENGTH.values()]
    assert lows == sorted(lows)
