"""Goals, limits and advancement change the ranking and are named (demo bundle, demo
caseload participants as typed; matching.referral.goals and referrals.adjust_for_person)."""

from __future__ import annotations

from pathlib import Path

import pytest

from matching.referral.goals import cluster_of, demands_of, sector_goals, stated_limits
from matching.referral.referrals import refer

CASELOAD = Path(__file__).resolve().parents[1] / "demo" / "data" / "participants"


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, demo_home_template):  # -> Engine
    from matching.settings import Settings
    from serving.engine import Engine

    home = demo_home_template.copy(tmp_path_factory.mktemp("goals_home"))
    return Engine.load(Settings(home=home)).warm()


@pytest.fixture(scope="module")
def caseload() -> dict[str, object]:
    from serving.batch import participant_from_row, read_caseload

    rows = read_caseload(CASELOAD / "demo_caseload.csv").table.to_dicts()
    return {r["participant_id"]: participant_from_row(r) for r in rows}


def referrals_of(engine, participant):
    return refer(participant, engine.region_context("NJ"), engine.reader, top_k=10).referrals


def test_sector_words_and_limits_are_read() -> None:
    assert sector_goals("want healthcare, something w/ patients") == {"Healthcare & Human Services"}
    assert "Healthcare & Human Services" in sector_goals("maybe medical office or billing")
    assert sector_goals("want out of kitchens") == set()
    keys = [lim.key for lim in stated_limits("back hurts from trays, want sit-down job")]
    assert keys == ["lifting", "standing"]
    assert stated_limits("certified sit down + reach truck") == []
    assert "lifting" in demands_of("31-1131.00", [], "safe transfers with mechanical lifts")
    assert "lifting" not in demands_of("29-2072.00", [])
    assert cluster_of("53-3032.00") == {"Supply Chain & Transportation"}


def test_healthcare_goal_does_not_get_forklift_first(engine, caseload) -> None:
    top = referrals_of(engine, caseload["DEMO-P002"])
    assert top and "Forklift" not in top[0].program_name
    assert "Healthcare & Human Services" in cluster_of(top[0].target.code)
    assert any("stated goal's field" in line for line in top[0].explanation)


def test_back_pain_sit_down_goal_gets_no_truck_or_cna_on_top(engine, caseload) -> None:
    top = referrals_of(engine, caseload["DEMO-P014"])
    assert top
    first = top[0]
    assert "CDL" not in first.program_name and "Nurse Aide" not in first.program_name
    for r in top:
        if "CDL" in r.program_name or "Nurse Aide" in r.program_name:
            assert any("stated limit" in line for line in r.explanation)


def test_a_pay_cut_is_not_in_the_top_3_unless_it_says_why(engine, caseload) -> None:
    lpn = caseload["DEMO-P004"]  # LPN at $33/h who wants RN
    for r in referrals_of(engine, lpn)[:3]:
        if r.target_hourly_wage is not None and r.target_hourly_wage < lpn.last_hourly_wage:
            assert any("Pays less than the last wage" in line for line in r.explanation)
            assert any("below the last wage" in c for c in r.caveats)


def test_cdl_b_to_a_is_advancement_not_already_works_as(engine, caseload) -> None:
    driver = caseload["DEMO-P005"]  # CDL-B box truck driver who wants Class A
    # schedule words are issue 15 item 1 (another change): leave them out of this case
    driver = driver.model_copy(
        update={"constraints": driver.constraints.model_copy(update={"schedule": None})}
    )
    top = referrals_of(engine, driver)
    upgrade = next(r for r in top if "Upgrade" in r.program_name)
    assert any("CDL Class B -> CDL Class A" in line for line in upgrade.explanation)
    assert not any("already works as" in c for c in upgrade.caveats)
    assert upgrade.rank == 1
    held = {c.requirement: c.status for c in upgrade.prerequisite_checks}
    assert held["Current CDL Class B license"] == "met"
