"""Wrong-field skills in the demo's answers (issue 14 item 8): how many, and which.

Runs every demo referral (each participant of ``demo/data/participants/demo_caseload.csv``
through ``matching.referral.referrals.refer``, the code the API and batch run), every demo
pathway (``find_pathways`` for the same people) and every demo gap report (each Mercer
catalog in ``demo/data/courses/mercer_catalog_demo/`` through ``analyze_gaps`` with inferred
targets, plus the Makefile's manufacturing report), collects every skill they explain with
the program family it is explained for (the program's CIP code; a catalog's CIP family in
``CATALOG_CIP``), and lists each (family, skill) pair found in the hand-written list of
wrong-field pairs ``tests/fixtures/wrong_field_pairs.csv`` (a family matches every CIP code
it prefixes: ``51`` is all of health, ``51.1009`` phlebotomy alone; ``#`` lines are comments).

    PATHMATCH_HOME=<demo home, demo models> .venv/bin/python experiments/demo_wrong_links.py [--all]

prints the explained skills per source, the wrong pairs found (count, then one line each:
source, program, skill, the sentence quoted) and the distinct (family, skill) pairs.
``tests/test_demo_clean.py`` asserts the list is empty.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "demo" / "data"
CASELOAD = DEMO / "participants" / "demo_caseload.csv"
CATALOGS = DEMO / "courses" / "mercer_catalog_demo"
WRONG_PAIRS = REPO / "tests" / "fixtures" / "wrong_field_pairs.csv"
REGION = "NJ"
TOP_K = 10  # the API's default: every referral a case manager can be shown
CATALOG_CIP = {  # the CIP 2020 family each demo catalog's program belongs to
    "advanced_manufacturing": "48.05",
    "allied_health": "51.08",
    "business_office": "52.04",
    "information_technology": "11",
    "nursing": "51.38",
    "supply_chain_logistics": "52.02",
    "welding_technology": "48.0508",
}
MAKEFILE_REPORT = ("advanced_manufacturing", ("51-4041.00", "51-9161.00", "49-9041.00"))
SOURCES = (
    "referral: taught",
    "referral: carried over",
    "referral: still missing",
    "pathway",
    "gap: course skills",
    "gap: gap list",
    "gap: cover plan",
)


@dataclass(frozen=True)
class Explained:
    """One skill an answer explains, for one program (or catalog) of a CIP family."""

    source: str
    cip: str
    program: str
    skill_id: str
    label: str
    sentence: str | None = None


@dataclass(frozen=True)
class WrongPair:
    family: str
    skill: str
    why: str

    def matches(self, item: Explained) -> bool:
        if not item.cip.startswith(self.family):
            return False
        wanted = self.skill.casefold()
        return wanted in (item.skill_id.casefold(), item.label.casefold())


def read_wrong_pairs(path: Path = WRONG_PAIRS) -> list[WrongPair]:
    """The listed pairs; ``#`` lines are comments (a pair taken off the list says there why
    the data supports it, so nobody adds it back unread)."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [line for line in handle if not line.startswith("#")]
    return [
        WrongPair(row["family"].strip(), row["skill_label_or_id"].strip(), row["why"].strip())
        for row in csv.DictReader(rows)
    ]


# ----------------------------------------------------------------------------- collect


def caseload() -> list[Any]:
    """The demo participants as ``Participant`` models, read like ``pathmatch score`` does."""
    from matching.ingest.loaders.participants import load_intake
    from serving.batch import participant_from_row

    return [participant_from_row(r) for r in load_intake([CASELOAD]).table.to_dicts()]


def referral_skills(engine: Any, people: Iterable[Any]) -> Iterator[Explained]:
    from matching.referral.referrals import refer

    ctx = engine.region_context(REGION)
    for person in people:
        result = refer(person, ctx, engine.reader, top_k=TOP_K)
        for r in result.referrals:
            cip = str(ctx.program_by_id[r.program_id].get("cip_code") or "")
            where = f"{r.program_name} (for {person.participant_id})"
            for s in r.skills_taught_missing:
                yield Explained("referral: taught", cip, where, s.skill_id, s.label, s.evidence)
            for s in r.transferable_skills:
                yield Explained("referral: carried over", cip, where, s.skill_id, s.label)
            for label in r.skills_still_missing:
                yield Explained("referral: still missing", cip, where, label, label)


def pathway_lines(engine: Any, people: Iterable[Any]) -> Iterator[tuple[str, str, str]]:
    """(CIP, program, explanation line) of every step of every demo pathway."""
    from matching.referral.pathways import find_pathways

    ctx = engine.region_context(REGION)
    for person in people:
        for route in find_pathways(person, ctx, engine.reader).pathways:
            for step in route.steps:
                cip = str(ctx.program_by_id[step.program_id].get("cip_code") or "")
                for line in [step.why, *route.explanation]:
                    yield cip, step.program_name, line


def pathway_skills(engine: Any, people: Iterable[Any], labels: dict[str, str]) -> list[Explained]:
    """Pathways name no skill list of their own; any known skill label in their lines."""
    found = []
    for cip, program, line in pathway_lines(engine, people):
        low = line.casefold()
        for label, skill_id in labels.items():
            if label in low:
                found.append(Explained("pathway", cip, program, skill_id, label, line))
    return found


def gap_reports() -> Iterator[tuple[str, tuple[str, ...] | None]]:
    for path in sorted(CATALOGS.glob("*.json")):
        yield path.stem, None
    yield MAKEFILE_REPORT


def gap_skills(engine: Any) -> Iterator[Explained]:
    from matching.curriculum.gaps import analyze_gaps, read_courses
    from serving.gap_report import gap_context

    context = gap_context(engine)
    for stem, occupations in gap_reports():
        catalog = read_courses(CATALOGS / f"{stem}.json")
        result = analyze_gaps(catalog, context, region=REGION, occupations=occupations)
        cip, where = CATALOG_CIP[stem], stem + (" (Makefile targets)" if occupations else "")
        for t in result.taught:
            sentence = t.evidence[0].sentence if t.evidence else None
            yield Explained("gap: course skills", cip, where, t.skill_id, t.label, sentence)
        for g in result.gaps:
            yield Explained("gap: gap list", cip, where, g.skill_id, g.label)
        for step in result.cover.added:
            yield Explained("gap: cover plan", cip, where, step.skill_id, step.label)


def collect(engine: Any, wrong: Iterable[WrongPair] = ()) -> list[Explained]:
    """Every explained skill of the demo's referrals, pathways and gap reports."""
    people = caseload()
    items = list(referral_skills(engine, people))
    items += list(gap_skills(engine))
    labels = {p.skill.casefold(): p.skill for p in wrong}
    labels.update({i.label.casefold(): i.skill_id for i in items})
    items += pathway_skills(engine, people, labels)
    return items


def wrong_found(
    items: Iterable[Explained], pairs: Iterable[WrongPair]
) -> list[tuple[WrongPair, Explained]]:
    listed = list(pairs)
    return [(p, i) for i in items for p in listed if p.matches(i)]


def describe(pair: WrongPair, item: Explained) -> str:
    quote = f' - "{item.sentence}"' if item.sentence else ""
    return (
        f"[{item.source}] {item.program} (CIP {item.cip}, family {pair.family}): "
        f"{item.label!r} ({pair.why}){quote}"
    )


def main() -> int:
    from serving.engine import Engine

    engine = Engine.load()
    pairs = read_wrong_pairs()
    items = collect(engine, pairs)
    counts = Counter(i.source for i in items)
    print("explained skills per source (with repeats across people and programs):")
    for source in SOURCES:
        print(f"  {source:26s} {counts.get(source, 0):6d}")
    found = wrong_found(items, pairs)
    distinct = sorted({(p.family, p.skill) for p, _ in found})
    print(
        f"wrong-field explained skills: {len(found)} ({len(distinct)} distinct pairs of "
        f"{len(pairs)} listed)"
    )
    for line in sorted({describe(p, i) for p, i in found}):
        print("  " + line)
    print("distinct wrong pairs found:")
    for family, skill in distinct:
        print(f"  {family}\t{skill}")
    if "--all" in sys.argv:  # every distinct (CIP, source, skill), to read for new pairs
        print("every explained skill:")
        for cip, source, label in sorted({(i.cip, i.source, i.label) for i in items}):
            print(f"  {cip}\t{source}\t{label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
