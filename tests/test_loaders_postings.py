"""Postings loader: the two real LinkedIn releases and hand-written JSON-LD fixtures."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest

from matching.ingest.loaders.base import LINE
from matching.ingest.loaders.postings import (
    SOURCES,
    html_to_text,
    iso_date,
    load_postings,
    parse_location,
)
from matching.ingest.loaders.records import SOURCE_FILE
from matching.schemas import Posting, table_columns

COLUMNS = [*table_columns(Posting), LINE, SOURCE_FILE]
SAMPLE_1000 = "linkedin_postings_2024_sample1000.csv"
SAMPLE_165 = "linkedin_postings_2024_sample165.csv"


def rejects(loaded, severity: str = "rejected") -> list[tuple[str, int | None, str | None]]:
    return [(r.file, r.line, r.field) for r in loaded.report.rejects if r.severity == severity]


# --------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def linkedin(shared_data: Path):
    return load_postings(SOURCES[0].discover(shared_data))


@pytest.mark.shared
def test_discover_finds_both_releases(shared_data: Path) -> None:
    names = [p.name for p in SOURCES[0].discover(shared_data)]
    assert names == [SAMPLE_1000, SAMPLE_165]


@pytest.mark.shared
def test_real_counts_and_columns(linkedin) -> None:
    table, report = linkedin.table, linkedin.report
    assert table.columns == COLUMNS
    assert report.rows_read == 1165 and report.rows_kept == 1165 and report.rows_rejected == 0
    counts = dict(table.group_by(SOURCE_FILE).len().iter_rows())
    assert counts == {SAMPLE_1000: 1000, SAMPLE_165: 165}
    assert table["posting_id"].n_unique() == 1165
    assert table["posting_id"].str.starts_with("linkedin:").all()
    assert (table["source"] == "linkedin").all()
    assert table["title"].null_count() == 0 and table["description"].null_count() == 0


@pytest.mark.shared
def test_real_code_formats(linkedin) -> None:
    table = linkedin.table
    states = table["state"].drop_nulls()
    assert states.str.contains(r"^[A-Z]{2}$").all()
    assert table["zip"].drop_nulls().str.contains(r"^\d{5}$").all()
    assert table["county_fips"].drop_nulls().str.contains(r"^\d{5}$").all()
    small = table.filter(pl.col(SOURCE_FILE) == SAMPLE_165)
    assert small["zip"].null_count() == 0 and small["county_fips"].null_count() == 0
    assert "06877" in small["zip"].to_list()  # '6877' in the file: leading zero restored
    assert "09001" in small["county_fips"].to_list()
    assert table["date_posted"].min() == "2024-04-05"
    assert table["date_posted"].max() == "2024-04-20"
    assert set(table["pay_period"].drop_nulls()) == {"hour", "month", "year", "biweekly"}


@pytest.mark.shared
def test_real_pay_remote_and_location(linkedin) -> None:
    big = linkedin.table.filter(pl.col(SOURCE_FILE) == SAMPLE_1000)
    has_pay = big.filter(pl.col("pay_max").is_not_null() | pl.col("pay_median").is_not_null())
    assert has_pay.height == 380
    assert big["remote"].sum() == 184 and big["remote"].null_count() == 816
    united_states = big.filter(pl.col("state").is_null())
    assert united_states.height >= 153  # "United States" plus bare metro areas
    small = linkedin.table.filter(pl.col(SOURCE_FILE) == SAMPLE_165)
    assert small["remote"].all() and small["pay_min"].null_count() == 0


@pytest.mark.shared
def test_real_lines_are_record_starts(shared_data: Path, linkedin) -> None:
    """Multi-line descriptions: ``_line`` is the physical line the record starts on."""
    text = (shared_data / "postings" / SAMPLE_1000).read_text(encoding="utf-8")
    lines = text.split("\n")
    big = linkedin.table.filter(pl.col(SOURCE_FILE) == SAMPLE_1000)
    assert big[LINE].max() > 1001  # descriptions span lines
    for posting_id, line in big.select("posting_id", LINE).iter_rows():
        assert lines[line - 1].startswith(posting_id.removeprefix("linkedin:") + ",")


@pytest.mark.shared
def test_real_windows_1252_lines_repaired(linkedin) -> None:
    repaired = [r for r in linkedin.report.rejects if r.severity == "repaired"]
    assert repaired and {r.file for r in repaired} == {SAMPLE_165}
    assert all(r.line and r.field for r in repaired)
    small = linkedin.table.filter(pl.col(SOURCE_FILE) == SAMPLE_165)
    assert not small["description"].str.contains("\ufffd").any()


# --------------------------------------------------------------------------- CSV fixtures


HEADER_27 = (
    "job_id,company_name,title,description,min_salary,max_salary,pay_period,location,"
    "remote_allowed,listed_time,work_type,currency,zip_code,fips,job_posting_url"
)


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


def test_csv_fixture_problems_reported_rest_kept(tmp_path: Path) -> None:
    body = (
        "\n".join(
            [
                HEADER_27,
                '1,Acme,Welder,"Weld.\nMulti-line.",20,25,HOURLY,"Trenton, NJ",1,1.71138E+12,'
                "FULL_TIME,USD,8608,34021,https://x/1",
                "2,Acme,Clerk,File things,ask,30,HOURLY,United States,,1713397508000.0,"
                "PART_TIME,USD,,,",
                '3,Acme,Driver,Drive,15,18,FORTNIGHTLY,"Austin, Texas Metropolitan Area",,nonsense,'
                "CONTRACT,USD,,,",
                "4,Acme,Truncated,Too short",
                ',Acme,No id,Text,1,2,HOURLY,"Reno, NV",,,FULL_TIME,USD,,,',
            ]
        )
        + "\n"
    )
    raw = body.encode("utf-8").replace(b"Acme,Clerk", b"Caf\xe9,Clerk")  # latin-1 byte
    loaded = load_postings([write(tmp_path / "linkedin.csv", raw)])
    table = loaded.table
    assert loaded.report.rows_read == 5 and table.height == 3
    assert rejects(loaded) == [("linkedin.csv", 6, "min_salary"), ("linkedin.csv", 7, "posting_id")]
    assert set(rejects(loaded, "repaired")) == {
        ("linkedin.csv", 4, "company_name"),
        ("linkedin.csv", 4, "pay_min"),
        ("linkedin.csv", 5, "pay_period"),
        ("linkedin.csv", 5, "date_posted"),
    }
    first = table.row(0, named=True)
    assert first["posting_id"] == "linkedin:1" and first[LINE] == 2
    assert (first["city"], first["state"], first["zip"]) == ("Trenton", "NJ", "08608")
    assert first["remote"] is True and first["date_posted"] == "2024-03-25"
    assert first["pay_min"] == 20.0 and first["pay_period"] == "hour"
    second = table.row(1, named=True)
    assert second["company"] == "Café" and second["state"] is None
    assert second["pay_min"] is None and second["pay_max"] == 30.0
    third = table.row(2, named=True)
    assert (third["city"], third["state"]) == ("Austin", "TX")
    assert third["pay_period"] is None and third["employment_type"] == "contract"
    for reject in loaded.report.rejects:
        assert "nonsense" not in reject.reason and "FORTNIGHTLY" not in reject.reason


def test_csv_missing_required_column(tmp_path: Path) -> None:
    path = write(tmp_path / "nodesc.csv", 'job_id,title,location\n1,Welder,"Reno, NV"\n')
    loaded = load_postings([path])
    assert loaded.table.height == 0 and loaded.table.columns == COLUMNS
    assert rejects(loaded) == [("nodesc.csv", None, "description")]


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    row = '7,Acme,Welder,Weld,,,,"Reno, NV",,,FULL_TIME,,,,\n'
    a = write(tmp_path / "a.csv", HEADER_27 + "\n" + row)
    b = write(tmp_path / "b.csv", HEADER_27 + "\n" + row)
    loaded = load_postings([a, b])
    assert loaded.table.height == 1 and loaded.report.rows_kept == 1
    assert rejects(loaded) == [("b.csv", 2, "posting_id")]


# --------------------------------------------------------------------------- JSON-LD fixtures


def posting(**overrides: object) -> dict:
    base: dict = {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "title": "HVAC Technician",
        "description": "<p>Install &amp; repair systems.</p><ul><li>EPA 608</li>"
        "<li>Valid license</li></ul><p>Apply today.</p>",
        "identifier": {"@type": "PropertyValue", "name": "Acme", "value": "HV-100"},
        "datePosted": "2024-05-01T09:00:00Z",
        "employmentType": ["FULL_TIME", "CONTRACTOR"],
        "hiringOrganization": {"@type": "Organization", "name": "Acme Air"},
        "jobLocation": [
            {
                "@type": "Place",
                "address": {
                    "@type": "PostalAddress",
                    "addressLocality": "Trenton",
                    "addressRegion": "New Jersey",
                    "postalCode": "08608",
                },
            }
        ],
        "baseSalary": {
            "@type": "MonetaryAmount",
            "currency": "USD",
            "value": {
                "@type": "QuantitativeValue",
                "minValue": 25,
                "maxValue": 32,
                "unitText": "HOUR",
            },
        },
        "url": "https://jobs.example/hv-100",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def test_jsonld_single_object(tmp_path: Path) -> None:
    path = write(tmp_path / "one.jsonld", json.dumps(posting(), indent=2))
    loaded = load_postings([path])
    assert loaded.report.rows_read == 1 and loaded.report.rejects == []
    row = loaded.table.row(0, named=True)
    assert row["posting_id"] == "jsonld:HV-100" and row["source"] == "jsonld"
    assert row["description"] == (
        "Install & repair systems.\n\n- EPA 608\n- Valid license\n\nApply today."
    )
    assert (row["company"], row["city"], row["state"], row["zip"]) == (
        "Acme Air",
        "Trenton",
        "NJ",
        "08608",
    )
    assert (row["pay_min"], row["pay_max"], row["pay_period"], row["currency"]) == (
        25.0,
        32.0,
        "hour",
        "USD",
    )
    assert row["employment_type"] == "full_time;contract"
    assert row["date_posted"] == "2024-05-01" and row[LINE] == 1
    assert loaded.table.columns == COLUMNS


def test_jsonld_array_graph_and_missing_title(tmp_path: Path) -> None:
    array = [
        posting(),
        posting(title=None, identifier="HV-101"),
        posting(identifier=None, url=None, jobLocationType="TELECOMMUTE", title="Remote"),
    ]
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "Organization", "name": "Acme"},
            posting(
                identifier="G-1",
                baseSalary={
                    "@type": "MonetaryAmount",
                    "currency": "USD",
                    "value": {"value": 60000, "unitText": "YEAR"},
                },
            ),
        ],
    }
    a = write(tmp_path / "array.json", json.dumps(array, indent=1))
    g = write(tmp_path / "graph.json", json.dumps(graph))
    loaded = load_postings([a, g])
    assert loaded.report.rows_read == 4 and loaded.table.height == 3
    [bad] = [r for r in loaded.report.rejects if r.severity == "rejected"]
    line_of_second = a.read_text().split("\n").index(" {", 2) + 1
    assert (bad.file, bad.field, bad.record, bad.line) == (
        "array.json",
        "title",
        "2",
        line_of_second,
    )
    ids = loaded.table["posting_id"].to_list()
    assert ids[0] == "jsonld:HV-100" and ids[2] == "jsonld:G-1"
    assert re.fullmatch(r"jsonld:[0-9a-f]{16}", ids[1])
    assert loaded.table["remote"].to_list() == [None, True, None]
    assert loaded.table.row(2, named=True)["pay_median"] == 60000.0


def test_jsonld_malformed_and_jsonl(tmp_path: Path) -> None:
    broken = write(tmp_path / "broken.json", '{\n  "@type": "JobPosting",\n  "title": \n}\n')
    lines = [json.dumps(posting(identifier=f"L-{i}")) for i in range(3)]
    lines[1] = lines[1][:-5]
    jsonl = write(tmp_path / "feed.jsonl", "\n".join(lines) + "\n")
    loaded = load_postings([broken, jsonl])
    assert rejects(loaded) == [("broken.json", 4, None), ("feed.jsonl", 2, None)]
    assert all(
        r.reason.startswith("malformed JSON")
        for r in loaded.report.rejects
        if r.severity == "rejected"
    )
    assert loaded.table["posting_id"].to_list() == ["jsonld:L-0", "jsonld:L-2"]
    report = loaded.report
    assert report.rows_read == 4 and report.rows_kept + report.rows_rejected == 4
    assert loaded.table[LINE].to_list() == [1, 3]


def test_jsonld_salary_without_unit_and_bad_pay(tmp_path: Path) -> None:
    no_unit = posting(
        identifier="U-1",
        baseSalary={
            "@type": "MonetaryAmount",
            "currency": "USD",
            "value": {"minValue": 20, "maxValue": 24},
        },
    )
    bad_pay = posting(
        identifier="U-2",
        baseSalary={
            "currency": "USD",
            "value": {"minValue": "competitive", "maxValue": 30, "unitText": "HOUR"},
        },
    )
    path = write(tmp_path / "pay.json", json.dumps([no_unit, bad_pay]))
    loaded = load_postings([path])
    assert loaded.table.height == 2
    assert set(rejects(loaded, "repaired")) == {
        ("pay.json", 1, "pay_period"),
        ("pay.json", 1, "pay_min"),
    }
    first, second = loaded.table.iter_rows(named=True)
    assert (first["pay_min"], first["pay_max"], first["pay_period"]) == (20.0, 24.0, None)
    assert (second["pay_min"], second["pay_max"], second["pay_period"]) == (None, 30.0, "hour")


def test_jsonld_in_html_page(tmp_path: Path) -> None:
    page = (
        "<html><head><title>Jobs</title>\n"
        '<script type="application/ld+json">{"@type": "BreadcrumbList"}</script>\n'
        "</head><body>\n<h1>Welder</h1>\n"
        '<script type="application/ld+json">\n'
        + json.dumps(posting(identifier="W-1", title="Welder"), indent=2)
        + "\n</script>\n</body></html>\n"
    )
    loaded = load_postings([write(tmp_path / "job.html", page)])
    assert loaded.table["posting_id"].to_list() == ["jsonld:W-1"]
    assert loaded.table[LINE].to_list() == [6]


def test_file_without_postings_and_unknown_extension(tmp_path: Path) -> None:
    empty = write(tmp_path / "org.json", '{"@type": "Organization", "name": "Acme"}')
    other = write(tmp_path / "notes.txt", "hello")
    loaded = load_postings([empty, other])
    assert loaded.table.height == 0 and loaded.table.columns == COLUMNS
    assert [(r.file, r.severity) for r in loaded.report.rejects] == [
        ("org.json", "missing"),
        ("notes.txt", "rejected"),
    ]


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Princeton, NJ", ("Princeton", "NJ")),
        ("United States", ("", "")),
        ("Texas, United States", ("", "TX")),
        ("Los Angeles, California, United States", ("Los Angeles", "CA")),
        ("Columbus, Ohio Metropolitan Area", ("Columbus", "OH")),
        ("Greater Philadelphia", ("", "")),
    ],
)
def test_parse_location(text: str, expected: tuple[str, str]) -> None:
    assert parse_location(text) == expected


def test_iso_date_and_html() -> None:
    assert iso_date("1.71138E+12") == "2024-03-25"
    assert iso_date("1713397508000.0") == "2024-04-17"
    assert iso_date("2024-02-30") is None and iso_date("12") is None
    assert html_to_text("&lt;p&gt;One&lt;/p&gt;&lt;p&gt;Two&lt;br&gt;Three&lt;/p&gt;") == (
        "One\n\nTwo\nThree"
    )
