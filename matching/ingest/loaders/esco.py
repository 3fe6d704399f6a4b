"""ESCO v1.x English CSV export: skills, occupations, their relations and hierarchies.

The ESCO portal's CSVs are comma-separated, ``"``-quoted, CRLF-terminated, and put several
values in one field separated by newlines (``altLabels``, ``hiddenLabels``); those become
``list[str]`` columns. Column names are matched by header name, so the v1.1 files and the
v1.2 files (whose relation files end in ``_en`` and carry extra label columns) both load.
URIs are validated; a row whose key URI is malformed is rejected with its line and field.

Known quirks of the official data, handled here:

* 6 skills (and the 5 occupation-skill relations pointing at them) have an empty
  ``skillType``: they are kept, ``skill_type`` is null and ``kind`` is ``skill``.
* 67 occupation-skill relations (v1.1.1) name an occupation URI that is not in
  ``occupations_en.csv``. They are **kept** with ``occupation_known = false`` and each is
  reported (severity ``repaired``, field ``occupation_uri``), so a join to the occupations
  table drops them visibly rather than silently. Without an occupations file the check is
  skipped, reported once, and ``occupation_known`` is null.
* ``skillsHierarchy_en.csv`` is ragged (empty trailing fields left out): read padded.

Tables (each also has ``_line``, the source line, as its last column):

``esco_skills``             skill_uri, preferred_label, alt_labels list[str],
                            hidden_labels list[str], skill_type ('skill/competence' |
                            'knowledge' | null), reuse_level, description,
                            kind ('skill' | 'knowledge'), status
``esco_occupations``        occupation_uri, preferred_label, alt_labels list[str],
                            isco_group (4 digits), code (ESCO code, e.g. '2654.1.7'),
                            description
``esco_occupation_skills``  occupation_uri, relation_type ('essential' | 'optional'),
                            skill_type, skill_uri, occupation_known bool
``esco_skill_broader``      concept_type, concept_uri, broader_type, broader_uri
``esco_occupation_broader`` concept_type, concept_uri, broader_type, broader_uri
``esco_skill_relations``    original_skill_uri, original_skill_type, relation_type,
                            related_skill_type, related_skill_uri
``esco_skill_groups``       group_uri, code, preferred_label, alt_labels list[str],
                            description, status
``esco_skills_hierarchy``   level_<n>_uri, level_<n>_label, level_<n>_code for n = 0..3,
                            description, scope_note
``esco_isco_groups``        isco_uri, code (1-4 digits), preferred_label,
                            alt_labels list[str], description, status
``esco_skill_collections``  skill_uri, collection ('digital', 'green', 'transversal',
                            'language', 'digComp', 'research', ...: from the file name)
All columns not marked otherwise are strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

import polars as pl

from matching.ingest.loaders.base import (
    LINE,
    Col,
    Loaded,
    LoaderError,
    LoadReport,
    decode_file,
    empty_table,
    load_with_spec,
    matches,
    text_col,
)
from matching.ingest.loaders.source import Source

FOLDER = "esco"

# --------------------------------------------------------------------------- version


_RELEASES: dict[str, list[tuple[str, str]]] = {
    # family -> (version, month of official release), oldest first (ESCO portal, "ESCO versions")
    "1.1": [("1.1.0", "2022-01"), ("1.1.1", "2022-09"), ("1.1.2", "2024-02")],
    "1.2": [("1.2.0", "2024-05"), ("1.2.1", "2025-12")],
}


def esco_version(folder: Path) -> str | None:
    """The ESCO release of the files in ``folder``, as precisely as the files allow.

    The export names no version. The family shows in the relation file names (v1.2 added
    ``_en``); within a family, the release is the first one published in or after the month
    of the latest ``modifiedDate`` in ``skills_en.csv``/``occupations_en.csv``. When no
    known release is that recent, only the family is returned.
    """
    folder = Path(folder)
    family = _family(folder)
    if family is None:
        return None
    latest = _latest_modified(folder)
    if latest is None:
        return family
    for version, released in _RELEASES[family]:
        if latest[:7] <= released:
            return version
    return family


def _family(folder: Path) -> str | None:
    names = {p.name for p in folder.glob("*.csv")}
    relations = (
        "occupationSkillRelations",
        "broaderRelationsSkillPillar",
        "skillSkillRelations",
        "broaderRelationsOccPillar",
    )
    if any(f"{r}_en.csv" in names for r in relations):
        return "1.2"
    if any(f"{r}.csv" in names for r in relations):
        return "1.1"
    return None


def _latest_modified(folder: Path) -> str | None:
    dates: list[str] = []
    for name in ("skills_en.csv", "occupations_en.csv"):
        path = folder / name
        if not path.is_file():
            continue
        try:  # decoded like every loader's text (a UTF-16 export has a version too)
            text, _ = decode_file(path)
            column = pl.read_csv(text.encode("utf-8"), columns=["modifiedDate"], infer_schema=False)
        except (pl.exceptions.PolarsError, OSError, LoaderError):
            continue
        value = column.get_column("modifiedDate").max()
        if isinstance(value, str) and re.match(r"\d{4}-\d{2}", value):
            dates.append(value)
    return max(dates) if dates else None


# --------------------------------------------------------------------------- column specs


def _uri(*kinds: str) -> Callable[[str], str | None]:
    """Validator for ESCO URIs of the given concept kinds (skill, occupation, isco, ...)."""
    alternatives = "|".join(re.escape(k) for k in kinds)
    pattern = re.compile(rf"http://data\.europa\.eu/esco/(?:{alternatives})/\S+")
    return lambda value: value if pattern.fullmatch(value) else None


_ANY_KIND = ("skill", "occupation", "isco", "isced-f")


def _uri_col(name: str, source: str, *kinds: str, required: bool = True) -> Col:
    return Col(
        name,
        (source,),
        required=required,
        normalize=_uri(*kinds),
        problem=f"not an ESCO {' or '.join(kinds)} URI",
    )


def _one_of(*allowed: str) -> Callable[[str], str | None]:
    return lambda value: value if value in allowed else None


_SKILL_TYPE = Col(
    "skill_type",
    ("skillType",),
    normalize=_one_of("skill/competence", "knowledge"),
    problem="unknown skill type",
)
_LABEL = text_col("preferred_label", "preferredLabel", required=True)
_ALT = text_col("alt_labels", "altLabels")
_DESCRIPTION = text_col("description", "description")
_STATUS = text_col("status", "status")

SKILLS = [
    _uri_col("skill_uri", "conceptUri", "skill"),
    _LABEL,
    _ALT,
    text_col("hidden_labels", "hiddenLabels"),
    _SKILL_TYPE,
    text_col("reuse_level", "reuseLevel"),
    _DESCRIPTION,
    _STATUS,
]
OCCUPATIONS = [
    _uri_col("occupation_uri", "conceptUri", "occupation"),
    _LABEL,
    _ALT,
    Col(
        "isco_group",
        ("iscoGroup",),
        normalize=matches(r"\d{4}"),
        problem="not a 4-digit ISCO-08 unit group",
    ),
    Col(
        "code",
        ("code",),
        normalize=matches(r"\d{4}(?:\.\d+)+"),
        problem="not an ESCO occupation code (NNNN.N...)",
    ),
    _DESCRIPTION,
]
OCCUPATION_SKILLS = [
    _uri_col("occupation_uri", "occupationUri", "occupation"),
    Col(
        "relation_type",
        ("relationType",),
        required=True,
        normalize=_one_of("essential", "optional"),
        problem="not essential or optional",
    ),
    _SKILL_TYPE,
    _uri_col("skill_uri", "skillUri", "skill"),
]
BROADER = [
    text_col("concept_type", "conceptType"),
    _uri_col("concept_uri", "conceptUri", *_ANY_KIND),
    text_col("broader_type", "broaderType"),
    _uri_col("broader_uri", "broaderUri", *_ANY_KIND),
]
SKILL_RELATIONS = [
    _uri_col("original_skill_uri", "originalSkillUri", "skill"),
    text_col("original_skill_type", "originalSkillType"),
    text_col("relation_type", "relationType", required=True),
    text_col("related_skill_type", "relatedSkillType"),
    _uri_col("related_skill_uri", "relatedSkillUri", "skill"),
]
SKILL_GROUPS = [
    _uri_col("group_uri", "conceptUri", "skill", "isced-f"),
    text_col("code", "code"),
    _LABEL,
    _ALT,
    _DESCRIPTION,
    _STATUS,
]
SKILLS_HIERARCHY = [
    col
    for level in range(4)
    for col in (
        _uri_col(
            f"level_{level}_uri", f"Level {level} URI", "skill", "isced-f", required=level == 0
        ),
        text_col(f"level_{level}_label", f"Level {level} preferred term"),
        text_col(f"level_{level}_code", f"Level {level} code"),
    )
] + [_DESCRIPTION, text_col("scope_note", "Scope note")]
ISCO_GROUPS = [
    _uri_col("isco_uri", "conceptUri", "isco"),
    Col(
        "code",
        ("code",),
        required=True,
        normalize=matches(r"\d{1,4}"),
        problem="not an ISCO-08 code (1-4 digits)",
    ),
    _LABEL,
    _ALT,
    _DESCRIPTION,
    _STATUS,
]
COLLECTION = [_uri_col("skill_uri", "conceptUri", "skill")]


# --------------------------------------------------------------------------- loaders


def _load(
    table: str, path: Path, spec: Sequence[Col], *, ragged: bool = False, id_key: str | None = None
) -> Loaded:
    """One ESCO CSV; with ``id_key`` (the concept URI) a repeated URI is a rejected row."""
    return load_with_spec(
        table, path, spec, pad_short_rows=ragged, id_key=id_key, record_key=id_key
    )


def _labels(*names: str) -> list[pl.Expr]:
    """Newline-separated label fields as lists of trimmed, non-empty labels."""
    return [
        pl.col(n)
        .str.split("\n")
        .list.eval(pl.element().str.strip_chars().filter(pl.element().str.strip_chars() != ""))
        .fill_null(pl.lit([], dtype=pl.List(pl.String)))
        .alias(n)
        for n in names
    ]


def _simple(
    table: str,
    spec: Sequence[Col],
    *,
    lists: Sequence[str] = (),
    ragged: bool = False,
    id_key: str | None = None,
) -> Callable[[list[Path]], Loaded]:
    def load(paths: list[Path]) -> Loaded:
        loaded = _load(table, paths[0], spec, ragged=ragged, id_key=id_key)
        return Loaded(loaded.table.with_columns(_labels(*lists)), loaded.report)

    load.__doc__ = f"Load {table} from its ESCO CSV."
    return load


def load_skills(paths: list[Path]) -> Loaded:
    """skills_en.csv; ``kind`` is 'knowledge' for knowledge concepts, 'skill' otherwise."""
    loaded = _simple(
        "esco_skills", SKILLS, lists=("alt_labels", "hidden_labels"), id_key="skill_uri"
    )(paths)
    kind = (
        pl.when(pl.col("skill_type") == "knowledge")
        .then(pl.lit("knowledge"))
        .otherwise(pl.lit("skill"))
        .alias("kind")
    )
    table = loaded.table.with_columns(kind)
    order = [c.name for c in SKILLS[:-1]] + ["kind", "status", LINE]
    return Loaded(table.select(order), loaded.report)


load_occupations = _simple(
    "esco_occupations", OCCUPATIONS, lists=("alt_labels",), id_key="occupation_uri"
)


def _is_relations(path: Path) -> bool:
    return path.name.startswith("occupationSkillRelations")


def load_occupation_skills(paths: list[Path]) -> Loaded:
    """occupationSkillRelations(.csv|_en.csv), checked against occupations_en.csv if given.

    Relations whose occupation is not in the occupations file are kept, flagged
    ``occupation_known = false`` and reported one by one (see the module docstring).
    """
    relations = [p for p in paths if _is_relations(p)]
    spec = [*OCCUPATION_SKILLS, Col("occupation_known", ("occupation_known",), kind="bool")]
    if not relations:
        report = LoadReport("esco_occupation_skills")
        report.reject(
            paths[0] if paths else "occupationSkillRelations.csv",
            None,
            None,
            "no occupationSkillRelations file",
        )
        return Loaded(empty_table(spec), report)
    loaded = _load("esco_occupation_skills", relations[0], OCCUPATION_SKILLS)
    occupations = [p for p in paths if p.name.startswith("occupations_")]
    table = _check_occupations(loaded.table, occupations, loaded.report, relations[0])
    return Loaded(table.select([c.name for c in spec] + [LINE]), loaded.report)


def _check_occupations(
    table: pl.DataFrame, occupation_files: list[Path], report: LoadReport, file: Path
) -> pl.DataFrame:
    if not occupation_files:
        report.reject(
            file,
            None,
            "occupation_uri",
            "occupations_en.csv not given; occupation URIs not checked",
            severity="missing",
        )
        return table.with_columns(pl.lit(None, dtype=pl.Boolean).alias("occupation_known"))
    known = load_occupations(occupation_files[:1]).table.get_column("occupation_uri")
    if known.is_empty():
        report.reject(
            occupation_files[0],
            None,
            "occupation_uri",
            "no occupations read; occupation URIs not checked",
            severity="missing",
        )
        return table.with_columns(pl.lit(None, dtype=pl.Boolean).alias("occupation_known"))
    report.files.append(occupation_files[0].name)
    table = table.with_columns(
        pl.col("occupation_uri").is_in(known.implode()).alias("occupation_known")
    )
    for line in table.filter(~pl.col("occupation_known")).get_column(LINE):
        report.reject(
            file,
            line,
            "occupation_uri",
            f"occupation URI not in {occupation_files[0].name}; kept, "
            "flagged occupation_known=false",
            severity="repaired",
        )
    return table


def collection_name(path: Path) -> str:
    """The collection a file holds: 'digCompSkillsCollection_en.csv' -> 'digComp'."""
    return re.sub(r"SkillsCollection(_[a-z]{2})?$", "", Path(path).stem)


def load_skill_collections(paths: list[Path]) -> Loaded:
    """Every *SkillsCollection_en.csv as (skill_uri, collection) rows, one report for all."""
    report = LoadReport("esco_skill_collections")
    tables: list[pl.DataFrame] = []
    for path in paths:
        loaded = _load("esco_skill_collections", path, COLLECTION)
        report.merge(loaded.report)
        tables.append(loaded.table.with_columns(pl.lit(collection_name(path)).alias("collection")))
    if not tables:
        return Loaded(
            empty_table(COLLECTION)
            .with_columns(pl.lit(None, dtype=pl.String).alias("collection"))
            .select("skill_uri", "collection", LINE),
            report,
        )
    return Loaded(pl.concat(tables).select("skill_uri", "collection", LINE), report)


def _source(
    table: str,
    patterns: tuple[str, ...],
    load: Callable[[list[Path]], Loaded],
    description: str,
    *,
    many: bool = False,
) -> Source:
    return Source(
        table, FOLDER, patterns, load, many=many, version=esco_version, description=description
    )


SOURCES: list[Source] = [
    _source("esco_skills", ("skills_en.csv",), load_skills, "skills and knowledge concepts"),
    _source("esco_occupations", ("occupations_en.csv",), load_occupations, "occupations"),
    # ``many``: the relation file (v1.2 name first) plus occupations_en.csv for the URI check.
    _source(
        "esco_occupation_skills",
        ("occupationSkillRelations_en.csv", "occupationSkillRelations.csv", "occupations_en.csv"),
        load_occupation_skills,
        "essential/optional skills of each occupation",
        many=True,
    ),
    _source(
        "esco_skill_broader",
        ("broaderRelationsSkillPillar_en.csv", "broaderRelationsSkillPillar.csv"),
        _simple("esco_skill_broader", BROADER),
        "skill pillar broader relations",
    ),
    _source(
        "esco_occupation_broader",
        ("broaderRelationsOccPillar_en.csv", "broaderRelationsOccPillar.csv"),
        _simple("esco_occupation_broader", BROADER),
        "occupation pillar broader relations",
    ),
    _source(
        "esco_skill_relations",
        ("skillSkillRelations_en.csv", "skillSkillRelations.csv"),
        _simple("esco_skill_relations", SKILL_RELATIONS),
        "skill-to-skill relations",
    ),
    _source(
        "esco_skill_groups",
        ("skillGroups_en.csv",),
        _simple("esco_skill_groups", SKILL_GROUPS, lists=("alt_labels",), id_key="group_uri"),
        "skill groups",
    ),
    _source(
        "esco_skills_hierarchy",
        ("skillsHierarchy_en.csv",),
        _simple("esco_skills_hierarchy", SKILLS_HIERARCHY, ragged=True),
        "skills hierarchy, one row per node with its ancestors",
    ),
    _source(
        "esco_isco_groups",
        ("ISCOGroups_en.csv",),
        _simple("esco_isco_groups", ISCO_GROUPS, lists=("alt_labels",), id_key="isco_uri"),
        "ISCO-08 groups",
    ),
    _source(
        "esco_skill_collections",
        ("*SkillsCollection_en.csv",),
        load_skill_collections,
        "skill collections (digital, green, transversal, language, ...)",
        many=True,
    ),
]
