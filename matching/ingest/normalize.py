"""Cross-table code normalization run by ``pathmatch import`` after every source is loaded.

Loaders validate each code's spelling; only here, with all tables at hand, can a code be
checked against its code system and brought to the systems the engine joins on: O*NET-SOC
2019 occupations gain their SOC 2018 code, and program codes are checked against CIP 2020
(CIP 2010 codes are moved to 2020 where the CIP 2020 change list allows). Each normalizer
takes the tables and a report, returns the tables, and reports what it could not map.
"""

from __future__ import annotations

import polars as pl

from matching.ingest.loaders.base import LINE, LoadReport

Tables = dict[str, pl.DataFrame]


def onet_soc2018(tables: Tables, report: LoadReport) -> Tables:
    """Give each O*NET-SOC 2019 occupation its SOC 2018 detailed code.

    The O*NET 2019-to-SOC crosswalk is authoritative; where it is absent (demo data, or a
    partial download) the first seven characters are used, which is how O*NET-SOC 2019
    codes are built from SOC 2018.
    """
    occupations = tables.get("onet_occupations")
    if occupations is None:  # an empty table still gets the column: one schema either way
        return tables
    xwalk = tables.get("xwalk_onet_soc2018")
    if xwalk is not None and not xwalk.is_empty():
        mapping = xwalk.select("onet_soc_code", "soc2018_code").unique("onet_soc_code")
        joined = occupations.drop("soc2018_code", strict=False).join(
            mapping, on="onet_soc_code", how="left"
        )
        for row in joined.filter(pl.col("soc2018_code").is_null()).iter_rows(named=True):
            report.reject(
                "onet_occupations",
                row[LINE],
                "onet_soc_code",
                "not in the O*NET-SOC 2019 to SOC 2018 crosswalk; SOC code taken "
                "from its first seven characters",
                severity="repaired",
                record=row["onet_soc_code"],
            )
        joined = joined.with_columns(
            pl.col("soc2018_code").fill_null(pl.col("onet_soc_code").str.slice(0, 7))
        )
    else:
        joined = occupations.with_columns(soc2018_code=pl.col("onet_soc_code").str.slice(0, 7))
    tables["onet_occupations"] = joined
    return tables


def program_cip2020(tables: Tables, report: LoadReport) -> Tables:
    """Check ETPL program CIP codes against CIP 2020, moving 2010 codes where CIP allows."""
    programs, cips = tables.get("etpl_programs"), tables.get("cip_codes")
    if programs is None or cips is None or programs.is_empty() or cips.is_empty():
        return tables
    from matching.ingest.loaders.programs import cip2010_to_2020

    moves = cip2010_to_2020(cips).select("cip2010_code", "cip2020_code")
    current = cips.filter(pl.col("in_cip2020")) if "in_cip2020" in cips.columns else cips
    known = set(current["cip_code"].to_list())
    moved = dict(zip(moves["cip2010_code"].to_list(), moves["cip2020_code"].to_list(), strict=True))
    fixed: list[str | None] = []
    for row in programs.select("cip_code", LINE, "program_id").iter_rows(named=True):
        code = row["cip_code"]
        if code is None or code in known:
            fixed.append(code)
            continue
        target = moved.get(code)
        reason = (
            "CIP 2010 code moved in CIP 2020; mapped"
            if target
            else "not a CIP 2020 code; left as published"
        )
        report.reject(
            "etpl_programs",
            row[LINE],
            "cip_code",
            reason,
            severity="repaired",
            record=row["program_id"],
        )
        fixed.append(target or code)
    tables["etpl_programs"] = programs.with_columns(pl.Series("cip_code", fixed, pl.String))
    return tables


NORMALIZERS = (onet_soc2018, program_cip2020)
