"""Starting and stopping Ray the same way everywhere: local by default, a cluster on request.

``RAY_ADDRESS`` set means "join that cluster"; unset means a local Ray with one CPU per core
of this machine (or ``num_cpus``). Training, tuning and batch scoring all go through
``ray_session`` so the same code runs on a laptop, this 2-core box or a cluster. Nodes of a
cluster need pathmatch installed (``pip install`` of this project), as with any Ray job.

A local Ray holds participant data (batch scoring) and runs whatever code a client sends it,
so it is locked down before it starts:

- **Token authentication is always on.** Every Ray gRPC service refuses a caller without
  the session's token. pathmatch generates a random token per process and hands it to the
  Ray processes it starts through the environment (``RAY_AUTH_TOKEN``), so no token file is
  written to disk. A token the user already set (``RAY_AUTH_TOKEN`` or
  ``RAY_AUTH_TOKEN_PATH``) is kept. ``RAY_AUTH_MODE=disabled`` set by hand is refused for a
  local node: there is no reason to run participant data on an open node.
- **Every port is on 127.0.0.1.** Ray binds its gRPC servers (GCS, raylet, core workers,
  agents) to the node's IP, and ``ray.init`` turns a loopback ``_node_ip_address`` back
  into the machine's reachable IP. Ray's own switch for a single-machine node is
  ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` (what it does by default on desktops: "no
  cluster, use the loopback IP"); pathmatch sets it for local nodes, so nothing listens on
  another interface. The README's cluster section says how to secure a real cluster
  (token, firewall, TLS).
- **No dashboard, no Ray client server**: nothing else listens.

Ray sometimes fails to come up on a loaded machine ("The current node timed out during
startup": its 30 s raylet wait is fixed). ``ray_session`` retries a few times, then raises
``RayStartError`` with one line saying what to do, which the CLI prints without a traceback.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager

LOCAL_ONLY_VARIABLE = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
START_ATTEMPTS = 3
RETRY_PAUSE_S = 5.0

log = logging.getLogger(__name__)


class RayStartError(RuntimeError):
    """Ray could not start (or join the cluster); the message says what to try."""


def local_cpus() -> int:
    return max(1, os.cpu_count() or 1)


def ensure_local_token() -> None:
    """Make sure a local Ray starts with token authentication and a token of ours.

    Ray 2.x turns token auth on for a new local cluster when ``RAY_AUTH_MODE`` is unset and
    then writes a token to ``~/.ray/auth_token`` if it finds none; setting
    ``RAY_AUTH_TOKEN`` first keeps the token in this process and its children only. The
    token must stay the same for the whole process (Ray caches it), hence ``setdefault``.
    """
    mode = os.environ.get("RAY_AUTH_MODE", "").strip().lower()
    if mode and mode != "token":
        raise RayStartError(
            f"RAY_AUTH_MODE={mode} would start a local Ray node without authentication; "
            "unset it (pathmatch turns token authentication on) or set RAY_AUTH_MODE=token")
    if not os.environ.get("RAY_AUTH_TOKEN_PATH"):
        os.environ.setdefault("RAY_AUTH_TOKEN", secrets.token_hex(32))


def pin_to_loopback() -> None:
    """Make a local Ray node use 127.0.0.1 for every address and listening port.

    Ray reads the switch when ``ray`` is first imported, and the processes it starts read
    it from the environment; if ``ray`` was imported before, its constant is set too.
    """
    import sys

    os.environ[LOCAL_ONLY_VARIABLE] = "0"
    constants = sys.modules.get("ray._private.ray_constants")
    if constants is not None:
        constants.ENABLE_RAY_CLUSTER = False


def _init_options(address: str | None, num_cpus: int | None) -> dict[str, object]:
    options: dict[str, object] = {
        "include_dashboard": False,
        "log_to_driver": False,
        "logging_level": "ERROR",
        "configure_logging": True,
    }
    if address is None:
        options["num_cpus"] = num_cpus or local_cpus()
        # Ray's object store defaults to 30% of RAM; a bounded store keeps peaks honest.
        options["object_store_memory"] = 512 * 1024 * 1024
    return options


def start_ray(num_cpus: int | None = None, attempts: int = START_ATTEMPTS) -> None:
    """``ray.init`` with retries; ``RayStartError`` (one line) when it never comes up."""
    address = os.environ.get("RAY_ADDRESS") or None
    if address is None:
        ensure_local_token()
        pin_to_loopback()
    import ray

    options = _init_options(address, num_cpus)
    last: Exception | None = None
    for attempt in range(1, attempts + 1):
        try:
            ray.init(address=address, **options)
            return
        except Exception as exc:  # Ray raises bare Exception/RuntimeError on start failures
            last = exc
            ray.shutdown()  # clean up half-started processes before the next try
            log.warning("Ray start attempt %d of %d failed: %s", attempt, attempts,
                        _first_line(exc))
            if attempt < attempts:
                time.sleep(RETRY_PAUSE_S * attempt)
    where = f"the Ray cluster at {address}" if address else "a local Ray node"
    hint = ("check that the cluster is up and RAY_ADDRESS is right" if address else
            "the machine may be overloaded: wait for other jobs to finish and rerun")
    raise RayStartError(f"could not start {where} after {attempts} tries "
                        f"({_first_line(last)}); {hint}") from last


def _first_line(exc: BaseException | None) -> str:
    text = str(exc).strip() if exc is not None else ""
    return (text.splitlines() or [type(exc).__name__])[0][:200]


@contextmanager
def ray_session(num_cpus: int | None = None) -> Iterator[dict[str, object]]:
    """Initialise Ray (unless already running), yield its resources, shut down what we began."""
    import ray

    started = False
    if not ray.is_initialized():
        start_ray(num_cpus)
        started = True
    try:
        yield ray.cluster_resources()
    finally:
        if started:
            ray.shutdown()
