"""Browser-test fixtures: ONE real server, ONE real Chromium, ONE signed-in context.

The web app is tested the way a case manager uses it: a real ``pathmatch serve`` (uvicorn,
``tests/api_server.py``) over a copy of the demo home, driven by Debian's Chromium through
Playwright (``PATHMATCH_CHROMIUM`` names another binary). Both cost seconds to start, so
the session shares them, and the tests share one context signed in through the /login form
(the cookie a user gets), which also keeps the whole module fast.

Without Chromium or Playwright the tests skip locally but FAIL under ``CI=true``: a CI
machine that lost its browser must not pass by skipping (``.ci/run`` installs it).

Helpers (screenshots, the axe-core check, the CSP watch) live in ``web_helpers.py``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from api_server import ApiServer
from web_helpers import clear_csp, log_in, new_context

CHROMIUM = os.environ.get("PATHMATCH_CHROMIUM", "/usr/bin/chromium")


def _missing(message: str) -> None:
    """Skip locally, fail under CI=true (the same rule as the ``shared_data`` fixture)."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " (required under CI=true; .ci/run installs it)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def web_server(api_server: ApiServer) -> ApiServer:
    """The session's real uvicorn over a copy of the demo home (``tests/conftest.py``
    ``api_server``, key ``TEST_KEY``): the pages are served by the API's own process, and a
    worker that also runs API tests starts one server instead of two (a start warms the
    engine, about a minute on 2 busy cores)."""
    return api_server


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:  # playwright.sync_api.Browser
    """One headless Chromium for the session (Debian's, or ``PATHMATCH_CHROMIUM``)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed")
    if shutil.which(CHROMIUM) is None:
        _missing(f"no chromium at {CHROMIUM} (set PATHMATCH_CHROMIUM or apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def signed_in(browser: Any, web_server: ApiServer) -> Iterator[Any]:
    """One context signed in through the login form, shared by the session's tests."""
    context = new_context(browser, web_server)
    page = context.new_page()
    clear_csp(page)
    log_in(page)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def logged_in_page(signed_in: Any) -> Iterator[Any]:
    """The signed-in context's page, watched for CSP violations (reused: no new page per test)."""
    page = signed_in.pages[0] if signed_in.pages else signed_in.new_page()
    clear_csp(page)
    yield page
