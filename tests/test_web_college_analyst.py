"""College and analyst pages against a real server (httpx, no browser).

The session's server (tests/conftest.py ``api_server``). The college flow is compared with
``POST /v1/gaps`` for the same courses; both upload forms refuse a POST without the CSRF
token. The analyst batch job (the real batch on Ray) runs once, in the browser test
(tests/web/test_browser_college_analyst.py), which also checks that it stays private.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from api_server import REPO, TEST_KEY, ApiServer

from matching.curriculum.gaps import read_courses

CATALOG = REPO / "demo/data/courses/mercer_catalog_demo/advanced_manufacturing.json"
CASELOAD = REPO / "demo/data/participants/demo_caseload.csv"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')
CHECKED = re.compile(r'name="occupation" value="([^"]+)" checked')


@pytest.fixture(scope="module")
def server(api_server: ApiServer) -> ApiServer:
    """The session's server (it accepts TEST_KEY and OTHER_KEY): no second engine warm-up."""
    return api_server


def signed_in(server: ApiServer, key: str = TEST_KEY) -> httpx.Client:
    client = httpx.Client(base_url=server.base_url, timeout=120)
    token = csrf_of(client.get("/login").text)
    reply = client.post("/login", data={"api_key": key, "csrf_token": token, "next": "/college"})
    assert reply.status_code == 303, reply.text
    return client


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "every form carries the hidden csrf_token field"
    return found.group(1)


@pytest.fixture(scope="module")
def client(server: ApiServer) -> Iterator[httpx.Client]:
    signed = signed_in(server)
    try:
        yield signed
    finally:
        signed.close()


def test_catalog_to_targets_to_report_and_json_equal_to_the_api(
    client: httpx.Client, server: ApiServer
) -> None:
    form = client.get("/college")
    assert form.status_code == 200 and 'name="catalog"' in form.text
    token = csrf_of(form.text)
    targets = client.post(
        "/college/targets",
        data={"csrf_token": token, "region": "NJ"},
        files={"catalog": (CATALOG.name, CATALOG.read_bytes(), "application/json")},
    )
    assert targets.status_code == 200, targets.text[:2000]
    codes = CHECKED.findall(targets.text)
    assert codes, "the inferred target occupations are listed as checked boxes"
    hidden = dict(HIDDEN.findall(targets.text))
    assert hidden["catalog_name"] == CATALOG.name and hidden["catalog_data"]

    chosen = {**hidden, "occupation": codes[:1]}
    report = client.post("/college/report", data=chosen)
    assert report.status_code == 200, report.text[:2000]
    assert "Gaps, by demand weight" in report.text and "<table>" in report.text
    assert report.text.count('src="data:image/png;base64,') == 3, "the report's three plots"
    assert codes[0] in report.text

    download = client.post("/college/report.json", data=chosen)
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment;")
    read = read_courses(CATALOG)
    courses = [
        {"code": r["code"], "title": r["title"], "description": r["description"]}
        for r in read.table.iter_rows(named=True)
    ]
    api = httpx.post(
        f"{server.base_url}/v1/gaps",
        json={"courses": courses, "occupations": codes[:1], "region": "NJ", "top_k": 20},
        headers={"X-API-Key": TEST_KEY},
        timeout=120,
    )
    assert api.status_code == 200, api.text[:1000]
    assert download.json()["result"] == api.json()["result"]


def test_catalog_problems_are_shown_on_the_form(client: httpx.Client) -> None:
    token = csrf_of(client.get("/college").text)
    wrong = client.post(
        "/college/targets",
        data={"csrf_token": token, "region": "NJ"},
        files={"catalog": ("catalog.txt", b"code,title\n", "text/plain")},
    )
    assert wrong.status_code == 422 and 'role="alert"' in wrong.text
    assert ".csv, .jsonl or .json" in wrong.text


def test_posts_without_csrf_are_refused(client: httpx.Client) -> None:
    college = client.post(
        "/college/targets",
        data={"region": "NJ"},
        files={"catalog": (CATALOG.name, CATALOG.read_bytes(), "application/json")},
    )
    analyst = client.post(
        "/analyst/jobs",
        data={"top_k": "3"},
        files={"caseload": (CASELOAD.name, CASELOAD.read_bytes(), "text/csv")},
    )
    assert college.status_code == 403 and analyst.status_code == 403
