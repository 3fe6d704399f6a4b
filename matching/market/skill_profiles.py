"""The occupation skill profile: which skills an occupation needs, and how much each counts.

One function, ``occupation_profiles``, builds it for every caller from two kinds of
evidence:

- **employers**: the share of a region's deduplicated postings for the occupation that ask
  for the skill (``DemandResult.skills_table`` of ``matching.market.demand``);
- **ESCO**: the skills ESCO lists as essential or optional for the ESCO occupations the
  ESCO -> O*NET-SOC crosswalk maps onto the occupation (``SkillTaxonomy.soc_links`` of
  ``matching.nlp.taxonomy``, or the same shape built from the bundle's ESCO tables). A skill
  counts as essential when any mapped ESCO occupation lists it as essential.

Callers weigh the evidence differently, for reasons of their own; each weighting is a
``ProfileWeights`` value here, never a copy of the function:

==============  ===========================================================================
caller          weighting
==============  ===========================================================================
``REFERRALS``   ``matching.referral.referrals`` (skill fit, gap closed): the posting share,
                kept only when the skill is distinctive (asked for at least ``min_lift``
                = 2 times as often as across all the region's postings: generic or
                boilerplate links appear everywhere and say nothing about one job), raised
                to at least 0.35 for an ESCO essential skill (0.15 optional), ESCO
                evidence from specific crosswalk mappings only (``specific_only``: a
                forklift job does not need the road skills of 'cargo vehicle driver',
                which the crosswalk spreads over six occupations); the top 30
                skills per occupation. Values stay on the share scale, so a referral's
                "covers x of the job's skills" reads as a share of postings.
``GAPS``        ``matching.curriculum.gaps`` (inferring a catalog's target occupations):
                half the posting shares, half ESCO (essential 1, optional 0.5), each half
                scaled to unit length first, so neither evidence dominates the cosine;
                only occupations with postings in the region; no lift filter, no cut.
``TRANSITIONS`` ``features.transition_features`` (the ESCO skill view of the transition
                ranker): ESCO only (essential 1, optional 0.5; the ranker is national and
                postings are regional), every occupation with ESCO skills.
==============  ===========================================================================

O*NET importance and level ratings are not part of any profile: O*NET 27.0 here lacks the
Skills, Knowledge and Abilities files (the transition ranker's work-activity and
technology views come from O*NET Tasks to DWAs and Technology Skills instead).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import polars as pl

Profile = dict[str, float]
"""``skill_id -> weight`` for one occupation."""


@dataclass(frozen=True)
class ProfileWeights:
    """How one caller weighs postings and ESCO (see the module docstring)."""

    essential: float = 1.0
    optional: float = 0.5
    combine: Literal["max", "blend"] = "max"
    """``max``: the larger of the posting share and the ESCO weight; ``blend``: half each
    evidence, each scaled to unit length."""
    min_lift: float | None = None
    """Keep a posting skill only when its share is at least this multiple of its share of
    all the region's postings (None: keep all)."""
    size: int | None = None
    """Keep the ``size`` heaviest skills per occupation (ties: smaller skill id)."""
    specific_only: bool = False
    """ESCO evidence from specific crosswalk mappings only (``n_specific``,
    ``n_essential_specific`` of ``SkillTaxonomy.soc_links``): an ESCO occupation the crosswalk
    spreads over many O*NET occupations says little about what one of them needs."""


REFERRALS = ProfileWeights(
    essential=0.35, optional=0.15, combine="max", min_lift=2.0, size=30, specific_only=True
)
GAPS = ProfileWeights(essential=1.0, optional=0.5, combine="blend")
TRANSITIONS = ProfileWeights(essential=1.0, optional=0.5, combine="max")


def occupation_profiles(
    weights: ProfileWeights,
    *,
    esco_links: pl.DataFrame | None = None,
    demand_skills: pl.DataFrame | None = None,
    region: str | None = None,
    codes: Iterable[str] | None = None,
) -> dict[str, Profile]:
    """``onet_soc_code -> {skill_id: weight}`` weighted as ``weights`` says.

    ``esco_links`` has ``skill_uri, onet_soc_code, n_essential`` (``SkillTaxonomy
    .soc_links``); ``demand_skills`` has ``region, onet_soc_code, skill_id, share,
    postings_with_skill, postings_dedup`` (``DemandResult.skills_table``) and is read for
    ``region`` only. ``codes`` limits the profiles to those occupations (and then every one
    of them gets a profile, empty if nothing is known). Either evidence may be None.
    """
    wanted = None if codes is None else sorted(set(codes))
    posting = _posting_shares(demand_skills, region, weights.min_lift, wanted)
    esco = _esco_weights(esco_links, weights, wanted)
    keys = wanted if wanted is not None else sorted(set(posting) | set(esco))
    profiles = {
        code: _combine(posting.get(code, {}), esco.get(code, {}), weights.combine) for code in keys
    }
    if weights.size is not None:
        profiles = {
            code: dict(sorted(p.items(), key=lambda kv: (-kv[1], kv[0]))[: weights.size])
            for code, p in profiles.items()
        }
    return profiles


def _posting_shares(
    skills: pl.DataFrame | None, region: str | None, min_lift: float | None, codes: list[str] | None
) -> dict[str, Profile]:
    """Posting share per (occupation, skill) in ``region``; distinctive ones only when
    ``min_lift`` is set (the overall share is over all of the region's postings)."""
    if skills is None or region is None:
        return {}
    skills = skills.filter(pl.col("region") == region)
    if min_lift is not None:
        per_occupation = skills.select("onet_soc_code", "postings_dedup").unique()
        total = max(1, int(per_occupation["postings_dedup"].sum() or 0))
        overall = skills.group_by("skill_id").agg(
            (pl.col("postings_with_skill").sum() / total).alias("overall")
        )
        skills = skills.join(overall, on="skill_id").filter(
            pl.col("share") >= min_lift * pl.col("overall")
        )
    if codes is not None:
        skills = skills.filter(pl.col("onet_soc_code").is_in(codes))
    return _grouped(skills.select("onet_soc_code", "skill_id", pl.col("share").alias("weight")))


def _esco_weights(
    links: pl.DataFrame | None, weights: ProfileWeights, codes: list[str] | None
) -> dict[str, Profile]:
    if links is None or links.is_empty():
        return {}
    if codes is not None:
        links = links.filter(pl.col("onet_soc_code").is_in(codes))
    essential = "n_essential"
    if weights.specific_only and "n_specific" in links.columns:
        links = links.filter(pl.col("n_specific") > 0)
        essential = "n_essential_specific"
    return _grouped(
        links.select(
            "onet_soc_code",
            pl.col("skill_uri").alias("skill_id"),
            pl.when(pl.col(essential) > 0)
            .then(pl.lit(weights.essential))
            .otherwise(pl.lit(weights.optional))
            .alias("weight"),
        )
    )


def _combine(posting: Profile, esco: Profile, how: str) -> Profile:
    if how == "blend":
        merged: Profile = {}
        for part in (unit(posting), unit(esco)):
            for skill, value in part.items():
                merged[skill] = merged.get(skill, 0.0) + 0.5 * value
        return merged
    out = dict(posting)
    for skill, value in esco.items():
        out[skill] = max(out.get(skill, 0.0), value)
    return out


def _grouped(rows: pl.DataFrame) -> dict[str, Profile]:
    """``onet_soc_code, skill_id, weight`` rows -> profiles, the largest weight per cell
    (skills in id order)."""
    cells = (
        rows.group_by("onet_soc_code", "skill_id")
        .agg(pl.col("weight").max())
        .sort("onet_soc_code", "skill_id")
    )
    out: dict[str, Profile] = {}
    for code, skill, value in zip(
        cells["onet_soc_code"].to_list(),
        cells["skill_id"].to_list(),
        cells["weight"].cast(pl.Float64).to_list(),
        strict=True,
    ):
        out.setdefault(code, {})[skill] = value
    return out


def unit(vector: Profile) -> Profile:
    """The profile scaled to unit Euclidean length (empty stays empty)."""
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {k: v / norm for k, v in vector.items()} if norm else {}
