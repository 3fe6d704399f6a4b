"""Goals and advancement on the demo caseload, scored as the API scores it (the home's
learned referral ranker when one is registered, else the fixed weights):

- how many participants get a top-1 referral in their stated goal's field (career
  cluster, ``matching.referral.goals``);
- how many get a target paying less than their last wage in the top 3;
- the most frequent top-1 program and its share (issue 15 item 3: at most 15% unless the
  data really says so);
- how often the listing no one could check (no provider record, schedule or ZIP) is top-1.

    PATHMATCH_HOME=/tmp/pm/<you>/demo .venv/bin/python experiments/bench_goals.py

With the demo home (no referral ranker) this measures the fixed weights; for the learned
ranker, train one into a copy of the demo home first (``pathmatch train referral-ranker`` on
the SYNTHETIC fixture of tests/pirl_fixture.py, as experiments/bench_referral_ranker.py
does) and point PATHMATCH_HOME there. Prints counts only (no participant words).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from matching.referral.goals import cluster_of, sector_goals
from matching.referral.referrals import refer, stated_goals
from matching.settings import Settings
from serving.batch import participant_from_row, read_caseload
from serving.engine import Engine

CASELOAD = Path(__file__).resolve().parents[1] / "demo" / "data" / "participants"
NO_DATA_PROGRAM = "Production Supervisor Leadership Program"  # no provider, schedule, ZIP


def main() -> None:
    engine = Engine.load(Settings()).warm()
    ctx = engine.region_context("NJ")
    table = read_caseload(CASELOAD / "demo_caseload.csv").table
    people = [participant_from_row(r) for r in table.to_dicts()]
    learned = engine.referral_ranker is not None
    with_goal = in_goal = cut_top3 = scored = 0
    tops: Counter[str] = Counter()
    for person in people:
        result = refer(person, ctx, engine.reader, top_k=10, scorer=engine.scorer_for(person))
        if not result.referrals:
            continue
        scored += 1
        tops[result.referrals[0].program_name] += 1
        text = person.intake_text or ""
        goals = sector_goals(text) | {
            cl
            for g in engine.reader.title_occupations(stated_goals(text))
            if g.score >= 0.45
            for cl in cluster_of(g.code)
        }
        if goals:
            with_goal += 1
            in_goal += bool(cluster_of(result.referrals[0].target.code) & goals)
        last = person.last_hourly_wage
        cut_top3 += any(
            last and r.target_hourly_wage and r.target_hourly_wage < last
            for r in result.referrals[:3]
        )
    name, count = tops.most_common(1)[0] if tops else ("-", 0)
    print(f"scorer: {'learned referral ranker (champion)' if learned else 'fixed weights'}")
    print(f"participants scored (>=1 referral): {scored} of {len(people)}")
    print(f"top-1 in the stated goal's field: {in_goal} of {with_goal} with a goal")
    print(f"a pay cut in the top 3: {cut_top3} of {scored}")
    print(f"most frequent top-1: {name!r}, {count} of {scored} ({count / max(scored, 1):.1%})")
    print(f"{NO_DATA_PROGRAM!r} top-1: {tops[NO_DATA_PROGRAM]} of {scored}")


if __name__ == "__main__":
    main()
