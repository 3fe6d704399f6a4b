"""`pathmatch score` on the demo caseload, resumed after a failure, and the disparity arithmetic.

The end-to-end test runs the command on a demo bundle without trained models (the engine
falls back to the bundle) in several blocks; the job is made to fail after scoring (its
plot path is blocked), keeps its parts, and its rerun after one part file is deleted must
redo that block only. The blocks are scored in the ``pathmatch`` process
(``PATHMATCH_BATCH_IN_PROCESS=1``): the parts, resume and outputs are the same code on Ray,
where ``test_ray_cluster`` (two nodes), ``test_privacy`` and ``test_ray_security`` score.
Caseloads nobody can be scored from stop before Ray starts (an empty ``RAY_TMPDIR``
proves it) with one line and exit 2.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest
from demo_homes import HomeTemplate

from matching.referral.disparity import disparity_table, participant_outcomes, wage_threshold
from matching.referral.referrals import stated_goals
from serving.batch import IN_PROCESS_VARIABLE, OUTPUT_SCHEMA, BatchError, read_caseload

REPO = Path(__file__).resolve().parents[1]
CASELOAD = REPO / "demo" / "data" / "participants" / "demo_caseload.csv"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, demo_home_template: HomeTemplate) -> Path:
    return demo_home_template.copy(tmp_path_factory.mktemp("batch_home"))


SIDECARS = (".rejects.csv", ".meta.json", ".disparity.csv", ".disparity.png")


def score(
    home: Path,
    output: Path,
    *args: str,
    caseload: Path = CASELOAD,
    ray_tmp: Path | None = None,
    in_process: bool = False,
) -> subprocess.CompletedProcess[str]:
    """``pathmatch score`` in a subprocess; ``ray_tmp`` becomes Ray's temp dir;
    ``in_process`` scores every block in the command's own process (no Ray)."""
    env = {**os.environ, "PATHMATCH_HOME": str(home)}
    for name in ("MLFLOW_TRACKING_URI", "PATHMATCH_BUNDLE", "RAY_ADDRESS", IN_PROCESS_VARIABLE):
        env.pop(name, None)
    if ray_tmp is not None:
        env["RAY_TMPDIR"] = str(ray_tmp)
    if in_process:
        env[IN_PROCESS_VARIABLE] = "1"
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "serving.cli",
            "score",
            "--input",
            str(caseload),
            "--output",
            str(output),
            *args,
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=600,
    )


def outputs(output: Path) -> list[Path]:
    """The output and every file written beside it."""
    return [output, *(output.with_name(output.name + s) for s in SIDECARS)]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


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


@dataclass(frozen=True)
class Resumed:
    """The module's one scoring job, run the way a crash makes users run it.

    The first run fails after scoring (the plot's path is a folder) and keeps its parts;
    one part is deleted, as a kill mid-write would leave it, and the rerun redoes that
    block only. Every output test reads the rerun's output, so what they check is what a
    resumed job writes (one job instead of a clean run plus an interrupted one).
    """

    output: Path
    failed: subprocess.CompletedProcess[str]
    rerun: subprocess.CompletedProcess[str]
    part_modes: list[int]
    parts_mode: int
    deleted_block: pl.DataFrame
    parts_written: int


@pytest.fixture(scope="module")
def resumed(home: Path, tmp_path_factory: pytest.TempPathFactory) -> Resumed:
    output = tmp_path_factory.mktemp("batch_out") / "referrals.parquet"
    blocker = output.with_name(output.name + ".disparity.png")
    blocker.mkdir()
    args = ("--block-size", "8", "--top-k", "5")
    failed = score(home, output, *args, in_process=True)
    parts = output.with_name(output.name + ".parts")
    files = sorted(parts.glob("block-*.parquet"))
    assert len(files) >= 3, failed.stderr
    facts = {
        "part_modes": [mode(f) for f in files],
        "parts_mode": mode(parts),
        "deleted_block": pl.read_parquet(files[1]),
        "parts_written": len(files),
    }
    files[1].unlink()
    blocker.rmdir()
    rerun = score(home, output, *args, in_process=True)
    return Resumed(output=output, failed=failed, rerun=rerun, **facts)


@pytest.fixture(scope="module")
def scored(resumed: Resumed) -> Path:
    assert resumed.rerun.returncode == 0, resumed.rerun.stderr
    assert "referrals to above-median-wage occupations" in resumed.rerun.stdout
    return resumed.output


def test_parts_removed_and_outputs_private_after_success(scored: Path) -> None:
    assert not scored.with_name(scored.name + ".parts").exists()
    for path in outputs(scored):
        assert mode(path) == 0o600, f"{path.name} is {oct(mode(path))}"
    assert not list(scored.parent.glob(".*.tmp"))


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
    assert meta["blocks"] == -(-len(ids) // 8)
    assert meta["blocks_run"] + meta["blocks_skipped"] == meta["blocks"]


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


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9+']+", text.lower())


def test_no_output_file_holds_participants_words(scored: Path) -> None:
    """Every column of the output and every sidecar text: no run of four words from an
    intake text, no stated goal as written, no past job title that is not itself the
    name of an occupation the output names (before the fix, 16 of 43 demo participants'
    goals were quoted: "Role fit: stated goal 'go back to work + maybe home health'")."""
    table = pl.read_parquet(scored)
    assert not {c for c in table.columns if c.startswith("wioa_") or c == "intake_text"}
    cells = [str(v) for col in table.iter_columns() for v in col if v is not None]
    sidecars = [scored.with_name(scored.name + s).read_text() for s in SIDECARS[:3]]
    written = " ".join(" ".join(words(t)) for t in [*cells, *sidecars])
    with CASELOAD.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert "stated goal '" not in " ".join(cells)
    checked = 0
    for row in rows:
        said = words(row["intake_text"])
        for i in range(len(said) - 3):
            assert " ".join(said[i : i + 4]) not in written
            checked += 1
        for goal in stated_goals(row["intake_text"]):
            if len(words(goal)) >= 3:
                assert f"'{' '.join(words(goal))}'" not in written
    assert checked > 500


def test_disparity_outputs(scored: Path) -> None:
    table = pl.read_csv(scored.with_name(scored.name + ".disparity.csv"))
    assert set(table["field"]) == {"sex", "race_ethnicity", "sex_x_race", "age_band", "barrier"}
    assert {"female", "male"} <= set(table.filter(pl.col("field") == "sex")["group"])
    assert "low_income" in set(table.filter(pl.col("field") == "barrier")["group"])
    n = read_caseload(CASELOAD).table.height
    assert table.filter(pl.col("field") == "sex")["n"].sum() == n
    png = scored.with_name(scored.name + ".disparity.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_failed_run_keeps_parts_and_rerun_redoes_only_missing_block(
    resumed: Resumed, scored: Path
) -> None:
    """A run that fails after scoring exits 2 with one line and keeps its parts (0700
    folder, 0600 files); the rerun after one part is deleted redoes that block only,
    writes the same rows for it, then removes the parts."""
    failed = resumed.failed
    assert failed.returncode == 2, failed.stderr
    assert "Traceback" not in failed.stderr and "a rerun resumes" in failed.stderr
    assert resumed.parts_mode == 0o700
    assert all(m == 0o600 for m in resumed.part_modes)
    meta = json.loads(scored.with_name(scored.name + ".meta.json").read_text())
    assert meta["blocks_run"] == 1 and meta["blocks_skipped"] == resumed.parts_written - 1
    assert meta["nodes"] == {"driver": 1}  # in this process, as the fixture asked
    assert "1 blocks run" in resumed.rerun.stderr
    assert not scored.with_name(scored.name + ".parts").exists()
    redone = resumed.deleted_block["participant_id"].unique()
    order = ["participant_id", "rank"]
    again = pl.read_parquet(scored).filter(pl.col("participant_id").is_in(redone.to_list()))
    assert again.sort(order, nulls_last=True).equals(
        resumed.deleted_block.select(again.columns).sort(order, nulls_last=True)
    )


# ----------------------------------------------------------------------------- bad input


def header_only(path: Path) -> Path:
    path.write_text(CASELOAD.read_text().splitlines()[0] + "\n")
    return path


def all_rejected(path: Path) -> Path:
    """Three rows without a participant id (and a ZIP that is not one, which alone would
    only be repaired): the loader rejects all three."""
    lines = CASELOAD.read_text().splitlines()
    header = next(csv.reader([lines[0]]))
    rows = list(csv.reader(lines[1:4]))
    for row in rows:
        row[header.index("participant_id")] = ""
        row[header.index("zip")] = "not-a-zip"
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


def no_state(path: Path) -> Path:
    """Valid rows without a state (and no --region): screened out before scoring."""
    table = (
        pl.read_csv(CASELOAD, infer_schema=False)
        .head(3)
        .with_columns(pl.lit(None, pl.String).alias("state"))
    )
    table.write_csv(path)
    return path


def copy_of_demo(path: Path) -> Path:
    shutil.copy(CASELOAD, path)
    return path


def garbage(path: Path) -> Path:
    path.write_bytes(bytes(range(256)) * 40)
    return path


@pytest.mark.parametrize(
    ("make", "args", "message"),
    [
        (header_only, (), "no participant rows"),
        (all_rejected, (), "none of the 3 rows can be scored"),
        (no_state, (), "none of the 3 rows can be scored"),
        (garbage, (), "cannot be read as CSV, JSONL or parquet"),
        (copy_of_demo, ("--region", "ZZ"), "no training programs listed for region 'ZZ'"),
    ],
)
def test_caseload_nobody_can_be_scored_from_stops_before_ray(
    home: Path, tmp_path: Path, make, args: tuple[str, ...], message: str
) -> None:
    """Exit 2 with one line (it used to run 104 s, then crash in the disparity summary);
    no Ray session is ever created, no output or meta written; rejects say why."""
    caseload = make(tmp_path / "caseload.csv")
    output = tmp_path / "out" / "referrals.parquet"
    ray_tmp = Path(tempfile.mkdtemp(prefix="pmray", dir="/tmp"))
    try:
        result = score(home, output, *args, caseload=caseload, ray_tmp=ray_tmp)
        assert list(ray_tmp.iterdir()) == [], "Ray must not start"
    finally:
        shutil.rmtree(ray_tmp, ignore_errors=True)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not output.exists() and not output.with_name(output.name + ".meta.json").exists()
    rejects = output.with_name(output.name + ".rejects.csv")
    if "rows can be scored" in message:
        table = pl.read_csv(rejects)
        assert set(table["line"]) == {2, 3, 4} and mode(rejects) == 0o600
        assert "not-a-zip" not in rejects.read_text()


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8-sig", "utf-32"])
def test_byte_order_marked_caseloads_read_like_utf8(tmp_path: Path, encoding: str) -> None:
    """Excel's "Unicode text" (UTF-16 LE with a mark) and "CSV UTF-8" (a BOM) caseloads
    used to be told "required column missing"."""
    path = tmp_path / "caseload.csv"
    text = CASELOAD.read_text(encoding="utf-8")
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    path.write_bytes(data)
    expected = read_caseload(CASELOAD).table.drop("source_file")
    loaded = read_caseload(path)
    assert loaded.table.drop("source_file").equals(expected)
    assert [(r.line, r.field) for r in loaded.report.rejects] == [
        (r.line, r.field) for r in read_caseload(CASELOAD).report.rejects
    ]


def test_garbage_and_misnamed_files_are_told_they_cannot_be_read(tmp_path: Path) -> None:
    for name, data in [
        ("random.csv", os.urandom(4096)),
        ("random.jsonl", os.urandom(300)),
        ("random.parquet", b"not parquet at all"),
    ]:
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(BatchError, match="cannot be read as CSV, JSONL or parquet"):
            read_caseload(path)
    misnamed = tmp_path / "caseload.csv"
    read_caseload(CASELOAD).table.drop("_line", "source_file").write_parquet(misnamed)
    with pytest.raises(BatchError, match="cannot be read as CSV, JSONL or parquet"):
        read_caseload(misnamed)


def test_parquet_input_rejects_missing_and_repeated_ids(tmp_path: Path) -> None:
    table = read_caseload(CASELOAD).table.drop("_line", "source_file").head(5)
    broken = pl.concat(
        [
            table,
            table.head(1),
            table.head(1).with_columns(pl.lit(None, pl.String).alias("participant_id")),
        ]
    )
    path = tmp_path / "caseload.parquet"
    broken.drop("wioa_barriers").write_parquet(path)
    loaded = read_caseload(path)
    assert loaded.table.height == 5
    assert loaded.table["wioa_barriers"].null_count() == 5, "absent columns come in null"
    assert [(r.line, r.field) for r in loaded.report.rejects] == [
        (7, "participant_id"),
        (6, "participant_id"),
    ]


# ----------------------------------------------------------------------------- disparity


def test_disparity_ratio_arithmetic_on_a_hand_made_caseload() -> None:
    """Ten women, ten men, threshold $20: 4/10 women and 8/10 men have a high-wage top-1."""
    ids = [f"w{i}" for i in range(10)] + [f"m{i}" for i in range(10)]
    top1 = [30.0] * 4 + [15.0] * 6 + [30.0] * 8 + [15.0] * 2
    rows = {
        "participant_id": ids,
        "region": ["NJ"] * 20,
        "rank": [1] * 20,
        "target_hourly_wage": top1,
    }
    # a second referral: two low-paid women also get a high-wage option at rank 2
    extra = {
        "participant_id": ["w4", "w5"],
        "region": ["NJ", "NJ"],
        "rank": [2, 2],
        "target_hourly_wage": [25.0, 25.0],
    }
    referrals = pl.concat([pl.DataFrame(rows), pl.DataFrame(extra)])
    outcomes = participant_outcomes(referrals, {"NJ": 20.0})
    groups = pl.DataFrame(
        {
            "participant_id": [*ids, "w_none"],
            "wioa_sex": ["female"] * 10 + ["male"] * 10 + ["female"],
            "wioa_race_ethnicity": [None] * 21,
            "wioa_age_band": ["25-44"] * 21,
            "wioa_barriers": [["low_income"]] * 3 + [[]] * 18,
        },
        schema_overrides={"wioa_race_ethnicity": pl.String},
    )
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
    barrier = {
        r["group"]: r for r in table.filter(pl.col("field") == "barrier").iter_rows(named=True)
    }
    assert barrier["low_income"]["n"] == 3 and barrier["none listed"]["n"] == 18
    assert barrier["low_income"]["small_group"] and not barrier["low_income"]["top1_flag"]
    assert barrier["low_income"]["top1_ratio"] is None, "small, beside a large group"


def test_disparity_of_an_empty_caseload_is_an_empty_table(tmp_path: Path) -> None:
    """No scored participant: no groups, no error (it used to fail on ``.item()``)."""
    from matching.referral.disparity import DISPARITY_SCHEMA
    from serving.disparity_report import plot_disparity

    referrals = pl.DataFrame(
        schema={
            "participant_id": pl.String,
            "region": pl.String,
            "rank": pl.Int32,
            "target_hourly_wage": pl.Float64,
        }
    )
    groups = pl.DataFrame(
        schema={
            "participant_id": pl.String,
            "wioa_sex": pl.String,
            "wioa_race_ethnicity": pl.String,
            "wioa_age_band": pl.String,
            "wioa_barriers": pl.List(pl.String),
        }
    )
    table = disparity_table(participant_outcomes(referrals, {"NJ": 20.0}), groups)
    assert table.is_empty() and table.schema == pl.Schema(DISPARITY_SCHEMA)
    png = plot_disparity(table, tmp_path / "empty.png")
    assert png.read_bytes()[:4] == b"\x89PNG"


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
