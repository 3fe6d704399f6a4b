"""`pathmatch import` end to end: the real data, the demo data, and the CLI around them."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from matching.ingest.bundle import Bundle, BundleError
from matching.ingest.importer import import_bundle

REPO = Path(__file__).resolve().parents[1]
DEMO_DATA = REPO / "demo" / "data"
PATHMATCH = [sys.executable, "-m", "serving.cli"]

# Row counts documented in each ../shared/data/<folder>/SOURCE.md.
SOURCE_MD_COUNTS = {
    "onet_occupations": 1016,
    "onet_alternate_titles": 52754,
    "onet_reported_titles": 7541,
    "onet_job_zones": 923,
    "onet_technology_skills": 30826,
    "onet_tools": 41644,
    "onet_tasks": 19265,
    "onet_related_occupations": 18460,
    "esco_skills": 13896,
    "esco_occupations": 3007,
    "xwalk_esco_onet": 8627,
    "xwalk_onet_soc2018": 1016,
    "soc2018_structure": 1447,
    "cip_codes": 2848,
    "xwalk_cip_soc": 6097,
    "scorecard_fos": 87398,
    "etpl_programs": 128,
    "etpl_outcomes": 1565,
    "ep_projections": 1113,
}


@pytest.fixture(scope="module")
def real_bundle(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    out = tmp_path_factory.mktemp("real") / "bundle"
    import_bundle(shared_data, out)
    return Bundle(out)


@pytest.mark.shared
def test_real_import_counts_match_source_md(real_bundle: Bundle) -> None:
    tables = real_bundle.manifest["tables"]
    for table, expected in SOURCE_MD_COUNTS.items():
        assert table in tables, f"{table} missing from the bundle"
        sources = real_bundle.manifest["sources"][table]
        kept_plus_rejected = sources["rows_kept"] + sources["rows_rejected"]
        assert kept_plus_rejected == sources["rows_read"], table
        assert tables[table]["rows"] == expected, table


@pytest.mark.shared
def test_real_import_records_versions_hashes_and_rejects(
    real_bundle: Bundle, shared_data: Path
) -> None:
    manifest = real_bundle.manifest
    assert manifest["taxonomies"]["onet"] == "27.0"
    assert manifest["taxonomies"]["esco"].startswith("1.1")
    occupation_files = manifest["sources"]["onet_occupations"]["files"]
    assert occupation_files[0]["path"] == "onet/Occupation Data.txt"
    assert len(occupation_files[0]["sha256"]) == 64
    with open(real_bundle.path / "rejects.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == manifest["rejects"]["count"]
    # The 67 ESCO relations pointing at an occupation not in occupations_en.csv are reported.
    esco_rel = [r for r in rows if r["table"] == "esco_occupation_skills"]
    assert len(esco_rel) >= 67 and all(r["line"] and r["field"] for r in esco_rel)


@pytest.mark.shared
def test_real_import_normalizes_codes(real_bundle: Bundle) -> None:
    occupations = real_bundle.table("onet_occupations")
    assert occupations["soc2018_code"].null_count() == 0
    rn = occupations.filter(pl.col("onet_soc_code") == "29-1141.00")
    assert rn["soc2018_code"].item() == "29-1141"
    programs = real_bundle.table("etpl_programs")
    assert programs["cip_code"].str.contains(r"^\d{2}\.\d{4}$").all()


def test_demo_import_is_deterministic(tmp_path: Path) -> None:
    first = import_bundle(DEMO_DATA, tmp_path / "a")
    second = import_bundle(DEMO_DATA, tmp_path / "b")
    assert first == second
    for name in first["tables"]:
        a = (tmp_path / "a" / "tables" / f"{name}.parquet").read_bytes()
        b = (tmp_path / "b" / "tables" / f"{name}.parquet").read_bytes()
        assert a == b, name
    assert (tmp_path / "a" / "rejects.csv").read_bytes() == (
        tmp_path / "b" / "rejects.csv"
    ).read_bytes()


def test_demo_import_fills_every_stage(tmp_path: Path) -> None:
    manifest = import_bundle(DEMO_DATA, tmp_path / "demo")
    rows = {name: entry["rows"] for name, entry in manifest["tables"].items()}
    assert 20 <= rows["onet_occupations"] <= 40
    assert rows["postings"] >= 140
    assert rows["etpl_programs"] >= 28
    assert rows["courses"] >= 40
    assert "participants" not in rows, "personal data must never enter a bundle"


def test_bundle_reader_errors_name_the_fix(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="pathmatch import"):
        Bundle(tmp_path / "nowhere")


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PATHMATCH, *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def test_cli_without_arguments_prints_help() -> None:
    result = _run()
    assert "import" in result.stdout + result.stderr
    assert "Usage" in result.stdout + result.stderr


def test_cli_import_missing_folder_is_one_clear_error(tmp_path: Path) -> None:
    result = _run("import", "--data", str(tmp_path / "absent"), "--out", str(tmp_path / "b"))
    assert result.returncode == 2
    assert "does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_import_writes_bundle_and_summary(tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    result = _run(
        "import", "--data", str(DEMO_DATA), "--out", str(out), env={"PATHMATCH_HOME": str(tmp_path)}
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert "onet_occupations" in result.stdout
    assert manifest["bundle_hash"] in result.stderr


# --------------------------------------------------------------------------- unusable data
# Issue 12, defect 5: an import that would write a bundle later stages cannot use fails.


def _data_with(tmp_path: Path, folder: str, name: str, content: bytes) -> Path:
    """The demo data folder (linked, not copied) with one file replaced by ``content``."""
    data = tmp_path / "data"
    data.mkdir(parents=True)
    for entry in DEMO_DATA.iterdir():
        if entry.name != folder:
            (data / entry.name).symlink_to(entry)
    (data / folder).mkdir()
    for entry in (DEMO_DATA / folder).iterdir():
        if entry.name != name:
            (data / folder / entry.name).symlink_to(entry)
    (data / folder / name).write_bytes(content)
    return data


def _demo_bytes(folder: str, name: str) -> bytes:
    return (DEMO_DATA / folder / name).read_bytes()


def _without_title_column() -> bytes:
    lines = _demo_bytes("onet", "Occupation Data.txt").decode().split("\n")
    return "\n".join(
        "\t".join(c for i, c in enumerate(line.split("\t")) if i != 1) for line in lines
    ).encode()


def _rejects(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_import_without_title_column_fails_naming_table_file_and_reason(
    tmp_path: Path,
) -> None:
    from matching.ingest.importer import UnusableImportError

    data = _data_with(tmp_path, "onet", "Occupation Data.txt", _without_title_column())
    out = tmp_path / "bundle"
    with pytest.raises(UnusableImportError) as caught:
        import_bundle(data, out)
    message = str(caught.value)
    assert "onet_occupations: no rows kept of 33 read" in message
    assert "Occupation Data.txt: required column missing" in message and "Title" in message
    assert "--allow-partial" in message
    assert not out.exists(), "a failed import writes no bundle"
    rejects = _rejects(caught.value.rejects_file)
    assert any(r["table"] == "onet_occupations" and r["field"] == "title" for r in rejects)


def test_cli_import_failure_is_one_line_exit_2_and_keeps_the_old_bundle(
    tmp_path: Path,
) -> None:
    out = tmp_path / "bundle"
    import_bundle(DEMO_DATA, out)
    before = (out / "manifest.json").read_bytes()
    data = _data_with(tmp_path, "onet", "Job Zones.txt", bytes(range(256)) * 40)
    result = _run(
        "import", "--data", str(data), "--out", str(out), env={"PATHMATCH_HOME": str(tmp_path)}
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "onet_job_zones: no rows kept" in line and "Job Zones.txt" in line
    assert (out / "manifest.json").read_bytes() == before, "the good bundle is untouched"
    rejects = _rejects(tmp_path / "bundle.partial" / "rejects.csv")
    assert [r["file"] for r in rejects if r["table"] == "onet_job_zones"] == ["Job Zones.txt"]


def test_allow_partial_writes_the_bundle_with_warnings(tmp_path: Path) -> None:
    data = _data_with(tmp_path, "onet", "Occupation Data.txt", _without_title_column())
    out = tmp_path / "bundle"
    result = _run(
        "import",
        "--data",
        str(data),
        "--out",
        str(out),
        "--allow-partial",
        env={"PATHMATCH_HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert "warning: partial import: onet_occupations: no rows kept" in result.stderr
    bundle = Bundle(out)
    assert len(bundle.warnings) == 1 and "onet_occupations" in bundle.warnings[0]
    # the empty table keeps the schema later stages select on (programs joined on it)
    assert "soc2018_code" in bundle.table("onet_occupations").columns
    summary = _run("summary", "--bundle", str(out), env={"PATHMATCH_HOME": str(tmp_path)})
    assert summary.returncode == 0 and "partial import" in summary.stderr


def _recode(content: bytes, encoding: str) -> bytes:
    text = content.decode("utf-8")
    mark = "\ufeff".encode(encoding) if encoding.endswith(("-le", "-be")) else b""
    return mark + text.encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8-sig", "utf-32"])
def test_byte_order_marked_postings_are_read_not_rejected(tmp_path: Path, encoding: str) -> None:
    name = "linkedin_postings_demo.csv"
    data = _data_with(tmp_path, "postings", name, _recode(_demo_bytes("postings", name), encoding))
    manifest = import_bundle(data, tmp_path / "bundle")
    expected = import_bundle(DEMO_DATA, tmp_path / "demo")["tables"]["postings"]["rows"]
    assert manifest["tables"]["postings"]["rows"] == expected == 157
    assert manifest["sources"]["postings"]["rows_rejected"] == 0


def test_postings_file_without_byte_order_mark_fails_the_import(tmp_path: Path) -> None:
    """UTF-16 saved without a mark: the file's 152 rows are lost, 5 JSON-LD ones remain."""
    from matching.ingest.importer import UnusableImportError

    name = "linkedin_postings_demo.csv"
    content = _demo_bytes("postings", name).decode("utf-8").encode("utf-16-le")
    data = _data_with(tmp_path, "postings", name, content)
    with pytest.raises(UnusableImportError) as caught:
        import_bundle(data, tmp_path / "bundle")
    message = str(caught.value)
    assert "postings: 1 file(s) could not be read, 5 rows kept" in message
    assert f"{name}: holds NUL bytes" in message


def test_core_table_losing_most_rows_fails_other_tables_warn(tmp_path: Path) -> None:
    from matching.ingest.importer import UnusableImportError, check_usable

    lines = _demo_bytes("onet", "Occupation Data.txt").decode().split("\n")
    broken = [lines[0]] + [
        "XX" + line[2:] if 0 < i <= 20 else line for i, line in enumerate(lines[1:], start=1)
    ]
    data = _data_with(tmp_path, "onet", "Occupation Data.txt", "\n".join(broken).encode())
    with pytest.raises(
        UnusableImportError,
        match=r"onet_occupations: 20 of 33 rows rejected "
        r"\(Occupation Data.txt: not an O\*NET-SOC code",
    ):
        import_bundle(data, tmp_path / "bundle")

    from matching.ingest.bundle import load_sources

    tasks = _demo_bytes("onet", "Task Statements.txt").decode().split("\n")
    bad_tasks = [tasks[0]] + ["XX" + t[2:] if t else t for t in tasks[1:]]
    other = _data_with(
        tmp_path / "tasks",
        "onet",
        "Task Statements.txt",
        "\n".join(bad_tasks[:-5] + tasks[-5:]).encode(),
    )
    (problem,) = check_usable(load_sources(other))
    assert problem.table == "onet_tasks" and not problem.fatal


def test_duplicate_esco_uris_are_rejected_rows(tmp_path: Path) -> None:
    content = _demo_bytes("esco", "skills_en.csv").decode("utf-8")
    rows = list(csv.reader(io.StringIO(content, newline="")))
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows + rows[1:6])
    data = _data_with(tmp_path, "esco", "skills_en.csv", buffer.getvalue().encode())
    out = tmp_path / "bundle"
    manifest = import_bundle(data, out)
    skills = Bundle(out).table("esco_skills")
    assert skills.height == len(rows) - 1 and skills["skill_uri"].is_unique().all()
    assert manifest["sources"]["esco_skills"]["rows_rejected"] == 5
    duplicates = [r for r in _rejects(out / "rejects.csv") if r["table"] == "esco_skills"]
    assert len(duplicates) == 5
    first_lines = {r["record"]: r["reason"] for r in duplicates}
    assert all(
        reason.startswith("duplicate id, first seen at line ") for reason in first_lines.values()
    )
    assert first_lines[rows[1][1]] == "duplicate id, first seen at line 2"
