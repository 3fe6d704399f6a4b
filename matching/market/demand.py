"""Regional employer demand per occupation: deduplicated posting counts, skills, pay and an
in-demand score a person can read.

Inputs are plain frames so every step is testable alone; occupation assignment and skill
extraction come from other stages (``matching.nlp.titles``, the extraction pipeline) and are
passed in:

- ``postings``: the bundle's ``postings`` table (``posting_id``, ``title``, ``description``,
  ``city``, ``state``, ``county_fips``, ``remote``, ``pay_*``, ``currency``, ``date_posted``).
- ``occupation_of_posting``: ``posting_id, onet_soc_code, score``; several rows per posting are
  allowed (top-k), the highest score wins (ties: the smaller code); a row with a null code
  (a title the normalizer is not confident about) leaves the posting ``unassigned``.
- ``skills_of_posting``: ``posting_id, skill_id, score`` (extra columns such as
  ``skill_label`` are carried into the skills table); may be None.
- ``oews``: the bundle's ``oews`` table (national rows ``area_type == 1``; state rows
  ``area_type == 2`` with ``prim_state`` and the state FIPS code in ``area``).
- ``ep_projections``: the bundle's ``ep_projections`` table.

Regions (``region_level``):

- ``state`` (default): the posting's 2-letter ``state``;
- ``county``: the posting's 5-digit ``county_fips``. There is no ZIP-to-county table in the
  bundle, so postings with a ZIP but no county FIPS are not placed in a county (counted as
  ``zip_without_county`` in the report); county rows use the OEWS figures of their state
  (first two FIPS digits) when the state file is loaded, else national ones;
- ``national``: every posting in one region ``US``.

Postings without a region (no state, e.g. "United States" or remote-only ads; no county FIPS
at county level) are **kept** under region ``unknown`` and counted in the report
(``no_location``, of which ``no_location_remote``); they are never silently dropped. Postings
without an occupation are kept under occupation ``unassigned`` and counted too.

Table ``DemandResult.table`` (one row per region x O*NET-SOC occupation):

====================  ========  =========================================================
region_level          String    state | county | national
region                String    "NJ", "34021", "US" or "unknown"
onet_soc_code         String    O*NET-SOC 2019 code or "unassigned"
occupation_title      String    O*NET title (else OEWS / EP title)
soc2018_code          String    the SOC 2018 detailed code used for OEWS and EP
postings_raw          Int64     postings in the cell, duplicates included
postings_dedup        Int64     near-duplicate clusters counted once (see below)
clusters_touching     Int64     distinct clusters with at least one posting in the cell
dedup_ci_low/high     Float64   exact (Garwood) Poisson interval on ``postings_dedup``
pay_n                 Int64     deduplicated postings with plausible advertised pay
pay_hourly_median     Float64   median advertised pay, $/hour (``matching.market.pay``)
pay_annual_median     Float64   the same in $/year (2,080 hours)
oews_source           String    "state:NJ" | "national" | null (no OEWS row)
oews_match            String    "detailed" | "broad" (OEWS publishes some broad codes only)
oews_tot_emp          Int64     OEWS employment
oews_h_median         Float64   OEWS median hourly wage
oews_a_pct10..90      Float64   OEWS annual wage percentiles 10, 25, 50 (median), 75, 90
ep_growth_pct         Float64   BLS EP employment change 2024-34, percent
ep_annual_openings    Float64   BLS EP annual openings (national, jobs per year)
ep_median_wage        Float64   BLS EP median annual wage
entry_education       String    EP typical education needed for entry
on_the_job_training   String    EP typical on-the-job training
occupation_wage       Float64   OEWS annual median, else EP median wage
regional_median_wage  Float64   OEWS all-occupations annual median of the same area
wage_ratio            Float64   occupation_wage / regional_median_wage
openings_pctile       Float64   0-1, see the score
growth_pctile         Float64   0-1
wage_pctile           Float64   0-1
score_components      Int64     how many of the three components were available
in_demand_score       Float64   0-100
====================  ========  =========================================================

Deduplication (``matching.market.dedup``): every near-duplicate cluster is counted once, in the
cell of its *canonical* posting (the first by: known region, assigned occupation, earliest
``date_posted``, smallest ``posting_id``), so ``postings_dedup`` sums to the number of
clusters. ``clusters_touching`` counts a cluster in every cell where one of its postings is
(the same ad in two states counts in both). Skill shares and pay use the same canonical cell.

Confidence band: the deduplicated count is treated as a Poisson count of ads over the
collection window; ``dedup_ci_low/high`` is the exact (Garwood) interval
``[chi2.ppf(a/2, 2k)/2, chi2.ppf(1-a/2, 2k+2)/2]`` (a = 1 - ``confidence``, default 95%);
for k = 0 the lower bound is 0. It says how much the count could move with another sample
of the same length, not how representative the posting source is.

In-demand score (per row; each component is a column, so a person can see why):

- ``openings_pctile``: share of all detailed EP occupations with fewer annual openings
  (mid-rank: ties count half);
- ``growth_pctile``: the same for EP growth 2024-34;
- ``wage_pctile``: the same for ``wage_ratio`` among all detailed OEWS occupations of the
  same area (the region's state when OEWS has it, else national). Dividing by the regional
  median makes the figure readable ("1.3x the regional median") and comparable across
  regions; within one area the rank equals the rank of the wage itself.

``in_demand_score = 100 x mean(available components)``, ``score_components`` says how many
were available (null score when none). Posting counts are deliberately not in the score:
they depend on which boards were scraped; they sit beside it.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import polars as pl
from scipy.stats import chi2

from matching.market.dedup import DedupResult, find_duplicates
from matching.market.pay import normalize_pay, pay_flag_counts, pay_status_counts

REGION_LEVELS = ("state", "county", "national")
UNKNOWN_REGION = "unknown"
NATIONAL_REGION = "US"
UNASSIGNED = "unassigned"
OEWS_WAGES = ("a_pct10", "a_pct25", "a_median", "a_pct75", "a_pct90")
STATE_CODES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
    "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR VI GU AS MP".split()
)
STATE_FIPS = dict(
    zip(
        "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
        "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR".split(),
        "01 02 04 05 06 08 09 10 11 12 13 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 "
        "34 35 36 37 38 39 40 41 42 44 45 46 47 48 49 50 51 53 54 55 56 72".split(),
        strict=True,
    )
)


class DemandLookupError(ValueError):
    """An unknown region or occupation code; ``valid`` lists what the table holds."""

    def __init__(self, message: str, valid: Sequence[str]) -> None:
        super().__init__(message)
        self.valid = list(valid)


@dataclass
class DemandReport:
    """Counts of everything that was set aside, repaired or could not be joined."""

    region_level: str
    postings: int = 0
    no_location: int = 0
    no_location_remote: int = 0
    zip_without_county: int = 0
    no_occupation: int = 0
    occupation_rows_unknown_posting: int = 0
    skill_rows: int = 0
    skill_rows_unknown_posting: int = 0
    skill_rows_below_min_score: int = 0
    no_confident_title: int = 0
    pay_status: dict[str, int] = field(default_factory=dict)
    pay_flags: dict[str, int] = field(default_factory=dict)
    dedup: dict[str, object] = field(default_factory=dict)
    regions: int = 0
    cells: int = 0
    occupations_without_oews: list[str] = field(default_factory=list)
    occupations_without_ep: list[str] = field(default_factory=list)
    oews_sources: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict[str, object]:
        return dict(self.__dict__)

    def lines(self) -> list[str]:
        """A short human-readable account, for CLIs and benchmark output."""
        d = self.dedup
        return [
            f"postings: {self.postings} ({self.region_level} level, {self.regions} regions, "
            f"{self.cells} region x occupation rows)",
            f"deduplicated: {d.get('clusters')} clusters, {d.get('duplicates_removed')} "
            f"near-duplicates counted once",
            f"no usable location: {self.no_location} (of which remote: "
            f"{self.no_location_remote}) -> region '{UNKNOWN_REGION}'"
            + (
                f"; ZIP but no county FIPS: {self.zip_without_county}"
                if self.region_level == "county"
                else ""
            ),
            f"no occupation: {self.no_occupation} -> occupation '{UNASSIGNED}' (of which "
            f"title not confidently matched: {self.no_confident_title})",
            "pay: " + ", ".join(f"{k} {v}" for k, v in self.pay_status.items()),
            *(f"  pay flag: {k}: {v}" for k, v in self.pay_flags.items()),
            f"skill rows: {self.skill_rows} (unknown posting {self.skill_rows_unknown_posting}, "
            f"below min score {self.skill_rows_below_min_score})",
            f"occupations without OEWS: {len(self.occupations_without_oews)}, without EP: "
            f"{len(self.occupations_without_ep)}",
        ]


@dataclass
class DemandResult:
    """``table`` and ``skills_table`` (see the module docstring), ``postings``: one row per
    posting with its region, occupation, cluster and normalized pay, and the report."""

    table: pl.DataFrame
    skills_table: pl.DataFrame
    report: DemandReport
    postings: pl.DataFrame


# ----------------------------------------------------------------------------- helpers


def garwood_interval(counts: np.ndarray, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact Poisson interval for counts ``k``: (chi2(a/2, 2k)/2, chi2(1-a/2, 2k+2)/2)."""
    k = np.asarray(counts, dtype=float)
    alpha = 1.0 - confidence
    low = np.where(k > 0, chi2.ppf(alpha / 2, np.maximum(2 * k, 1e-9)) / 2, 0.0)
    high = chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
    return low, high


def percentile_rank(values: pl.Series | np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Mid-rank percentile of each value in ``reference`` (share below + half the ties);
    NaN for null values or an empty reference."""
    x = np.asarray(pl.Series(values).cast(pl.Float64).fill_null(np.nan).to_numpy(), dtype=float)
    ref = np.sort(np.asarray(reference, dtype=float)[~np.isnan(reference)])
    if ref.size == 0:
        return np.full(x.shape, np.nan)
    below = np.searchsorted(ref, x, side="left")
    at_or_below = np.searchsorted(ref, x, side="right")
    out = (below + 0.5 * (at_or_below - below)) / ref.size
    return np.where(np.isnan(x), np.nan, out)


def _broad(code: pl.Expr) -> pl.Expr:
    """SOC broad group of a detailed code: 31-1131 -> 31-1130."""
    return code.str.slice(0, 6) + pl.lit("0")


def _region_expr(level: str) -> pl.Expr:
    if level == "state":
        state = pl.col("state").str.strip_chars().str.to_uppercase()
        return pl.when(state.is_in(list(STATE_CODES))).then(state).otherwise(pl.lit(UNKNOWN_REGION))
    if level == "county":
        fips = pl.col("county_fips").str.strip_chars()
        return pl.when(fips.str.contains(r"^\d{5}$")).then(fips).otherwise(pl.lit(UNKNOWN_REGION))
    return pl.lit(NATIONAL_REGION)


def _ensure(
    frame: pl.DataFrame, columns: Mapping[str, pl.DataType | type[pl.DataType]]
) -> pl.DataFrame:
    missing = {c: t for c, t in columns.items() if c not in frame.columns}
    return frame.with_columns(pl.lit(None, t).alias(c) for c, t in missing.items())


def _top_occupation(occupations: pl.DataFrame | None) -> pl.DataFrame:
    if occupations is None or occupations.height == 0:
        return pl.DataFrame(
            schema={
                "posting_id": pl.String,
                "onet_soc_code": pl.String,
                "occupation_score": pl.Float64,
            }
        )
    occ = _ensure(occupations, {"score": pl.Float64})
    return (
        occ.filter(pl.col("onet_soc_code").is_not_null())
        .sort(
            ["posting_id", "score", "onet_soc_code"],
            descending=[False, True, False],
            nulls_last=True,
        )
        .unique("posting_id", keep="first", maintain_order=True)
        .select(
            "posting_id",
            "onet_soc_code",
            pl.col("score").cast(pl.Float64).alias("occupation_score"),
        )
    )


# ----------------------------------------------------------------------------- reference data


def _oews_reference(oews: pl.DataFrame, level: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(occupation rows keyed by ``oews_key`` + ``occ_code``, area medians keyed by
    ``oews_key``). ``oews_key`` is the state code or county-state FIPS for state rows and
    ``national`` for national rows."""
    o = _ensure(
        oews,
        {
            "area_type": pl.Int64,
            "prim_state": pl.String,
            "area": pl.String,
            "tot_emp": pl.Int64,
            "h_median": pl.Float64,
            "occ_title": pl.String,
            **{c: pl.Float64 for c in OEWS_WAGES},
        },
    )
    state_key = pl.col("area") if level == "county" else pl.col("prim_state")
    key = (
        pl.when(pl.col("area_type") == 1)
        .then(pl.lit("national"))
        .when(pl.col("area_type") == 2)
        .then(state_key)
        .otherwise(pl.lit(None, pl.String))
    )
    rows = (
        o.with_columns(
            key.alias("oews_key"),
            pl.when(pl.col("area_type") == 1)
            .then(pl.lit("national"))
            .otherwise(pl.lit("state:") + pl.col("prim_state"))
            .alias("oews_source"),
        )
        .filter(pl.col("oews_key").is_not_null())
        .unique(["oews_key", "occ_code"], keep="first", maintain_order=True)
    )
    medians = rows.filter(pl.col("occ_code") == "00-0000").select(
        "oews_key", pl.col("a_median").alias("regional_median_wage")
    )
    detail = rows.filter(pl.col("occ_code") != "00-0000").select(
        "oews_key",
        "occ_code",
        "oews_source",
        "occ_title",
        pl.col("tot_emp").cast(pl.Int64).alias("oews_tot_emp"),
        pl.col("h_median").alias("oews_h_median"),
        *[pl.col(c).alias(f"oews_{c}") for c in OEWS_WAGES],
    )
    return detail, medians


def _region_keys(regions: pl.Series, level: str, state_keys: set[str]) -> pl.DataFrame:
    """Each region's OEWS area key: its state (or county's state FIPS) when OEWS has it."""
    rows = []
    for region in regions.unique().sort().to_list():
        candidate = None
        if level == "state":
            candidate = region
        elif level == "county" and region != UNKNOWN_REGION:
            candidate = region[:2]
        rows.append((region, candidate if candidate in state_keys else "national"))
    return pl.DataFrame(rows, schema={"region": pl.String, "oews_key": pl.String}, orient="row")


def _join_oews(
    table: pl.DataFrame, detail: pl.DataFrame, medians: pl.DataFrame, level: str
) -> pl.DataFrame:
    state_keys = set(detail.get_column("oews_key").unique().to_list()) - {"national"}
    keys = _region_keys(table.get_column("region"), level, state_keys)
    t = table.join(keys, on="region", how="left")
    value_cols = [c for c in detail.columns if c not in ("oews_key", "occ_code")]
    attempts = [
        ("oews_key", "soc2018_code", "detailed"),
        ("oews_key", "_broad", "broad"),
        ("_national", "soc2018_code", "detailed"),
        ("_national", "_broad", "broad"),
    ]
    t = t.with_columns(
        _broad(pl.col("soc2018_code")).alias("_broad"), pl.lit("national").alias("_national")
    )
    parts = [
        t.select("region", "onet_soc_code", area_col, code_col)
        .join(detail, left_on=[area_col, code_col], right_on=["oews_key", "occ_code"], how="inner")
        .select(
            "region",
            "onet_soc_code",
            *value_cols,
            pl.lit(match).alias("oews_match"),
            pl.lit(i).alias("_try"),
        )
        for i, (area_col, code_col, match) in enumerate(attempts)
    ]
    found = (
        pl.concat(parts)
        .sort("_try")
        .unique(["region", "onet_soc_code"], keep="first")
        .drop("_try")
        .rename({"occ_title": "oews_title"})
    )
    t = t.join(found, on=["region", "onet_soc_code"], how="left").join(
        medians, on="oews_key", how="left"
    )
    national_median = medians.filter(pl.col("oews_key") == "national")
    if national_median.height:
        t = t.with_columns(
            pl.col("regional_median_wage").fill_null(
                national_median.item(0, "regional_median_wage")
            )
        )
    return t.drop("_broad", "_national")


def _join_ep(table: pl.DataFrame, ep: pl.DataFrame) -> tuple[pl.DataFrame, np.ndarray, np.ndarray]:
    e = _ensure(
        ep,
        {
            "occupation_type": pl.String,
            "emp_change_pct": pl.Float64,
            "annual_openings_k": pl.Float64,
            "median_annual_wage": pl.Float64,
            "entry_education": pl.String,
            "on_the_job_training": pl.String,
            "title": pl.String,
        },
    )
    items = e.filter(
        (pl.col("occupation_type") == "Line item")
        | (pl.col("occupation_type").is_null() & ~pl.col("soc_code").str.ends_with("0000"))
    )
    items = items.unique("soc_code", keep="first", maintain_order=True).select(
        "soc_code",
        pl.col("title").alias("ep_title"),
        pl.col("emp_change_pct").alias("ep_growth_pct"),
        (pl.col("annual_openings_k") * 1000).alias("ep_annual_openings"),
        pl.col("median_annual_wage").alias("ep_median_wage"),
        "entry_education",
        "on_the_job_training",
    )
    detailed = (
        table.select("soc2018_code")
        .unique()
        .join(items, left_on="soc2018_code", right_on="soc_code", how="inner")
    )
    broad = (
        table.select("soc2018_code")
        .unique()
        .with_columns(_broad(pl.col("soc2018_code")).alias("_b"))
        .join(items, left_on="_b", right_on="soc_code", how="inner")
        .drop("_b")
    )
    matched = pl.concat(
        [detailed, broad.join(detailed.select("soc2018_code"), on="soc2018_code", how="anti")]
    )
    openings = items.get_column("ep_annual_openings").drop_nulls().to_numpy()
    growth = items.get_column("ep_growth_pct").drop_nulls().to_numpy()
    return table.join(matched, on="soc2018_code", how="left"), openings, growth


def _wage_pctile(table: pl.DataFrame, detail: pl.DataFrame, medians: pl.DataFrame) -> np.ndarray:
    """Rank of each row's wage ratio among the ratios of its OEWS area's occupations."""
    ratios = detail.join(medians, on="oews_key", how="inner").with_columns(
        (pl.col("oews_a_median") / pl.col("regional_median_wage")).alias("r")
    )
    out = np.full(table.height, np.nan)
    keys = table.get_column("oews_key").fill_null("national").to_numpy()
    wage_ratio = table.get_column("wage_ratio")
    for key in np.unique(keys):
        ref = ratios.filter(pl.col("oews_key") == key).get_column("r").drop_nulls().to_numpy()
        if ref.size == 0:
            ref = (
                ratios.filter(pl.col("oews_key") == "national")
                .get_column("r")
                .drop_nulls()
                .to_numpy()
            )
        rows = np.flatnonzero(keys == key)
        out[rows] = percentile_rank(wage_ratio.gather(rows), ref)
    return out


# ----------------------------------------------------------------------------- build


def _annotate(
    postings: pl.DataFrame, occupations: pl.DataFrame | None, dedup: DedupResult, level: str
) -> pl.DataFrame:
    """One row per posting: region, occupation, cluster, normalized pay, canonical cell."""
    p = _ensure(
        postings,
        {
            "state": pl.String,
            "county_fips": pl.String,
            "zip": pl.String,
            "remote": pl.Boolean,
            "date_posted": pl.String,
            "city": pl.String,
        },
    )
    p = normalize_pay(p).with_columns(_region_expr(level).alias("region"))
    top = _top_occupation(occupations)
    p = (
        p.join(top, on="posting_id", how="left")
        .with_columns(pl.col("onet_soc_code").fill_null(UNASSIGNED))
        .join(dedup.clusters.select("posting_id", "cluster_id"), on="posting_id", how="left")
        .with_columns(pl.col("cluster_id").fill_null(pl.col("posting_id")))
    )
    canonical = (
        p.sort(
            [
                pl.col("region") == UNKNOWN_REGION,
                pl.col("onet_soc_code") == UNASSIGNED,
                "date_posted",
                "posting_id",
            ],
            nulls_last=True,
        )
        .unique("cluster_id", keep="first", maintain_order=True)
        .select(
            "cluster_id",
            pl.col("posting_id").alias("canonical_posting_id"),
            pl.col("region").alias("canonical_region"),
            pl.col("onet_soc_code").alias("canonical_onet_soc_code"),
        )
    )
    return p.join(canonical, on="cluster_id", how="left").with_columns(
        (pl.col("posting_id") == pl.col("canonical_posting_id")).alias("is_canonical")
    )


def _cells(annotated: pl.DataFrame, confidence: float) -> pl.DataFrame:
    raw = annotated.group_by("region", "onet_soc_code").agg(
        pl.len().cast(pl.Int64).alias("postings_raw"),
        pl.col("cluster_id").n_unique().cast(pl.Int64).alias("clusters_touching"),
    )
    canon = annotated.filter(pl.col("is_canonical"))
    dedup = canon.group_by("region", "onet_soc_code").agg(
        pl.len().cast(pl.Int64).alias("postings_dedup"),
        pl.col("pay_hourly").is_not_null().sum().cast(pl.Int64).alias("pay_n"),
        pl.col("pay_hourly").median().alias("pay_hourly_median"),
        pl.col("pay_annual").median().alias("pay_annual_median"),
    )
    cells = raw.join(dedup, on=["region", "onet_soc_code"], how="left").with_columns(
        pl.col("postings_dedup", "pay_n").fill_null(0)
    )
    low, high = garwood_interval(cells.get_column("postings_dedup").to_numpy(), confidence)
    return cells.with_columns(pl.Series("dedup_ci_low", low), pl.Series("dedup_ci_high", high))


def _skills(
    annotated: pl.DataFrame,
    skills: pl.DataFrame | pl.LazyFrame | None,
    cells: pl.DataFrame,
    min_score: float | None,
    report: DemandReport,
) -> pl.DataFrame:
    """The skills table. ``skills`` may be a LazyFrame (a posting dataset's skill rows,
    ``demand_from_dataset``): it is then streamed, never held whole."""
    base_schema = {
        "region": pl.String,
        "onet_soc_code": pl.String,
        "skill_id": pl.String,
        "postings_with_skill": pl.Int64,
        "postings_dedup": pl.Int64,
        "share": pl.Float64,
    }
    if skills is None:
        return pl.DataFrame(schema=base_schema)
    lazy = skills.lazy()
    columns = lazy.collect_schema().names()
    if "score" not in columns:
        lazy = lazy.with_columns(pl.lit(None, pl.Float64).alias("score"))
    known = annotated.select("posting_id").lazy()
    low = (
        pl.col("score").is_null() | (pl.col("score") < min_score) if min_score is not None else None
    )
    kept = lazy.join(known, on="posting_id", how="semi")
    counts = pl.concat(
        [
            lazy.select(pl.len().alias("n"), pl.lit(0, pl.UInt32).alias("low")),
            kept.select(
                pl.len().alias("n"),
                (low.sum() if low is not None else pl.lit(0)).cast(pl.UInt32).alias("low"),
            ),
        ]
    ).collect(engine="streaming")
    total, known_rows = int(counts.item(0, "n")), int(counts.item(1, "n"))
    if total == 0:
        return pl.DataFrame(schema=base_schema)
    report.skill_rows = total
    report.skill_rows_unknown_posting = total - known_rows
    if low is not None:
        report.skill_rows_below_min_score = int(counts.item(1, "low"))
        kept = kept.filter(~low)
    extras = [c for c in columns if c not in ("posting_id", "skill_id", "score")]
    links = kept.join(
        annotated.lazy().select(
            "posting_id", "cluster_id", "canonical_region", "canonical_onet_soc_code"
        ),
        on="posting_id",
    ).rename({"canonical_region": "region", "canonical_onet_soc_code": "onet_soc_code"})
    counted = links.group_by("region", "onet_soc_code", "skill_id").agg(
        pl.col("cluster_id").n_unique().cast(pl.Int64).alias("postings_with_skill"),
        *[pl.col(c).drop_nulls().first() for c in extras],
    )
    return (
        counted.join(
            cells.lazy().select("region", "onet_soc_code", "postings_dedup"),
            on=["region", "onet_soc_code"],
            how="left",
        )
        .with_columns((pl.col("postings_with_skill") / pl.col("postings_dedup")).alias("share"))
        .select(*base_schema, *extras)
        .sort(
            ["region", "onet_soc_code", "share", "skill_id"], descending=[False, False, True, False]
        )
        .collect(engine="streaming")
    )


def build_demand(
    postings: pl.DataFrame,
    occupation_of_posting: pl.DataFrame | None,
    skills_of_posting: pl.DataFrame | pl.LazyFrame | None,
    oews: pl.DataFrame,
    ep_projections: pl.DataFrame,
    *,
    region_level: str = "state",
    onet_occupations: pl.DataFrame | None = None,
    dedup: DedupResult | None = None,
    confidence: float = 0.95,
    min_skill_score: float | None = None,
) -> DemandResult:
    """Build the demand and skills tables (columns and formulas: module docstring).

    ``onet_occupations`` (``onet_soc_code``, ``title``, ``soc2018_code``) gives titles and the
    O*NET-SOC to SOC 2018 mapping; without it the SOC code is the O*NET code's first seven
    characters (true for O*NET-SOC 2019). ``dedup`` reuses a :func:`find_duplicates` result.
    ``skills_of_posting`` may be a LazyFrame (streamed; see :func:`demand_from_dataset`).
    """
    if region_level not in REGION_LEVELS:
        raise DemandLookupError(
            f"unknown region level {region_level!r}; valid: {', '.join(REGION_LEVELS)}",
            REGION_LEVELS,
        )
    dedup = dedup or find_duplicates(postings)
    report = DemandReport(
        region_level=region_level, postings=postings.height, dedup=dedup.summary()
    )
    annotated = _annotate(postings, occupation_of_posting, dedup, region_level)
    _count_inputs(annotated, occupation_of_posting, region_level, report)
    cells = _cells(annotated, confidence)
    skills_table = _skills(annotated, skills_of_posting, cells, min_skill_score, report)
    table = _enrich(cells, oews, ep_projections, onet_occupations, region_level, report)
    report.regions = int(table.get_column("region").n_unique())
    report.cells = table.height
    return DemandResult(
        table=table,
        skills_table=skills_table,
        report=report,
        postings=annotated.select(
            "posting_id",
            "region",
            "onet_soc_code",
            "occupation_score",
            "cluster_id",
            "is_canonical",
            "pay_status",
            "pay_flag",
            "pay_hourly",
            "pay_annual",
            "pay_period_suggested",
        ),
    )


def _count_inputs(
    annotated: pl.DataFrame, occupations: pl.DataFrame | None, level: str, report: DemandReport
) -> None:
    no_region = annotated.filter(pl.col("region") == UNKNOWN_REGION)
    report.no_location = no_region.height
    report.no_location_remote = int(
        no_region.select(pl.col("remote").fill_null(False).sum()).item()
    )
    if level == "county":
        report.zip_without_county = int(no_region.select(pl.col("zip").is_not_null().sum()).item())
    report.no_occupation = int(
        annotated.select((pl.col("onet_soc_code") == UNASSIGNED).sum()).item()
    )
    if occupations is not None and occupations.height:
        unsure = occupations.filter(pl.col("onet_soc_code").is_null()).get_column("posting_id")
        left_out = pl.col("posting_id").is_in(unsure.implode())
        report.no_confident_title = annotated.filter(
            left_out & (pl.col("onet_soc_code") == UNASSIGNED)
        ).height
        known = annotated.get_column("posting_id")
        report.occupation_rows_unknown_posting = int(
            occupations.select((~pl.col("posting_id").is_in(known.implode())).sum()).item()
        )
    report.pay_status = pay_status_counts(annotated)
    report.pay_flags = pay_flag_counts(annotated)


def _enrich(
    cells: pl.DataFrame,
    oews: pl.DataFrame,
    ep: pl.DataFrame,
    onet_occupations: pl.DataFrame | None,
    level: str,
    report: DemandReport,
) -> pl.DataFrame:
    t = cells.with_columns(pl.lit(level).alias("region_level"))
    if onet_occupations is not None:
        names = onet_occupations.select(
            "onet_soc_code",
            pl.col("title").alias("occupation_title"),
            pl.col("soc2018_code").alias("_soc")
            if "soc2018_code" in onet_occupations.columns
            else pl.lit(None, pl.String).alias("_soc"),
        ).unique("onet_soc_code")
        t = t.join(names, on="onet_soc_code", how="left")
    else:
        t = t.with_columns(
            pl.lit(None, pl.String).alias("occupation_title"), pl.lit(None, pl.String).alias("_soc")
        )
    t = t.with_columns(
        pl.when(pl.col("onet_soc_code") == UNASSIGNED)
        .then(pl.lit(None, pl.String))
        .otherwise(pl.coalesce("_soc", pl.col("onet_soc_code").str.slice(0, 7)))
        .alias("soc2018_code")
    ).drop("_soc")
    detail, medians = _oews_reference(oews, level)
    t = _join_oews(t, detail, medians, level)
    t, openings, growth = _join_ep(t, ep)
    t = t.with_columns(
        pl.coalesce("occupation_title", "oews_title", "ep_title").alias("occupation_title"),
        pl.coalesce("oews_a_median", "ep_median_wage").alias("occupation_wage"),
    )
    t = t.with_columns(
        (pl.col("occupation_wage") / pl.col("regional_median_wage")).alias("wage_ratio")
    )
    components = np.vstack(
        [
            percentile_rank(t.get_column("ep_annual_openings"), openings),
            percentile_rank(t.get_column("ep_growth_pct"), growth),
            _wage_pctile(t, detail, medians),
        ]
    )
    available = (~np.isnan(components)).sum(axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: no score
        score = np.where(available > 0, 100 * np.nanmean(components, axis=0), np.nan)
    t = t.with_columns(
        pl.Series("openings_pctile", components[0]).fill_nan(None),
        pl.Series("growth_pctile", components[1]).fill_nan(None),
        pl.Series("wage_pctile", components[2]).fill_nan(None),
        pl.Series("score_components", available.astype(np.int64)),
        pl.Series("in_demand_score", score).fill_nan(None),
    )
    assigned = t.filter(pl.col("onet_soc_code") != UNASSIGNED)
    report.occupations_without_oews = sorted(
        assigned.filter(pl.col("oews_source").is_null())
        .get_column("onet_soc_code")
        .unique()
        .to_list()
    )
    report.occupations_without_ep = sorted(
        assigned.filter(pl.col("ep_growth_pct").is_null())
        .get_column("onet_soc_code")
        .unique()
        .to_list()
    )
    report.oews_sources = {
        str(k): int(v) for k, v in t.group_by("oews_source").len().sort("oews_source").iter_rows()
    }
    return t.select(TABLE_COLUMNS).sort(
        ["region", "in_demand_score", "postings_dedup", "onet_soc_code"],
        descending=[False, True, True, False],
        nulls_last=True,
    )


TABLE_COLUMNS = (
    "region_level",
    "region",
    "onet_soc_code",
    "occupation_title",
    "soc2018_code",
    "postings_raw",
    "postings_dedup",
    "clusters_touching",
    "dedup_ci_low",
    "dedup_ci_high",
    "pay_n",
    "pay_hourly_median",
    "pay_annual_median",
    "oews_source",
    "oews_match",
    "oews_tot_emp",
    "oews_h_median",
    *[f"oews_{c}" for c in OEWS_WAGES],
    "ep_growth_pct",
    "ep_annual_openings",
    "ep_median_wage",
    "entry_education",
    "on_the_job_training",
    "occupation_wage",
    "regional_median_wage",
    "wage_ratio",
    "openings_pctile",
    "growth_pctile",
    "wage_pctile",
    "score_components",
    "in_demand_score",
)


# ----------------------------------------------------------------------------- lookup


def _normalize_region(region: str) -> str:
    text = str(region).strip()
    if text.lower() == UNKNOWN_REGION:
        return UNKNOWN_REGION
    return text.upper()


def demand_for(table: pl.DataFrame, region: str, occupation: str | None = None) -> pl.DataFrame:
    """Rows of ``table`` for one region (and optionally one occupation), best score first.

    ``region`` is a state code ("NJ", any case), a 5-digit county FIPS, "US" or "unknown",
    matching the table's level. ``occupation`` is an O*NET-SOC code ("31-1131.00") or a SOC
    2018 code ("31-1131", all O*NET codes under it). Unknown codes raise
    :class:`DemandLookupError` listing the valid ones.
    """
    regions = sorted(table.get_column("region").unique().to_list())
    wanted = _normalize_region(region)
    if wanted not in regions:
        hint = ""
        if table.height and table.item(0, "region_level") == "state" and wanted not in STATE_CODES:
            hint = f" ({region!r} is not a US state or territory code)"
        raise DemandLookupError(
            f"no demand rows for region {region!r}{hint}; regions in this table: "
            f"{', '.join(regions)}",
            regions,
        )
    rows = table.filter(pl.col("region") == wanted)
    if occupation is None:
        return rows
    code = str(occupation).strip()
    hit = rows.filter((pl.col("onet_soc_code") == code) | (pl.col("soc2018_code") == code))
    if hit.height == 0:
        valid = [
            f"{c} {t or ''}".strip()
            for c, t in rows.select("onet_soc_code", "occupation_title")
            .sort("onet_soc_code")
            .iter_rows()
        ]
        shown = ", ".join(valid[:40]) + (f", ... ({len(valid)} in all)" if len(valid) > 40 else "")
        raise DemandLookupError(
            f"no demand rows for occupation {occupation!r} in region {wanted}; "
            f"occupations there: {shown}",
            [v.split(" ")[0] for v in valid],
        )
    return hit


# ----------------------------------------------------------------------------- adapters


class TitlePredictor(Protocol):
    def predict(
        self, titles: Sequence[str], taxonomy: str = "onet", top_k: int | None = None
    ) -> list[list[Any]]: ...


def occupations_from_titles(
    postings: pl.DataFrame, normalizer: TitlePredictor, top_k: int = 1
) -> pl.DataFrame:
    """``posting_id, onet_soc_code, score`` from a title normalizer (anything with
    ``predict(titles, taxonomy="onet", top_k=...)`` returning candidates with ``.code`` and
    ``.score``, such as ``matching.nlp.titles.TitleNormalizer``). Titles are predicted once per
    distinct title. Postings with an empty title get no row (they become ``unassigned``).

    A normalizer with ``is_confident(candidates)`` (``TitleNormalizer``: the calibrated
    ``min_score``) decides which titles are matched: a non-confident title ("Software Tester"
    forced onto Nursing Assistants at 0.32) gets one row with a null ``onet_soc_code``, so
    the posting is counted ``unassigned`` and reported as ``no_confident_title``, the same
    cut the referral reader and batch scoring apply to a past job title."""
    titles = postings.select("posting_id", pl.col("title").fill_null(""))
    distinct = titles.get_column("title").unique().sort().to_list()
    predictions = normalizer.predict(distinct, taxonomy="onet", top_k=top_k)
    confident = getattr(normalizer, "is_confident", None)
    rows: list[tuple[str, str | None, float | None]] = []
    for title, cands in zip(distinct, predictions, strict=True):
        if confident is not None and cands and not confident(cands):
            rows.append((title, None, None))
            continue
        rows.extend((title, c.code, float(c.score)) for c in cands)
    by_title = pl.DataFrame(
        rows,
        schema={"title": pl.String, "onet_soc_code": pl.String, "score": pl.Float64},
        orient="row",
    )
    return titles.join(by_title, on="title", how="inner").select(
        "posting_id", "onet_soc_code", "score"
    )


def load_title_normalizer(directory: Path | str) -> TitlePredictor | None:
    """A fitted ``matching.nlp.titles.TitleNormalizer`` from ``directory``, or None when the
    module or the model is not available (callers then say which stand-in they used)."""
    try:
        from matching.nlp.titles import TitleNormalizer
    except ImportError:
        return None
    directory = Path(directory)
    if not (directory / "params.json").is_file():
        return None
    try:
        return TitleNormalizer.load(directory)
    except (OSError, ValueError):
        return None


def demand_from_bundle(
    bundle: Any,
    occupation_of_posting: pl.DataFrame | None,
    skills_of_posting: pl.DataFrame | None = None,
    *,
    region_level: str = "state",
) -> DemandResult:
    """:func:`build_demand` over a ``matching.ingest.bundle.Bundle`` (for the CLI)."""
    return _demand_with_bundle_market(
        bundle,
        bundle.table("postings"),
        occupation_of_posting,
        skills_of_posting,
        region_level=region_level,
    )


def _demand_with_bundle_market(
    bundle: Any,
    postings: pl.DataFrame,
    occupation_of_posting: pl.DataFrame | None,
    skills_of_posting: pl.DataFrame | pl.LazyFrame | None,
    *,
    region_level: str,
    dedup: DedupResult | None = None,
) -> DemandResult:
    """:func:`build_demand` of these postings against the bundle's OEWS, EP and O*NET
    tables: the one place both posting sources (bundle, ingest dataset) meet the market."""
    return build_demand(
        postings,
        occupation_of_posting,
        skills_of_posting,
        bundle.table("oews"),
        bundle.table("ep_projections"),
        region_level=region_level,
        onet_occupations=bundle.table("onet_occupations")
        if bundle.has("onet_occupations")
        else None,
        dedup=dedup,
    )


def demand_from_dataset(
    dataset: Path | str,
    bundle: Any,
    *,
    region_level: str = "state",
) -> DemandResult:
    """:func:`build_demand` over a posting dataset written by ``pathmatch ingest-postings``
    (``matching.ingest.posting_dataset``), with the bundle's OEWS, EP and O*NET tables.

    The same build as :func:`demand_from_bundle`, read lazily: the postings' short columns
    only (the descriptions stay in the files), the occupations and section labels the
    ingest assigned, its corpus-wide dedup (no re-hashing) and the skill rows streamed
    through the join and count (polars' streaming engine), so a feed of millions of
    postings never sits in this process as text or as skill rows.
    """
    from matching.ingest.posting_dataset import demand_inputs

    postings, occupations, skills, dedup = demand_inputs(Path(dataset))
    return _demand_with_bundle_market(
        bundle, postings, occupations, skills, region_level=region_level, dedup=dedup
    )
