"""Sector profiles and supply against openings (issue 17 items 2 and 4): the functions on the
demo bundle's tables, ``GET /v1/sectors`` through the real demo server, the CLI's one-line
error, and supply on the real NJ ETPL data."""

from __future__ import annotations

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
from matching.market.programs import build_catalog, catalog_from_bundle
from matching.sectors.profile import (
    SECTOR_COLUMNS,
    SectorInputs,
    SectorLookupError,
    build_sector_profile,
    occupation_market,
    resolve_cluster,
)
from matching.sectors.supply import occupation_supply, sector_supply, supply_units

REPO = Path(__file__).resolve().parents[1]
HEALTH = "Healthcare & Human Services"
NO_DEMAND = pl.DataFrame(
    schema={
        "region_level": pl.String,
        "region": pl.String,
        "onet_soc_code": pl.String,
        "postings_dedup": pl.Int64,
        "postings_raw": pl.Int64,
    }
)
NO_SKILLS = pl.DataFrame(
    schema={
        "region": pl.String,
        "onet_soc_code": pl.String,
        "skill_id": pl.String,
        "postings_with_skill": pl.Int64,
    }
)


@pytest.fixture(scope="module")
def inputs(demo_bundle: Path) -> SectorInputs:
    """Supply needs no postings: the demo bundle's tables and its catalog (no skills)."""
    bundle = Bundle(demo_bundle)
    catalog = catalog_from_bundle(bundle)
    return SectorInputs(
        demand=NO_DEMAND,
        demand_skills=NO_SKILLS,
        oews=bundle.table("oews"),
        ep_projections=bundle.table("ep_projections"),
        programs=catalog.programs,
        program_occupations=catalog.program_occupations,
        clusters_soc=bundle.table("career_clusters_soc"),
        clusters_cip=bundle.table("career_clusters_cip"),
        onet_occupations=bundle.table("onet_occupations"),
        etpl_outcomes=bundle.table("etpl_outcomes"),
        scorecard_fos=bundle.table("scorecard_fos"),
    )


def _row(frame: pl.DataFrame, column: str, value: str) -> dict:
    rows = frame.filter(pl.col(column) == value).to_dicts()
    assert len(rows) == 1, f"{value}: {rows}"
    return rows[0]


def test_supply_counts_a_provider_cip_once_against_regional_openings(
    inputs: SectorInputs,
) -> None:
    table = occupation_supply(inputs, "NJ", cluster=HEALTH)
    aides = _row(table, "soc2018_code", "31-1131")
    # two CNA programs of one school share one ETPL cell of 64 completers: 64, not 128
    assert (aides["supply"], aides["units"], aides["programs"]) == (64, 1, 2)
    assert aides["supply_source"] == "ETPL" and aides["supply_status"] == "reported"
    market = _row(
        occupation_market(["31-1131"], inputs.oews, inputs.ep_projections, "NJ"),
        "soc2018_code",
        "31-1131",
    )
    oews = inputs.oews.filter(pl.col("occ_code") == "31-1131")
    nj = oews.filter(pl.col("prim_state") == "NJ")["tot_emp"][0]
    us = oews.filter(pl.col("area_type") == 1)["tot_emp"][0]
    assert market["openings_regional"] == pytest.approx(market["openings_national"] * nj / us)
    assert aides["openings"] == round(market["openings_regional"])
    assert aides["ratio"] == pytest.approx(64 / market["openings_regional"])
    assert aides["under_supplied"] == "yes"  # thousands of openings, 64 trained a year
    sector = _row(sector_supply(inputs, "NJ"), "cluster", HEALTH)
    assert sector["supply"] >= 64 and sector["units"] >= 5


def test_small_and_suppressed_counts_are_never_zero(inputs: SectorInputs) -> None:
    outcomes = inputs.etpl_outcomes
    assert outcomes is not None
    cna = (pl.col("provider_id") == "9902") & (pl.col("cip_code") == "51.3902")
    lpn = (pl.col("provider_id") == "9903") & (pl.col("cip_code") == "51.3901")
    changed = outcomes.with_columns(
        pl.when(cna)
        .then(None)
        .when(lpn)
        .then(0)
        .otherwise(pl.col("completed_q2"))
        .alias("completed_q2")
    )
    hidden = SectorInputs(**{**inputs.__dict__, "etpl_outcomes": changed})
    table = occupation_supply(hidden, "NJ", cluster=HEALTH)
    aides = _row(table, "soc2018_code", "31-1131")
    assert aides["supply_status"] == "suppressed" and aides["supply"] is None
    assert aides["supply_display"] == "suppressed" and aides["under_supplied"] == "unknown"
    lpns = _row(table, "soc2018_code", "29-2061")
    assert lpns["supply_display"] == "n<10" and lpns["ratio"] is None
    assert lpns["under_supplied"] == "yes"  # under 10 trained against >1,000 openings
    units = supply_units(
        hidden.programs.filter(pl.col("state") == "NJ"), changed, hidden.scorecard_fos
    )
    assert _row(units, "unit", "9903|51.3901")["status"] == "n<10"
    assert "0" not in table["supply_display"].to_list()
    sector = _row(sector_supply(hidden, "NJ"), "cluster", HEALTH)
    assert sector["supply_status"] == "partly unreported"
    assert sector["supply_display"] == f">={sector['supply']}"


def test_scorecard_fills_a_provider_cip_without_etpl_outcomes(inputs: SectorInputs) -> None:
    programs = inputs.programs.filter(pl.col("provider_id") == "9901")
    assert inputs.etpl_outcomes is not None
    no_etpl = inputs.etpl_outcomes.filter(pl.col("provider_id") != "9901")
    units = supply_units(programs, no_etpl, inputs.scorecard_fos)
    rn = _row(units, "unit", "9901|51.38")
    assert rn["source"] == "Scorecard" and rn["completers"] == round((10 + 84) / 2)


def test_profile_sums_postings_and_skills_and_ranks_by_openings(inputs: SectorInputs) -> None:
    demand = pl.DataFrame(
        {
            "region_level": ["state"] * 3,
            "region": ["NJ", "NJ", "NY"],
            "onet_soc_code": ["31-1131.00", "29-2061.00", "31-1131.00"],
            "postings_dedup": [10, 5, 7],
            "postings_raw": [12, 5, 7],
        }
    )
    skills = pl.DataFrame(
        {
            "region": ["NJ", "NJ", "NJ"],
            "onet_soc_code": ["31-1131.00", "29-2061.00", "29-2061.00"],
            "skill_id": ["s:care", "s:care", "s:meds"],
            "skill_label": ["patient care", "patient care", "give medication"],
            "postings_with_skill": [6, 3, 1],
        }
    )
    posted = SectorInputs(**{**inputs.__dict__, "demand": demand, "demand_skills": skills})
    table = build_sector_profile(posted, "nj")
    assert table.columns == list(SECTOR_COLUMNS)
    assert table["rank"].to_list() == list(range(1, table.height + 1))
    volume = table.select(pl.coalesce("openings_regional", "openings_national"))
    assert volume.to_series().to_list() == sorted(volume.to_series().to_list(), reverse=True)
    health = _row(table, "cluster", HEALTH)
    assert (health["postings_dedup"], health["postings_raw"]) == (15, 17)  # NY's 7 left out
    assert health["top_skills"] == ["patient care (60%)", "give medication (7%)"]
    assert health["programs"] >= health["programs_by_cip"] > 0
    assert health["employment_source"] == "state:NJ" and health["openings_regional"] > 0
    ny = build_sector_profile(posted, "NY")
    assert _row(ny, "cluster", HEALTH)["programs"] == 0  # NY has postings, no programs
    with pytest.raises(SectorLookupError, match="regions with either: NJ, NY"):
        build_sector_profile(posted, "ZZ")


def test_cluster_names_resolve_or_list_the_known_ones(inputs: SectorInputs) -> None:
    assert resolve_cluster(inputs.clusters_soc, "healthcare & human services") == (HEALTH, None)
    assert resolve_cluster(inputs.clusters_soc, "physical health") == (HEALTH, "Physical Health")
    with pytest.raises(SectorLookupError) as error:
        resolve_cluster(inputs.clusters_soc, "underwater basketry")
    assert "Advanced Manufacturing" in error.value.valid


@pytest.fixture(scope="module")
def client(api_server: ApiServer):  # yields httpx.Client
    with httpx.Client(
        base_url=api_server.base_url, headers=api_server.headers, timeout=120.0
    ) as http:
        yield http


def test_api_ranks_the_regions_sectors(client: httpx.Client) -> None:
    response = client.get("/v1/sectors", params={"region": "nj"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["meta"]["bundle"] and body["region"] == "NJ"
    sectors = body["sectors"]
    assert [s["rank"] for s in sectors] == list(range(1, len(sectors) + 1))
    volume = [s["openings_regional"] or s["openings_national"] or 0 for s in sectors]
    assert volume == sorted(volume, reverse=True), "ranked by annual openings"
    health = next(s for s in sectors if s["cluster"] == HEALTH)
    assert health["postings_dedup"] > 0 and health["programs"] > 0
    assert health["top_skills"] and "%)" in health["top_skills"][0]
    assert health["supply"]["supply_source"] == "ETPL"
    assert sum(s["postings_dedup"] for s in sectors) > 0


def test_api_one_cluster_with_its_occupations(client: httpx.Client) -> None:
    response = client.get("/v1/sectors", params={"region": "NJ", "cluster": "health"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["cluster"] == HEALTH and [s["cluster"] for s in body["sectors"]] == [HEALTH]
    aides = next(o for o in body["occupations"] if o["soc2018_code"] == "31-1131")
    assert aides["supply"] == 64 and aides["under_supplied"] == "yes"


def test_api_unknown_cluster_and_region_are_404s_listing_the_known(
    client: httpx.Client,
) -> None:
    cluster = client.get("/v1/sectors", params={"region": "NJ", "cluster": "basketry"})
    assert cluster.status_code == 404
    assert "Advanced Manufacturing" in cluster.json()["known"]
    region = client.get("/v1/sectors", params={"region": "ZZ"})
    assert region.status_code == 404 and region.json()["known"] == ["NJ"]
    assert client.get("/v1/sectors", params={"region": "N1"}).status_code == 422


def test_cli_unknown_cluster_is_one_line(tmp_path: Path, demo_home_template: HomeTemplate) -> None:
    home = demo_home_template.copy(tmp_path / "home")
    env = {**os.environ, "PATHMATCH_HOME": str(home)}
    env.pop("MLFLOW_TRACKING_URI", None)
    result = subprocess.run(
        [sys.executable, "-m", "serving.cli", "sectors", "--region", "NJ", "--cluster", "zz"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=300,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "unknown career cluster 'zz'" in lines[0]
    assert "Advanced Manufacturing" in lines[0] and "Traceback" not in result.stderr


def test_real_nj_supply_keeps_small_counts_out_of_zero(shared_data: Path) -> None:
    from matching.ingest.bundle import load_sources
    from matching.ingest.loaders.source import all_sources

    wanted = {
        "etpl_programs",
        "etpl_outcomes",
        "xwalk_cip_soc",
        "onet_occupations",
        "career_clusters_soc",
        "career_clusters_cip",
        "ep_projections",
        "oews",
    }
    tables = load_sources(shared_data, [s for s in all_sources() if s.table in wanted]).tables
    assert wanted <= set(tables)
    onet = tables["onet_occupations"]
    if "soc2018_code" not in onet.columns:
        onet = onet.with_columns(pl.col("onet_soc_code").str.slice(0, 7).alias("soc2018_code"))
    catalog = build_catalog(tables["etpl_programs"], tables["xwalk_cip_soc"], onet, None)
    real = SectorInputs(
        demand=NO_DEMAND,
        demand_skills=NO_SKILLS,
        oews=tables["oews"],
        ep_projections=tables["ep_projections"],
        programs=catalog.programs,
        program_occupations=catalog.program_occupations,
        clusters_soc=tables["career_clusters_soc"],
        clusters_cip=tables["career_clusters_cip"],
        onet_occupations=onet,
        etpl_outcomes=tables["etpl_outcomes"],
    )
    sectors = sector_supply(real, "NJ")
    health = _row(sectors, "cluster", HEALTH)
    assert health["units"] > 5 and health["supply_source"] == "ETPL"
    # the real bundle has national OEWS only: NJ openings cannot be regionalized
    assert health["openings"] is None and health["under_supplied"] == "unknown"
    units = supply_units(catalog.programs.filter(pl.col("state") == "NJ"), tables["etpl_outcomes"])
    small = units.filter(pl.col("status") == "n<10")
    assert small.height > 0, "the NJ file has cells under 10 (zeros included)"
    assert small["completers"].max() < 10
    shown = occupation_supply(real, "NJ", cluster=HEALTH)["supply_display"].to_list()
    assert "0" not in shown
