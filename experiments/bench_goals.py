"""Goals and advancement on the demo caseload: how many participants get a top-1 referral in
their stated goal's field (career cluster, ``matching.referral.goals``), and how many get a
target paying less than their last wage in the top 3.

    PATHMATCH_HOME=/tmp/pm/credentials/home .venv/bin/python experiments/bench_goals.py

Prints counts only (no participant words).
"""

from __future__ import annotations

from pathlib import Path

from matching.referral.goals import cluster_of, sector_goals
from matching.referral.referrals import refer, stated_goals
from matching.settings import Settings
from serving.batch import participant_from_row, read_caseload
from serving.engine import Engine

CASELOAD = Path(__file__).resolve().parents[1] / "demo" / "data" / "participants"


def main() -> None:
    engine = Engine.load(Settings()).warm()
    ctx = engine.region_context("NJ")
    table = read_caseload(CASELOAD / "demo_caseload.csv").table
    people = [participant_from_row(r) for r in table.to_dicts()]
    with_goal = in_goal = cut_top3 = scored = 0
    for person in people:
        result = refer(person, ctx, engine.reader, top_k=10)
        if not result.referrals:
            continue
        scored += 1
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
    print(f"participants scored (>=1 referral): {scored} of {len(people)}")
    print(f"top-1 in the stated goal's field: {in_goal} of {with_goal} with a goal")
    print(f"a pay cut in the top 3: {cut_top3} of {scored}")


if __name__ == "__main__":
    main()
