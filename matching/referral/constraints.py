"""Hard constraints: which programs a participant cannot take now, and why.

A case manager asks "why not this one?" as often as "why this one?", so a program that
fails a constraint is never just dropped: every failed check leaves a ``Reason`` with a
machine code and a plain sentence. Checks that cannot be made (no ZIP point, no schedule on
the listing, education not recorded) pass, and the referral carries a caveat instead:
excluding a program on a guess would hide good options.

Prerequisite credentials come from the program catalog's stackability edges (rule
``prerequisite``: the listing's prerequisites name another program's credential). A
participant holds a credential when a past job maps to an occupation that credential leads
to, or the intake names it (its acronym or name).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel

from matching.referral.geo import zip_distance
from matching.schemas import EducationLevel, Participant

HIGH_SCHOOL_WORDS = re.compile(
    r"high school|\bged\b|\bhse\b|\bhiset\b|equivalency|secondary diploma", re.I
)
NO_DIPLOMA_WORDS = re.compile(r"no (high school )?diploma (is )?required", re.I)
MIN_AGE = re.compile(
    r"\bage (\d{2})\+|\bage (\d{2}) (?:or|and) older|\b(\d{2}) years or older", re.I
)
ONLINE_FORMATS = {"online", "distance", "remote"}
GENERIC_TAIL = {
    "certification",
    "certificate",
    "operator",
    "program",
    "course",
    "training",
    "technician",
    "specialist",
    "license",
    "credential",
}


class Reason(BaseModel):
    """One failed check: ``code`` for machines, ``text`` for the case manager."""

    code: str
    text: str


@dataclass(frozen=True)
class Prerequisite:
    """A credential a program requires, and the programs in the region that award it."""

    name: str
    awarded_by: tuple[str, ...]


@dataclass
class ParticipantState:
    """What the checks need to know about a participant beyond the request itself."""

    participant: Participant
    occupations: set[str] = field(default_factory=set)
    text: str = ""

    @property
    def education(self) -> EducationLevel | None:
        return self.participant.education_level


def prerequisites_by_program(
    stackability: Iterable[Mapping[str, str]], program_names: Mapping[str, str]
) -> dict[str, list[Prerequisite]]:
    """``to_program_id -> [Prerequisite]`` from the catalog's ``prerequisite`` edges.

    Edges naming the same credential ("'cna'" from both CNA listings) are alternatives:
    one Prerequisite awarded by either program.
    """
    grouped: dict[tuple[str, str], list[str]] = {}
    for edge in stackability:
        if edge["rule"] != "prerequisite":
            continue
        name = _credential_phrase(edge["evidence"]) or program_names.get(
            edge["from_program_id"], edge["from_program_id"]
        )
        grouped.setdefault((edge["to_program_id"], name.lower()), []).append(
            edge["from_program_id"]
        )
    out: dict[str, list[Prerequisite]] = {}
    for (to_id, name), sources in sorted(grouped.items()):
        out.setdefault(to_id, []).append(Prerequisite(name, tuple(sorted(set(sources)))))
    return out


def _credential_phrase(evidence: str) -> str | None:
    found = re.search(r"'([^']+)'", evidence or "")
    return found.group(1) if found else None


def awarding_occupations(
    prerequisite: Prerequisite, leads_to: Mapping[str, Sequence[str]]
) -> set[str]:
    """Occupations the credential leads to (those of the programs that award it)."""
    return {code for p in prerequisite.awarded_by for code in leads_to.get(p, ())}


def earned_in(
    programs: set[str], prerequisite: Prerequisite, leads_to: Mapping[str, Sequence[str]]
) -> bool:
    """Do ``programs`` (done earlier on a pathway) award the credential? A listing the
    prerequisite text did not name counts when it trains for the same occupation (the
    evening CNA course awards a CNA as the day one does)."""
    if programs & set(prerequisite.awarded_by):
        return True
    wanted = awarding_occupations(prerequisite, leads_to)
    return any(wanted & set(leads_to.get(p, ())) for p in programs)


def holds(
    state: ParticipantState, prerequisite: Prerequisite, leads_to: Mapping[str, Sequence[str]]
) -> bool:
    """Does the participant already hold ``prerequisite``?

    Yes when a past job maps to an occupation a program awarding it leads to, or the
    intake says so: the credential's name next to a holding word ("forklift cert", "have
    my CNA", "current CDL Class B license"). A bare mention ("want LPN") is a wish, not
    a credential.
    """
    for program_id in prerequisite.awarded_by:
        if state.occupations & set(leads_to.get(program_id, ())):
            return True
    return says_held(state, prerequisite)


def says_held(state: ParticipantState, prerequisite: Prerequisite) -> bool:
    """Does the intake or a past title say the credential is held (not just wanted)?"""
    pieces = [piece.lower() for piece in state.text.split("\n")]
    return any(
        _says_held(piece, re.escape(name))
        for piece in pieces
        for name in short_names(prerequisite.name)
    )


def already_held(
    program_id: str, state: ParticipantState, prerequisites: Mapping[str, Sequence[Prerequisite]]
) -> list[Reason]:
    """A program whose credential the participant says they hold ("have A+") is no
    referral; a past job alone does not count here, since experience may stand in for a
    prerequisite without being the credential itself."""
    names = {
        need.name
        for needs in prerequisites.values()
        for need in needs
        if program_id in need.awarded_by and says_held(state, need)
    }
    return [
        Reason(code="held", text=f"the participant already holds {n.upper() if len(n) <= 6 else n}")
        for n in sorted(names)
    ]


def short_names(name: str) -> list[str]:
    """The credential's name, its marked words ("CompTIA A+" -> "a+") and its core without
    trailing generic words ("Forklift Operator Certification" -> "forklift"), as people
    write it at intake."""
    words = name.lower().split()
    names = [" ".join(words)]
    names += [w for w in words[1:] if re.search(r"[+0-9]", w) and len(w) >= 2]  # a+, d1.1
    while len(words) > 1 and words[-1] in GENERIC_TAIL:
        words = words[:-1]
        names.append(" ".join(words))
    return names


def _says_held(text: str, name: str) -> bool:
    gap = r"[ \t\-/]+"  # words of one phrase: never across a sentence or a title
    before = (
        rf"\b(?:have|had|got|hold|holding|earned|current|certified|licensed|with)\b"
        rf"(?:{gap}\w+){{0,2}}{gap}{name}(?![a-z0-9])"
    )
    after = (
        rf"(?<![a-z0-9]){name}{gap}(?:\w+{gap}){{0,1}}(?:cert|certified|certification|"
        rf"certificate|license|licensed|card)"
    )
    return re.search(before, text) is not None or re.search(after, text) is not None


def check_program(
    program: Mapping[str, object],
    state: ParticipantState,
    *,
    prerequisites: Sequence[Prerequisite],
    leads_to: Mapping[str, Sequence[str]],
    points: Mapping[str, tuple[float, float]],
    held_in_path: Iterable[str] = (),
) -> tuple[list[Reason], float | None]:
    """Reasons ``program`` is out of reach now, and the distance in miles (None: unknown).

    ``held_in_path`` lists programs completed earlier on a pathway: their credentials
    count as held.
    """
    c = state.participant.constraints
    reasons: list[Reason] = []
    cost, weeks = program.get("cost_total"), program.get("weeks_used")
    if c.max_cost is not None and isinstance(cost, int | float) and cost > c.max_cost:
        reasons.append(
            Reason(code="cost", text=f"costs ${cost:,.0f}, above the ${c.max_cost:,.0f} limit")
        )
    if c.max_weeks is not None and isinstance(weeks, int | float) and weeks > c.max_weeks:
        reasons.append(
            Reason(
                code="weeks",
                text=f"takes {weeks:.3g} weeks, longer than the {c.max_weeks:.3g} weeks available",
            )
        )
    reasons.extend(_schedule_reasons(program, c.schedule))
    distance = _distance(program, state, points)
    if c.radius_miles is not None and distance is not None and distance > c.radius_miles:
        reasons.append(
            Reason(
                code="distance",
                text=f"{distance:.0f} miles away, beyond the {c.radius_miles:.0f}-mile limit",
            )
        )
    reasons.extend(_education_reasons(program, state.education))
    done = set(held_in_path)
    for need in prerequisites:
        if earned_in(done, need, leads_to) or holds(state, need, leads_to):
            continue
        name = need.name.upper() if len(need.name) <= 6 else need.name
        reasons.append(Reason(code="prerequisite", text=f"requires {name} first"))
    return reasons, distance


def _schedule_reasons(program: Mapping[str, object], wanted: str | None) -> list[Reason]:
    offered = program.get("schedule")
    if not wanted or wanted == "flexible" or not offered or offered == "flexible":
        return []
    if program.get("format") in ONLINE_FORMATS or offered == wanted:
        return []
    return [
        Reason(code="schedule", text=f"meets {offered}s; the participant can attend {wanted}s only")
    ]


def _distance(
    program: Mapping[str, object],
    state: ParticipantState,
    points: Mapping[str, tuple[float, float]],
) -> float | None:
    if program.get("format") in ONLINE_FORMATS:
        return 0.0
    return zip_distance(points, state.participant.zip, program.get("location_zip"))  # type: ignore[arg-type]


def _education_reasons(program: Mapping[str, object], level: EducationLevel | None) -> list[Reason]:
    text = str(program.get("prerequisites") or "")
    if level != EducationLevel.NONE or NO_DIPLOMA_WORDS.search(text):
        return []
    if HIGH_SCHOOL_WORDS.search(text):
        return [
            Reason(
                code="education",
                text="requires a high school diploma or "
                "equivalency (HSE); an adult education referral comes first",
            )
        ]
    return []


def caveats(
    program: Mapping[str, object], state: ParticipantState, distance: float | None
) -> list[str]:
    """Checks that could not be made, said plainly so staff can confirm them."""
    c = state.participant.constraints
    out = []
    if c.radius_miles is not None and distance is None:
        out.append("distance not checked (no location for the participant's or the program's ZIP)")
    if c.schedule and c.schedule != "flexible" and not program.get("schedule"):
        out.append("schedule not listed: confirm it with the provider")
    text = str(program.get("prerequisites") or "")
    if (
        state.education is None
        and HIGH_SCHOOL_WORDS.search(text)
        and not NO_DIPLOMA_WORDS.search(text)
    ):
        out.append("requires a high school diploma or equivalency; education not recorded")
    age = MIN_AGE.search(text)
    if age:
        out.append(f"minimum age {next(g for g in age.groups() if g)}")
    return out
