"""A local Ray node holding participant data is reachable only from this machine, with a token.

Each test starts a real local Ray through ``ray_session`` (what ``score`` and ``train`` use)
and looks at it from outside: which addresses its processes listen on, and whether a
second process can join it with and without the session's token.
"""

from __future__ import annotations

import ipaddress
import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
from conftest import pathmatch_cli, three_block_score

from training.ray_runtime import RayStartError, ensure_local_token, ray_session

pytestmark = pytest.mark.slow

JOIN = (
    "import ray, sys\n"
    "ray.init(address=sys.argv[1], logging_level='ERROR')\n"
    "print('JOINED', ray.get(ray.remote(lambda: 41 + 1).remote()))\n"
)


def _listening_addresses() -> list[tuple[str, int, str]]:
    """``(ip, port, process name)`` for every socket this process tree listens on."""
    me = psutil.Process()
    pids = {me.pid, *(child.pid for child in me.children(recursive=True))}
    found = []
    for conn in psutil.net_connections(kind="inet"):
        if conn.status == psutil.CONN_LISTEN and conn.pid in pids:
            found.append((conn.laddr.ip, conn.laddr.port, psutil.Process(conn.pid).name()))
    return found


def _is_loopback(ip: str) -> bool:
    address = ipaddress.ip_address(ip)
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def _join(gcs_address: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", JOIN, gcs_address],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def _env_without_auth() -> dict[str, str]:
    return {
        k: v for k, v in os.environ.items() if not k.startswith("RAY_AUTH") and k != "RAY_ADDRESS"
    }


@pytest.fixture(scope="module")
def local_ray():  # yields the GCS address
    if os.environ.get("RAY_ADDRESS"):
        pytest.skip("RAY_ADDRESS points at a cluster; these tests are about a local node")
    import ray

    with ray_session(num_cpus=1):
        yield ray.get_runtime_context().gcs_address


def test_local_ray_listens_only_on_loopback(local_ray: str) -> None:
    listening = _listening_addresses()
    services = {name for _, _, name in listening}
    assert any("gcs_server" in name for name in services), listening
    assert any("raylet" in name for name in services), listening
    exposed = [entry for entry in listening if not _is_loopback(entry[0])]
    assert exposed == [], f"Ray listens beyond loopback: {exposed}"
    assert local_ray.startswith("127.0.0.1:")


def test_joining_without_the_token_is_refused(local_ray: str) -> None:
    """Ray keeps retrying a refused join for about 20 s before giving up; the refusal
    itself is logged within a second or two, so the test stops the joiner after 10 s."""
    try:
        refused = subprocess.run(
            [sys.executable, "-c", JOIN, local_ray],
            env=_env_without_auth(),
            capture_output=True,
            text=True,
            timeout=10,
        )
        stdout, stderr = refused.stdout, refused.stderr
        assert refused.returncode != 0
    except subprocess.TimeoutExpired as stopped:
        stdout, stderr = _text(stopped.stdout), _text(stopped.stderr)
    assert "JOINED" not in stdout
    assert "InvalidAuthToken" in stderr, stderr[-2000:]


def _text(output: bytes | str | None) -> str:
    return output.decode(errors="replace") if isinstance(output, bytes) else output or ""


def test_joining_with_the_token_works(local_ray: str) -> None:
    """The control for the refusal above: the same join with the token runs a task."""
    env = {
        **_env_without_auth(),
        "RAY_AUTH_MODE": "token",
        "RAY_AUTH_TOKEN": os.environ["RAY_AUTH_TOKEN"],
    }
    joined = _join(local_ray, env)
    assert joined.returncode == 0, joined.stderr[-2000:]
    assert "JOINED 42" in joined.stdout


def test_disabled_auth_is_refused_for_a_local_node(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    with pytest.raises(RayStartError, match="without authentication"):
        ensure_local_token()


def test_score_refuses_an_unauthenticated_local_node_in_one_line(tmp_path: Path) -> None:
    """A Ray start failure reaches the user as one line and exit 2, not a traceback."""
    from test_batch import REPO

    from matching.ingest.importer import import_bundle

    home = tmp_path / "home"
    import_bundle(REPO / "demo" / "data", home / "bundle")
    result = pathmatch_cli(
        home,
        *three_block_score(tmp_path / "out.parquet"),
        base=_env_without_auth(),
        extra={"RAY_AUTH_MODE": "disabled"},
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert any("without authentication" in line for line in lines), result.stderr
    assert not (tmp_path / "out.parquet").exists()
