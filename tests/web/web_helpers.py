"""What the browser tests share beside their fixtures (``conftest.py``): contexts, sign-in,
screenshots, the axe-core check and the CSP watch.

axe is injected as ``<script src="/__axe__.js">``, a same-origin URL that exists only in
the tests: every context made by :func:`new_context` routes it to the vendored file
(``tests/web/vendor/axe.min.js``, axe-core from npm, MPL-2.0). ``add_script_tag(path=...)``
would inject the file's text inline, which the app's CSP (``script-src 'self'``) blocks, and
``bypass_csp=True`` would switch the CSP off for the whole page, hiding exactly the
violations :func:`csp_errors` is there to catch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from api_server import TEST_KEY, ApiServer

REPO = Path(__file__).resolve().parents[2]
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AXE_URL = "/__axe__.js"
SHOTS = REPO / ".test-output" / "web"
BLOCKING = ("serious", "critical")


def new_context(browser: Any, server: ApiServer) -> Any:  # -> BrowserContext
    """A fresh context on ``server`` that serves the vendored axe at :data:`AXE_URL`."""
    context = browser.new_context(
        base_url=server.base_url, viewport={"width": 1280, "height": 900}, locale="en-US"
    )
    context.set_default_timeout(30_000)
    context.route(
        f"**{AXE_URL}",
        lambda route: route.fulfill(path=str(AXE), content_type="application/javascript"),
    )
    return context


def log_in(page: Any, key: str = TEST_KEY) -> None:
    """Sign in through the /login form as a user does (the key field, then the button)."""
    page.goto("/login")
    page.get_by_label("API key").fill(key)
    page.locator("form[action='/login'] button[type='submit']").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, f"still on the login page: {page.url}"


_BLOCKED: dict[int, list[str]] = {}  # id(page) -> CSP console errors since last cleared


def watch_csp(page: Any) -> None:
    """Collect the console errors Chromium writes when the CSP blocks something."""
    blocked = _BLOCKED.setdefault(id(page), [])

    def seen(message: Any) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            blocked.append(message.text)

    page.on("console", seen)


def csp_errors(page: Any) -> list[str]:
    """What the page's CSP blocked since :func:`clear_csp` (should be nothing)."""
    return list(_BLOCKED.get(id(page), []))


def clear_csp(page: Any) -> None:
    """Watch ``page`` (once) and forget what it saw so far: a test starts clean."""
    if id(page) not in _BLOCKED:
        watch_csp(page)
    _BLOCKED[id(page)].clear()


def shot(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot of ``page`` as ``.test-output/web/<name>.png``; its path."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def check_axe(page: Any) -> list[dict[str, Any]]:
    """Run axe-core in ``page``; fail on serious/critical violations, return the others.

    The failure names each rule id, its help text and the target nodes, so the fix is
    findable from the test log alone.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=AXE_URL)
    result = page.evaluate("axe.run(document)")
    violations = result["violations"]
    blocking = [v for v in violations if v.get("impact") in BLOCKING]
    if blocking:
        pytest.fail(f"axe on {page.url}:\n" + "\n".join(_describe(v) for v in blocking))
    return violations


def _describe(violation: dict[str, Any]) -> str:
    targets = [", ".join(map(str, node["target"])) for node in violation["nodes"][:8]]
    return (
        f"  [{violation['impact']}] {violation['id']}: {violation['help']} "
        f"({violation.get('helpUrl', '')})\n    nodes: " + " | ".join(targets)
    )
