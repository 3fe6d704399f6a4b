"""One engine, one answer (issue 13): the same text gets the same skill links through the
CLI (``pathmatch extract``, a subprocess), the API (``POST /v1/extract`` on a real uvicorn)
and batch scoring (``serving.batch.BlockReader``, what each Ray actor reads intake text
with), all over the demo bundle of the shared ``api_server`` fixture.

Before, the CLI kept links the API dropped (no score floor in ``doc_to_record``, 0.3 in the
router) and each door rendered links its own way.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from api_server import REPO, ApiServer

from matching.nlp.extraction.io import SENTENCE_MIN_SCORE, SKILL_MIN_SCORE

TEXTS = [
    "Cashier 5 yrs: cash handling and customer service, forklift cert",
    "Worked as a CNA in a nursing home. I can drive a forklift and use Microsoft Excel.",
    "Warehouse associate: loading trucks, operating forklifts and customer service.",
    "Looking for any job, evenings only.",
]
TOP_K = 20


def cli_links(server: ApiServer, source: Path) -> list[list[dict[str, Any]]]:
    env = {**os.environ, "PATHMATCH_HOME": str(server.home)}
    for name in ("MLFLOW_TRACKING_URI", "PATHMATCH_BUNDLE"):
        env.pop(name, None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "serving.cli",
            "extract",
            "--kind",
            "intake",
            "--input",
            str(source),
            "--top-k",
            str(TOP_K),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == [f"t{i}" for i in range(len(TEXTS))]
    return [r["skills"] for r in records]


def api_links(server: ApiServer) -> list[list[dict[str, Any]]]:
    body = {
        "kind": "intake",
        "top_k": TOP_K,
        "texts": [{"id": f"t{i}", "text": t} for i, t in enumerate(TEXTS)],
    }
    reply = httpx.post(
        f"{server.base_url}/v1/extract", json=body, headers=server.headers, timeout=120
    )
    assert reply.status_code == 200, reply.text
    return [r["skills"] for r in reply.json()["results"]]


def batch_links(server: ApiServer) -> list[list[tuple[str, str]]]:
    from matching.settings import Settings
    from serving.batch import BlockReader
    from serving.engine import Engine

    engine = Engine.load(Settings(home=server.home))
    reader = BlockReader(engine, TEXTS, [])
    return [[(s.skill_id, s.label) for s in reader.intake_skills(t)] for t in TEXTS]


def test_same_text_same_links_through_cli_api_and_batch(
    api_server: ApiServer, tmp_path: Path
) -> None:
    source = tmp_path / "texts.jsonl"
    source.write_text(
        "".join(json.dumps({"id": f"t{i}", "text": t}) + "\n" for i, t in enumerate(TEXTS)),
        encoding="utf-8",
    )
    cli, api, batch = cli_links(api_server, source), api_links(api_server), batch_links(api_server)
    assert [len(links) > 0 for links in api] == [True, True, True, False], api
    assert cli == api, "pathmatch extract's skills and POST /v1/extract give the same links"
    assert batch == [[(s["id"], s["label"]) for s in links] for links in api], (
        "batch scoring reads intake text as the API does"
    )
    for text, links in zip(TEXTS, api, strict=True):
        assert all(s["taxonomy"] == "ESCO" for s in links)
        for s in links:
            evidence, sentence = s["evidence"], s["sentence"]
            assert text[evidence["start"] : evidence["end"]] == evidence["text"]
            assert sentence["start"] <= evidence["start"] < evidence["end"] <= sentence["end"]
            whole = (evidence["start"], evidence["end"]) == (sentence["start"], sentence["end"])
            assert s["score"] >= (SENTENCE_MIN_SCORE if whole else SKILL_MIN_SCORE)
        assert [s["score"] for s in links] == sorted((s["score"] for s in links), reverse=True)


HEAVY = {
    "polars",
    "pydantic_settings",
    "spacy",
    "mlflow",
    "ray",
    "numpy",
    "sklearn",
    "matching",
    "features",
    "training",
    "uvicorn",
    "fastapi",
}


def test_help_imports_no_heavy_package() -> None:
    """Cold start (issue 13): `pathmatch extract --help` imported polars, rich tables,
    pydantic_settings, spaCy and the training modules before printing anything; help now
    loads typer and what typer needs, and each command imports what it uses when it runs.
    (Speed itself is measured in experiments/bench_cold_start.py, not asserted here.)"""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "serving.cli", "extract", "--help"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    assert result.returncode == 0 and "--kind" in result.stdout
    imported = {
        line.rsplit("|", 1)[-1].strip().split(".")[0]
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "typer" in imported, "the import log was read"
    assert not imported & HEAVY, sorted(imported & HEAVY)
