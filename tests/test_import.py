"""`pathmatch import` end to end: the real data, the demo data, and the CLI around them."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from matching.bundle import Bundle, BundleError
from matching.importer import import_bundle

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
        tmp_path / "b" / "rejects.csv").read_bytes()


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
    return subprocess.run([*PATHMATCH, *args], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, **(env or {})}, timeout=300)


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
    result = _run("import", "--data", str(DEMO_DATA), "--out", str(out),
                  env={"PATHMATCH_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert "onet_occupations" in result.stdout
    assert manifest["bundle_hash"] in result.stderr
