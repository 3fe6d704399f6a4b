"""A real two-node Ray cluster and a real MLflow server on 127.0.0.1, used as a state would.

The module starts a head (``ray start --head``) and a second node joined to it
(``ray start --address``), each with one CPU, its own temp dir and free ports, token
authentication on (``RAY_AUTH_MODE=token`` and one ``RAY_AUTH_TOKEN`` for both nodes and
every driver, as the README's cluster section says) and every port on loopback; and
``mlflow server`` (a SQLite backend, a local artifact folder served by the server). Every
command gets ``MLFLOW_TRACKING_URI`` pointing at the server, and the cluster ones
``RAY_ADDRESS`` pointing at the head:

* ``pathmatch train transitions --demo`` trains on the cluster and registers on the server
  (not in the home's own store); a second process with a fresh ``PATHMATCH_HOME`` (only the
  bundle shared) resolves ``pathmatch-transitions@champion`` through the server and its
  downloaded copy is the server's files byte for byte;
* ``pathmatch score`` scores the demo caseload in four blocks with two actors:
  ``.meta.json`` records the Ray node of every block, both nodes must have scored, and the
  referrals must equal those of a local run of the same home (scored in process);
* ``pathmatch ingest-postings`` (the demo feed, rules extraction, two actors: one per node,
  since each takes a node's only CPU) writes the same postings, posting skills and
  duplicate clusters as a local one-worker run (in process, no Ray).

The cluster is stopped by ending the two ``ray start --block`` process groups (then any
process still naming the cluster's temp dir): never ``ray stop``, which would end every Ray
on the machine, including other test workers'.

Loopback on one machine: Ray's ``ray start --address`` and ``--node-ip-address`` turn
``127.0.0.1`` into the machine's reachable IP (``resolve_ip_for_localhost``), and the
second node would then listen on every interface. Its addresses are written as the
IPv4-mapped ``::ffff:127.0.0.1``, which is the same loopback address and which Ray does not
rewrite; the head's GCS listens on a dual-stack socket, so the node reaches it. The test
checks that every listening socket of the cluster's processes is on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import psutil
import pytest
from demo_homes import HomeTemplate

REPO = Path(__file__).resolve().parents[1]
RAY = Path(sys.executable).with_name("ray")
MLFLOW = Path(sys.executable).with_name("mlflow")
LOCAL_ONLY = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
"""Set to 0 by ray_runtime for local nodes (in os.environ); never passed to a joining node."""
CASELOAD = REPO / "demo" / "data" / "participants" / "demo_caseload.csv"
START_TIMEOUT_S = 180


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Cluster:
    address: str
    token: str
    root: Path
    nodes: list[subprocess.Popen[bytes]]

    def processes(self) -> list[psutil.Process]:
        """Every process of this cluster: the ``ray start`` commands and what names its
        temp dir (GCS, raylets, agents, workers); other Ray instances are not touched."""
        found = []
        for process in psutil.process_iter(["cmdline"]):
            try:
                cmdline = process.info["cmdline"] or []
            except psutil.Error:
                continue
            if process.pid != os.getpid() and any(str(self.root) in part for part in cmdline):
                found.append(process)
        return found

    def stop(self) -> None:
        for node in reversed(self.nodes):
            if node.poll() is None:
                os.killpg(node.pid, signal.SIGTERM)  # its own session: this node only
        for node in self.nodes:
            try:
                node.wait(timeout=5)  # a node drains for up to 30 s; nothing is left to drain
            except subprocess.TimeoutExpired:
                os.killpg(node.pid, signal.SIGKILL)
                node.wait()
        for process in self.processes():
            try:
                process.kill()
            except psutil.Error:
                pass


def node_options(folder: Path, ip: str) -> list[str]:
    return [
        "--node-ip-address",
        ip,
        "--num-cpus",
        "1",
        "--object-store-memory",
        str(100 * 1024 * 1024),
        "--temp-dir",
        str(folder),
        "--include-log-monitor",
        "false",
        "--disable-usage-stats",
        "--block",
        *(
            part
            for flag in (
                "--node-manager-port",
                "--object-manager-port",
                "--dashboard-agent-listen-port",
                "--dashboard-agent-grpc-port",
                "--runtime-env-agent-port",
                "--metrics-export-port",
            )
            for part in (flag, str(free_port()))
        ),
    ]


JOIN_ON_LOOPBACK = (
    "import sys, ray._private.services as services; "
    "services.resolve_ip_for_localhost = lambda host: host; "
    "from ray.scripts.scripts import main; sys.argv[0] = 'ray'; main()"
)
"""``ray start`` as the ``ray`` command runs it, with Ray's loopback rewrite turned off."""


def start_node(
    args: list[str], log: Path, env: dict[str, str], command: list[str] | None = None
) -> subprocess.Popen[bytes]:
    with log.open("wb") as handle:
        return subprocess.Popen(
            [*(command or [str(RAY)]), "start", *args],
            stdout=handle,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )


def wait_for(node: subprocess.Popen[bytes], log: Path, deadline: float) -> None:
    """Until ``ray start --block`` says the node is up."""
    while "Ray runtime started" not in log.read_text(errors="replace"):
        assert node.poll() is None, log.read_text(errors="replace")[-3000:]
        assert time.monotonic() < deadline, f"Ray node did not start: {log}"
        time.sleep(0.5)


@dataclass
class Server:
    uri: str
    artifacts: Path


@pytest.fixture(scope="module")
def server_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Any]]:
    """``mlflow server`` on 127.0.0.1, started before the cluster so both start together."""
    root = tmp_path_factory.mktemp("mlflow_server")
    port = free_port()
    log = (root / "server.log").open("w")
    command = [
        str(MLFLOW),
        "server",
        "--backend-store-uri",
        f"sqlite:///{root / 'mlflow.db'}",
        "--artifacts-destination",
        str(root / "artifacts"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, cwd=root, start_new_session=True
    )
    try:
        yield Server(f"http://127.0.0.1:{port}", root / "artifacts"), (process, root, port)
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # its own session: the server and its workers
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def server(server_process: tuple[Server, Any], cluster: Cluster) -> Server:
    """The MLflow server, once it accepts connections (it migrates its store first)."""
    found, (process, root, port) = server_process
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        assert process.poll() is None, (root / "server.log").read_text()[-3000:]
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return found
        except OSError:
            assert time.monotonic() < deadline, "mlflow server did not start"
            time.sleep(0.5)


@pytest.fixture(scope="module")
def cluster(server_process: tuple[Server, Any]) -> Iterator[Cluster]:
    # Short path: Ray's socket paths must stay under the 107-byte Unix limit.
    root = Path(tempfile.mkdtemp(prefix="pmrc", dir="/tmp"))
    token = secrets.token_hex(32)
    env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": token}
    # a local Ray started earlier in this worker process (ray_runtime) leaves
    # RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 in os.environ: a joining node must not inherit it
    for name in ("RAY_ADDRESS", "RAY_AUTH_TOKEN_PATH", "RAY_TMPDIR", LOCAL_ONLY):
        env.pop(name, None)
    port = free_port()
    deadline = time.monotonic() + START_TIMEOUT_S
    started = Cluster(f"127.0.0.1:{port}", token, root, [])
    try:
        head_log = root / "head.log"
        head = start_node(
            ["--head", "--port", str(port), "--include-dashboard", "false"]
            + node_options(root / "head", "127.0.0.1"),
            head_log,
            # the head may keep loopback itself (no node is refused here)
            {**env, LOCAL_ONLY: "0"},
        )
        started.nodes.append(head)
        wait_for(head, head_log, deadline)
        node_log = root / "node.log"
        node = start_node(
            ["--address", f"127.0.0.1:{port}"] + node_options(root / "node", "127.0.0.1"),
            node_log,
            env,
            [sys.executable, "-c", JOIN_ON_LOOPBACK],
        )
        started.nodes.append(node)
        wait_for(node, node_log, deadline)
        yield started
    finally:
        started.stop()
        assert started.processes() == [], "cluster processes left running"
        subprocess.run(["rm", "-rf", str(root)], check=False)


def pathmatch(
    home: Path, server: Server, cluster: Cluster | None, *args: str, **extra: str
) -> subprocess.CompletedProcess[str]:
    """``pathmatch *args`` over ``home`` with the server's store, on ``cluster`` if given."""
    env = {**os.environ, "PATHMATCH_HOME": str(home)}
    for name in (
        "MLFLOW_REGISTRY_URI",
        "PATHMATCH_BUNDLE",
        "PATHMATCH_BATCH_IN_PROCESS",
        "PATHMATCH_INGEST_IN_PROCESS",
        "RAY_ADDRESS",
        "RAY_AUTH_TOKEN_PATH",
        LOCAL_ONLY,
    ):
        env.pop(name, None)
    env.update(MLFLOW_TRACKING_URI=server.uri, **extra)
    if cluster is not None:
        env.update(RAY_ADDRESS=cluster.address, RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=cluster.token)
    return subprocess.run(
        [sys.executable, "-m", "serving.cli", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=900,
    )


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, demo_home_template: HomeTemplate) -> Path:
    return demo_home_template.copy(tmp_path_factory.mktemp("cluster_home"))


@pytest.fixture(scope="module")
def trained(cluster: Cluster, server: Server, home: Path) -> subprocess.CompletedProcess[str]:
    result = pathmatch(home, server, cluster, "train", "transitions", "--demo")
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def scored(
    cluster: Cluster,
    server: Server,
    home: Path,
    trained: subprocess.CompletedProcess[str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    output = tmp_path_factory.mktemp("cluster_out") / "referrals.parquet"
    args = ("score", "--input", str(CASELOAD), "--output", str(output), "--top-k", "5")
    result = pathmatch(home, server, cluster, *args, "--block-size", "11", "--workers", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    return output


def test_cluster_listens_on_loopback_only(cluster: Cluster) -> None:
    listening = {
        (conn.laddr.ip, conn.laddr.port)
        for process in cluster.processes()
        for conn in _connections(process)
        if conn.status == psutil.CONN_LISTEN
    }
    assert listening, "no listening socket found for the cluster"
    assert {ip for ip, _ in listening} <= {"127.0.0.1", "::ffff:127.0.0.1"}, listening


def _connections(process: psutil.Process) -> list[Any]:
    try:
        return list(process.net_connections(kind="inet"))
    except psutil.Error:
        return []


def local_models(home: Path) -> set[str]:
    """Models registered in ``home``'s own SQLite store (none when it has no store)."""
    import sqlite3

    if not (home / "mlflow.db").is_file():
        return set()
    with sqlite3.connect(home / "mlflow.db") as db:
        return {row[0] for row in db.execute("select name from registered_models")}


def test_training_runs_on_the_cluster_and_registers_on_the_server_not_in_the_home(
    trained: subprocess.CompletedProcess[str], server: Server, home: Path
) -> None:
    assert "registered pathmatch-transitions version 1 as champion" in trained.stderr
    assert "pathmatch-transitions" not in local_models(home), "registered in the home's store"
    query = urllib.parse.urlencode({"name": "pathmatch-transitions", "alias": "champion"})
    with urllib.request.urlopen(
        f"{server.uri}/api/2.0/mlflow/registered-models/alias?{query}", timeout=30
    ) as answer:
        version = json.load(answer)["model_version"]
    assert version["version"] == "1"
    assert "bundle" in version.get("description", "").lower()
    logged = [p for p in server.artifacts.rglob("*") if p.is_file()]
    assert any(p.name == "model_card.md" for p in logged), "no artifact reached the server"
    # the search's trials (Ray tasks of one CPU, on nodes of one CPU) ran on both nodes
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=server.uri)
    experiments = [e.experiment_id for e in client.search_experiments()]
    trials = [run for run in client.search_runs(experiments) if "trial.index" in run.data.tags]
    nodes = {run.data.tags.get("trial.ray_node", "") for run in trials}
    assert len(trials) >= 2 and len(nodes) == 2 and "" not in nodes, nodes


def test_champion_resolves_from_a_fresh_home_in_another_process(
    server: Server, home: Path, trained: subprocess.CompletedProcess[str], tmp_path: Path
) -> None:
    fresh = tmp_path / "fresh_home"
    fresh.mkdir()
    args = ("transitions", "--from", "31-1131.00", "--top-k", "5")
    there = pathmatch(fresh, server, None, *args, PATHMATCH_BUNDLE=str(home / "bundle"))
    assert there.returncode == 0, there.stderr[-3000:]
    downloaded = fresh / "models" / "pathmatch-transitions" / "1"
    assert (downloaded / ".complete").is_file(), "the champion was not fetched from the server"
    assert local_models(fresh) == set()
    assert "transitions from 31-1131" in there.stdout
    # the fresh home's copy is the server's: the same files, byte for byte
    copy = {p.name: p.read_bytes() for p in downloaded.rglob("*") if p.is_file()}
    served = {p.name: p.read_bytes() for p in server.artifacts.rglob("*") if p.is_file()}
    shared = set(copy) & set(served)
    assert "model_card.md" in shared and len(shared) >= 3
    assert all(copy[name] == served[name] for name in shared)


def test_score_runs_on_both_nodes_and_equals_a_local_run(
    scored: Path, server: Server, home: Path, tmp_path: Path
) -> None:
    meta = json.loads(scored.with_name(scored.name + ".meta.json").read_text())
    nodes = meta["nodes"]
    assert sum(nodes.values()) == 4 and "driver" not in nodes
    assert len(nodes) == 2, f"blocks were scored on {len(nodes)} node(s): {nodes}"
    assert meta["versions"]["pathmatch-transitions"] == "1"
    local = tmp_path / "local.parquet"
    args = ("score", "--input", str(CASELOAD), "--output", str(local), "--top-k", "5")
    result = pathmatch(home, server, None, *args)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(local.with_name(local.name + ".meta.json").read_text())["nodes"] == {
        "driver": 1
    }
    on_cluster, here = pl.read_parquet(scored), pl.read_parquet(local)
    assert on_cluster.height > 43 and on_cluster.equals(here)


def _dataset_table(dataset: Path, part: str) -> pl.DataFrame:
    """One part of an ingest dataset, rows in a fixed order (partitions finish in any order)."""
    table = pl.read_parquet(dataset / part / "**" / "*.parquet")
    return table.sort(table.columns)


def test_posting_ingest_runs_on_the_cluster_and_equals_a_local_run(
    cluster: Cluster, server: Server, home: Path, tmp_path: Path
) -> None:
    """``pathmatch ingest-postings`` with RAY_ADDRESS and two actors (one per node: each
    takes its node's only CPU) gives the same dataset as a one-worker local run."""
    feed = REPO / "demo" / "data" / "postings"
    args = ("--input", str(feed), "--extraction", "rules", "--partition-size", "40")
    on_cluster, local = tmp_path / "cluster_ds", tmp_path / "local_ds"
    ran = pathmatch(
        home, server, cluster, "ingest-postings", *args, "--workers", "2", "--out", str(on_cluster)
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    workers = [line for line in ran.stderr.splitlines() if line.strip().startswith("worker ")]
    assert workers and all("(Ray node " in line for line in workers), ran.stderr[-3000:]
    here = pathmatch(
        home, server, None, "ingest-postings", *args, "--workers", "1", "--out", str(local)
    )
    assert here.returncode == 0, here.stderr[-3000:]
    assert "(this process)" in here.stderr, here.stderr[-3000:]
    for part in ("postings", "posting_skills", "duplicate_clusters"):
        a, b = _dataset_table(on_cluster, part), _dataset_table(local, part)
        assert a.height > 0 and a.equals(b), f"{part} differs between the cluster and local"
