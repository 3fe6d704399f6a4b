"""`pathmatch score` on the demo caseload with real Ray, and the disparity arithmetic.

The end-to-end test runs the command twice on a demo bundle without trained models (the
engine falls back to the bundle): once from scratch with two workers, then again after one
part file is deleted, which must redo that block only and leave the others untouched.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from matching.disparity import disparity_table, participant_outcomes, wage_threshold
from matching.importer import import_bundle
from serving.batch import OUTPUT_SCHEMA, read_caseload

REPO = Path(__file__).resolve().parents[1]
CASELOAD = REPO / "demo" / "data" / "participants" / "demo_caseload.csv"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("batch_home")
    import_bundle(REPO / "demo" / "data", home / "bundle")
    return home


def score(home: Path, output: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATHMATCH_HOME": str(home)}
    for name in ("MLFLOW_TRACKING_URI", "PATHMATCH_BUNDLE", "RAY_ADDRESS"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "-m", "serving.cli", "score", "--input",
                           str(CASELOAD), "--output", str(output), *args],
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=600)


def malformed_lines() -> dict[int, str]:
    """Line -> field of the caseload rows with a bad ZIP or wage, found independently."""
    found: dict[int, str] = {}
    with CASELOAD.open(newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            if row["zip"] and not re.fullmatch(r"\d{5}", row["zip"]):
                found[line] = "zip"
            try:
                if row["last_hourly_wage"] and float(row["last_hourly_wage"]) < 0:
                    found[line] = "last_hourly_wage"
            except ValueError:
                found[line] = "last_hourly_wage"
    return found


@pytest.fixture(scope="module")
def scored(home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("batch_out") / "referrals.parquet"
    result = score(home, output, "--block-size", "8", "--workers", "2", "--top-k", "5")
    assert result.returncode == 0, result.stderr
    assert "referrals to above-median-wage occupations" in result.stdout
    return output


def test_scores_every_participant_with_ranked_referrals(scored: Path) -> None:
    table = pl.read_parquet(scored)
    ids = read_caseload(CASELOAD).table["participant_id"]
    assert table.schema == pl.Schema(OUTPUT_SCHEMA)
    assert set(table["participant_id"]) == set(ids)
    ranked = table.filter(pl.col("rank").is_not_null())
    assert ranked["rank"].max() <= 5 and ranked["program_id"].null_count() == 0
    per_person = ranked.group_by("participant_id").agg(pl.col("rank"), pl.col("score"))
    for ranks, scores in per_person.select("rank", "score").iter_rows():
        assert ranks == list(range(1, len(ranks) + 1))
        assert scores == sorted(scores, reverse=True)
    assert ranked["explanation"].str.starts_with("Leads to ").all()
    unreferred = table.filter(pl.col("rank").is_null())
    assert unreferred["explanation"].str.contains("passed the hard constraints").all()
    meta = json.loads(scored.with_name(scored.name + ".meta.json").read_text())
    assert meta["versions"]["bundle"] and meta["participants_scored"] == len(ids)
    assert meta["blocks"] == -(-len(ids) // 8) and meta["blocks_run"] == meta["blocks"]


def test_rejects_file_names_line_and_field_of_malformed_rows(scored: Path) -> None:
    rejects = pl.read_csv(scored.with_name(scored.name + ".rejects.csv"))
    assert rejects.columns == ["file", "line", "field", "reason", "severity"]
    expected = malformed_lines()
    assert len(expected) == 2
    assert dict(rejects.select("line", "field").iter_rows()) == expected
    text = scored.with_name(scored.name + ".rejects.csv").read_text()
    with CASELOAD.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    for line, field in expected.items():
        value = rows[line - 2][field]
        assert value not in text, "a reject must never echo the value"


def test_output_holds_no_intake_text_or_pirl_fields(scored: Path) -> None:
    table = pl.read_parquet(scored)
    assert not {c for c in table.columns if c.startswith("wioa_") or c == "intake_text"}
    written = " ".join(v for col in table.select(pl.col(pl.String)).iter_columns()
                       for v in col if v)
    with CASELOAD.open(newline="") as handle:
        texts = [row["intake_text"] for row in csv.DictReader(handle)]
    for text in texts:
        for piece in re.split(r"[.,;!?]", text):
            piece = piece.strip()
            if len(piece) >= 25:
                assert piece not in written


def test_disparity_outputs(scored: Path) -> None:
    table = pl.read_csv(scored.with_name(scored.name + ".disparity.csv"))
    assert set(table["field"]) == {"sex", "race_ethnicity", "age_band", "barrier"}
    assert {"female", "male"} <= set(table.filter(pl.col("field") == "sex")["group"])
    assert "low_income" in set(table.filter(pl.col("field") == "barrier")["group"])
    n = read_caseload(CASELOAD).table.height
    assert table.filter(pl.col("field") == "sex")["n"].sum() == n
    png = scored.with_name(scored.name + ".disparity.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_rerun_skips_finished_blocks(home: Path, scored: Path) -> None:
    parts = scored.with_name(scored.name + ".parts")
    files = sorted(parts.glob("block-*.parquet"))
    assert len(files) >= 3
    before = {p.name: p.stat().st_mtime_ns for p in files}
    removed = files[1]
    removed.unlink()
    result = score(home, scored, "--block-size", "8", "--workers", "1", "--top-k", "5")
    assert result.returncode == 0, result.stderr
    meta = json.loads(scored.with_name(scored.name + ".meta.json").read_text())
    assert meta["blocks_run"] == 1 and meta["blocks_skipped"] == len(files) - 1
    after = {p.name: p.stat().st_mtime_ns for p in parts.glob("block-*.parquet")}
    assert set(after) == set(before)
    assert all(after[n] == before[n] for n in before if n != removed.name)
    assert after[removed.name] != before[removed.name]
    assert "1 blocks run" in result.stderr


def test_parquet_input_rejects_missing_and_repeated_ids(tmp_path: Path) -> None:
    table = read_caseload(CASELOAD).table.drop("_line", "source_file").head(5)
    broken = pl.concat([table, table.head(1),
                        table.head(1).with_columns(pl.lit(None, pl.String)
                                                   .alias("participant_id"))])
    path = tmp_path / "caseload.parquet"
    broken.drop("wioa_barriers").write_parquet(path)
    loaded = read_caseload(path)
    assert loaded.table.height == 5
    assert loaded.table["wioa_barriers"].null_count() == 5, "absent columns come in null"
    assert [(r.line, r.field) for r in loaded.report.rejects] == [
        (7, "participant_id"), (6, "participant_id")]


# ----------------------------------------------------------------------------- disparity


def test_disparity_ratio_arithmetic_on_a_hand_made_caseload() -> None:
    """Ten women, ten men, threshold $20: 4/10 women and 8/10 men have a high-wage top-1."""
    ids = [f"w{i}" for i in range(10)] + [f"m{i}" for i in range(10)]
    top1 = [30.0] * 4 + [15.0] * 6 + [30.0] * 8 + [15.0] * 2
    rows = {"participant_id": ids, "region": ["NJ"] * 20, "rank": [1] * 20,
            "target_hourly_wage": top1}
    # a second referral: two low-paid women also get a high-wage option at rank 2
    extra = {"participant_id": ["w4", "w5"], "region": ["NJ", "NJ"], "rank": [2, 2],
             "target_hourly_wage": [25.0, 25.0]}
    referrals = pl.concat([pl.DataFrame(rows), pl.DataFrame(extra)])
    outcomes = participant_outcomes(referrals, {"NJ": 20.0})
    groups = pl.DataFrame({
        "participant_id": [*ids, "w_none"],
        "wioa_sex": ["female"] * 10 + ["male"] * 10 + ["female"],
        "wioa_race_ethnicity": [None] * 21, "wioa_age_band": ["25-44"] * 21,
        "wioa_barriers": [["low_income"]] * 3 + [[]] * 18,
    }, schema_overrides={"wioa_race_ethnicity": pl.String})
    table = disparity_table(outcomes, groups, min_group_size=5)
    sex = {r["group"]: r for r in table.filter(pl.col("field") == "sex").iter_rows(named=True)}
    women, men = sex["female"], sex["male"]
    assert women["n"] == 11, "a participant with no referral stays in the denominator"
    assert women["top1_high"] == 4 and men["top1_high"] == 8
    assert women["top1_ratio"] == pytest.approx((4 / 11) / (8 / 10))
    assert women["top1_flag"] and not men["top1_flag"] and men["top1_reference"] == "male"
    assert women["anyk_high"] == 6
    assert women["anyk_ratio"] == pytest.approx((6 / 11) / (8 / 10))
    assert women["anyk_flag"], "6/11 against 8/10 is a ratio of 0.68"
    race = table.filter(pl.col("field") == "race_ethnicity").row(0, named=True)
    assert race["group"] == "not reported" and race["n"] == 21
    barrier = {r["group"]: r for r in table.filter(pl.col("field") == "barrier")
               .iter_rows(named=True)}
    assert barrier["low_income"]["n"] == 3 and barrier["none listed"]["n"] == 18
    assert barrier["low_income"]["small_group"] and not barrier["low_income"]["top1_flag"]
    assert barrier["low_income"]["top1_ratio"] == pytest.approx(1.0 / (9 / 18))


def test_wage_threshold_is_the_median_of_known_wages() -> None:
    assert wage_threshold([10.0, None, 30.0, 20.0]) == 20.0
    assert wage_threshold([10.0, 20.0]) == 15.0
    assert wage_threshold([None]) is None


def test_parts_of_a_different_job_are_discarded(tmp_path: Path) -> None:
    from serving.batch import BatchOptions, finished_blocks, prepare_parts

    options = BatchOptions(input=CASELOAD, output=tmp_path / "referrals.parquet")
    first = {"input_sha256": "a", "top_k": 10, "versions": {"bundle": "x"}}
    assert prepare_parts(options, first) == []
    (options.parts_dir / "block-000000.parquet").write_bytes(b"done")
    assert prepare_parts(options, first) == [] and finished_blocks(options.parts_dir) == {0}
    notes = prepare_parts(options, {**first, "top_k": 5})
    assert finished_blocks(options.parts_dir) == set() and "removed 1" in notes[0]
