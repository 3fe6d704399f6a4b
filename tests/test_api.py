"""The HTTP API against a real uvicorn on loopback (the ``api_server`` fixture).

Every endpoint: its happy path, 422 naming the field without echoing the value, 413 for an
oversized body, 401 without a valid key, 404 for unknown codes; ``meta`` in every body;
and the server's own log holds no submitted text and no 500.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from api_server import REPO, ApiServer

from serving.api.settings import ApiConfigError, ApiSettings

SECRET = "Zyxwvut-Participant-Secret-4417"
MIB = 1024 * 1024
GOOD = {
    ("GET", "/v1/version"): {},
    ("POST", "/v1/extract"): {
        "json": {
            "kind": "intake",
            "top_k": 5,
            "texts": [
                {
                    "id": "n1",
                    "text": "Worked as a CNA. I can drive a forklift and use Microsoft Excel.",
                }
            ],
        }
    },
    ("POST", "/v1/titles"): {"json": {"titles": ["cna", "class a truck driver"], "top_k": 3}},
    ("GET", "/v1/occupations/31-1131.00"): {},
    ("GET", "/v1/programs"): {"params": {"region": "NJ", "limit": 5}},
}
PROTECTED = list(GOOD)
# (request, the field path the 422 must name); every bad value carries SECRET
MALFORMED = [
    (
        ("POST", "/v1/extract"),
        {"json": {"kind": "intake", "texts": [{"id": "a", "text": [SECRET]}]}},
        ["body", "texts", 0, "text"],
    ),
    (
        ("POST", "/v1/extract"),
        {"json": {"kind": SECRET, "texts": [{"id": "a", "text": "x"}]}},
        ["body", "kind"],
    ),
    (
        ("POST", "/v1/extract"),
        {"json": {"kind": "intake", "texts": [{"id": "a", "text": "x"}], "top_k": SECRET}},
        ["body", "top_k"],
    ),
    (
        ("POST", "/v1/extract"),
        {"content": "{" + SECRET, "headers": {"content-type": "application/json"}},
        ["body", 1],
    ),
    (("POST", "/v1/titles"), {"json": {"titles": SECRET}}, ["body", "titles"]),
    (("POST", "/v1/titles"), {"json": {"titles": ["x"], "taxonomy": SECRET}}, ["body", "taxonomy"]),
    (("POST", "/v1/titles"), {"json": {"titles": ["x"], SECRET: 1}}, ["body", SECRET]),
    (("GET", f"/v1/occupations/{SECRET}"), {}, ["path", "code"]),
    (("GET", "/v1/programs"), {"params": {"region": SECRET}}, ["query", "region"]),
    (
        ("GET", "/v1/programs"),
        {"params": {"region": "NJ", "max_cost": SECRET}},
        ["query", "max_cost"],
    ),
    (("GET", "/v1/programs"), {"params": {}}, ["query", "region"]),
    # issue 12: numbers out of range or not finite, a parameter given twice
    (
        ("GET", "/v1/programs"),
        {"params": {"region": "NJ", "offset": 9223372036854775808}},
        ["query", "offset"],
    ),
    (
        ("GET", "/v1/programs"),
        {"params": {"region": "NJ", "max_cost": "inf"}},
        ["query", "max_cost"],
    ),
    (
        ("GET", "/v1/programs"),
        {"params": {"region": "NJ", "max_weeks": "nan"}},
        ["query", "max_weeks"],
    ),
    (
        ("GET", "/v1/programs"),
        {"params": [("region", "NJ"), ("region", SECRET[:2])]},
        ["query", "region"],
    ),
    (("POST", "/v1/titles"), {"json": {"titles": ["x"], "top_k": True}}, ["body", "top_k"]),
    (
        ("POST", "/v1/titles"),
        {
            "content": json.dumps({"titles": ["ok", f"{SECRET} \ud800"]}),
            "headers": {"content-type": "application/json"},
        },
        ["body", "titles", 1],
    ),
]


@pytest.fixture(scope="module")
def client(api_server: ApiServer) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=api_server.base_url, headers=api_server.headers, timeout=60.0
    ) as session:
        yield session


def call(client: httpx.Client, route: tuple[str, str], **kwargs: object) -> httpx.Response:
    method, path = route
    return client.request(method, path, **kwargs)  # type: ignore[arg-type]


def assert_meta(body: dict, bundle: str | None = None) -> None:
    meta = body["meta"]
    assert set(meta) == {"bundle", "models", "notes", "request_id"}
    assert meta["request_id"]
    if bundle:
        assert meta["bundle"] == bundle


# ----------------------------------------------------------------------------- happy paths


def test_health_needs_no_key_and_reports_the_bundle(api_server: ApiServer) -> None:
    reply = httpx.get(f"{api_server.base_url}/v1/health")
    assert reply.status_code == 200
    body = reply.json()
    assert body["status"] == "ok" and body["bundle_present"] is True
    assert body["models_loaded"] == []  # no models registered in the test home
    assert any("title model" in note for note in body["meta"]["notes"])
    assert reply.headers["x-request-id"] == body["meta"]["request_id"]


def test_version_names_bundle_taxonomies_and_environment(client: httpx.Client) -> None:
    body = client.get("/v1/version").json()
    assert body["package"] and body["bundle"] == body["meta"]["bundle"]
    assert body["taxonomies"]["onet"] and body["taxonomies"]["esco"]
    assert body["tracking_uri"].startswith("sqlite:///")
    assert body["ray_address"] == "local"


def test_extract_links_skills_with_their_evidence_sentence(client: httpx.Client) -> None:
    body = call(client, ("POST", "/v1/extract"), **GOOD[("POST", "/v1/extract")]).json()
    (result,) = body["results"]
    assert result["id"] == "n1"
    labels = {s["label"]: s for s in result["skills"]}
    assert "operate forklift" in labels and labels["operate forklift"]["taxonomy"] == "ESCO"
    forklift = labels["operate forklift"]
    text = GOOD[("POST", "/v1/extract")]["json"]["texts"][0]["text"]
    evidence, sentence = forklift["evidence"], forklift["sentence"]
    said = "I can drive a forklift and use Microsoft Excel."
    assert text[sentence["start"] : sentence["end"]] == said
    assert text[evidence["start"] : evidence["end"]] == evidence["text"]
    assert "forklift" in evidence["text"] and 0 < forklift["score"] <= 1
    assert len(result["skills"]) <= 5


def test_titles_rank_occupations_in_input_order(client: httpx.Client) -> None:
    body = call(client, ("POST", "/v1/titles"), **GOOD[("POST", "/v1/titles")]).json()
    first, second = body["results"]
    assert (first["index"], second["index"]) == (0, 1)
    assert first["candidates"][0]["code"] == "31-1131.00"
    assert second["candidates"][0]["code"] == "53-3032.00"
    assert len(first["candidates"]) == 3
    esco = client.post("/v1/titles", json={"titles": ["nurse aide"], "taxonomy": "esco"}).json()
    assert esco["results"][0]["candidates"][0]["code"].startswith("http")


def test_occupation_joins_wages_projections_demand_and_related(client: httpx.Client) -> None:
    body = client.get("/v1/occupations/31-1131.00").json()
    assert body["title"] == "Nursing Assistants" and body["soc2018_code"] == "31-1131"
    assert body["job_zone"] is not None and body["description"]
    assert {w["prim_state"] for w in body["wages"]} >= {"US", "NJ"}
    assert body["projections"]["soc_code"] in ("31-1131", "31-1130")
    assert any(d["region"] == "NJ" and d["postings_dedup"] > 0 for d in body["demand"])
    assert "31-1121.00" in {r["onet_soc_code"] for r in body["related"]}
    web = client.get("/v1/occupations/15-1254.00").json()  # the demo postings with skills
    assert web["top_skills"] and all(0 < s["share"] <= 1 for s in web["top_skills"])
    by_soc = client.get("/v1/occupations/31-1131", params={"region": "nj"}).json()
    assert by_soc["onet_soc_code"] == "31-1131.00"
    assert {d["region"] for d in by_soc["demand"]} == {"NJ"}


def test_programs_filter_page_and_carry_outcomes(client: httpx.Client) -> None:
    everything = client.get("/v1/programs", params={"region": "nj", "limit": 200}).json()
    total = everything["total"]
    assert total == len(everything["programs"]) > 5
    page = client.get("/v1/programs", params={"region": "NJ", "limit": 5, "offset": 5}).json()
    assert [p["program_id"] for p in page["programs"]] == [
        p["program_id"] for p in everything["programs"][5:10]
    ]
    cna = client.get("/v1/programs", params={"region": "NJ", "occupation": "31-1131"}).json()
    assert cna["programs"] and all("31-1131.00" in p["target_onet_codes"] for p in cna["programs"])
    assert cna["programs"][0]["reported"]["employment_q2_n"] is not None
    assert cna["programs"][0]["predicted"] is None  # no outcome model registered
    cheap = client.get(
        "/v1/programs", params={"region": "NJ", "max_cost": 2000, "max_weeks": 12, "limit": 200}
    ).json()
    assert 0 < cheap["total"] < total
    assert all(p["cost_total"] <= 2000 and p["weeks"] <= 12 for p in cheap["programs"])


@pytest.mark.parametrize("route", PROTECTED, ids=lambda r: f"{r[0]} {r[1]}")
def test_every_answer_has_meta_and_bearer_works(
    client: httpx.Client, api_server: ApiServer, route: tuple[str, str]
) -> None:
    kwargs = GOOD[route]
    reply = call(client, route, **kwargs)
    assert reply.status_code == 200, reply.text
    bundle = client.get("/v1/version").json()["bundle"]
    assert_meta(reply.json(), bundle)
    bearer = httpx.request(
        route[0],
        api_server.base_url + route[1],
        timeout=60.0,
        headers={"Authorization": f"Bearer {api_server.key}"},
        **kwargs,
    )  # type: ignore[arg-type]
    assert bearer.status_code == 200


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("route", "kwargs", "loc"),
    MALFORMED,
    ids=[f"{r[1].replace(SECRET, 'X')}-{'.'.join(map(str, loc))}" for r, _, loc in MALFORMED],
)
def test_malformed_input_is_422_naming_the_field_not_the_value(
    client: httpx.Client, route: tuple[str, str], kwargs: dict, loc: list
) -> None:
    reply = call(client, route, **kwargs)
    assert reply.status_code == 422, reply.text
    body = reply.json()
    assert_meta(body)
    assert loc in [error["loc"] for error in body["detail"]]
    for error in body["detail"]:
        assert set(error) == {"loc", "msg", "type"} and error["msg"]
    shown = json.dumps({"detail": [{k: e[k] for k in ("msg", "type")} for e in body["detail"]]})
    assert SECRET not in shown, "the submitted value must not be echoed"


def test_request_caps_are_422_with_the_field(client: httpx.Client) -> None:
    many = [{"id": str(i), "text": "forklift"} for i in range(101)]
    reply = client.post("/v1/extract", json={"kind": "posting", "texts": many})
    assert reply.status_code == 422
    assert reply.json()["detail"][0]["loc"] == ["body", "texts"]
    long = client.post(
        "/v1/extract", json={"kind": "posting", "texts": [{"id": "a", "text": "x " * 15000}]}
    )
    assert long.status_code == 422
    assert long.json()["detail"][0]["loc"] == ["body", "texts", 0, "text"]


@pytest.mark.parametrize("route", PROTECTED, ids=lambda r: f"{r[0]} {r[1]}")
def test_oversized_body_is_413(client: httpx.Client, route: tuple[str, str]) -> None:
    big = json.dumps({"titles": ["a" * 100] * (MIB // 100)}).encode()
    reply = call(client, route, content=big, headers={"content-type": "application/json"})
    assert reply.status_code == 413, reply.text
    assert "limit is 1,048,576 bytes" in reply.json()["detail"]
    assert_meta(reply.json())


def test_oversized_streamed_body_without_length_is_413(client: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"titles": ["'
        for _ in range(40):
            yield b"a" * 32768
        yield b'"]}'

    reply = client.post(
        "/v1/titles", content=chunks(), headers={"content-type": "application/json"}
    )
    assert reply.status_code == 413


@pytest.mark.parametrize("route", PROTECTED, ids=lambda r: f"{r[0]} {r[1]}")
def test_missing_or_wrong_key_is_401_with_a_challenge(
    api_server: ApiServer, route: tuple[str, str]
) -> None:
    url = api_server.base_url + route[1]
    for headers in (
        {},
        {"X-API-Key": "wrong"},
        {"Authorization": "Bearer wrong"},
        {"X-API-Key": api_server.key[:-1]},
    ):
        reply = httpx.request(route[0], url, headers=headers, timeout=60.0, **GOOD[route])  # type: ignore[arg-type]
        assert reply.status_code == 401, (headers, reply.text)
        assert reply.headers["www-authenticate"].startswith("Bearer")
        assert_meta(reply.json())
        assert "API key" in reply.json()["detail"]


def test_unknown_codes_are_404_with_suggestions(client: httpx.Client) -> None:
    occupation = client.get("/v1/occupations/29-1199.00")
    assert occupation.status_code == 404
    assert occupation.json()["suggestions"][0].startswith("29-1141.00")
    assert_meta(occupation.json())
    region = client.get("/v1/programs", params={"region": "TX"})
    assert region.status_code == 404 and region.json()["known"] == ["NJ"]
    target = client.get("/v1/programs", params={"region": "NJ", "occupation": "11-9999.00"})
    assert target.status_code == 404 and target.json()["suggestions"]
    assert client.get("/v1/nothing-here").status_code == 404
    # issue 12: a 404 says what the data has, never what was sent
    assert "29-1199" not in occupation.json()["detail"]
    assert "11-9999" not in target.json()["detail"]
    assert "TX" not in region.text.replace(region.json()["meta"]["request_id"], "")


GAP_COURSE = {
    "code": "CIS 105",
    "title": "Networking Fundamentals",
    "description": "Students configure routers and switches.",
}


def test_gaps_errors_have_the_standard_shapes_and_echo_nothing(client: httpx.Client) -> None:
    """Issue 12: the gaps 422 ``detail`` was a plain string; its 404s quoted the region."""
    both = client.post(
        "/v1/gaps",
        json={
            "courses": [GAP_COURSE],
            "cip_code": "11.0901",
            "occupations": ["15-1231.00"],
            "region": "NJ",
        },
    )
    assert both.status_code == 422
    (error,) = both.json()["detail"]
    assert set(error) == {"loc", "msg", "type"} and error["loc"] == ["body", "occupations"]
    bad_code = client.post(
        "/v1/gaps",
        json={"courses": [GAP_COURSE], "region": "NJ", "occupations": ["15-1231.00", "nope"]},
    )
    assert bad_code.status_code == 422
    assert ["body", "occupations", 1] in [e["loc"] for e in bad_code.json()["detail"]]
    for body in (
        {"courses": [GAP_COURSE], "region": "QZ"},
        {"courses": [GAP_COURSE], "region": "QZ", "occupations": ["15-1231.00"]},
    ):
        reply = client.post("/v1/gaps", json=body)
        assert reply.status_code == 404 and reply.json()["known"] == ["NJ"]
        assert "QZ" not in reply.text
    unknown = client.post(
        "/v1/gaps", json={"courses": [GAP_COURSE], "region": "NJ", "occupations": ["15-1299.97"]}
    )
    assert unknown.status_code == 404 and unknown.json()["suggestions"]
    assert "15-1299.97" not in unknown.json()["detail"]
    blank = client.post(
        "/v1/gaps", json={"courses": [{**GAP_COURSE, "description": "  "}], "region": "NJ"}
    )
    assert blank.status_code == 422
    assert ["body", "courses", 0, "description"] in [e["loc"] for e in blank.json()["detail"]]


def test_gaps_over_courses_without_words_is_not_a_500(client: httpx.Client) -> None:
    """Regression (schemathesis): courses of digits only left TF-IDF no vocabulary."""
    courses = [{"code": "0", "title": "0", "description": "0"}]
    reply = client.post(
        "/v1/gaps", json={"courses": courses, "region": "NJ", "occupations": ["15-1231.00"]}
    )
    assert reply.status_code == 200, reply.text
    inferred = client.post("/v1/gaps", json={"courses": courses, "region": "NJ"})
    assert inferred.status_code == 422
    assert inferred.json()["detail"][0]["loc"] == ["body", "courses"]


def test_openapi_documents_every_error_status_and_one_422_shape(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if path == "/v1/health":
                continue
            codes = set(operation["responses"])
            assert {"200", "401", "413", "500", "503"} <= codes, (method, path, codes)
            if operation.get("parameters") or operation.get("requestBody"):
                assert "422" in codes, (method, path)
                ref = operation["responses"]["422"]["content"]["application/json"]["schema"]
                assert ref["$ref"].endswith("/ValidationErrorBody")
            if operation.get("requestBody"):
                assert "400" in codes, (method, path)
    assert "HTTPValidationError" not in json.dumps(spec)
    for path in (
        "/v1/occupations/{code}",
        "/v1/programs",
        "/v1/referrals",
        "/v1/pathways",
        "/v1/gaps",
    ):
        assert "404" in next(iter(spec["paths"][path].values()))["responses"]


def test_openapi_documents_tags_examples_and_both_key_schemes(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    assert {
        "/v1/extract",
        "/v1/titles",
        "/v1/occupations/{code}",
        "/v1/programs",
        "/v1/health",
        "/v1/version",
    } <= set(spec["paths"])
    schemes = spec["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} >= {"apiKey", "http"}
    assert "security" not in spec["paths"]["/v1/health"]["get"]
    assert spec["paths"]["/v1/programs"]["get"]["security"]
    assert spec["components"]["schemas"]["ExtractRequest"]["examples"]
    described = {t["name"] for t in spec["tags"] if t.get("description")}
    assert {"extract", "titles", "occupations", "programs"} <= described


def test_keys_from_variable_and_file_and_the_insecure_switch(tmp_path: Path) -> None:
    key_file = tmp_path / "keys"
    key_file.write_text("# staff keys\nalpha\n\n  beta  \n", encoding="utf-8")
    settings = ApiSettings(api_keys="gamma, ,delta", api_key_file=key_file)
    assert settings.check() == ("gamma", "delta", "alpha", "beta")
    with pytest.raises(ApiConfigError, match="PATHMATCH_API_INSECURE=1"):
        ApiSettings(api_keys="").check()
    assert ApiSettings(api_keys="", api_insecure=True).check() == ()
    with pytest.raises(ApiConfigError, match="cannot be read"):
        ApiSettings(api_key_file=tmp_path / "missing").check()


def test_every_documented_route_needs_a_key_and_bounds_its_body(
    api_server: ApiServer, client: httpx.Client
) -> None:
    """Routes added later (referrals, pathways, gaps) are covered as soon as they exist."""
    spec = client.get("/openapi.json").json()
    routes = [
        (method.upper(), re.sub(r"\{[^}]+\}", "31-1131.00", path))
        for path, item in spec["paths"].items()
        for method in item
        if path.startswith("/v1/")
    ]
    assert len(routes) >= 6
    big = b"[" + b"1," * MIB + b"1]"
    for method, path in routes:
        url = api_server.base_url + path
        oversized = client.request(
            method, path, content=big, headers={"content-type": "application/json"}
        )
        assert oversized.status_code == 413, (method, path)
        if path == "/v1/health":
            continue
        anonymous = httpx.request(method, url, json={}, timeout=60.0)
        assert anonymous.status_code == 401, (method, path, anonymous.text)
        assert_meta(anonymous.json())


def test_server_log_has_no_submitted_text_and_no_500(
    client: httpx.Client, api_server: ApiServer
) -> None:
    client.post(
        "/v1/extract",
        json={
            "kind": "intake",
            "texts": [{"id": "p", "text": f"My name is {SECRET}; I drove a forklift."}],
        },
    )
    client.post("/v1/titles", json={"titles": [SECRET]})
    client.get("/v1/programs", params={"region": "NJ", "note": SECRET})
    client.post(
        "/v1/titles", content=("[" + SECRET) * 40000, headers={"content-type": "application/json"}
    )
    for route, kwargs, _ in MALFORMED:
        call(client, route, **kwargs)
    log = api_server.log()
    assert "GET /v1/programs 200" in log, "access lines are written"
    assert SECRET not in log
    assert "unhandled" not in log and "Traceback" not in log
    statuses = [
        line.split()[6]
        for line in log.splitlines()
        if "request_id=" in line and line.split()[4] in ("GET", "POST")
    ]
    assert statuses and "500" not in statuses


def test_serve_refuses_to_start_without_a_key(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PATHMATCH_API")}
    env["PATHMATCH_HOME"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "serving.cli", "serve"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "PATHMATCH_API_KEYS" in result.stderr and "PATHMATCH_API_INSECURE" in result.stderr
