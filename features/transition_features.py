"""Occupation-pair features and labels for the transition ranker (A -> B).

Every O*NET-SOC occupation with some content (work activities, technology skills or ESCO
skills) is a source and a target; a pair's features describe how far B is from A:

- **skill overlap, three views**, each as cosine and weighted Jaccard (weights are smoothed
  idf, so an item every occupation has counts little): detailed work activities (O*NET
  Tasks to DWAs), technology skills (UNSPSC commodities of O*NET Technology Skills), and ESCO
  skills: B's skill profile (``matching.market.skill_profiles``, ``TRANSITIONS`` weighting:
  essential 1.0, optional 0.5, of the ESCO occupations the ESCO -> O*NET crosswalk maps
  onto B). A view an occupation lacks gives NaN (missing), never 0 (no overlap).
- **preparation**: job zone difference, required-education difference (the expected O*NET
  RL category), the source's job zone (moves out of zone-1 jobs spread wider);
- **pay**: log of B's OEWS national median annual wage over A's;
- **demand for B**: BLS Employment Projections 2024-34 growth and openings per job, and B's
  employment (national figures; regional demand is ``matching.market.demand``'s job);
- **SOC hierarchy distance**: 0 same SOC 2018 detailed code (O*NET siblings), 1 same broad
  group, 2 same minor group, 3 same major group, 4 otherwise.

Labels never feed features. Two label sets (see ``cps_labels`` and ``related_labels``) and
one baseline score (``career_changer_scores``, similarity-built, never a label) live here
so that training, evaluation and the benchmark build them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import polars as pl
import scipy.sparse as sp

from matching.ingest.loaders.transitions import leave_distribution, soc2010_to_onet
from matching.market.skill_profiles import TRANSITIONS, occupation_profiles


class Tables(Protocol):
    """What features need of a bundle: ``has`` and ``table`` (``matching.ingest.bundle.Bundle``)."""

    def has(self, name: str) -> bool: ...
    def table(self, name: str) -> pl.DataFrame: ...


VIEWS = ("dwa", "tech", "esco")
FEATURES = [
    *(f"{view}_{kind}" for view in VIEWS for kind in ("cos", "wjacc")),
    "job_zone_diff",
    "source_job_zone",
    "education_diff",
    "log_wage_ratio",
    "target_growth_pct",
    "target_openings_rate",
    "target_log_emp",
    "soc_distance",
]
EXTRAS = [
    *(f"{view}_{kind}" for view in VIEWS for kind in ("shared", "source_n")),
    "wage_ratio",
    "target_emp",
]
"""Columns kept beside the features to explain a ranking in plain words."""

FEATURE_DOCS = {
    "dwa_cos": "cosine of idf-weighted detailed work activities (O*NET)",
    "dwa_wjacc": "idf-weighted Jaccard of detailed work activities",
    "tech_cos": "cosine of idf-weighted technology-skill commodities (O*NET)",
    "tech_wjacc": "idf-weighted Jaccard of technology-skill commodities",
    "esco_cos": "cosine of ESCO skills (essential 1, optional 0.5) via the ESCO crosswalk",
    "esco_wjacc": "weighted Jaccard of ESCO skills (essential 1, optional 0.5)",
    "job_zone_diff": "target job zone minus source job zone",
    "source_job_zone": "source job zone (1-5)",
    "education_diff": "target minus source expected required-education category (O*NET RL)",
    "log_wage_ratio": "log(target OEWS national median annual wage / source's)",
    "target_growth_pct": "target projected employment change 2024-34, percent (BLS EP)",
    "target_openings_rate": "target annual openings per job (BLS EP)",
    "target_log_emp": "log target employment (BLS EP base year)",
    "soc_distance": "SOC 2018 hierarchy distance 0 (same detailed) .. 4 (other major group)",
}
TIER_GRADES = {"primary-short": 3, "primary-long": 2, "supplemental": 1}


# --------------------------------------------------------------------------- occupation content


@dataclass
class OccupationContent:
    """Per-occupation content: item matrices per view and scalar attributes, same row order."""

    codes: list[str]
    views: dict[str, sp.csr_matrix]  # occupations x items, values in (0, 1]
    scalars: pl.DataFrame  # onet_soc_code, title, soc2018_code, job_zone, education, ...

    @property
    def index(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.codes)}


def _item_matrix(pairs: pl.DataFrame, codes: list[str]) -> sp.csr_matrix:
    """(onet_soc_code, item, weight) rows -> occupations x items, max weight per cell."""
    pairs = pairs.group_by("onet_soc_code", "item").agg(pl.col("weight").max())
    items = sorted(pairs["item"].unique().to_list())
    row = {c: i for i, c in enumerate(codes)}
    col = {v: j for j, v in enumerate(items)}
    pairs = pairs.filter(pl.col("onet_soc_code").is_in(codes))
    r = [row[c] for c in pairs["onet_soc_code"].to_list()]
    k = [col[v] for v in pairs["item"].to_list()]
    return sp.csr_matrix(
        (pairs["weight"].to_numpy().astype(np.float64), (r, k)), shape=(len(codes), len(items))
    )


def _view_items(bundle: Tables) -> dict[str, pl.DataFrame]:
    """Each view as (onet_soc_code, item, weight) rows, for the views the bundle has."""
    out: dict[str, pl.DataFrame] = {}
    if bundle.has("onet_tasks_to_dwas"):
        out["dwa"] = bundle.table("onet_tasks_to_dwas").select(
            "onet_soc_code", pl.col("dwa_id").alias("item"), pl.lit(1.0).alias("weight")
        )
    if bundle.has("onet_technology_skills"):
        out["tech"] = bundle.table("onet_technology_skills").select(
            "onet_soc_code", pl.col("commodity_code").alias("item"), pl.lit(1.0).alias("weight")
        )
    links = _esco_links(bundle)
    if links is not None:
        profiles = occupation_profiles(TRANSITIONS, esco_links=links)
        out["esco"] = pl.DataFrame(
            {
                "onet_soc_code": [c for c, p in profiles.items() for _ in p],
                "item": [s for p in profiles.values() for s in p],
                "weight": [w for p in profiles.values() for w in p.values()],
            },
            schema={"onet_soc_code": pl.String, "item": pl.String, "weight": pl.Float64},
        )
    return {k: v for k, v in out.items() if not v.is_empty()}


def _esco_links(bundle: Tables) -> pl.DataFrame | None:
    """``skill_uri, onet_soc_code, n_essential`` (the shape of ``SkillTaxonomy.soc_links``)
    from the ESCO occupations the crosswalk maps at occupation level, None without them."""
    needed = ("xwalk_esco_onet", "esco_occupations", "esco_occupation_skills")
    if not all(bundle.has(t) for t in needed):
        return None
    xwalk = (
        bundle.table("xwalk_esco_onet")
        .filter(pl.col("esco_level") == "occupation")
        .select("esco_code", "onet_soc_code")
    )
    occ = bundle.table("esco_occupations").select(
        pl.col("code").alias("esco_code"), "occupation_uri"
    )
    skills = bundle.table("esco_occupation_skills").select(
        "occupation_uri", "skill_uri", (pl.col("relation_type") == "essential").alias("essential")
    )
    return (
        xwalk.join(occ, on="esco_code")
        .join(skills, on="occupation_uri")
        .group_by("skill_uri", "onet_soc_code")
        .agg(pl.col("essential").sum().alias("n_essential"))
    )


def _education(bundle: Tables) -> pl.DataFrame:
    """Expected O*NET 'Required Level of Education' category (1-12) per occupation."""
    if not bundle.has("onet_education"):
        return pl.DataFrame(schema={"onet_soc_code": pl.String, "education": pl.Float64})
    rl = bundle.table("onet_education").filter(
        (pl.col("scale_id") == "RL")
        & pl.col("category").is_not_null()
        & pl.col("data_value").is_not_null()
    )
    return rl.group_by("onet_soc_code").agg(
        ((pl.col("category") * pl.col("data_value")).sum() / pl.col("data_value").sum()).alias(
            "education"
        )
    )


def _by_soc(frame: pl.DataFrame, key: str, values: list[str]) -> pl.DataFrame:
    """Values by SOC 2018 code, with broad-group rows ('NN-NNN0') as the fallback."""
    return frame.select(pl.col(key).alias("_soc"), *values).unique("_soc", keep="first")


def _labor(bundle: Tables, occ: pl.DataFrame) -> pl.DataFrame:
    """Wage, employment, growth and openings per occupation (detailed SOC, else its broad)."""
    frames = []
    if bundle.has("oews"):
        oews = (
            bundle.table("oews")
            .filter(pl.col("area_type") == 1)
            .select("occ_code", pl.coalesce("a_median", "a_mean").alias("wage"))
        )
        frames.append(_by_soc(oews, "occ_code", ["wage"]))
    if bundle.has("ep_projections"):
        ep = bundle.table("ep_projections").select(
            "soc_code",
            (pl.col("emp_base_k") * 1000).alias("emp"),
            pl.col("emp_change_pct").alias("growth_pct"),
            (pl.col("annual_openings_k") / pl.col("emp_base_k")).alias("openings_rate"),
            pl.col("median_annual_wage").alias("ep_wage"),
        )
        frames.append(_by_soc(ep, "soc_code", ["emp", "growth_pct", "openings_rate", "ep_wage"]))
    out = occ.select("onet_soc_code", "soc2018_code").with_columns(
        (pl.col("soc2018_code").str.slice(0, 6) + "0").alias("_broad")
    )
    for frame in frames:
        values = [c for c in frame.columns if c != "_soc"]
        detailed = out.join(frame, left_on="soc2018_code", right_on="_soc", how="left")
        broad = out.join(frame, left_on="_broad", right_on="_soc", how="left")
        out = detailed.with_columns(pl.coalesce(pl.col(v), broad[v]).alias(v) for v in values)
    for name in ("wage", "emp", "growth_pct", "openings_rate", "ep_wage"):
        if name not in out.columns:
            out = out.with_columns(pl.lit(None, pl.Float64).alias(name))
    return out.select(
        "onet_soc_code",
        pl.coalesce("wage", "ep_wage").alias("wage"),
        "emp",
        "growth_pct",
        "openings_rate",
    )


def occupation_content(bundle: Tables) -> OccupationContent:
    """Every O*NET-SOC occupation with content in at least one view, with its attributes
    (the views as item matrices; the ESCO view is the occupation's skill profile)."""
    views = _view_items(bundle)
    if not views:
        raise ValueError(
            "the bundle has no O*NET work activities, technology skills or ESCO "
            "skills: transition features need at least one of them"
        )
    occ = bundle.table("onet_occupations")
    if "soc2018_code" not in occ.columns:
        occ = occ.with_columns(pl.col("onet_soc_code").str.slice(0, 7).alias("soc2018_code"))
    known = set(occ["onet_soc_code"].to_list())
    codes = sorted(
        known & set().union(*(set(v["onet_soc_code"].to_list()) for v in views.values()))
    )
    matrices = {name: _item_matrix(items, codes) for name, items in views.items()}
    zones = (
        bundle.table("onet_job_zones").select("onet_soc_code", "job_zone")
        if bundle.has("onet_job_zones")
        else pl.DataFrame(schema={"onet_soc_code": pl.String, "job_zone": pl.Int64})
    )
    scalars = (
        pl.DataFrame({"onet_soc_code": codes})
        .join(
            occ.select("onet_soc_code", "title", "soc2018_code"),
            on="onet_soc_code",
            how="left",
            maintain_order="left",
        )
        .join(zones.unique("onet_soc_code"), on="onet_soc_code", how="left", maintain_order="left")
        .join(_education(bundle), on="onet_soc_code", how="left", maintain_order="left")
        .join(_labor(bundle, occ), on="onet_soc_code", how="left", maintain_order="left")
    )
    return OccupationContent(codes, matrices, scalars)


# --------------------------------------------------------------------------- similarities


def _idf(matrix: sp.csr_matrix) -> np.ndarray:
    df = np.asarray((matrix > 0).sum(axis=0)).ravel()
    n = matrix.shape[0]
    return np.log((1.0 + n) / (1.0 + df))


def view_similarity(matrix: sp.csr_matrix) -> dict[str, np.ndarray]:
    """Dense occupation x occupation cosine, weighted Jaccard and shared-item counts.

    Weighted Jaccard is sum_j w_j min(a_j, b_j) / sum_j w_j max(a_j, b_j). For values on a
    few levels (1, or 0.5 and 1) the min splits into level indicators,
    min(a, b) = sum_l d_l [a >= t_l][b >= t_l], so it is a sum of sparse products instead
    of an N x N x items loop. Rows without items give NaN.
    """
    w = _idf(matrix)
    weighted = matrix @ sp.diags(w)
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    empty = norms == 0
    unit = sp.diags(np.where(empty, 0.0, 1.0 / np.where(empty, 1.0, norms))) @ weighted
    cos = (unit @ unit.T).toarray()
    levels = sorted({float(v) for v in np.unique(matrix.data) if v > 0})
    summin = np.zeros(cos.shape)
    previous = 0.0
    for level in levels:
        indicator = (matrix >= level).astype(np.float64)
        summin += (level - previous) * (indicator @ sp.diags(w) @ indicator.T).toarray()
        previous = level
    mass = np.asarray(weighted.sum(axis=1)).ravel()
    union = mass[:, None] + mass[None, :] - summin
    with np.errstate(invalid="ignore", divide="ignore"):
        wjacc = np.where(union > 0, summin / union, 0.0)
    binary = (matrix > 0).astype(np.float64)
    shared = (binary @ binary.T).toarray()
    count = np.asarray(binary.sum(axis=1)).ravel()
    for array in (cos, wjacc):
        array[empty, :] = np.nan
        array[:, empty] = np.nan
    return {
        "cos": cos,
        "wjacc": wjacc,
        "shared": shared,
        "source_n": np.repeat(count[:, None], len(count), axis=1),
    }


def _soc_distance(soc: list[str | None]) -> np.ndarray:
    """0 same detailed, 1 same broad (6 chars), 2 same minor (4), 3 same major (2), 4 else."""
    codes = np.array([s or "??-????" for s in soc])
    distance = np.full((len(codes), len(codes)), 4, dtype=np.int8)
    for width, value in ((2, 3), (4, 2), (6, 1), (7, 0)):
        prefix = np.array([c[:width] for c in codes])
        distance[prefix[:, None] == prefix[None, :]] = value
    return distance


def pair_features(content: OccupationContent, sources: list[str] | None = None) -> pl.DataFrame:
    """One row per (source, target) with source != target: FEATURES and EXTRAS.

    ``sources`` limits the rows to those source occupations (all of them by default).
    """
    index = content.index
    rows = (
        np.arange(len(content.codes))
        if sources is None
        else np.array([index[s] for s in sources if s in index], dtype=np.int64)
    )
    n = len(content.codes)
    src = np.repeat(rows, n)
    tgt = np.tile(np.arange(n), len(rows))
    keep = src != tgt
    src, tgt = src[keep], tgt[keep]
    codes = np.array(content.codes)
    columns: dict[str, np.ndarray] = {"source_code": codes[src], "target_code": codes[tgt]}
    for view in VIEWS:
        if view in content.views:
            sims = view_similarity(content.views[view])
            for kind, matrix in sims.items():
                columns[f"{view}_{kind}"] = matrix[src, tgt]
        else:
            for kind in ("cos", "wjacc", "shared", "source_n"):
                columns[f"{view}_{kind}"] = np.full(len(src), np.nan)
    s = content.scalars
    zone = s["job_zone"].cast(pl.Float64).to_numpy()
    education = s["education"].to_numpy()
    wage = s["wage"].to_numpy()
    emp = s["emp"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        columns.update(
            {
                "job_zone_diff": zone[tgt] - zone[src],
                "source_job_zone": zone[src],
                "education_diff": education[tgt] - education[src],
                "wage_ratio": wage[tgt] / wage[src],
                "log_wage_ratio": np.log(wage[tgt] / wage[src]),
                "target_growth_pct": s["growth_pct"].to_numpy()[tgt],
                "target_openings_rate": s["openings_rate"].to_numpy()[tgt],
                "target_emp": emp[tgt],
                "target_log_emp": np.log1p(emp[tgt]),
                "soc_distance": _soc_distance(s["soc2018_code"].to_list())[src, tgt].astype(
                    np.float64
                ),
            }
        )
    frame = pl.DataFrame(columns)
    floats = [c for c in frame.columns if c not in ("source_code", "target_code")]
    return frame.with_columns(pl.col(c).cast(pl.Float64).fill_nan(None) for c in floats).select(
        "source_code", "target_code", *FEATURES, *EXTRAS
    )


# --------------------------------------------------------------------------- labels


@dataclass
class CpsLabels:
    """Observed moves at O*NET-SOC level, how each occupation maps to CPS cells, and groups.

    ``pairs``: source_code, target_code, p_leave (share of the source's leavers that move
    to the target's cells) for observed pairs; ``same_cell``: (source_code, target_code)
    pairs that share a CPS cell: the stay-put diagonal we dropped, so unlabeled, neither
    positive nor negative; ``sources``: O*NET occupations with an observed leave
    distribution; ``groups``: occupation -> group id, connected through shared cells.
    """

    pairs: pl.DataFrame
    same_cell: pl.DataFrame
    sources: list[str]
    groups: dict[str, str]
    unmapped: int


def cps_labels(bundle: Tables) -> CpsLabels:
    """CPS ASEC observed moves, brought from SOC 2010 / OES cells to O*NET-SOC occupations.

    Disaggregation (the survey cannot tell which O*NET occupation inside a cell a person
    held): a source occupation inherits the leave distribution of its cell; when it sits in
    several cells (15-1252 collects 15-1132 and 15-1133), their distributions are averaged
    weighted by the cells' employment. A target occupation receives the summed probability
    of the cells it belongs to, undivided when a cell spans several occupations (each is an
    equally plausible destination; dividing would rank targets by how finely O*NET splits
    them). Pairs inside one cell are the dropped diagonal and stay unlabeled.
    """
    moves = leave_distribution(bundle.table("mobility_transitions"))
    codes = pl.concat([moves["source_soc2010"], moves["target_soc2010"]]).unique()
    mapping, report = soc2010_to_onet(
        codes, bundle.table("xwalk_onet2010_soc2018"), bundle.table("onet_occupations")
    )
    cells = mapping.select("soc2010_code", "onet_soc_code")
    weights = (
        moves.group_by("source_soc2010")
        .agg(pl.col("source_emp").first())
        .with_columns(pl.col("source_emp").fill_null(1.0).clip(lower_bound=1.0))
    )
    source_cells = cells.join(weights, left_on="soc2010_code", right_on="source_soc2010").rename(
        {"onet_soc_code": "source_code", "source_emp": "w"}
    )
    total = source_cells.group_by("source_code").agg(pl.col("w").sum().alias("w_total"))
    pairs = (
        source_cells.join(
            moves.select("source_soc2010", "target_soc2010", "p_leave"),
            left_on="soc2010_code",
            right_on="source_soc2010",
        )
        .join(
            cells.rename({"soc2010_code": "target_soc2010", "onet_soc_code": "target_code"}),
            on="target_soc2010",
        )
        .group_by("source_code", "target_code")
        .agg((pl.col("w") * pl.col("p_leave")).sum().alias("mass"))
        .join(total, on="source_code")
        .select("source_code", "target_code", (pl.col("mass") / pl.col("w_total")).alias("p_leave"))
    )
    same = (
        cells.rename({"onet_soc_code": "source_code"})
        .join(cells.rename({"onet_soc_code": "target_code"}), on="soc2010_code")
        .filter(pl.col("source_code") != pl.col("target_code"))
        .select("source_code", "target_code")
        .unique()
    )
    pairs = (
        pairs.join(same, on=["source_code", "target_code"], how="anti")
        .filter(pl.col("source_code") != pl.col("target_code"))
        .sort("source_code", "target_code")
    )
    return CpsLabels(
        pairs,
        same,
        sorted(source_cells["source_code"].unique().to_list()),
        _components(cells),
        len(report.rejects),
    )


def _components(cells: pl.DataFrame) -> dict[str, str]:
    """Occupations linked by sharing a CPS cell form one group (named by its first code)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for cell, code in cells.sort("soc2010_code", "onet_soc_code").iter_rows():
        a, b = find("cell:" + cell), find(code)
        if a != b:
            parent[max(a, b)] = min(a, b)
    members: dict[str, list[str]] = {}
    for code in cells["onet_soc_code"].unique().to_list():
        members.setdefault(find(code), []).append(code)
    return {code: min(group) for group in members.values() for code in group}


def source_groups(codes: list[str], labels: CpsLabels) -> list[str]:
    """Split groups: CPS-cell components; an occupation in no cell is its own SOC group."""
    return [labels.groups.get(c, c[:7]) for c in codes]


def grade_moves(p_leave: pl.Expr, thresholds: tuple[float, float] = (0.05, 0.015)) -> pl.Expr:
    """Relevance grade of an observed move: 3 if at least ``thresholds[0]`` of the source's
    leavers go there, 2 if at least ``thresholds[1]``, 1 if observed at all, 0 if not."""
    high, mid = thresholds
    return (
        pl.when(p_leave >= high)
        .then(3)
        .when(p_leave >= mid)
        .then(2)
        .when(p_leave > 0)
        .then(1)
        .otherwise(0)
    ).cast(pl.Int32)


def related_labels(bundle: Tables) -> pl.DataFrame:
    """O*NET Related Occupations as graded relevance: primary-short 3, primary-long 2,
    supplemental 1 (expert-curated relatedness, not observed moves)."""
    related = bundle.table("onet_related_occupations")
    tier = pl.col("relatedness_tier").str.to_lowercase().str.strip_chars()
    return (
        related.select(
            pl.col("onet_soc_code").alias("source_code"),
            pl.col("related_onet_soc_code").alias("target_code"),
            tier.replace_strict(TIER_GRADES, default=1, return_dtype=pl.Int32).alias(
                "related_grade"
            ),
        )
        .filter(pl.col("source_code") != pl.col("target_code"))
        .group_by("source_code", "target_code")
        .agg(pl.col("related_grade").max())
    )


def career_changer_scores(bundle: Tables) -> pl.DataFrame:
    """The O*NET Career Changers matrix at O*NET-SOC level: a baseline score, never a label.

    A pair scores the Career Changers probability between its cells (averaged over the
    source's cells, summed over the target's); self-loops give O*NET siblings their cell's
    self-loop score.
    """
    if not bundle.has("career_changers"):
        return pl.DataFrame(
            schema={
                "source_code": pl.String,
                "target_code": pl.String,
                "career_changers": pl.Float64,
            }
        )
    cc = bundle.table("career_changers")
    codes = pl.concat([cc["source_soc2010"], cc["target_soc2010"]]).unique()
    mapping, _ = soc2010_to_onet(
        codes, bundle.table("xwalk_onet2010_soc2018"), bundle.table("onet_occupations")
    )
    cells = mapping.select("soc2010_code", "onet_soc_code")
    n_cells = cells.group_by("onet_soc_code").agg(pl.len().alias("k"))
    return (
        cells.rename({"onet_soc_code": "source_code"})
        .join(
            cc.select("source_soc2010", "target_soc2010", "prob"),
            left_on="soc2010_code",
            right_on="source_soc2010",
        )
        .join(
            cells.rename({"soc2010_code": "target_soc2010", "onet_soc_code": "target_code"}),
            on="target_soc2010",
        )
        .join(n_cells.rename({"onet_soc_code": "source_code"}), on="source_code")
        .group_by("source_code", "target_code")
        .agg((pl.col("prob") / pl.col("k")).sum().alias("career_changers"))
        .filter(pl.col("source_code") != pl.col("target_code"))
    )
