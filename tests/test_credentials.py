"""Credentials held only when said, and prerequisite text read as met / unmet / to-confirm
checks (matching.referral.credentials); on the demo bundle, a past job is not a credential."""

from __future__ import annotations

import pytest

from matching.referral.credentials import (
    BY_KEY,
    EXPIRED,
    HELD,
    MET,
    NOT_HELD,
    TO_CONFIRM,
    UNMET,
    WANTED,
    WORKING_ON,
    Applicant,
    PastJob,
    held_credentials,
    prerequisite_checks,
    status_in,
    to_confirm_by_job,
)
from matching.schemas import EducationLevel


@pytest.mark.parametrize(
    ("text", "key", "status"),
    [
        ("no forklift cert, did warehouse 2 yrs", "forklift", NOT_HELD),
        ("got forklift cert last yr thru temp agency", "forklift", HELD),
        ("working on my CNA at night", "cna", WORKING_ON),
        ("studying Net+ on my own", "comptia_net", WORKING_ON),
        ("CNA but license lapsed 2 yrs ago", "cna", EXPIRED),
        ("my CDL B expired in March", "cdl_b", EXPIRED),
        ("want CNA then LPN", "cna", WANTED),
        ("want to become a nurse, CNA first then LPN", "cna", WANTED),
        ("forklift? anything that hires", "forklift", WANTED),
        ("CNA 2 yrs want LPN", "cna", HELD),
        ("CNA 2 yrs want LPN", "lpn", WANTED),
        ("want help desk, have Google IT support cert online", "google_it", HELD),
        ("no civilian CDL yet", "cdl", NOT_HELD),
    ],
)
def test_status_reads_negation_working_on_and_lapses(text: str, key: str, status: str) -> None:
    assert status_in(text, BY_KEY[key]) == status


def test_a_higher_rung_implies_the_lower_one() -> None:
    assert held_credentials("truck driver 15 yrs CDL-A")["cdl_b"] == HELD


def test_a_job_title_alone_is_never_held_and_a_helper_implies_nothing() -> None:
    assert held_credentials("") == {}
    jobs = [PastJob("Driver Helper", "53-3032.00", "Heavy and Tractor-Trailer Truck Drivers")]
    assert to_confirm_by_job(jobs) == {}
    aide = [PastJob("Home Health Aide", "31-1121.00", "Home Health Aides")]
    assert "cna" not in to_confirm_by_job(aide)
    driver = [PastJob("Box Truck Driver", "53-3032.00", "Heavy and Tractor-Trailer Truck Drivers")]
    assert "cdl_b" in to_confirm_by_job(driver)


def applicant(text: str, jobs: list[PastJob] | None = None, **kw: object) -> Applicant:
    jobs = jobs or []
    return Applicant(
        held_credentials(text),
        to_confirm_by_job(jobs),
        kw.get("education", EducationLevel.HIGH_SCHOOL),  # type: ignore[arg-type]
        jobs,
        text,
    )


def statuses(text: str, who: Applicant) -> list[str]:
    return [c.status for c in prerequisite_checks(text, who)]


def test_experience_prerequisite_met_unmet_and_to_confirm() -> None:
    prereq = "Two years of manufacturing experience or current team lead role"
    operator = applicant("machine operator 10 yrs plastics plant")
    cook = applicant("line cook 7 yrs, want out of kitchens")
    lead = applicant("production lead at a plant, boss says I can be supervisor")
    assert statuses(prereq, operator) == [MET]
    assert statuses(prereq, cook) == [UNMET]
    assert statuses(prereq, lead) in ([MET], [TO_CONFIRM])


def test_credential_education_age_and_test_checks() -> None:
    lpn = "Current New Jersey CNA certification; High School Diploma or GED; TEAS entrance exam"
    assert statuses(lpn, applicant("CNA 3 yrs at nursing home")) == [MET, MET, TO_CONFIRM]
    assert statuses(lpn, applicant("home health aide 6 yrs, want CNA")) == [
        UNMET,
        MET,
        TO_CONFIRM,
    ]
    none = applicant("CNA 3 yrs", education=EducationLevel.NONE)
    assert statuses(lpn, none)[1] == UNMET
    cna_by_job = applicant(
        "", [PastJob("Certified Nursing Assistant", "31-1131.00", "Nursing Assistants")]
    )
    assert statuses(lpn, cna_by_job)[0] == TO_CONFIRM
    assert statuses("Age 21 or older; valid New Jersey driver's license", applicant("")) == [
        TO_CONFIRM,
        TO_CONFIRM,
    ]
    assert prerequisite_checks("No diploma required; age 18+", applicant(""))[0].kind == "age"
    assert statuses(
        "CompTIA A+ certification or nine months of help desk experience",
        applicant("help desk 1 yr at credit union"),
    ) == [MET]
