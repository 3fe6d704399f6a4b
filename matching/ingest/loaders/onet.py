"""O*NET database text edition (27.0 layout and later): occupations, titles, tools, tasks.

The text edition is tab-delimited with one header row. Its text fields hold literal double
quotes (``Use "lean" methods``), so files are read with ``csv.QUOTE_NONE``: a quote is data,
never a field delimiter. Every table keys on a validated O*NET-SOC 2019 code; a row whose
code is malformed is rejected with its line and field, and the rest of the file is kept.
``n/a`` (O*NET's "not applicable") and the other suppression markers become nulls.

Release differences handled here:

* 27.0 has no ``In Demand`` column in ``Technology Skills.txt`` (27.1 added it): the
  ``in_demand`` column is then null, without a report entry, since that is the format.
* Releases before 23.x shipped ``Tools and Technology.txt`` with a ``T2 Type`` column
  mixing tools and technology; ``onet_tools`` keeps only its ``Tools`` rows.

Tables (each also has ``_line``, the source line, as its last column):

``onet_occupations``         onet_soc_code str, title str, description str
``onet_alternate_titles``    onet_soc_code str, alternate_title str, short_title str, sources str
``onet_reported_titles``     onet_soc_code str, reported_title str, shown_in_my_next_move bool
``onet_job_zones``           onet_soc_code str, job_zone int (1-5), date str, domain_source str
``onet_technology_skills``   onet_soc_code str, example str, commodity_code str (8-digit
                             UNSPSC), commodity_title str, hot_technology bool, in_demand bool,
                             skill_id str (``onet:tech:<commodity_code>:<example lowercased>``)
``onet_tools``               onet_soc_code str, example str, commodity_code str,
                             commodity_title str, skill_id str (``onet:tool:...``)
``onet_tasks``               onet_soc_code str, task_id int, task str, task_type str,
                             incumbents_responding int, date str, domain_source str
``onet_tasks_to_dwas``       onet_soc_code str, task_id int, dwa_id str, date str,
                             domain_source str
``onet_dwa_reference``       element_id str, iwa_id str, dwa_id str, dwa_title str
``onet_education``           onet_soc_code str, element_id str, element_name str, scale_id str,
                             category int, data_value float, n int, standard_error float,
                             lower_ci_bound float, upper_ci_bound float,
                             recommend_suppress bool, date str, domain_source str
``onet_related_occupations`` onet_soc_code str, related_onet_soc_code str,
                             relatedness_tier str, index int
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import polars as pl

from matching.ingest.loaders.base import (
    Col,
    Loaded,
    decode_lines,
    line_last,
    load_with_spec,
    matches,
    onet_soc_code,
    text_col,
)
from matching.ingest.loaders.source import Source

FOLDER = "onet"

_TSV = {"delimiter": "\t", "quoting": csv.QUOTE_NONE}


def onet_version(folder: Path) -> str | None:
    """The release number from the official ``Read Me.txt`` ('O*NET 27.0 Database')."""
    readme = Path(folder) / "Read Me.txt"
    if not readme.is_file():
        return None
    text, _ = decode_lines(readme.read_bytes())
    match = re.search(r"O\*NET\s+(\d+(?:\.\d+)+)\s+Database", text)
    return match.group(1) if match else None


# --------------------------------------------------------------------------- column specs


def _code(name: str = "onet_soc_code", source: str = "O*NET-SOC Code") -> Col:
    return Col(
        name,
        (source,),
        required=True,
        normalize=onet_soc_code,
        problem="not an O*NET-SOC code (NN-NNNN.NN)",
    )


_COMMODITY = Col(
    "commodity_code",
    ("Commodity Code",),
    required=True,
    normalize=matches(r"\d{8}"),
    problem="not an 8-digit UNSPSC commodity code",
)
_DATE = text_col("date", "Date")
_DOMAIN = text_col("domain_source", "Domain Source")

OCCUPATIONS = [
    _code(),
    text_col("title", "Title", required=True),
    text_col("description", "Description"),
]
ALTERNATE_TITLES = [
    _code(),
    text_col("alternate_title", "Alternate Title", required=True),
    text_col("short_title", "Short Title"),
    text_col("sources", "Source(s)", "Sources"),
]
REPORTED_TITLES = [
    _code(),
    text_col("reported_title", "Reported Job Title", required=True),
    Col("shown_in_my_next_move", ("Shown in My Next Move",), kind="bool"),
]
JOB_ZONES = [
    _code(),
    Col(
        "job_zone",
        ("Job Zone",),
        kind="int",
        required=True,
        normalize=matches(r"[1-5]"),
        problem="job zone is not 1-5",
    ),
    _DATE,
    _DOMAIN,
]
TECHNOLOGY_SKILLS = [
    _code(),
    text_col("example", "Example", required=True),
    _COMMODITY,
    text_col("commodity_title", "Commodity Title"),
    Col("hot_technology", ("Hot Technology",), kind="bool"),
    Col("in_demand", ("In Demand",), kind="bool", optional_column=True),
]
TOOLS = [
    _code(),
    text_col("example", "Example", "T2 Example", required=True),
    _COMMODITY,
    text_col("commodity_title", "Commodity Title"),
]
_T2_TYPE = Col("t2_type", ("T2 Type",), optional_column=True)
TASKS = [
    _code(),
    Col("task_id", ("Task ID",), kind="int", required=True),
    text_col("task", "Task", required=True),
    text_col("task_type", "Task Type"),
    Col("incumbents_responding", ("Incumbents Responding",), kind="int"),
    _DATE,
    _DOMAIN,
]
TASKS_TO_DWAS = [
    _code(),
    Col("task_id", ("Task ID",), kind="int", required=True),
    text_col("dwa_id", "DWA ID", required=True),
    _DATE,
    _DOMAIN,
]
DWA_REFERENCE = [
    text_col("element_id", "Element ID", required=True),
    text_col("iwa_id", "IWA ID", required=True),
    text_col("dwa_id", "DWA ID", required=True),
    text_col("dwa_title", "DWA Title", required=True),
]
EDUCATION = [
    _code(),
    text_col("element_id", "Element ID", required=True),
    text_col("element_name", "Element Name"),
    text_col("scale_id", "Scale ID", required=True),
    Col("category", ("Category",), kind="int"),
    Col("data_value", ("Data Value",), kind="float"),
    Col("n", ("N",), kind="int"),
    Col("standard_error", ("Standard Error",), kind="float"),
    Col("lower_ci_bound", ("Lower CI Bound",), kind="float"),
    Col("upper_ci_bound", ("Upper CI Bound",), kind="float"),
    Col("recommend_suppress", ("Recommend Suppress",), kind="bool"),
    _DATE,
    _DOMAIN,
]
RELATED_OCCUPATIONS = [
    _code(),
    _code("related_onet_soc_code", "Related O*NET-SOC Code"),
    text_col("relatedness_tier", "Relatedness Tier"),
    Col("index", ("Index",), kind="int"),
]


# --------------------------------------------------------------------------- loaders


def _load(table: str, path: Path, spec: Sequence[Col], id_key: str | None = None) -> Loaded:
    """One O*NET text file typed by ``spec``; rejects carry the row's O*NET-SOC code.

    ``id_key`` names the column that identifies a row (the code of an occupation, a task
    id): a row repeating one is rejected, the first kept.
    """
    key = "onet_soc_code" if any(c.name == "onet_soc_code" for c in spec) else None
    return load_with_spec(table, path, spec, record_key=key, id_key=id_key, **_TSV)


def _simple(
    table: str, spec: Sequence[Col], id_key: str | None = None
) -> Callable[[list[Path]], Loaded]:
    return lambda paths: _load(table, paths[0], spec, id_key)


def _skill_id(prefix: str) -> pl.Expr:
    """Stable id that survives releases keeping the example text: onet:<kind>:<code>:<text>."""
    return pl.concat_str(
        [
            pl.lit(f"onet:{prefix}:"),
            pl.col("commodity_code"),
            pl.lit(":"),
            pl.col("example").str.to_lowercase(),
        ]
    ).alias("skill_id")


def load_technology_skills(paths: list[Path]) -> Loaded:
    """Technology Skills.txt with its ``skill_id``; ``in_demand`` is null before 27.1."""
    loaded = _load("onet_technology_skills", paths[0], TECHNOLOGY_SKILLS)
    return Loaded(line_last(loaded.table, _skill_id("tech")), loaded.report)


def load_tools(paths: list[Path]) -> Loaded:
    """Tools Used.txt, or the older Tools and Technology.txt restricted to its tool rows.

    The technology rows of the older file are not errors, they belong to another table, so
    they are left out of ``rows_kept`` without a reject entry.
    """
    loaded = _load("onet_tools", paths[0], [*TOOLS, _T2_TYPE])
    table = loaded.table
    if table.get_column("t2_type").is_not_null().any():
        table = table.filter(pl.col("t2_type").str.to_lowercase().str.starts_with("tool"))
        loaded.report.rows_kept = table.height
    return Loaded(line_last(table.drop("t2_type"), _skill_id("tool")), loaded.report)


def _source(
    table: str, patterns: tuple[str, ...], load: Callable[[list[Path]], Loaded], description: str
) -> Source:
    return Source(table, FOLDER, patterns, load, version=onet_version, description=description)


SOURCES: list[Source] = [
    _source(
        "onet_occupations",
        ("Occupation Data.txt",),
        _simple("onet_occupations", OCCUPATIONS, "onet_soc_code"),
        "O*NET-SOC occupations",
    ),
    _source(
        "onet_alternate_titles",
        ("Alternate Titles.txt",),
        _simple("onet_alternate_titles", ALTERNATE_TITLES),
        "alternate job titles",
    ),
    _source(
        "onet_reported_titles",
        ("Sample of Reported Titles.txt",),
        _simple("onet_reported_titles", REPORTED_TITLES),
        "titles reported by incumbents",
    ),
    _source(
        "onet_job_zones",
        ("Job Zones.txt",),
        _simple("onet_job_zones", JOB_ZONES, "onet_soc_code"),
        "job zone (preparation level) 1-5",
    ),
    _source(
        "onet_technology_skills",
        ("Technology Skills.txt",),
        load_technology_skills,
        "software and technology used, with hot-tech flags",
    ),
    _source(
        "onet_tools",
        ("Tools Used.txt", "Tools and Technology.txt"),
        load_tools,
        "tools and machines used",
    ),
    _source(
        "onet_tasks",
        ("Task Statements.txt",),
        _simple("onet_tasks", TASKS, "task_id"),
        "task statements",
    ),
    _source(
        "onet_tasks_to_dwas",
        ("Tasks to DWAs.txt",),
        _simple("onet_tasks_to_dwas", TASKS_TO_DWAS),
        "task to detailed work activity",
    ),
    _source(
        "onet_dwa_reference",
        ("DWA Reference.txt",),
        _simple("onet_dwa_reference", DWA_REFERENCE, "dwa_id"),
        "detailed work activities",
    ),
    _source(
        "onet_education",
        ("Education, Training, and Experience.txt",),
        _simple("onet_education", EDUCATION),
        "education, training and experience",
    ),
    _source(
        "onet_related_occupations",
        ("Related Occupations.txt",),
        _simple("onet_related_occupations", RELATED_OCCUPATIONS),
        "related occupations",
    ),
]
