"""Training supply against demand: how many people the region's programs train each year
for an occupation or a sector, against the annual openings there.

Rule (``under_supplied``), New Jersey's: an occupation is a labor-demand occupation with a
training shortfall when its **projected annual openings exceed the supply of trained
workers** from the programs that prepare for it (NJ Department of Labor and Workforce
Development, Labor Demand Occupations / "in-demand" list behind the ETPL and WIOA
individual training accounts; the same comparison of projected openings with trained-worker
supply underlies WIOA's "in-demand industry sector or occupation"; statute numbers are left
out here until checked against the text). Washington's in-demand formula (Workforce
Board / ESD demand-supply ratio) is not implemented. Applied as:

- ``under_supplied = "yes"`` when openings > supply and the supply is known: every
  provider x CIP behind it reports its count (a count under ``SMALL_N`` is known to be
  under ``SMALL_N``, so it is under-supplied when openings are at least ``SMALL_N``),
  or the region lists no program for it at all;
- ``"no"`` when the supply (or, with suppressed parts, its known part) covers the openings;
- ``"unknown"`` otherwise: openings not regionalizable (no state OEWS rows in the bundle:
  national openings against one state's completers would always say "no shortage"),
  or the gap could be closed by suppressed counts.

Supply units (``supply_units``): one row per provider x CIP code of the region's listed
programs, since the outcome files count completers per provider x CIP, not per program
(two CNA programs of one school share one count, counted once). ``completers`` and
``source``:

- ``ETPL``: ``etpl_outcomes.completed_q2`` (NJ ``NumCompleted2``, completers in the cohort
  the 2nd-quarter outcomes are measured on), read as completers per year: the file states
  no period, so this is an assumption, stated wherever the figure is shown;
- ``Scorecard``: when a provider x CIP has no ETPL row, the College Scorecard field of
  study counts of IPEDS awards (``ipeds_count1/2``, award years 2015-16 and 2016-17, their
  mean per year) of the institution whose name equals the provider's (case and punctuation
  folded) in the same 4-digit CIP, certificates and associate degrees together, counted
  once per provider x 4-digit CIP. The Scorecard file has no state column, so the name
  match is what places an institution in a region;
- none: ``status = "no outcome data"``.

Counts are never shown as zero when they are not known to be: ``status`` is ``reported``,
``n<10`` (under ``SMALL_N``, zeros included: the NJ file writes 0 for cohorts it does not
report), ``suppressed`` (the row is there, the count hidden) or ``no outcome data``;
``supply_display`` is what a table prints (``n<10``, ``suppressed``, ``>=123`` for a
known part plus suppressed parts, ``no programs``).

A unit supplies every occupation its programs lead to (CIP -> SOC crosswalk): completers
of a CIP that prepares for three occupations count toward each, an upper bound on each
occupation's supply, so an under-supplied flag is conservative. At the sector level each
unit counts once (it trains for the sector when its program's CIP or one of its target
occupations is in the cluster, as ``profile.program_sectors`` decides).

``ratio`` = supply / annual openings (trained workers per opening; null when either is
unknown or the supply is under ``SMALL_N``).
"""

from __future__ import annotations

import polars as pl

from matching.sectors.profile import (
    SectorInputs,
    check_region,
    level_keys,
    occupation_market,
    occupation_sectors,
    program_sectors,
    program_targets,
    resolve_cluster,
)

SMALL_N = 10
SMALL = f"n<{SMALL_N}"
SUPPLY_COLUMNS = (
    "openings",
    "openings_basis",
    "supply",
    "supply_display",
    "supply_status",
    "supply_source",
    "ratio",
    "under_supplied",
    "units",
    "programs",
)


def _name_key(name: pl.Expr) -> pl.Expr:
    return name.str.to_lowercase().str.replace_all(r"[^a-z0-9]+", " ").str.strip_chars()


def _status(count: pl.Expr, present: pl.Expr) -> pl.Expr:
    return (
        pl.when(~present)
        .then(pl.lit("no outcome data"))
        .when(count.is_null())
        .then(pl.lit("suppressed"))
        .when(count < SMALL_N)
        .then(pl.lit(SMALL))
        .otherwise(pl.lit("reported"))
    )


def supply_units(
    programs: pl.DataFrame,
    etpl_outcomes: pl.DataFrame | None,
    scorecard_fos: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """``unit, provider_id, cip_codes, program_ids, completers, source, status`` for the
    programs given (one region's; rules in the module docstring)."""
    units = programs.group_by("provider_id", "cip_code").agg(
        pl.col("program_id").sort().alias("program_ids"),
        pl.col("provider_name").drop_nulls().first(),
    )
    etpl = _etpl_counts(etpl_outcomes)
    units = units.join(etpl, on=["provider_id", "cip_code"], how="left")
    reported = units.filter(pl.col("_etpl"))
    counted = reported.select(
        (pl.col("provider_id") + "|" + pl.col("cip_code")).alias("unit"),
        "provider_id",
        pl.concat_list("cip_code").alias("cip_codes"),
        "program_ids",
        pl.col("completed").alias("completers"),
        pl.lit("ETPL").alias("source"),
        _status(pl.col("completed"), pl.lit(True)).alias("status"),
    )
    rest = units.filter(~pl.col("_etpl").fill_null(False))
    return pl.concat([counted, _scorecard_units(rest, scorecard_fos)]).sort("unit")


def _etpl_counts(etpl_outcomes: pl.DataFrame | None) -> pl.DataFrame:
    schema = {"provider_id": pl.String, "cip_code": pl.String, "completed": pl.Int64}
    if etpl_outcomes is None or etpl_outcomes.is_empty():
        return pl.DataFrame(schema=schema).with_columns(pl.lit(True).alias("_etpl"))
    return (
        etpl_outcomes.select(
            "provider_id", "cip_code", pl.col("completed_q2").cast(pl.Int64).alias("completed")
        )
        .unique(["provider_id", "cip_code"], keep="first")
        .with_columns(pl.lit(True).alias("_etpl"))
    )


def _scorecard_units(rest: pl.DataFrame, scorecard: pl.DataFrame | None) -> pl.DataFrame:
    """Units without an ETPL row, merged per provider x 4-digit CIP, with Scorecard awards."""
    merged = (
        rest.with_columns(pl.col("cip_code").str.slice(0, 5).alias("cip4"))
        .group_by("provider_id", "cip4")
        .agg(
            pl.col("cip_code").sort().alias("cip_codes"),
            pl.col("program_ids").explode().sort().alias("program_ids"),
            pl.col("provider_name").drop_nulls().first(),
        )
        .with_columns(_name_key(pl.col("provider_name")).alias("_name"))
    )
    if scorecard is not None and not scorecard.is_empty():
        awards = (
            scorecard.with_columns(
                _name_key(pl.col("institution")).alias("_name"),
                pl.col("cip2020_code").str.slice(0, 5).alias("cip4"),
                pl.mean_horizontal("ipeds_count1", "ipeds_count2").alias("_per_year"),
            )
            .group_by("_name", "cip4")
            .agg(
                pl.col("_per_year").sum().round(0).cast(pl.Int64).alias("completers"),
                pl.col("_per_year").is_not_null().any().alias("_known"),
            )
            .with_columns(pl.lit(True).alias("_scorecard"))
        )
        merged = merged.join(awards, on=["_name", "cip4"], how="left")
    else:
        merged = merged.with_columns(
            pl.lit(None, pl.Int64).alias("completers"),
            pl.lit(None, pl.Boolean).alias("_known"),
            pl.lit(None, pl.Boolean).alias("_scorecard"),
        )
    found = pl.col("_scorecard").fill_null(False)
    count = pl.when(pl.col("_known")).then(pl.col("completers"))
    return merged.select(
        (pl.col("provider_id") + "|" + pl.col("cip4")).alias("unit"),
        "provider_id",
        "cip_codes",
        "program_ids",
        count.alias("completers"),
        pl.when(found).then(pl.lit("Scorecard")).otherwise(pl.lit(None, pl.String)).alias("source"),
        _status(count, found).alias("status"),
    )


# ----------------------------------------------------------------------------- groups


def _summarize(links: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Per group (``keys``) of unit rows: supply, its status, display and sources."""
    counted = pl.col("status").is_in(["reported", SMALL])
    unknown = pl.col("status").is_in(["suppressed", "no outcome data"])
    grouped = links.group_by(keys).agg(
        pl.col("completers").filter(counted).sum().alias("supply"),
        counted.any().alias("_any_counted"),
        unknown.any().alias("_any_unknown"),
        pl.col("source").drop_nulls().unique().sort().str.join(" + ").alias("supply_source"),
        pl.col("unit").n_unique().cast(pl.Int64).alias("units"),
        pl.col("program_ids").explode().n_unique().cast(pl.Int64).alias("programs"),
    )
    supply = pl.col("supply")
    status = (
        pl.when(~pl.col("_any_counted") & (pl.col("_all_missing")))
        .then(pl.lit("no outcome data"))
        .when(~pl.col("_any_counted"))
        .then(pl.lit("suppressed"))
        .when(pl.col("_any_unknown"))
        .then(pl.lit("partly unreported"))
        .when(supply < SMALL_N)
        .then(pl.lit(SMALL))
        .otherwise(pl.lit("reported"))
    )
    missing = links.group_by(keys).agg(
        (pl.col("status") == "no outcome data").all().alias("_all_missing")
    )
    return (
        grouped.join(missing, on=keys)
        .with_columns(status.alias("supply_status"))
        .with_columns(
            pl.when(pl.col("supply_status").is_in(["reported", "partly unreported"]))
            .then(supply)
            .alias("supply")
        )
        .drop("_any_counted", "_any_unknown", "_all_missing")
    )


def _judged(table: pl.DataFrame) -> pl.DataFrame:
    """Add display, ratio and the under-supplied flag (rule: module docstring)."""
    openings, supply, status = pl.col("openings"), pl.col("supply"), pl.col("supply_status")
    no_programs = status == "no programs"
    flag = (
        pl.when(openings.is_null())
        .then(pl.lit("unknown"))
        .when(no_programs)
        .then(pl.when(openings > 0).then(pl.lit("yes")).otherwise(pl.lit("no")))
        .when(status == SMALL)
        .then(pl.when(openings >= SMALL_N).then(pl.lit("yes")).otherwise(pl.lit("unknown")))
        .when(status == "reported")
        .then(pl.when(openings > supply).then(pl.lit("yes")).otherwise(pl.lit("no")))
        .when((status == "partly unreported") & (supply >= openings))
        .then(pl.lit("no"))
        .otherwise(pl.lit("unknown"))
    )
    display = (
        pl.when(status == "reported")
        .then(supply.cast(pl.String))
        .when(status == "partly unreported")
        .then(pl.lit(">=") + supply.cast(pl.String))
        .otherwise(status)
    )
    ratio = pl.when(status.is_in(["reported", "no programs"])).then(
        pl.when(openings > 0).then(supply.fill_null(0) / openings)
    )
    return table.with_columns(
        display.alias("supply_display"), ratio.alias("ratio"), flag.alias("under_supplied")
    ).with_columns(pl.col("openings", "openings_national").round(0))


def _sum_or_null(column: pl.Expr) -> pl.Expr:
    """The sum, null (not 0) when no value is known."""
    return pl.when(column.is_not_null().any()).then(column.sum()).first()


def _with_no_programs(table: pl.DataFrame) -> pl.DataFrame:
    return table.with_columns(
        pl.col("supply_status").fill_null("no programs"),
        pl.col("units", "programs").fill_null(0),
    )


def _units_and_links(inputs: SectorInputs, region: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The region's supply units and their programs' target occupations (SOC 2018)."""
    listed = inputs.programs.filter(pl.col("state") == region)
    units = supply_units(listed, inputs.etpl_outcomes, inputs.scorecard_fos)
    per_program = units.explode("program_ids").rename({"program_ids": "program_id"})
    targets = program_targets(inputs.program_occupations)
    return units, per_program.join(targets, on="program_id")


def _titles(clusters_soc: pl.DataFrame) -> pl.DataFrame:
    """The crosswalk's occupation titles, for codes EP does not list."""
    return clusters_soc.select(
        pl.col("soc_code").alias("soc2018_code"), pl.col("title").alias("_title")
    ).unique("soc2018_code")


def occupation_supply(
    inputs: SectorInputs, region: str, *, cluster: str | None = None
) -> pl.DataFrame:
    """Per SOC 2018 occupation (those of ``cluster``, else every occupation a program in
    the region leads to or a cluster lists): openings against completers, ratio, flag."""
    region = check_region(inputs, region)
    occ = occupation_sectors(inputs.clusters_soc, inputs.onet_occupations)
    units, links = _units_and_links(inputs, region)
    if cluster is not None:
        name, sub = resolve_cluster(inputs.clusters_soc, cluster)
        occ = occ.filter(pl.col("cluster") == name)
        if sub is not None:
            occ = occ.filter(pl.col("sub_cluster") == sub)
        codes = occ.get_column("soc2018_code").unique().to_list()
    else:
        codes = sorted(set(occ["soc2018_code"].to_list()) | set(links["soc2018_code"].to_list()))
    market = (
        occupation_market(
            codes, inputs.oews, inputs.ep_projections, region, inputs.oews_state_extracts
        )
        .join(_titles(inputs.clusters_soc), on="soc2018_code", how="left")
        .select(
            "soc2018_code",
            pl.coalesce("ep_title", "_title").alias("title"),
            pl.col("openings_regional").alias("openings"),
            "openings_national",
            "openings_basis",
        )
    )
    per_soc = links.group_by("soc2018_code", "unit").agg(
        pl.col("program_id").unique().alias("program_ids"),
        pl.col("completers", "source", "status").first(),
    )
    supplied = _summarize(per_soc, ["soc2018_code"])
    table = _with_no_programs(market.join(supplied, on="soc2018_code", how="left"))
    return (
        _judged(table)
        .select("soc2018_code", "title", *SUPPLY_COLUMNS, "openings_national")
        .sort(
            ["under_supplied", "openings", "soc2018_code"],
            descending=[True, True, False],
            nulls_last=True,
        )
    )


def sector_supply(
    inputs: SectorInputs, region: str, *, level: str = "cluster", cluster: str | None = None
) -> pl.DataFrame:
    """Per sector: openings of its occupations against completers of the region's programs
    that train for it (each provider x CIP once), ratio and flag."""
    keys = level_keys(level)
    region = check_region(inputs, region)
    occ = occupation_sectors(inputs.clusters_soc, inputs.onet_occupations)
    market = occupation_market(
        occ.get_column("soc2018_code").to_list(),
        inputs.oews,
        inputs.ep_projections,
        region,
        inputs.oews_state_extracts,
    )
    per_soc = occ.unique([*keys, "soc2018_code"]).join(market, on="soc2018_code", how="left")
    openings = per_soc.group_by(keys).agg(
        _sum_or_null(pl.col("openings_regional")).alias("openings"),
        _sum_or_null(pl.col("openings_national")),
        pl.col("openings_basis").drop_nulls().unique().sort().str.join(" + "),
    )
    units, _ = _units_and_links(inputs, region)
    listed = inputs.programs.filter(pl.col("state") == region)
    sectors = program_sectors(listed, inputs.program_occupations, inputs.clusters_cip, occ)
    per_program = units.explode("program_ids").rename({"program_ids": "program_id"})
    links = (
        per_program.join(sectors.select("program_id", *keys).unique(), on="program_id")
        .group_by(*keys, "unit")
        .agg(
            pl.col("program_id").unique().alias("program_ids"),
            pl.col("completers", "source", "status").first(),
        )
    )
    table = _with_no_programs(openings.join(_summarize(links, keys), on=keys, how="left"))
    if "sub_cluster" not in table.columns:
        table = table.with_columns(pl.lit(None, pl.String).alias("sub_cluster"))
    table = _judged(table).select("cluster", "sub_cluster", *SUPPLY_COLUMNS, "openings_national")
    table = table.sort(
        [pl.coalesce("openings", "openings_national"), "cluster", "sub_cluster"],
        descending=[True, False, False],
        nulls_last=True,
    )
    if cluster is None:
        return table
    name, sub = resolve_cluster(inputs.clusters_soc, cluster)
    chosen = table.filter(pl.col("cluster") == name)
    if sub is not None and level == "sub_cluster":
        chosen = chosen.filter(pl.col("sub_cluster") == sub)
    return chosen
