"""The README's screenshot of the referral page, taken from the real app on the demo home.

``python demo/web_screenshot.py --out docs/referral_page.png`` starts ``pathmatch serve``
over ``PATHMATCH_HOME`` (``make demo``'s home, with its trained models) with a one-time API
key, signs in through the login form in Debian's Chromium (``PATHMATCH_CHROMIUM`` names
another), fills the intake form for a demo home health aide, and saves the ranked
referral page. The participant is the demo's, written for the demo; nothing is stored.
"""

from __future__ import annotations

import argparse
import os
import secrets
from pathlib import Path

from matching.settings import get_settings
from serving.local_server import running_server

CHROMIUM = os.environ.get("PATHMATCH_CHROMIUM", "/usr/bin/chromium")
INTAKE = {
    "Past job titles (one per line)": "Home Health Aide",
    "Intake notes": "home health aide 4 yrs, hospice + dementia clients. want to become a "
    "nurse step by step, CNA first then LPN then RN. evenings/weekends only.",
    "ZIP code": "08609",
    "Last hourly wage ($)": "17.25",
    "Cost limit ($)": "40000",
    "Most weeks": "82",
    "State (two letters)": "NJ",
}


def screenshot(out: Path, width: int, full: bool = False) -> None:
    from playwright.sync_api import sync_playwright

    key = secrets.token_urlsafe(16)
    with (
        running_server(get_settings().home, key=key, timeout=600) as server,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page(base_url=server.base_url, viewport={"width": width, "height": 900})
        page.goto("/login")
        page.get_by_label("API key").fill(key)
        page.get_by_role("button", name="Sign in").click()
        page.goto("/case")
        for label, value in INTAKE.items():
            page.get_by_label(label, exact=True).fill(value)
        page.get_by_label("Schedule", exact=True).select_option("evening+weekend")
        page.get_by_label("Education", exact=True).select_option("high_school")
        page.get_by_role("button", name="Find referrals").click()
        page.wait_for_selector("article.referral")
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out), full_page=full)
        browser.close()
    print(f"saved {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/referral_page.png"))
    parser.add_argument("--width", type=int, default=1200)
    parser.add_argument("--full", action="store_true", help="the whole page, not the top")
    args = parser.parse_args()
    screenshot(args.out, args.width, args.full)


if __name__ == "__main__":
    main()
