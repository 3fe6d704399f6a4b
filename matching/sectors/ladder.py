"""Career-pathway maps: the occupations of a sector (career cluster or sub-cluster) in a
region arranged as a ladder, the moves and stackable credentials that link its rungs, the
region's programs at each rung, and the **missing rungs** a sector partnership should fill.

A **rung** is one occupation (SOC 2018 code) of the sector, placed entry -> advanced by its
O*NET job zone (the lowest zone among its O*NET-SOC codes: the way in), then by median wage
(OEWS, state when the bundle has the state's rows, as ``profile.occupation_market``), then
code. ``position`` is that order (1 = entry); the map draws one layer per job zone. An
occupation with no O*NET job zone (an SOC code O*NET does not rate, or a SOC code with no
O*NET row) takes the zone of its BLS EP "typical education needed for entry", the way O*NET
defines the zones by education (``EDUCATION_ZONES``: no formal credential 1, high school 2,
postsecondary nondegree award / some college / associate's 3, bachelor's 4, master's and
doctoral or professional 5); ``job_zone_basis`` says which (``O*NET``, ``EP education``,
``none``). One with neither goes after the zoned ones (``job_zone`` null).

**Edges** go up the ladder only (from a lower to a higher ``position``): the map shows how
people advance, and a move down (RN -> LPN) is not a step a pathway plans for.

- ``move``: an observed occupational move. From the CPS ASEC mobility table when the
  bundle has it (``LadderInputs.moves`` built by ``features.transition_features.cps_labels``:
  ``weight`` = the share of the source occupation's leavers who move to the target's CPS
  cell), kept when ``weight >= MOVE_MIN_SHARE`` (5%: a move at least one leaver in twenty
  makes; smaller shares in the CPS edge list rest on a handful of respondents); else from
  the transition ranker trained on those CPS labels, its top ``RANKER_TOP_K`` targets per
  source (LambdaRank scores are not probabilities, so rank is the threshold).
  ``moves_basis`` says which.
- ``stack``: a stackable-credential step: a region program leading to the lower rung whose
  credential is a prerequisite of, or stacks into, a region program leading to the higher
  one (the catalog's ``stackability`` edges: prerequisite text, CIP series level-up, O*NET
  related occupation level-up; ``matching.market.programs``). Each lists its program pairs.

**Programs** at a rung: the region's listed programs whose CIP -> SOC targets include the
occupation, with cost, weeks, 2nd-quarter employment and median earnings and their n (a
suppressed value stays null with its n; never a zero).

**Missing rungs** (``MissingRung.kind``):

- ``no_program``: an occupation on the ladder with annual openings (EP, regional when
  known, else national) and no program in the region that trains for it;
- ``no_stack_route``: an observed upward move (a step people take) between two rungs the
  region has programs for, with no stackable route from a program of the lower rung into a
  program of the higher one: people make the move without the region's credentials
  carrying them. (A move to or from a rung with no program is not flagged again: that rung
  is the gap, ``no_program`` when it has openings.)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import polars as pl

from matching.sectors.profile import (
    SectorInputs,
    SectorLookupError,
    occupation_market,
    onet_soc2018,
    program_targets,
    resolve_cluster,
)

EDUCATION_ZONES = {
    "No formal educational credential": 1,
    "High school diploma or equivalent": 2,
    "Postsecondary nondegree award": 3,
    "Some college, no degree": 3,
    "Associate's degree": 3,
    "Bachelor's degree": 4,
    "Master's degree": 5,
    "Doctoral or professional degree": 5,
}
"""BLS EP typical entry education -> O*NET job zone (O*NET's zone definitions: 1 little or
no preparation, 2 high school, 3 vocational training or an associate's degree, 4 a
bachelor's degree, 5 graduate school)."""
MOVE_MIN_SHARE = 0.05
RANKER_TOP_K = 5
PROGRAM_FIELDS = (
    "program_id",
    "name",
    "provider_name",
    "credential_type",
    "cost_total",
    "weeks_used",
    "employment_q2",
    "employment_q2_n",
    "median_earnings",
    "median_earnings_n",
    "outcome_status",
)


@dataclass
class LadderInputs:
    """What a map is built from: the sector frames, the catalog's stackability edges, the
    O*NET job zones and observed moves (``source_code, target_code, weight``, O*NET-SOC
    codes; ``moves_basis`` names where they come from, see the module docstring)."""

    sector: SectorInputs
    stackability: pl.DataFrame
    job_zones: pl.DataFrame
    moves: pl.DataFrame
    moves_basis: str


@dataclass
class Rung:
    position: int
    soc2018_code: str
    title: str
    job_zone: int | None
    median_wage: float | None
    openings: float | None
    openings_basis: str
    job_zone_basis: str = "O*NET"
    programs: list[dict[str, Any]] = field(default_factory=list)
    missing_program: bool = False


@dataclass
class Edge:
    kind: str  # move | stack
    source: str
    target: str
    weight: float | None = None  # move: share of leavers (CPS) or ranker score
    rules: list[str] = field(default_factory=list)  # stack: the stackability rules
    program_pairs: list[tuple[str, str]] = field(default_factory=list)  # stack


@dataclass
class MissingRung:
    kind: str  # no_program | no_stack_route
    soc2018_code: str
    target: str | None
    message: str


@dataclass
class PathwayMap:
    region: str
    cluster: str
    sub_cluster: str | None
    moves_basis: str
    rungs: list[Rung]
    edges: list[Edge]
    missing: list[MissingRung]
    rules: dict[str, str]

    def rung(self, code: str) -> Rung:
        return next(r for r in self.rungs if r.soc2018_code == code)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


RULES = {
    "order": "job zone (lowest of the occupation's O*NET codes; else the zone of its EP typical "
    "entry education), then median wage, then code",
    "move": f"observed upward moves: CPS share of leavers >= {MOVE_MIN_SHARE:.0%}, or the "
    f"transition ranker's top {RANKER_TOP_K} targets when the bundle has no CPS table",
    "stack": "a region program for the lower rung stacks into one for the higher rung "
    "(prerequisite, CIP series level-up or O*NET related-occupation level-up)",
    "no_program": "an occupation with annual openings and no program in the region",
    "no_stack_route": "an observed upward move between two rungs with programs in the region "
    "and no stackable route between their programs",
}


# ----------------------------------------------------------------------------- rungs


def regions_with_programs(programs: pl.DataFrame) -> list[str]:
    return sorted(set(programs.get_column("state").drop_nulls().to_list()) - {"unknown"})


def _job_zones(job_zones: pl.DataFrame, onet: pl.DataFrame) -> pl.DataFrame:
    """``soc2018_code, job_zone``: the lowest zone among the SOC code's O*NET codes."""
    soc = onet_soc2018(onet)
    return (
        job_zones.select("onet_soc_code", pl.col("job_zone").cast(pl.Int64))
        .join(soc, on="onet_soc_code")
        .group_by("soc2018_code")
        .agg(pl.col("job_zone").min())
    )


def _education_zones(ep: pl.DataFrame) -> pl.DataFrame:
    """``soc2018_code, ep_zone``: the job zone of each EP line's typical entry education."""
    if "entry_education" not in ep.columns:
        return pl.DataFrame(schema={"soc2018_code": pl.String, "ep_zone": pl.Int64})
    zones = pl.DataFrame(
        {"entry_education": list(EDUCATION_ZONES), "ep_zone": list(EDUCATION_ZONES.values())},
        schema={"entry_education": pl.String, "ep_zone": pl.Int64},
    )
    return (
        ep.select(pl.col("soc_code").alias("soc2018_code"), "entry_education")
        .join(zones, on="entry_education")
        .group_by("soc2018_code")
        .agg(pl.col("ep_zone").min())
    )


def ladder_rungs(
    inputs: LadderInputs, region: str, cluster: str, sub_cluster: str | None
) -> pl.DataFrame:
    """One row per occupation of the sector with its market figures, in ladder order."""
    s = inputs.sector
    crosswalk = s.clusters_soc.filter(pl.col("cluster") == cluster)
    if sub_cluster is not None:
        crosswalk = crosswalk.filter(pl.col("sub_cluster") == sub_cluster)
    titles = crosswalk.select(pl.col("soc_code").alias("soc2018_code"), "title").unique(
        "soc2018_code", keep="first"
    )
    market = occupation_market(
        titles.get_column("soc2018_code").to_list(),
        s.oews,
        s.ep_projections,
        region,
        s.oews_state_extracts,
    )
    zones = _job_zones(inputs.job_zones, s.onet_occupations)
    return (
        titles.join(market, on="soc2018_code", how="left")
        .join(zones, on="soc2018_code", how="left")
        .join(_education_zones(s.ep_projections), on="soc2018_code", how="left")
        .with_columns(
            pl.when(pl.col("job_zone").is_not_null())
            .then(pl.lit("O*NET"))
            .when(pl.col("ep_zone").is_not_null())
            .then(pl.lit("EP education"))
            .otherwise(pl.lit("none"))
            .alias("job_zone_basis"),
            pl.coalesce("job_zone", "ep_zone").alias("job_zone"),
        )
        .with_columns(
            pl.coalesce("openings_regional", "openings_national").round(0).alias("openings"),
            pl.when(pl.col("openings_regional").is_not_null())
            .then(pl.lit("regional"))
            .when(pl.col("openings_national").is_not_null())
            .then(pl.lit("national"))
            .otherwise(pl.lit("none"))
            .alias("openings_basis"),
        )
        .sort(["job_zone", "median_wage", "soc2018_code"], nulls_last=True)
        .with_row_index("position", offset=1)
        .select(
            pl.col("position").cast(pl.Int64),
            "soc2018_code",
            "title",
            "job_zone",
            "median_wage",
            "openings",
            "openings_basis",
            "job_zone_basis",
        )
    )


def rung_programs(inputs: LadderInputs, region: str, codes: list[str]) -> pl.DataFrame:
    """``soc2018_code`` x the region's programs training for it (``PROGRAM_FIELDS``)."""
    s = inputs.sector
    listed = s.programs.filter(pl.col("state") == region)
    links = program_targets(s.program_occupations).filter(pl.col("soc2018_code").is_in(codes))
    have = [c for c in PROGRAM_FIELDS if c in listed.columns]
    return links.join(listed.select(have), on="program_id").sort("soc2018_code", "program_id")


# ----------------------------------------------------------------------------- edges


def _upward(frame: pl.DataFrame, rungs: pl.DataFrame) -> pl.DataFrame:
    position = rungs.select("soc2018_code", "position")
    return (
        frame.join(position.rename({"soc2018_code": "source", "position": "_ps"}), on="source")
        .join(position.rename({"soc2018_code": "target", "position": "_pt"}), on="target")
        .filter(pl.col("_pt") > pl.col("_ps"))
        .drop("_ps", "_pt")
    )


def move_edges(inputs: LadderInputs, rungs: pl.DataFrame) -> pl.DataFrame:
    """``source, target, weight`` (SOC 2018): observed upward moves above the threshold."""
    soc = inputs.sector.onet_occupations.select("onet_soc_code", "soc2018_code")
    moves = inputs.moves
    if "rank" in moves.columns:  # the ranker: its top targets per source
        moves = moves.filter(pl.col("rank") <= RANKER_TOP_K)
    else:
        moves = moves.filter(pl.col("weight") >= MOVE_MIN_SHARE)
    mapped = (
        moves.join(
            soc.rename({"onet_soc_code": "source_code", "soc2018_code": "source"}), on="source_code"
        )
        .join(
            soc.rename({"onet_soc_code": "target_code", "soc2018_code": "target"}), on="target_code"
        )
        .filter(pl.col("source") != pl.col("target"))
        .group_by("source", "target")
        .agg(pl.col("weight").max())
    )
    return _upward(mapped, rungs).sort("source", "target")


def stack_edges(inputs: LadderInputs, rungs: pl.DataFrame, programs: pl.DataFrame) -> pl.DataFrame:
    """``source, target, rules, program_pairs``: upward stackable-credential steps between
    the region's programs of two rungs."""
    at = programs.select("program_id", "soc2018_code")
    pairs = (
        inputs.stackability.select("from_program_id", "to_program_id", "rule")
        .join(
            at.rename({"program_id": "from_program_id", "soc2018_code": "source"}),
            on="from_program_id",
        )
        .join(
            at.rename({"program_id": "to_program_id", "soc2018_code": "target"}), on="to_program_id"
        )
        .filter(pl.col("source") != pl.col("target"))
    )
    grouped = pairs.group_by("source", "target").agg(
        pl.col("rule").unique().sort().alias("rules"),
        pl.concat_list("from_program_id", "to_program_id").unique().sort().alias("program_pairs"),
    )
    return _upward(grouped, rungs).sort("source", "target")


# ----------------------------------------------------------------------------- the map


def _program_dicts(programs: pl.DataFrame, code: str) -> list[dict[str, Any]]:
    rows = programs.filter(pl.col("soc2018_code") == code).drop("soc2018_code")
    return rows.to_dicts()


def _missing(rungs: list[Rung], moves: pl.DataFrame, stacks: pl.DataFrame) -> list[MissingRung]:
    found: list[MissingRung] = []
    for r in rungs:
        if r.missing_program:
            found.append(
                MissingRung(
                    "no_program",
                    r.soc2018_code,
                    None,
                    f"{r.title} ({r.soc2018_code}): {r.openings:,.0f} annual openings "
                    f"({r.openings_basis}) and no program in the region",
                )
            )
    stacked = set(stacks.select("source", "target").iter_rows())
    title = {r.soc2018_code: r.title for r in rungs}
    trained = {r.soc2018_code for r in rungs if r.programs}
    for source, target, _ in moves.iter_rows():
        if source in trained and target in trained and (source, target) not in stacked:
            found.append(
                MissingRung(
                    "no_stack_route",
                    source,
                    target,
                    f"{title[source]} -> {title[target]}: an observed move with no stackable "
                    "route between the region's programs",
                )
            )
    return found


def build_pathway_map(inputs: LadderInputs, region: str, cluster: str) -> PathwayMap:
    """The sector's ladder in ``region`` (rules: module docstring). SectorLookupError for an
    unknown cluster (listing the clusters) or a region with no programs (listing those with)."""
    name, sub = resolve_cluster(inputs.sector.clusters_soc, cluster)
    wanted = region.strip().upper()
    known = regions_with_programs(inputs.sector.programs)
    if wanted not in known:
        raise SectorLookupError(
            f"no programs listed for region {region!r}; regions with programs: "
            f"{', '.join(known) or 'none'}",
            known,
        )
    frame = ladder_rungs(inputs, wanted, name, sub)
    codes = frame.get_column("soc2018_code").to_list()
    programs = rung_programs(inputs, wanted, codes)
    moves = move_edges(inputs, frame)
    stacks = stack_edges(inputs, frame, programs)
    rungs = []
    for row in frame.iter_rows(named=True):
        listed = _program_dicts(programs, row["soc2018_code"])
        openings = row["openings"]
        rungs.append(
            Rung(
                **row,
                programs=listed,
                missing_program=not listed and openings is not None and openings > 0,
            )
        )
    edges = [Edge("move", s, t, weight=round(float(w), 4)) for s, t, w in moves.iter_rows()] + [
        Edge("stack", s, t, rules=list(rules), program_pairs=[(a, b) for a, b in pairs])
        for s, t, rules, pairs in stacks.iter_rows()
    ]
    return PathwayMap(
        region=wanted,
        cluster=name,
        sub_cluster=sub,
        moves_basis=inputs.moves_basis,
        rungs=rungs,
        edges=edges,
        missing=_missing(rungs, moves, stacks),
        rules=dict(RULES),
    )
