"""The shared loader machinery: lines, encodings, markers, flags and code formats."""

from __future__ import annotations

from pathlib import Path

import pytest
from loader_checks import write

from matching.ingest.loaders.base import (
    Col,
    LoaderError,
    LoadReport,
    build_table,
    cip_code,
    decode_lines,
    load_with_spec,
    onet_soc_code,
    read_csv_records,
    reject_duplicate_ids,
    soc_code,
)

SPEC = [
    Col(
        "code",
        ("O*NET-SOC Code", "onet_soc_code"),
        required=True,
        normalize=onet_soc_code,
        problem="not an O*NET-SOC code",
    ),
    Col("title", ("Title",), required=True),
    Col("wage", ("Wage", "H_MEAN"), kind="float", flags=(("#", "topcoded"),)),
    Col("hot", ("Hot Technology",), kind="bool"),
]


def test_every_problem_is_reported_with_line_and_field(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "occ.csv",
        (
            b"O*NET-SOC Code,Title,Wage,Hot Technology\n"
            b"29-1141.00,Registered Nurses,41.5,Y\n"
            b"29-1141,Bad code form,12,N\n"  # bare SOC: repaired to .00, kept
            b"2911-41,Broken code,12,N\n"  # rejected: code
            b"31-1131.00,Nursing Assistants\n"  # truncated
            b"11-1011.00,Chief Executives,#,N\n"  # top-coded wage flag
            b"43-4051.00,Customer Service,abc,maybe\n"  # bad optional values: nulled, kept
            b'51-4121.00,"Welders, Cutters",NULL,Y\n'
        ),
    )
    loaded = load_with_spec("t", path, SPEC, record_key="code")
    table, report = loaded.table, loaded.report
    assert report.rows_read == 7
    assert report.rows_kept == 5 == table.height
    rejected = {(r.line, r.field) for r in report.rejects if r.severity == "rejected"}
    # Structural problems name the file's column; value problems the table's column.
    assert rejected == {(4, "code"), (5, "Wage")}
    repaired = {(r.line, r.field) for r in report.rejects if r.severity == "repaired"}
    assert repaired == {(7, "wage"), (7, "hot")}
    assert table["code"].to_list()[1] == "29-1141.00"
    ceo = table.filter(table["code"] == "11-1011.00")
    assert ceo["wage"].item() is None and ceo["wage_topcoded"].item() is True
    assert table["_line"].to_list() == [2, 3, 6, 7, 8]
    assert all("abc" not in r.reason for r in report.rejects), "reasons never echo values"


def test_latin1_bytes_are_repaired_and_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "occ.csv",
        "O*NET-SOC Code,Title\n29-1141.00,Caf\u00e9 Nurse\n29-2061.00,LPN\n".encode("latin-1"),
    )
    loaded = load_with_spec("t", path, SPEC[:2])
    assert loaded.table["title"].to_list() == ["Caf\u00e9 Nurse", "LPN"]
    (issue,) = loaded.report.rejects
    assert (issue.line, issue.field, issue.severity) == (2, "Title", "repaired")


def test_c1_controls_from_windows_files_become_quotes() -> None:
    text, repaired = decode_lines("Bachelor\u0092s".encode())
    assert text == "Bachelor\u2019s" and repaired == []


def test_missing_required_column_reports_once_and_keeps_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, "occ.csv", b"Title,Wage\nNurse,40\n")
    loaded = load_with_spec("t", path, SPEC)
    assert loaded.table.is_empty()
    assert list(loaded.table.columns[:2]) == ["code", "title"]
    (issue,) = [r for r in loaded.report.rejects if r.severity == "rejected"]
    assert issue.field == "code" and "required column missing" in issue.reason


def test_missing_optional_column_is_filled_and_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "occ.csv", b"O*NET-SOC Code,Title\n29-1141.00,RN\n")
    loaded = load_with_spec("t", path, SPEC)
    assert loaded.table.height == 1 and loaded.table["wage"].item() is None
    missing = {r.field for r in loaded.report.rejects if r.severity == "missing"}
    assert missing == {"wage", "hot"}


def test_title_rows_above_header_are_skipped(tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", b"Some title\n\nO*NET-SOC Code,Title\n29-1141.00,RN\n")
    report = LoadReport("t")
    raw = read_csv_records(path, report, header_must_contain=["O*NET-SOC Code"])
    table = build_table(raw, SPEC[:2], report)
    assert table["_line"].to_list() == [4]


def test_unreadable_files_raise_or_report(tmp_path: Path) -> None:
    with pytest.raises(LoaderError, match="not found"):
        read_csv_records(tmp_path / "absent.csv", LoadReport("t"))
    empty = write(tmp_path, "empty.csv", b"")
    loaded = load_with_spec("t", empty, SPEC)
    assert loaded.table.is_empty() and "empty" in loaded.report.rejects[0].reason


TSV_TEXT = "O*NET-SOC Code\tTitle\n29-1141.00\tCaf\u00e9 Nurse\n29-2061.00\tLPN\n"


@pytest.mark.parametrize(
    "encoding",
    ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"],
)
def test_byte_order_marked_files_are_read_not_rejected(tmp_path: Path, encoding: str) -> None:
    content = TSV_TEXT.replace("\n", "\r\n").encode(encoding)
    if encoding.endswith(("-le", "-be")):  # these codecs write no mark: add the one Excel does
        content = "\ufeff".encode(encoding) + content
    path = write(tmp_path, "occ.txt", content)
    loaded = load_with_spec("t", path, SPEC[:2], delimiter="\t")
    assert loaded.table["title"].to_list() == ["Caf\u00e9 Nurse", "LPN"]
    assert loaded.table["_line"].to_list() == [2, 3]
    assert loaded.report.rejects == []


def test_utf16_without_mark_or_contradicting_it_is_one_clear_reject(tmp_path: Path) -> None:
    bare = write(tmp_path, "bare.txt", TSV_TEXT.encode("utf-16-le"))
    (issue,) = load_with_spec("t", bare, SPEC[:2], delimiter="\t").report.rejects
    assert "NUL bytes" in issue.reason and "UTF-16" in issue.reason
    broken = write(tmp_path, "broken.txt", b"\xff\xfe" + TSV_TEXT.encode("utf-16-le") + b"\x00")
    (issue,) = load_with_spec("t", broken, SPEC[:2], delimiter="\t").report.rejects
    assert "byte-order mark says utf-16-le" in issue.reason


def test_duplicate_ids_are_rejected_naming_the_first_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "occ.csv",
        (
            b"O*NET-SOC Code,Title\n29-1141.00,RN\n29-2061.00,LPN\n29-1141.00,Nurse again\n"
            b"29-1141.00,Third\n"
        ),
    )
    loaded = load_with_spec("t", path, SPEC[:2], id_key="code")
    assert loaded.table["title"].to_list() == ["RN", "LPN"]
    assert loaded.report.rows_kept == 2 and loaded.report.rows_rejected == 2
    assert [(r.line, r.field, r.reason) for r in loaded.report.rejects] == [
        (4, "code", "duplicate id, first seen at line 2"),
        (5, "code", "duplicate id, first seen at line 2"),
    ]


def test_duplicate_ids_across_files_name_the_first_file() -> None:
    import polars as pl

    table = pl.DataFrame(
        {
            "id": ["a", "b", "a", None, None],
            "_line": [2, 3, 2, 4, 5],
            "source_file": ["x.csv", "x.csv", "y.csv", "y.csv", "y.csv"],
        }
    )
    report = LoadReport("t", rows_kept=5)
    kept = reject_duplicate_ids(table, "id", report, file_column="source_file")
    assert kept["id"].to_list() == ["a", "b", None, None], "null ids are not ids: kept"
    (issue,) = report.rejects
    assert (issue.file, issue.line, issue.reason) == (
        "y.csv",
        2,
        "duplicate id, first seen at line 2 of x.csv",
    )
    assert report.rows_kept == 4


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('="01.0000"', "01.0000"),
        ("513501", "51.3501"),
        ("90101", "09.0101"),
        ("5203", "52.03"),
        ("100", "01.00"),
        ("51.39", "51.39"),
        ("1.0101", "01.0101"),
        ("5", "05"),
        ("51-3901", None),
        ("", None),
    ],
)
def test_cip_code_spellings(raw: str, expected: str | None) -> None:
    assert cip_code(raw) == expected


def test_soc_code_forms() -> None:
    assert soc_code("29-1141.00") == "29-1141"
    assert soc_code("29-1141 ") == "29-1141"
    assert soc_code("291141") is None
    assert onet_soc_code("29-1141") == "29-1141.00"
    assert onet_soc_code("29-1141.0") is None
