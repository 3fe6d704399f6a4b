"""Case manager pages against a real server (httpx, no browser): the same answer as the API.

Uses the session's ``api_server`` (a real ``pathmatch serve`` on the demo home) and signs in
through ``/login`` with the test key, as a case manager would.
"""

from __future__ import annotations

import re

import httpx
import pytest
from api_server import TEST_KEY

SECRET = "zanzibarquill-w4"  # typed into the notes: must never reach the server's log
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CARD = re.compile(r'<article class="card referral" id="program-[^"]*" data-program-id="([^"]+)"')
READING = re.compile(r'class="reading-now" data-code="([^"]*)"')
CNA = {
    "past_job_titles": "Certified Nursing Assistant",
    "intake_text": f"CNA 3 yrs at a nursing home, took vitals and charted in EHR. {SECRET}. "
    "Want to become a nurse, evenings only.",
    "education_level": "high_school_equivalency",
    "state": "NJ",
    "zip": "08619",
    "last_hourly_wage": "20.50",
    "max_cost": "40000",
    "max_weeks": "82",
    "schedule": "evening",
    "radius_miles": "20",
}
CASHIER = {
    "past_job_titles": "Cashier\nStock Clerk",
    "intake_text": "5 yrs cashier at grocery store, handled cash + inventory counts. got forklift "
    "cert last yr. want warehouse job w/ better pay, weekends only",
    "education_level": "high_school",
    "state": "NJ",
    "zip": "08611",
    "last_hourly_wage": "15.50",
    "max_cost": "8000",
    "max_weeks": "30",
    "schedule": "any",
    "radius_miles": "30",
}


def as_api(form: dict[str, str]) -> dict[str, object]:
    """The ``POST /v1/referrals`` participant for the same intake."""
    return {
        "participant_id": "web-intake",
        "past_job_titles": form["past_job_titles"].splitlines(),
        "intake_text": form["intake_text"],
        "education_level": form["education_level"],
        "state": form["state"],
        "zip": form["zip"],
        "last_hourly_wage": float(form["last_hourly_wage"]),
        "constraints": {
            "max_cost": float(form["max_cost"]),
            "max_weeks": float(form["max_weeks"]),
            "schedule": form["schedule"],
            "radius_miles": float(form["radius_miles"]),
        },
    }


@pytest.fixture(scope="module")
def web(api_server):
    """A signed-in cookie-keeping client and the CSRF token of its session."""
    with httpx.Client(base_url=api_server.base_url, timeout=120) as client:
        token = CSRF.search(client.get("/login").text).group(1)
        reply = client.post("/login", data={"api_key": TEST_KEY, "csrf_token": token})
        assert reply.status_code == 303
        page = client.get("/case")
        assert page.status_code == 200
        yield client, CSRF.search(page.text).group(1)


def post(web, path: str, data: dict[str, object]) -> httpx.Response:
    client, token = web
    return client.post(path, data={**data, "csrf_token": token})


@pytest.mark.parametrize("form", [CNA, CASHIER], ids=["cna", "cashier"])
def test_cards_rank_the_programs_the_api_ranks(web, api_server, form) -> None:
    page = post(web, "/case/referrals", form)
    assert page.status_code == 200, page.text[:2000]
    api = httpx.post(
        f"{api_server.base_url}/v1/referrals",
        json={"participant": as_api(form), "top_k": 10},
        headers=api_server.headers,
        timeout=120,
    ).json()
    assert CARD.findall(page.text) == [r["program_id"] for r in api["referrals"]]
    assert api["referrals"], "the demo participant gets ranked programs"
    assert page.text.count('<details class="why-not">') == len(api["excluded"])
    assert page.headers["cache-control"] == "no-store"


def test_evidence_is_marked_in_its_sentence_and_pathways_have_steps(web) -> None:
    page = post(web, "/case/referrals", CNA).text
    assert re.search(r"<li>[^<]*<mark>[^<]+</mark>", page), "evidence words in <mark>"
    assert 'class="steps"' in page and "/hour" in page
    assert 'id="print-sheet"' in page and "/static/js/print.js" in page
    assert "<script>" not in page and "style=" not in page


def test_correcting_an_occupation_changes_the_reading(web) -> None:
    first = post(web, "/case/referrals", CASHIER).text
    readings = READING.findall(first)
    assert len(readings) == 2 and all(readings)
    options = re.findall(
        r'<select id="occupation-0" name="occupation_choice">(.*?)</select>', first, re.S
    )[0]
    codes = re.findall(r'<option value="([^"]+)"', options)
    other = next(c for c in codes if c != readings[0])
    rerun = post(
        web,
        "/case/referrals",
        {**CASHIER, "reading": readings, "occupation_choice": [other, readings[1]]},
    )
    assert rerun.status_code == 200
    assert READING.findall(rerun.text) == [other, readings[1]]
    unchanged = post(
        web, "/case/referrals", {**CASHIER, "reading": readings, "occupation_choice": readings}
    )
    assert CARD.findall(unchanged.text) == CARD.findall(first), "no change, same question"
    typed = post(web, "/case/referrals", {**CASHIER, "occupation_codes": f"{other}\n{readings[1]}"})
    assert READING.findall(typed.text) == [other, readings[1]], "codes typed at intake"


def test_compare_shows_the_chosen_programs(web) -> None:
    page = post(web, "/case/referrals", CNA).text
    ids = CARD.findall(page)[:2]
    names = re.findall(r'<article class="card referral".*?<h3>(.*?)</h3>', page, re.S)[:2]
    table = post(web, "/case/compare", {**CNA, "compare": ids})
    assert table.status_code == 200
    head = re.search(r"<thead>(.*?)</thead>", table.text, re.S).group(1)
    assert all(name in head for name in names)
    assert post(web, "/case/compare", {**CNA, "compare": ids[:1]}).status_code == 422


def test_spanish_page_says_notes_are_read_in_english_only(web) -> None:
    client, _ = web
    client.get("/lang/es", params={"next": "/case"})
    try:
        page = client.get("/case").text
        assert '<html lang="es">' in page and "solo en inglés" in page
        assert "Derivaciones" in page
    finally:
        client.get("/lang/en", params={"next": "/case"})
    assert "solo en inglés" not in client.get("/case").text


def test_bad_field_csrf_and_sign_in_are_enforced(web, api_server) -> None:
    bad = post(web, "/case/referrals", {**CNA, "last_hourly_wage": "lots"})
    assert bad.status_code == 422 and 'id="last_hourly_wage-error"' in bad.text
    bad = post(web, "/case/referrals", {**CNA, "occupation_codes": "nurse"})
    assert bad.status_code == 422 and 'id="occupation_codes-error"' in bad.text
    client, _ = web
    assert client.post("/case/referrals", data=CNA).status_code == 403
    with httpx.Client(base_url=api_server.base_url) as stranger:
        away = stranger.get("/case")
        assert away.status_code == 303 and away.headers["location"] == "/login?next=/case"


def test_server_log_has_no_participant_text(web, api_server) -> None:
    post(web, "/case/referrals", CNA)
    log = api_server.log()
    assert "POST /case/referrals 200" in log, "access lines are written"
    assert SECRET not in log and "Certified Nursing Assistant" not in log
    assert "Traceback" not in log
