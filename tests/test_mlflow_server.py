"""A shared MLflow server, for real: train and register through it, resolve from elsewhere.

The module starts ``mlflow server`` on 127.0.0.1 (a free port, a SQLite backend and a local
artifact folder served by the server itself), runs ``pathmatch train transitions --demo``
with ``MLFLOW_TRACKING_URI`` pointing at it, then, from a second process with a fresh
``PATHMATCH_HOME`` (only the bundle shared), ``pathmatch transitions`` resolves
``pathmatch-transitions@champion`` through the server, downloads it into its own home and
that copy is the server's files byte for byte. It is what the README's cluster section tells
a state to do with its MLflow server.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from demo_homes import HomeTemplate

REPO = Path(__file__).resolve().parents[1]
MLFLOW = Path(sys.executable).with_name("mlflow")
START_TIMEOUT_S = 120


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pathmatch(home: Path, uri: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``pathmatch *args`` over ``home`` with the shared store at ``uri``."""
    environment = {**os.environ, "PATHMATCH_HOME": str(home), "MLFLOW_TRACKING_URI": uri, **env}
    for name in ("PATHMATCH_BUNDLE", "RAY_ADDRESS", "MLFLOW_REGISTRY_URI"):
        if name not in env:
            environment.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "serving.cli", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=environment,
        timeout=600,
    )


def local_models(home: Path) -> set[str]:
    """Models registered in ``home``'s own SQLite store (none when it has no store)."""
    import sqlite3

    if not (home / "mlflow.db").is_file():
        return set()
    with sqlite3.connect(home / "mlflow.db") as db:
        return {row[0] for row in db.execute("select name from registered_models")}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``mlflow server`` on 127.0.0.1; yields its URI and its artifact folder."""
    root = tmp_path_factory.mktemp("mlflow_server")
    artifacts = root / "artifacts"
    port = free_port()
    log = (root / "server.log").open("w")
    process = subprocess.Popen(
        [
            str(MLFLOW),
            "server",
            "--backend-store-uri",
            f"sqlite:///{root / 'mlflow.db'}",
            "--artifacts-destination",
            str(artifacts),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=root,
        start_new_session=True,
    )
    uri = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            assert process.poll() is None, (root / "server.log").read_text()[-3000:]
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert time.monotonic() < deadline, "mlflow server did not start"
                time.sleep(0.5)
        yield uri, artifacts
    finally:
        os.killpg(process.pid, 15)  # its own session: the server and its workers only
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def trained(
    server: tuple[str, Path],
    tmp_path_factory: pytest.TempPathFactory,
    demo_home_template: HomeTemplate,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    uri, _ = server
    home = demo_home_template.copy(tmp_path_factory.mktemp("trainer_home"))
    result = pathmatch(home, uri, "train", "transitions", "--demo")
    assert result.returncode == 0, result.stderr[-3000:]
    return home, result


def test_training_registers_on_the_server_not_in_the_home(
    server: tuple[str, Path], trained: tuple[Path, subprocess.CompletedProcess[str]]
) -> None:
    uri, artifacts = server
    home, result = trained
    assert "registered pathmatch-transitions version 1 as champion" in result.stderr
    assert "pathmatch-transitions" not in local_models(home), "registered in the home's store"
    query = urllib.parse.urlencode({"name": "pathmatch-transitions", "alias": "champion"})
    with urllib.request.urlopen(
        f"{uri}/api/2.0/mlflow/registered-models/alias?{query}", timeout=30
    ) as answer:
        version = json.load(answer)["model_version"]
    assert version["version"] == "1"
    assert "bundle" in version.get("description", "").lower()
    logged = [p for p in artifacts.rglob("*") if p.is_file()]
    assert any(p.name == "model_card.md" for p in logged), "no artifact reached the server"


def test_champion_resolves_from_a_fresh_home_in_another_process(
    server: tuple[str, Path],
    trained: tuple[Path, subprocess.CompletedProcess[str]],
    tmp_path: Path,
) -> None:
    uri, artifacts = server
    home, _ = trained
    fresh = tmp_path / "fresh_home"
    fresh.mkdir()
    args = ("transitions", "--from", "31-1131.00", "--top-k", "5")
    there = pathmatch(fresh, uri, *args, PATHMATCH_BUNDLE=str(home / "bundle"))
    assert there.returncode == 0, there.stderr[-3000:]
    downloaded = fresh / "models" / "pathmatch-transitions" / "1"
    assert (downloaded / ".complete").is_file(), "the champion was not fetched from the server"
    assert local_models(fresh) == set()
    assert "transitions from 31-1131" in there.stdout
    # the fresh home's copy is the server's: the same files, byte for byte
    copy = {p.name: p.read_bytes() for p in downloaded.rglob("*") if p.is_file()}
    served = {p.name: p.read_bytes() for p in artifacts.rglob("*") if p.is_file()}
    shared = set(copy) & set(served)
    assert "model_card.md" in shared and len(shared) >= 3
    assert all(copy[name] == served[name] for name in shared)
