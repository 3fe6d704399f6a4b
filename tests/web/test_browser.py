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
