"""Shared fixtures. Real data lives beside the repo in ../shared/data.

Tests that need it take the ``shared_data`` fixture: locally it skips when the folder is
absent, but under CI (``CI=true``) a missing folder is a failure, so a broken checkout can
never pass by skipping its data tests.

The demo data is imported once per session (``demo_bundle``, read-only: copy it before
damaging it), and two homes are built once from it (``demo_home_template``: the bundle and
its saved skill pipeline; ``nlp_home_template``: plus the demo NLP models trained by
``pathmatch train nlp --demo``). Tests that write to a home take a copy of their own
(``template.copy(folder)``). The pytest-xdist workers share all three (tests/demo_homes.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
from demo_homes import HomeTemplate, built_once, session_root

REPO = Path(__file__).resolve().parents[1]
DEMO_DATA = REPO / "demo" / "data"
SHARED_DATA = Path(os.environ.get("PATHMATCH_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        message = f"real data folder {SHARED_DATA} is missing"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (required under CI=true)")
        pytest.skip(message)
    return SHARED_DATA


def pathmatch_cli(
    home: Path,
    *args: str,
    base: Mapping[str, str] | None = None,
    extra: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``pathmatch *args`` over ``home`` in a subprocess, as a user runs it.

    The environment is ``base`` (default: this process's) without a tracking URI or bundle
    of the caller's, plus ``extra``."""
    env = {**(os.environ if base is None else base), "PATHMATCH_HOME": str(home)}
    for name in ("MLFLOW_TRACKING_URI", "PATHMATCH_BUNDLE"):
        env.pop(name, None)
    env.update(extra or {})
    return subprocess.run(
        [sys.executable, "-m", "serving.cli", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=900,
    )


def three_block_score(output: Path) -> tuple[str, ...]:
    """``pathmatch score`` arguments for the demo caseload in three blocks: a one-block
    job is scored in process and never starts Ray."""
    caseload = REPO / "demo" / "data" / "participants" / "demo_caseload.csv"
    return ("score", "--input", str(caseload), "--output", str(output), "--block-size", "20")


def _checked(result: subprocess.CompletedProcess[str], what: str) -> None:
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed ({result.returncode}):\n{result.stderr[-3000:]}")


def _save_pipeline(home: Path, root: Path) -> None:
    """Build the home's skill pipeline once and save it under ``home/pipelines``.

    One line through ``pathmatch extract`` does it the way users' first command does; a
    copy of the home then loads the saved pipeline instead of building its own.
    """
    line = root / f"{home.name}.warm.jsonl"
    line.write_text('{"id": "w", "text": "forklift operator, inventory counts"}\n')
    _checked(
        pathmatch_cli(home, "extract", "--kind", "posting", "--input", str(line)),
        "building the demo skill pipeline",
    )
    assert any((home / "pipelines").iterdir()), "no pipeline was saved"


@pytest.fixture(scope="session")
def session_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder the xdist workers of this session share (templates are built there)."""
    return session_root(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="session")
def demo_bundle(session_dir: Path) -> Path:
    """The demo data imported once per session. Read-only: tests copy it to damage it."""
    from matching.ingest.importer import import_bundle

    return (
        built_once(
            session_dir, "demo_bundle", lambda folder: import_bundle(DEMO_DATA, folder / "bundle")
        )
        / "bundle"
    )


@pytest.fixture(scope="session")
def demo_home_template(session_dir: Path, demo_bundle: Path) -> HomeTemplate:
    """A home with the demo bundle and its saved skill pipeline, no models registered."""
    import shutil

    def build(home: Path) -> None:
        shutil.copytree(demo_bundle, home / "bundle")
        _save_pipeline(home, session_dir)

    return HomeTemplate(built_once(session_dir, "demo_home", build))


@pytest.fixture(scope="session")
def nlp_home_template(session_dir: Path, demo_home_template: HomeTemplate) -> HomeTemplate:
    """The demo home plus the demo NLP models (titles, linker, detector) as champions,
    trained by ``pathmatch train nlp --demo`` on Ray, and their saved learned pipeline."""

    def build(home: Path) -> None:
        demo_home_template.copy(home)
        _checked(pathmatch_cli(home, "train", "nlp", "--demo"), "pathmatch train nlp --demo")
        _save_pipeline(home, session_dir)

    return HomeTemplate(built_once(session_dir, "nlp_home", build))


@pytest.fixture(scope="session")
def api_server(
    tmp_path_factory: pytest.TempPathFactory, demo_home_template: HomeTemplate
):  # yields ApiServer
    """A real uvicorn serving the demo bundle with two test keys, TEST_KEY and OTHER_KEY
    (two users: the web app's analyst results belong to one key; see tests/api_server.py).

    It is yielded once ``/v1/health`` says ``ok``: the server warms its engine before it
    answers, so no test pays for the warm-up.
    """
    from api_server import OTHER_KEY, running_server

    home = demo_home_template.copy(tmp_path_factory.mktemp("api_home"))
    with running_server(home, also_accept=(OTHER_KEY,)) as server:
        yield server
