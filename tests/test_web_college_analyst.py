"""College and analyst pages against a real server (httpx, no browser).

One server for the module, started with two keys so a second key's session can be shown
not to reach the first one's batch job. The college flow is compared with ``POST /v1/gaps``
for the same courses; the analyst flow runs the real batch (Ray) on the demo caseload.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import polars as pl
import pytest
from api_server import REPO, TEST_KEY, ApiServer, running_server
from demo_homes import HomeTemplate

from matching.curriculum.gaps import read_courses

OTHER_KEY = "other-key-91d3a7"  # not a secret: only this module's server accepts it
CATALOG = REPO / "demo/data/courses/mercer_catalog_demo/advanced_manufacturing.json"
CASELOAD = REPO / "demo/data/participants/demo_caseload.csv"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')
CHECKED = re.compile(r'name="occupation" value="([^"]+)" checked')
POLL_LIMIT_S = 600  # a guard against a hung job, not a speed assertion


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, demo_home_template: HomeTemplate
) -> Iterator[ApiServer]:
    home = demo_home_template.copy(tmp_path_factory.mktemp("college_analyst_home"))
    with running_server(home, key=f"{TEST_KEY},{OTHER_KEY}") as started:
        yield started


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


def wait_done(client: httpx.Client, job: str) -> str:
    deadline = time.monotonic() + POLL_LIMIT_S
    while time.monotonic() < deadline:
        fragment = client.get(f"{job}/progress")
        assert fragment.status_code == 200
        if "hx-trigger" not in fragment.text:
            return fragment.text
        assert 'hx-get="' + job + '/progress"' in fragment.text
        time.sleep(1)
    pytest.fail(f"the job did not finish within {POLL_LIMIT_S} s")


def test_caseload_job_runs_downloads_and_stays_private(
    client: httpx.Client, server: ApiServer
) -> None:
    token = csrf_of(client.get("/analyst").text)
    before = set(Path(tempfile.gettempdir()).glob("pm-batch-*"))
    started = client.post(
        "/analyst/jobs",
        data={"csrf_token": token, "top_k": "3", "region": ""},
        files={"caseload": (CASELOAD.name, CASELOAD.read_bytes(), "text/csv")},
    )
    assert started.status_code == 303, started.text[:1000]
    job = started.headers["location"]
    assert re.fullmatch(r"/analyst/jobs/[A-Za-z0-9_-]{20,}", job)
    page = client.get(job)
    assert page.status_code == 200 and 'hx-trigger="every 1s"' in page.text

    done = wait_done(client, job)
    assert "The job failed" not in done, done
    ids = set(pl.read_csv(CASELOAD, columns=["participant_id"])["participant_id"])
    scored = int(re.search(r'id="count-scored">(\d+)<', done).group(1))  # type: ignore[union-attr]
    assert 0 < scored <= len(ids)
    assert 'src="data:image/png;base64,' in done, "the disparity plot is inline"

    csv = client.get(f"{job}/referrals.csv")
    assert csv.status_code == 200 and "attachment" in csv.headers["content-disposition"]
    rows = pl.read_csv(io.BytesIO(csv.content))
    assert set(rows["participant_id"]) <= ids and rows["participant_id"].n_unique() == scored
    assert rows.filter(pl.col("rank").is_not_null())["rank"].max() <= 3
    parquet = pl.read_parquet(io.BytesIO(client.get(f"{job}/referrals.parquet").content))
    assert parquet.height == rows.height
    assert client.get(f"{job}/rejects.csv").status_code == 200
    assert isinstance(json.loads(client.get(f"{job}/disparity.json").content), list)
    after = set(Path(tempfile.gettempdir()).glob("pm-batch-*"))
    assert after <= before, "the job's temp folder is removed once its results are read"
    assert "DEMO-P001" not in server.log(), "nothing of the caseload is logged"

    other = signed_in(server, OTHER_KEY)
    try:
        assert other.get(job).status_code == 404
        assert other.get(f"{job}/referrals.csv").status_code == 404
        assert other.get(f"{job}/progress").status_code == 404
    finally:
        other.close()

    deleted = client.post(f"{job}/delete", data={"csrf_token": token})
    assert deleted.status_code == 303
    assert client.get(f"{job}/referrals.csv").status_code == 404
