"""One schedule vocabulary (issue 15 item 1): the words people type, read the same way by
the API (a real uvicorn), batch scoring (the intake loader and ``participant_from_row``) and
the model itself; an unreadable schedule is a 422 naming the field and the accepted words."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from matching.schedules import (
    ScheduleError,
    canonical_schedule,
    fits,
    parse_schedule,
    program_slots,
)
from matching.schemas import Participant


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("evening", "evening"),
        ("evenings", "evening"),
        ("Nights", "evening"),
        ("nights/evenings", "evening"),
        ("weekends only", "weekend"),
        ("weekends", "weekend"),
        ("evening/weekend", "evening+weekend"),
        ("evenings or weekends", "evening+weekend"),
        ("evening and weekend", "evening+weekend"),
        ("any", "any"),
        ("flexible", "any"),
        ("mornings while kids in school", "day"),
        ("days", "day"),
        ("M-F", "day"),
        ("overnight", "overnight"),
        ("online or self-paced", "online"),
        ("online or evenings", "evening+online"),
        ("", None),
    ],
)
def test_words_people_type(typed: str, canonical: str | None) -> None:
    assert canonical_schedule(typed) == canonical


@pytest.mark.parametrize("typed", ["when the moon is full", "blue", "evenings or tuesdays-ish"])
def test_unreadable_schedule_names_the_accepted_words_not_the_value(typed: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(typed)
    message = str(caught.value)
    assert "evening" in message and "weekend" in message and "any" in message
    assert typed not in message


def test_a_listing_meeting_evening_and_weekend_fits_either() -> None:
    offered = program_slots("evening", "in_person", "Certified Nurse Aide - Evening and Weekend")
    assert offered == {"evening", "weekend"}
    assert fits(parse_schedule("weekends only"), offered)
    assert fits(parse_schedule("evenings"), offered)
    assert fits(parse_schedule("mornings while kids in school"), offered) is False
    assert fits(parse_schedule("any"), program_slots("day"))
    assert fits(parse_schedule("evening"), None) is None  # not listed: a caveat, not a pass
    assert fits(parse_schedule("day"), program_slots("evening", "online"))  # online fits all


def test_the_model_stores_the_canonical_spelling() -> None:
    person = Participant.model_validate(
        {"participant_id": "v", "constraints": {"schedule": "Evenings or weekends"}}
    )
    assert person.constraints.schedule == "evening+weekend"


def test_batch_reads_the_same_words_and_refuses_what_the_api_refuses(tmp_path: Path) -> None:
    from serving.batch import participant_from_row, read_caseload, screen_rows

    path = tmp_path / "caseload.csv"
    path.write_text(
        "participant_id,state,schedule\n"
        "B1,NJ,evenings\nB2,NJ,weekends only\nB3,NJ,evening/weekend\nB4,NJ,when the moon is full\n"
    )
    loaded = read_caseload(path)
    assert not [r for r in loaded.report.rejects if r.field == "constraints_schedule"]
    kept, rejects = screen_rows(loaded, None, None)
    people = {p.participant_id: p for p in map(participant_from_row, kept.iter_rows(named=True))}
    assert {k: p.constraints.schedule for k, p in people.items()} == {
        "B1": "evening",
        "B2": "weekend",
        "B3": "evening+weekend",
    }
    [reject] = rejects
    assert reject["line"] == 5 and reject["field"] == "constraints_schedule"
    assert "accepted" in reject["reason"] and "moon" not in reject["reason"]


def _post(server, body: object) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/v1/referrals", json=body, headers=server.headers, timeout=120
    )


PERSON = {
    "participant_id": "vocab-1",
    "past_job_titles": ["Warehouse Associate"],
    "intake_text": "want healthcare, something w/ patients",
    "education_level": "high_school",
    "state": "NJ",
    "zip": "08610",
    "last_hourly_wage": 18.75,
}


def test_api_reads_evenings_and_refuses_nonsense_with_a_422(api_server) -> None:
    limits = {"max_cost": 5000, "max_weeks": 20, "radius_miles": 20}
    reply = _post(
        api_server,
        {"participant": {**PERSON, "constraints": {**limits, "schedule": "evenings"}}},
    )
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["referrals"]
    assert all(r["schedule"] in ("evening", None) for r in body["referrals"])
    reasons = [x["text"] for e in body["excluded"] for x in e["reasons"] if x["code"] == "schedule"]
    assert reasons and not any("eveningss" in t for t in reasons)
    bad = {**PERSON, "constraints": {**limits, "schedule": "when the moon is full q9"}}
    reply = _post(api_server, {"participant": bad})
    assert reply.status_code == 422
    [detail] = reply.json()["detail"]
    assert detail["loc"] == ["body", "participant", "constraints", "schedule"]
    assert "evening" in detail["msg"] and "weekend" in detail["msg"]
    assert "moon" not in reply.text
