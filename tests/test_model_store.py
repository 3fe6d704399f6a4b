"""A broken model store is an error, never a silent fallback (issue 12, defect 3).

Three faults are told apart from "not registered": an HTTP store nothing answers on, a
champion alias whose artifacts were deleted, and a ``mlflow.db`` of random bytes. Commands
print one line and exit 2; ``pathmatch serve`` still starts, ``/v1/health`` answers 503
``degraded`` with the reason, and a referral answers 503 instead of coming from fallbacks.
The not-registered case still falls back, with a note. Everything runs for real: the
``pathmatch`` CLI in a subprocess, MLflow on SQLite, a uvicorn server on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from api_server import REPO, running_server

from serving.local_server import free_port

TITLES = "Certified Nursing Assistant\nforklift driver\n"
REFERRAL = {
    "participant": {
        "participant_id": "case-1",
        "past_job_titles": ["CNA"],
        "state": "NJ",
        "zip": "08619",
    },
    "top_k": 3,
}


@pytest.fixture(scope="module")
def bundle(demo_bundle: Path) -> Path:
    """The session's demo bundle (read-only); each test has its own home (store)."""
    return demo_bundle


@pytest.fixture()
def titles_file(tmp_path: Path) -> Path:
    path = tmp_path / "titles.txt"
    path.write_text(TITLES, encoding="utf-8")
    return path


def pathmatch(
    home: Path, bundle: Path, *args: str, uri: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the CLI as users do, over ``home``'s store (or ``uri``) and ``bundle``."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "PATHMATCH_"))
    }  # MLflow's defaults: ours apply
    env.update(PATHMATCH_HOME=str(home), PATHMATCH_BUNDLE=str(bundle))
    if uri:
        env["MLFLOW_TRACKING_URI"] = uri
    return subprocess.run(
        [sys.executable, "-m", "serving.cli", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *phrases: str) -> str:
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output and "sqlalchemy" not in output, output
    assert result.stdout == "", output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, output
    for phrase in phrases:
        assert phrase in lines[0], output
    return lines[0]


def garbage_store(home: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    store = home / "mlflow.db"
    store.write_bytes(os.urandom(20_000))
    return store


def register_title_model(home: Path, bundle: Path) -> str:
    """A real title normalizer fitted on the demo bundle, logged and aliased champion."""
    import mlflow

    from matching.ingest.bundle import Bundle
    from matching.nlp.titles import TitleNormalizer, fit_from_bundle
    from matching.settings import Settings
    from training import registry

    settings = Settings(home=home, bundle=bundle)
    model_dir = fit_from_bundle(Bundle(bundle)).save(home / "runs" / "titles")
    with mlflow.start_run(experiment_id=registry.experiment("store-test", settings)):
        ref = registry.log_model_directory(
            "pathmatch-titles", Path(model_dir), card="test title model"
        )
    resolved = registry.resolve("pathmatch-titles", settings=settings)
    assert TitleNormalizer.load(resolved.path).predict(["nurse aide"])[0]  # a usable model
    return ref.version


# ----------------------------------------------------------------------------- the CLI


def test_unreachable_http_store_is_one_line_and_exit_2(
    tmp_path: Path, bundle: Path, titles_file: Path
) -> None:
    uri = f"http://127.0.0.1:{free_port()}"  # a loopback port nothing listens on
    result = pathmatch(tmp_path, bundle, "titles", "--input", str(titles_file), uri=uri)
    line = assert_one_line_error(result, f"model store at {uri} unreachable after 3 tries")
    assert "no registered title model" not in line


def test_store_error_names_the_store_without_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The user's own MLflow retry setting wins; a password in the URI is never shown."""
    from matching.settings import Settings
    from training.registry import ModelStoreError, try_resolve

    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    port = free_port()
    settings = Settings(home=tmp_path, mlflow_tracking_uri=f"http://ops:s3cret@127.0.0.1:{port}")
    with pytest.raises(ModelStoreError) as caught:
        try_resolve("pathmatch-titles", settings)
    message = str(caught.value)
    assert f"model store at http://127.0.0.1:{port} unreachable after 1 tries" in message
    assert "s3cret" not in message and "ops" not in message


def test_deleted_champion_artifact_is_an_error_naming_the_model(
    tmp_path: Path, bundle: Path, titles_file: Path
) -> None:
    from matching.settings import Settings
    from training.registry import ModelStoreError, try_resolve

    version = register_title_model(tmp_path, bundle)
    shutil.rmtree(tmp_path / "mlartifacts")  # the store still says champion is there
    shutil.rmtree(tmp_path / "models")  # and no local copy was downloaded before
    with pytest.raises(
        ModelStoreError,
        match=r"pathmatch-titles@champion points at "
        r"artifacts that are missing: /",
    ):
        try_resolve("pathmatch-titles", Settings(home=tmp_path, bundle=bundle))
    result = pathmatch(tmp_path, bundle, "titles", "--input", str(titles_file))
    line = assert_one_line_error(
        result,
        "pathmatch-titles@champion points at artifacts that are missing",
        "re-train or re-register",
    )
    assert f"version {version}" in line and str(tmp_path / "mlartifacts") in line


def test_garbage_store_is_one_line_and_exit_2(
    tmp_path: Path, bundle: Path, titles_file: Path
) -> None:
    store = garbage_store(tmp_path)
    result = pathmatch(tmp_path, bundle, "titles", "--input", str(titles_file))
    assert_one_line_error(result, f"model store {store} is not a readable MLflow database")


def test_corrupt_sqlite_store_is_a_store_error(tmp_path: Path, bundle: Path) -> None:
    """A file that starts like SQLite but is damaged: still the store's fault, not 'none'."""
    from matching.settings import Settings
    from serving.engine import Engine
    from training.registry import SQLITE_HEADER, ModelStoreError

    (tmp_path / "mlflow.db").write_bytes(SQLITE_HEADER + os.urandom(8_192))
    engine = Engine.load(Settings(home=tmp_path, bundle=bundle))
    assert engine.model_problem is not None
    assert "is not a readable MLflow database" in engine.model_problem
    with pytest.raises(ModelStoreError):
        _ = engine.titles  # no title model fitted from the bundle instead
    assert not any("title model" in note for note in engine.notes)


def test_not_registered_falls_back_with_a_note(
    tmp_path: Path, bundle: Path, titles_file: Path
) -> None:
    from matching.settings import Settings
    from serving.engine import Engine

    result = pathmatch(tmp_path, bundle, "titles", "--input", str(titles_file))
    assert result.returncode == 0, result.stderr
    assert "note: no registered title model" in result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows[0]["candidates"][0]["code"] == "31-1131.00"  # nursing assistants

    engine = Engine.load(Settings(home=tmp_path, bundle=bundle))
    assert engine.models == {} and engine.model_problem is None
    assert engine.titles.predict(["forklift driver"])[0]
    assert any("no registered title model" in note for note in engine.notes)


# ----------------------------------------------------------------------------- the server


def test_serve_with_a_garbage_store_is_degraded_and_refuses_model_answers(
    tmp_path: Path, bundle: Path
) -> None:
    store = garbage_store(tmp_path)
    reason = f"model store {store} is not a readable MLflow database"
    with running_server(
        tmp_path, extra_env={"PATHMATCH_BUNDLE": str(bundle)}, ready=("degraded",)
    ) as server:
        health = httpx.get(f"{server.base_url}/v1/health", timeout=30.0)
        assert health.status_code == 503
        body = health.json()
        assert body["status"] == "degraded" and body["bundle_present"] is True
        assert reason in body["reason"] and body["models_loaded"] == []

        referral = httpx.post(
            f"{server.base_url}/v1/referrals", json=REFERRAL, headers=server.headers, timeout=60.0
        )
        assert referral.status_code == 503, referral.text
        answer = referral.json()
        assert reason in answer["detail"] and answer["meta"]["request_id"]
        assert "programs" not in answer and "referrals" not in answer

        version = httpx.get(f"{server.base_url}/v1/version", headers=server.headers, timeout=30.0)
        assert version.status_code == 200  # describing the service needs no model
        assert any(reason in note for note in version.json()["meta"]["notes"])

        spec = httpx.get(f"{server.base_url}/openapi.json", timeout=30.0).json()
        assert "503" in spec["paths"]["/v1/health"]["get"]["responses"]
        log = server.log()
    assert "Traceback" not in log and "sqlalchemy" not in log
