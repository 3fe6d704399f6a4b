"""The referral-quality panel (issue 15): written cases a case manager would judge.

``tests/fixtures/referral_panel.json`` holds each case: a participant request and what a
case manager would accept and refuse ("evenings" gets evening programs, never 0; the CNA at
$1,535 against a $1,500 limit is shown as close; the program with no provider record is not
top-1 for a line cook who wants welding). Each case runs through the same Engine code the
API runs (``refer`` / ``find_pathways`` with the engine's reader and scorer; a request the
contract refuses counts as its 422). Cases owned by ``credentials_goals`` (issue 15 items
4-6) belong to other work: they run and are reported, but do not count here.

Run it as a script to print the pass rate and the top-1 concentration on the demo caseload:
``PATHMATCH_HOME=<home> .venv/bin/python tests/test_referral_panel.py``.

Figures (2026-12-02, a copy of the demo home with its models, demo NLP models retrained;
the caseload scored as batch scores it): constraint cases 4/22 pass on the code as
found (d60c301) and 22/22 with the constraint work (608eb51); the program with no
provider record, schedule or location was top-1 for 10 of 38 scored participants and is
for 2 of 38 after (a shipping clerk and a forklift operator, where it is the best-paying
step up; not 0 as 608eb51's message says). The most frequent top-1 after is Forklift
Operator Certification, 6 of 38 (15.8%): goal readings (items 4-6) decide those.

Items 4-6 (cases owned by ``credentials_goals``, asserted by
``test_every_credentials_goals_case_passes``): 7/7 on a copy of the demo home, among them
DEMO-P004 (the LPN to RN bridge at #1 once her stated employer tuition covers the $700
over her limit). With the employer-tuition reading, the pay-cut rule (every program without
a pay cut above the pay cuts when fewer than 3 fit) and the pay-cut-aware target, the
caseload's most frequent top-1 is Certified Home Health Aide, 5 of 38 (13.2%), and the
no-data program top-1 for 1 of 38 (experiments/bench_goals.py). The ``"scorer": "learned"``
case runs in tests/test_referral_ranker.py, which trains a ranker.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

PANEL = Path(__file__).resolve().parent / "fixtures" / "referral_panel.json"
COUNTED = "constraints"
CASELOAD = Path(__file__).resolve().parents[1] / "demo" / "data" / "participants"
CONCENTRATION_LIMIT = 0.15
NO_DATA_PROGRAM = "Production Supervisor Leadership Program"  # no provider, schedule, ZIP


@dataclass
class Outcome:
    case: str
    owner: str
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def panel_cases() -> list[dict[str, Any]]:
    return json.loads(PANEL.read_text())["cases"]


def _strings(value: Any) -> list[str]:
    """Every string in a dumped result (numbers are left out: 2000.0 in JSON is no text)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def run_case(engine: Any, case: dict[str, Any]) -> Outcome:
    """One case through the engine, judged against its expectations."""
    from pydantic import ValidationError

    from matching.referral.pathways import find_pathways
    from matching.referral.referrals import ScoreWeights, refer
    from matching.schemas import Participant

    out = Outcome(case["id"], case["owner"])
    expect = case["expect"]
    try:
        person = Participant.model_validate(case["participant"])
    except ValidationError as exc:
        _judge_refusal(out, expect, str(exc))
        return out
    if "status" in expect:
        out.failures.append(f"accepted a request that should be a {expect['status']}")
        return out
    ctx = engine.region_context(person.state or "NJ")
    if case.get("kind") == "pathways":
        paths = find_pathways(person, ctx, engine.reader).model_dump()
        _judge_pathways(out, expect, paths)
        return out
    result = refer(
        person,
        ctx,
        engine.reader,
        top_k=10,
        weights=ScoreWeights(),
        scorer=engine.scorer_for(person),
    ).model_dump()
    _judge_referrals(out, expect, result)
    _judge_ranking(out, expect, result, person.last_hourly_wage)
    return out


def _judge_refusal(out: Outcome, expect: dict[str, Any], message: str) -> None:
    if expect.get("status") != 422:
        out.failures.append("refused a request that should be answered")
        return
    for word in expect.get("error_mentions", []):
        if word.lower() not in message.lower():
            out.failures.append(f"error does not mention {word!r}")


def _judge_referrals(out: Outcome, expect: dict[str, Any], result: dict[str, Any]) -> None:
    fail = out.failures.append
    ids = [r["program_id"] for r in result["referrals"]]
    close = {c["program_id"]: c for c in result.get("close") or []}
    excluded = {e["program_id"]: e for e in result["excluded"]}
    notes = " ".join(result["notes"])
    if len(ids) < expect.get("min_referrals", 0):
        fail(f"{len(ids)} referrals, wanted at least {expect['min_referrals']}")
    for pid in expect.get("refuse_referral", []):
        if pid in ids:
            fail(f"{pid} referred")
    for pid in expect.get("visible", []):
        if pid not in ids and pid not in close:
            fail(f"{pid} neither referred nor close")
    for pid in expect.get("not_visible", []):
        if pid in ids or pid in close:
            fail(f"{pid} shown")
    for pid in expect.get("close", []):
        if pid not in close:
            fail(f"{pid} not in the close tier")
    for pid, words in expect.get("close_mentions", {}).items():
        text = " ".join(_strings(close.get(pid, {})))
        fail_words = [w for w in words if w not in text]
        if fail_words:
            fail(f"close {pid} does not say {fail_words}")
    for pid, code in expect.get("excluded_code", {}).items():
        if code not in {r["code"] for r in excluded.get(pid, {}).get("reasons", [])}:
            fail(f"{pid} not excluded for {code}")
    _judge_texts(out, expect, notes, _strings(result))
    for pid in expect.get("refuse_top1", []):
        if ids[:1] == [pid]:
            fail(f"{pid} is top-1")
    for pid in expect.get("refuse_top3", []):
        if pid in ids[:3]:
            fail(f"{pid} in the top 3")
    if "top1" in expect and ids[:1] != expect["top1"][:1]:
        fail(f"top-1 is {ids[:1]}, wanted {expect['top1']}")
    shown = {r["program_id"]: r for r in result["referrals"]} | close
    for pid, words in expect.get("caveats_mention", {}).items():
        if pid not in shown:
            fail(f"{pid} not shown")
            continue
        text = " ".join(shown[pid].get("caveats") or []).lower()
        missing = [w for w in words if w not in text]
        if missing:
            fail(f"{pid} caveats do not mention {missing}")


def _judge_ranking(
    out: Outcome, expect: dict[str, Any], result: dict[str, Any], last_wage: float | None
) -> None:
    """The top 3 (issue 15 items 5-6): a route that must be there, what the first one
    says, and pay cuts: never above a program without one, and in the top 3 only saying
    why."""
    fail = out.failures.append
    top = result["referrals"]
    wanted = expect.get("top3_includes")
    if wanted and not {r["program_id"] for r in top[:3]} & set(wanted):
        fail(f"none of {wanted} in the top 3")
    for word in expect.get("top1_explanation_mentions", []):
        if not top or not any(word in line for line in top[0]["explanation"]):
            fail(f"top-1 explanation does not mention {word!r}")
    if expect.get("learned_order_moved_by_goal"):
        _judge_goal_moves(out, top)
    if expect.get("pay_cuts_top3") != "explained" or not last_wage:
        return
    cut = [bool(r["target_hourly_wage"] and r["target_hourly_wage"] < last_wage) for r in top]
    if any(cut[i] and not later for i in range(min(3, len(cut))) for later in cut[i + 1 :]):
        fail("a pay cut in the top 3 ranks above a program without one")
    for r, c in zip(top[:3], cut[:3], strict=False):
        said = any("ranked this high because only" in line for line in r["explanation"])
        goal = any("(the stated goal)" in x for x in r["caveats"])
        if c and not (said or goal):
            fail(f"pay cut {r['program_id']} in the top 3 without saying why")


LEARNED = re.compile(r"the learned ranker gives (\d+(?:\.\d+)?)")


def _judge_goal_moves(out: Outcome, top: list[dict[str, Any]]) -> None:
    """The stated goal moved the learned ranking: the final order is not the ranker's own
    (its figure is quoted in each explanation), and every program in the goal's field
    scores more over its ranker figure than every program outside it."""
    model, inside = [], []
    for r in top:
        found = [m for line in r["explanation"] if (m := LEARNED.search(line))]
        if not found:
            out.failures.append(f"{r['program_id']} does not quote the learned figure")
            return
        model.append(float(found[0].group(1)))
        inside.append(any("In the stated goal's field" in x for x in r["explanation"]))
    own = [r["program_id"] for _, r in sorted(zip(model, top, strict=True), key=lambda x: -x[0])]
    if own == [r["program_id"] for r in top]:
        out.failures.append("the order is the learned ranker's own: the goal moved nothing")
    gain = [r["score"] / m if m else 0.0 for r, m in zip(top, model, strict=True)]
    ins = [g for g, i in zip(gain, inside, strict=True) if i]
    outs = [g for g, i in zip(gain, inside, strict=True) if not i]
    if not ins or not outs or min(ins) <= max(outs):
        out.failures.append("programs in the goal's field did not gain on those outside it")


def _judge_texts(out: Outcome, expect: dict[str, Any], notes: str, texts: list[str]) -> None:
    for word in expect.get("notes_mention", []):
        if word.lower() not in notes.lower():
            out.failures.append(f"notes do not mention {word!r}")
    if "notes_match" in expect and not re.search(expect["notes_match"], notes):
        out.failures.append(f"notes do not match {expect['notes_match']!r}")
    if "no_text_matches" in expect:
        bad = [t for t in texts if re.search(expect["no_text_matches"], t)]
        if bad:
            out.failures.append(f"text matches {expect['no_text_matches']!r}: {bad[0][:90]!r}")


def _judge_pathways(out: Outcome, expect: dict[str, Any], result: dict[str, Any]) -> None:
    notes = " ".join(result["notes"])
    texts = _strings(result["notes"]) + [
        line for p in result["pathways"] for line in p["explanation"]
    ]
    cap = expect.get("max_total_weeks")
    for p in result["pathways"] if cap is not None else []:
        low = p.get("weeks_low", p["total_weeks"])
        high = p.get("weeks_high", p["total_weeks"])
        if low > cap:
            out.failures.append(f"route of {low:.0f}+ weeks over {cap}")
        elif high > cap and not any(expect["straddle_caveat"] in x for x in p["explanation"]):
            out.failures.append(f"route of up to {high:.0f} weeks does not say so")
    for word in expect.get("explanation_mentions", []):
        if not result["pathways"]:
            out.failures.append("no pathway")
        elif not any(word in line for p in result["pathways"] for line in p["explanation"]):
            out.failures.append(f"no explanation mentions {word!r}")
    _judge_texts(out, expect, notes, texts)


def run_panel(engine: Any) -> list[Outcome]:
    """Every case the engine can run: a ``"scorer": "learned"`` case needs a registered
    referral ranker (tests/test_referral_ranker.py trains one and runs those)."""
    learned = engine.referral_ranker is not None
    return [
        run_case(engine, case)
        for case in panel_cases()
        if case.get("scorer") != "learned" or learned
    ]


def pass_rate(outcomes: list[Outcome], owner: str = COUNTED) -> tuple[int, int]:
    mine = [o for o in outcomes if o.owner == owner]
    return sum(o.passed for o in mine), len(mine)


def top1_counts(engine: Any) -> tuple[Counter[str], int]:
    """(top-1 program name -> participants, participants with a top-1) over the demo
    caseload read as batch reads it (``read_caseload``, ``participant_from_row``) and
    scored through ``refer`` as batch scores it (fixed weights, no quoting)."""
    from pydantic import ValidationError

    from matching.referral.referrals import refer
    from serving.batch import participant_from_row, read_caseload

    table = read_caseload(CASELOAD / "demo_caseload.csv").table
    tops: Counter[str] = Counter()
    scored = 0
    for row in table.iter_rows(named=True):
        try:
            person = participant_from_row(row)
        except ValidationError:
            continue  # batch rejects the row too
        ctx = engine.region_context(person.state or "NJ")
        result = refer(person, ctx, engine.reader, top_k=5, quote_participant=False)
        if result.referrals:
            scored += 1
            tops[result.referrals[0].program_name] += 1
    return tops, scored


def top1_concentration(engine: Any) -> tuple[str | None, int, int]:
    """(most frequent top-1 program, its count, participants with a top-1)."""
    tops, scored = top1_counts(engine)
    if not tops:
        return None, 0, 0
    name, count = tops.most_common(1)[0]
    return name, count, scored


# ----------------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def engine(nlp_home_template: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The demo home with the demo NLP models (``pathmatch train nlp --demo``): the bundle's
    fallback title model reads "Line Cook" as Team Assemblers, which no referral rule
    should be asked to undo."""
    from matching.settings import Settings
    from serving.engine import Engine

    home = nlp_home_template.copy(tmp_path_factory.mktemp("panel_home"))
    return Engine.load(Settings(home=home))


def test_panel_has_enough_cases() -> None:
    cases = panel_cases()
    assert sum(c["owner"] == COUNTED for c in cases) >= 20
    assert len({c["id"] for c in cases}) == len(cases)


@pytest.fixture(scope="module")
def outcomes(engine: Any) -> list[Outcome]:
    return run_panel(engine)


def test_every_constraint_case_passes(outcomes: list[Outcome]) -> None:
    failed = {o.case: o.failures for o in outcomes if o.owner == COUNTED and not o.passed}
    assert not failed, failed


def test_every_credentials_goals_case_passes(outcomes: list[Outcome]) -> None:
    """Items 4-6: credentials, goals, advancement and pay cuts (DEMO-P004: the LPN to RN
    bridge at #1 with her stated employer tuition; without it, close). The learned-scorer
    cases run in tests/test_referral_ranker.py, where a ranker is trained."""
    mine = [o for o in outcomes if o.owner == "credentials_goals"]
    assert len(mine) >= 7
    failed = {o.case: o.failures for o in mine if not o.passed}
    assert not failed, failed


def test_the_program_no_one_could_check_does_not_dominate_top1(engine: Any) -> None:
    """The listing with no provider record, schedule or location was top-1 for 14 of 38
    demo participants; unmade checks now cost score, so it leads for at most 15%. (The
    share of the most frequent top-1 overall also depends on goals and credentials,
    issue 15 items 4-6; the script prints it.)"""
    tops, scored = top1_counts(engine)
    assert scored >= 20
    assert tops[NO_DATA_PROGRAM] / scored <= CONCENTRATION_LIMIT, (tops, scored)


def main() -> int:
    from serving.engine import Engine

    engine = Engine.load()
    outcomes = run_panel(engine)
    for o in outcomes:
        print(f"{'PASS' if o.passed else 'FAIL'} [{o.owner}] {o.case}: {'; '.join(o.failures)}")
    for owner in (COUNTED, "credentials_goals"):
        passed, total = pass_rate(outcomes, owner)
        print(f"{owner}: {passed}/{total} pass")
    tops, scored = top1_counts(engine)
    name, count = tops.most_common(1)[0] if tops else (None, 0)
    print(f"top-1 concentration: {name!r} top-1 for {count} of {scored} scored participants")
    print(f"{NO_DATA_PROGRAM!r} top-1 for {tops[NO_DATA_PROGRAM]} of {scored}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
