"""Ranked, explained training referrals for one participant.

The route a case manager would take, written down:

1. read the person: past job titles become occupations (title normalizer), the intake
   text becomes linked skills with the sentence that shows each one, and a past job adds
   the skills most of its postings ask for;
2. candidate targets: occupations the transition ranker says people move into from those
   jobs (O*NET related occupations when no ranker is registered), plus any occupation the
   region's programs lead to, judged on skills;
3. candidate programs in the region that lead there, each checked against the hard
   constraints (``matching.referral.constraints``); an excluded program keeps its reasons;
4. a documented score (``ScoreWeights``) over six parts, each in [0, 1]:
   role fit (the transition ranker), skill fit (share of the target's demand-weighted skill
   profile the person already shows), gap closed (share of the missing profile the
   program teaches; 0 when nothing is missing), demand (the target's in-demand score in
   the region), wage gain (log2 of target over last wage, mapped to [0, 1]) and outcome
   (predicted employment rate minus half its interval width times ``uncertainty_penalty``,
   else the reported rate);
5. explanations in plain words built only from that evidence.

Everything the participant's text touches is computed here and returned to the caller;
nothing is logged. Explanations quote the participant's own words (a stated goal, the
intake sentence behind a skill) only when ``quote_participant`` is true, which is right
for the requester's own API answer alone: with it false (batch scoring, anything written
to disk) they name the occupation or skill instead, and the result carries no intake
sentence and no job title as typed. The region's reference data (``RegionContext``) is
built once and shared by every request; the participant-side models come in through
``ParticipantReader`` so this module stays free of serving and training code.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

import polars as pl
from pydantic import BaseModel, Field, PrivateAttr

from matching.market.handout import CostBreakdown, ProviderContact, handout_fields
from matching.market.skill_profiles import REFERRALS, occupation_profiles
from matching.nlp.quotes import Quote, quote_of
from matching.referral.constraints import (
    ParticipantState,
    Prerequisite,
    Reason,
    band_fields,
    caveats,
    check_program,
    is_close,
    prerequisite_caveats,
    prerequisites_by_program,
    unknown_factor,
)
from matching.referral.credentials import (
    HELD,
    TO_CONFIRM,
    UNMET,
    Applicant,
    Check,
    PastJob,
    credential_of,
    held_credentials,
    prerequisite_checks,
    to_confirm_by_job,
)
from matching.referral.geo import zip_points
from matching.referral.goals import (
    Limit,
    cluster_of,
    cluster_source,
    clusters_by_soc,
    demands_of,
    sector_goals,
    stated_limits,
)
from matching.schedules import ALL_SLOTS, describe, parse_schedule
from matching.schemas import Participant

if TYPE_CHECKING:
    from matching.nlp.extraction.io import SkillLink

HOURS_PER_YEAR = 2080
RELATED_TIER_SCORE = {"Primary-Short": 1.0, "Primary-Long": 0.7, "Supplemental": 0.4}
PAST_JOB_MIN_WEIGHT = 0.3
GOAL_MIN_SCORE = 0.45  # title-normalizer score a goal phrase needs to count (demo caseload)
GOAL_RELATED_FIT = 0.6
MAX_GOALS = 6
GOAL_PHRASE = re.compile(
    r"\b(?:want(?:s|ed)?|would like|hoping|hope|interested in|plan(?:s|ning)? on|goal is)\b"
    r"(?:\s+to)?(?:\s+(?:be|become|get into|work as|work in|go into|do|start w/|start with))?"
    r"(?:\s+(?:an?|the|my))?\s+([^.,;!?\n()]{2,40})",
    re.I,
)
GOAL_SPLIT = re.compile(r"\s+(?:or|then|and|w/|with|so|bc|because|that|but)\s+|/", re.I)
SAME_OCCUPATION_FIT = 0.0  # training for the job one holds is no move (caveat says why)
# Goals, limits and advancement move the score by documented points (0-100 scale), each
# named in the explanation: in the stated field +GOAL_FIELD_POINTS, outside it
# -OFF_GOAL_POINTS; against a stated limit -LIMIT_POINTS per limit; a higher rung of a
# ladder the participant stands on is role fit ADVANCEMENT_FIT; a prerequisite to confirm
# costs TO_CONFIRM_POINTS.
GOAL_FIELD_POINTS = 15.0
OFF_GOAL_POINTS = 15.0
LIMIT_POINTS = 20.0
ADVANCEMENT_FIT = 0.9
TO_CONFIRM_POINTS = 2.0
TOP_NO_PAY_CUT = 3  # a target paying less than the last wage stays out of the top 3


# ----------------------------------------------------------------------------- contract


class SkillEvidence(BaseModel):
    """A skill and where it was seen: the intake, a past job, or the program's text.

    ``evidence`` is the fact behind the link: for a text (intake, program) its sentence
    quoted around the supporting words (``Quote.render``), else a sentence about the job.
    The quote's structure stays with the object (not serialized) so an explanation can
    quote a sentence once for all the skills it shows; with ``evidence`` None nothing is
    quoted.
    """

    skill_id: str
    label: str
    source: str = Field(description="intake | past_job | program")
    evidence: str | None = Field(
        None, description="the fact behind the link: the sentence quoted, supporting words in **"
    )
    _quote: Quote | None = PrivateAttr(None)

    @classmethod
    def quoted(cls, skill_id: str, label: str, source: str, quote: Quote | None) -> SkillEvidence:
        """A skill seen in a text, ``evidence`` its rendered quote."""
        out = cls(
            skill_id=skill_id,
            label=label,
            source=source,
            evidence=quote.render() if quote is not None else None,
        )
        out._quote = quote
        return out

    @classmethod
    def from_link(cls, link: SkillLink, source: str = "intake") -> SkillEvidence:
        """A kept link of an extraction (``matching.nlp.extraction.io.linked_skills``)."""
        return cls.quoted(link.id, link.label, source, link.quote)

    @property
    def quote(self) -> Quote | None:
        """The structured quote behind ``evidence``; None when nothing may be quoted."""
        return self._quote if self.evidence is not None else None


class SourceOccupation(BaseModel):
    """A past job read as an occupation, and how it was read."""

    title: str
    code: str
    occupation_title: str
    score: float
    reading: str = Field(
        "normalized",
        description="normalized (the title model read a typed past job title) | override "
        "(a code in the participant's past_occupations, given by a case manager)",
    )


class UnknownOccupation(ValueError):
    """A ``past_occupations`` code the bundle's O*NET occupations do not list.

    The message names the field and the item's position, not the code: rejects files and
    error bodies never repeat what was submitted about a person.
    """

    def __init__(self, index: int) -> None:
        self.index = index
        self.field = "past_occupations"
        super().__init__(
            f"past_occupations item {index}: not an O*NET-SOC occupation in the data "
            "bundle (onet_occupations)"
        )


class Target(BaseModel):
    code: str
    title: str


class ScoreParts(BaseModel):
    """The six parts of the score, each in [0, 1], before weighting."""

    role_fit: float
    skill_fit: float
    gap_closed: float
    demand: float
    wage_gain: float
    outcome: float


class DemandFacts(BaseModel):
    region: str
    postings: int | None = None
    pay_hourly_median: float | None = None
    oews_hourly_median: float | None = None
    growth_pct: float | None = None
    annual_openings: float | None = None
    in_demand_score: float | None = None


class OutcomeFacts(BaseModel):
    employment_q2: float | None = None
    employment_q2_n: int | None = None
    median_earnings: float | None = None
    median_earnings_n: int | None = None
    predicted_employment: float | None = None
    predicted_employment_lo: float | None = None
    predicted_employment_hi: float | None = None


class ProgramFacts(BaseModel):
    """What staff read first about a program, in a referral or a pathway step."""

    program_id: str
    program_name: str
    provider_name: str | None = None
    credential_type: str | None = None
    cost: float | None = None
    weeks: float | None = None
    weeks_low: float | None = Field(None, description="the listing's length band, low end")
    weeks_high: float | None = Field(None, description="the listing's length band, high end")
    cost_low: float | None = Field(None, description="the listing's cost interval, low end")
    cost_high: float | None = Field(None, description="the listing's cost interval, high end")


class PrerequisiteCheck(BaseModel):
    """One requirement of the program's prerequisite text, read against the participant."""

    requirement: str
    kind: str = Field(description="education | age | credential | experience | enrollment")
    status: str = Field(description="met | unmet | to_confirm")
    why: str


class Referral(ProgramFacts):
    rank: int
    score: float = Field(description="0-100, the weighted sum of the parts")
    schedule: str | None = None
    format: str | None = None
    schedule_text: str | None = Field(None, description="the listing's words on when it meets")
    provider: ProviderContact | None = Field(None, description="who to call, where, website")
    cost_breakdown: CostBreakdown | None = None
    distance_miles: float | None = None
    target: Target
    target_hourly_wage: float | None = None
    parts: ScoreParts
    transferable_skills: list[SkillEvidence] = Field(default_factory=list)
    skills_taught_missing: list[SkillEvidence] = Field(default_factory=list)
    skills_still_missing: list[str] = Field(default_factory=list)
    demand: DemandFacts | None = None
    outcomes: OutcomeFacts = OutcomeFacts()
    explanation: list[str] = Field(default_factory=list)
    caveats: list[str] = Field(default_factory=list)
    prerequisite_checks: list[PrerequisiteCheck] = Field(default_factory=list)


class Excluded(BaseModel):
    program_id: str
    program_name: str
    reasons: list[Reason]
    next_step: str | None = None


class NearMiss(ProgramFacts):
    """A program that misses one limit by a small margin (``matching.referral.constraints``):
    shown apart from the referrals with what would make it fit, never silently dropped."""

    score: float = Field(description="0-100, as a referral would score")
    target: Target | None = None
    reasons: list[Reason]
    would_fit: list[str] = Field(default_factory=list)
    caveats: list[str] = Field(default_factory=list)


class ReferralResult(BaseModel):
    participant_id: str
    region: str
    source_occupations: list[SourceOccupation]
    skills: list[SkillEvidence]
    referrals: list[Referral]
    close: list[NearMiss] = Field(
        default_factory=list,
        description="programs that miss one limit by a small margin, best first",
    )
    excluded: list[Excluded]
    weights: dict[str, float]
    notes: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class ScoreWeights:
    """How the parts combine (they sum to 1); ``uncertainty_penalty`` scales how much a
    wide outcome interval costs. Defaults are a documented judgment, not fitted: the PIRL
    ranker (``training.referral_ranker``) learns a combination where outcome data exist."""

    role_fit: float = 0.20
    skill_fit: float = 0.15
    gap_closed: float = 0.15
    demand: float = 0.20
    wage_gain: float = 0.20
    outcome: float = 0.10
    uncertainty_penalty: float = 0.5

    def parts(self) -> dict[str, float]:
        return {k: getattr(self, k) for k in ScoreParts.model_fields}

    def score(self, parts: ScoreParts) -> float:
        return 100.0 * sum(w * getattr(parts, k) for k, w in self.parts().items())


class ParticipantReader(Protocol):
    """The participant-side models, supplied by the caller (the serving engine)."""

    def intake_skills(self, text: str, context: Sequence[str] = ()) -> list[SkillEvidence]: ...

    def title_occupations(self, titles: Sequence[str]) -> list[SourceOccupation]: ...

    def transition_targets(self, code: str) -> dict[str, tuple[float, list[str]]] | None: ...


# ----------------------------------------------------------------------------- region


@dataclass
class RegionContext:
    """The region's reference data, built once (``build_region_context``) and shared."""

    region: str
    programs: list[dict[str, Any]]
    leads_to: dict[str, list[str]]
    occupation_titles: dict[str, str]
    profiles: dict[str, dict[str, float]]
    skill_labels: dict[str, str]
    program_skills: dict[str, dict[str, Quote | None]]
    demand: dict[str, dict[str, Any]]
    wages: dict[str, float]
    outcomes: dict[str, dict[str, Any]]
    related: dict[str, dict[str, float]]
    prerequisites: dict[str, list[Prerequisite]]
    points: dict[str, tuple[float, float]]
    stackability: list[dict[str, str]]
    notes: list[str] = field(default_factory=list)
    tasks: dict[str, list[str]] = field(default_factory=dict)
    entry_wages: dict[str, float] = field(default_factory=dict)
    clusters: dict[str, frozenset[str]] = field(default_factory=dict)  # SOC -> Advance CTE

    @cached_property
    def program_by_id(self) -> dict[str, dict[str, Any]]:
        return {p["program_id"]: p for p in self.programs}

    def wage(self, code: str) -> float | None:
        """Hourly median wage of an O*NET-SOC occupation, else of its SOC 2018 code."""
        return self.wages.get(code) or self.wages.get(code[:7])


def build_region_context(region: str, tables: Mapping[str, pl.DataFrame | None]) -> RegionContext:
    """Assemble a ``RegionContext`` from named frames.

    ``tables`` keys: ``programs``, ``program_occupations``, ``stackability`` (catalog),
    ``program_skills`` (program_id, skill_id, skill_label, score, sentence[, marks]: an
    ``matching.nlp.extraction.io.evidence_frame``), ``demand``,
    ``demand_skills`` (the demand result's two tables), ``onet_occupations``,
    ``onet_related_occupations``, ``oews``, ``esco_skills``, ``soc_links`` (the skill
    taxonomy's ESCO skill to O*NET-SOC links), ``predicted_outcomes``,
    ``zcta_centroids`` and ``career_clusters_soc``; any may be None.
    Raises ValueError when the region has no programs.
    """
    region = region.strip().upper()
    programs = tables["programs"]
    if programs is None or programs.filter(pl.col("state") == region).is_empty():
        known = [] if programs is None else sorted(programs["state"].drop_nulls().unique())
        raise ValueError(
            f"no training programs listed for region {region!r}; regions with "
            f"programs: {', '.join(known) or 'none'}"
        )
    listed = _with_bands(
        programs.filter(pl.col("state") == region).sort("program_id"), tables.get("etpl_programs")
    )
    po = tables["program_occupations"]
    leads_to = (
        _group_lists(
            po.select("program_id", "onet_soc_code")
            .unique()
            .sort("program_id", "onet_soc_code")
            .iter_rows()
        )
        if po is not None
        else {}
    )
    titles = _occupation_titles(tables)
    demand = _demand_rows(tables.get("demand"), region)
    profiles = occupation_profiles(
        REFERRALS,
        esco_links=tables.get("soc_links"),
        demand_skills=tables.get("demand_skills"),
        region=region,
    )
    labels = _skill_labels(tables, region)
    program_skills = _program_skills(tables.get("program_skills"), labels)
    stack = tables.get("stackability")
    stack_rows = stack.to_dicts() if stack is not None else []
    names = dict(listed.select("program_id", "name").iter_rows())
    return RegionContext(
        region=region,
        programs=listed.to_dicts(),
        leads_to=leads_to,
        occupation_titles=titles,
        profiles=profiles,
        skill_labels=labels,
        program_skills=program_skills,
        demand=demand,
        wages=_hourly_wages(demand, tables.get("oews")),
        outcomes=_outcome_rows(tables.get("predicted_outcomes")),
        related=_related(tables.get("onet_related_occupations")),
        prerequisites=prerequisites_by_program(stack_rows, names),
        points=zip_points(tables.get("zcta_centroids")),
        stackability=stack_rows,
        tasks=_tasks(tables.get("onet_tasks")),
        entry_wages=_entry_wages(tables.get("oews")),
        clusters=clusters_by_soc(tables.get("career_clusters_soc")),
    )


def _with_bands(listed: pl.DataFrame, etpl: pl.DataFrame | None) -> pl.DataFrame:
    """The listings with the state's length band (``weeks_min``/``weeks_max``) from the ETPL
    table: the catalog keeps only the band's midpoint, a figure no listing states."""
    bands = [c for c in ("weeks_min", "weeks_max") if etpl is not None and c in etpl.columns]
    if etpl is None or not bands or set(bands) <= set(listed.columns):
        return listed
    return listed.join(
        etpl.select("program_id", *bands).unique("program_id"), on="program_id", how="left"
    )


def _entry_wages(oews: pl.DataFrame | None) -> dict[str, float]:
    """National OEWS 25th-percentile hourly wage per SOC 2018 code: the pay a worker new to
    the occupation can expect, used for the first years of a pathway's payback."""
    if oews is None or "h_pct25" not in oews.columns:
        return {}
    us = oews.filter(pl.col("area_type") == 1) if "area_type" in oews.columns else oews
    return {c: float(w) for c, w in us.select("occ_code", "h_pct25").drop_nulls().iter_rows()}


def _tasks(frame: pl.DataFrame | None) -> dict[str, list[str]]:
    """O*NET task statements per occupation, for the limits (``matching.referral.goals``);
    without the table the SOC-group demands stand in."""
    if frame is None:
        return {}
    return _group_lists(frame.select("onet_soc_code", "task").iter_rows())


def _group_lists(pairs: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


def _occupation_titles(tables: Mapping[str, pl.DataFrame | None]) -> dict[str, str]:
    onet = tables.get("onet_occupations")
    return dict(onet.select("onet_soc_code", "title").iter_rows()) if onet is not None else {}


def _demand_rows(demand: pl.DataFrame | None, region: str) -> dict[str, dict[str, Any]]:
    if demand is None:
        return {}
    rows = demand.filter(pl.col("region") == region)
    return {r["onet_soc_code"]: r for r in rows.to_dicts()}


def _skill_labels(tables: Mapping[str, pl.DataFrame | None], region: str) -> dict[str, str]:
    """Skill id -> label: the postings' label where the region's postings ask for the skill,
    else ESCO's preferred label (the profiles themselves are ``REFERRALS`` profiles of
    ``matching.market.skill_profiles``)."""
    labels: dict[str, str] = {}
    skills = tables.get("demand_skills")
    if skills is not None:
        for skill, label in (
            skills.filter(pl.col("region") == region)
            .sort("onet_soc_code", "skill_id")
            .select("skill_id", "skill_label")
            .iter_rows()
        ):
            labels[skill] = label
    links, esco = tables.get("soc_links"), tables.get("esco_skills")
    if links is None or links.is_empty():
        return labels
    frame = links.select("skill_uri").unique()
    if esco is not None:
        frame = frame.join(esco.select("skill_uri", "preferred_label"), on="skill_uri", how="left")
    else:
        frame = frame.with_columns(pl.col("skill_uri").alias("preferred_label"))
    for skill, label in frame.sort("skill_uri").iter_rows():
        labels.setdefault(skill, label or skill)
    return labels


def _program_skills(
    frame: pl.DataFrame | None, labels: dict[str, str]
) -> dict[str, dict[str, Quote | None]]:
    """Program id -> skill -> the quote of the description's words that show it."""
    out: dict[str, dict[str, Quote | None]] = {}
    if frame is None:
        return out
    if "marks" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, dtype=pl.List(pl.List(pl.Int64))).alias("marks"))
    for pid, skill, label, sentence, marks in frame.select(
        "program_id", "skill_id", "skill_label", "sentence", "marks"
    ).iter_rows():
        out.setdefault(pid, {}).setdefault(skill, quote_of(sentence, marks))
        labels.setdefault(skill, label)
    return out


def _hourly_wages(demand: dict[str, dict[str, Any]], oews: pl.DataFrame | None) -> dict[str, float]:
    """Hourly median wage per occupation: posted pay in the region, else OEWS there,
    else the national OEWS median (by SOC 2018 code)."""
    wages: dict[str, float] = {}
    national: dict[str, float] = {}
    if oews is not None and "h_median" in oews.columns:
        us = oews.filter(pl.col("area_type") == 1) if "area_type" in oews.columns else oews
        national = {
            c: float(w) for c, w in us.select("occ_code", "h_median").drop_nulls().iter_rows()
        }
    for code, row in demand.items():
        for key in ("pay_hourly_median", "oews_h_median"):
            if row.get(key) is not None:
                wages[code] = float(row[key])
                break
    for code in list(national):
        wages.setdefault(code, national[code])
    return wages


def _outcome_rows(predicted: pl.DataFrame | None) -> dict[str, dict[str, Any]]:
    if predicted is None:
        return {}
    keep = [
        c
        for c in (
            "program_id",
            "employment_rate_pred",
            "employment_rate_lo",
            "employment_rate_hi",
            "annual_earnings_pred",
        )
        if c in predicted.columns
    ]
    return {r["program_id"]: r for r in predicted.select(keep).to_dicts()}


def _related(frame: pl.DataFrame | None) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    if frame is None:
        return out
    for a, b, tier in frame.select(
        "onet_soc_code", "related_onet_soc_code", "relatedness_tier"
    ).iter_rows():
        out.setdefault(a, {})[b] = RELATED_TIER_SCORE.get(tier, 0.3)
    return out


# ----------------------------------------------------------------------------- person


@dataclass
class PersonView:
    """The participant as the scorer sees them: occupations, skills, role-fit lookups."""

    participant: Participant
    sources: list[SourceOccupation]
    skills: dict[str, SkillEvidence]
    role: dict[str, tuple[float, str]]
    state: ParticipantState
    applicant: Applicant | None = None
    goal_clusters: set[str] = field(default_factory=set)
    goal_codes: set[str] = field(default_factory=set)
    limits: list[Limit] = field(default_factory=list)


def read_person(
    participant: Participant, ctx: RegionContext, reader: ParticipantReader, *, quote: bool = True
) -> PersonView:
    """The participant through the reader's models; ``quote=False`` keeps none of their
    words (intake sentences dropped, typed titles replaced by the occupation's title).

    The occupations come from ``past_occupations`` when a case manager gave it (then the
    typed titles are not normalized: the override is the reading), else from the title
    model. This is the one place both the API and batch read them.
    """
    sources = past_occupation_sources(participant, ctx)
    if sources is None:
        sources = reader.title_occupations(participant.past_job_titles)
    # the credential reader sees the typed titles (a helper title implies no licence);
    # nothing returned repeats them
    jobs = [PastJob(s.title, s.code, s.occupation_title) for s in sources]
    if not quote:
        sources = [s.model_copy(update={"title": s.occupation_title}) for s in sources]
    skills: dict[str, SkillEvidence] = {}
    context = intake_context(participant, reader)
    for hit in reader.intake_skills(participant.intake_text or "", context):
        if not quote and hit.evidence is not None:
            hit = hit.model_copy(update={"evidence": None})
            hit._quote = None  # none of their words kept
        skills.setdefault(hit.skill_id, hit)
    for src in sources:
        for skill, weight in ctx.profiles.get(src.code, {}).items():
            if weight >= PAST_JOB_MIN_WEIGHT and skill not in skills:
                skills[skill] = SkillEvidence(
                    skill_id=skill,
                    label=ctx.skill_labels.get(skill, skill),
                    source="past_job",
                    evidence=f"asked for in {weight:.0%} of {src.occupation_title} postings "
                    f"or essential to it",
                )
    goals = [
        g
        for g in reader.title_occupations(stated_goals(participant.intake_text or ""))
        if g.score >= GOAL_MIN_SCORE
    ]
    role = _role_fit(sources, ctx, reader)
    _add_goals(role, goals, ctx, {src.code for src in sources}, quote=quote)
    text = "\n".join([participant.intake_text or "", *participant.past_job_titles])
    state = ParticipantState(participant, {s.code for s in sources}, text)
    intake = participant.intake_text or ""
    applicant = Applicant(
        held_credentials(intake),
        to_confirm_by_job(jobs),
        participant.education_level,
        jobs,
        intake,
    )
    clusters = sector_goals(intake) | {c for g in goals for c in cluster_of(g.code, ctx.clusters)}
    return PersonView(
        participant,
        sources,
        skills,
        role,
        state,
        applicant,
        clusters,
        {g.code for g in goals},
        stated_limits(intake),
    )


def intake_context(participant: Participant, reader: ParticipantReader) -> tuple[str, ...]:
    """The O*NET-SOC codes a participant's intake note is read in: their past occupations
    (the override, else the confident readings of their typed titles) and stated goals.

    The learned linker weighs a skill by whether these occupations use it, so "IT degree
    (computer applications)" is not read as "pneumatics". One function, so the API and
    batch read the same note in the same context.
    """
    codes = set(participant.past_occupations or ())
    if not participant.past_occupations:
        codes |= {s.code for s in reader.title_occupations(participant.past_job_titles)}
    goals = reader.title_occupations(stated_goals(participant.intake_text or ""))
    codes |= {g.code for g in goals if g.score >= GOAL_MIN_SCORE}
    return tuple(sorted(codes))


def past_occupation_sources(
    participant: Participant, ctx: RegionContext
) -> list[SourceOccupation] | None:
    """The override reading (``past_occupations``), or None when none was given.

    Raises ``UnknownOccupation`` for a code the bundle's O*NET occupations do not list.
    """
    if not participant.past_occupations:
        return None
    sources: list[SourceOccupation] = []
    for index, code in enumerate(participant.past_occupations):
        name = ctx.occupation_titles.get(code)
        if name is None:
            raise UnknownOccupation(index)
        if all(s.code != code for s in sources):
            sources.append(
                SourceOccupation(
                    title=name, code=code, occupation_title=name, score=1.0, reading="override"
                )
            )
    return sources


def stated_goals(text: str) -> list[str]:
    """Occupation phrases the participant says they want ("want to be a nurse", "want CNA
    then LPN", "want CDL-B or delivery"), split at 'or', 'then', 'and', '/'. Case notes
    name goals this way; the title normalizer then decides which phrases are occupations."""
    phrases: list[str] = []
    for match in GOAL_PHRASE.finditer(text):
        phrases.extend(p.strip() for p in GOAL_SPLIT.split(match.group(1)) if p.strip())
    return phrases[:MAX_GOALS]


def _add_goals(
    fit: dict[str, tuple[float, str]],
    goals: Sequence[SourceOccupation],
    ctx: RegionContext,
    current: set[str],
    *,
    quote: bool = True,
) -> None:
    """A stated goal is a full role fit; its O*NET related occupations are stepping stones,
    except the jobs the participant already holds (a CNA who wants nursing needs no CNA).
    The reason quotes the goal as written only when ``quote`` is true."""
    for goal in goals:
        why = goal_phrase(goal, quote=quote)
        for target, value, reason in [
            (goal.code, 1.0, why),
            *(
                (t, GOAL_RELATED_FIT * v, f"a step toward the {why}")
                for t, v in ctx.related.get(goal.code, {}).items()
            ),
        ]:
            if target not in current and value >= fit.get(target, (-1.0, ""))[0]:
                fit[target] = (value, reason)


def goal_phrase(goal: SourceOccupation, *, quote: bool) -> str:
    """'stated goal 'want CNA' (Nursing Assistants)' for the requester; without quoting,
    only the occupation the goal was read as."""
    if quote:
        return f"stated goal '{goal.title}' ({goal.occupation_title})"
    return f"stated goal of {goal.occupation_title}"


def _role_fit(
    sources: Sequence[SourceOccupation], ctx: RegionContext, reader: ParticipantReader
) -> dict[str, tuple[float, str]]:
    """``target -> (fit, why)``: best over the participant's past occupations."""
    fit: dict[str, tuple[float, str]] = {}
    current = {src.code for src in sources}

    def offer(target: str, value: float, why: str) -> None:
        if target in current and value > SAME_OCCUPATION_FIT:
            return  # moving into a job one already holds is no move
        if value > fit.get(target, (-1.0, ""))[0]:
            fit[target] = (value, why)

    for src in sources:
        offer(
            src.code,
            SAME_OCCUPATION_FIT,
            f"already works as {src.occupation_title}: adds a credential, not a new role",
        )
        ranked = reader.transition_targets(src.code)
        if ranked is not None:
            for target, (value, reasons) in ranked.items():
                why = f"people leaving {src.occupation_title} often move here"
                offer(target, value, why + (f" ({reasons[0]})" if reasons else ""))
        else:
            for target, value in ctx.related.get(src.code, {}).items():
                offer(target, value, f"O*NET lists it as related to {src.occupation_title}")
    return fit


# ----------------------------------------------------------------------------- scoring


@dataclass
class Candidate:
    program: dict[str, Any]
    target: str
    parts: ScoreParts
    score: float
    transferable: list[str]
    taught_missing: list[str]
    still_missing: list[str]
    distance: float | None
    adjustments: list[tuple[float, str]] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    pay_cut: bool = False
    model_score: float | None = None  # a learned scorer's 100 x P, before the named points
    factor: float = 1.0  # the unmade-check discount applied (``unknown_factor``)
    capped: bool = False  # scored under the programs without a pay cut (``keep_pay_cuts_low``)
    held_under_goal: bool = False  # scored under the best in-goal program (``keep_goal_first``)
    off_goal: bool = False  # outside the stated goal's field
    base: float = 0.0  # the score before the named points: breaks ties at the 0/100 bounds


def score_target(
    program: dict[str, Any],
    target: str,
    person: PersonView,
    ctx: RegionContext,
    weights: ScoreWeights,
    distance: float | None,
) -> Candidate:
    """Score one (program, target occupation) pair; see the module docstring."""
    profile = ctx.profiles.get(target, {})
    have = set(person.skills)
    taught = set(ctx.program_skills.get(program["program_id"], {}))
    total = sum(profile.values())
    shared = [s for s in profile if s in have]
    missing = [s for s in profile if s not in have]
    missing_weight = sum(profile[s] for s in missing)
    closed = [s for s in missing if s in taught]
    parts = ScoreParts(
        role_fit=person.role.get(target, (0.0, ""))[0],
        skill_fit=sum(profile[s] for s in shared) / total if total else 0.0,
        gap_closed=(sum(profile[s] for s in closed) / missing_weight if missing_weight else 0.0),
        demand=_demand_part(ctx.demand.get(target)),
        wage_gain=_wage_part(
            ctx.wage(target), person.participant.last_hourly_wage, ctx.demand.get(target)
        ),
        outcome=_outcome_part(program, ctx.outcomes.get(program["program_id"]), weights),
    )
    return Candidate(
        program,
        target,
        parts,
        round(weights.score(parts), 2),
        shared,
        closed,
        [s for s in missing if s not in taught],
        distance,
    )


def _demand_part(row: dict[str, Any] | None) -> float:
    if not row or row.get("in_demand_score") is None:
        return 0.0
    return max(0.0, min(1.0, float(row["in_demand_score"]) / 100.0))


def _wage_part(
    target_wage: float | None, last_wage: float | None, demand_row: dict[str, Any] | None
) -> float:
    """log2(target / last) in [-1, 1] mapped to [0, 1]; without a last wage, the
    target's wage percentile in the region; 0.5 when nothing is known."""
    if target_wage and last_wage:
        ratio = math.log2(target_wage / last_wage)
        return (max(-1.0, min(1.0, ratio)) + 1.0) / 2.0
    if demand_row and demand_row.get("wage_pctile") is not None:
        return float(demand_row["wage_pctile"])
    return 0.5


def _outcome_part(
    program: dict[str, Any], predicted: dict[str, Any] | None, weights: ScoreWeights
) -> float:
    if predicted and predicted.get("employment_rate_pred") is not None:
        lo = predicted.get("employment_rate_lo")
        hi = predicted.get("employment_rate_hi")
        width = (hi - lo) if lo is not None and hi is not None else 0.0
        value = predicted["employment_rate_pred"] - weights.uncertainty_penalty * width / 2
        return max(0.0, min(1.0, value))
    if program.get("employment_q2") is not None:
        return float(program["employment_q2"])
    return 0.5


# ----------------------------------------------------------------------------- refer


def refer(
    participant: Participant,
    ctx: RegionContext,
    reader: ParticipantReader,
    *,
    top_k: int = 10,
    weights: ScoreWeights | None = None,
    scorer: Callable[[list[ScoreParts]], list[float]] | None = None,
    quote_participant: bool = True,
) -> ReferralResult:
    """Ranked, explained referrals for one participant in ``ctx.region``.

    ``scorer`` (optional) replaces the weighted sum with learned scores for a program's
    candidate parts, e.g. ``training.predictors.referrals.ReferralRanker.scorer(participant)``
    (100 x P(employed in Q2)); the documented fixed weights stay the default.
    ``quote_participant=False`` (batch scoring, anything stored): no explanation or field
    of the result repeats the participant's own words (see the module docstring).
    """
    weights = weights or ScoreWeights()
    person = read_person(participant, ctx, reader, quote=quote_participant)
    ranked: list[Candidate] = []
    excluded: list[Excluded] = []
    nearby: list[tuple[dict[str, Any], list[Reason], float | None]] = []
    for program in ctx.programs:
        reasons, distance = check_program(
            program,
            person.state,
            prerequisites=[],  # read as checks below (matching.referral.credentials)
            leads_to=ctx.leads_to,
            points=ctx.points,
        )
        checks = program_checks(program, person)
        reasons += _credential_reasons(program, checks, person)
        if reasons and is_close(reasons):
            nearby.append((program, reasons, distance))
            continue
        if reasons:
            excluded.append(_excluded(program, reasons, ctx))
            continue
        targets = ctx.leads_to.get(program["program_id"], [])
        if not targets:
            excluded.append(
                Excluded(
                    program_id=program["program_id"],
                    program_name=program["name"],
                    reasons=[
                        Reason(
                            code="no_target",
                            text="its CIP code maps to no "
                            "occupation, so demand and fit cannot be judged",
                        )
                    ],
                )
            )
            continue
        ranked.append(
            score_program(program, targets, person, ctx, weights, scorer, checks, distance)
        )
    ranked = keep_pay_cuts_low(keep_goal_first(ranked))
    referrals = [_referral(i + 1, c, person, ctx) for i, c in enumerate(ranked[:top_k])]
    notes = list(ctx.notes)
    if scorer is not None:
        notes.append(
            "scores come from the learned referral ranker (100 x P(employed in the "
            "second quarter after exit)) plus the documented points for stated goals, "
            "limits and prerequisites to confirm, the same points the fixed weights get, "
            "each named in the referral's explanation (the ranker's features carry no "
            "stated goal or limit); the parts and weights are shown for reference"
        )
    notes += _reading_notes(participant, person, quote_participant)
    close = near_misses(nearby, person, ctx, weights, scorer)
    notes += limit_notes(participant, ctx, len(referrals), close, excluded)
    return ReferralResult(
        participant_id=participant.participant_id,
        region=ctx.region,
        source_occupations=person.sources,
        skills=sorted(person.skills.values(), key=lambda s: (s.source != "intake", s.label)),
        referrals=referrals,
        close=close,
        excluded=excluded,
        weights=weights.parts(),
        notes=notes,
    )


def score_program(
    program: dict[str, Any],
    targets: Sequence[str],
    person: PersonView,
    ctx: RegionContext,
    weights: ScoreWeights,
    scorer: Callable[[list[ScoreParts]], list[float]] | None,
    checks: Sequence[Check],
    distance: float | None,
) -> Candidate:
    """The program's best (target, score), scored the one way referrals and near misses
    share: the parts (a ladder step raises role fit before any model sees them), the
    fixed weights or the learned scorer, then the same named points for goals, limits and
    prerequisites to confirm (``adjust_for_person``), then the unmade-check discount."""
    candidates = [score_target(program, t, person, ctx, weights, distance) for t in targets]
    for c in candidates:
        advance(c, person, weights)
    if scorer is not None:
        for c, learned in zip(candidates, scorer([c.parts for c in candidates]), strict=True):
            c.score = c.model_score = round(float(learned), 2)
    for c in candidates:
        adjust_for_person(c, person, ctx, checks)
        c.factor = unknown_factor(program, person.state, c.distance)
        c.score = round(c.score * c.factor, 2)
    return max(candidates, key=lambda c: (not c.pay_cut, c.score, c.target))


def program_checks(program: dict[str, Any], person: PersonView) -> list[Check]:
    """The program's prerequisite text as met / unmet / to-confirm checks."""
    if person.applicant is None:
        return []
    return prerequisite_checks(program.get("prerequisites"), person.applicant)


def _credential_reasons(
    program: dict[str, Any], checks: Sequence[Check], person: PersonView
) -> list[Reason]:
    """Unmet credential and experience checks exclude (education is ``check_program``'s);
    a program awarding a credential the intake says is held is no referral."""
    reasons = [
        Reason(code="prerequisite", text=f"requires {c.requirement.lower()} first ({c.why})")
        for c in checks
        if c.status == UNMET and c.kind in ("credential", "experience")
    ]
    awarded = credential_of(program.get("name") or "")
    statuses = person.applicant.statuses if person.applicant else {}
    if awarded is not None and statuses.get(awarded.key) == HELD:
        reasons.append(
            Reason(code="held", text=f"the participant says they already hold {awarded.label}")
        )
    return reasons


def advancement(program: dict[str, Any], person: PersonView) -> str | None:
    """'CDL Class B -> CDL Class A' when the program awards a higher rung of a ladder the
    participant stands on (held or to confirm), else None."""
    awarded = credential_of(program.get("name") or "")
    who = person.applicant
    if awarded is None or awarded.ladder is None or who is None:
        return None
    from matching.referral.credentials import CREDENTIALS

    below = [
        c
        for c in CREDENTIALS
        if c.ladder == awarded.ladder
        and c.rung == awarded.rung - 1
        and (who.statuses.get(c.key) == HELD or c.key in who.implied)
    ]
    return f"{below[0].label} -> {awarded.label}" if below else None


def advance(c: Candidate, person: PersonView, weights: ScoreWeights) -> None:
    """A higher rung of a ladder the participant stands on is role fit ``ADVANCEMENT_FIT``
    (a part, so a learned scorer sees it too), named in the explanation."""
    step = advancement(c.program, person)
    if step is None:
        return
    if c.parts.role_fit < ADVANCEMENT_FIT:
        c.parts = c.parts.model_copy(update={"role_fit": ADVANCEMENT_FIT})
        c.score = round(weights.score(c.parts), 2)
    c.adjustments.append((0.0, f"Advancement on the same ladder: {step}."))


def adjust_for_person(
    c: Candidate,
    person: PersonView,
    ctx: RegionContext,
    checks: Sequence[Check],
) -> None:
    """Goals, limits and prerequisites to confirm, each a named adjustment in documented
    points (``GOAL_FIELD_POINTS``) on the 0-100 score, whichever scorer made it."""
    c.checks = list(checks)
    title = ctx.occupation_titles.get(c.target, c.target)
    if person.goal_clusters:
        fields = cluster_of(c.target, ctx.clusters) & person.goal_clusters
        if fields or c.target in person.goal_codes:
            c.adjustments.append(
                (
                    GOAL_FIELD_POINTS,
                    f"In the stated goal's field ({', '.join(sorted(fields))}; "
                    f"{cluster_source(c.target, ctx.clusters)}).",
                )
            )
        else:
            c.off_goal = True
            c.adjustments.append(
                (
                    -OFF_GOAL_POINTS,
                    "Outside the stated goal's field ("
                    + ", ".join(sorted(person.goal_clusters))
                    + ").",
                )
            )
    if person.limits:
        demands = demands_of(
            c.target, ctx.tasks.get(c.target, []), str(c.program.get("description") or "")
        )
        for limit in person.limits:
            if limit.key in demands:
                c.adjustments.append(
                    (
                        -LIMIT_POINTS,
                        f"Against the stated limit ({limit.label}): {title} "
                        f"work involves {limit.key}.",
                    )
                )
    confirm = [k for k in checks if k.status == TO_CONFIRM and k.kind == "credential"]
    if confirm:
        c.adjustments.append((-TO_CONFIRM_POINTS * len(confirm), ""))
    c.base = c.score
    c.score = round(max(0.0, min(100.0, c.score + sum(p for p, _ in c.adjustments))), 2)
    wage, last = ctx.wage(c.target), person.participant.last_hourly_wage
    c.pay_cut = bool(wage and last and wage < last and c.target not in person.goal_codes)


def keep_goal_first(ranked: list[Candidate]) -> list[Candidate]:
    """The first referral honours a stated goal when any program in the goal's field fits:
    a program outside it scoring as high is held just under the best one in it.

    The off-goal points (``OFF_GOAL_POINTS``) are a margin, and a strong fit from past jobs
    can outrun it: a warehouse worker who wants "healthcare, something w/ patients" got
    Forklift first once its profile stopped listing road skills the worker lacks. Programs
    outside the field keep their order and every place after the first; the held one says
    so. Acts on the score, as :func:`keep_pay_cuts_low` does, so ranks follow the scores."""
    in_goal = [c.score for c in ranked if not c.off_goal]
    if not in_goal or not any(c.off_goal for c in ranked):
        return ranked
    cap = round(max(max(in_goal) - 0.01, 0.0), 2)
    for c in ranked:
        if c.off_goal and c.score > cap:
            c.score = cap
            c.held_under_goal = True
            c.adjustments.append(
                (0.0, "Outside the stated goal's field: held under the best program in it.")
            )
    return ranked


def keep_pay_cuts_low(ranked: list[Candidate]) -> list[Candidate]:
    """A target paying less than the last wage (and not the stated goal) leaves the top
    ``TOP_NO_PAY_CUT`` unless too few other programs fit; then every program that fits
    without a pay cut still ranks above it (one outside the stated goal's field too: it is
    marked down and says so, but it does not cut pay), the pay cut takes only the places
    those leave, and says so.

    The rule acts on the score (capped just under the last program without a pay cut in
    the top), so the ranks still follow the scores a case manager reads; ties are broken
    by the score before the capping, then before the named points."""
    ranked = sorted(ranked, key=lambda c: (-c.score, -c.base, c.program["program_id"]))
    fine = [c for c in ranked if not c.pay_cut]
    before = {id(c): c.score for c in ranked}  # pay cuts capped together keep their order
    if fine:
        cap = fine[min(TOP_NO_PAY_CUT, len(fine)) - 1].score
        for c in ranked:
            if c.pay_cut and c.score >= cap:
                c.score = round(max(cap - 0.01, 0.0), 2)
                c.capped = True
    ordered = sorted(
        ranked, key=lambda c: (-c.score, -before[id(c)], -c.base, c.program["program_id"])
    )
    few = len(fine) < TOP_NO_PAY_CUT
    for rank, c in enumerate(ordered):
        if c.pay_cut and few and rank < TOP_NO_PAY_CUT:  # says why it is this high
            c.adjustments.append(
                (
                    0.0,
                    "Pays less than the last wage; ranked this high because only "
                    f"{len(fine)} program(s) without a pay cut fit.",
                )
            )
        elif c.capped:
            c.adjustments.append(
                (0.0, "Pays less than the last wage: scored below the programs that do not.")
            )
    return ordered


def _reading_notes(participant: Participant, person: PersonView, quote: bool) -> list[str]:
    """What the answer says about how the past jobs were read."""
    notes: list[str] = []
    if participant.past_occupations:
        return [
            "past_occupations given: they are the occupation reading (override); the typed "
            "past job titles were not normalized"
        ]
    typed = {t.strip() for t in participant.past_job_titles if t and t.strip()}
    unmatched = len(typed - {s.title for s in person.sources}) if quote else 0
    if unmatched and person.sources:
        notes.append(
            f"{unmatched} past job title(s) had no confident occupation match and were not "
            "used as known occupations"
        )
    if not person.sources:
        notes.append(
            "no past job title had a confident occupation match: role fit is 0 for every program"
            if typed
            else "no past job titles: role fit is 0 for every program"
        )
    return notes


def _excluded(program: dict[str, Any], reasons: list[Reason], ctx: RegionContext) -> Excluded:
    step = None
    needs = [r for r in reasons if r.code == "prerequisite"]
    if needs:
        awarding = sorted(
            {
                ctx.program_by_id[p]["name"]
                for need in ctx.prerequisites.get(program["program_id"], [])
                for p in need.awarded_by
                if p in ctx.program_by_id
            }
        )
        if awarding:
            step = "start with " + " or ".join(awarding) + " (see pathways)"
    return Excluded(
        program_id=program["program_id"],
        program_name=program["name"],
        reasons=reasons,
        next_step=step,
    )


def _referral(rank: int, c: Candidate, person: PersonView, ctx: RegionContext) -> Referral:
    p = c.program
    taught = ctx.program_skills.get(p["program_id"], {})
    demand = _demand_facts(ctx, c.target)
    outcomes = _outcome_facts(p, ctx.outcomes.get(p["program_id"]))
    target = Target(code=c.target, title=ctx.occupation_titles.get(c.target, c.target))
    wage = ctx.wage(c.target)
    referral = Referral(
        rank=rank,
        score=c.score,
        program_id=p["program_id"],
        program_name=p["name"],
        provider_name=p.get("provider_name"),
        credential_type=p.get("credential_type"),
        cost=p.get("cost_total"),
        weeks=p.get("weeks_used"),
        **band_fields(p),
        schedule=p.get("schedule"),
        format=p.get("format"),
        **handout_fields(p),
        distance_miles=round(c.distance, 1) if c.distance is not None else None,
        target=target,
        target_hourly_wage=wage,
        parts=c.parts,
        transferable_skills=[person.skills[s] for s in c.transferable],
        skills_taught_missing=[
            SkillEvidence.quoted(s, ctx.skill_labels.get(s, s), "program", taught.get(s))
            for s in c.taught_missing
        ],
        skills_still_missing=[ctx.skill_labels.get(s, s) for s in c.still_missing[:8]],
        demand=demand,
        outcomes=outcomes,
        caveats=caveats(p, person.state, c.distance) + _person_caveats(c, person, ctx),
        prerequisite_checks=[
            PrerequisiteCheck(requirement=k.requirement, kind=k.kind, status=k.status, why=k.why)
            for k in c.checks
        ],
    )
    referral.explanation = explain(referral, person, ctx) + [
        line for _, line in c.adjustments if line
    ]
    if c.model_score is not None:
        referral.explanation.append(learned_score_line(c))
    return referral


def learned_score_line(c: Candidate) -> str:
    """How a learned score was made: the model's figure, the named points, the discount."""
    points = sum(p for p, _ in c.adjustments)
    line = (
        f"Score {c.score:.2f}: the learned ranker gives {c.model_score:.2f} "
        "(100 x P(employed in the second quarter after exit))"
    )
    if points:
        line += (
            f", {points:+.0f} points for the stated goals, limits and prerequisites to "
            "confirm named here (the points the fixed weights add; the ranker's features "
            "carry no goal or limit)"
        )
    if c.factor < 1:
        line += f", x{c.factor:.2f} for the checks that could not be made"
    if c.held_under_goal:
        line += ", then held under the best program in the stated goal's field"
    if c.capped:
        line += ", then held under the programs without a pay cut"
    return line + "."


def _person_caveats(c: Candidate, person: PersonView, ctx: RegionContext) -> list[str]:
    """Prerequisites to confirm, a pay cut, and 'already works as' unless the program is
    a step up the participant's ladder."""
    out = [f"to confirm: {k.requirement} ({k.why})" for k in c.checks if k.status == TO_CONFIRM]
    wage, last = ctx.wage(c.target), person.participant.last_hourly_wage
    if wage and last and wage < last:
        asked = " (the stated goal)" if c.target in person.goal_codes else ""
        out.append(f"pays a median ${wage:.2f}/h, below the last wage of ${last:.2f}/h{asked}")
    if advancement(c.program, person) is None:
        out += _same_job(c.target, person, ctx)
    return out


def _same_job(target: str, person: PersonView, ctx: RegionContext) -> list[str]:
    if target not in person.state.occupations:
        return []
    title = ctx.occupation_titles.get(target, target)
    return [f"already works as {title}: this adds or renews the credential, not a new role"]


def _demand_facts(ctx: RegionContext, code: str) -> DemandFacts | None:
    row = ctx.demand.get(code)
    if row is None:
        return None
    return DemandFacts(
        region=ctx.region,
        postings=row.get("postings_dedup"),
        pay_hourly_median=row.get("pay_hourly_median"),
        oews_hourly_median=row.get("oews_h_median"),
        growth_pct=row.get("ep_growth_pct"),
        annual_openings=row.get("ep_annual_openings"),
        in_demand_score=row.get("in_demand_score"),
    )


def _outcome_facts(program: dict[str, Any], predicted: dict[str, Any] | None) -> OutcomeFacts:
    predicted = predicted or {}
    return OutcomeFacts(
        employment_q2=program.get("employment_q2"),
        employment_q2_n=program.get("employment_q2_n"),
        median_earnings=program.get("median_earnings"),
        median_earnings_n=program.get("median_earnings_n"),
        predicted_employment=predicted.get("employment_rate_pred"),
        predicted_employment_lo=predicted.get("employment_rate_lo"),
        predicted_employment_hi=predicted.get("employment_rate_hi"),
    )


# ----------------------------------------------------------------------------- limits

MAX_CLOSE = 5
THIN_ANSWER = 3  # fewer referrals than this and the answer says what removed the rest
WORK_BASED = re.compile(r"apprentic|on[- ]the[- ]job|\bojt\b|earn (?:and|while you) learn", re.I)
LIMIT_WORDS = {
    "cost": "the {max_cost} cost limit",
    "weeks": "the {max_weeks}-week limit",
    "schedule": "the schedule ({schedule})",
    "distance": "the {radius_miles}-mile radius",
}


def near_misses(
    nearby: Sequence[tuple[dict[str, Any], list[Reason], float | None]],
    person: PersonView,
    ctx: RegionContext,
    weights: ScoreWeights,
    scorer: Callable[[list[ScoreParts]], list[float]] | None = None,
) -> list[NearMiss]:
    """The close tier: each near miss scored as a referral would be (``score_program``:
    best target, same scorer and named points, unmade checks discounted), best first, at
    most ``MAX_CLOSE``."""
    out: list[NearMiss] = []
    for program, reasons, distance in nearby:
        targets = ctx.leads_to.get(program["program_id"], [])
        checks = program_checks(program, person)
        best = (
            score_program(program, targets, person, ctx, weights, scorer, checks, distance)
            if targets
            else None
        )
        out.append(
            NearMiss(
                program_id=program["program_id"],
                program_name=program["name"],
                provider_name=program.get("provider_name"),
                credential_type=program.get("credential_type"),
                cost=program.get("cost_total"),
                weeks=program.get("weeks_used"),
                **band_fields(program),
                score=best.score if best else 0.0,
                target=(
                    Target(code=best.target, title=ctx.occupation_titles.get(best.target, ""))
                    if best
                    else None
                ),
                reasons=reasons,
                would_fit=[r.would_fit for r in reasons if r.would_fit],
                caveats=caveats(program, person.state, distance)
                + prerequisite_caveats(program, person.state),
            )
        )
    out.sort(key=lambda n: (-n.score, n.program_id))
    return out[:MAX_CLOSE]


def limit_notes(
    participant: Participant,
    ctx: RegionContext,
    n_referrals: int,
    close: Sequence[NearMiss],
    excluded: Sequence[Excluded],
) -> list[str]:
    """An empty or thin answer explains itself: how many programs each limit ruled out, and
    what would open options (an ITA or employer tuition, other schedules, more weeks,
    on-the-job training or registered apprenticeship where the region lists them)."""
    if n_referrals >= THIN_ANSWER:
        return []
    c = participant.constraints
    total = len(ctx.programs)
    codes = [{r.code for r in e.reasons} for e in excluded] + [
        {r.code for r in n.reasons} for n in close
    ]
    head = (
        "No program fits every limit"
        if n_referrals == 0
        else f"Only {n_referrals} program{'s' if n_referrals > 1 else ''} fit every limit"
    )
    ruled = [
        f"{_limit_words(code, c)} rules out {n} of {total} programs"
        for code in LIMIT_WORDS
        if (n := sum(code in found for found in codes))
    ]
    others = sum(bool(found - set(LIMIT_WORDS)) for found in codes)
    if others:
        ruled.append(f"prerequisites, education or a missing target rule out {others}")
    notes = [head + (": " + "; ".join(ruled) if ruled else "") + "."]
    notes += _openings(c, codes, close)
    notes.append(_work_based(ctx))
    return notes


def _limit_words(code: str, c: Any) -> str:
    wanted = parse_schedule(c.schedule)
    return LIMIT_WORDS[code].format(
        max_cost=f"${c.max_cost:,.0f}" if c.max_cost is not None else "",
        max_weeks=f"{c.max_weeks:,.0f}" if c.max_weeks is not None else "",
        schedule=describe(wanted) if wanted else "any",
        radius_miles=f"{c.radius_miles:,.0f}" if c.radius_miles is not None else "",
    )


def _openings(c: Any, codes: Sequence[set[str]], close: Sequence[NearMiss]) -> list[str]:
    """What would open options: programs that fail one limit alone."""
    alone = {code: sum(found == {code} for found in codes) for code in LIMIT_WORDS}
    out = []
    if close:
        out.append(
            f"{len(close)} program{'s are' if len(close) > 1 else ' is'} close (see 'close'): "
            + "; ".join(sorted({w for n in close for w in n.would_fit}))
            + "."
        )
    if alone["cost"]:
        out.append(
            f"A higher cost limit would open {alone['cost']} more program"
            f"{'s' if alone['cost'] > 1 else ''}: an ITA (WIOA Individual Training Account) "
            "up to the local cap, employer tuition or a Pell grant can raise it."
        )
    wanted = parse_schedule(c.schedule)
    if alone["schedule"] and wanted is not None and not wanted >= ALL_SLOTS:
        out.append(
            f"{alone['schedule']} program{'s' if alone['schedule'] > 1 else ''} fit every "
            f"other limit but meet at other times than {describe(wanted)}: other schedules "
            "would open them."
        )
    if alone["weeks"]:
        out.append(
            f"{alone['weeks']} program{'s' if alone['weeks'] > 1 else ''} only take longer "
            f"than {c.max_weeks:,.0f} weeks: a later start or a part-time plan would open them."
        )
    if alone["distance"]:
        out.append(
            f"{alone['distance']} program{'s' if alone['distance'] > 1 else ''} are only "
            "beyond the radius: transport support would open them."
        )
    return out


def _work_based(ctx: RegionContext) -> str:
    """On-the-job training or registered apprenticeship: pay while learning, no tuition."""
    listed = [p["name"] for p in ctx.programs if WORK_BASED.search(str(p.get("name") or ""))]
    if listed:
        return (
            "Paid while learning: the region lists "
            + ", ".join(sorted(listed)[:3])
            + " (registered apprenticeship or on-the-job training)."
        )
    return (
        "The region's list names no on-the-job training (OJT) or registered apprenticeship "
        "program: ask the local American Job Center about OJT contracts, which pay while "
        "learning and cost the participant nothing."
    )


# ----------------------------------------------------------------------------- words


def explain(r: Referral, person: PersonView, ctx: RegionContext) -> list[str]:
    """Plain sentences, each resting on a number or a quoted sentence (each quoted once)."""
    lines = [f"Leads to {r.target.title} ({r.target.code})."]
    why = person.role.get(r.target.code)
    if why and why[0] > 0:
        lines.append(f"Role fit: {why[1]}.")
    quoted: set[str] = set()
    if r.transferable_skills:
        lines.append(
            "Skills that carry over: " + skill_phrases(r.transferable_skills[:5], quoted) + "."
        )
    if r.skills_taught_missing:
        lines.append(
            "Teaches skills employers ask for that the participant does not show "
            "yet: " + skill_phrases(r.skills_taught_missing[:4], quoted) + "."
        )
    lines.extend(_demand_sentence(r.demand) or [])
    wage_line = _wage_sentence(r.target_hourly_wage, person.participant.last_hourly_wage)
    if wage_line:
        lines.append(wage_line)
    lines.extend(_outcome_sentences(r.outcomes))
    return lines


def skill_phrases(skills: Sequence[SkillEvidence], quoted: set[str]) -> str:
    """``label, label ("...the **words** of their sentence..."); label``: skills quoted
    from one sentence are listed together before that sentence, quoted once with all their
    words marked; a sentence already in ``quoted`` (an earlier line) is not quoted again.
    """
    groups: dict[str, tuple[list[str], Quote]] = {}
    order: list[str | SkillEvidence] = []
    for s in skills:
        quote = s.quote if s.source in ("intake", "program") else None
        if quote is None:
            order.append(s)
            continue
        if quote.sentence not in groups:
            groups[quote.sentence] = ([], quote)
            order.append(quote.sentence)
        names, merged = groups[quote.sentence]
        names.append(s.label)
        groups[quote.sentence] = (names, merged.merge(quote))
    phrases = []
    for item in order:
        if isinstance(item, SkillEvidence):
            phrases.append(item.label)
            continue
        names, merged = groups[item]
        if item in quoted:
            phrases.append(f"{', '.join(names)} (in the sentence quoted above)")
        else:
            quoted.add(item)
            phrases.append(f'{", ".join(names)} ("{merged.render()}")')
    return "; ".join(phrases)


def _demand_sentence(d: DemandFacts | None) -> list[str]:
    if d is None:
        return ["No postings for this occupation in the region's data."]
    bits = []
    if d.postings is not None:
        pay = f", median ${d.pay_hourly_median:.2f}/h posted" if d.pay_hourly_median else ""
        bits.append(f"{d.postings} postings in {d.region} (duplicates removed){pay}")
    if d.growth_pct is not None:
        openings = (
            f", {d.annual_openings:,.0f} openings a year nationally" if d.annual_openings else ""
        )
        bits.append(f"BLS projects {d.growth_pct:+.1f}% employment growth 2024-34{openings}")
    return ["Demand: " + "; ".join(bits) + "."] if bits else []


def _wage_sentence(target: float | None, last: float | None) -> str | None:
    if target is None:
        return None
    if last:
        return (
            f"Pay: median ${target:.2f}/h against a last wage of ${last:.2f}/h "
            f"({(target - last) / last:+.0%})."
        )
    return f"Pay: median ${target:.2f}/h."


def _outcome_sentences(o: OutcomeFacts) -> list[str]:
    lines = []
    if o.employment_q2 is not None:
        n = f", n={o.employment_q2_n}" if o.employment_q2_n else ""
        lines.append(
            f"Outcomes: {o.employment_q2:.0%} employed in the second quarter after exit{n}."
        )
    if o.predicted_employment is not None:
        band = ""
        if o.predicted_employment_lo is not None and o.predicted_employment_hi is not None:
            band = (
                f" (80% interval {o.predicted_employment_lo:.0%}-{o.predicted_employment_hi:.0%})"
            )
        lines.append(f"Predicted employment rate {o.predicted_employment:.0%}{band}.")
    if not lines:
        lines.append("No reported outcomes for this program yet.")
    return lines
