"""Regional sector profiles: per career cluster (or sub-cluster) in a state, the demand,
labor-market and training figures a workforce board or sector partnership reads first.

Sectors are the Advance CTE National Career Clusters (bundle tables ``career_clusters_soc``
and ``career_clusters_cip``, ``matching.ingest.loaders.clusters``). An occupation (SOC 2018
detailed code) belongs to every cluster the crosswalk lists it in: an interdisciplinary
occupation (first-line supervisors of production workers: Advanced Manufacturing and
Management) counts in each, so cluster totals may add up to more than the region's total.

Inputs are plain frames (``build_sector_profile``): the demand table and its skills table
(``matching.market.demand``: deduplicated postings and the skills their descriptions ask
for), ``oews`` and ``ep_projections``, the program catalog (``matching.market.programs``:
programs and ``program_occupations``), the two cluster crosswalks and ``onet_occupations``.

Occupation figures (``occupation_market``, one row per SOC 2018 code of the crosswalk), the
same sources and rules as ``matching.market.demand`` so a sector's numbers add up from the
occupation rows a user can see with ``pathmatch demand``, but for **every** occupation of a
cluster, not only those with postings:

- ``openings_national``: BLS EP 2024-34 annual openings (national, jobs per year);
- ``employment``, ``median_wage``: OEWS for the state when the bundle has the state's
  rows (``oews`` area type 2, else a state OES extract in ``oews_state_extracts``), else
  national (``employment_source`` says which); detailed code first, then its broad group.
  OEWS and EP publish some occupations only as a broad group (31-1120 Home Health and
  Personal Care Aides): a code without its own row takes the group's figures, its job
  counts (employment, openings) split equally over the group's codes that need them, so a
  sector counts the group's jobs once (``ep_match`` = ``broad group``);
  With state rows, an occupation the state does not publish has no employment (never a
  national figure summed into a state total); its wage falls back to the national one;
- ``openings_regional``: ``openings_national x state employment / national employment`` of
  the occupation (EP publishes national openings only; the share-down is the usual way to
  regionalize them, and assumes the state's openings rate equals the nation's). Null when
  the state's OEWS rows are not in the bundle: then only national openings are known
  (``openings_basis`` = ``national``), and nothing is made up;
- ``in_demand_score``: the demand module's score (mean of the openings, growth and wage-ratio
  percentiles, 0-100).

Sector columns (``SECTOR_COLUMNS``; ``level`` = ``cluster`` or ``sub_cluster``):

======================  ===================================================================
n_occupations           SOC codes the crosswalk lists in the sector
postings_dedup / _raw   deduplicated / raw postings in the region assigned to them
employment              sum of the occupations' employment (state, else national)
openings_regional       sum of the occupations' regional annual openings, over those that
                        have one (``openings_basis`` lists ``national`` too when some have
                        national openings only); null when none has
openings_national       sum of national EP annual openings
growth_pct              EP 2024-34 employment change of the sector's occupations together
                        (sum of projected / sum of base employment - 1, national), percent
median_wage             employment-weighted median of the occupations' median wages (the
                        wage of the occupation the sector's median worker is in)
in_demand_score         openings-weighted mean of the occupations' in-demand scores
top_skills              the 5 skills most often asked for in the sector's deduplicated
                        postings, with the share of postings asking (``label (34%)``)
programs                the region's programs training for the sector: its CIP code is in
                        the sector (CIP crosswalk) or one of its CIP->SOC target occupations
                        is (``programs_by_cip``, ``programs_by_occupation``: each route)
rank                    1 = the sector driving the region most (rule below)
======================  ===================================================================

Ranking rule: by annual openings (regional when known, else national), then deduplicated
postings, then in-demand score, then name. Openings are the number of people a sector
hires each year, which is what a board plans training for; postings sit second because
they depend on which job boards were collected; the in-demand score (a per-occupation
quality index: growth and pay as much as volume) is shown beside the rank, not mixed in.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from matching.market.demand import UNASSIGNED, percentile_rank

LEVELS = ("cluster", "sub_cluster")
TOP_SKILLS = 5
SECTOR_COLUMNS = (
    "rank",
    "cluster",
    "sub_cluster",
    "n_occupations",
    "postings_dedup",
    "postings_raw",
    "employment",
    "employment_source",
    "openings_regional",
    "openings_national",
    "openings_basis",
    "growth_pct",
    "median_wage",
    "in_demand_score",
    "top_skills",
    "programs",
    "programs_by_cip",
    "programs_by_occupation",
)


class SectorLookupError(ValueError):
    """An unknown region or cluster; ``valid`` lists what is known."""

    def __init__(self, message: str, valid: Sequence[str]) -> None:
        super().__init__(message)
        self.valid = list(valid)


@dataclass
class SectorInputs:
    """Everything a profile or a supply table is built from (frames from the bundle, the
    demand result and the catalog; see the module docstrings)."""

    demand: pl.DataFrame
    demand_skills: pl.DataFrame
    oews: pl.DataFrame
    ep_projections: pl.DataFrame
    programs: pl.DataFrame
    program_occupations: pl.DataFrame
    clusters_soc: pl.DataFrame
    clusters_cip: pl.DataFrame
    onet_occupations: pl.DataFrame
    oews_state_extracts: pl.DataFrame | None = None
    etpl_outcomes: pl.DataFrame | None = None
    scorecard_fos: pl.DataFrame | None = None


def sector_inputs_from(
    bundle: Any,
    programs: pl.DataFrame,
    program_occupations: pl.DataFrame,
    demand: pl.DataFrame | None = None,
    demand_skills: pl.DataFrame | None = None,
    *,
    clusters_soc: pl.DataFrame | None = None,
    clusters_cip: pl.DataFrame | None = None,
    supply_tables: bool = True,
) -> SectorInputs:
    """The one place a ``SectorInputs`` is assembled from a bundle (``has``/``table``), the
    catalog's programs and links and, for a profile, the demand table and its skills (empty
    frames without them: the pathway map reads no postings). ``clusters_*`` stand in for a
    bundle imported before the career-clusters loader (the benchmark reads them with the
    loader); optional tables (state OEWS extracts, ETPL outcomes, Scorecard) are None when
    absent, and the supply's two (ETPL outcomes, Scorecard) are not read without
    ``supply_tables`` (the map does not count completers)."""

    def get(name: str) -> pl.DataFrame | None:
        return bundle.table(name) if bundle.has(name) else None

    return SectorInputs(
        demand=demand if demand is not None else pl.DataFrame(),
        demand_skills=demand_skills if demand_skills is not None else pl.DataFrame(),
        oews=bundle.table("oews"),
        ep_projections=bundle.table("ep_projections"),
        programs=programs,
        program_occupations=program_occupations,
        clusters_soc=clusters_soc
        if clusters_soc is not None
        else bundle.table("career_clusters_soc"),
        clusters_cip=clusters_cip
        if clusters_cip is not None
        else bundle.table("career_clusters_cip"),
        onet_occupations=bundle.table("onet_occupations"),
        oews_state_extracts=get("oews_state_extracts"),
        etpl_outcomes=get("etpl_outcomes") if supply_tables else None,
        scorecard_fos=get("scorecard_fos") if supply_tables else None,
    )


# ----------------------------------------------------------------------------- lookups


def regions_of(inputs: SectorInputs) -> list[str]:
    """States with postings or listed programs: the regions a profile can be built for."""
    posted = inputs.demand.filter(pl.col("region_level") == "state").get_column("region")
    listed = inputs.programs.get_column("state")
    found = set(posted.drop_nulls().to_list()) | set(listed.drop_nulls().to_list())
    return sorted(found - {"unknown"})


def check_region(inputs: SectorInputs, region: str) -> str:
    """The region code upper-cased; SectorLookupError listing the known ones otherwise."""
    wanted = region.strip().upper()
    known = regions_of(inputs)
    if wanted not in known:
        raise SectorLookupError(
            f"no postings and no programs for region {region!r}; regions with either: "
            f"{', '.join(known) or 'none'}",
            known,
        )
    return wanted


def cluster_names(clusters_soc: pl.DataFrame) -> list[str]:
    return sorted(clusters_soc.get_column("cluster").drop_nulls().unique().to_list())


def resolve_cluster(clusters_soc: pl.DataFrame, name: str) -> tuple[str, str | None]:
    """(cluster, sub_cluster or None) for a cluster or sub-cluster name: exact match in any
    case first, else the one name containing ``name`` ("health"); SectorLookupError listing
    the clusters when none or several match."""
    pairs = clusters_soc.select("cluster", "sub_cluster").unique().drop_nulls("cluster")
    wanted = name.strip().casefold()
    rows = [(c, s) for c, s in pairs.iter_rows()]
    for exact in (True, False):

        def match(text: str, exact: bool = exact) -> bool:
            return text.casefold() == wanted if exact else wanted in text.casefold()

        clusters = sorted({c for c, _ in rows if match(c)})
        subs = sorted({(c, s) for c, s in rows if s and match(s)})
        if len(clusters) == 1:  # a cluster's name wins over a sub-cluster's
            return clusters[0], None
        if not clusters and len(subs) == 1:
            return subs[0]
        if clusters or subs:
            matches = clusters + [s for _, s in subs]
            raise SectorLookupError(
                f"cluster {name!r} matches several: {'; '.join(matches)}", matches
            )
    known = cluster_names(clusters_soc)
    raise SectorLookupError(f"unknown career cluster {name!r}; clusters: {'; '.join(known)}", known)


# ----------------------------------------------------------------------------- occupations


def onet_soc2018(onet_occupations: pl.DataFrame) -> pl.DataFrame:
    """``onet_soc_code, soc2018_code``: each O*NET occupation's SOC 2018 code (the table's,
    else the code's first seven characters). Shared by the profile, supply and the ladder."""
    return onet_occupations.select(
        "onet_soc_code",
        pl.coalesce(
            pl.col("soc2018_code") if "soc2018_code" in onet_occupations.columns else None,
            pl.col("onet_soc_code").str.slice(0, 7),
        ).alias("soc2018_code"),
    )


def program_targets(program_occupations: pl.DataFrame) -> pl.DataFrame:
    """``program_id, soc2018_code``: each program's distinct CIP -> SOC target occupations
    (the links supply, the ladder's rungs and who-the-pathways-serve count through)."""
    return program_occupations.select("program_id", "soc2018_code").drop_nulls().unique()


def sector_codes(
    clusters_soc: pl.DataFrame, cluster: str, sub_cluster: str | None = None
) -> list[str]:
    """The SOC 2018 codes of a cluster (or one of its sub-clusters)."""
    rows = clusters_soc.filter(pl.col("cluster") == cluster)
    if sub_cluster is not None:
        rows = rows.filter(pl.col("sub_cluster") == sub_cluster)
    return sorted(rows.get_column("soc_code").drop_nulls().unique().to_list())


def occupation_sectors(clusters_soc: pl.DataFrame, onet_occupations: pl.DataFrame) -> pl.DataFrame:
    """``onet_soc_code, soc2018_code, cluster, sub_cluster``: each O*NET occupation in every
    cluster x sub-cluster its SOC 2018 code is listed in. A SOC code the crosswalk lists
    with no O*NET occupation is kept with a null ``onet_soc_code``: it has BLS openings and
    wages (the sector totals and supply count it, as the pathway map shows it), but no
    postings or programs can be assigned to it through O*NET."""
    onet = onet_soc2018(onet_occupations)
    soc = clusters_soc.select(pl.col("soc_code").alias("soc2018_code"), "cluster", "sub_cluster")
    matched = onet.join(soc, on="soc2018_code")
    unmatched = soc.join(onet, on="soc2018_code", how="anti").select(
        pl.lit(None, pl.String).alias("onet_soc_code"), "soc2018_code", "cluster", "sub_cluster"
    )
    return (
        pl.concat([matched.select(unmatched.columns), unmatched])
        .unique()
        .sort("onet_soc_code", "soc2018_code", "cluster", nulls_last=True)
    )


def _ep_items(ep: pl.DataFrame) -> pl.DataFrame:
    """EP line items (detailed occupations), the rows demand scores against."""
    kind = pl.col("occupation_type")
    items = ep.filter(
        (kind == "Line item") | (kind.is_null() & ~pl.col("soc_code").str.ends_with("0000"))
    ).unique("soc_code", keep="first", maintain_order=True)
    return items.select(
        "soc_code",
        pl.col("title").alias("ep_title"),
        (pl.col("emp_base_k") * 1000).alias("ep_emp_base"),
        (pl.col("emp_proj_k") * 1000).alias("ep_emp_proj"),
        pl.col("emp_change_pct").cast(pl.Float64).alias("ep_growth_pct"),
        (pl.col("annual_openings_k") * 1000).alias("openings_national"),
        pl.col("median_annual_wage").cast(pl.Float64).alias("ep_median_wage"),
    )


def _oews_area(
    oews: pl.DataFrame, extracts: pl.DataFrame | None, region: str
) -> tuple[pl.DataFrame, pl.DataFrame, str | None]:
    """(national rows, state rows, state source name) as ``occ_code, tot_emp, a_median``."""
    cols = [
        "occ_code",
        pl.col("tot_emp").cast(pl.Float64),
        pl.col("a_median").cast(pl.Float64),
    ]
    national = oews.filter(pl.col("area_type") == 1).unique("occ_code").select(cols)
    state = oews.filter((pl.col("area_type") == 2) & (pl.col("prim_state") == region))
    source: str | None = f"state:{region}"
    if state.is_empty() and extracts is not None and not extracts.is_empty():
        state = extracts.filter(
            (pl.col("area_type").cast(pl.String) == "state") & (pl.col("prim_state") == region)
        )
        source = f"state:{region} (OES extract)"
    if state.is_empty():
        source = None
    return national, state.unique("occ_code").select(cols), source


def _broad_code(code: pl.Expr) -> pl.Expr:
    """SOC broad group of a detailed code: 31-1121 -> 31-1120."""
    return code.str.slice(0, 6) + pl.lit("0")


def _split_share(matched: pl.Series, codes: pl.Series) -> pl.Series:
    """Per code, 1 / (codes of its broad group that fall back to the group's figure), 1 for
    a code with its own row. A figure published only for the broad group (OEWS and EP
    publish 31-1120 Home Health and Personal Care Aides, not 31-1121 and 31-1122) is split
    equally over the group's codes that need it, so a sector listing both counts the
    group's jobs once, not twice."""
    frame = pl.DataFrame({"code": codes, "fallback": ~matched})
    n = pl.col("fallback").cast(pl.Int32).sum().over(_broad_code(pl.col("code")))
    share = frame.select(pl.when(pl.col("fallback")).then(1.0 / n).otherwise(1.0))
    return share.to_series()


def _lookup(codes: pl.DataFrame, area: pl.DataFrame, suffix: str) -> pl.DataFrame:
    """Employment and median wage of each code, detailed first, then the broad group
    (its employment split over the codes that fall back to it, ``_split_share``)."""
    detailed = codes.join(
        area, left_on="soc2018_code", right_on="occ_code", how="left", maintain_order="left"
    )
    by_broad = codes.with_columns(_broad_code(pl.col("soc2018_code")).alias("_b")).join(
        area, left_on="_b", right_on="occ_code", how="left", maintain_order="left"
    )
    share = _split_share(detailed["tot_emp"].is_not_null(), detailed["soc2018_code"])
    return detailed.select(
        "soc2018_code",
        pl.coalesce(detailed["tot_emp"], by_broad["tot_emp"] * share).alias(f"emp_{suffix}"),
        pl.coalesce(detailed["a_median"], by_broad["a_median"]).alias(f"wage_{suffix}"),
    )


EP_COUNTS = ("ep_emp_base", "ep_emp_proj", "openings_national")
"""EP columns that count jobs (split over a broad group's codes); rates and wages are not."""


def _broad_value(column: str, values: pl.Series, share: pl.Series) -> pl.Series:
    """A broad group's EP value for a code without its own line item: job counts split,
    rates and wages as they are, and no title (the group's title is not the code's)."""
    if column == "ep_title":
        return pl.Series(column, [None] * len(values), dtype=pl.String)
    return values * share if column in EP_COUNTS else values


def _ep_figures(frame: pl.DataFrame, items: pl.DataFrame) -> pl.DataFrame:
    """EP figures per code: the detailed line item, else its broad group's line item (EP
    publishes some occupations only as a broad group) with the job counts split
    (``_split_share``); ``ep_match`` says which (null: EP has neither)."""
    detailed = frame.join(
        items, left_on="soc2018_code", right_on="soc_code", how="left", maintain_order="left"
    )
    broad = frame.with_columns(_broad_code(pl.col("soc2018_code")).alias("_b")).join(
        items, left_on="_b", right_on="soc_code", how="left", maintain_order="left"
    )
    matched = detailed["openings_national"].is_not_null()
    share = _split_share(matched, detailed["soc2018_code"])
    columns = [c for c in items.columns if c != "soc_code"]
    return detailed.select(
        "soc2018_code",
        *(pl.coalesce(detailed[c], _broad_value(c, broad[c], share)).alias(c) for c in columns),
        pl.when(matched)
        .then(pl.lit("detailed"))
        .when(broad["openings_national"].is_not_null())
        .then(pl.lit("broad group"))
        .alias("ep_match"),
    )


def occupation_market(
    codes: Sequence[str],
    oews: pl.DataFrame,
    ep_projections: pl.DataFrame,
    region: str,
    oews_state_extracts: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """One row per SOC 2018 code in ``codes`` with EP and OEWS figures for ``region``
    (columns and rules: module docstring)."""
    frame = pl.DataFrame({"soc2018_code": pl.Series(sorted(set(codes)), dtype=pl.String)})
    national, state, source = _oews_area(oews, oews_state_extracts, region)
    items = _ep_items(ep_projections)
    t = (
        _ep_figures(frame, items)
        .join(_lookup(frame, national, "national"), on="soc2018_code")
        .join(_lookup(frame, state, "state"), on="soc2018_code")
    )
    # with state rows, a code the state does not publish has no employment (a national
    # figure summed with state ones would inflate the sector); without them, all national
    employment = pl.col("emp_state") if source else pl.col("emp_national")
    t = t.with_columns(
        employment.alias("employment"),
        pl.when(employment.is_not_null())
        .then(pl.lit(source or "national"))
        .alias("employment_source"),
        pl.coalesce("wage_state", "wage_national", "ep_median_wage").alias("median_wage"),
        (pl.col("openings_national") * pl.col("emp_state") / pl.col("emp_national")).alias(
            "openings_regional"
        ),
    ).with_columns(
        pl.when(pl.col("openings_regional").is_not_null())
        .then(pl.lit("state share"))
        .otherwise(pl.lit("national"))
        .alias("openings_basis")
    )
    return _scored(t, items, national, state)


def _scored(
    t: pl.DataFrame, items: pl.DataFrame, national: pl.DataFrame, state: pl.DataFrame
) -> pl.DataFrame:
    """Add the demand module's three percentiles and the in-demand score."""
    area = state if not state.is_empty() else national
    median = area.filter(pl.col("occ_code") == "00-0000").get_column("a_median")
    if median.is_empty():
        median = national.filter(pl.col("occ_code") == "00-0000").get_column("a_median")
    regional_median = float(median[0]) if median.len() and median[0] is not None else np.nan
    ratios = (
        area.filter(pl.col("occ_code") != "00-0000").get_column("a_median").cast(pl.Float64)
        / regional_median
    )
    components = np.vstack(
        [
            percentile_rank(t["openings_national"], items["openings_national"].to_numpy()),
            percentile_rank(t["ep_growth_pct"], items["ep_growth_pct"].drop_nulls().to_numpy()),
            percentile_rank(t["median_wage"] / regional_median, ratios.drop_nulls().to_numpy()),
        ]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # no component: no score
        score = 100 * np.nanmean(components, axis=0)
    return t.with_columns(pl.Series("in_demand_score", score).fill_nan(None)).drop(
        "emp_state", "wage_state", "wage_national"
    )


# ----------------------------------------------------------------------------- programs


def program_sectors(
    programs: pl.DataFrame,
    program_occupations: pl.DataFrame,
    clusters_cip: pl.DataFrame,
    occ_sectors: pl.DataFrame,
) -> pl.DataFrame:
    """``program_id, cluster, sub_cluster, route``: route ``cip`` when the program's CIP code
    is in the sector, ``occupation`` when one of its target occupations is."""
    by_cip = programs.select("program_id", "cip_code").join(
        clusters_cip.select("cip_code", "cluster", "sub_cluster"), on="cip_code"
    )
    by_occ = program_occupations.select("program_id", "onet_soc_code").join(
        occ_sectors.select("onet_soc_code", "cluster", "sub_cluster"), on="onet_soc_code"
    )
    return pl.concat(
        [
            by_cip.select("program_id", "cluster", "sub_cluster", pl.lit("cip").alias("route")),
            by_occ.select(
                "program_id", "cluster", "sub_cluster", pl.lit("occupation").alias("route")
            ),
        ]
    ).unique()


# ----------------------------------------------------------------------------- profile


def level_keys(level: str) -> list[str]:
    if level not in LEVELS:
        raise SectorLookupError(f"level must be one of {', '.join(LEVELS)}", LEVELS)
    return ["cluster"] if level == "cluster" else ["cluster", "sub_cluster"]


def _weighted_median(values: pl.Expr, weights: pl.Expr) -> pl.Expr:
    """The value at which the cumulative weight first reaches half (values sorted)."""
    known = pl.when(values.is_not_null()).then(weights).fill_null(0)  # no wage: no weight
    order = values.arg_sort()
    v, w = values.gather(order), known.gather(order)
    half = w.sum() / 2
    return v.filter(w.cum_sum() >= half).first()


def _occupation_figures(inputs: SectorInputs, region: str, occ: pl.DataFrame) -> pl.DataFrame:
    """Per occupation x sector: postings in the region plus the market figures."""
    market = occupation_market(
        occ.get_column("soc2018_code").to_list(),
        inputs.oews,
        inputs.ep_projections,
        region,
        inputs.oews_state_extracts,
    )
    posted = (
        inputs.demand.filter((pl.col("region") == region) & (pl.col("onet_soc_code") != UNASSIGNED))
        .group_by("onet_soc_code")
        .agg(pl.col("postings_dedup").sum(), pl.col("postings_raw").sum())
    )
    return occ.join(posted, on="onet_soc_code", how="left").join(
        market, on="soc2018_code", how="left"
    )


def _aggregate(figures: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Sector sums: postings over O*NET codes, market figures once per SOC code."""
    postings = figures.group_by(keys).agg(
        pl.col("postings_dedup").fill_null(0).sum(), pl.col("postings_raw").fill_null(0).sum()
    )
    per_soc = figures.unique([*keys, "soc2018_code"])
    openings = pl.col("openings_national")
    score_w = pl.when(openings.is_not_null() & pl.col("in_demand_score").is_not_null())
    market = per_soc.group_by(keys).agg(
        pl.col("soc2018_code").n_unique().alias("n_occupations"),
        pl.when(pl.col("employment").is_not_null().any())
        .then(pl.col("employment").sum())
        .first()
        .alias("employment"),
        pl.col("employment_source").drop_nulls().unique().sort().str.join(" + "),
        pl.when(pl.col("openings_regional").is_not_null().any())
        .then(pl.col("openings_regional").sum())
        .first()
        .alias("openings_regional"),
        pl.when(openings.is_not_null().any())
        .then(openings.sum())
        .first()
        .alias("openings_national"),
        pl.col("openings_basis").drop_nulls().unique().sort().str.join(" + "),
        (100 * (pl.col("ep_emp_proj").sum() / pl.col("ep_emp_base").sum() - 1)).alias("growth_pct"),
        _weighted_median(pl.col("median_wage"), pl.col("employment")).alias("median_wage"),
        (
            score_w.then(pl.col("in_demand_score") * openings).sum() / score_w.then(openings).sum()
        ).alias("in_demand_score"),
    )
    return market.with_columns(
        pl.col("growth_pct", "in_demand_score").fill_nan(None),
        pl.col("n_occupations").cast(pl.Int64),
    ).join(postings, on=keys, how="left")


def _top_skills(
    inputs: SectorInputs, region: str, occ: pl.DataFrame, keys: list[str]
) -> pl.DataFrame:
    """The most requested skills per sector, as demand counts them (deduplicated postings)."""
    skills = inputs.demand_skills.filter(pl.col("region") == region)
    label = "skill_label" if "skill_label" in skills.columns else "skill_id"
    linked = skills.join(occ.select("onet_soc_code", *keys).unique(), on="onet_soc_code")
    totals = (
        inputs.demand.filter(pl.col("region") == region)
        .join(occ.select("onet_soc_code", *keys).unique(), on="onet_soc_code")
        .group_by(keys)
        .agg(pl.col("postings_dedup").sum().alias("_total"))
    )
    counted = (
        linked.group_by(*keys, "skill_id")
        .agg(pl.col("postings_with_skill").sum(), pl.col(label).first().alias("_label"))
        .join(totals, on=keys)
        .with_columns((pl.col("postings_with_skill") / pl.col("_total")).alias("_share"))
        .sort([*keys, "_share", "skill_id"], descending=[*[False] * len(keys), True, False])
    )
    percent = (100 * pl.col("_share")).round(0).cast(pl.Int64)
    shown = pl.format("{} ({}%)", pl.col("_label"), percent)
    return counted.group_by(keys, maintain_order=True).agg(
        shown.head(TOP_SKILLS).alias("top_skills")
    )


def _program_counts(
    inputs: SectorInputs, region: str, occ: pl.DataFrame, keys: list[str]
) -> pl.DataFrame:
    listed = inputs.programs.filter(pl.col("state") == region)
    links = program_sectors(listed, inputs.program_occupations, inputs.clusters_cip, occ).join(
        listed.select("program_id"), on="program_id"
    )
    return links.group_by(keys).agg(
        pl.col("program_id").n_unique().alias("programs"),
        pl.col("program_id").filter(pl.col("route") == "cip").n_unique().alias("programs_by_cip"),
        pl.col("program_id")
        .filter(pl.col("route") == "occupation")
        .n_unique()
        .alias("programs_by_occupation"),
    )


def build_sector_profile(
    inputs: SectorInputs, region: str, *, level: str = "cluster", cluster: str | None = None
) -> pl.DataFrame:
    """The region's sectors, ranked (columns and ranking rule: module docstring).

    ``cluster`` (a cluster or sub-cluster name, see ``resolve_cluster``) keeps that sector's
    row(s); with a cluster the ranks are still those among all the region's sectors.
    """
    keys = level_keys(level)
    region = check_region(inputs, region)
    occ = occupation_sectors(inputs.clusters_soc, inputs.onet_occupations)
    table = _aggregate(_occupation_figures(inputs, region, occ), keys)
    table = table.join(_top_skills(inputs, region, occ, keys), on=keys, how="left").join(
        _program_counts(inputs, region, occ, keys), on=keys, how="left"
    )
    table = table.with_columns(
        pl.col("top_skills").fill_null([]),
        pl.col("programs", "programs_by_cip", "programs_by_occupation").fill_null(0).cast(pl.Int64),
        pl.col("postings_dedup", "postings_raw").fill_null(0),
    )
    if "sub_cluster" not in table.columns:
        table = table.with_columns(pl.lit(None, pl.String).alias("sub_cluster"))
    table = table.sort(
        [
            pl.coalesce("openings_regional", "openings_national"),
            "postings_dedup",
            "in_demand_score",
            "cluster",
            "sub_cluster",
        ],
        descending=[True, True, True, False, False],
        nulls_last=True,
    ).with_row_index("rank", offset=1)
    table = table.with_columns(
        pl.col("rank").cast(pl.Int64),
        pl.col("openings_regional", "openings_national", "employment").round(0),
        pl.col("growth_pct", "in_demand_score").round(1),
    ).select(SECTOR_COLUMNS)
    if cluster is None:
        return table
    name, sub = resolve_cluster(inputs.clusters_soc, cluster)
    chosen = table.filter(pl.col("cluster") == name)
    if sub is not None and level == "sub_cluster":
        chosen = chosen.filter(pl.col("sub_cluster") == sub)
    return chosen
