"""Occupation-to-occupation mobility: observed CPS ASEC moves and O*NET Career Changers.

Both files (``shared/data/transitions``) come from the occupational mobility network of del
Rio-Chanona et al. (2021) and use BLS OES codes built on **SOC 2010**: 539 codes, 401 of them
broad groups ('xx-xxx0') where OES publishes only the group. A code is validated as
'NN-NNNN'; a probability outside [0, 1] rejects its row with line and field.

Tables (each also has ``_line``, the source line, as its last column):

``mobility_transitions``  (``cps_asec_occ_mobility_edgelist.csv``: observed year-over-year
                          moves, CPS ASEC occupation last year -> this year)
    source_soc2010 str, target_soc2010 str, prob float (P(target | source), self-loop
    included: the stay-put share), prob_in float, source_title str, target_title str,
    source_emp float (OEWS employment of the source, the weight used when cells merge)
``career_changers``       (``onet_career_changers_edgelist.csv``: the O*NET Career Changers
                          matrix collapsed to the same codes; built from content similarity
                          with expert review, so a **baseline, never a label**)
    source_soc2010 str, target_soc2010 str, out_degree int, prob float
``mobility_occupations``  (``mobility_network_nodes.csv``) soc2010_code str, title str

Two joins later stages need live here, next to the codes they interpret:

* ``leave_distribution``: drop the stay-put diagonal and renormalize, so each source's
  probabilities say where people go *when they leave* it;
* ``soc2010_to_onet``: each SOC 2010 / OES code as the O*NET-SOC 2019 occupations it covers,
  through the O*NET-SOC 2010 -> SOC 2018 crosswalk (see its docstring for broad groups).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl

from matching.ingest.loaders.base import (
    Col,
    Loaded,
    LoadReport,
    load_with_spec,
    matches,
    reject_duplicate_ids,
    text_col,
)
from matching.ingest.loaders.source import Source

FOLDER = "transitions"

_SOC2010 = matches(r"\d{2}-\d{4}")
_SOC_PROBLEM = "not a SOC 2010 / OES code (NN-NNNN)"


def _probability(value: str) -> str | None:
    """A probability in [0, 1]; anything else is invalid (and rejects the row)."""
    try:
        number = float(value)
    except ValueError:
        return None
    return value if 0.0 <= number <= 1.0 else None


def _code(name: str, source: str) -> Col:
    return Col(name, (source,), required=True, normalize=_SOC2010, problem=_SOC_PROBLEM)


def _prob(name: str, source: str, *, required: bool = True) -> Col:
    return Col(
        name,
        (source,),
        kind="float",
        required=required,
        normalize=_probability,
        problem="not a probability in [0, 1]",
    )


MOBILITY = [
    _code("source_soc2010", "OCC_source"),
    _code("target_soc2010", "OCC_target"),
    _prob("prob", "transition_prob_BLS_ASECnorm_corr"),
    Col("prob_in", ("transition_prob_BLS_ASECnorm_in_corr",), kind="float"),
    text_col("source_title", "OCC_TITLE_OCCLY"),
    text_col("target_title", "OCC_TITLE_OCC"),
    Col("source_emp", ("TOT_EMP_OCCLY",), kind="float"),
]
CAREER_CHANGERS = [
    _code("source_soc2010", "OCC_source"),
    _code("target_soc2010", "OCC_target"),
    Col("out_degree", ("out_degree",), kind="int"),
    _prob("prob", "trans_prob_cc"),
]
NODES = [
    _code("soc2010_code", "OCC_code"),
    text_col("title", "OCC_title"),
]


def _load(table: str, spec: list[Col], key: list[str]) -> Callable[[list[Path]], Loaded]:
    """A loader for one CSV: typed by ``spec``, rows repeating ``key`` rejected."""

    def load(paths: list[Path]) -> Loaded:
        return _dedupe(load_with_spec(table, paths[0], spec, record_key=key[0]), key)

    return load


def _dedupe(loaded: Loaded, key: list[str]) -> Loaded:
    """A pair listed twice is ambiguous: the first is kept, each repeat rejected by line."""
    what = "id" if len(key) == 1 else "pair"
    file = loaded.report.files[-1] if loaded.report.files else None
    table = reject_duplicate_ids(loaded.table, key, loaded.report, file=file, what=what)
    return Loaded(table, loaded.report)


_PAIR = ["source_soc2010", "target_soc2010"]
load_mobility = _load("mobility_transitions", MOBILITY, _PAIR)
load_career_changers = _load("career_changers", CAREER_CHANGERS, _PAIR)
load_nodes = _load("mobility_occupations", NODES, ["soc2010_code"])


# --------------------------------------------------------------------------- joins


def leave_distribution(transitions: pl.DataFrame) -> pl.DataFrame:
    """Where people go when they leave a source: diagonal dropped, the rest renormalized.

    Returns source_soc2010, target_soc2010, p_leave (sums to 1 per source), stay (the
    dropped self-loop share, null if the source had none) and source_emp. A source whose
    only edge is its self-loop has nowhere observed to go and is left out.
    """
    stay = transitions.filter(pl.col("source_soc2010") == pl.col("target_soc2010")).select(
        "source_soc2010", pl.col("prob").alias("stay")
    )
    moves = transitions.filter(
        (pl.col("source_soc2010") != pl.col("target_soc2010")) & (pl.col("prob") > 0)
    )
    total = pl.col("prob").sum().over("source_soc2010")
    return (
        moves.with_columns((pl.col("prob") / total).alias("p_leave"))
        .join(stay, on="source_soc2010", how="left")
        .select("source_soc2010", "target_soc2010", "p_leave", "stay", "source_emp")
        .sort("source_soc2010", "p_leave", "target_soc2010", descending=[False, True, False])
    )


def soc2010_to_onet(
    codes: pl.Series | list[str], xwalk_2010_2018: pl.DataFrame, occupations: pl.DataFrame
) -> tuple[pl.DataFrame, LoadReport]:
    """Each SOC 2010 / OES code as the O*NET-SOC 2019 occupations it covers.

    Chain: SOC 2010 code -> the O*NET-SOC 2010 occupations under it (a detailed code
    'NN-NNNN' covers 'NN-NNNN.xx'; a broad group 'NN-NNN0' covers every detailed code with
    its first six characters, which is how SOC numbers broad groups) -> their SOC 2018
    codes (crosswalk; the one broad 2018 target, 19-1020, covers its detailed codes) ->
    every O*NET-SOC 2019 occupation whose SOC 2018 code that is (``onet_occupations``
    carries ``soc2018_code`` from the import). A 2010 code can fan out to several 2018
    occupations and a 2018 occupation can collect several 2010 codes (15-1132 and 15-1133
    both became 15-1252); callers aggregate. Codes that reach no occupation are reported.

    Returns (soc2010_code, level 'detailed' | 'broad' | 'minor', onet_soc_code) and the report.
    """
    report = LoadReport("soc2010_to_onet")
    wanted = pl.DataFrame({"soc2010_code": pl.Series(codes, dtype=pl.String)}).unique()
    code = pl.col("soc2010_code")
    wanted = wanted.with_columns(
        pl.when(code.str.ends_with("000"))
        .then(pl.lit("minor"))
        .when(code.str.ends_with("0"))
        .then(pl.lit("broad"))
        .otherwise(pl.lit("detailed"))
        .alias("level"),
        pl.when(code.str.ends_with("000"))
        .then(code.str.slice(0, 4))
        .when(code.str.ends_with("0"))
        .then(code.str.slice(0, 6))
        .otherwise(code)
        .alias("_prefix"),
    )
    onet2010 = xwalk_2010_2018.select(
        pl.col("onet_soc_2010_code").str.slice(0, 7).alias("_detailed2010"), "soc2018_code"
    ).unique()
    to2018 = (
        pl.concat(
            [
                wanted.filter(pl.col("level") == level).join(
                    onet2010.with_columns(
                        pl.col("_detailed2010").str.slice(0, width).alias("_prefix")
                    ),
                    on="_prefix",
                )
                for level, width in (("minor", 4), ("broad", 6), ("detailed", 7))
            ]
        )
        .select("soc2010_code", "level", "soc2018_code")
        .unique()
    )
    occ = occupations.select("onet_soc_code", "soc2018_code")
    exact = to2018.join(occ, on="soc2018_code")
    broad2018 = (
        to2018.filter(pl.col("soc2018_code").str.ends_with("0"))
        .with_columns(pl.col("soc2018_code").str.slice(0, 6).alias("_p"))
        .join(occ.with_columns(pl.col("soc2018_code").str.slice(0, 6).alias("_p")), on="_p")
        .select("soc2010_code", "level", "onet_soc_code")
    )
    mapped = (
        pl.concat([exact.select("soc2010_code", "level", "onet_soc_code"), broad2018])
        .unique()
        .sort("soc2010_code", "onet_soc_code")
    )
    missing = wanted.join(mapped, on="soc2010_code", how="anti").sort("soc2010_code")
    for code in missing.get_column("soc2010_code"):
        report.reject(
            "2010_to_2018_SOC_Crosswalk.xlsx",
            None,
            "soc2010_code",
            "SOC 2010 code reaches no O*NET-SOC 2019 occupation; its moves are "
            "left out of the labels",
            severity="repaired",
            record=code,
        )
    report.rows_read, report.rows_kept = wanted.height, wanted.height - missing.height
    return mapped, report


# --------------------------------------------------------------------------- sources


SOURCES: list[Source] = [
    Source(
        "mobility_transitions",
        FOLDER,
        ("cps_asec_occ_mobility_edgelist.csv",),
        load_mobility,
        description="CPS ASEC observed occupation moves (SOC 2010 / OES)",
    ),
    Source(
        "career_changers",
        FOLDER,
        ("onet_career_changers_edgelist.csv",),
        load_career_changers,
        description="O*NET Career Changers (similarity-built; baseline, not a label)",
    ),
    Source(
        "mobility_occupations",
        FOLDER,
        ("mobility_network_nodes.csv",),
        load_nodes,
        description="mobility network occupation titles (SOC 2010 / OES)",
    ),
]
