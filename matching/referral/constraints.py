"""Hard constraints: which programs a participant cannot take now, and why.

A case manager asks "why not this one?" as often as "why this one?", so a program that
fails a constraint is never just dropped: every failed check leaves a ``Reason`` with a
machine code and a plain sentence with rounded figures. Schedules are read with one
vocabulary (``matching.schedules``) for participants and listings alike.

Ranges, not fake precision: a listing's length is the state's band (``weeks_min`` -
``weeks_max``: NJ lists "13 months - 2 years", not 80.2 weeks) and its cost an interval
(low = high when the list gives a total). Against a limit a band that ends within it fits;
one that starts within it and ends beyond may fit (a caveat to confirm the length, an
unmade check); one that starts beyond fails.

Near misses: a program that fails the cost or the length limit, and only that one, by a
small margin is ``close`` (``Reason.close``), shown apart with what would make it fit, never
silently dropped. Small means within ``max(10% of the limit, $500)`` for cost (an ITA or
employer tuition can cover the difference) and ``max(10% of the limit, 2 weeks)`` for length
(a later start or a part-time plan can make it fit): ``COST_MARGIN_*`` / ``WEEKS_MARGIN_*``.
When the intake itself says the employer pays (part of) the tuition ("job pays part of
tuition", "tuition reimbursement at work"; ``employer_tuition``), a cost miss within that
margin is the gap employer tuition covers: the program is no near miss but a referral whose
cost is an unmade check (a caveat to confirm the employer covers the difference).

Unknown is not a pass: a check that cannot be made (the listing names no schedule, no ZIP
point for the distance, no provider record, a length band straddling the limit, education
not recorded against a diploma requirement) excludes nothing, but the referral carries a
caveat saying so and its score is multiplied by ``UNKNOWN_FACTOR`` (0.85) per unmade check
(``unmade_checks``): a program nobody could check never outranks one that passed every check
on the same evidence.

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
from matching.schedules import describe, fits, parse_schedule, program_slots
from matching.schemas import EducationLevel, Participant

HIGH_SCHOOL_WORDS = re.compile(
    r"high school|\bged\b|\bhse\b|\bhiset\b|equivalency|secondary diploma", re.I
)
NO_DIPLOMA_WORDS = re.compile(r"no (high school )?diploma (is )?required", re.I)
MIN_AGE = re.compile(
    r"\bage (\d{2})\+|\bage (\d{2}) (?:or|and) older|\b(\d{2}) years or older", re.I
)
ONLINE_FORMATS = {"online", "distance", "remote"}
COST_MARGIN_SHARE = 0.10
COST_MARGIN_MIN = 500.0
WEEKS_MARGIN_SHARE = 0.10
WEEKS_MARGIN_MIN = 2.0
UNKNOWN_FACTOR = 0.85
EMPLOYER_TUITION = re.compile(
    r"\b(?:job|employer|work|company|boss|hospital|facility)\b[^.;!?\n]{0,30}?"
    r"\b(?:pays?|paying|paid|covers?|covering|reimburses?|offers?|gives?|provides?"
    r"|helps?(?: (?:with|pay)| w/)?)(?![a-z])"
    r"[^.;!?\n]{0,25}?\btuition\b"
    r"|\btuition (?:reimbursement|assistance|benefit|help)\b[^.;!?\n]{0,25}?"
    r"\b(?:job|employer|work|company)\b"
    r"|\b(?:job|employer|work|company)(?:'s)? tuition (?:reimbursement|assistance|benefit)\b"
    r"|\bemployer[- ](?:paid|funded|sponsored) tuition\b",
    re.I,
)
NOT_PAID = re.compile(r"\b(?:no|not|never|won'?t|doesn'?t|don'?t|didn'?t|stopped|used to)\b", re.I)
ITA_WORDS = "an ITA (WIOA Individual Training Account) or employer tuition can cover the difference"
LATER_START_WORDS = (
    "a later start date or a part-time plan agreed with the provider could make it fit"
)
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
    """One failed check: ``code`` for machines, ``text`` for the case manager; ``close``
    when it misses the limit by a small margin (module docstring) and ``would_fit`` says
    what would close the gap."""

    code: str
    text: str
    close: bool = False
    would_fit: str | None = None


def is_close(reasons: Sequence[Reason]) -> bool:
    """A near miss: exactly one failed check, and that one by a small margin."""
    return len(reasons) == 1 and reasons[0].close


def weeks_band(program: Mapping[str, object]) -> tuple[float, float] | None:
    """The listing's length as (low, high) weeks: the state's band when it gives one, else
    the single figure; None when unknown."""
    low, high, mid = (program.get(k) for k in ("weeks_min", "weeks_max", "weeks_used"))
    if isinstance(low, int | float) and isinstance(high, int | float) and high >= low > 0:
        return float(low), float(high)
    if isinstance(low, int | float) and low > 0 and high is None:
        return float(low), float(low)  # open-ended band ("more than 4 years"): its floor
    if isinstance(mid, int | float) and mid > 0:
        return float(mid), float(mid)
    return None


def cost_band(program: Mapping[str, object]) -> tuple[float, float] | None:
    """The listing's cost as (low, high) USD; the listed total on both ends."""
    cost = program.get("cost_total")
    return (float(cost), float(cost)) if isinstance(cost, int | float) else None


def band_fields(program: Mapping[str, object]) -> dict[str, float | None]:
    """``weeks_low/high`` and ``cost_low/high`` for a referral or a pathway step."""
    weeks, cost = weeks_band(program), cost_band(program)
    return {
        "weeks_low": round(weeks[0], 1) if weeks else None,
        "weeks_high": round(weeks[1], 1) if weeks else None,
        "cost_low": cost[0] if cost else None,
        "cost_high": cost[1] if cost else None,
    }


def weeks_text(low: float, high: float) -> str:
    """'4-11 weeks', '56-104 weeks', '1-2 days', '7 weeks': rounded, never '80.2 weeks'."""
    if high < 1:
        lo, hi = max(1, round(low * 7)), max(1, round(high * 7))
        return f"{lo} day{'s' if hi > 1 else ''}" if lo == hi else f"{lo}-{hi} days"
    lo, hi = round(low), round(high)
    return f"{lo} weeks" if lo == hi else f"{lo}-{hi} weeks"


def _num(value: float) -> str:
    return f"{value:,.0f}" if value >= 1 or value == 0 else f"{value:.1f}"


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

    @property
    def employer_tuition(self) -> bool:
        """Does the intake say the employer pays (part of) the tuition? (``employer_tuition``)"""
        return employer_tuition(self.text)


def employer_tuition(text: str) -> bool:
    """The intake says an employer pays some of the tuition, and not that it does not:
    "job pays part of tuition" yes; "job doesn't pay tuition", "no tuition assistance at
    work" no. The amount is never stated, so what it covers stays a caveat to confirm."""
    for match in EMPLOYER_TUITION.finditer(text or ""):
        start = max(text.rfind(c, 0, match.start()) for c in ".;!?\n") + 1
        if not NOT_PAID.search(text[start : match.end()]):
            return True
    return False


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
    reasons.extend(cost_reasons(program, c.max_cost, employer_pays=state.employer_tuition))
    reasons.extend(weeks_reasons(program, c.max_weeks))
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


def cost_reasons(
    program: Mapping[str, object], limit: float | None, *, employer_pays: bool = False
) -> list[Reason]:
    """Over the cost limit: close within ``max(10%, $500)``, with the ITA words; within
    that margin and ``employer_pays`` (the intake says the employer pays part of the
    tuition) no reason at all: ``cost_covered`` is the caveat."""
    over = cost_over(program, limit)
    if over is None or limit is None:
        return []
    text = f"costs ${over + limit:,.0f}, ${over:,.0f} over the ${limit:,.0f} limit"
    if over <= cost_margin(limit):
        if employer_pays:
            return []
        return [Reason(code="cost", text=f"{text}: {ITA_WORDS}", close=True, would_fit=ITA_WORDS)]
    return [Reason(code="cost", text=text)]


def cost_over(program: Mapping[str, object], limit: float | None) -> float | None:
    """How far the listing's cost passes the limit (None: within it, or unknown)."""
    band = cost_band(program)
    if limit is None or band is None or band[0] <= limit:
        return None
    return band[0] - limit


def cost_margin(limit: float) -> float:
    """The near-miss margin for cost: ``max(10% of the limit, $500)``."""
    return max(COST_MARGIN_SHARE * limit, COST_MARGIN_MIN)


def cost_covered(program: Mapping[str, object], state: ParticipantState) -> str | None:
    """The caveat for a cost within the near-miss margin of the limit that the employer's
    tuition help (stated at intake) is taken to cover: the amount is to confirm."""
    limit = state.participant.constraints.max_cost
    over = cost_over(program, limit)
    if over is None or limit is None or over > cost_margin(limit) or not state.employer_tuition:
        return None
    return (
        f"costs ${over + limit:,.0f}, ${over:,.0f} over the ${limit:,.0f} limit: the intake says "
        f"the employer pays part of the tuition; confirm it covers the ${over:,.0f}"
    )


def weeks_reasons(program: Mapping[str, object], limit: float | None) -> list[Reason]:
    """Beyond the length limit: a band whose low end passes the limit; close within
    ``max(10%, 2 weeks)`` of it. A band that only ends beyond the limit may fit
    (``weeks_unsure``), which is a caveat, not a reason."""
    band = weeks_band(program)
    if limit is None or band is None or band[0] <= limit:
        return []
    low, high = band
    listed = weeks_text(low, high)
    at_least = "at least " if high > low else ""
    over = low - limit
    text = (
        f"takes {at_least}{weeks_text(low, low)} (listed as {listed}), "
        f"{weeks_text(over, over)} over the {_num(limit)}-week limit"
        if high > low
        else f"takes {listed}, {weeks_text(over, over)} over the {_num(limit)}-week limit"
    )
    if over <= max(WEEKS_MARGIN_SHARE * limit, WEEKS_MARGIN_MIN):
        return [
            Reason(
                code="weeks",
                text=f"{text}: {LATER_START_WORDS}",
                close=True,
                would_fit=LATER_START_WORDS,
            )
        ]
    return [
        Reason(code="weeks", text=f"takes {listed}, more than the {_num(limit)} weeks available")
    ]


def weeks_unsure(program: Mapping[str, object], limit: float | None) -> str | None:
    """The caveat for a band that starts within the limit and ends beyond it."""
    band = weeks_band(program)
    if limit is None or band is None or not band[0] <= limit < band[1]:
        return None
    return (
        f"length listed as {weeks_text(*band)}: the {_num(limit)}-week limit falls inside "
        "that range; confirm the length with the provider"
    )


def _schedule_reasons(program: Mapping[str, object], wanted: str | None) -> list[Reason]:
    slots = parse_schedule(wanted)
    offered = _program_slots(program)
    if fits(slots, offered) is not False or slots is None or offered is None:
        return []
    return [
        Reason(
            code="schedule",
            text=f"meets {describe(offered)} only; the participant can attend {describe(slots)}",
        )
    ]


def _program_slots(program: Mapping[str, object]) -> frozenset[str] | None:
    return program_slots(
        program.get("schedule"),  # type: ignore[arg-type]
        program.get("format"),  # type: ignore[arg-type]
        program.get("name"),  # type: ignore[arg-type]
    )


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
    return [text for _, text in unmade_checks(program, state, distance)]


def prerequisite_caveats(program: Mapping[str, object], state: ParticipantState) -> list[str]:
    """The diploma and age a program's prerequisite text asks for, as caveats: for answers
    that carry no parsed prerequisite checks (near misses); a referral's checks say it once,
    with met / unmet / to confirm."""
    out: list[str] = []
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


def unmade_checks(
    program: Mapping[str, object], state: ParticipantState, distance: float | None
) -> list[tuple[str, str]]:
    """``(code, caveat)`` for each check that could not be made; each one multiplies the
    score by ``UNKNOWN_FACTOR`` (``unknown_factor``)."""
    c = state.participant.constraints
    out: list[tuple[str, str]] = []
    if not program.get("provider_name"):
        out.append(
            (
                "provider",
                "no provider record on the state's list: confirm who runs it, where and "
                "when before referring",
            )
        )
    wanted = parse_schedule(c.schedule)
    if fits(wanted, _program_slots(program)) is None:
        out.append(("schedule", "schedule not listed: confirm it with the provider"))
    if c.radius_miles is not None and distance is None:
        out.append(
            (
                "distance",
                "distance not checked (no location for the participant's or the program's ZIP)",
            )
        )
    unsure = weeks_unsure(program, c.max_weeks)
    if unsure:
        out.append(("weeks", unsure))
    covered = cost_covered(program, state)
    if covered:
        out.append(("cost", covered))
    return out


def unknown_factor(
    program: Mapping[str, object], state: ParticipantState, distance: float | None
) -> float:
    """``UNKNOWN_FACTOR`` to the power of the unmade checks (1.0 when all were made)."""
    return float(UNKNOWN_FACTOR ** len(unmade_checks(program, state, distance)))
