"""Ray that does not come up in time: retried with longer start-up waits, then one line.

No mock of Ray: a start-up wait of 0 s makes a real ``ray.init`` fail the way a loaded
machine does (the driver gives up waiting for the GCS server before it is ready), so the
retry path, the waits that reach the started node's processes, and the final message are
all Ray's own behaviour.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from conftest import pathmatch_cli, three_block_score

from training.ray_runtime import START_WAIT_VARIABLES, RayStartError, start_ray

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _local_only(monkeypatch: pytest.MonkeyPatch) -> None:
    if os.environ.get("RAY_ADDRESS"):
        pytest.skip("RAY_ADDRESS points at a cluster; these tests start a local node")
    for name in START_WAIT_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def _process_env(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace")
    return dict(item.split("=", 1) for item in raw.split("\0") if "=" in item)


def test_a_start_that_times_out_is_retried_with_longer_waits(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import ray
    from ray._private import ray_constants

    caplog.set_level(logging.WARNING, logger="training.ray_runtime")
    start_ray(num_cpus=1, waits=(0, 45), pause_s=0)
    try:
        assert ray.is_initialized()
        failed = [r.getMessage() for r in caplog.records if "failed" in r.getMessage()]
        assert len(failed) == 1 and "attempt 1 of 2 (start-up waits 0 s)" in failed[0]
        node = ray._private.worker._global_node
        for kind in (ray_constants.PROCESS_TYPE_GCS_SERVER, ray_constants.PROCESS_TYPE_RAYLET):
            env = _process_env(node.all_processes[kind][0].process.pid)
            assert {n: env.get(n) for n in START_WAIT_VARIABLES} == dict.fromkeys(
                START_WAIT_VARIABLES, "45"
            ), kind
        assert ray.get(ray.remote(lambda: 41 + 1).remote()) == 42
    finally:
        ray.shutdown()
    assert not any(n in os.environ for n in START_WAIT_VARIABLES), "waits leaked"


def test_a_wait_the_user_set_is_kept_and_named_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(START_WAIT_VARIABLES[0], "0")
    with pytest.raises(RayStartError) as failed:
        start_ray(num_cpus=1, waits=(60, 60), pause_s=0)
    message = str(failed.value)
    assert "\n" not in message
    assert "after 2 tries" in message
    assert f"your {START_WAIT_VARIABLES[0]}=0" in message
    assert "Timed out waiting for file" in message
    assert "overloaded" in message and f"{START_WAIT_VARIABLES[1]}=300" in message
    assert os.environ[START_WAIT_VARIABLES[0]] == "0"
    assert START_WAIT_VARIABLES[1] not in os.environ


def test_score_prints_the_start_failure_in_one_line_and_exits_2(tmp_path: Path) -> None:
    """The CLI end to end: Ray never comes up (every try with the user's 0 s wait)."""
    from test_batch import REPO

    from matching.ingest.importer import import_bundle

    home = tmp_path / "home"
    import_bundle(REPO / "demo" / "data", home / "bundle")
    # both waits at 0: with the GCS wait alone, a fast start on an idle machine once came up
    result = pathmatch_cli(
        home,
        *three_block_score(tmp_path / "out.parquet"),
        extra=dict.fromkeys(START_WAIT_VARIABLES, "0"),
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if "could not start" in line]
    assert len(lines) == 1 and "after 3 tries" in lines[0], result.stderr[-2000:]
    assert not (tmp_path / "out.parquet").exists()
