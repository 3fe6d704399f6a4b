"""``/v1/referrals`` and ``/v1/pathways`` against a real uvicorn (the ``api_server`` fixture)."""

from __future__ import annotations

import httpx

PARTICIPANT = {
    "participant_id": "api-t-7",
    "past_job_titles": ["Certified Nursing Assistant"],
    "intake_text": "Nursing home aide for three years, unusualphrase-q7 in my notes.",
    "education_level": "high_school_equivalency", "state": "NJ", "zip": "08619",
    "last_hourly_wage": 20.5,
    "constraints": {"max_cost": 40000, "max_weeks": 82, "schedule": "evening",
                    "radius_miles": 20},
}


def post(server, path: str, body: object, **kw: object) -> httpx.Response:  # noqa: ANN001
    headers = kw.pop("headers", server.headers)
    return httpx.post(f"{server.base_url}{path}", json=body, headers=headers, timeout=60, **kw)


def test_referrals_ranked_explained_and_traceable(api_server) -> None:  # noqa: ANN001
    reply = post(api_server, "/v1/referrals", {"participant": PARTICIPANT, "top_k": 3})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["meta"]["bundle"] and body["meta"]["request_id"]
    assert 1 <= len(body["referrals"]) <= 3
    assert [r["rank"] for r in body["referrals"]] == list(range(1, len(body["referrals"]) + 1))
    assert all(r["explanation"] and r["schedule"] in ("evening", None)
               for r in body["referrals"])
    reasons = {code for e in body["excluded"] for code in (x["code"] for x in e["reasons"])}
    assert "schedule" in reasons


def test_pathways_climb_to_rn(api_server) -> None:  # noqa: ANN001
    reply = post(api_server, "/v1/pathways", {"participant": PARTICIPANT,
                                              "target": "29-1141.00"})
    assert reply.status_code == 200, reply.text
    pathways = reply.json()["pathways"]
    assert pathways and all(p["steps"][-1]["target"]["code"] == "29-1141.00" for p in pathways)


def test_malformed_participant_is_422_with_path_and_no_echo(api_server) -> None:  # noqa: ANN001
    bad = {**PARTICIPANT, "last_hourly_wage": "lots-q7-secret", "zip": "ABCDE"}
    for path in ("/v1/referrals", "/v1/pathways"):
        reply = post(api_server, path, {"participant": bad})
        assert reply.status_code == 422
        locs = [tuple(d["loc"]) for d in reply.json()["detail"]]
        assert ("body", "participant", "last_hourly_wage") in locs
        assert "lots-q7-secret" not in reply.text and "ABCDE" not in reply.text
    assert "unusualphrase-q7" not in api_server.log()


def test_unknown_region_is_404_and_missing_region_422(api_server) -> None:  # noqa: ANN001
    reply = post(api_server, "/v1/referrals", {"participant": {**PARTICIPANT, "state": "WA"}})
    assert reply.status_code == 404 and "NJ" in reply.json()["detail"]
    reply = post(api_server, "/v1/pathways", {"participant": {**PARTICIPANT, "state": None}})
    assert reply.status_code == 422
    assert ["body", "region"] in [d["loc"] for d in reply.json()["detail"]]


def test_key_and_size_limits(api_server) -> None:  # noqa: ANN001
    for path in ("/v1/referrals", "/v1/pathways"):
        assert post(api_server, path, {"participant": PARTICIPANT},
                    headers={}).status_code == 401
        huge = {**PARTICIPANT, "intake_text": "x" * 2_000_000}
        assert post(api_server, path, {"participant": huge}).status_code == 413
