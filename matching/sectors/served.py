"""Who the pathways serve: by subgroup, who a scored caseload's referrals send into a sector
(career cluster or sub-cluster), and the impact ratio per sector, under the same rules as
the disparity summary of ``pathmatch score`` (``matching.referral.disparity``).

A referral is **into the sector** when its program leads, through the program's CIP -> SOC
targets (the catalog's ``program_occupations``, the links the pathway map's rungs use), to
an occupation (SOC 2018) of the sector. The two measures are the disparity summary's, with
"referred into the sector" in place of "referred to above-median wages":

* **top-1** (headline): the participant's first-ranked referral is into the sector;
* **any of top-k**: at least one of the participant's referrals is.

The denominator is every participant scored in the region (a participant no program
passed the hard constraints for counts, as referred to nothing). Groups, intersections
(sex x race), unknowns (``not reported``, ``not_self_identified``: counted, never in a
ratio), small groups (n < 30: never flagged, left out of the ratios while a group of the
field is that large; otherwise every ratio is indicative, ``reference_small``) and the
four-fifths flag are exactly :func:`matching.referral.disparity.disparity_table`'s: this
module only changes what counts as selected. A sector nobody is referred into has no
ratios (the highest rate is 0).

Per rung, :func:`rung_referrals` counts the participants whose top-1 / any referral's
program leads to that occupation (totals only: a rung x group cell would be too small to
read).

Participant data stay in memory: the functions take frames and return frames of counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from matching.referral.disparity import (
    FIELDS,
    FOUR_FIFTHS,
    HEADLINE,
    MIN_GROUP_SIZE,
    disparity_table,
)
from matching.sectors.profile import program_targets, sector_codes

REFERRAL_COLUMNS = ("participant_id", "region", "rank", "program_id")
RULE = (
    "a referral is into the sector when its program's CIP -> SOC targets include an "
    "occupation of the sector; rate = share of the region's scored participants whose top-1 "
    "(headline) / any top-k referral is into the sector; impact ratio = rate / the highest "
    f"group's rate (four-fifths rule, 29 CFR 1607.4(D)); flag: ratio < {FOUR_FIFTHS} with "
    f"n >= {MIN_GROUP_SIZE}; unknowns counted, never in a ratio; the disparity summary's rules"
)
SERVED_RENAMES = {
    "top1_high": "top1_referred",
    "anyk_high": "anyk_referred",
}


class ServedInputError(ValueError):
    """A scored output or caseload that cannot be read as one (names the file and field)."""


@dataclass
class ServedSummary:
    """Who a sector's pathways serve in a region (``groups``: one row per field x group,
    the disparity summary's columns with ``top1_referred``/``anyk_referred`` counts);
    ``rungs``: ``soc2018_code, top1_referred, anyk_referred``."""

    region: str
    cluster: str
    sub_cluster: str | None
    participants: int
    top1_referred: int
    anyk_referred: int
    groups: pl.DataFrame
    rungs: pl.DataFrame
    rule: str = RULE
    notes: list[str] = field(default_factory=list)

    def flagged(self) -> pl.DataFrame:
        return self.groups.filter(pl.col(f"{HEADLINE}_flag"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "cluster": self.cluster,
            "sub_cluster": self.sub_cluster,
            "participants": self.participants,
            "top1_referred": self.top1_referred,
            "anyk_referred": self.anyk_referred,
            "rule": self.rule,
            "notes": list(self.notes),
            "groups": self.groups.to_dicts(),
            "rungs": self.rungs.to_dicts(),
        }


def check_referrals(referrals: pl.DataFrame, name: str) -> pl.DataFrame:
    """The scored output's columns the view needs; ServedInputError naming the file and the
    missing column (or wrong type) otherwise."""
    missing = [c for c in REFERRAL_COLUMNS if c not in referrals.columns]
    if missing:
        raise ServedInputError(
            f"{name}: column {missing[0]!r} missing: not a `pathmatch score` output "
            f"(expected {', '.join(REFERRAL_COLUMNS)})"
        )
    try:
        return referrals.select(
            pl.col("participant_id").cast(pl.String),
            pl.col("region").cast(pl.String).str.to_uppercase(),
            pl.col("rank").cast(pl.Int64),
            pl.col("program_id").cast(pl.String),
        )
    except pl.exceptions.PolarsError as exc:
        raise ServedInputError(
            f"{name}: a column of {', '.join(REFERRAL_COLUMNS)} has the wrong type "
            f"({type(exc).__name__})"
        ) from None


def in_region(referrals: pl.DataFrame, region: str) -> pl.DataFrame:
    return referrals.filter(pl.col("region") == region.strip().upper())


def sector_outcomes(
    referrals: pl.DataFrame, program_occupations: pl.DataFrame, codes: Sequence[str]
) -> pl.DataFrame:
    """``participant_id, top1_high, anyk_high``: one row per participant of ``referrals``
    (the disparity functions' column names; "high" reads "referred into the sector")."""
    into = (
        program_targets(program_occupations)
        .filter(pl.col("soc2018_code").is_in(list(codes)))
        .select("program_id")
        .unique()
        .with_columns(pl.lit(True).alias("_into"))
    )
    return (
        referrals.join(into, on="program_id", how="left")
        .with_columns(
            (pl.col("_into").fill_null(False) & pl.col("rank").is_not_null()).alias("_in")
        )
        .group_by("participant_id")
        .agg(
            (pl.col("_in") & (pl.col("rank") == 1)).any().alias("top1_high"),
            pl.col("_in").any().alias("anyk_high"),
        )
        .sort("participant_id")
    )


def rung_referrals(
    referrals: pl.DataFrame, program_occupations: pl.DataFrame, codes: Sequence[str]
) -> pl.DataFrame:
    """``soc2018_code, top1_referred, anyk_referred``: distinct participants whose top-1 /
    any referral's program leads to the occupation, for every code in ``codes``."""
    hits = (
        referrals.filter(pl.col("rank").is_not_null())
        .join(program_targets(program_occupations), on="program_id")
        .filter(pl.col("soc2018_code").is_in(list(codes)))
    )
    counted = hits.group_by("soc2018_code").agg(
        pl.col("participant_id").filter(pl.col("rank") == 1).n_unique().alias("top1_referred"),
        pl.col("participant_id").n_unique().alias("anyk_referred"),
    )
    every = pl.DataFrame({"soc2018_code": list(codes)}, schema={"soc2018_code": pl.String})
    return (
        every.join(counted, on="soc2018_code", how="left")
        .with_columns(
            pl.col("top1_referred").fill_null(0).cast(pl.Int64),
            pl.col("anyk_referred").fill_null(0).cast(pl.Int64),
        )
        .sort("soc2018_code")
    )


def caseload_groups(caseload: pl.DataFrame, referrals: pl.DataFrame) -> pl.DataFrame:
    """``participant_id`` and the disparity ``FIELDS`` columns of the participants scored in
    ``referrals`` (as ``pathmatch score`` joins them); a missing field column is left out."""
    columns = [c for c in FIELDS.values() if c in caseload.columns]
    scored = referrals.select("participant_id").unique()
    return caseload.select("participant_id", *columns).join(scored, on="participant_id", how="semi")


def who_is_served(
    referrals: pl.DataFrame,
    caseload: pl.DataFrame,
    program_occupations: pl.DataFrame,
    clusters_soc: pl.DataFrame,
    region: str,
    cluster: str,
    sub_cluster: str | None = None,
    rung_codes: Sequence[str] | None = None,
) -> ServedSummary:
    """The view for one sector in one region. ``referrals``: a ``pathmatch score`` output
    (:func:`check_referrals`); ``caseload``: the participants table it was scored from
    (``wioa_*`` columns). Participants scored in the region but absent from the caseload
    cannot be placed in a group: they are counted in a note (a count, never an id)."""
    wanted = region.strip().upper()
    local = in_region(referrals, wanted)
    codes = sector_codes(clusters_soc, cluster, sub_cluster)
    groups = caseload_groups(caseload, local)
    notes = []
    scored_ids = local.get_column("participant_id").n_unique()
    absent = scored_ids - groups.height
    if absent:
        notes.append(
            f"{absent} of {scored_ids} participants scored in {wanted} are not in the caseload "
            "given: they take no part in the groups (is it the file that was scored?)"
        )
    # the groups' denominator is the scored participants found in the caseload
    local = local.join(groups.select("participant_id"), on="participant_id", how="semi")
    outcomes = sector_outcomes(local, program_occupations, codes)
    table = disparity_table(outcomes, groups).rename(SERVED_RENAMES)
    rungs = rung_referrals(local, program_occupations, list(rung_codes or codes))
    return ServedSummary(
        region=wanted,
        cluster=cluster,
        sub_cluster=sub_cluster,
        participants=groups.height,
        top1_referred=int(outcomes.get_column("top1_high").sum()),
        anyk_referred=int(outcomes.get_column("anyk_high").sum()),
        groups=table,
        rungs=rungs,
        notes=notes,
    )


SECTOR_SERVED_SCHEMA: dict[str, Any] = {
    "cluster": pl.String,
    "participants": pl.Int64,
    "top1_referred": pl.Int64,
    "top1_share": pl.Float64,
    "anyk_referred": pl.Int64,
    "reference": pl.String,
    "lowest_ratio": pl.Float64,
    "lowest_group": pl.String,
    "flagged": pl.String,
    "reference_small": pl.Boolean,
}


def sectors_served(
    referrals: pl.DataFrame,
    caseload: pl.DataFrame,
    program_occupations: pl.DataFrame,
    clusters_soc: pl.DataFrame,
    region: str,
    clusters: Sequence[str] | None = None,
) -> pl.DataFrame:
    """One row per career cluster (``SECTOR_SERVED_SCHEMA``): participants referred into it
    (top-1, any), the headline reference group of the sex x race field (else the first field
    with one), the lowest top-1 impact ratio over every field and its group, and the groups
    the four-fifths rule flags (``field: group``, ``; ``-joined); ``reference_small``: the
    reference's field has no group of ``MIN_GROUP_SIZE`` (its ratios are indicative). A
    cluster nobody is referred into has no reference and no ratios."""
    wanted = region.strip().upper()
    local = in_region(referrals, wanted)
    groups = caseload_groups(caseload, local)
    local = local.join(groups.select("participant_id"), on="participant_id", how="semi")
    names = (
        list(clusters)
        if clusters is not None
        else sorted(clusters_soc.get_column("cluster").drop_nulls().unique().to_list())
    )
    rows = []
    for name in names:
        codes = sector_codes(clusters_soc, name)
        outcomes = sector_outcomes(local, program_occupations, codes)
        table = disparity_table(outcomes, groups)
        rows.append(_sector_row(name, groups.height, outcomes, table))
    return pl.DataFrame(rows, schema=SECTOR_SERVED_SCHEMA, orient="row")


def _sector_row(
    name: str, participants: int, outcomes: pl.DataFrame, table: pl.DataFrame
) -> dict[str, Any]:
    top1 = int(outcomes.get_column("top1_high").sum()) if outcomes.height else 0
    ratios = table.filter(pl.col(f"{HEADLINE}_ratio").is_not_null())
    lowest = (
        ratios.sort(f"{HEADLINE}_ratio", "field", "group").row(0, named=True)
        if ratios.height
        else None
    )
    reference, small = None, False
    for wanted in () if top1 == 0 else ("sex_x_race", "race_ethnicity", "sex"):
        rows = table.filter(pl.col("field") == wanted)
        name_ = rows[f"{HEADLINE}_reference"][0] if rows.height else None
        if name_ is not None:
            n = rows.filter(pl.col("group") == name_)["n"][0]
            reference, small = f"{wanted}: {name_} (n={n})", bool(rows["reference_small"][0])
            break
    flags = table.filter(pl.col(f"{HEADLINE}_flag"))
    return {
        "cluster": name,
        "participants": participants,
        "top1_referred": top1,
        "top1_share": top1 / participants if participants else None,
        "anyk_referred": int(outcomes.get_column("anyk_high").sum()) if outcomes.height else 0,
        "reference": reference,
        "lowest_ratio": None if lowest is None else lowest[f"{HEADLINE}_ratio"],
        "lowest_group": None
        if lowest is None
        else f"{lowest['field']}: {lowest['group']} (n={lowest['n']})",
        "flagged": "; ".join(f"{f}: {g}" for f, g in flags.select("field", "group").iter_rows())
        or None,
        "reference_small": small,
    }
