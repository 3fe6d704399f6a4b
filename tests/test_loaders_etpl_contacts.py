"""ETPL contact fields (issue 15 item 9): kept, normalized, and a malformed one blanked and
reported by record, field and problem, never a crash or a dropped program."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from matching.ingest.loaders.etpl import (
    NewJerseyEtpl,
    email_list,
    phone_us,
    schedule_sentences,
    website_url,
)

DEMO_ETPL = Path(__file__).resolve().parents[1] / "demo/data/programs/NJ_standardized_etpl_demo.csv"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("6095550142", "(609) 555-0142"),
        ("609.555.0142", "(609) 555-0142"),
        ("+1 (609) 555-0142", "(609) 555-0142"),
        ("555-0142", None),
        ("0095550142", None),
        ("call the office", None),
    ],
)
def test_phone_digits_are_formatted_or_refused(raw: str, expected: str | None) -> None:
    assert phone_us(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("www.mercercc.edu", "https://www.mercercc.edu"),
        ("HTTP://Fortis.edu/nj/", "http://fortis.edu/nj"),
        ("ezwheelsdriving.com", "https://ezwheelsdriving.com"),
        ("info@iitnj.org", None),
        ("see brochure", None),
        ("N/A", None),
    ],
)
def test_websites_get_a_scheme_or_are_refused(raw: str, expected: str | None) -> None:
    assert website_url(raw) == expected


def test_email_lists_are_checked_one_by_one() -> None:
    assert email_list("info@iitnj.org; IdealTechNJ@gmail.com") == (
        "info@iitnj.org; idealtechnj@gmail.com"
    )
    assert email_list("info@iitnj.org; call us") is None


def test_schedule_sentences_keep_when_it_meets_not_start_ups() -> None:
    text = (
        "Students learn to start up a business. LPN classes beginning in September and "
        "January. Classes meet Tuesday and Thursday evenings. A full-time Career Services "
        "Department helps."
    )
    assert schedule_sentences(text) == (
        "LPN classes beginning in September and January. "
        "Classes meet Tuesday and Thursday evenings."
    )
    assert schedule_sentences("Complex schedule modeling and forecasting.") is None


def small_etpl(folder: Path) -> tuple[Path, str, str]:
    """Two demo rows; the second with a malformed phone, website, email and extension."""
    with DEMO_ETPL.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    good, bad = dict(rows[0]), dict(rows[3])
    bad.update(
        phone="555-01",
        website="see our brochure",
        email="enroll at the office",
        contactphone="(609) 555-0177",
        contactphoneextension="ext. 12",
        phoneextension="front desk",
    )
    path = folder / "NJ_standardized_etpl_small.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows([good, bad])
    return path, good["programid"], bad["programid"]


def test_malformed_contacts_are_blanked_and_reported(tmp_path: Path) -> None:
    path, good_id, bad_id = small_etpl(tmp_path)
    loaded = NewJerseyEtpl().read_programs(path)
    table, report = loaded.table, loaded.report
    assert table.height == 2 and report.rows_rejected == 0
    rows = {r["program_id"]: r for r in table.iter_rows(named=True)}
    good, bad = rows[good_id], rows[bad_id]
    assert good["provider_phone"] == "(609) 555-0142"
    assert good["provider_website"] == "https://www.capitalcitycna-demo.com"
    assert good["contact_name"] == "Marisol Ocasio" and good["contact_title"]
    assert bad["provider_phone"] is None
    assert bad["provider_website"] is None and bad["provider_email"] is None
    assert bad["contact_phone"] == "(609) 555-0177 ext. 12"  # the program's own line
    assert bad["name"] and bad["cost_total"] is not None  # the program itself is kept
    problems = {(r.record, r.field): r.reason for r in report.rejects if r.severity == "repaired"}
    assert "not a 10-digit phone number" in problems[(bad_id, "phone")]
    assert "not a web address" in problems[(bad_id, "website")]
    assert "not an email address" in problems[(bad_id, "email")]
    assert "not a phone extension" in problems[(bad_id, "phoneextension")]
    assert not [k for k in problems if k[0] == good_id]
    assert all("brochure" not in reason for reason in problems.values())
