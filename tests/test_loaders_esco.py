"""ESCO CSV loaders: real v1.1.1 counts and quirks, v1.2 file variants, bad-file fixtures."""

from __future__ import annotations

import os
import time
from pathlib import Path

import polars as pl
import pytest

from matching.ingest.loaders.base import LINE, Loaded
from matching.ingest.loaders.esco import SOURCES, collection_name, esco_version

EXPECTED_ROWS = {
    "esco_skills": 13896,
    "esco_occupations": 3007,
    "esco_occupation_skills": 123855,
    "esco_skill_broader": 20656,
    "esco_occupation_broader": 3617,
    "esco_skill_relations": 5899,
    "esco_skill_groups": 640,
    "esco_skills_hierarchy": 647,
    "esco_isco_groups": 619,
    "esco_skill_collections": 96 + 1201 + 26 + 570 + 346 + 40,
}
UNKNOWN_OCCUPATION = "http://data.europa.eu/esco/occupation/a9e54177-a185-404d-b6e6-15663d31137e"
SKILL = "http://data.europa.eu/esco/skill/"
OCC = "http://data.europa.eu/esco/occupation/"
SKILLS_HEADER = (
    "conceptType,conceptUri,skillType,reuseLevel,preferredLabel,altLabels,"
    "hiddenLabels,status,modifiedDate,scopeNote,definition,inScheme,description"
)
OCC_HEADER = (
    "conceptType,conceptUri,iscoGroup,preferredLabel,altLabels,hiddenLabels,status,"
    "modifiedDate,regulatedProfessionNote,scopeNote,definition,inScheme,description,"
    "code"
)


def _source(table: str):
    return next(s for s in SOURCES if s.table == table)


def _write(path: Path, rows: list[str] | bytes) -> Path:
    """Write CRLF-terminated lines, as the ESCO portal does."""
    data = rows if isinstance(rows, bytes) else ("\r\n".join(rows) + "\r\n").encode()
    path.write_bytes(data)
    return path


def _uuid(n: int) -> str:
    return f"00000000-0000-0000-0000-{n:012d}"


def _skill_row(n: int, skill_type: str = "knowledge", alt: str = "", date: str = "") -> str:
    return (
        f"KnowledgeSkillCompetence,{SKILL}{_uuid(n)},{skill_type},cross-sector,"
        f'skill {n},"{alt}",,released,{date},,,,"Does {n}."'
    )


def _occ_row(n: int, code: str = "2654.1.7", date: str = "") -> str:
    return (
        f'Occupation,{OCC}{_uuid(n)},{code[:4]},occupation {n},"a\nb",,released,{date},'
        f',,,,"Works.",{code}'
    )


@pytest.fixture(scope="module")
def real(shared_data: Path) -> dict[str, Loaded]:
    start = time.perf_counter()
    loaded = {s.table: s.load(s.discover(shared_data)) for s in SOURCES}
    elapsed = time.perf_counter() - start
    loaded["_elapsed"] = elapsed  # type: ignore[assignment]
    return loaded


# --------------------------------------------------------------------------- real data


@pytest.mark.shared
@pytest.mark.parametrize("table", sorted(EXPECTED_ROWS))
def test_real_row_counts(real: dict[str, Loaded], table: str) -> None:
    loaded = real[table]
    assert loaded.table.height == EXPECTED_ROWS[table]
    assert loaded.report.rows_read == loaded.report.rows_kept == EXPECTED_ROWS[table]
    assert loaded.report.rows_rejected == 0
    assert loaded.table.columns[-1] == LINE


@pytest.mark.shared
def test_real_folder_loads_in_a_few_seconds(real: dict[str, object]) -> None:
    budget = 15.0 if os.environ.get("CI") else 6.0
    assert real["_elapsed"] < budget


@pytest.mark.shared
def test_real_skills(real: dict[str, Loaded]) -> None:
    skills = real["esco_skills"].table
    assert skills.columns == [
        "skill_uri",
        "preferred_label",
        "alt_labels",
        "hidden_labels",
        "skill_type",
        "reuse_level",
        "description",
        "kind",
        "status",
        LINE,
    ]
    assert skills["skill_uri"].str.starts_with(SKILL).all()
    assert skills["skill_uri"].n_unique() == 13896
    assert skills["skill_type"].value_counts().sort("skill_type").rows() == [
        (None, 6),
        ("knowledge", 3059),
        ("skill/competence", 10831),
    ]
    assert skills["kind"].value_counts().sort("kind").rows() == [
        ("knowledge", 3059),
        ("skill", 10837),
    ]
    assert skills["alt_labels"].dtype == pl.List(pl.String)
    labels = skills["alt_labels"].explode().drop_nulls()
    assert labels.len() > 90000
    assert not labels.str.contains(r"[\r\n]").any()
    assert (labels.str.strip_chars() == labels).all()


@pytest.mark.shared
def test_real_occupations_and_codes(real: dict[str, Loaded]) -> None:
    occupations = real["esco_occupations"].table
    assert occupations["isco_group"].str.contains(r"^\d{4}$").all()
    assert occupations["code"].str.contains(r"^\d{4}(\.\d+)+$").all()
    assert (occupations["code"].str.slice(0, 4) == occupations["isco_group"]).all()
    assert occupations.filter(pl.col("code") == "2654.1.7")["preferred_label"].to_list() == [
        "technical director"
    ]
    groups = real["esco_isco_groups"].table
    assert groups["code"].str.len_chars().value_counts().sort("code").rows() == [
        (1, 10),
        (2, 43),
        (3, 130),
        (4, 436),
    ]


@pytest.mark.shared
def test_real_unknown_occupation_relations_kept_and_reported(real: dict[str, Loaded]) -> None:
    loaded = real["esco_occupation_skills"]
    table = loaded.table
    unknown = table.filter(~pl.col("occupation_known"))
    assert unknown.height == 67
    assert unknown["occupation_uri"].unique().to_list() == [UNKNOWN_OCCUPATION]
    assert len(loaded.report.rejects) == 67
    assert {(r.field, r.severity) for r in loaded.report.rejects} == {
        ("occupation_uri", "repaired")
    }
    assert sorted(r.line for r in loaded.report.rejects) == sorted(unknown[LINE].to_list())
    assert table["relation_type"].value_counts().sort("relation_type").rows() == [
        ("essential", 64946),
        ("optional", 58909),
    ]
    assert table["skill_type"].null_count() == 5  # relations to the 6 untyped skills
    skills = real["esco_skills"].table["skill_uri"]
    assert table["skill_uri"].is_in(skills.implode()).all()


@pytest.mark.shared
def test_real_collections_and_hierarchy(real: dict[str, Loaded]) -> None:
    counts = dict(real["esco_skill_collections"].table["collection"].value_counts().rows())
    assert counts == {
        "transversal": 96,
        "digital": 1201,
        "digComp": 26,
        "green": 570,
        "language": 346,
        "research": 40,
    }
    hierarchy = real["esco_skills_hierarchy"].table
    assert hierarchy["level_0_uri"].null_count() == 0
    assert hierarchy["level_3_uri"].null_count() > 0  # short (ragged) rows padded with nulls


@pytest.mark.shared
def test_real_version(shared_data: Path) -> None:
    assert esco_version(shared_data / "esco") == "1.1.1"
    assert _source("esco_skills").taxonomy_version(shared_data) == "1.1.1"


# --------------------------------------------------------------------------- fixtures


def test_multiline_labels_and_empty_skill_type(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "skills_en.csv",
        [
            SKILLS_HEADER,
            _skill_row(1, "skill/competence", alt="use tools\r\n  handle tools \r\n"),
            _skill_row(2, "", alt=""),
            _skill_row(3, "competency"),
        ],
    )
    loaded = _source("esco_skills").load([path])
    table = loaded.table
    assert table["alt_labels"].to_list() == [["use tools", "handle tools"], [], []]
    assert table["hidden_labels"].to_list() == [[], [], []]
    assert table["skill_type"].to_list() == ["skill/competence", None, None]
    assert table["kind"].to_list() == ["skill", "skill", "skill"]
    assert table[LINE].to_list() == [2, 5, 6]  # the first record spans three lines
    [reject] = loaded.report.rejects
    assert (reject.line, reject.field, reject.severity) == (6, "skill_type", "repaired")


def test_bad_uri_truncated_row_and_latin1(tmp_path: Path) -> None:
    rows = [
        SKILLS_HEADER,
        _skill_row(1),
        _skill_row(2).replace(SKILL, "http://example.org/"),
        "KnowledgeSkillCompetence," + SKILL + _uuid(3) + ",knowledge",
    ]
    data = (
        ("\r\n".join(rows) + "\r\n").encode()
        + _skill_row(4).replace("skill 4", "comp\xe9tence").encode("latin-1")
        + b"\r\n"
    )
    loaded = _source("esco_skills").load([_write(tmp_path / "skills_en.csv", data)])
    assert loaded.table["preferred_label"].to_list() == ["skill 1", "compétence"]
    found = {(r.line, r.field, r.severity) for r in loaded.report.rejects}
    assert found == {
        (3, "skill_uri", "rejected"),
        (4, "reuseLevel", "rejected"),
        (5, "preferredLabel", "repaired"),
    }
    assert all("example.org" not in r.reason for r in loaded.report.rejects)


def test_missing_columns(tmp_path: Path) -> None:
    header = SKILLS_HEADER.replace(",description", "")
    path = _write(tmp_path / "skills_en.csv", [header, _skill_row(1).rsplit(",", 1)[0]])
    loaded = _source("esco_skills").load([path])
    assert loaded.table["description"].to_list() == [None]
    assert [(r.field, r.severity) for r in loaded.report.rejects] == [("description", "missing")]
    no_uri = _write(tmp_path / "occupations_en.csv", ["preferredLabel,code", "x,2654.1"])
    loaded = _source("esco_occupations").load([no_uri])
    assert loaded.table.height == 0
    assert "alt_labels" in loaded.table.columns
    assert [(r.field, r.severity) for r in loaded.report.rejects] == [
        ("occupation_uri", "rejected")
    ]


def test_v12_relations_with_labels_and_unknown_occupation(tmp_path: Path) -> None:
    _write(tmp_path / "occupations_en.csv", [OCC_HEADER, _occ_row(1)])
    relations = _write(
        tmp_path / "occupationSkillRelations_en.csv",
        [
            "occupationUri,occupationLabel,relationType,skillType,skillUri,skillLabel",
            f"{OCC}{_uuid(1)},occupation 1,essential,knowledge,{SKILL}{_uuid(7)},skill 7",
            f"{OCC}{_uuid(2)},ghost,optional,skill/competence,{SKILL}{_uuid(8)},skill 8",
            f"{OCC}{_uuid(1)},occupation 1,sometimes,knowledge,{SKILL}{_uuid(9)},skill 9",
        ],
    )
    loaded = _source("esco_occupation_skills").load([relations, tmp_path / "occupations_en.csv"])
    assert loaded.table.columns == [
        "occupation_uri",
        "relation_type",
        "skill_type",
        "skill_uri",
        "occupation_known",
        LINE,
    ]
    assert loaded.table["occupation_known"].to_list() == [True, False]
    assert loaded.table["skill_uri"].to_list() == [f"{SKILL}{_uuid(7)}", f"{SKILL}{_uuid(8)}"]
    found = {(r.line, r.field, r.severity) for r in loaded.report.rejects}
    assert found == {(3, "occupation_uri", "repaired"), (4, "relation_type", "rejected")}
    assert loaded.report.files == ["occupationSkillRelations_en.csv", "occupations_en.csv"]


def test_relations_without_occupations_file(tmp_path: Path) -> None:
    relations = _write(
        tmp_path / "occupationSkillRelations.csv",
        [
            "occupationUri,relationType,skillType,skillUri",
            f"{OCC}{_uuid(1)},essential,knowledge,{SKILL}{_uuid(7)}",
        ],
    )
    loaded = _source("esco_occupation_skills").load([relations])
    assert loaded.table["occupation_known"].to_list() == [None]
    assert [(r.field, r.severity) for r in loaded.report.rejects] == [("occupation_uri", "missing")]
    empty = _source("esco_occupation_skills").load([tmp_path / "occupations_en.csv"])
    assert empty.table.height == 0 and len(empty.report.rejects) == 1


def test_discover_relation_file_variants(tmp_path: Path) -> None:
    folder = tmp_path / "esco"
    folder.mkdir()
    for name in (
        "occupationSkillRelations.csv",
        "occupations_en.csv",
        "broaderRelationsSkillPillar_en.csv",
        "greenSkillsCollection_en.csv",
        "researchOccupationsCollection_en.csv",
        "digCompSkillsCollection_en.csv",
    ):
        _write(folder / name, ["x"])
    names = {s.table: [p.name for p in s.discover(tmp_path)] for s in SOURCES}
    assert names["esco_occupation_skills"] == ["occupationSkillRelations.csv", "occupations_en.csv"]
    assert names["esco_skill_broader"] == ["broaderRelationsSkillPillar_en.csv"]
    assert names["esco_skill_collections"] == [
        "digCompSkillsCollection_en.csv",
        "greenSkillsCollection_en.csv",
    ]


def test_ragged_hierarchy_rows_are_padded(tmp_path: Path) -> None:
    header = (
        "Level 0 URI,Level 0 preferred term,Level 1 URI,Level 1 preferred term,"
        "Level 2 URI,Level 2 preferred term,Level 3 URI,Level 3 preferred term,"
        "Description,Scope note,Level 0 code,Level 1 code,Level 2 code,Level 3 code"
    )
    path = _write(
        tmp_path / "skillsHierarchy_en.csv",
        [
            header,
            f"{SKILL}{_uuid(1)},language skills,,,,,,,,,L",
            f"{SKILL}{_uuid(1)},language skills,{SKILL}{_uuid(2)},languages,,,,,Talk.,,L,L1,,",
            "not-a-uri,broken,,,,,,,,,X",
        ],
    )
    loaded = _source("esco_skills_hierarchy").load([path])
    table = loaded.table
    assert table["level_0_code"].to_list() == ["L", "L"]
    assert table["level_1_code"].to_list() == [None, "L1"]
    assert table["level_3_code"].to_list() == [None, None]
    assert table["description"].to_list() == [None, "Talk."]
    assert [(r.line, r.field) for r in loaded.report.rejects] == [(4, "level_0_uri")]


def test_collections_are_combined_with_their_names(tmp_path: Path) -> None:
    header = (
        "conceptType,conceptUri,preferredLabel,status,skillType,reuseLevel,altLabels,"
        "description,broaderConceptUri,broaderConceptPT"
    )
    green = _write(
        tmp_path / "greenSkillsCollection_en.csv",
        [header, f"KnowledgeSkillCompetence,{SKILL}{_uuid(1)},a,released,,,,,,"],
    )
    dig = _write(
        tmp_path / "digCompSkillsCollection_en.csv",
        [
            header,
            f"KnowledgeSkillCompetence,{SKILL}{_uuid(2)},b,released,,,,,,",
            "KnowledgeSkillCompetence,bad,c,released,,,,,,",
        ],
    )
    loaded = _source("esco_skill_collections").load([dig, green])
    assert loaded.table.select("collection", LINE).rows() == [("digComp", 2), ("green", 2)]
    assert loaded.report.files == [dig.name, green.name]
    assert [(r.file, r.line, r.field) for r in loaded.report.rejects] == [
        (dig.name, 3, "skill_uri")
    ]
    assert collection_name(Path("transversalSkillsCollection_en.csv")) == "transversal"
    empty = _source("esco_skill_collections").load([])
    assert empty.table.columns == ["skill_uri", "collection", LINE]


@pytest.mark.parametrize(
    ("names", "modified", "expected"),
    [
        (["occupationSkillRelations.csv"], "2022-08-25T12:53:49Z", "1.1.1"),
        (["occupationSkillRelations.csv"], "2021-11-02T10:00:00Z", "1.1.0"),
        (["skillSkillRelations.csv"], "2023-10-01T10:00:00Z", "1.1.2"),
        (["occupationSkillRelations_en.csv"], "2024-03-01T10:00:00Z", "1.2.0"),
        (["occupationSkillRelations_en.csv"], "2030-01-01T10:00:00Z", "1.2"),
        (["broaderRelationsOccPillar.csv"], None, "1.1"),
        ([], "2022-08-25T12:53:49Z", None),
    ],
)
def test_version_detection(
    tmp_path: Path, names: list[str], modified: str | None, expected: str | None
) -> None:
    for name in names:
        _write(tmp_path / name, ["x"])
    if modified is not None:
        _write(
            tmp_path / "skills_en.csv",
            [
                SKILLS_HEADER,
                _skill_row(1, date=modified),
                _skill_row(2, date="2019-01-01T00:00:00Z"),
            ],
        )
    assert esco_version(tmp_path) == expected
