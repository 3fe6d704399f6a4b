"""Who gets referred to better-paid work: a disparity summary over a scored caseload.

For each subgroup in the caseload's PIRL fields (sex, race and ethnicity, their
intersection sex x race, age band, and each barrier to employment) we report the share of
participants whose referrals lead to an occupation paying above the region's median (the
group's **selection rate**) and its **impact ratio**: the group's rate divided by the
highest rate among the field's groups, as the four-fifths rule defines it (EEOC Uniform
Guidelines, 29 CFR 1607.4(D): "a selection rate for any race, sex, or ethnic group which is
less than four-fifths of the rate for the group with the highest rate"; NYC Local Law 144
bias audits, 6 RCNY 5-300, use the same ratio, per sex, per race/ethnicity and per their
intersections). A ratio under 0.8 is a screening signal for a person to look at, not a
finding.

Definitions, so the numbers can be checked by hand:

* **High-wage target**: a referral whose target occupation's hourly median wage (the wage
  the referral shows: posted pay in the region, else OEWS) is strictly above the region's
  **threshold**, the median of the hourly wages of the distinct occupations the region's
  listed training programs lead to (each occupation counted once; occupations without a
  wage left out). The threshold is about the programs a case manager can refer to, not the
  labor market at large, so "above median" means "the better-paid half of what training
  here leads to".
* **Headline rate: top-1**: the participant's first-ranked referral is a high-wage target.
  The referral a case manager is most likely to act on is the first. **Any of top-k** (at
  least one of the k referrals is high-wage) is reported beside it.
* The denominator is every scored participant in the group, including those no program
  passed the hard constraints for (they were referred to nothing, so not to high wages).
* **Unknowns**: a missing value ("not reported") and the PIRL answer "did not
  self-identify" (``not_self_identified``) are unknown categories. As in an LL144 audit
  they are counted and shown (``unknown`` rows, ``n`` is the count of unknowns of the
  field) but take no part in the ratios: their ratio is empty and they are never the
  reference. In ``sex_x_race`` a participant whose sex or race is unknown is one of the
  field's unknowns.
* A participant with several barriers counts in each barrier's group; "none listed" holds
  those with no barrier (a known answer, not an unknown).
* **Small groups**: a group with fewer than ``min_group_size`` (30) participants is marked
  ``small_group`` and is never flagged: one or two people move a rate too far to judge.
  While the field has at least one known group that large, small groups are left out of
  the ratio calculation (ratio empty, rate and count still reported and drawn), as LL144
  audits may leave out categories too small to judge; the reference is then the highest
  rate among the large groups, so every ratio is at most 1. When no known group of the
  field is that large (a small caseload, the demo's 43 people), every known group is
  compared with the highest rate among all of them, and ``reference_small`` marks the
  field's ratios as indicative only.
* The **reference group** of a field (per measure) is therefore the known group with the
  highest rate among those in the calculation (ties: the larger group, then the name); a
  field whose highest rate is 0 has no ratios (nobody was selected, nothing to compare).

Participant data stay in memory: this module takes frames and returns a frame of counts.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from matching.referral.referrals import RegionContext

FOUR_FIFTHS = 0.8
MIN_GROUP_SIZE = 30
NOT_REPORTED = "not reported"
NO_BARRIER = "none listed"
UNKNOWN_VALUES = frozenset({NOT_REPORTED, "not_self_identified"})
"""Group labels that are unknown categories (counted, shown, never in a ratio)."""
FIELDS: dict[str, str] = {
    "sex": "wioa_sex",
    "race_ethnicity": "wioa_race_ethnicity",
    "age_band": "wioa_age_band",
    "barrier": "wioa_barriers",
}
"""Reported field name -> participants-table column (``wioa_barriers`` is a list)."""
INTERSECTIONS: dict[str, tuple[str, str]] = {"sex_x_race": ("sex", "race_ethnicity")}
"""Intersectional field -> the two ``FIELDS`` it crosses (groups read "female x black")."""
FIELD_ORDER = ("sex", "race_ethnicity", "sex_x_race", "age_band", "barrier")
CROSS = " x "
MEASURES = ("top1", "anyk")
HEADLINE = "top1"

DISPARITY_SCHEMA: dict[str, Any] = {
    "field": pl.String,
    "group": pl.String,
    "n": pl.Int64,
    "unknown": pl.Boolean,
    "top1_high": pl.Int64,
    "top1_share": pl.Float64,
    "top1_ratio": pl.Float64,
    "top1_flag": pl.Boolean,
    "anyk_high": pl.Int64,
    "anyk_share": pl.Float64,
    "anyk_ratio": pl.Float64,
    "anyk_flag": pl.Boolean,
    "top1_reference": pl.String,
    "anyk_reference": pl.String,
    "reference_small": pl.Boolean,
    "small_group": pl.Boolean,
}
"""``*_share`` is the group's selection rate; ``*_ratio`` its impact ratio (null for unknown
rows, for groups left out of the calculation as small, and for a field whose highest rate
is 0); ``reference_small`` marks a field whose headline reference group is itself under the
minimum size (no group was large enough: the ratios are indicative only)."""


def wage_threshold(wages: Iterable[float | None]) -> float | None:
    """The median of the known hourly wages (one per distinct target occupation)."""
    known = [float(w) for w in wages if w is not None]
    return statistics.median(known) if known else None


def participant_outcomes(
    referrals: pl.LazyFrame | pl.DataFrame, thresholds: Mapping[str, float | None]
) -> pl.DataFrame:
    """One row per referred participant: ``participant_id, top1_high, anyk_high``.

    ``referrals`` needs ``participant_id, region, rank, target_hourly_wage`` (rank null for
    a participant with no referral). ``thresholds`` is region -> wage threshold; a region
    without one makes every referral there count as not high-wage.
    """
    frame = referrals.lazy().select("participant_id", "region", "rank", "target_hourly_wage")
    limits = pl.DataFrame(
        {"region": list(thresholds), "threshold": [thresholds[r] for r in thresholds]},
        schema={"region": pl.String, "threshold": pl.Float64},
    )
    high = (
        pl.col("rank").is_not_null()
        & pl.col("target_hourly_wage").is_not_null()
        & pl.col("threshold").is_not_null()
        & (pl.col("target_hourly_wage") > pl.col("threshold"))
    )
    return (
        frame.join(limits.lazy(), on="region", how="left")
        .with_columns(high.fill_null(False).alias("high"))
        .group_by("participant_id")
        .agg(
            (pl.col("high") & (pl.col("rank") == 1)).any().alias("top1_high"),
            pl.col("high").any().alias("anyk_high"),
        )
        .collect()
    )


def disparity_table(
    outcomes: pl.DataFrame,
    groups: pl.DataFrame,
    *,
    min_group_size: int = MIN_GROUP_SIZE,
    threshold: float = FOUR_FIFTHS,
) -> pl.DataFrame:
    """Rates and impact ratios per field and group (see the module docstring).

    ``outcomes``: ``participant_id, top1_high, anyk_high`` (``participant_outcomes``);
    ``groups``: ``participant_id`` and the ``FIELDS`` columns for every scored participant.
    A participant missing from ``outcomes`` was referred to nothing (both measures false).
    """
    joined = groups.join(outcomes, on="participant_id", how="left").with_columns(
        pl.col("top1_high").fill_null(False), pl.col("anyk_high").fill_null(False)
    )
    labelled = _labelled(joined)
    frames = [
        _field_rows(labelled, name, min_group_size, threshold)
        for name in FIELD_ORDER
        if name in labelled.columns
    ]
    frames = [f for f in frames if not f.is_empty()]
    if not frames:
        return pl.DataFrame(schema=DISPARITY_SCHEMA)
    return pl.concat(frames, how="vertical").select(list(DISPARITY_SCHEMA))


def _labelled(joined: pl.DataFrame) -> pl.DataFrame:
    """One group-label column per reported field (null -> ``NOT_REPORTED``), plus the
    intersections, whose label is ``NOT_REPORTED`` when either part is unknown."""
    exprs: list[pl.Expr] = []
    for name, column in FIELDS.items():
        if column not in joined.columns:
            continue
        if joined.schema[column] == pl.List(pl.String):
            exprs.append(
                pl.when(pl.col(column).list.len().fill_null(0) == 0)
                .then(pl.lit([NO_BARRIER]))
                .otherwise(pl.col(column))
                .alias(name)
            )
        else:
            exprs.append(pl.col(column).cast(pl.String).fill_null(NOT_REPORTED).alias(name))
    frame = joined.with_columns(exprs)
    for name, (left, right) in INTERSECTIONS.items():
        if left in frame.columns and right in frame.columns:
            unknown = pl.col(left).is_in(list(UNKNOWN_VALUES)) | pl.col(right).is_in(
                list(UNKNOWN_VALUES)
            )
            crossed = pl.concat_str([pl.col(left), pl.col(right)], separator=CROSS)
            frame = frame.with_columns(
                pl.when(unknown).then(pl.lit(NOT_REPORTED)).otherwise(crossed).alias(name)
            )
    return frame


def _field_rows(labelled: pl.DataFrame, name: str, min_n: int, threshold: float) -> pl.DataFrame:
    long = labelled.select(pl.col(name).alias("group"), "top1_high", "anyk_high")
    if long.schema["group"] == pl.List(pl.String):
        long = long.explode("group")
    counts = (
        long.group_by("group")
        .agg(
            pl.len().cast(pl.Int64).alias("n"),
            pl.col("top1_high").sum().cast(pl.Int64).alias("top1_high"),
            pl.col("anyk_high").sum().cast(pl.Int64).alias("anyk_high"),
        )
        .with_columns(
            (pl.col("top1_high") / pl.col("n")).alias("top1_share"),
            (pl.col("anyk_high") / pl.col("n")).alias("anyk_share"),
            (pl.col("n") < min_n).alias("small_group"),
            pl.col("group").is_in(list(UNKNOWN_VALUES)).alias("unknown"),
            pl.lit(name).alias("field"),
        )
        .sort("unknown", "group")
    )
    for measure in MEASURES:
        counts = _ratios(counts, measure, threshold)
    return counts


def _reference(counts: pl.DataFrame, measure: str) -> tuple[str | None, bool]:
    """The highest-rate known group among those not small, else among all known groups
    (ties: the larger group, then the name); and whether that group is small."""
    known = counts.filter(~pl.col("unknown"))
    pool = known.filter(~pl.col("small_group"))
    if pool.is_empty():
        pool = known
    if pool.is_empty():
        return None, False
    best = pool.sort([f"{measure}_share", "n", "group"], descending=[True, True, False]).row(
        0, named=True
    )
    return str(best["group"]), bool(best["small_group"])


def _ratios(counts: pl.DataFrame, measure: str, threshold: float) -> pl.DataFrame:
    """Each known group's rate over the reference group's; unknown rows (and small groups
    while the reference is a large group) get no ratio; no groups (an empty caseload) gives
    an empty frame with the columns, not an error."""
    reference, small = _reference(counts, measure)
    best = None
    if reference is not None:
        best = counts.filter(pl.col("group") == reference)[f"{measure}_share"][0]
    share = pl.col(f"{measure}_share")
    left_out = pl.col("unknown") | (pl.col("small_group") & pl.lit(not small))
    ratio = (
        pl.when(left_out).then(None).otherwise(share / best)
        if best
        else pl.lit(None, dtype=pl.Float64)
    )
    counts = counts.with_columns(
        ratio.cast(pl.Float64).alias(f"{measure}_ratio"),
        pl.lit(reference, dtype=pl.String).alias(f"{measure}_reference"),
    ).with_columns(
        ((pl.col(f"{measure}_ratio") < threshold) & ~pl.col("small_group"))
        .fill_null(False)
        .alias(f"{measure}_flag")
    )
    if measure == HEADLINE:
        counts = counts.with_columns(pl.lit(small).alias("reference_small"))
    return counts


def flagged(table: pl.DataFrame, measure: str = HEADLINE) -> pl.DataFrame:
    """The rows the four-fifths rule flags on ``measure``."""
    return table.filter(pl.col(f"{measure}_flag"))


def target_wages(ctx: RegionContext) -> list[float | None]:
    """The hourly wage of each distinct occupation the region's programs lead to, as the
    referrals show it (the occupation's wage, else its SOC 2018 code's)."""
    codes = sorted(
        {code for program in ctx.programs for code in ctx.leads_to.get(program["program_id"], [])}
    )
    return [ctx.wage(code) for code in codes]
