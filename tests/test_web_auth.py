"""Web sign-in, session cookie, CSRF and security headers against a real server (httpx).

Uses the session's ``api_server`` (a real ``pathmatch serve`` on the demo home): the pages
and the API are one process, so the web's login takes the API's test key.
"""

from __future__ import annotations

import re

import httpx
import pytest
from api_server import REPO, TEST_KEY
from babel.messages.pofile import read_po

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def browser(api_server) -> httpx.Client:
    """A cookie-keeping client that does not follow redirects (the tests look at them)."""
    with httpx.Client(base_url=api_server.base_url, timeout=30) as client:
        yield client


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, "every form carries the hidden csrf_token field"
    return found.group(1)


def sign_in(client: httpx.Client, key: str = TEST_KEY) -> httpx.Response:
    token = csrf_of(client.get("/login"))
    return client.post("/login", data={"api_key": key, "csrf_token": token, "next": "/case"})


def test_unsigned_visitor_goes_to_login_and_login_page_is_safe(browser: httpx.Client) -> None:
    home = browser.get("/")
    assert home.status_code == 303 and home.headers["location"] == "/login"
    page = browser.get("/login")
    assert page.status_code == 200 and '<html lang="en">' in page.text
    assert '<label for="api_key">' in page.text
    headers = page.headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"
    assert "<script>" not in page.text and "style=" not in page.text, "no inline JS or CSS"
    assert "pm_csrf" in page.headers.get("set-cookie", ""), "login form: double-submit cookie"


def test_login_sets_a_signed_httponly_strict_cookie(browser: httpx.Client, api_server) -> None:
    reply = sign_in(browser)
    assert reply.status_code == 303 and reply.headers["location"] == "/case"
    cookie = next(c for c in reply.headers.get_list("set-cookie") if c.startswith("pm_session="))
    lowered = cookie.lower()
    assert "httponly" in lowered and "samesite=strict" in lowered and "max-age=28800" in lowered
    assert "secure" not in lowered.replace("samesite", ""), "plain http: no Secure flag"
    assert TEST_KEY not in cookie, "the cookie names the key by hash, never holds it"
    assert browser.get("/").headers["location"] == "/case"
    assert TEST_KEY not in api_server.log()


def test_wrong_key_tampered_cookie_and_missing_csrf_are_refused(browser: httpx.Client) -> None:
    assert sign_in(browser, "not-the-key").status_code == 401
    token = csrf_of(browser.get("/login"))
    no_token = browser.post("/login", data={"api_key": TEST_KEY})
    assert no_token.status_code == 403 and "CSRF" in no_token.text
    wrong = browser.post("/login", data={"api_key": TEST_KEY, "csrf_token": token + "x"})
    assert wrong.status_code == 403
    assert sign_in(browser).status_code == 303
    session = browser.cookies["pm_session"]
    browser.cookies.set("pm_session", session[:-2] + ("AA" if session[-2:] != "AA" else "BB"))
    assert browser.get("/").headers["location"] == "/login", "a tampered cookie is no session"


def test_logout_needs_the_session_token_and_ends_the_session(browser: httpx.Client) -> None:
    assert sign_in(browser).status_code == 303
    forged = browser.post("/logout", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    token = csrf_of(forged)  # the refusal page still has the signed-in header's sign-out form
    out = browser.post("/logout", data={"csrf_token": token})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert browser.get("/").headers["location"] == "/login"


def test_language_switch_is_local_only_and_translates(browser: httpx.Client) -> None:
    switched = browser.get("/lang/es", params={"next": "/login"})
    assert switched.status_code == 303 and switched.headers["location"] == "/login"
    page = browser.get("/login")
    assert '<html lang="es">' in page.text and "Iniciar sesión" in page.text
    away = browser.get("/lang/en", params={"next": "https://evil.example/x"})
    assert away.headers["location"] == "/", "next must be a local path"
    away = browser.get("/lang/en", params={"next": "//evil.example/x"})
    assert away.headers["location"] == "/"


def test_api_and_static_keep_their_own_rules(browser: httpx.Client) -> None:
    health = browser.get("/v1/health")
    assert health.status_code == 200 and "content-security-policy" not in health.headers
    assert health.headers["x-content-type-options"] == "nosniff"
    assert browser.get("/v1/version").status_code == 401, "the API still wants its key"
    schema = browser.get("/openapi.json").json()
    assert not any(p in schema["paths"] for p in ("/", "/login", "/case")), "pages hidden"
    htmx = browser.get("/static/vendor/htmx.min.js")
    assert htmx.status_code == 200 and "htmx" in htmx.text[:2000]
    assert "cache-control" not in htmx.headers or htmx.headers["cache-control"] != "no-store"
    assert browser.get("/static/css/app.css").status_code == 200


def test_every_catalog_string_has_a_spanish_translation() -> None:
    """A page string without an es entry would show in English on the Spanish page."""
    po = REPO / "serving" / "web" / "i18n" / "es" / "LC_MESSAGES" / "messages.po"
    with open(po, "rb") as handle:
        catalog = read_po(handle, locale="es")
    untranslated = [m.id for m in catalog if m.id and not m.string]
    assert len(catalog) > 50 and not untranslated
