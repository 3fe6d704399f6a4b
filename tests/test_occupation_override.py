"""Issue 14 item 6: a case manager's occupation override (``past_occupations``).

A title the model is not confident about gives no occupation; the override gives the
reading back. The API (a real uvicorn, the ``api_server`` fixture) and batch scoring
(``serving.batch.score_rows`` over the participants loader, the code each Ray actor runs)
read it in one place (``matching.referral.referrals.read_person``), so they agree.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from matching.ingest.loaders.participants import load_intake

TESTER = {  # the demo's "Software Tester": Nursing Assistants at 0.31, not confident
    "participant_id": "ovr-1",
    "past_job_titles": ["Software Tester"],
    "intake_text": "want IT job",
    "education_level": "bachelor",
    "state": "NJ",
    "zip": "08550",
}
SUPPORT = "15-1232.00"  # Computer User Support Specialists, in the demo bundle
NOT_IN_BUNDLE = "15-1253.00"  # a real O*NET code the demo bundle does not list


def post(server, body: object, path: str = "/v1/referrals") -> httpx.Response:
    return httpx.post(f"{server.base_url}{path}", json=body, headers=server.headers, timeout=60)


def referrals(server, participant: dict) -> dict:
    reply = post(server, {"participant": participant, "top_k": 5})
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_a_non_confident_title_gives_no_reading_and_the_override_gives_one(api_server) -> None:
    plain = referrals(api_server, TESTER)
    assert plain["source_occupations"] == []
    assert any("had a confident occupation match" in n for n in plain["notes"])
    assert all(r["parts"]["role_fit"] == 0 for r in plain["referrals"])

    fixed = referrals(api_server, {**TESTER, "past_occupations": [SUPPORT]})
    (source,) = fixed["source_occupations"]
    assert source["code"] == SUPPORT and source["reading"] == "override"
    assert source["occupation_title"] == "Computer User Support Specialists"
    assert any("past_occupations given" in n for n in fixed["notes"])
    top = fixed["referrals"][0]
    assert top["parts"]["role_fit"] > 0
    assert top["target"]["code"].startswith("15-"), "an IT support worker is sent to IT"
    assert [r["program_id"] for r in fixed["referrals"]] != [
        r["program_id"] for r in plain["referrals"]
    ]


def test_a_confident_title_is_marked_normalized(api_server) -> None:
    body = referrals(api_server, {**TESTER, "past_job_titles": ["Certified Nursing Assistant"]})
    assert [(s["code"], s["reading"]) for s in body["source_occupations"]] == [
        ("31-1131.00", "normalized")
    ]


def test_the_override_replaces_the_typed_titles(api_server) -> None:
    """When past_occupations is given it is the reading: a confident typed title is not
    added to it."""
    both = {**TESTER, "past_job_titles": ["Certified Nursing Assistant"]}
    body = referrals(api_server, {**both, "past_occupations": [SUPPORT]})
    assert [s["code"] for s in body["source_occupations"]] == [SUPPORT]


@pytest.mark.parametrize(
    ("codes", "index", "type_"),
    [
        (["31-1131"], 0, "string_pattern_mismatch"),  # no '.00': not the O*NET-SOC format
        ([SUPPORT, "nurse"], 1, "string_pattern_mismatch"),
        ([SUPPORT, NOT_IN_BUNDLE], 1, "value_error"),  # well formed, unknown to the bundle
    ],
)
def test_a_bad_code_is_422_naming_the_field(api_server, codes, index, type_) -> None:
    for path in ("/v1/referrals", "/v1/pathways"):
        participant = {**TESTER, "past_occupations": codes}
        body = {"participant": participant}
        if path == "/v1/pathways":
            body["target"] = "29-1141.00"
        reply = post(api_server, body, path)
        assert reply.status_code == 422, reply.text
        details = reply.json()["detail"]
        assert ["body", "participant", "past_occupations", index] in [d["loc"] for d in details]
        assert type_ in [d["type"] for d in details]
        assert codes[index] not in reply.text, "the error names the field, not the value"


# ----------------------------------------------------------------------------- batch


def write_caseload(folder: Path, rows: list[dict]) -> Path:
    path = folder / "override_intake.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture(scope="module")
def engine(api_server):  # -> Engine over the API server's own home
    from matching.settings import Settings
    from serving.engine import Engine

    return Engine.load(Settings(home=api_server.home))


def test_batch_gives_the_api_top_referral(api_server, engine, tmp_path: Path) -> None:
    from serving.batch import score_rows

    people = [
        {**TESTER, "participant_id": "ovr-plain"},
        {**TESTER, "participant_id": "ovr-fixed", "past_occupations": [SUPPORT]},
    ]
    loaded = load_intake([write_caseload(tmp_path, people)])
    assert loaded.report.rejects == []
    frame, rejects = score_rows(engine, loaded.table.to_dicts(), top_k=5, region=None)
    assert rejects == []
    for person in people:
        api_top = referrals(api_server, person)["referrals"][0]
        batch_top = frame.filter(
            (frame["participant_id"] == person["participant_id"]) & (frame["rank"] == 1)
        ).row(0, named=True)
        assert batch_top["program_id"] == api_top["program_id"]
        assert batch_top["target_code"] == api_top["target"]["code"]
        assert batch_top["role_fit"] == api_top["parts"]["role_fit"]
    fixed = frame.filter(frame["participant_id"] == "ovr-fixed")
    assert fixed["role_fit"].max() > 0 and fixed["target_code"][0].startswith("15-")


def test_batch_rejects_a_code_the_bundle_does_not_list(engine, tmp_path: Path) -> None:
    from serving.batch import score_rows

    person = {**TESTER, "past_occupations": [SUPPORT, NOT_IN_BUNDLE]}
    loaded = load_intake([write_caseload(tmp_path, [person])])
    frame, rejects = score_rows(engine, loaded.table.to_dicts(), top_k=5, region=None)
    assert frame.is_empty()
    (reject,) = rejects
    assert reject["line"] == 1 and reject["field"] == "past_occupations"
    assert "item 1" in reject["reason"] and "not an O*NET-SOC occupation" in reject["reason"]
    assert NOT_IN_BUNDLE not in reject["reason"]


# ----------------------------------------------------------------------------- loader


def test_loader_reads_the_list_column_from_csv_and_jsonl(tmp_path: Path) -> None:
    csv = tmp_path / "a_intake.csv"
    csv.write_text(
        "participant_id,past_job_titles,past_occupations,state\n"
        "c1,Software Tester,15-1232.00; 31-1131,NJ\n"
        "c2,Cashier,,NJ\n"
    )
    table = load_intake([csv]).table
    assert table["past_occupations"].to_list() == [["15-1232.00", "31-1131.00"], []]
    jsonl = write_caseload(tmp_path, [{**TESTER, "past_occupations": [SUPPORT]}])
    assert load_intake([jsonl]).table["past_occupations"].to_list() == [[SUPPORT]]


def test_loader_rejects_a_malformed_code_with_record_field_and_problem(tmp_path: Path) -> None:
    csv = tmp_path / "b_intake.csv"
    csv.write_text(
        "participant_id,past_job_titles,past_occupations,state\n"
        "c1,Software Tester,15-1232.00;nurse-q9,NJ\n"
        "c2,Cashier,41-2011.00,NJ\n"
    )
    loaded = load_intake([csv])
    assert loaded.table["participant_id"].to_list() == ["c2"], "c1 is not loaded"
    (reject,) = loaded.report.rejects
    assert (reject.file, reject.line, reject.field, reject.severity) == (
        "b_intake.csv",
        2,
        "past_occupations",
        "rejected",
    )
    assert "item 2 is not an O*NET-SOC code" in reject.reason
    assert "nurse-q9" not in reject.reason
