"""The web app in a real browser (issue 16): Debian's Chromium against a real ``pathmatch
serve`` over the demo home (fixtures in ``conftest.py``).

Each page is screenshotted to ``.test-output/web/<test name>.png`` and checked by axe-core
(no serious or critical violation) and for CSP violations (none: no inline script or
style). The tests share one signed-in context, so later tests start where earlier ones
left the page only when they say so (each goes to its own URL first).
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from api_server import ApiServer
from web_helpers import check_axe, csp_errors, log_in, new_context, shot

CNA_EVENING = "60102"  # Certified Nurse Aide - Evening and Weekend, Capital City, Trenton
CNA_PHONE = "(609) 555-0142"


def listed_ids(page: Any) -> list[str]:
    """The program ids the search page lists, in page order (from the detail links)."""
    links = page.locator("ol.program-list h3 a").evaluate_all("els => els.map(e => e.href)")
    return [re.sub(r".*/programs/", "", href) for href in links]


def found(page: Any) -> int:
    """The count in the results heading ("12 programs found")."""
    heading = page.locator("#results-heading").inner_text()
    return int(re.match(r"\d+", heading).group())  # type: ignore[union-attr]


def checked(page: Any, name: str) -> None:
    """Screenshot, axe (fails on serious/critical) and no CSP violation on ``page``."""
    shot(page, name)
    check_axe(page)
    assert csp_errors(page) == [], csp_errors(page)


def test_login_form_signs_in_and_returns_to_the_page_asked_for(
    browser: Any, web_server: ApiServer
) -> None:
    context = new_context(browser, web_server)
    try:
        page = context.new_page()
        page.goto("/programs")
        assert re.search(r"/login\?next=/programs$", page.url), page.url
        checked(page, "test_login")
        page.get_by_label("API key").fill("not-the-key")
        page.locator("form[action='/login'] button[type='submit']").click()
        assert page.get_by_role("alert").is_visible(), "a wrong key says so"
        assert "/login" in page.url
        log_in(page)
        page.goto("/programs")
        assert page.get_by_role("heading", level=1).inner_text() == "Program search"
    finally:
        context.close()


def test_program_search_filters_narrow_the_list_as_the_api_does(
    logged_in_page: Any, web_server: ApiServer
) -> None:
    page = logged_in_page
    page.goto("/programs")
    everything = found(page)
    assert everything > 20 and len(listed_ids(page)) == 20, "first page of the whole list"
    page.get_by_label("Keyword").fill("nurse aide")
    page.get_by_label("Schedule").select_option("evening")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"keyword=nurse\+aide"))
    narrowed = listed_ids(page)
    assert CNA_EVENING in narrowed and 0 < found(page) < everything
    assert page.get_by_label("Keyword").input_value() == "nurse aide", "the form keeps its values"
    checked(page, "test_program_search")
    api = httpx.get(
        f"{web_server.base_url}/v1/programs",
        params={"region": "NJ", "keyword": "nurse aide", "schedule": "evening", "limit": 200},
        headers=web_server.headers,
        timeout=60,
    ).json()
    assert narrowed == [p["program_id"] for p in api["programs"]], "same answer as the API"


def test_a_bad_filter_is_shown_at_its_field(logged_in_page: Any) -> None:
    page = logged_in_page
    reply = page.goto("/programs?zip=0860&max_miles=10")
    assert reply.status == 422
    field = page.get_by_label("ZIP code", exact=True)
    assert field.get_attribute("aria-invalid") == "true"
    assert "5-digit ZIP" in page.locator("#zip-error").inner_text()
    assert page.locator("#results-heading").count() == 0, "no list from a refused search"
    check_axe(page)


def test_program_detail_is_the_handout(logged_in_page: Any) -> None:
    page = logged_in_page
    page.goto("/programs?keyword=nurse+aide&schedule=evening")
    page.locator(f"ol.program-list a[href='/programs/{CNA_EVENING}']").click()
    page.wait_for_url(f"**/programs/{CNA_EVENING}")
    main = page.locator("main")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Certified Nurse Aide")
    assert page.get_by_role("link", name=CNA_PHONE).get_attribute("href") == "tel:(609)555-0142"
    text = main.inner_text()
    for expected in ("Marisol Ocasio", "Trenton, NJ 08608", "capitalcitycna-demo.com"):
        assert expected in text
    total = page.locator("tfoot td").first.inner_text()
    assert total == "$1,635"
    outcomes = page.locator("#outcomes-heading + table tbody tr").first.inner_text()
    assert re.search(r"Employed in the 2nd quarter after exit\s+\d+%\s+\d+", outcomes), outcomes
    checked(page, "test_program_detail")
    missing = page.goto("/programs/6010")
    assert missing.status == 404
    assert page.get_by_role("link", name=re.compile("Certified Nurse Aide")).count() >= 1


def test_spanish_switch_translates_the_page(logged_in_page: Any) -> None:
    page = logged_in_page
    page.goto(f"/programs/{CNA_EVENING}")
    assert page.get_attribute("html", "lang") == "en"
    page.get_by_role("link", name="Español").click()
    try:
        page.wait_for_url(f"**/programs/{CNA_EVENING}")
        assert page.get_attribute("html", "lang") == "es"
        text = page.locator("main").inner_text()
        assert "Proveedor y contacto" in text and "Provider and contact" not in text
        checked(page, "test_spanish_program_detail")
        page.goto("/programs")
        assert page.get_by_role("heading", level=1).inner_text() == "Búsqueda de programas"
        assert page.get_by_label("Palabra clave").is_visible()
    finally:
        page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en"


# The two demo participants of ``make demo`` (demo/data/participants/demo_caseload.csv).
HELP_DESK = {
    "Past job titles (one per line)": "Help Desk Technician\nCustomer Service Representative",
    "Intake notes": "help desk 1 yr at credit union, have A+, do password resets + laptop "
    "setups. want network job, studying Net+ on my own",
    "ZIP code": "08648",
    "Last hourly wage ($)": "22.00",
    "Cost limit ($)": "4000",
    "Most weeks": "16",
    "Distance limit (miles)": "25",
}
HOME_HEALTH_AIDE = {
    "Past job titles (one per line)": "Home Health Aide",
    "Intake notes": "home health aide 4 yrs, hospice + dementia clients. want to become a nurse "
    "step by step, CNA first then LPN then RN. evenings/weekends only. employer helps w/ "
    "tuition + ITA",
    "ZIP code": "08609",
    "Last hourly wage ($)": "17.25",
    "Cost limit ($)": "40000",
    "Most weeks": "82",
    "Distance limit (miles)": "15",
}
EDUCATION = {"help_desk": "some_postsecondary", "home_health_aide": "high_school"}


def intake(page: Any, fields: dict[str, str], education: str) -> list[str]:
    """Fill the intake form as a case manager does, submit it; the ranked program ids."""
    page.goto("/case")
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("State (two letters)").fill("NJ")
    page.get_by_label("Education").select_option(education)
    page.get_by_label("Schedule", exact=True).select_option("evening")
    page.get_by_role("button", name="Find referrals").click()
    page.wait_for_selector("h1:text-is('Training referrals')")
    return ranked(page)


def results_for(page: Any, fields: dict[str, str], education: str) -> list[str]:
    """The participant's results page: the one already open when it is theirs, uncorrected
    (the results carry the intake as hidden fields), else a fresh intake. Saves a POST and
    a page load per test without making a test depend on another's outcome."""
    titles = fields["Past job titles (one per line)"]
    shown = page.locator("#results-form input[name='past_job_titles']")
    if (
        page.url.endswith("/case/referrals")
        and shown.count() == 1
        and shown.input_value() == titles
        and page.locator("#results-form input[name='occupation']").count() == 0
    ):
        return ranked(page)
    return intake(page, fields, education)


def ranked(page: Any) -> list[str]:
    return page.locator("article.referral").evaluate_all("els => els.map(e => e.dataset.programId)")


def test_intake_for_two_participants_gives_their_own_ranked_cards(logged_in_page: Any) -> None:
    page = logged_in_page
    page.goto("/case")
    checked(page, "test_case_intake")
    aide = intake(page, HOME_HEALTH_AIDE, EDUCATION["home_health_aide"])
    ranks = page.locator("article.referral .rank").all_inner_texts()
    assert ranks == [f"#{i}" for i in range(1, len(aide) + 1)] and len(aide) >= 3
    assert CNA_EVENING in aide[:3], f"the evening CNA course leads for the aide: {aide}"
    first = page.locator("article.referral").first
    assert first.locator("ul.explanation li").count() >= 1, "each card says why"
    checked(page, "test_case_results_home_health_aide")
    help_desk = intake(page, HELP_DESK, EDUCATION["help_desk"])
    assert len(help_desk) >= 1 and help_desk[0] != aide[0], (help_desk, aide)
    readings = page.locator("td.reading-now").all_inner_texts()
    assert len(readings) == 2 and "15-12" in readings[0], readings
    shot(page, "test_case_results_help_desk", full_page=False)  # axe ran on this template above


def test_why_not_opens_with_its_reasons(logged_in_page: Any) -> None:
    page = logged_in_page
    results_for(page, HELP_DESK, EDUCATION["help_desk"])
    why_not = page.locator("details.why-not").first
    reasons = why_not.locator("li").first
    assert not reasons.is_visible(), "closed until asked"
    why_not.locator("summary").click()
    assert reasons.is_visible() and reasons.inner_text().strip()
    assert why_not.get_attribute("open") is not None
    why_not.scroll_into_view_if_needed()
    shot(page, "test_case_why_not", full_page=False)


def test_correcting_an_occupation_changes_the_ranking(logged_in_page: Any) -> None:
    page = logged_in_page
    before = results_for(page, HELP_DESK, EDUCATION["help_desk"])
    choice = page.get_by_label("Occupation for job 1")
    options = choice.locator("option").evaluate_all("els => els.map(e => e.value)")
    phlebotomist = "31-9097.00"
    picked = phlebotomist if phlebotomist in options else options[-1]
    choice.select_option(picked)
    page.get_by_role("button", name="Re-run with these occupations").click()
    page.wait_for_load_state()
    after = ranked(page)
    reading = page.locator("td.reading-now").first
    assert reading.get_attribute("data-code") == picked and "set by you" in reading.inner_text()
    assert after != before, "a corrected occupation re-ranks the programs"
    shot(page, "test_case_corrected_occupation", full_page=False)


# The referral cards sit inside the results form (case_results.html #results-form): print.css
# must hide the controls, not every form, or the client sheet prints without its programs.
def test_print_view_shows_the_client_sheet_and_the_programs(logged_in_page: Any) -> None:
    page = logged_in_page
    results_for(page, HOME_HEALTH_AIDE, EDUCATION["home_health_aide"])
    assert not page.locator(".print-only").first.is_visible()
    page.emulate_media(media="print")
    try:
        shot(page, "test_case_print")
        assert page.locator(".print-only").first.is_visible(), "the client sheet prints"
        assert not page.locator(".site-header").is_visible(), "no navigation on paper"
        assert not page.locator("details.why-not").first.is_visible()
        assert page.locator("article.referral").first.is_visible(), "the programs print"
    finally:
        page.emulate_media(media="screen")


def test_compare_two_programs_side_by_side(logged_in_page: Any) -> None:
    page = logged_in_page
    ids = results_for(page, HOME_HEALTH_AIDE, EDUCATION["home_health_aide"])
    for program_id in ids[:2]:
        page.locator(f"#compare-{program_id}").check()
    names = [page.locator(f"#program-{i} h3").inner_text() for i in ids[:2]]
    page.get_by_role("button", name="Compare selected (2 or 3)").click()
    page.wait_for_selector("h1:text-is('Compare programs')")
    heads = page.locator("table.compare thead th").all_inner_texts()
    assert heads[1:] == names, heads
    checked(page, "test_case_compare")
