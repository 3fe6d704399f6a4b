"""The NLP CLI contract end to end: `train nlp`, `extract` and `titles` as benchmarks call them.

Everything is real: the demo bundle is imported, models train on local Ray, MLflow keeps its
runs in SQLite under a private PATHMATCH_HOME, and the CLI runs as a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from demo_homes import HomeTemplate

REPO = Path(__file__).resolve().parents[1]
ESCO = "http://data.europa.eu/esco/skill/"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, nlp_home_template: HomeTemplate) -> Path:
    """A PATHMATCH_HOME with the demo bundle and the demo NLP models registered: a copy of
    the session's home that ``pathmatch train nlp --demo`` trained (tests/conftest.py)."""
    return nlp_home_template.copy(tmp_path_factory.mktemp("home"))


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATHMATCH_HOME": str(home)}
    env.pop("MLFLOW_TRACKING_URI", None)
    return subprocess.run(
        [sys.executable, "-m", "serving.cli", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=600,
    )


def lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_train_registers_three_champions(home: Path) -> None:
    from matching.settings import Settings
    from training.registry import resolve

    settings = Settings(home=home)
    for name in ("pathmatch-titles", "pathmatch-linker", "pathmatch-detector"):
        assert resolve(name, settings=settings).path.is_dir()
    again = run(home, "train", "nlp", "--demo", "--if-missing")
    assert "already registered" in again.stderr


def test_extract_contract_and_bad_lines(home: Path, tmp_path: Path) -> None:
    source = tmp_path / "intake.jsonl"
    source.write_bytes(
        b'{"id": "a", "text": "5 yrs cashier, handled cash + inventory, forklift cert"}\n'
        b"this is not json\n"
        b'{"id": "c", "text": ""}\n'
        b'{"id": "d", "text": "Caf\xe9 cook, food safety, operate forklifts"}\n'
    )
    result = run(home, "extract", "--kind", "intake", "--input", str(source), "--top-k", "5")
    assert result.returncode == 0, result.stderr
    records = lines(result.stdout)
    assert [r["id"] for r in records] == ["a", 2, "c", "d"]
    assert "error" in records[1] and "intake.jsonl:2" in result.stderr
    assert "intake.jsonl:3" in result.stderr and "intake.jsonl:4" in result.stderr
    first = records[0]
    assert first["ranked"] and len(first["ranked"]) <= 5
    assert all(s["id"].startswith(ESCO) for s in first["ranked"])
    scores = [s["score"] for s in first["ranked"]]
    assert scores == sorted(scores, reverse=True)
    forklift = [s for s in first["spans"] if s["text"].lower().startswith("forklift")]
    assert forklift, first["spans"]
    span = forklift[0]
    text = "5 yrs cashier, handled cash + inventory, forklift cert"
    assert text[span["start"] : span["end"]] == span["text"]
    linked = [s for s in first["spans"] if s["skills"]]
    assert linked, first["spans"]
    assert {"id", "label", "taxonomy", "score"} <= set(linked[0]["skills"][0])
    kept = {k["label"]: k for k in first["skills"]}
    assert "operate forklift" in kept, kept
    evidence = kept["operate forklift"]["evidence"]
    assert "forklift" in text[evidence["start"] : evidence["end"]].lower(), evidence
    assert "pathmatch-linker/" in result.stderr, "the output names the model versions"


def test_extract_posting_skips_boilerplate(home: Path, tmp_path: Path) -> None:
    posting = (
        "Responsibilities: operate forklifts and load trucks safely. "
        "Requirements: forklift certification. "
        "Benefits: medical insurance, 401(k) and paid time off. "
        "We are an equal opportunity employer and value diversity."
    )
    source = tmp_path / "postings.txt"
    source.write_text(posting + "\n")
    result = run(home, "extract", "--kind", "posting", "--input", str(source))
    assert result.returncode == 0, result.stderr
    (record,) = lines(result.stdout)
    assert record["id"] == 1
    sections = {s["section"] for s in record["spans"]}
    assert sections and not sections & {"benefits", "eeo"}


def test_titles_contract(home: Path, tmp_path: Path) -> None:
    source = tmp_path / "titles.txt"
    source.write_text("RN - Nights $5k Bonus\nCDL-A Driver OTR\n\n")
    result = run(home, "titles", "--input", str(source), "--top-k", "3")
    assert result.returncode == 0, result.stderr
    records = lines(result.stdout)
    assert len(records) == 3
    assert records[0]["candidates"][0]["code"] == "29-1141.00"
    assert "53-3032.00" in [c["code"] for c in records[1]["candidates"]]
    assert records[2]["candidates"] == []
    esco = run(home, "titles", "--input", str(source), "--taxonomy", "esco", "--top-k", "2")
    assert lines(esco.stdout)[0]["candidates"][0]["code"].startswith(
        "http://data.europa.eu/esco/occupation/"
    )


def test_bad_options_are_clear_errors(home: Path, tmp_path: Path) -> None:
    source = tmp_path / "t.txt"
    source.write_text("nurse\n")
    result = run(home, "extract", "--kind", "resume", "--input", str(source))
    assert result.returncode == 2 and "posting, course or intake" in result.stderr
    missing = run(home, "titles", "--input", str(tmp_path / "absent.txt"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr


def test_titles_too_long_line_keeps_output_aligned(home: Path, tmp_path: Path) -> None:
    """Issue 13: a 50 MB line wrote no output line, so output line N was no longer input
    line N; it now gets an error line naming its line number, without echoing the text."""
    source = tmp_path / "titles.txt"
    with open(source, "w", encoding="utf-8") as sink:
        sink.write("registered nurse\n" + "cashier " * 6_600_000 + "\nforklift operator\n")
    result = run(home, "titles", "--input", str(source), "--top-k", "2")
    assert result.returncode == 0, result.stderr
    records = lines(result.stdout)
    assert [r["id"] for r in records] == [1, 2, 3]
    assert records[0]["candidates"][0]["code"] == "29-1141.00"
    assert records[1]["candidates"] == [] and records[1]["text"] == ""
    assert records[1]["error"].startswith("line 2: title longer than")
    assert records[2]["candidates"][0]["code"] == "53-7051.00"
    assert "titles.txt:2:" in result.stderr and "cashier" not in result.stderr
    assert len(result.stdout) < 10_000
