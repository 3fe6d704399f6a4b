"""Shared fixtures. Real data lives beside the repo in ../shared/data.

Tests that need it take the ``shared_data`` fixture: locally it skips when the folder is
absent, but under CI (``CI=true``) a missing folder is a failure, so a broken checkout can
never pass by skipping its data tests.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("PATHMATCH_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        message = f"real data folder {SHARED_DATA} is missing"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (required under CI=true)")
        pytest.skip(message)
    return SHARED_DATA


@pytest.fixture(scope="session")
def api_server(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - yields ApiServer
    """A real uvicorn serving the demo bundle with a test key (see tests/api_server.py)."""
    from api_server import demo_home, running_server

    with running_server(demo_home(tmp_path_factory.mktemp("api_home"))) as server:
        yield server
