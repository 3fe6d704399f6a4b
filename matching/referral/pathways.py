"""Pathways: multi-step routes of stackable credentials (CNA, then LPN, then RN).

A graph search over the region's programs. An edge a -> b comes from the catalog's
stackability table: b's prerequisites name a's credential, or b is a higher credential in
a's CIP series, or b leads to an O*NET related occupation at a higher credential level.
A route is a chain of programs in which

- every step passes the participant's hard constraints (schedule, distance, education),
  counting credentials earned on earlier steps as held;
- the cost limit and the weeks limit apply to the route's totals (a WIOA training account
  funds the route; the participant has that many weeks for all of it): the total cost, and
  the sum of the steps' length bands' low ends (a route whose band straddles the limit is
  kept and says so, as a referral does);
- each step leads to an occupation paying at least ``MIN_STEP_GAIN`` (5%) more than the
  step before it, and no step trains for a job the participant already holds;
- the first step leads to an occupation the participant's past jobs or stated goals point
  to (role fit of at least 0.3: a transition the ranker ranks high, an O*NET related
  occupation, a stated goal or a step toward one).

Routes are ranked by the five-year net gain: the hourly wage gain of the final
occupation over the participant's last wage, times 2,080 hours, over the years left after
training, minus the total cost. A new worker is not paid the median: for the first
``ENTRY_YEARS`` (2) after training the gain uses the entry wage (national OEWS 25th
percentile where the bundle has it, else the median), the median after that; payback months
use the entry wage. Each step's evidence comes with it, and notes are sentences with
formatted figures ("no route fits a $2,000 cost limit").
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from matching.referral.constraints import (
    ParticipantState,
    band_fields,
    check_program,
    earned_in,
    weeks_band,
    weeks_text,
)
from matching.referral.referrals import (
    HOURS_PER_YEAR,
    ParticipantReader,
    PersonView,
    ProgramFacts,
    RegionContext,
    Target,
    read_person,
)
from matching.schedules import describe, parse_schedule
from matching.schemas import Participant

HORIZON_YEARS = 5.0
WEEKS_PER_YEAR = 52.0
MIN_STEP_GAIN = 0.05
MIN_START_FIT = 0.3
ENTRY_YEARS = 2.0
RULE_WORDS = {
    "prerequisite": "its prerequisites name the previous credential",
    "cip_series_level_up": "a higher credential in the same field",
    "related_occupation_level_up": "a higher credential for an O*NET related occupation",
}


class PathwayStep(ProgramFacts):
    target: Target
    hourly_wage: float | None = None
    why: str = Field(description="why this step follows the previous one")


class Pathway(BaseModel):
    rank: int
    steps: list[PathwayStep]
    total_cost: float
    total_weeks: float
    start_hourly_wage: float | None
    end_hourly_wage: float
    entry_hourly_wage: float | None = Field(
        None, description="OEWS 25th percentile of the final occupation: first-years pay"
    )
    weeks_low: float | None = None
    weeks_high: float | None = None
    annual_wage_gain: float | None
    net_gain_5y: float | None = Field(description="wage gain over five years minus costs")
    payback_months: float | None
    explanation: list[str]


class PathwayResult(BaseModel):
    participant_id: str
    region: str
    target: str | None = None
    pathways: list[Pathway]
    notes: list[str] = Field(default_factory=list)


def find_pathways(
    participant: Participant,
    ctx: RegionContext,
    reader: ParticipantReader,
    *,
    target: str | None = None,
    max_steps: int = 3,
    top_k: int = 5,
) -> PathwayResult:
    """Ranked multi-step routes for ``participant`` in ``ctx.region`` (see module doc)."""
    person = read_person(participant, ctx, reader)
    step_rules = _step_person(person)
    edges = _edges(ctx)
    routes: list[list[tuple[str, str]]] = []

    def extend(path: list[tuple[str, str]], cost: float) -> None:
        if not _fits_weeks(participant, ctx, [p for p, _ in path]):
            return
        last = path[-1][0]
        if len(path) >= 2 and (target is None or target in ctx.leads_to.get(last, [])):
            routes.append(list(path))
        if len(path) >= max_steps:
            return
        for nxt, rule in edges.get(last, []):
            if any(nxt == p for p, _ in path) or _already_there(person, ctx, nxt):
                continue
            program = ctx.program_by_id[nxt]
            new_cost = cost + float(program.get("cost_total") or 0.0)
            if not _affordable(participant, new_cost) or not _pays_more(ctx, last, nxt):
                continue
            reasons, _ = check_program(
                program,
                step_rules,
                prerequisites=ctx.prerequisites.get(nxt, []),
                leads_to=ctx.leads_to,
                points=ctx.points,
                held_in_path=[p for p, _ in path],
            )
            if not reasons:
                extend([*path, (nxt, rule)], new_cost)

    for program in ctx.programs:
        reasons, _ = check_program(
            program,
            step_rules,
            prerequisites=ctx.prerequisites.get(program["program_id"], []),
            leads_to=ctx.leads_to,
            points=ctx.points,
        )
        cost = float(program.get("cost_total") or 0.0)
        pid = program["program_id"]
        if (
            not reasons
            and _affordable(participant, cost)
            and _in_reach(person, ctx, pid)
            and not _already_there(person, ctx, pid)
            and _best_wage(ctx, pid) is not None
        ):
            extend([(program["program_id"], "start")], cost)
    ranked = sorted(
        (_pathway(r, person, ctx) for r in routes),
        key=lambda p: (
            -(p.net_gain_5y if p.net_gain_5y is not None else -1e12),
            p.total_weeks,
            [s.program_id for s in p.steps],
        ),
    )
    unique = _distinct(ranked)[:top_k]
    for i, p in enumerate(unique):
        p.rank = i + 1
    notes = [] if unique else [_why_none(target, participant)]
    if participant.last_hourly_wage is None:
        notes.append(
            "no last wage recorded: gains are not computed, routes are ranked by "
            "final wage against cost"
        )
    return PathwayResult(
        participant_id=participant.participant_id,
        region=ctx.region,
        target=target,
        pathways=unique,
        notes=notes,
    )


def _step_person(person: PersonView) -> ParticipantState:
    """The participant's state with the cost and weeks limits lifted: they apply to the
    route's totals."""
    p = person.participant
    relaxed = p.model_copy(
        update={
            "constraints": p.constraints.model_copy(update={"max_cost": None, "max_weeks": None})
        }
    )
    return ParticipantState(relaxed, person.state.occupations, person.state.text)


def _edges(ctx: RegionContext) -> dict[str, list[tuple[str, str]]]:
    """``a -> [(b, rule)]``: the catalog's stackability edges, plus a prerequisite edge
    from every program that awards a credential b requires (``earned_in``), since a
    listing's prerequisite text names one provider's course, not every course for it."""
    listed = ctx.program_by_id
    edges = [(e["from_program_id"], e["to_program_id"], e["rule"]) for e in ctx.stackability]
    for b, needs in ctx.prerequisites.items():
        edges.extend(
            (a, b, "prerequisite")
            for a in listed
            for need in needs
            if a != b and earned_in({a}, need, ctx.leads_to)
        )
    out: dict[str, list[tuple[str, str]]] = {}
    for a, b, rule in sorted(set(edges), key=lambda e: (e[0], e[1], e[2] != "prerequisite", e[2])):
        if a in listed and b in listed and all(b != x for x, _ in out.get(a, [])):
            out.setdefault(a, []).append((b, rule))
    return out


def _in_reach(person: PersonView, ctx: RegionContext, program_id: str) -> bool:
    """A route starts where the participant's past jobs or stated goals point (role fit of
    at least ``MIN_START_FIT`` for one of the program's occupations); anyone without a past
    job may start anywhere."""
    if not person.sources:
        return True
    return any(
        person.role.get(t, (0.0, ""))[0] >= MIN_START_FIT for t in ctx.leads_to.get(program_id, [])
    )


def _already_there(person: PersonView, ctx: RegionContext, program_id: str) -> bool:
    best = _best_target(ctx, program_id)
    return best is not None and best[0] in person.state.occupations


def _route_weeks(ctx: RegionContext, route: list[str]) -> tuple[float, float]:
    """The route's length band: the sums of its steps' low and high ends."""
    bands = [weeks_band(ctx.program_by_id[p]) or (0.0, 0.0) for p in route]
    return sum(b[0] for b in bands), sum(b[1] for b in bands)


def _fits_weeks(participant: Participant, ctx: RegionContext, route: list[str]) -> bool:
    cap = participant.constraints.max_weeks
    return cap is None or _route_weeks(ctx, route)[0] <= cap


def _affordable(participant: Participant, cost: float) -> bool:
    cap = participant.constraints.max_cost
    return cap is None or cost <= cap


def _best_target(ctx: RegionContext, program_id: str) -> tuple[str, float] | None:
    wages = [(ctx.wage(t), t) for t in ctx.leads_to.get(program_id, [])]
    known = [(w, t) for w, t in wages if w is not None]
    if not known:
        return None
    wage, code = max(known)
    return code, wage


def _best_wage(ctx: RegionContext, program_id: str) -> float | None:
    best = _best_target(ctx, program_id)
    return best[1] if best else None


def _pays_more(ctx: RegionContext, a: str, b: str) -> bool:
    wa, wb = _best_wage(ctx, a), _best_wage(ctx, b)
    return wa is not None and wb is not None and wb >= wa * (1 + MIN_STEP_GAIN)


def _pathway(route: list[tuple[str, str]], person: PersonView, ctx: RegionContext) -> Pathway:
    steps = []
    for program_id, rule in route:
        program = ctx.program_by_id[program_id]
        code, wage = _best_target(ctx, program_id) or ("", 0.0)
        steps.append(
            PathwayStep(
                program_id=program_id,
                program_name=program["name"],
                provider_name=program.get("provider_name"),
                credential_type=program.get("credential_type"),
                cost=program.get("cost_total"),
                weeks=program.get("weeks_used"),
                **band_fields(program),
                target=Target(code=code, title=ctx.occupation_titles.get(code, code)),
                hourly_wage=wage,
                why=RULE_WORDS.get(rule, "first step: open to the participant now"),
            )
        )
    cost = sum(s.cost or 0.0 for s in steps)
    weeks = sum(s.weeks or 0.0 for s in steps)
    band = _route_weeks(ctx, [p for p, _ in route])
    start, end = person.participant.last_hourly_wage, steps[-1].hourly_wage or 0.0
    entry = _entry_wage(ctx, steps[-1].target.code, end)
    gain = (end - start) * HOURS_PER_YEAR if start is not None else None
    first = (entry - start) * HOURS_PER_YEAR if start is not None else None
    years_working = max(0.0, HORIZON_YEARS - weeks / WEEKS_PER_YEAR)
    early = min(years_working, ENTRY_YEARS)
    if gain is not None and first is not None:
        net = first * early + gain * (years_working - early) - cost
    else:
        net = (entry * early + end * (years_working - early)) * HOURS_PER_YEAR - cost
    payback = cost / (first / 12) + weeks / (WEEKS_PER_YEAR / 12) if first and first > 0 else None
    return Pathway(
        rank=0,
        steps=steps,
        total_cost=cost,
        total_weeks=round(weeks, 1),
        start_hourly_wage=start,
        end_hourly_wage=end,
        entry_hourly_wage=entry,
        weeks_low=round(band[0], 1),
        weeks_high=round(band[1], 1),
        annual_wage_gain=round(gain, 0) if gain is not None else None,
        net_gain_5y=round(net, 0),
        payback_months=round(payback, 1) if payback is not None else None,
        explanation=_explain(steps, cost, band, start, (entry, end), payback)
        + _weeks_caveat(person.participant, band),
    )


def _entry_wage(ctx: RegionContext, code: str, median: float) -> float:
    """The OEWS 25th percentile of the occupation (never above its median), else the median."""
    entry = ctx.entry_wages.get(code[:7])
    return min(entry, median) if entry else median


def _weeks_caveat(participant: Participant, band: tuple[float, float]) -> list[str]:
    cap = participant.constraints.max_weeks
    if cap is None or band[1] <= cap:
        return []
    return [
        f"The steps are listed as {weeks_text(*band)} in all: the {cap:,.0f}-week limit falls "
        "inside that range, so confirm the lengths with the providers."
    ]


def _explain(
    steps: list[PathwayStep],
    cost: float,
    weeks: tuple[float, float],
    start: float | None,
    pay: tuple[float, float],
    payback: float | None,
) -> list[str]:
    entry, end = pay
    chain = " -> ".join(
        f"{s.program_name} ({s.target.title}, ${s.hourly_wage or 0:.2f}/h)" for s in steps
    )
    lines = [f"Route: {chain}.", f"Total ${cost:,.0f} over {weeks_text(*weeks)} of training."]
    for prev, step in zip(steps, steps[1:], strict=False):
        lines.append(f"{step.program_name} follows {prev.program_name}: {step.why}.")
    if start is not None:
        back = (
            f"; at entry pay the cost is paid back about {payback:.0f} months after starting."
            if payback is not None
            else "; entry pay is not above the current wage, so the first years repay nothing."
        )
        lines.append(
            f"Pay: ${start:.2f}/h now; about ${entry:.2f}/h to start (entry pay, OEWS 25th "
            f"percentile), median ${end:.2f}/h with experience" + _change(start, end) + back
        )
    return lines


def _change(start: float, end: float) -> str:
    """`` (+25%)``; nothing for a last wage of 0 (no earnings), where a percentage has no
    meaning: the whole end wage is the gain, as ``annual_wage_gain`` says."""
    return f" ({(end - start) / start:+.0%})" if start > 0 else ""


def _distinct(pathways: list[Pathway]) -> list[Pathway]:
    """Drop a route whose occupations repeat a better-ranked route's (e.g. the evening
    twin of a day program): staff want different routes, not variants."""
    seen: set[tuple[str, ...]] = set()
    out = []
    for p in pathways:
        key = tuple(s.target.code for s in p.steps)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _why_none(target: str | None, participant: Participant) -> str:
    """'No multi-step route fits a $2,000 cost limit, a 20-week limit and evenings.'"""
    c = participant.constraints
    where = f" ending in {target}" if target else ""
    limits = []
    if c.max_cost is not None:
        limits.append(f"a ${c.max_cost:,.0f} cost limit")
    if c.max_weeks is not None:
        limits.append(f"a {c.max_weeks:,.0f}-week limit")
    wanted = parse_schedule(c.schedule)
    if wanted is not None:
        limits.append(f"classes on {describe(wanted)}")
    if c.radius_miles is not None:
        limits.append(f"a {c.radius_miles:,.0f}-mile radius")
    if not limits:
        return (
            f"No multi-step route{where} starts from the participant's past jobs or goals in "
            "this region's programs."
        )
    listed = limits[0] if len(limits) == 1 else ", ".join(limits[:-1]) + " and " + limits[-1]
    return (
        f"No multi-step route{where} fits {listed}; the referral's excluded and close "
        "programs say which limit rules each one out."
    )
