"""No participant's words leave `pathmatch score`: not in an output, a log, an artifact.

A small caseload is seeded with made-up marker words that cannot occur anywhere else: in
intake sentences the skill extractor quotes as evidence, in stated goals, in past job
titles, in values the loader repairs and in a row it rejects. It is scored through the
real CLI on real Ray (two workers), with Ray's temp dir (``RAY_TMPDIR``) and
``PATHMATCH_HOME`` (bundle, MLflow store and artifacts) set to folders of the test's own.
Then every byte of every file in the output folder, the home, Ray's session folder and
the CLI's stdout and stderr is searched for the markers, case-insensitively, and parquet
files are also read column by column (their pages are compressed). None may appear.
"""

from __future__ import annotations

import csv
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from test_batch import CASELOAD, SIDECARS, home, score  # noqa: F401 - home is a fixture

MARKERS = (
    "zorblaxquint",
    "florpwidget",
    "quexmarvolt",
    "snarglepex",
    "wibbtronic",
    "glimmerdonk",
    "vextrobble",
)


def seeded_caseload(path: Path) -> Path:
    """Six demo participants carrying markers, and one row the loader rejects."""
    with CASELOAD.open(newline="") as handle:
        rows = list(csv.DictReader(handle))[:6]
    header = list(rows[0])
    a, b, c, d, e, f = rows
    a["intake_text"] = (
        "I did zorblaxquint inventory counts and operated a forklift at the "
        "warehouse. want to be a home health aide zorblaxquint or a CNA"
    )
    b["past_job_titles"] = "Florpwidget Cashier;Stock Clerk Quexmarvolt"
    b["intake_text"] += " want to become a certified nursing assistant florpwidget"
    c["zip"] = "wibbtronic"
    c["intake_text"] = (
        "customer service and cash handling at vextrobble market. hoping to "
        "work as a medical assistant vextrobble"
    )
    d["last_hourly_wage"] = "glimmerdonk"
    e["intake_text"] = "want to be a nurse quexmarvolt, patient care and vital signs"
    bad = dict(
        f, participant_id="", intake_text="snarglepex snarglepex patient care", zip="snarglepex"
    )
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows([a, b, c, d, e, f, bad])
    return path


def files_under(folder: Path) -> Iterator[Path]:
    """Regular files only (Ray's folder also holds sockets)."""
    for path in folder.rglob("*"):
        if path.is_file() and stat.S_ISREG(path.lstat().st_mode):
            yield path


def texts_of(path: Path) -> Iterator[str]:
    """The file's bytes as text, and for parquet every cell as text."""
    yield path.read_bytes().decode("latin-1")
    if path.suffix == ".parquet":
        frame = pl.read_parquet(path)
        yield " ".join(str(v) for col in frame.iter_columns() for v in col)


def found(text: str) -> set[str]:
    lowered = text.lower()
    return {m for m in MARKERS if m in lowered}


@pytest.fixture(scope="module")
def run(home: Path, tmp_path_factory: pytest.TempPathFactory):  # noqa: F811
    """Score the seeded caseload; yields (output, ray temp dir, completed process)."""
    folder = tmp_path_factory.mktemp("privacy")
    caseload = seeded_caseload(folder / "caseload.csv")
    output = folder / "out" / "referrals.parquet"
    # Short path: Ray's socket paths must stay under the 107-byte Unix limit.
    ray_tmp = Path(tempfile.mkdtemp(prefix="pmray", dir="/tmp"))
    result = score(
        home,
        output,
        "--block-size",
        "2",
        "--workers",
        "2",
        "--top-k",
        "5",
        caseload=caseload,
        ray_tmp=ray_tmp,
    )
    assert result.returncode == 0, result.stderr
    yield caseload, output, ray_tmp, result
    shutil.rmtree(ray_tmp, ignore_errors=True)


def test_markers_are_where_a_leak_would_come_from(run) -> None:
    """The check below is only worth something if the markers reached the scorer: the
    seeded participants were scored, a goal was read, the bad row was rejected."""
    caseload, output, _, _ = run
    assert found(caseload.read_text()) == set(MARKERS)
    table = pl.read_parquet(output)
    ids = set(table["participant_id"])
    assert len(ids) == 6 and "" not in ids
    assert table["explanation"].str.contains("Role fit: stated goal of").any()
    rejects = pl.read_csv(output.with_name(output.name + ".rejects.csv"))
    assert {"participant_id", "zip", "last_hourly_wage"} <= set(rejects["field"])


def test_no_marker_in_any_output_log_or_artifact(run, home: Path) -> None:  # noqa: F811
    _, output, ray_tmp, result = run
    sessions = list((ray_tmp / "ray").glob("session_*/logs"))
    assert sessions and any(sessions[0].iterdir()), "Ray's session logs were not found"
    scanned: dict[str, set[str]] = {"stdout": found(result.stdout), "stderr": found(result.stderr)}
    for folder in (output.parent, home, ray_tmp):
        for path in files_under(folder):
            scanned[str(path)] = set().union(*(found(t) for t in texts_of(path)))
    assert sum(1 for p in scanned if "/logs/" in p) >= 3
    assert (home / "mlflow.db").is_file() and str(home / "mlflow.db") in scanned
    leaks = {path: hits for path, hits in scanned.items() if hits}
    assert leaks == {}


def test_outputs_are_private_and_parts_are_gone(run) -> None:
    _, output, _, _ = run
    for path in [output, *(output.with_name(output.name + s) for s in SIDECARS)]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    assert not output.with_name(output.name + ".parts").exists()


def test_words_outside_public_vocabulary_are_not_cached_by_the_lemmatizer() -> None:
    """A long-running server lemmatizes every intake word; it keeps only public words."""
    from matching.nlp.extraction import linker

    for marker in MARKERS:
        assert linker.lemma(marker.capitalize()) == marker
    assert linker.lemma("Nurses") == "nurse"
    cached = {word.lower() for word in linker._LEMMAS}
    assert "nurses" in cached
    assert not cached & set(MARKERS)


def test_the_intake_pipeline_keeps_no_sentence_cache() -> None:
    """The learned linker caches ranked texts; for intake notes that cache is off."""
    from matching.nlp.extraction.pipeline import LEARNED_LINKER, pipeline_config

    intake = pipeline_config(kind="intake")["components"]["linker"]
    posting = pipeline_config(kind="posting")["components"]["linker"]
    assert intake["factory"] == posting["factory"] == LEARNED_LINKER
    assert intake["cache_size"] == 0
    assert posting.get("cache_size", 1) != 0
