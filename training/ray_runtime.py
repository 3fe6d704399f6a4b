"""Starting and stopping Ray the same way everywhere: local by default, a cluster on request.

``RAY_ADDRESS`` set means "join that cluster" (one on this machine's loopback,
``127.0.0.1:PORT``, is joined on loopback: ``is_loopback_address``); unset means a local
Ray with one CPU per core of this machine (or ``num_cpus``). Training, tuning and batch
scoring all go through ``ray_session`` so the same code runs on a laptop, this 2-core box or
a cluster. Nodes of a cluster need pathmatch installed (``pip install`` of this project),
as with any Ray job.

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
startup", or a timed-out wait for the GCS port file). Ray 2.60's start-up waits
(``ray/_private/node.py`` and the core worker) are:

- ``RAY_gcs_server_port_wait_time_s`` (default 30): how long the driver waits for the GCS
  server to write its port file, and how many ~1 s tries it makes to connect to the GCS;
- ``RAY_raylet_start_wait_time_s`` (default 30): how long the driver's core worker waits
  for the new node to be registered in the GCS;
- the node's own wait for the raylet to register (``Node.__init__``) is a fixed 30 s with no
  setting, so only a new attempt gives it more time.

``start_ray`` sets the first two to ``START_WAITS_S[attempt]`` (60, 120, 180 s: twice Ray's
default on the first try, longer on each retry) for the ``ray.init`` call only (the node's
processes inherit them when they are spawned); a value the user set is kept as is. After
the last attempt it raises ``RayStartError`` with one line saying what to do, which the CLI
prints without a traceback (exit 2).
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

LOCAL_ONLY_VARIABLE = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
START_WAITS_S: tuple[int, ...] = (60, 120, 180)
"""Ray's start-up waits per attempt (its default is 30 s); their number is the attempts."""
START_WAIT_VARIABLES = ("RAY_gcs_server_port_wait_time_s", "RAY_raylet_start_wait_time_s")
RETRY_PAUSE_S = 5.0

log = logging.getLogger(__name__)


class RayStartError(RuntimeError):
    """Ray could not start (or join the cluster); the message says what to try."""


DRIVER = "driver"
"""The node name of work done outside Ray (in the ``pathmatch`` process itself)."""


def node_id() -> str:
    """The Ray node this process runs on (:data:`DRIVER` outside Ray): what batch blocks,
    ingest partitions and search trials record, so a test can see where each ran."""
    import sys

    if "ray" not in sys.modules:  # never import Ray just to say it is not running
        return DRIVER
    import ray

    return ray.get_runtime_context().get_node_id() if ray.is_initialized() else DRIVER


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
            "unset it (pathmatch turns token authentication on) or set RAY_AUTH_MODE=token"
        )
    if not os.environ.get("RAY_AUTH_TOKEN_PATH"):
        os.environ.setdefault("RAY_AUTH_TOKEN", secrets.token_hex(32))


def pin_to_loopback() -> None:
    """Make a local Ray node use 127.0.0.1 for every address and listening port.

    Ray reads the switch when ``ray`` is first imported, and the processes it starts read
    it from the environment; if ``ray`` was imported before, its constant is set too.
    """
    import sys

    os.environ[LOCAL_ONLY_VARIABLE] = "0"
    constants: Any = sys.modules.get("ray._private.ray_constants")
    if constants is not None:
        constants.ENABLE_RAY_CLUSTER = False


def is_loopback_address(address: str) -> bool:
    """Is ``RAY_ADDRESS`` a cluster on this machine's loopback (``127.0.0.1:6379``)?

    Ray turns a loopback address into the machine's reachable IP before it connects (so
    ``ray.init`` would look for the cluster on an interface it does not listen on); a
    cluster whose nodes listen on 127.0.0.1 only is joined on 127.0.0.1, as a local
    node is (``pin_to_loopback``).
    """
    import ipaddress

    host = address.removeprefix("ray://").rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _init_options(address: str | None, num_cpus: int | None) -> dict[str, Any]:
    options: dict[str, Any] = {
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


@contextmanager
def start_waits(seconds: int) -> Iterator[dict[str, str]]:
    """Ray's start-up waits set to ``seconds`` while the block runs (see the module
    docstring); a variable the user set is left alone. Yields the values in effect."""
    previous = {name: os.environ.get(name) for name in START_WAIT_VARIABLES}
    for name, value in previous.items():
        if value is None:
            os.environ[name] = str(seconds)
    try:
        yield {name: os.environ[name] for name in START_WAIT_VARIABLES}
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)


def start_ray(
    num_cpus: int | None = None,
    waits: Sequence[int] = START_WAITS_S,
    pause_s: float = RETRY_PAUSE_S,
) -> None:
    """``ray.init`` once per entry of ``waits``, each with longer start-up waits;
    ``RayStartError`` (one line) when it never comes up."""
    address = os.environ.get("RAY_ADDRESS") or None
    if address is None:
        ensure_local_token()
        pin_to_loopback()
    elif is_loopback_address(address):
        pin_to_loopback()
    import ray

    options = _init_options(address, num_cpus)
    attempts = len(waits)
    last: Exception | None = None
    for attempt, seconds in enumerate(waits, start=1):
        try:
            with start_waits(seconds):
                ray.init(address=address, **options)
            return
        except Exception as exc:  # Ray raises bare Exception/RuntimeError on start failures
            last = exc
            ray.shutdown()  # clean up half-started processes before the next try
            log.warning(
                "Ray start attempt %d of %d (start-up waits %d s) failed: %s",
                attempt,
                attempts,
                seconds,
                _first_line(exc),
            )
            if attempt < attempts:
                time.sleep(pause_s * attempt)
    raise RayStartError(_start_failure(address, attempts, max(waits, default=0), last)) from last


def _start_failure(
    address: str | None, attempts: int, longest: int, cause: BaseException | None
) -> str:
    """The one line a user sees: what failed, why (Ray's first line), what to do."""
    if address:
        return (
            f"could not join the Ray cluster at {address} after {attempts} tries "
            f"({_first_line(cause)}); check that the cluster is up and RAY_ADDRESS is "
            "right"
        )
    mine = [n for n in START_WAIT_VARIABLES if n in os.environ]
    waits = (
        f"your {' and '.join(f'{n}={os.environ[n]}' for n in mine)}"
        if mine
        else f"start-up waits up to {longest} s"
    )
    return (
        f"could not start a local Ray node after {attempts} tries with {waits} "
        f"({_first_line(cause)}); the machine is probably overloaded: rerun when other "
        f"jobs have finished, or allow a longer start with "
        f"{START_WAIT_VARIABLES[0]}=300 {START_WAIT_VARIABLES[1]}=300"
    )


def _first_line(exc: BaseException | None) -> str:
    text = str(exc).strip() if exc is not None else ""
    return (text.splitlines() or [type(exc).__name__])[0][:200]


@contextmanager
def ray_session(num_cpus: int | None = None) -> Iterator[dict[str, float]]:
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
