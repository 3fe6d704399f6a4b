"""Courses loader: SMC program JSON, Coursera and edX CSVs, and the generic catalog format."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from matching.ingest.loaders.base import LINE, LoaderError
from matching.ingest.loaders.courses import (
    DESCRIPTION_MISSING,
    SOURCES,
    load_catalog,
    load_courses,
    python_list,
    units,
)
from matching.ingest.loaders.records import SOURCE_FILE
from matching.schemas import Course, table_columns

COLUMNS = [*table_columns(Course), LINE, SOURCE_FILE]


def rejects(loaded, severity: str = "rejected") -> list[tuple[str, int | None, str | None]]:
    return [(r.file, r.line, r.field) for r in loaded.report.rejects if r.severity == severity]


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


# --------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def real(shared_data: Path):
    return load_courses(SOURCES[0].discover(shared_data))


def _of(loaded, source: str) -> pl.DataFrame:
    return loaded.table.filter(pl.col("source") == source)


@pytest.mark.shared
def test_real_smc_counts(shared_data: Path) -> None:
    folder = shared_data / "courses" / "smc_catalog_2025"
    paths = sorted(folder.glob("*.json")) + sorted(folder.glob("extra_refs/*.json"))
    loaded = load_courses(paths)
    report = loaded.report
    assert report.rows_read == 962 and report.rows_kept == 926  # SOURCE.md: 926 of 962
    missing = [r for r in report.rejects if r.reason == DESCRIPTION_MISSING]
    assert len(missing) == 36 and all(r.line and r.field == "description" for r in missing)
    skipped = [r.file for r in report.rejects if r.severity == "missing"]
    assert skipped == ["cross_references.json", "cross_references.json"]
    assert report.rows_rejected == 36
    table = loaded.table
    assert table.columns == COLUMNS
    assert table["course_id"].str.starts_with("smc:").all()
    assert table["course_id"].n_unique() == 926
    assert (table["provider"] == "Santa Monica College").all()
    assert table["units"].null_count() == 0
    assert set(table["units"]) <= {0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.0}
    assert (table["description"].str.len_chars() > 40).all()
    acctg = table.filter(pl.col("code") == "ACCTG 1").row(0, named=True)
    assert acctg["program"] == "Accounting" and acctg["units"] == 5.0 and acctg[LINE] == 5


@pytest.mark.shared
def test_real_coursera(real) -> None:
    coursera = _of(real, "coursera")
    assert coursera.height == 1774
    assert (coursera["tagged_skills"].list.len() > 0).sum() == 803
    assert (coursera["language"] == "English").sum() == 1299
    assert coursera["language"].null_count() == 4  # the literal 'None' in the scrape
    assert coursera["course_id"].str.starts_with("coursera:").all()
    assert (coursera["provider"] == "Coursera").all()
    assert coursera["program"].str.contains(" / ").all()


@pytest.mark.shared
def test_real_edx(real) -> None:
    edx = _of(real, "edx")
    file_rejects = [r for r in real.report.rejects if r.file == "edx_courses_2021.csv"]
    assert len(file_rejects) == 27  # 26 with no description nor summary ('NA'), 1 duplicate
    assert sum(r.reason == DESCRIPTION_MISSING for r in file_rejects) == 26
    [dup] = [r for r in file_rejects if r.field == "course_id"]
    assert dup.record == "edx:introduction-to-probability"
    assert edx.height == 975 - 27
    assert edx["course_id"].n_unique() == edx.height
    assert (edx["language"] == "Spanish").sum() == 166  # 176 "Español" rows, 10 rejected
    assert edx["provider"].null_count() == 0


@pytest.mark.shared
def test_real_whole_source(real) -> None:
    report = real.report
    assert report.rows_read == 962 + 1774 + 975
    assert report.rows_kept == 926 + 1774 + 948 == real.table.height
    assert real.table.columns == COLUMNS
    assert real.table["course_id"].n_unique() == real.table.height
    assert real.table.schema["tagged_skills"] == pl.List(pl.String)


# --------------------------------------------------------------------------- SMC fixtures


def smc_program(courses: list[dict]) -> str:
    return json.dumps(
        {"program_name": "Welding", "program_description": "Metal work.", "courses": courses},
        indent=2,
    )


def smc_course(course_id: str, **overrides: object) -> dict:
    course = {
        "course_id": course_id,
        "course_code": course_id.replace("-", " "),
        "course_title": "INTRO",
        "units": "3 UNITS",
        "prerequisites": None,
        "description": "A course long enough to describe what is taught here.",
        "sections": [{"section_number": "1001"}],
    }
    course.update(overrides)
    return course


def test_smc_fixture(tmp_path: Path) -> None:
    path = write(
        tmp_path / "smc" / "welding.json",
        smc_program(
            [
                smc_course("WELD-1"),
                smc_course("WELD-2", units="1-3 UNITS", prerequisites="WELD 1"),
                smc_course("WELD-3", description=""),
                smc_course("WELD-4", units="TBA"),
            ]
        ),
    )
    refs = write(tmp_path / "smc" / "cross_references.json", '{"Anatomy": "Biology"}')
    broken = write(tmp_path / "smc" / "broken.json", '{\n  "courses": [\n    {,\n  ]\n}\n')
    loaded = load_courses([path, refs, broken])
    report = loaded.report
    assert report.rows_read == 5 and loaded.table.height == 3  # 4 courses + 1 broken file
    assert report.rows_kept + report.rows_rejected == report.rows_read
    assert rejects(loaded) == [("welding.json", 31, "description"), ("broken.json", 3, None)]
    assert rejects(loaded, "repaired") == [("welding.json", 44, "units")]
    assert [(r.file, r.line) for r in loaded.report.rejects if r.severity == "missing"] == [
        ("cross_references.json", None)
    ]
    table = loaded.table
    assert table["units"].to_list() == [3.0, 3.0, None]
    assert table["prerequisites"].to_list() == [None, "WELD 1", None]
    assert table[LINE].to_list() == [5, 18, 44]
    assert table["tagged_skills"].to_list() == [[], [], []]


# --------------------------------------------------------------------------- Coursera fixture


def test_coursera_fixture_skills_literals(tmp_path: Path) -> None:
    header = (
        ",position,course_id,title,breadcrumbs,about,instructors,language,metrics,"
        "product_glance,average_score,ratings_count,reviews_count,skills,syllabus,"
        "recommendations,url"
    )
    rows = [
        "0,1,sql-basics,SQL Basics,\"['Data Science', 'Data Analysis']\",Learn SQL.,[],"
        "English,[],[],4.5,10,2,\"['SQL', 'Databases']\",[],[],https://c/sql-basics",
        "1,2,hack,Hack,\"['IT']\",About.,[],English,[],[],4,1,1,"
        "\"__import__('os').system('true')\",[],[],https://c/hack",
        "2,3,broken,Broken,\"['IT']\",About.,[],None,[],[],4,1,1,\"['SQL'\",[],[],https://c/b",
        "3,4,nodesc,No description,\"['IT']\",,[],English,[],[],4,1,1,[],[],[],https://c/n",
    ]
    path = write(tmp_path / "coursera_fixture.csv", header + "\n" + "\n".join(rows) + "\n")
    loaded = load_courses([path])
    assert loaded.table.height == 3
    assert rejects(loaded) == [("coursera_fixture.csv", 5, "description")]
    assert rejects(loaded, "repaired") == [
        ("coursera_fixture.csv", 3, "tagged_skills"),
        ("coursera_fixture.csv", 4, "tagged_skills"),
    ]
    assert loaded.table["tagged_skills"].to_list() == [["SQL", "Databases"], [], []]
    assert loaded.table["program"][0] == "Data Science / Data Analysis"
    assert loaded.table["language"].to_list() == ["English", "English", None]


def test_python_list_and_units() -> None:
    assert python_list("['a', ' b ']") == "a\x1fb"
    assert python_list("[1, 2]") is None and python_list("x" * 200_000) is None
    assert python_list("().__class__") is None
    assert units("0.5 UNIT") == "0.5" and units("1-3 UNITS") == "3.0"
    assert units("4 credits") == "4.0" and units("TBA") is None


# --------------------------------------------------------------------------- catalog


def test_catalog_csv_aliases_and_bad_rows(tmp_path: Path) -> None:
    text = (
        b"Course Number,Course Title,Course Description,Credits,Department\n"
        b"WLD 101,Intro to Welding,Safety and basic arc welding.,3,Trades\n"
        b'HVAC 110,Refrigeration,"Refrigeration cycle,\nheat transfer.",4-6,Trades\n'
        b"ELC 100,Truncated\n"
        b"ELC 101,Wiring,,3,Trades\n"
        b"ELC 102,Motors,Motor controls.,three,Trades\n"
    )
    text = text.replace(b"Motor controls", b"Motor contr\xf4ls")
    path = write(tmp_path / "Mercer CC.csv", text)
    loaded = load_catalog(path)
    assert loaded.table.columns == COLUMNS
    assert loaded.table["course_id"].to_list() == [
        "catalog:mercer_cc:WLD 101",
        "catalog:mercer_cc:HVAC 110",
        "catalog:mercer_cc:ELC 102",
    ]
    assert loaded.table["units"].to_list() == [3.0, 6.0, None]
    assert loaded.table[LINE].to_list() == [2, 3, 7]
    assert rejects(loaded) == [
        ("Mercer CC.csv", 5, "Course Description"),
        ("Mercer CC.csv", 6, "description"),
    ]
    assert set(rejects(loaded, "repaired")) == {
        ("Mercer CC.csv", 7, "Course Description"),
        ("Mercer CC.csv", 7, "units"),
    }
    assert (loaded.table["source"] == "catalog").all()


def test_catalog_jsonl(tmp_path: Path) -> None:
    lines = [
        {
            "code": "CDL 1",
            "title": "Truck Driving",
            "description": "Class A CDL prep.",
            "skills": ["Driving", "Safety"],
            "provider": "Acme Institute",
            "units": 8,
        },
        {"course_code": "CDL 2", "course_title": "Logistics", "course_description": "Routing."},
    ]
    text = "\n".join(json.dumps(line) for line in lines) + "\n{oops\n"
    loaded = load_catalog(write(tmp_path / "catalog.jsonl", text))
    assert loaded.table["code"].to_list() == ["CDL 1", "CDL 2"]
    assert loaded.table["tagged_skills"].to_list() == [["Driving", "Safety"], []]
    assert loaded.table["provider"].to_list() == ["Acme Institute", None]
    assert rejects(loaded) == [("catalog.jsonl", 3, None)]


def test_catalog_clear_errors(tmp_path: Path) -> None:
    no_desc = write(tmp_path / "c1.csv", "code,title,units\nA 1,Algebra,3\n")
    with pytest.raises(LoaderError, match=r"'description' missing.*course_description"):
        load_catalog(no_desc)
    header_only = write(tmp_path / "c2.csv", "code,title,description\n")
    with pytest.raises(LoaderError, match="no courses"):
        load_catalog(header_only)
    with pytest.raises(LoaderError, match="empty"):
        load_catalog(write(tmp_path / "c3.csv", ""))
    with pytest.raises(LoaderError, match="no courses"):
        load_catalog(write(tmp_path / "c4.jsonl", "{bad\n"))


def test_catalog_in_bulk_import_is_reported_not_fatal(tmp_path: Path) -> None:
    bad = write(tmp_path / "catalog_bad.csv", "code,title\nA 1,Algebra\n")
    good = write(tmp_path / "catalog_good.csv", "code,title,description\nB 1,Bio,Cells.\n")
    loaded = load_courses([bad, good])
    assert loaded.table["course_id"].to_list() == ["catalog:catalog_good:B 1"]
    assert rejects(loaded) == [("catalog_bad.csv", None, None)]
