"""What a case manager hands the client (issue 15 item 9), through a real uvicorn.

``GET /v1/programs/{id}`` shows the provider's phone, website, contact person, address and
the cost breakdown; an unknown id is a 404 that suggests ids; each ``/v1/programs`` filter
narrows the list to exactly the programs it should; a bad filter is a 422 naming the
parameter; a referral carries the same provider contact.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from api_server import ApiServer

CNA_EVENING = "60102"  # Certified Nurse Aide - Evening and Weekend, Capital City, Trenton


@pytest.fixture(scope="module")
def client(api_server: ApiServer) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=api_server.base_url, headers=api_server.headers, timeout=60.0
    ) as session:
        yield session


@pytest.fixture(scope="module")
def everything(client: httpx.Client) -> list[dict]:
    body = client.get("/v1/programs", params={"region": "NJ", "limit": 200}).json()
    assert body["total"] == len(body["programs"]) > 20
    return body["programs"]


def listed(client: httpx.Client, **params: object) -> list[dict]:
    reply = client.get("/v1/programs", params={"region": "NJ", "limit": 200, **params})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["total"] == len(body["programs"])
    return body["programs"]


def ids(programs: list[dict]) -> set[str]:
    return {p["program_id"] for p in programs}


def test_detail_shows_contact_address_cost_breakdown_and_schedule(client: httpx.Client) -> None:
    reply = client.get(f"/v1/programs/{CNA_EVENING}")
    assert reply.status_code == 200, reply.text
    program = reply.json()["program"]
    provider = program["provider"]
    assert provider["name"] == "Capital City Nurse Aide Academy - Trenton"
    assert provider["phone"] == "(609) 555-0142"
    assert provider["website"] == "https://www.capitalcitycna-demo.com"
    assert provider["email"] == "mocasio@capitalcitycna-demo.com"
    assert provider["contact_name"] == "Marisol Ocasio"
    assert provider["address"]["zip"] == "08608" and provider["address"]["street"]
    cost = program["cost_breakdown"]
    assert cost["total"] == 1635.0
    parts = [cost[k] for k in ("tuition", "fees", "books", "supplies", "other")]
    assert all(v is not None for v in parts) and sum(parts) == pytest.approx(cost["total"])
    assert "Monday and Wednesday evenings" in program["schedule_text"]
    assert program["description"] and program["weeks_low"] <= program["weeks_high"]
    assert program["reported"]["employment_q2_n"] is not None
    assert all(s["skill_id"] and s["sentence"] for s in program["taught"])


def test_unknown_program_is_404_with_suggestions(client: httpx.Client) -> None:
    reply = client.get("/v1/programs/60199")
    assert reply.status_code == 404
    body = reply.json()
    assert "unknown program id" in body["detail"]
    suggested = [s["program_id"] for s in body["suggestions"]]
    assert suggested and all(i.startswith("601") for i in suggested)
    assert body["meta"]["request_id"]


def test_list_items_carry_phone_website_and_costs(everything: list[dict]) -> None:
    cna = next(p for p in everything if p["program_id"] == CNA_EVENING)
    assert cna["provider"]["phone"] == "(609) 555-0142"
    assert cna["cost_breakdown"]["total"] == cna["cost_total"] == 1635.0
    no_record = next(p for p in everything if p["provider_name"] is None)
    assert no_record["provider"]["phone"] is None  # unknown stays unknown


def test_keyword_matches_name_description_or_provider_case_insensitively(
    client: httpx.Client, everything: list[dict]
) -> None:
    aide = listed(client, keyword="NURSE aide")
    # the home health aide course is in by its provider, Capital City Nurse Aide Academy
    assert ids(aide) == {"60101", "60102", "60103"}
    by_provider = listed(client, keyword="route one")
    assert ids(by_provider) == {"60601", "60602", "60603"}
    by_description = listed(client, keyword="quickbooks")
    assert "61101" in ids(by_description) and len(by_description) < len(everything)


def test_schedule_filter_reads_the_listing_and_its_name(
    client: httpx.Client, everything: list[dict]
) -> None:
    assert ids(listed(client, schedule="weekends")) == {"60102", "60202"}
    evening = listed(client, schedule="evening")
    assert evening and all(p["schedule"] == "evening" or "Evening" in p["name"] for p in evening)
    day_or_weekend = ids(listed(client, schedule="day or weekend"))
    assert {"60101", "60102", "60202"} <= day_or_weekend and "60403" not in day_or_weekend
    assert len(listed(client, schedule="any")) == len(everything)


def test_format_cost_and_weeks_filters(client: httpx.Client, everything: list[dict]) -> None:
    hybrid = listed(client, format="hybrid")
    assert hybrid and {p["format"] for p in hybrid} == {"hybrid"}
    assert ids(hybrid) == {p["program_id"] for p in everything if p["format"] == "hybrid"}
    cheap = listed(client, max_cost=1000)
    priced = [p for p in everything if p["cost_total"] is not None]
    assert ids(cheap) == {p["program_id"] for p in priced if p["cost_total"] <= 1000}
    short = listed(client, max_weeks=3)
    assert short and all(p["weeks"] <= 3 for p in short) and len(short) < len(everything)


def test_distance_filter_measures_from_the_zip(
    client: httpx.Client, everything: list[dict]
) -> None:
    near = listed(client, zip="08608", max_miles=3)
    assert near and all(p["distance_miles"] <= 3 for p in near)
    assert CNA_EVENING in ids(near)  # same ZIP
    assert not {p["program_id"] for p in everything if p["location_zip"] == "08550"} & ids(near)
    far = listed(client, zip="08608", max_miles=60)
    assert len(near) < len(far) and all(p["location_zip"] for p in far)
    measured = listed(client, zip="08608")  # no cap: every program, with its distance
    assert len(measured) == len(everything)
    assert {p["program_id"] for p in measured if p["distance_miles"] is None} == {
        p["program_id"] for p in everything if p["location_zip"] is None
    }
    unknown = client.get("/v1/programs", params={"region": "NJ", "zip": "99999"})
    assert unknown.status_code == 404 and "no location point" in unknown.json()["detail"]
    assert "99999" not in unknown.text


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"schedule": "whenever-q7x"}, "schedule"),
        ({"format": "by-carrier-pigeon"}, "format"),
        ({"max_cost": -5}, "max_cost"),
        ({"max_weeks": "soon"}, "max_weeks"),
        ({"zip": "ABCDE", "max_miles": 5}, "zip"),
        ({"max_miles": 5}, "zip"),
        ({"keyword": "a"}, "keyword"),
    ],
)
def test_bad_filter_is_422_naming_the_parameter(
    client: httpx.Client, params: dict, field: str
) -> None:
    reply = client.get("/v1/programs", params={"region": "NJ", **params})
    assert reply.status_code == 422, reply.text
    locs = [d["loc"] for d in reply.json()["detail"]]
    assert ["query", field] in locs
    assert "q7x" not in reply.text


def test_referral_carries_the_provider_contact(api_server: ApiServer) -> None:
    participant = {
        "participant_id": "contact-t-1",
        "past_job_titles": ["Certified Nursing Assistant"],
        "intake_text": "Nursing home aide for three years.",
        "state": "NJ",
        "zip": "08619",
        "constraints": {"max_cost": 40000, "max_weeks": 104},
    }
    reply = httpx.post(
        f"{api_server.base_url}/v1/referrals",
        json={"participant": participant, "top_k": 5},
        headers=api_server.headers,
        timeout=60,
    )
    assert reply.status_code == 200, reply.text
    referrals = reply.json()["referrals"]
    with_record = [r for r in referrals if r["provider_name"]]
    assert with_record
    for r in with_record:
        assert r["provider"]["name"] == r["provider_name"]
        assert r["provider"]["phone"].startswith("(609) ")
        assert r["provider"]["website"].startswith("https://")
        assert r["provider"]["address"]["zip"]
        assert r["cost_breakdown"]["total"] == r["cost"]
