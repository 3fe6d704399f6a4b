"""Who gets referred to better-paid work: a disparity summary over a scored caseload.

For each subgroup in the caseload's PIRL fields (sex, race and ethnicity, age band, and each
barrier to employment) we report the share of participants whose referrals lead to an
occupation paying above the region's median, and the impact ratio of that share against the
best-served group of the same field. An impact ratio under 0.8 is the four-fifths rule's
sign of adverse impact (EEOC Uniform Guidelines, 29 CFR 1607.4(D)); it is a screening
signal for a person to look at, not a finding.

Definitions, so the numbers can be checked by hand:

* **High-wage target**: a referral whose target occupation's hourly median wage (the wage
  the referral shows: posted pay in the region, else OEWS) is strictly above the region's
  **threshold**, the median of the hourly wages of the distinct occupations the region's
  listed training programs lead to (each occupation counted once; occupations without a
  wage left out). The threshold is about the programs a case manager can refer to, not the
  labor market at large, so "above median" means "the better-paid half of what training
  here leads to".
* **Headline share: top-1**: the participant's first-ranked referral is a high-wage target.
  The referral a case manager is most likely to act on is the first. **Any of top-k** (at
  least one of the k referrals is high-wage) is reported beside it.
* The denominator is every scored participant in the group, including those no program
  passed the hard constraints for (they were referred to nothing, so not to high wages).
* A participant with several barriers counts in each barrier's group; "none listed" holds
  those with no barrier. Missing values form a "not reported" group.
* The **reference group** of a field (per measure) is the one with the highest share among
  groups of at least ``min_group_size`` participants; when none is that large, the largest
  group (a share of one or two people is no benchmark). A group smaller than
  ``min_group_size`` gets its ratio but is never flagged: a handful of people moves a share
  too far for the ratio to mean anything.

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
FIELDS: dict[str, str] = {
    "sex": "wioa_sex",
    "race_ethnicity": "wioa_race_ethnicity",
    "age_band": "wioa_age_band",
    "barrier": "wioa_barriers",
}
"""Reported field name -> participants-table column (``wioa_barriers`` is a list)."""
MEASURES = ("top1", "anyk")
HEADLINE = "top1"

DISPARITY_SCHEMA: dict[str, Any] = {
    "field": pl.String,
    "group": pl.String,
    "n": pl.Int64,
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
    "small_group": pl.Boolean,
}


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
    """Shares and impact ratios per field and group (see the module docstring).

    ``outcomes``: ``participant_id, top1_high, anyk_high`` (``participant_outcomes``);
    ``groups``: ``participant_id`` and the ``FIELDS`` columns for every scored participant.
    A participant missing from ``outcomes`` was referred to nothing (both measures false).
    """
    joined = groups.join(outcomes, on="participant_id", how="left").with_columns(
        pl.col("top1_high").fill_null(False), pl.col("anyk_high").fill_null(False)
    )
    frames = [
        _field_rows(joined, name, column, min_group_size, threshold)
        for name, column in FIELDS.items()
        if column in joined.columns
    ]
    frames = [f for f in frames if not f.is_empty()]
    if not frames:
        return pl.DataFrame(schema=DISPARITY_SCHEMA)
    return pl.concat(frames, how="vertical").select(list(DISPARITY_SCHEMA))


def _field_rows(
    joined: pl.DataFrame, name: str, column: str, min_n: int, threshold: float
) -> pl.DataFrame:
    if joined.schema[column] == pl.List(pl.String):
        value = (
            pl.when(pl.col(column).list.len().fill_null(0) == 0)
            .then(pl.lit([NO_BARRIER]))
            .otherwise(pl.col(column))
        )
        long = joined.with_columns(value.alias("group")).explode("group")
    else:
        long = joined.with_columns(pl.col(column).cast(pl.String).alias("group"))
    counts = (
        long.with_columns(pl.col("group").fill_null(NOT_REPORTED))
        .group_by("group")
        .agg(
            pl.len().cast(pl.Int64).alias("n"),
            pl.col("top1_high").sum().cast(pl.Int64).alias("top1_high"),
            pl.col("anyk_high").sum().cast(pl.Int64).alias("anyk_high"),
        )
        .with_columns(
            (pl.col("top1_high") / pl.col("n")).alias("top1_share"),
            (pl.col("anyk_high") / pl.col("n")).alias("anyk_share"),
            (pl.col("n") < min_n).alias("small_group"),
            pl.lit(name).alias("field"),
        )
        .sort("group")
    )
    for measure in MEASURES:
        counts = _ratios(counts, measure, threshold)
    return counts


def _reference(counts: pl.DataFrame, measure: str) -> str | None:
    """The best-served group: highest share among groups that are not small, else the
    largest group (ties: higher share, then name)."""
    pool = counts.filter(~pl.col("small_group"))
    order = [f"{measure}_share", "group"]
    if pool.is_empty():
        pool, order = counts, ["n", *order]
    if pool.is_empty():
        return None
    best = pool.sort(order, descending=[True] * (len(order) - 1) + [False]).row(0, named=True)
    return str(best["group"])


def _ratios(counts: pl.DataFrame, measure: str, threshold: float) -> pl.DataFrame:
    """Each group's share over the reference group's; no groups (an empty caseload) gives
    an empty frame with the columns, not an error."""
    reference = _reference(counts, measure)
    best = None
    if reference is not None:
        best = counts.filter(pl.col("group") == reference)[f"{measure}_share"][0]
    share = pl.col(f"{measure}_share")
    ratio = (share / best) if best else pl.lit(None, dtype=pl.Float64)
    return counts.with_columns(
        ratio.cast(pl.Float64).alias(f"{measure}_ratio"),
        pl.lit(reference, dtype=pl.String).alias(f"{measure}_reference"),
    ).with_columns(
        ((pl.col(f"{measure}_ratio") < threshold) & ~pl.col("small_group"))
        .fill_null(False)
        .alias(f"{measure}_flag")
    )


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
