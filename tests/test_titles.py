"""Job-title normalization: noise cleaning, a tiny hand-built model, persistence, real data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from matching.nlp.titles import Candidate, TitleNormalizer, clean_title, title_variants

# --------------------------------------------------------------------------- clean_title


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("RN - Nights $5k Bonus", "registered nurse"),
        (
            "CDL-A Driver OTR",
            "class a commercial driver license cdl truck driver over the road truck",
        ),
        ("Sr. Acct / AP", "senior accountant accounts payable"),
        ("5 yrs cashier", "cashier"),
        ("Warehouse Associate $18/hr Immediate Hire", "warehouse associate"),
        ("Delivery Driver - Up to $25 per hour", "delivery driver"),
        ("LPN / LVN - PRN - Weekends", "licensed practical nurse licensed vocational nurse"),
        ("Forklift Operator - 12-hr shifts", "forklift operator"),
        ("Software Engineer II - Remote", "software engineer"),
        ("Req #12345 Customer Service Rep", "customer service representative"),
        ("Java Developer (JR-10234)", "java developer"),
        ("Medical Assistant - Boston, MA", "medical assistant"),
        ("Administrative Assistant - New York, NY 10001", "administrative assistant"),
        ("MA - Family Practice (Full-Time)", "medical assistant family practice"),
        ("Urgent: CNA needed", "certified nursing assistant"),
        ("Cook - $500 Sign On Bonus!!", "cook"),
        ("Admin Asst", "administrative assistant"),
        ("Sys Admin", "sys administrator"),
        ("Acct Exec", "account executive"),
        ("Tech Support Spec I", "technical support specialist"),
        ("Maintenance Tech III", "maintenance technician"),
        ("QA Eng", "quality assurance engineer"),
        ("Mgr, Ops", "manager operations"),
        ("Pharmacy Tech (Part Time)", "pharmacy technician"),
        ("Registered Nurse - 7p-7a", "registered nurse"),
        ("Caregiver / HHA - Weekends", "caregiver home health aide"),
    ],
)
def test_clean_title_removes_noise_and_expands(raw: str, expected: str) -> None:
    assert clean_title(raw) == expected


@pytest.mark.parametrize(
    "title",
    [
        "Night Auditor",
        "Remote Sensing Technician",
        "Contract Specialist",
        "Payroll Specialist",
        "Day Care Teacher",
    ],
)
def test_clean_title_keeps_words_that_name_the_job(title: str) -> None:
    assert clean_title(title) == title.lower()


def test_clean_title_context_rules() -> None:
    # OTR is "over the road" only for drivers; a therapist's OTR stays a credential
    assert "over the road" not in clean_title("Registered Occupational Therapist (OTR)")
    assert clean_title("Acct Manager") == "account manager"
    assert clean_title("AP/AR Clerk") == "accounts payable accounts receivable clerk"


def test_clean_title_edge_cases() -> None:
    assert clean_title("") == ""
    assert clean_title("   ") == ""
    assert clean_title("Enfermera Pédiatrique") == "enfermera pediatrique"
    # a title that is all noise words is kept as written rather than emptied
    assert clean_title("Temp") == "temp"
    assert clean_title("Nurse, PA") == "nurse pa"
    assert clean_title("$20/hr") == ""
    assert len(clean_title("nurse " * 100_000)) <= 500


def test_title_variants_split_brackets() -> None:
    assert title_variants("CDL Driver (Commercial Driver's License Driver)", "CDL Driver") == [
        "CDL Driver",
        "Commercial Driver's License Driver",
        "CDL Driver Commercial Driver's License Driver",
        "CDL Driver",
    ]
    assert title_variants("Cashier") == ["Cashier"]


# --------------------------------------------------------------------------- tiny model

NURSE, DRIVER, ACCOUNTANT, CASHIER, CLERK, LPN = (
    "29-1141.00",
    "53-3032.00",
    "13-2011.00",
    "41-2011.00",
    "43-3031.00",
    "29-2061.00",
)
ESCO = "http://data.europa.eu/esco/occupation/"


def tiny_frames() -> dict[str, pl.DataFrame]:
    occupations = pl.DataFrame(
        {
            "onet_soc_code": [NURSE, DRIVER, ACCOUNTANT, CASHIER, CLERK, LPN],
            "title": [
                "Registered Nurses",
                "Heavy and Tractor-Trailer Truck Drivers",
                "Accountants and Auditors",
                "Cashiers",
                "Bookkeeping, Accounting, and Auditing Clerks",
                "Licensed Practical and Licensed Vocational Nurses",
            ],
            "description": [""] * 6,
        }
    )
    alternate = pl.DataFrame(
        {
            "onet_soc_code": [
                NURSE,
                NURSE,
                DRIVER,
                DRIVER,
                DRIVER,
                ACCOUNTANT,
                ACCOUNTANT,
                CASHIER,
                CLERK,
                CLERK,
                LPN,
            ],
            "alternate_title": [
                "Registered Nurse (RN)",
                "Staff Nurse",
                "CDL Driver (Commercial Driver's License Driver)",
                "Over the Road Driver (OTR Driver)",
                "Tractor Trailer Truck Driver",
                "Staff Accountant",
                "Senior Accountant",
                "Checker",
                "Accounts Payable Clerk",
                "Accounts Receivable Clerk",
                "Licensed Practical Nurse (LPN)",
            ],
            "short_title": [
                None,
                None,
                "CDL Driver",
                "OTR Driver",
                None,
                None,
                None,
                None,
                None,
                None,
                "LPN",
            ],
            "sources": ["02"] * 11,
        }
    )
    reported = pl.DataFrame(
        {
            "onet_soc_code": [NURSE, DRIVER, CASHIER, CLERK],
            "reported_title": ["Charge Nurse", "Truck Driver", "Cashier", "Bookkeeper"],
            "shown_in_my_next_move": [True, True, True, True],
        }
    )
    esco = pl.DataFrame(
        {
            "occupation_uri": [
                ESCO + "nurse",
                ESCO + "lorry",
                ESCO + "accountant",
                ESCO + "cashier",
            ],
            "preferred_label": ["specialist nurse", "lorry driver", "accountant", "shop cashier"],
            "alt_labels": [
                ["registered nurse", "staff nurse"],
                ["truck driver", "HGV driver"],
                ["chartered accountant"],
                ["checkout operator", "cashier"],
            ],
            "isco_group": ["2221", "8332", "2411", "5230"],
            "code": ["2221.1", "8332.1", "2411.1", "5230.1"],
            "description": [""] * 4,
        }
    )
    return {
        "onet_occupations": occupations,
        "onet_alternate_titles": alternate,
        "onet_reported_titles": reported,
        "esco_occupations": esco,
    }


@pytest.fixture(scope="module")
def tiny_model() -> TitleNormalizer:
    frames = tiny_frames()
    return TitleNormalizer(top_k=3).fit(
        frames["onet_occupations"],
        frames["onet_alternate_titles"],
        frames["onet_reported_titles"],
        frames["esco_occupations"],
    )


@pytest.mark.parametrize(
    ("title", "code"),
    [
        ("RN - Nights $5k Bonus", NURSE),
        ("CDL-A Driver OTR", DRIVER),
        ("Sr. Acct / AP", ACCOUNTANT),
        ("5 yrs cashier", CASHIER),
        ("A/P Clerk - Immediate Hire", CLERK),
        ("LPN - PRN - Weekends", LPN),
        ("Truck Driver $2,000 Sign-On Bonus", DRIVER),
    ],
)
def test_noisy_titles_map_to_their_occupation(
    tiny_model: TitleNormalizer, title: str, code: str
) -> None:
    assert tiny_model.predict([title])[0][0].code == code


def test_predict_contract(tiny_model: TitleNormalizer) -> None:
    results = tiny_model.predict(["Registered Nurse", "", "truck driver"], top_k=2)
    assert len(results) == 3
    first = results[0]
    assert [type(c) for c in first] == [Candidate, Candidate]
    assert first[0].taxonomy == "onet" and first[0].title == "Registered Nurses"
    assert first[0].score >= first[1].score
    assert results[1] == []  # empty title: no candidates
    esco = tiny_model.predict(["truck driver"], taxonomy="esco")[0]
    assert esco[0].code == ESCO + "lorry" and esco[0].taxonomy == "esco"
    assert set(first[0].to_dict()) == {"code", "title", "taxonomy", "score"}
    with pytest.raises(ValueError):
        tiny_model.predict(["nurse"], taxonomy="isco")


def test_score_matrix_is_batch_independent(tiny_model: TitleNormalizer) -> None:
    titles = ["Staff Nurse", "Checker", "OTR Driver", "Bookkeeper"]
    full = tiny_model.score_matrix(titles, "onet")
    small = TitleNormalizer(**{**tiny_model.get_params(), "batch_size": 1})
    small.__dict__.update({k: v for k, v in tiny_model.__dict__.items() if k.endswith("_")})
    np.testing.assert_allclose(small.score_matrix(titles, "onet"), full, rtol=1e-5)
    assert full.shape == (4, len(tiny_model.codes("onet")))


def test_crosswalk_flag_adds_esco_labels_to_onet() -> None:
    frames = tiny_frames()
    xwalk = pl.DataFrame({"esco_code": ["8332.1"], "onet_soc_code": [DRIVER]})
    args = (
        frames["onet_occupations"],
        frames["onet_alternate_titles"],
        frames["onet_reported_titles"],
        frames["esco_occupations"],
    )
    plain = TitleNormalizer().fit(*args, xwalk_esco_onet=xwalk)
    crossed = TitleNormalizer(use_esco_crosswalk=True).fit(*args, xwalk_esco_onet=xwalk)
    assert crossed.n_titles_["onet"] > plain.n_titles_["onet"]
    assert crossed.predict(["HGV Driver"])[0][0].code == DRIVER


def test_save_load_round_trip(tiny_model: TitleNormalizer, tmp_path: Path) -> None:
    tiny_model.save(tmp_path / "titles")
    assert (tmp_path / "titles" / "params.json").is_file()
    loaded = TitleNormalizer.load(tmp_path / "titles")
    titles = ["RN - Nights $5k Bonus", "CDL-A Driver OTR", "Sr. Acct / AP", "5 yrs cashier"]
    for taxonomy in ("onet", "esco"):
        assert loaded.predict(titles, taxonomy) == tiny_model.predict(titles, taxonomy)
    assert loaded.get_params() == tiny_model.get_params()


def test_unfitted_model_raises() -> None:
    with pytest.raises(RuntimeError):
        TitleNormalizer().predict(["nurse"])


# --------------------------------------------------------------------------- real data


@pytest.mark.shared
def test_real_titles(shared_data: Path) -> None:
    from matching.ingest.loaders import onet

    wanted = ("onet_occupations", "onet_alternate_titles", "onet_reported_titles")
    frames = {
        s.table: s.load(s.discover(shared_data)).table for s in onet.SOURCES if s.table in wanted
    }
    model = TitleNormalizer().fit(*(frames[name] for name in wanted))
    nurse, driver = model.predict(["Registered Nurse", "CDL-A Driver OTR"], top_k=3)
    assert nurse[0].code == "29-1141.00"
    assert "53-3032.00" in [c.code for c in driver]
