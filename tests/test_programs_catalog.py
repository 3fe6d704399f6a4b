"""Program catalog: target occupations, credential levels, stackability, cost, outcomes."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from matching.ingest.bundle import Bundle
from matching.market.programs import (
    CREDENTIAL_LEVELS,
    build_catalog,
    catalog_from_bundle,
    pathway,
    stackability_edges,
    target_occupations,
)


@pytest.fixture(scope="module")
def demo(demo_bundle: Path) -> Bundle:
    return Bundle(demo_bundle)


@pytest.fixture(scope="module")
def catalog(demo):
    return catalog_from_bundle(demo)


def _id(catalog, name: str) -> str:
    hits = catalog.programs.filter(pl.col("name") == name)
    assert hits.height == 1, name
    return hits.item(0, "program_id")


def _edges(catalog, rule: str = "prerequisite") -> set[tuple[str, str]]:
    edges = catalog.stackability.filter(pl.col("rule") == rule)
    return set(edges.select("from_program_id", "to_program_id").iter_rows())


def test_nursing_assistant_cip_targets_nursing_assistants(demo):
    occ = target_occupations(
        ["51.3902"], demo.table("xwalk_cip_soc"), demo.table("onet_occupations")
    )
    assert "31-1131.00" in occ.get_column("onet_soc_code").to_list()
    assert not occ.get_column("soc2018_code").str.starts_with("25-1").any()
    with_teachers = target_occupations(
        ["11.0801"],
        demo.table("xwalk_cip_soc"),
        demo.table("onet_occupations"),
        keep_postsecondary_teachers=True,
    )
    assert "15-1254.00" in with_teachers.get_column("onet_soc_code").to_list()


def test_programs_table(catalog):
    cna = catalog.programs.filter(pl.col("name") == "Certified Nurse Aide (CNA)").row(0, named=True)
    assert cna["target_onet_codes"] == ["31-1131.00"]
    assert cna["credential_level"] == CREDENTIAL_LEVELS["license"] == 1
    assert cna["credential_level_name"] == "certificate_or_license"
    assert cna["cip_family"] == "51" and cna["cip_series"] == "51.39"
    assert cna["cost_per_week"] == pytest.approx(1535.0 / 7.5)
    assert (cna["employment_q2"], cna["employment_q2_n"]) == (pytest.approx(0.703125), 64)
    rn = catalog.programs.filter(
        pl.col("program_id") == _id(catalog, "Nursing (RN) - Associate in Applied Science")
    ).row(0, named=True)
    assert rn["credential_level"] == 2
    assert set(catalog.program_occupations.columns) >= {
        "program_id",
        "cip_code",
        "soc2018_code",
        "onet_soc_code",
    }


def test_outcome_flags_are_counted(catalog):
    status = dict(catalog.programs.select("name", "outcome_status").iter_rows())
    assert status["Full Stack Web Development Bootcamp"] == "missing"
    assert status["Phlebotomy for Medical Assistants (Add-On)"] == "suppressed"
    report = catalog.report
    assert sum(report.outcome_status.values()) == 33
    assert report.outcome_status["missing"] == 1
    assert report.outcome_measures["employment_q2"]["suppressed"] == 2


def test_demo_pathways(catalog):
    edges = _edges(catalog)
    cna = _id(catalog, "Certified Nurse Aide (CNA)")
    lpn = _id(catalog, "Practical Nursing (LPN) - Day Program")
    bridge = _id(catalog, "LPN to RN Bridge (Advanced Placement)")
    assert {(cna, lpn), (lpn, bridge)} <= edges
    assert [cna, lpn, bridge] in pathway(
        catalog.stackability.filter(pl.col("rule") == "prerequisite"), cna
    )
    cdl_b = _id(catalog, "CDL Class B Straight Truck")
    upgrade = _id(catalog, "CDL Class B to Class A Upgrade")
    cdl_a = _id(catalog, "CDL Class A Tractor-Trailer")
    assert (cdl_b, upgrade) in edges
    assert (cdl_a, upgrade) not in edges  # "CDL Class B license" does not name class A
    a_plus = _id(catalog, "CompTIA A+ IT Support Technician")
    net = _id(catalog, "CompTIA Network+ Network Technician")
    sysadmin = _id(catalog, "Systems Administration - Windows Server, Linux and Cloud")
    assert {(a_plus, net), (net, sysadmin)} <= edges
    assert (a_plus, sysadmin) not in edges
    weld1 = _id(catalog, "Welding I - Structural Plate (AWS D1.1)")
    weld2 = _id(catalog, "Advanced Welding - Pipe and TIG")
    assert (weld1, weld2) in edges and (weld2, weld1) not in edges
    forklift = _id(catalog, "Forklift Operator Certification")
    assert (forklift, _id(catalog, "Warehouse and Logistics Specialist")) in edges
    # CNA -> RN degree: related occupations, RN has the higher level
    rn = _id(catalog, "Nursing (RN) - Associate in Applied Science")
    assert (cna, rn) in _edges(catalog, "related_occupation_level_up")
    assert catalog.report.edges["prerequisite"] == len(edges)


def test_cip_series_level_rule_and_inputs():
    programs = pl.DataFrame(
        {
            "program_id": ["1", "2", "3", "4"],
            "name": ["Nurse Aide", "Practical Nursing", "Phlebotomy", "Mystery"],
            "credential_name": [None, None, None, None],
            "prerequisites": [None, "High school diploma", None, None],
            "cip_code": ["51.3902", "51.3901", "51.1009", None],
            "credential_type": ["industry_credential", "license", "certificate", "apprenticeship"],
            "cost_total": [1000.0, 20000.0, None, 500.0],
            "weeks": [10.0, 40.0, 5.0, None],
            "provider_name": ["Acme", "Acme", "Acme", "Other"],
        }
    )
    xwalk = pl.DataFrame(
        {
            "cip_code": ["51.3902", "51.3902", "51.3901"],
            "soc2018_code": ["31-1131", "25-1072", "29-2061"],
            "soc2018_title": ["NA", "Teachers", "LPN"],
        }
    )
    onet = pl.DataFrame(
        {
            "onet_soc_code": ["31-1131.00", "25-1072.00", "29-2061.00"],
            "title": ["NA", "Teachers", "LPN"],
            "soc2018_code": ["31-1131", "25-1072", "29-2061"],
        }
    )
    courses = pl.DataFrame({"course_id": ["c1", "c2"], "provider": ["ACME ", "Else"]})
    skills = pl.DataFrame(
        {"program_id": ["1", "1", "9"], "skill_id": ["s2", "s1", "s3"], "score": [1.0, 1.0, 1.0]}
    )
    result = build_catalog(programs, xwalk, onet, None, courses, skills)
    rows = {r["program_id"]: r for r in result.programs.iter_rows(named=True)}
    assert rows["1"]["target_onet_codes"] == ["31-1131.00"]
    assert rows["1"]["skills_taught"] == ["s1", "s2"] and rows["2"]["skills_taught"] == []
    assert rows["1"]["n_courses"] == 1 and rows["4"]["n_courses"] == 0
    assert rows["3"]["cost_per_week"] is None and rows["4"]["cost_per_week"] is None
    assert rows["4"]["credential_level"] is None
    report = result.report
    assert report.unknown_credential_type == 1 and report.no_cip == 1
    assert report.no_target_occupations == 2 and report.teacher_codes_dropped == 1
    assert report.no_cost == 1 and report.no_weeks == 1
    assert report.skill_rows_unknown_program == 1
    assert report.outcome_status == {"reported": 0, "partial": 0, "suppressed": 0, "missing": 4}
    edges = set(result.stackability.select("from_program_id", "to_program_id", "rule").iter_rows())
    assert ("1", "2", "cip_series_level_up") in edges
    assert ("2", "1", "cip_series_level_up") not in edges
    assert not any(a == "3" or b == "3" for a, b, _ in edges)  # other series


def test_prerequisite_matching_details():
    programs = pl.DataFrame(
        {
            "program_id": ["ma", "phl", "hs"],
            "name": ["Medical Assistant", "Phlebotomy Add-On", "High School Equivalency"],
            "credential_name": ["CMA (AAMA)", None, None],
            "prerequisites": [None, "Medical assisting certificate or AAMA credential", None],
            "cip_code": ["51.0801", "51.1009", "32.0108"],
            "credential_level": [0, 0, 0],
        }
    )
    edges = stackability_edges(programs)
    assert edges.select("from_program_id", "to_program_id").rows() == [("ma", "phl")]
    assert "aama" in edges.item(0, "evidence").lower()
