"""Career-pathway maps (issue 17 item 3): the ladder on the demo bundle (order by job zone
then wage, a CPS move edge and a stackable-credential edge, the missing-rung flags), the
CLI's three files and its one-line error, ``GET /v1/sectors/{cluster}/map`` through the
session's demo server, and who the pathways serve (item 5) over the demo caseload scored once
in this module by ``serving.batch.score_rows``, the function each ``pathmatch score`` worker
runs on its block (scored in-process: no Ray cluster for a view that only reads the output)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import polars as pl
import pytest
from api_server import ApiServer
from demo_homes import HomeTemplate

from matching.ingest.bundle import Bundle
from matching.market.programs import catalog_from_bundle
from matching.referral.disparity import FIELDS, MIN_GROUP_SIZE, disparity_table
from matching.sectors.ladder import LadderInputs, PathwayMap, build_pathway_map
from matching.sectors.profile import SectorLookupError
from matching.sectors.served import (
    ServedInputError,
    check_referrals,
    sectors_served,
    who_is_served,
)
from serving.batch import read_caseload
from serving.pathway_map_report import ladder_inputs

REPO = Path(__file__).resolve().parents[1]
CASELOAD = REPO / "demo" / "data" / "participants" / "demo_caseload.csv"
HEALTH = "Healthcare & Human Services"
CNA, LPN, RN, HHA = "31-1131", "29-2061", "29-1141", "31-1121"
SURG = "29-2055"  # Surgical Technologists: NJ openings, no NJ program, no O*NET row


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
    assert keys == sorted(keys) and [r.position for r in health.rungs] == list(range(1, 11))
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
    no_program = [m for m in health.missing if m.kind == "no_program"]
    assert [m.soc2018_code for m in no_program] == [SURG], "the one rung with no NJ program"


def test_the_health_rung_with_no_program(health: PathwayMap) -> None:
    """Surgical Technologists: regional openings, no NJ program, and no O*NET row: the job
    zone is its EP entry education's (postsecondary nondegree award -> zone 3)."""
    surg = health.rung(SURG)
    assert surg.missing_program and not surg.programs
    assert surg.openings and surg.openings > 0 and surg.openings_basis == "regional"
    assert (surg.job_zone, surg.job_zone_basis) == (3, "EP education")
    assert health.rung(CNA).job_zone_basis == "O*NET"
    assert not [e for e in health.edges if SURG in (e.source, e.target) and e.kind == "stack"]


def test_a_rung_with_openings_and_no_program_is_flagged(inputs: LadderInputs) -> None:
    result = build_pathway_map(inputs, "NJ", "Advanced Manufacturing")
    machinists = result.rung("51-4041")
    assert machinists.openings and machinists.openings > 0 and not machinists.programs
    assert machinists.missing_program
    flagged = {m.soc2018_code: m for m in result.missing if m.kind == "no_program"}
    # Team Assemblers: EP publishes only the broad group 51-2090, whose openings it takes
    assert sorted(flagged) == ["51-2092", "51-4041"]
    assert "no program in the region" in flagged["51-4041"].message


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


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory, demo_home_template: HomeTemplate) -> Path:
    """The demo caseload scored (top 5) as ``pathmatch score`` writes it."""
    from matching.settings import Settings
    from serving.batch import score_rows
    from serving.engine import Engine

    folder = tmp_path_factory.mktemp("served")
    home = demo_home_template.copy(folder / "home")
    engine = Engine.load(Settings(home=home))
    frame, _ = score_rows(engine, read_caseload(CASELOAD).table.to_dicts(), top_k=5, region=None)
    frame.write_parquet(folder / "referrals.parquet")
    return folder / "referrals.parquet"


def _by_hand(
    referrals: pl.DataFrame, inputs: LadderInputs, cluster: str
) -> dict[str, tuple[bool, bool]]:
    """participant -> (top-1 into the cluster, any into it), with plain loops."""
    s = inputs.sector
    codes = set(s.clusters_soc.filter(pl.col("cluster") == cluster)["soc_code"].to_list())
    leads: dict[str, set[str]] = {}
    for program, code in s.program_occupations.select("program_id", "soc2018_code").iter_rows():
        leads.setdefault(program, set()).add(code)
    out: dict[str, tuple[bool, bool]] = {}
    for person, rank, program in referrals.select("participant_id", "rank", "program_id").rows():
        top1, anyk = out.get(person, (False, False))
        into = rank is not None and bool(leads.get(program, set()) & codes)
        out[person] = (top1 or (into and rank == 1), anyk or into)
    return out


def test_who_the_pathways_serve_counts_by_hand(
    scored: Path, inputs: LadderInputs, health: PathwayMap
) -> None:
    referrals = check_referrals(pl.read_parquet(scored), scored.name)
    people = read_caseload(CASELOAD).table
    served = who_is_served(
        referrals,
        people,
        inputs.sector.program_occupations,
        inputs.sector.clusters_soc,
        "nj",
        HEALTH,
        None,
        [r.soc2018_code for r in health.rungs],
    )
    hand = _by_hand(referrals, inputs, HEALTH)
    assert served.participants == people.height == len(hand) and not served.notes
    assert served.top1_referred == sum(t for t, _ in hand.values()) > 0
    assert served.anyk_referred == sum(a for _, a in hand.values()) > served.top1_referred
    sex = dict(
        zip(people["participant_id"], people["wioa_sex"].fill_null("not reported"), strict=True)
    )
    groups = served.groups.filter(pl.col("field") == "sex")
    for row in groups.iter_rows(named=True):
        members = [p for p in hand if sex[p] == row["group"]]
        assert row["n"] == len(members)
        assert row["top1_referred"] == sum(hand[p][0] for p in members), row["group"]
        assert row["anyk_referred"] == sum(hand[p][1] for p in members), row["group"]
    # 43 people: every group is under 30, so nothing is flagged and ratios are indicative
    assert served.groups.filter(pl.col("field") == "sex")["reference_small"].all()
    assert not served.flagged().height
    unknown = served.groups.filter(pl.col("unknown"))
    assert unknown.height and unknown["top1_ratio"].is_null().all()
    # per rung: distinct participants whose referral's program leads there
    rungs = dict(served.rungs.select("soc2018_code", "anyk_referred").iter_rows())
    assert set(rungs) == {r.soc2018_code for r in health.rungs}
    assert rungs[CNA] > 0 and max(rungs.values()) <= served.anyk_referred


def test_served_uses_the_disparity_rules_on_a_large_caseload(
    scored: Path, inputs: LadderInputs
) -> None:
    """The demo caseload three times over (ids made distinct): groups reach 30, the ratios
    are the disparity summary's over "referred into the sector" and the four-fifths rule
    flags (never a small group)."""
    referrals = check_referrals(pl.read_parquet(scored), scored.name)
    people = read_caseload(CASELOAD).table
    many = pl.concat([referrals.with_columns(pl.col("participant_id") + f"-{i}") for i in range(3)])
    crowd = pl.concat([people.with_columns(pl.col("participant_id") + f"-{i}") for i in range(3)])
    s = inputs.sector
    served = who_is_served(
        many, crowd, s.program_occupations, s.clusters_soc, "NJ", "Supply Chain & Transportation"
    )
    hand = _by_hand(many, inputs, "Supply Chain & Transportation")
    outcomes = pl.DataFrame(
        {
            "participant_id": list(hand),
            "top1_high": [t for t, _ in hand.values()],
            "anyk_high": [a for _, a in hand.values()],
        }
    )
    expected = disparity_table(outcomes, crowd.select("participant_id", *FIELDS.values()))
    got = served.groups
    assert got.height == expected.height
    assert got["top1_ratio"].to_list() == expected["top1_ratio"].to_list()
    assert got["top1_referred"].to_list() == expected["top1_high"].to_list()
    large = got.filter(~pl.col("small_group") & ~pl.col("unknown"))
    assert large.height and large["top1_ratio"].max() == 1.0
    assert not got.filter(pl.col("top1_flag") & pl.col("small_group")).height
    flagged = got.filter(pl.col("top1_flag"))
    assert (flagged["top1_ratio"] < 0.8).all() and (flagged["n"] >= MIN_GROUP_SIZE).all()
    table = sectors_served(many, crowd, s.program_occupations, s.clusters_soc, "NJ")
    row = table.filter(pl.col("cluster") == "Supply Chain & Transportation").row(0, named=True)
    assert row["top1_referred"] == served.top1_referred and row["participants"] == 129
    assert row["flagged"] == (
        "; ".join(f"{f}: {g}" for f, g in flagged.select("field", "group").iter_rows()) or None
    )


def test_a_file_that_is_no_score_output_names_the_column() -> None:
    with pytest.raises(ServedInputError, match="'program_id' missing"):
        check_referrals(
            pl.DataFrame({"participant_id": ["a"], "region": ["NJ"], "rank": [1]}), "x.parquet"
        )


def test_cli_writes_the_three_files(tmp_path: Path, demo_bundle: Path, scored: Path) -> None:
    out = tmp_path / "map"
    result = _cli(
        tmp_path / "home",
        demo_bundle,
        "--region",
        "NJ",
        "--cluster",
        "health",
        "--out",
        str(out),
        "--scored",
        str(scored),
        "--caseload",
        str(CASELOAD),
    )
    assert result.returncode == 0, result.stderr
    body = json.loads((out / "pathway_map.json").read_text())
    assert body["cluster"] == HEALTH and len(body["rungs"]) == 10
    assert (out / "pathway_map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (out / "pathway_map.html").read_text()
    assert "data:image/png;base64," in page and "<script" not in page
    assert "Home Health Aides -&gt; Licensed Practical" in page
    assert "missing rungs: 8" in result.stdout
    assert "no_program: Surgical Technologists (29-2055)" in result.stdout
    served = body["who_the_pathways_serve"]
    assert served["participants"] == 43 and served["cluster"] == HEALTH
    assert {g["field"] for g in served["groups"]} >= {"sex", "race_ethnicity", "sex_x_race"}
    assert "Who the pathways serve" in page and "referred (top-1 / any top-k)" in page
    assert f"{served['top1_referred']} of 43 scored participants" in result.stdout
    ids = read_caseload(CASELOAD).table["participant_id"].to_list()
    for text in (page, result.stdout, result.stderr, json.dumps(body)):
        assert not [i for i in ids if i in text], "a participant id reached an output"


def test_cli_scored_without_its_caseload_is_one_line(
    tmp_path: Path, demo_bundle: Path, scored: Path
) -> None:
    bad = tmp_path / "other.csv"
    bad.write_text(CASELOAD.read_text().replace("DEMO-P", "OTHER-"))
    result = _cli(
        tmp_path / "home",
        demo_bundle,
        *("--region", "NJ", "--cluster", "health", "--out", str(tmp_path / "x")),
        *("--scored", str(scored), "--caseload", str(bad)),
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "other.csv: none of the participants" in lines[0], result.stderr


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
