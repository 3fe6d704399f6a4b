"""A local pathmatch API server in a subprocess: start, wait until healthy, stop.

``running_server(home, key=...)`` starts ``pathmatch serve`` (the entry point users run)
on a free loopback port, waits until ``/v1/health`` says ``ok`` (the engine is warmed; a
``ready`` option names other statuses), yields an :class:`ApiServer` and stops the process
whatever happens. The server's output goes to a file, so a caller can read what it logged
(``server.log()``) without a pipe filling up. The demo (``demo/demo_api.py``), the API
tests and ``experiments/bench_api.py`` all start servers this one way.
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


@contextmanager
def running_server(
    home: Path,
    *,
    key: str,
    also_accept: tuple[str, ...] = (),
    extra_env: dict[str, str] | None = None,
    timeout: float = 180.0,
    log_dir: Path | None = None,
    ready: tuple[str, ...] = ("ok",),
) -> Iterator[ApiServer]:
    """Start ``pathmatch serve`` over ``home`` (which must hold a bundle); stop it after.

    The server accepts ``key`` (the one ``ApiServer.headers`` sends) and ``also_accept``
    (other users' keys). ``extra_env`` may set ``PATHMATCH_BUNDLE`` (models from ``home``,
    data from elsewhere); the log goes to ``log_dir`` (default ``home``). ``ready`` lists the
    health statuses to wait for: a test of a degraded server waits for ``("degraded",)``,
    answered with 503.
    """
    port = free_port()
    env = {
        **os.environ,
        "PATHMATCH_HOME": str(home),
        "PATHMATCH_API_KEYS": ",".join((key, *also_accept)),
        **(extra_env or {}),
    }
    for name in (
        "MLFLOW_TRACKING_URI",
        "PATHMATCH_BUNDLE",
        "PATHMATCH_API_KEY_FILE",
        "PATHMATCH_API_INSECURE",
    ):
        if name not in (extra_env or {}):
            env.pop(name, None)
    log_path = (log_dir or home) / f"server-{port}.log"
    with open(log_path, "wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "serving.cli", "serve", "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    server = ApiServer(f"http://127.0.0.1:{port}", key, home, log_path, process)
    try:
        _wait_healthy(server, timeout, ready)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_healthy(server: ApiServer, timeout: float, ready: tuple[str, ...] = ("ok",)) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise ServerFailed(
                f"server exited with {server.process.returncode}:\n{server.log()[-3000:]}"
            )
        try:
            reply = httpx.get(f"{server.base_url}/v1/health", timeout=2.0)
            if reply.status_code in (200, 503) and reply.json().get("status") in ready:
                return
        except (httpx.TransportError, ValueError):
            pass
        time.sleep(0.25)
    raise ServerFailed(f"server not healthy after {timeout:.0f} s:\n{server.log()[-3000:]}")
