"""Feature tables for the program-outcome model, built from a data bundle.

Two training sets, one row per labelled-or-not outcome record, plus the ETPL catalog itself
(the programs the CLI predicts for):

- ``nj_outcome_features``: one row per NJ ETPL outcomes record (provider x CIP). Most of these
  1,565 records have no program listing in the 128-program ETPL seed, so the features come
  from what every row has (its CIP code, its provider's footprint in the outcomes file, its
  completer count) and from public labour-market data about the CIP's target occupations.
  Program attributes (cost, hours, credential) are filled only where the (provider, CIP) is
  listed and are null otherwise; LightGBM treats nulls as missing.
- ``scorecard_features``: one row per College Scorecard field-of-study record (institution x
  4-digit CIP x credential level 1 or 2).
- ``etpl_program_features``: one row per listed ETPL program, with the NJ feature columns, so
  a model trained on NJ outcomes can predict for every catalog program.

No feature is an outcome or is derived from one: outcome columns (employment rates, wages,
retention, median earnings, earnings counts, debt) appear only as labels, prefixed
``label_``, and ``feature_columns`` never lists them (tests check this). Target encodings of
the CIP family (the empirical-Bayes family means) are outcome-derived and are therefore not
built here: the trainer fits them on training folds only (``training.outcome_model``).

Every table also carries ``size``, the record's cohort size known before outcomes (NJ
completers, Scorecard P_COUNT awards): not a feature column, it picks the prediction-interval
width band (small programs get wider intervals).

Target-occupation context goes CIP 2020 -> SOC 2018 (NCES/BLS crosswalk) -> BLS OEWS
national wages (detailed SOC, falling back to the broad group) and BLS Employment
Projections 2024-34 (growth, openings, typical entry education). Each feature is documented
in ``FEATURE_DOCS``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import polars as pl


class TableSource(Protocol):
    """Anything that hands out bundle tables by name (``matching.ingest.bundle.Bundle`` does)."""

    def has(self, name: str) -> bool: ...

    def table(self, name: str) -> pl.DataFrame: ...


FEATURE_DOCS: dict[str, str] = {
    # CIP identity
    "cip_family": "2-digit CIP 2020 family, e.g. '51' (health professions); categorical",
    "cip_series": "4-digit CIP series, e.g. '51.38' (registered nursing); categorical",
    "cip_catch_all": "1 when the NJ record is the provider's catch-all CIP 99.9999",
    # NJ completers and provider footprint (from the outcomes file's counts, never its rates)
    "log_completers": "log(1 + completers of the record in the Q2 cohort), NJ completed_q2",
    "provider_programs": "number of CIP records the provider has in the NJ outcomes file",
    "provider_log_completers": "log(1 + the provider's completers over all its CIP records)",
    "provider_families": "number of distinct CIP families the provider reports outcomes for",
    "provider_listed": "1 when the provider has any program in the ETPL catalog seed",
    "provider_kind": "college / career_school / technical_school / other from the listed "
    "provider's name; 'unlisted' when the provider has no listing; categorical",
    # ETPL program attributes (null when the provider x CIP is not listed)
    "program_listed": "1 when the provider x CIP has a program in the ETPL catalog seed",
    "cost_total": "listed total cost in USD (median over the provider x CIP's listings)",
    "clock_hours": "listed clock hours (median over listings)",
    "weeks": "listed length in weeks (median over listings)",
    "cost_per_hour": "cost_total / clock_hours",
    "credential_type": "listed credential type (industry_credential, license, certificate, "
    "associate, ...); categorical",
    "credential_rank": "ordinal credential level: none 0, industry credential or license 1, "
    "certificate 2, associate 3, bachelor 4",
    # target occupations (CIP -> SOC 2018 -> OEWS national, EP 2024-34)
    "target_soc_count": "number of SOC 2018 occupations the crosswalk links to the CIP",
    "target_wage_median": "median over target occupations of the OEWS national annual median",
    "target_wage_p25": "median over target occupations of the OEWS national 25th percentile",
    "target_wage_max": "highest OEWS national annual median among target occupations",
    "target_growth_pct": "EP employment change 2024-34 in percent, pooled over targets",
    "target_openings_k": "EP annual openings (thousands), summed over target occupations",
    "target_entry_level": "mean EP typical entry education of targets, 0 (none) .. 7 (doctoral)",
    # national Scorecard context for NJ rows (another data set: not an NJ label)
    "sc_series_earnings": "national College Scorecard median of field-of-study median earnings "
    "for undergraduate certificates in the same CIP series (NJ rows only)",
    # Scorecard record attributes
    "credential_level": "Scorecard credential level: 1 certificate or diploma, 2 associate",
    "control": "Public / Private, nonprofit / Private, for-profit / Foreign; categorical",
    "main_campus": "1 when the Scorecard record is the institution's main campus",
    "log_count": "log(1 + Scorecard P_COUNT awards in the cohort)",
    "log_ipeds_awards": "log(1 + mean of the two IPEDS award counts)",
    "inst_fields": "number of field-of-study records the institution has in the file",
    "inst_share_associate": "share of the institution's records that are associate degrees",
}

OCCUPATION_FEATURES = [
    "target_soc_count",
    "target_wage_median",
    "target_wage_p25",
    "target_wage_max",
    "target_growth_pct",
    "target_openings_k",
    "target_entry_level",
]
NJ_FEATURES = [
    "cip_family",
    "cip_series",
    "cip_catch_all",
    "log_completers",
    "provider_programs",
    "provider_log_completers",
    "provider_families",
    "provider_listed",
    "provider_kind",
    "program_listed",
    "cost_total",
    "clock_hours",
    "weeks",
    "cost_per_hour",
    "credential_type",
    "credential_rank",
    *OCCUPATION_FEATURES,
    "sc_series_earnings",
]
SCORECARD_FEATURES = [
    "cip_family",
    "cip_series",
    "credential_level",
    "control",
    "main_campus",
    "log_count",
    "log_ipeds_awards",
    "inst_fields",
    "inst_share_associate",
    *OCCUPATION_FEATURES,
]
CATEGORICAL = frozenset({"cip_family", "cip_series", "provider_kind", "credential_type", "control"})

OUTCOME_COLUMNS = frozenset(
    {
        "employed_q2",
        "employed_q4",
        "employed_q8",
        "avg_quarterly_wage_q2",
        "avg_quarterly_wage_q4",
        "avg_quarterly_wage_q8",
        "retention_q4",
        "retention_q8",
        "wage_n_q2",
        "wage_n_q4",
        "wage_n_q8",
        "retention_n_q4",
        "retention_n_q8",
        "median_earnings",
        "earnings_count",
        "debt_median",
        "outcomes_employment_q2_value",
        "outcomes_employment_q2_n",
        "outcomes_employment_q4_value",
        "outcomes_employment_q4_n",
        "outcomes_median_earnings_value",
        "outcomes_median_earnings_n",
    }
)
"""Source columns that are outcomes (or outcome sample sizes); never features."""

ENTRY_EDUCATION_LEVEL = {
    "No formal educational credential": 0,
    "High school diploma or equivalent": 1,
    "Some college, no degree": 2,
    "Postsecondary nondegree award": 3,
    "Associate's degree": 4,
    "Bachelor's degree": 5,
    "Master's degree": 6,
    "Doctoral or professional degree": 7,
}
CREDENTIAL_RANK = {
    "none": 0,
    "industry_credential": 1,
    "license": 1,
    "certificate": 2,
    "associate": 3,
    "bachelor": 4,
}


@dataclass
class FeatureTable:
    """Rows with keys, features and labels, and which column plays which part."""

    frame: pl.DataFrame
    features: list[str]
    group: str
    keys: list[str]
    labels: list[str] = field(default_factory=list)

    @property
    def categorical(self) -> list[str]:
        return [c for c in self.features if c in CATEGORICAL]


# --------------------------------------------------------------------------- occupations


def occupation_context(source: TableSource, level: str = "code") -> pl.DataFrame:
    """Target-occupation wages and demand per CIP ``code`` (6-digit) or ``series`` (4-digit).

    Returns ``cip_key`` plus ``OCCUPATION_FEATURES``; CIP codes the crosswalk does not map to
    any SOC are absent (their features stay null after the join).
    """
    if not source.has("xwalk_cip_soc"):
        return pl.DataFrame(
            schema={"cip_key": pl.String, **{c: pl.Float64 for c in OCCUPATION_FEATURES}}
        )
    key = pl.col("cip_code") if level == "code" else pl.col("cip_code").str.slice(0, 5)
    links = (
        source.table("xwalk_cip_soc")
        .drop_nulls(["cip_code", "soc2018_code"])
        .select(key.alias("cip_key"), pl.col("soc2018_code").alias("soc"))
        .unique()
        .sort("cip_key", "soc")
    )  # fixed order: float sums are reproducible
    occupations = links.join(_soc_labour(source), on="soc", how="left", maintain_order="left")
    return (
        occupations.group_by("cip_key")
        .agg(
            pl.col("soc").n_unique().cast(pl.Float64).alias("target_soc_count"),
            pl.col("a_median").median().alias("target_wage_median"),
            pl.col("a_pct25").median().alias("target_wage_p25"),
            pl.col("a_median").max().alias("target_wage_max"),
            (pl.col("emp_change_k").sum() / pl.col("emp_base_k").sum() * 100).alias(
                "target_growth_pct"
            ),
            pl.col("annual_openings_k").sum().alias("target_openings_k"),
            pl.col("entry_level").mean().alias("target_entry_level"),
        )
        .sort("cip_key")
    )


def _soc_labour(source: TableSource) -> pl.DataFrame:
    """Per SOC 2018 code: OEWS national wages (broad-group fallback) and EP projections."""
    socs = (
        source.table("xwalk_cip_soc")
        .drop_nulls("soc2018_code")
        .select(pl.col("soc2018_code").alias("soc"))
        .unique()
    )
    socs = socs.with_columns((pl.col("soc").str.slice(0, 6) + "0").alias("broad"))
    if source.has("oews"):
        wages = (
            source.table("oews")
            .filter(pl.col("area_type") == 1)
            .group_by("occ_code")
            .agg(pl.col("a_median").first(), pl.col("a_pct25").first())
        )
        socs = (
            socs.join(wages, left_on="soc", right_on="occ_code", how="left", maintain_order="left")
            .join(
                wages.rename({"a_median": "b_median", "a_pct25": "b_pct25"}),
                left_on="broad",
                right_on="occ_code",
                how="left",
                maintain_order="left",
            )
            .with_columns(
                pl.coalesce("a_median", "b_median").alias("a_median"),
                pl.coalesce("a_pct25", "b_pct25").alias("a_pct25"),
            )
            .drop("b_median", "b_pct25")
        )
    else:
        socs = socs.with_columns(
            pl.lit(None, pl.Float64).alias("a_median"), pl.lit(None, pl.Float64).alias("a_pct25")
        )
    ep_columns = ["emp_base_k", "emp_change_k", "annual_openings_k", "entry_level"]
    if source.has("ep_projections"):
        ep = (
            source.table("ep_projections")
            .filter(pl.col("occupation_type") != "Summary")
            .select(
                pl.col("soc_code").alias("soc"),
                "emp_base_k",
                "emp_change_k",
                "annual_openings_k",
                pl.col("entry_education")
                .replace_strict(ENTRY_EDUCATION_LEVEL, default=None, return_dtype=pl.Float64)
                .alias("entry_level"),
            )
            .unique("soc")
        )
        socs = socs.join(ep, on="soc", how="left", maintain_order="left")
    else:
        socs = socs.with_columns([pl.lit(None, pl.Float64).alias(c) for c in ep_columns])
    return socs.drop("broad")


# --------------------------------------------------------------------------- NJ outcomes


def nj_outcome_features(source: TableSource) -> FeatureTable:
    """One row per NJ ETPL outcomes record; labels ``label_*``, group ``provider_id``.

    Labels: ``label_employment_rate`` (employed_q2), ``label_employment_n`` (completed_q2,
    the denominator), ``label_quarterly_wage`` (avg_quarterly_wage_q2) and
    ``label_wage_n`` (wage_n_q2). Suppressed outcomes (fewer than 5 completers) are null.
    """
    outcomes = source.table("etpl_outcomes")
    base = outcomes.select(
        "provider_id",
        "cip_code",
        pl.col("cip_catch_all").cast(pl.Float64),
        pl.col("completed_q2").cast(pl.Float64).alias("completers"),
        pl.col("employed_q2").alias("label_employment_rate"),
        pl.col("completed_q2").cast(pl.Float64).alias("label_employment_n"),
        pl.col("avg_quarterly_wage_q2").alias("label_quarterly_wage"),
        pl.col("wage_n_q2").cast(pl.Float64).alias("label_wage_n"),
        pl.col("completed_q2").cast(pl.Float64).alias("size"),
        "_line",
    )
    listings, kinds = _listing_attributes(source)
    base = base.join(
        listings, on=["provider_id", "cip_code"], how="left", maintain_order="left"
    ).join(kinds, on="provider_id", how="left", maintain_order="left")
    frame = _nj_enrich(source, base, outcomes)
    labels = ["label_employment_rate", "label_employment_n", "label_quarterly_wage", "label_wage_n"]
    return FeatureTable(
        frame, list(NJ_FEATURES), "provider_id", ["provider_id", "cip_code", "_line"], labels
    )


def etpl_program_features(source: TableSource) -> FeatureTable:
    """One row per listed ETPL program, with the NJ feature columns (for prediction).

    Completer and provider counts come from the NJ outcomes file where the program's provider
    x CIP reports there, null otherwise; the program's own listed outcomes are kept as
    ``reported_*`` columns for display and shrinkage, never as features.
    """
    programs = source.table("etpl_programs")
    outcomes = (
        source.table("etpl_outcomes")
        if source.has("etpl_outcomes")
        else pl.DataFrame(
            schema={
                "provider_id": pl.String,
                "cip_code": pl.String,
                "completed_q2": pl.Int64,
                "cip_catch_all": pl.Boolean,
            }
        )
    )
    counts = outcomes.group_by("provider_id", "cip_code").agg(
        pl.col("completed_q2").sum().cast(pl.Float64).alias("completers")
    )
    base = (
        programs.select(
            "program_id",
            "provider_id",
            "cip_code",
            "cost_total",
            "clock_hours",
            "weeks",
            "credential_type",
            "provider_name",
            pl.col("outcomes_employment_q2_value").alias("reported_employment_rate"),
            pl.col("outcomes_employment_q2_n").cast(pl.Float64).alias("reported_employment_n"),
            pl.col("outcomes_median_earnings_value").alias("reported_earnings"),
            pl.col("outcomes_median_earnings_n").cast(pl.Float64).alias("reported_earnings_n"),
        )
        .with_columns(
            pl.lit(1.0).alias("program_listed"),
            (pl.col("cip_code") == "99.9999").cast(pl.Float64).alias("cip_catch_all"),
        )
        .join(counts, on=["provider_id", "cip_code"], how="left", maintain_order="left")
        .with_columns(pl.col("completers").alias("size"))
    )
    base = base.with_columns(_provider_kind(pl.col("provider_name"))).drop("provider_name")
    frame = _nj_enrich(source, base, outcomes)
    return FeatureTable(
        frame, list(NJ_FEATURES), "provider_id", ["program_id", "provider_id", "cip_code"]
    )


def _listing_attributes(source: TableSource) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per listed provider x CIP: median cost, hours, weeks, the commonest credential; and
    per listed provider: its kind."""
    programs = source.table("etpl_programs") if source.has("etpl_programs") else None
    schema = {
        "provider_id": pl.String,
        "cip_code": pl.String,
        "program_listed": pl.Float64,
        "cost_total": pl.Float64,
        "clock_hours": pl.Float64,
        "weeks": pl.Float64,
        "credential_type": pl.String,
    }
    if programs is None or programs.is_empty():
        return (
            pl.DataFrame(schema=schema),
            pl.DataFrame(schema={"provider_id": pl.String, "provider_kind": pl.String}),
        )
    programs = programs.drop_nulls(["provider_id", "cip_code"])
    per_cip = programs.group_by("provider_id", "cip_code").agg(
        pl.lit(1.0).alias("program_listed"),
        pl.col("cost_total").median(),
        pl.col("clock_hours").median(),
        pl.col("weeks").median(),
        pl.col("credential_type").drop_nulls().mode().sort().first(),
    )
    kinds = (
        programs.group_by("provider_id")
        .agg(pl.col("provider_name").drop_nulls().sort().first())
        .select("provider_id", _provider_kind(pl.col("provider_name")))
    )
    return per_cip, kinds


def _provider_kind(name: pl.Expr) -> pl.Expr:
    """A coarse provider type from the listed name (the ETPL seed has no type field)."""
    lowered = name.str.to_lowercase()
    return (
        pl.when(name.is_null())
        .then(pl.lit("other"))
        .when(lowered.str.contains(r"college|university"))
        .then(pl.lit("college"))
        .when(lowered.str.contains(r"technical school|vocational|county"))
        .then(pl.lit("technical_school"))
        .when(lowered.str.contains(r"\bpcs\b|institute|academy|school"))
        .then(pl.lit("career_school"))
        .otherwise(pl.lit("other"))
        .alias("provider_kind")
    )


def _nj_enrich(source: TableSource, base: pl.DataFrame, outcomes: pl.DataFrame) -> pl.DataFrame:
    """Add CIP parts, provider footprint, occupation context and Scorecard series context."""
    providers = outcomes.group_by("provider_id").agg(
        pl.len().cast(pl.Float64).alias("provider_programs"),
        pl.col("completed_q2").sum().log1p().alias("provider_log_completers"),
        pl.col("cip_code").str.slice(0, 2).n_unique().cast(pl.Float64).alias("provider_families"),
    )
    listed = (
        source.table("etpl_programs")
        .select("provider_id")
        .unique()
        .with_columns(pl.lit(1.0).alias("provider_listed"))
        if source.has("etpl_programs")
        else pl.DataFrame(schema={"provider_id": pl.String, "provider_listed": pl.Float64})
    )
    frame = (
        base.with_columns(_cip_parts(pl.col("cip_code")))
        .with_columns(pl.col("completers").log1p().alias("log_completers"))
        .join(providers, on="provider_id", how="left", maintain_order="left")
        .join(listed, on="provider_id", how="left", maintain_order="left")
        .join(
            occupation_context(source, "code"),
            left_on="cip_code",
            right_on="cip_key",
            how="left",
            maintain_order="left",
        )
        .join(
            _scorecard_series_earnings(source), on="cip_series", how="left", maintain_order="left"
        )
    )
    frame = frame.with_columns(
        pl.col("provider_listed").fill_null(0.0),
        pl.col("program_listed").fill_null(0.0),
        pl.col("provider_kind").fill_null("unlisted"),
        (pl.col("cost_total") / pl.col("clock_hours").replace(0.0, None)).alias("cost_per_hour"),
        pl.col("credential_type")
        .replace_strict(CREDENTIAL_RANK, default=None, return_dtype=pl.Float64)
        .alias("credential_rank"),
    )
    return frame


def _cip_parts(cip: pl.Expr) -> list[pl.Expr]:
    return [cip.str.slice(0, 2).alias("cip_family"), cip.str.slice(0, 5).alias("cip_series")]


def _scorecard_series_earnings(source: TableSource) -> pl.DataFrame:
    """National certificate earnings per CIP series from the Scorecard (a separate data set)."""
    if not source.has("scorecard_fos"):
        return pl.DataFrame(schema={"cip_series": pl.String, "sc_series_earnings": pl.Float64})
    return (
        source.table("scorecard_fos")
        .filter((pl.col("credential_level") == 1) & pl.col("median_earnings").is_not_null())
        .with_columns(_scorecard_series())
        .group_by("cip_series")
        .agg(pl.col("median_earnings").median().alias("sc_series_earnings"))
    )


# --------------------------------------------------------------------------- Scorecard


def _scorecard_series() -> pl.Expr:
    return pl.coalesce("cip2020_code", "cip2010_code").alias("cip_series")


def scorecard_features(source: TableSource) -> FeatureTable:
    """One row per Scorecard field-of-study record; label ``label_median_earnings``.

    Group ``provider``: the 6-digit OPEID (all campuses of one institution system share it),
    falling back to the IPEDS unitid, then the institution name, so that branch campuses of
    one provider never sit on both sides of a split. ``label_earnings_n`` is the earnings
    sample size (P_EARNINGSCOUNT, else P_COUNT, else 20, the Scorecard's publication floor).
    """
    table = source.table("scorecard_fos")
    institution = pl.coalesce("unitid", "opeid6", "institution")
    frame = table.with_columns(
        _scorecard_series(),
        institution.alias("institution_key"),
        pl.coalesce(
            pl.lit("ope:") + pl.col("opeid6"),
            pl.lit("unit:") + pl.col("unitid"),
            pl.lit("name:") + pl.col("institution"),
        ).alias("provider"),
    ).with_columns(pl.col("cip_series").str.slice(0, 2).alias("cip_family"))
    institutions = frame.group_by("institution_key").agg(
        pl.len().cast(pl.Float64).alias("inst_fields"),
        (pl.col("credential_level") == 2).mean().alias("inst_share_associate"),
    )
    occupations = occupation_context(source, "series").rename({"cip_key": "cip_series"})
    frame = (
        frame.join(institutions, on="institution_key", how="left", maintain_order="left")
        .join(occupations, on="cip_series", how="left", maintain_order="left")
        .with_columns(
            pl.col("credential_level").cast(pl.Float64),
            pl.col("main_campus").cast(pl.Float64),
            pl.col("count").cast(pl.Float64).log1p().alias("log_count"),
            pl.mean_horizontal("ipeds_count1", "ipeds_count2").log1p().alias("log_ipeds_awards"),
            pl.col("count").cast(pl.Float64).alias("size"),
            pl.col("median_earnings").alias("label_median_earnings"),
            pl.coalesce("earnings_count", "count", pl.lit(20))
            .cast(pl.Float64)
            .alias("label_earnings_n"),
        )
    )
    keys = ["provider", "unitid", "size", "_line"]
    frame = frame.select(*keys, *SCORECARD_FEATURES, "label_median_earnings", "label_earnings_n")
    return FeatureTable(
        frame,
        list(SCORECARD_FEATURES),
        "provider",
        keys,
        ["label_median_earnings", "label_earnings_n"],
    )


def leakage_columns(table: FeatureTable) -> list[str]:
    """Feature columns that are outcomes or labels (should always be empty)."""
    return [
        c for c in table.features if c in OUTCOME_COLUMNS or c.startswith(("label_", "reported_"))
    ]
