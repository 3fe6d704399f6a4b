"""Ranges, near misses and unmade checks (issue 15 items 2-3): the rules in
``matching.referral.constraints`` on listings written out here, so each figure is known."""

from __future__ import annotations

import re

import pytest

from matching.referral.constraints import (
    COST_MARGIN_MIN,
    UNKNOWN_FACTOR,
    ParticipantState,
    Reason,
    cost_reasons,
    is_close,
    unknown_factor,
    unmade_checks,
    weeks_band,
    weeks_reasons,
    weeks_text,
    weeks_unsure,
)
from matching.schemas import Participant

CNA = {
    "program_id": "60101",
    "name": "Certified Nurse Aide (CNA)",
    "provider_name": "Academy",
    "cost_total": 1535.0,
    "weeks_used": 7.5,
    "weeks_min": 4.0,
    "weeks_max": 11.0,
    "schedule": "day",
    "format": "in_person",
    "location_zip": "08608",
}
LPN_EVENING = {
    **CNA,
    "program_id": "60202",
    "name": "Practical Nursing (LPN) - Evening/Weekend",
    "cost_total": 23200.0,
    "weeks_used": 80.166667,
    "weeks_min": 56.333333,
    "weeks_max": 104.0,
    "schedule": "evening",
}
NO_DATA = {
    "program_id": "60806",
    "name": "Production Supervisor Leadership Program",
    "provider_name": None,
    "cost_total": 2900.0,
    "weeks_used": 7.5,
    "weeks_min": 4.0,
    "weeks_max": 11.0,
    "schedule": None,
    "format": None,
    "location_zip": None,
}


def state(**constraints: object) -> ParticipantState:
    return ParticipantState(
        Participant(participant_id="t", zip="08608", constraints=constraints)  # type: ignore[arg-type]
    )


def test_cost_near_miss_is_close_and_says_what_fits() -> None:
    [reason] = cost_reasons(CNA, 1500.0)
    assert reason.close and reason.code == "cost"
    assert reason.text.startswith("costs $1,535, $35 over the $1,500 limit: an ITA")
    assert "employer tuition" in (reason.would_fit or "")


@pytest.mark.parametrize(
    ("limit", "close"),
    [(1500.0, True), (1035.0, True), (1034.0, False), (10_000.0, None), (0.0, False)],
)
def test_cost_margin_is_the_larger_of_ten_percent_and_500(limit: float, close: bool | None) -> None:
    reasons = cost_reasons(CNA, limit)
    if close is None:
        assert reasons == []
    else:
        assert [r.close for r in reasons] == [close]
    assert COST_MARGIN_MIN == 500.0


def test_cost_far_over_is_a_plain_sentence() -> None:
    [reason] = cost_reasons(LPN_EVENING, 1500.0)
    assert not reason.close and reason.text == "costs $23,200, $21,700 over the $1,500 limit"


def test_length_is_the_listed_band_not_its_midpoint() -> None:
    assert weeks_band(LPN_EVENING) == (56.333333, 104.0)
    assert weeks_text(*weeks_band(LPN_EVENING)) == "56-104 weeks"  # type: ignore[misc]
    assert weeks_text(0.142857, 0.285714) == "1-2 days"


def test_band_straddling_the_limit_is_an_unmade_check_not_a_cut() -> None:
    assert weeks_reasons(LPN_EVENING, 80.0) == []
    caveat = weeks_unsure(LPN_EVENING, 80.0)
    assert caveat and "56-104 weeks" in caveat and "80-week limit" in caveat
    codes = [code for code, _ in unmade_checks(LPN_EVENING, state(max_weeks=80.0), 0.0)]
    assert codes == ["weeks"]


def test_band_beyond_the_limit_is_rounded_and_close_only_when_small() -> None:
    [far] = weeks_reasons(LPN_EVENING, 30.0)
    assert far.text == "takes 56-104 weeks, more than the 30 weeks available" and not far.close
    [near] = weeks_reasons(LPN_EVENING, 52.0)  # starts 4.3 weeks over: within 10% of 52 (5.2)
    assert near.close and "later start" in near.text
    assert not re.search(r"\d+\.\d+ weeks", near.text + far.text)


def test_close_means_one_small_miss_only() -> None:
    small = Reason(code="cost", text="x", close=True)
    assert is_close([small])
    assert not is_close([small, Reason(code="schedule", text="y")])
    assert not is_close([Reason(code="cost", text="x")])


def test_unknown_checks_are_caveats_and_lower_the_score() -> None:
    who = state(schedule="evening", radius_miles=20.0)
    codes = [code for code, _ in unmade_checks(NO_DATA, who, None)]
    assert codes == ["provider", "schedule", "distance"]
    assert unknown_factor(NO_DATA, who, None) == pytest.approx(UNKNOWN_FACTOR**3)
    assert unknown_factor(CNA, state(schedule="day", radius_miles=20.0), 3.0) == 1.0


def test_schedule_words_decide_the_schedule_check() -> None:
    from matching.referral.constraints import _schedule_reasons

    weekend_cna = {
        **CNA,
        "name": "Certified Nurse Aide - Evening and Weekend",
        "schedule": "evening",
    }
    assert _schedule_reasons(weekend_cna, "weekend") == []
    [reason] = _schedule_reasons(CNA, "evening+weekend")
    assert reason.text == "meets days only; the participant can attend evenings or weekends"
    assert _schedule_reasons(CNA, "any") == []
