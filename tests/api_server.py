"""A real pathmatch API server for tests and benchmarks: uvicorn in a subprocess.

``running_server(home)`` starts ``pathmatch serve`` (the same entry point users run) on a
free loopback port with a test API key, waits until ``/v1/health`` says ``ok`` (the engine
is warmed), yields an :class:`ApiServer` and stops the process. The server's stderr goes to
a file so a test can read what it logged (``server.log()``) without a pipe filling up.

Without registered models in ``PATHMATCH_HOME`` the engine falls back (titles fitted from
the bundle, no outcome or transition model), which keeps start-up to seconds.
``experiments/bench_api.py`` uses this module too.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
DEMO_DATA = REPO / "demo" / "data"
TEST_KEY = "test-key-6f1c2b"  # not a secret: only ever accepted by servers tests start


class ServerFailed(RuntimeError):
    """The server exited or never became healthy; the message has its log tail."""


@dataclass
class ApiServer:
    base_url: str
    key: str
    home: Path
    log_path: Path
    process: subprocess.Popen[bytes]

    @property
    def headers(self) -> dict[str, str]:
        return {"X-API-Key": self.key}

    def log(self) -> str:
        """Everything the server wrote to stderr and stdout so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def demo_home(home: Path) -> Path:
    """``home`` with the demo data imported into ``home/bundle`` (done once)."""
    from matching.importer import import_bundle

    if not (home / "bundle" / "manifest.json").is_file():
        import_bundle(DEMO_DATA, home / "bundle")
    return home


@contextmanager
def running_server(home: Path, *, key: str = TEST_KEY, extra_env: dict[str, str] | None = None,
                   timeout: float = 180.0, log_dir: Path | None = None
                   ) -> Iterator[ApiServer]:
    """Start ``pathmatch serve`` over ``home`` (which must hold a bundle); stop it after.

    ``extra_env`` may set ``PATHMATCH_BUNDLE`` (models from ``home``, data from elsewhere);
    the log goes to ``log_dir`` (default ``home``).
    """
    port = free_port()
    env = {**os.environ, "PATHMATCH_HOME": str(home), "PATHMATCH_API_KEYS": key,
           **(extra_env or {})}
    for name in ("MLFLOW_TRACKING_URI", "PATHMATCH_BUNDLE", "PATHMATCH_API_KEY_FILE",
                 "PATHMATCH_API_INSECURE"):
        if name not in (extra_env or {}):
            env.pop(name, None)
    log_path = (log_dir or home) / f"server-{port}.log"
    with open(log_path, "wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "serving.cli", "serve", "--port", str(port)],
            cwd=REPO, env=env, stdout=sink, stderr=subprocess.STDOUT)
    server = ApiServer(f"http://127.0.0.1:{port}", key, home, log_path, process)
    try:
        _wait_healthy(server, timeout)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_healthy(server: ApiServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise ServerFailed(f"server exited with {server.process.returncode}:\n"
                               f"{server.log()[-3000:]}")
        try:
            reply = httpx.get(f"{server.base_url}/v1/health", timeout=2.0)
            if reply.status_code == 200 and reply.json().get("status") == "ok":
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise ServerFailed(f"server not healthy after {timeout:.0f} s:\n{server.log()[-3000:]}")
