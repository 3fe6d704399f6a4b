"""Career-pathway maps (issue 17 item 3): the ladder on the demo bundle (order by job zone
then wage, a CPS move edge and a stackable-credential edge, the missing-rung flags), the
CLI's three files and its one-line error, and ``GET /v1/sectors/{cluster}/map`` through the
session's demo server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from api_server import ApiServer

from matching.ingest.bundle import Bundle
from matching.market.programs import catalog_from_bundle
from matching.sectors.ladder import LadderInputs, PathwayMap, build_pathway_map
from matching.sectors.profile import SectorLookupError
from serving.pathway_map_report import ladder_inputs

REPO = Path(__file__).resolve().parents[1]
HEALTH = "Healthcare & Human Services"
CNA, LPN, RN, HHA = "31-1131", "29-2061", "29-1141", "31-1121"


@pytest.fixture(scope="module")
def inputs(demo_bundle: Path) -> LadderInputs:
    bundle = Bundle(demo_bundle)
    return ladder_inputs(bundle, catalog_from_bundle(bundle))


@pytest.fixture(scope="module")
def health(inputs: LadderInputs) -> PathwayMap:
    return build_pathway_map(inputs, "nj", "health")


def _edge(result: PathwayMap, kind: str, source: str, target: str) -> bool:
    return any((e.kind, e.source, e.target) == (kind, source, target) for e in result.edges)


def test_rungs_go_entry_to_advanced_by_job_zone_then_wage(health: PathwayMap) -> None:
    assert health.cluster == HEALTH and health.region == "NJ"
    keys = [(r.job_zone, r.median_wage) for r in health.rungs]
    assert keys == sorted(keys) and [r.position for r in health.rungs] == list(range(1, 10))
    order = [r.soc2018_code for r in health.rungs]
    assert order.index(CNA) < order.index(LPN) < order.index(RN)
    assert health.rungs[-1].soc2018_code == RN and health.rung(RN).job_zone == 4
    # CNA and LPN share job zone 3: the wage puts the CNA first
    assert health.rung(CNA).job_zone == health.rung(LPN).job_zone == 3


def test_cna_lpn_rn_linked_by_moves_and_stackable_credentials(health: PathwayMap) -> None:
    for source, target in ((CNA, LPN), (LPN, RN)):
        assert _edge(health, "move", source, target), (source, target)
        assert _edge(health, "stack", source, target), (source, target)
    move = next(e for e in health.edges if (e.kind, e.source, e.target) == ("move", LPN, RN))
    assert move.weight == pytest.approx(0.6)  # CPS: 0.048 of 0.08 LPN leavers go to RN
    stack = next(e for e in health.edges if (e.kind, e.source, e.target) == ("stack", CNA, LPN))
    assert stack.rules == ["prerequisite"] and ("60101", "60201") in stack.program_pairs
    assert not _edge(health, "move", RN, LPN), "moves down the ladder are left off"
    cna = health.rung(CNA)
    assert {p["program_id"] for p in cna.programs} == {"60101", "60102"}
    assert cna.programs[0]["cost_total"] > 0 and cna.programs[0]["employment_q2_n"] == 64


def test_a_move_with_no_stackable_route_is_a_missing_rung(health: PathwayMap) -> None:
    gaps = {(m.soc2018_code, m.target) for m in health.missing if m.kind == "no_stack_route"}
    assert (HHA, LPN) in gaps, "the CHHA credential stacks into nothing"
    assert (CNA, LPN) not in gaps and (LPN, RN) not in gaps
    assert not [m for m in health.missing if m.kind == "no_program"], "every rung has one"


def test_a_rung_with_openings_and_no_program_is_flagged(inputs: LadderInputs) -> None:
    result = build_pathway_map(inputs, "NJ", "Advanced Manufacturing")
    machinists = result.rung("51-4041")
    assert machinists.openings and machinists.openings > 0 and not machinists.programs
    assert machinists.missing_program
    flagged = [m for m in result.missing if m.kind == "no_program"]
    assert [m.soc2018_code for m in flagged] == ["51-4041"]
    assert "no program in the region" in flagged[0].message


def test_unknown_cluster_and_region_without_programs(inputs: LadderInputs) -> None:
    with pytest.raises(SectorLookupError) as cluster:
        build_pathway_map(inputs, "NJ", "underwater basketry")
    assert HEALTH in cluster.value.valid
    with pytest.raises(SectorLookupError) as region:
        build_pathway_map(inputs, "ZZ", "health")
    assert region.value.valid == ["NJ"]


def _cli(home: Path, bundle: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATHMATCH_HOME": str(home)}
    env.pop("MLFLOW_TRACKING_URI", None)
    return subprocess.run(
        [sys.executable, "-m", "serving.cli", "pathway-map", "--bundle", str(bundle), *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=300,
    )


def test_cli_writes_the_three_files(tmp_path: Path, demo_bundle: Path) -> None:
    out = tmp_path / "map"
    result = _cli(
        tmp_path / "home", demo_bundle, "--region", "NJ", "--cluster", "health", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    body = json.loads((out / "pathway_map.json").read_text())
    assert body["cluster"] == HEALTH and len(body["rungs"]) == 9
    assert (out / "pathway_map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (out / "pathway_map.html").read_text()
    assert "data:image/png;base64," in page and "<script" not in page
    assert "Home Health Aides -&gt; Licensed Practical" in page
    assert "missing rungs: 7" in result.stdout


def test_cli_unknown_cluster_is_one_line(tmp_path: Path, demo_bundle: Path) -> None:
    result = _cli(
        tmp_path / "home",
        demo_bundle,
        "--region",
        "NJ",
        "--cluster",
        "zz",
        "--out",
        str(tmp_path / "x"),
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "unknown career cluster 'zz'" in lines[0], result.stderr
    assert not (tmp_path / "x").exists()


@pytest.fixture(scope="module")
def client(api_server: ApiServer):  # yields httpx.Client
    with httpx.Client(
        base_url=api_server.base_url, headers=api_server.headers, timeout=120.0
    ) as http:
        yield http


def test_api_map_answers_the_cli_json(client: httpx.Client, health: PathwayMap) -> None:
    response = client.get("/v1/sectors/health/map", params={"region": "NJ"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["meta"]["bundle"] and body["cluster"] == HEALTH
    assert [r["soc2018_code"] for r in body["rungs"]] == [r.soc2018_code for r in health.rungs]
    assert {(e["kind"], e["source"], e["target"]) for e in body["edges"]} == {
        (e.kind, e.source, e.target) for e in health.edges
    }
    assert len(body["missing"]) == len(health.missing)


def test_api_map_404s_list_the_known(client: httpx.Client) -> None:
    cluster = client.get("/v1/sectors/basketry/map", params={"region": "NJ"})
    assert cluster.status_code == 404 and HEALTH in cluster.json()["known"]
    region = client.get("/v1/sectors/health/map", params={"region": "ZZ"})
    assert region.status_code == 404 and region.json()["known"] == ["NJ"]
