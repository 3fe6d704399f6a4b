"""College and analyst pages in a real browser (fixtures in ``conftest.py``).

A catalog upload goes through target confirmation to the gap report; a caseload upload
runs the real batch, the job page polls its progress with htmx until the results appear,
the CSV download is read, and the job stays private (its temp folder removed, nothing of
the caseload logged, another key's session gets 404, deleted results are gone). Every
page is screenshotted, checked by axe-core (no serious or critical violation) and watched
for CSP violations (the inline plots are data: images).
"""

from __future__ import annotations

import io
import json
import re
import tempfile
from pathlib import Path
from typing import Any

import httpx
import polars as pl
from api_server import OTHER_KEY, REPO, ApiServer
from web_helpers import check_axe, csp_errors, shot

CATALOG = REPO / "demo/data/courses/mercer_catalog_demo/advanced_manufacturing.json"
CASELOAD = REPO / "demo/data/participants/demo_caseload.csv"
JOB_TIMEOUT_MS = 600_000  # a guard against a hung job, not a speed assertion


def checked(page: Any, name: str) -> None:
    shot(page, name)
    check_axe(page)
    assert csp_errors(page) == [], csp_errors(page)


def test_catalog_upload_gives_a_gap_report(logged_in_page: Any) -> None:
    page = logged_in_page
    page.goto("/college")
    checked(page, "test_college_upload")
    page.get_by_label("Course catalog file").set_input_files(str(CATALOG))
    page.get_by_label("State").select_option("NJ")
    page.get_by_role("button", name="Find target occupations").click()
    page.wait_for_url("**/college/targets")
    boxes = page.locator("input[name='occupation']")
    assert boxes.count() >= 1 and boxes.first.is_checked(), "inferred targets, checked"
    checked(page, "test_college_targets")
    page.get_by_role("button", name="Show the gap report").click()
    page.wait_for_url("**/college/report")
    assert page.get_by_role("heading", name="Gaps, by demand weight").is_visible()
    plots = page.locator("figure img")
    assert plots.count() == 3
    assert all(plots.nth(i).evaluate("img => img.naturalWidth > 0") for i in range(3))
    checked(page, "test_college_report")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download JSON").click()
    download = download_info.value
    assert download.suggested_filename == "gaps-advanced_manufacturing.json"


def test_caseload_upload_runs_and_downloads_the_referrals(
    logged_in_page: Any, web_server: ApiServer
) -> None:
    page = logged_in_page
    before = set(Path(tempfile.gettempdir()).glob("pm-batch-*"))
    page.goto("/analyst")
    checked(page, "test_analyst_upload")
    page.get_by_label("Caseload file").set_input_files(str(CASELOAD))
    page.get_by_label("Referrals per participant").fill("3")
    page.get_by_role("button", name="Start scoring").click()
    page.wait_for_url("**/analyst/jobs/*")
    assert page.locator("#job-progress[hx-trigger='every 1s']").count() == 1, "polls"
    checked(page, "test_analyst_running")
    page.locator("#job-progress.job-finished").wait_for(timeout=JOB_TIMEOUT_MS)
    assert page.get_by_role("heading", name="Done").is_visible()
    scored = int(page.locator("#count-scored").inner_text())
    assert scored > 0
    checked(page, "test_analyst_done")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="referrals.csv").click()
    download = download_info.value
    rows = pl.read_csv(io.BytesIO(open(download.path(), "rb").read()))
    assert rows["participant_id"].n_unique() == scored
    assert set(rows["participant_id"]) <= set(pl.read_csv(CASELOAD)["participant_id"])
    assert rows.filter(pl.col("rank").is_not_null())["rank"].max() <= 3
    job = page.url.removeprefix(web_server.base_url)
    assert re.fullmatch(r"/analyst/jobs/[A-Za-z0-9_-]{20,}", job), job
    same_user = page.context.request
    parquet = pl.read_parquet(io.BytesIO(same_user.get(f"{job}/referrals.parquet").body()))
    assert parquet.height == rows.height
    assert same_user.get(f"{job}/rejects.csv").status == 200
    assert isinstance(json.loads(same_user.get(f"{job}/disparity.json").body()), list)
    assert set(Path(tempfile.gettempdir()).glob("pm-batch-*")) <= before, "temp folder removed"
    assert "DEMO-P001" not in web_server.log(), "nothing of the caseload is logged"
    assert_other_user_cannot_reach(web_server, job)
    page.get_by_role("button", name="Delete the results now").click()
    page.wait_for_url("**/analyst?deleted=1")
    assert page.get_by_role("status").is_visible()
    assert same_user.get(f"{job}/referrals.csv").status == 404, "deleted results are gone"


def assert_other_user_cannot_reach(server: ApiServer, job: str) -> None:
    """A session signed in with another key gets 404 for the job, its files and progress."""
    with httpx.Client(base_url=server.base_url, timeout=120) as other:
        form = other.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token, "the login form carries its CSRF token"
        signed = other.post(
            "/login", data={"api_key": OTHER_KEY, "csrf_token": token.group(1), "next": "/"}
        )
        assert signed.status_code == 303, signed.text[:500]
        for path in (job, f"{job}/referrals.csv", f"{job}/progress"):
            assert other.get(path).status_code == 404, path
