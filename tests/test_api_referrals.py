"""``/v1/referrals`` and ``/v1/pathways`` against a real uvicorn (the ``api_server`` fixture)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import httpx
import pytest
from api_server import demo_home

PARTICIPANT = {
    "participant_id": "api-t-7",
    "past_job_titles": ["Certified Nursing Assistant"],
    "intake_text": "Nursing home aide for three years, unusualphrase-q7 in my notes.",
    "education_level": "high_school_equivalency",
    "state": "NJ",
    "zip": "08619",
    "last_hourly_wage": 20.5,
    "constraints": {"max_cost": 40000, "max_weeks": 82, "schedule": "evening", "radius_miles": 20},
}


def post(server, path: str, body: object, **kw: object) -> httpx.Response:
    headers = kw.pop("headers", server.headers)
    return httpx.post(f"{server.base_url}{path}", json=body, headers=headers, timeout=60, **kw)


def test_referrals_ranked_explained_and_traceable(api_server) -> None:
    reply = post(api_server, "/v1/referrals", {"participant": PARTICIPANT, "top_k": 3})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["meta"]["bundle"] and body["meta"]["request_id"]
    assert 1 <= len(body["referrals"]) <= 3
    assert [r["rank"] for r in body["referrals"]] == list(range(1, len(body["referrals"]) + 1))
    assert all(r["explanation"] and r["schedule"] in ("evening", None) for r in body["referrals"])
    reasons = {code for e in body["excluded"] for code in (x["code"] for x in e["reasons"])}
    assert "schedule" in reasons


def test_pathways_climb_to_rn(api_server) -> None:
    longer = {**PARTICIPANT, "constraints": {**PARTICIPANT["constraints"], "max_weeks": 110}}
    reply = post(api_server, "/v1/pathways", {"participant": longer, "target": "29-1141.00"})
    assert reply.status_code == 200, reply.text
    pathways = reply.json()["pathways"]
    assert pathways and all(p["steps"][-1]["target"]["code"] == "29-1141.00" for p in pathways)


def test_malformed_participant_is_422_with_path_and_no_echo(api_server) -> None:
    bad = {**PARTICIPANT, "last_hourly_wage": "lots-q7-secret", "zip": "ABCDE"}
    for path in ("/v1/referrals", "/v1/pathways"):
        reply = post(api_server, path, {"participant": bad})
        assert reply.status_code == 422
        locs = [tuple(d["loc"]) for d in reply.json()["detail"]]
        assert ("body", "participant", "last_hourly_wage") in locs
        assert "lots-q7-secret" not in reply.text and "ABCDE" not in reply.text
    assert "unusualphrase-q7" not in api_server.log()


def test_unknown_region_is_404_and_missing_region_422(api_server) -> None:
    for path in ("/v1/referrals", "/v1/pathways"):
        reply = post(api_server, path, {"participant": {**PARTICIPANT, "state": "QZ"}})
        assert reply.status_code == 404 and reply.json()["known"] == ["NJ"]
        assert "QZ" not in reply.text, "a 404 does not repeat the region that was sent"
    reply = post(api_server, "/v1/pathways", {"participant": {**PARTICIPANT, "state": None}})
    assert reply.status_code == 422
    assert ["body", "region"] in [d["loc"] for d in reply.json()["detail"]]


def test_key_and_size_limits(api_server) -> None:
    for path in ("/v1/referrals", "/v1/pathways"):
        assert post(api_server, path, {"participant": PARTICIPANT}, headers={}).status_code == 401
        huge = {**PARTICIPANT, "intake_text": "x" * 2_000_000}
        assert post(api_server, path, {"participant": huge}).status_code == 413


# ------------------------------------------------------- issue 12: no 5xx, no wrong numbers


def test_a_last_wage_of_0_gives_routes_not_a_500(api_server) -> None:
    """Regression: the pay line divided by the start wage (ZeroDivisionError, a 500)."""
    reply = post(
        api_server, "/v1/pathways", {"participant": {**PARTICIPANT, "last_hourly_wage": 0}}
    )
    assert reply.status_code == 200, reply.text
    pathways = reply.json()["pathways"]
    assert pathways
    for p in pathways:
        assert p["start_hourly_wage"] == 0
        assert p["annual_wage_gain"] == round(p["end_hourly_wage"] * 2080)
        pay = [line for line in p["explanation"] if line.startswith("Pay:")]
        assert pay and "%" not in pay[0], "no percentage change from a wage of 0"
        assert not {"nan", "inf"} & set(json.dumps(p).lower().replace('"', " ").split())
    referral = post(
        api_server, "/v1/referrals", {"participant": {**PARTICIPANT, "last_hourly_wage": 0}}
    )
    assert referral.status_code == 200, referral.text


@pytest.mark.parametrize("value", ["Infinity", "-Infinity", "NaN", "1e999"])
@pytest.mark.parametrize(
    "field",
    [
        "last_hourly_wage",
        "constraints.max_cost",
        "constraints.max_weeks",
        "constraints.radius_miles",
    ],
)
def test_non_finite_numbers_are_422_naming_the_field_not_the_value(
    api_server, field: str, value: str
) -> None:
    """Regression: Infinity was accepted ("Pay: $inf/h", 422 "math domain error")."""
    participant = {**PARTICIPANT, "constraints": dict(PARTICIPANT["constraints"])}
    *parents, name = field.split(".")
    (participant["constraints"] if parents else participant)[name] = 123456.789
    text = json.dumps({"participant": participant}).replace("123456.789", value)
    for path in ("/v1/referrals", "/v1/pathways"):
        reply = httpx.post(
            f"{api_server.base_url}{path}",
            content=text,
            timeout=60,
            headers={**api_server.headers, "content-type": "application/json"},
        )
        assert reply.status_code == 422, reply.text
        errors = reply.json()["detail"]
        assert ["body", "participant", *parents, name] in [e["loc"] for e in errors]
        shown = json.dumps([{k: e[k] for k in ("msg", "type")} for e in errors])
        assert value.strip("-") not in shown and "math domain" not in reply.text


def test_out_of_range_or_mistyped_numbers_are_422(api_server) -> None:
    for bad, kind in (
        ({"last_hourly_wage": 45000}, "less_than_equal"),
        ({"constraints": {"max_cost": 1e12}}, "less_than_equal"),
        ({"constraints": {"max_weeks": 10**6}}, "less_than_equal"),
        ({"last_hourly_wage": True}, "float_type"),
        ({"last_hourly_wage": "20.5"}, "float_type"),
        ({"wioa": {"veteran": "yes"}}, "bool_type"),
    ):
        reply = post(api_server, "/v1/pathways", {"participant": {**PARTICIPANT, **bad}})
        assert reply.status_code == 422, reply.text
        assert reply.json()["detail"][0]["type"] == kind
    assert (
        post(api_server, "/v1/pathways", {"participant": PARTICIPANT, "top_k": True}).status_code
        == 422
    )


@pytest.mark.parametrize("path", ["/v1/referrals", "/v1/pathways"])
def test_a_lone_surrogate_is_422_without_codec_text_or_the_value(api_server, path: str) -> None:
    """Regression: the 422 quoted Python's codec message (and with it the text)."""
    lone = {**PARTICIPANT, "intake_text": "worked at unusualname-z3 \ud800 for years"}
    body = json.dumps({"participant": lone})  # ASCII JSON: the half is sent as \\ud800
    assert "\\ud800" in body
    reply = httpx.post(
        f"{api_server.base_url}{path}",
        content=body,
        timeout=60,
        headers={**api_server.headers, "content-type": "application/json"},
    )
    assert reply.status_code == 422, reply.text
    (error,) = reply.json()["detail"]
    assert error["loc"] == ["body", "participant", "intake_text"]
    assert error["type"] == "string_unicode"
    assert "codec" not in reply.text and "surrogates not allowed" not in reply.text
    assert "unusualname-z3" not in reply.text
    paired = json.dumps({"participant": {**lone, "intake_text": "worked \U0001f600 there"}})
    assert "\\ud83d\\ude00" in paired  # an emoji, spelled as a surrogate pair
    ok = httpx.post(
        f"{api_server.base_url}{path}",
        content=paired,
        timeout=60,
        headers={**api_server.headers, "content-type": "application/json"},
    )
    assert ok.status_code == 200, ok.text


def test_the_reader_caches_only_public_vocabulary_titles(tmp_path: Path) -> None:
    """Issue 12: the title cache held 65,536 participants' titles; it now keeps only O*NET
    titles (not personal), and a personal title is looked up and forgotten."""
    from matching.settings import Settings
    from serving.engine import Engine
    from serving.reader import EngineReader

    home = demo_home(tmp_path / "home")
    reader = EngineReader(Engine.load(Settings(home=home)))
    personal = "CNA at the Zqxv family's home, 3 yrs"
    first = reader.title_occupations([personal])
    assert reader._known_title.cache_info().currsize == 0
    assert first and first[0].title == personal
    again = reader.title_occupations([personal])
    assert again == first and reader._known_title.cache_info().currsize == 0
    known = reader.title_occupations(["Nursing Assistants", "nursing  ASSISTANTS"])
    assert [h.code for h in known] == ["31-1131.00", "31-1131.00"]
    assert [h.title for h in known] == ["Nursing Assistants", "nursing  ASSISTANTS"]
    assert reader._known_title.cache_info().currsize == 2
    reader.title_occupations(["Nursing Assistants"])
    assert reader._known_title.cache_info().hits == 1
    assert not math.isnan(known[0].score)
