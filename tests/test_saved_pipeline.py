"""The skill pipeline is built once, saved with ``nlp.to_disk`` and loaded with ``spacy.load``.

A loaded pipeline must give exactly the links of a freshly built one (spans, their skills,
the document ranking and the sentences behind sentence links) for every kind, with a
trained linker inside; a damaged or partial saved copy is rebuilt, never a traceback.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import spacy

from matching.ingest.bundle import Bundle, ImportResult, write_bundle
from matching.nlp.extraction.io import doc_to_record
from matching.nlp.extraction.linker import Example, SkillLinker
from matching.nlp.extraction.pipeline import (
    BUILT_FROM,
    KEEP_SAVED,
    LinkerComponent,
    PipelineError,
    build_pipeline,
    cached_pipeline,
    initialize_pipeline,
    load_pipeline,
    pipeline_config,
    pipeline_key,
    skill_matcher,
)
from matching.nlp.taxonomy import SkillTaxonomy, taxonomy_of

URI = "http://data.europa.eu/esco/skill/"
SKILLS = [  # (key, preferred label, alternative labels, description)
    ("py", "Python (computer programming)", ["Python"], "Programming in Python."),
    ("sql", "SQL", ["structured query language"], "Query language for databases."),
    (
        "fork",
        "operate forklift",
        ["forklift operation", "drive forklift"],
        "Operate a forklift truck to move goods.",
    ),
    (
        "cash",
        "handle cash",
        ["cash handling", "operate cash register"],
        "Register and handle cash transactions.",
    ),
    (
        "inv",
        "manage inventory",
        ["inventory control", "stock control"],
        "Control inventory levels and stock records.",
    ),
    (
        "cust",
        "provide customer service",
        ["customer service"],
        "Help customers with their questions.",
    ),
    ("weld", "weld metal parts", ["welding"], "Join metal pieces by welding."),
    ("team", "work in teams", ["teamwork"], "Work confidently within a group."),
]
TEXTS = {
    "posting": [
        "Responsibilities: operate forklifts, stock control and cash handling.\n"
        "Requirements: Python and SQL.\nBenefits: welding classes, dental.",
        "We need a cashier. Customer service and teamwork matter. We are an equal "
        "opportunity employer and welcome welding experts.",
        "",
    ],
    "course": [
        "Students learn welding of steel frames and forklift operation.",
        "An introduction to Python programming and SQL databases for analysts.",
    ],
    "intake": [
        "5 yrs cashier, handled cash + inventory, forklift cert",
        "worked w/ customers, some python, team lead at a warehouse",
    ],
}


def taxonomy_tables() -> dict[str, pl.DataFrame]:
    """The bundle tables the taxonomy is built from (``esco_skills`` and O*NET technology)."""
    frame = pl.DataFrame(
        {
            "skill_uri": [URI + s[0] for s in SKILLS],
            "preferred_label": [s[1] for s in SKILLS],
            "alt_labels": [s[2] for s in SKILLS],
            "hidden_labels": [[] for _ in SKILLS],
            "skill_type": ["skill/competence"] * len(SKILLS),
            "reuse_level": [None] * len(SKILLS),
            "description": [s[3] for s in SKILLS],
            "kind": ["skill"] * len(SKILLS),
            "status": ["released"] * len(SKILLS),
        },
        schema_overrides={
            "alt_labels": pl.List(pl.String),
            "hidden_labels": pl.List(pl.String),
            "reuse_level": pl.String,
        },
    )
    tech = pl.DataFrame(
        {
            "onet_soc_code": ["15-1252.00"],
            "example": ["Python"],
            "commodity_code": ["43232405"],
            "commodity_title": ["Object or component oriented"],
            "hot_technology": [True],
            "in_demand": [True],
            "skill_id": ["onet:tech:43232405:python"],
        }
    )
    return {"esco_skills": frame, "onet_technology_skills": tech}


def make_taxonomy() -> SkillTaxonomy:
    tables = taxonomy_tables()
    return SkillTaxonomy.from_tables(tables["esco_skills"], tables["onet_technology_skills"])


TRAIN = [
    ("Strong Python and SQL skills.", ("py", "sql")),
    ("Forklift certified, moved pallets in the warehouse.", ("fork",)),
    ("Handled cash and stock control at the store.", ("cash", "inv")),
    ("Helping customers at the counter every day.", ("cust",)),
    ("Welding of steel frames.", ("weld",)),
    ("Good teamwork and customer service.", ("team", "cust")),
    ("Inventory control and forklift driving.", ("inv", "fork")),
    ("Data queries in SQL and scripts in Python.", ("sql", "py")),
]


@pytest.fixture(scope="module")
def taxonomy() -> SkillTaxonomy:
    return make_taxonomy()


@pytest.fixture(scope="module")
def linker_dir(taxonomy: SkillTaxonomy, tmp_path_factory: pytest.TempPathFactory) -> Path:
    examples = [Example(text, None, tuple(URI + g for g in gold)) for text, gold in TRAIN]
    linker = SkillLinker(n_estimators=10, min_child_samples=1, num_leaves=4, real_repeat=1)
    return linker.fit(taxonomy, examples).save(tmp_path_factory.mktemp("linker") / "linker")


def links(nlp: spacy.Language, texts: list[str]) -> list[Any]:
    """Everything a door can render of a doc: spans with skills, the ranking, the evidence."""
    return [
        (doc_to_record(doc, i, 20), doc._.skill_sentences) for i, doc in enumerate(nlp.pipe(texts))
    ]


class Builds:
    """A build function that counts its calls (the cache must not call it needlessly)."""

    def __init__(self, taxonomy: SkillTaxonomy, linker_dir: Path | None) -> None:
        self.taxonomy, self.linker_dir, self.calls = taxonomy, linker_dir, 0

    def __call__(self) -> spacy.Language:
        self.calls += 1
        return build_pipeline(self.taxonomy, linker_dir=self.linker_dir)


BUILT_FROM_DEMO = {"bundle": "test", "detector": None, "linker": "pathmatch-linker/1"}


@pytest.mark.parametrize("kind", ["posting", "course", "intake"])
def test_loaded_pipeline_links_like_a_built_one(
    taxonomy: SkillTaxonomy, linker_dir: Path, tmp_path: Path, kind: str
) -> None:
    built = build_pipeline(taxonomy, linker_dir=linker_dir, kind=kind)
    builds = Builds(taxonomy, linker_dir)
    first = cached_pipeline(tmp_path, BUILT_FROM_DEMO, kind, builds)
    second = cached_pipeline(tmp_path, BUILT_FROM_DEMO, kind, builds)
    assert builds.calls == 1  # the second process-equivalent only loads
    expected = links(built, TEXTS[kind])
    assert any(record["ranked"] for record, _ in expected)  # the texts do link skills
    assert links(first, TEXTS[kind]) == expected
    assert links(second, TEXTS[kind]) == expected
    linker = second.get_pipe("linker")
    assert isinstance(linker, LinkerComponent) and linker.linker is not None
    assert linker.cache_size == (0 if kind == "intake" else 20000)
    assert second.get_pipe("sectioner").kind == kind


def test_lexical_pipeline_round_trip_keeps_labels(taxonomy: SkillTaxonomy, tmp_path: Path) -> None:
    builds = Builds(taxonomy, None)
    built = cached_pipeline(tmp_path, {"bundle": "lexical"}, "posting", builds)
    loaded = cached_pipeline(tmp_path, {"bundle": "lexical"}, "posting", builds)
    assert builds.calls == 1
    assert links(loaded, TEXTS["posting"]) == links(built, TEXTS["posting"])
    assert skill_matcher(loaded).skill_info[URI + "cash"] == ("handle cash", "ESCO")
    assert skill_matcher(loaded).lookup("forklift operation") == [(URI + "fork", 0.9)]
    assert loaded.get_pipe("linker").linker is None


@pytest.mark.parametrize(
    "damage", ["truncate patterns", "delete linker state", "delete built_from", "garbage config"]
)
def test_a_damaged_saved_pipeline_is_rebuilt(
    taxonomy: SkillTaxonomy,
    linker_dir: Path,
    tmp_path: Path,
    damage: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    builds = Builds(taxonomy, linker_dir)
    expected = links(
        cached_pipeline(tmp_path, BUILT_FROM_DEMO, "posting", builds), TEXTS["posting"]
    )
    saved = tmp_path / pipeline_key(BUILT_FROM_DEMO)
    if damage == "truncate patterns":
        patterns = saved / "skill_matcher" / "patterns.npz"
        patterns.write_bytes(patterns.read_bytes()[:1000])
    elif damage == "delete linker state":
        shutil.rmtree(saved / "linker")
    elif damage == "delete built_from":
        (saved / BUILT_FROM).unlink()
    else:
        (saved / "config.cfg").write_text("[nlp\nnot a config")
    with caplog.at_level(logging.WARNING, logger="matching.nlp.extraction.pipeline"):
        rebuilt = cached_pipeline(tmp_path, BUILT_FROM_DEMO, "posting", builds)
    assert builds.calls == 2
    assert links(rebuilt, TEXTS["posting"]) == expected
    (warning,) = [r.getMessage() for r in caplog.records]
    assert str(saved) in warning and "rebuilding" in warning and "\n" not in warning
    # and the rebuilt copy is whole again: the next call loads it
    cached_pipeline(tmp_path, BUILT_FROM_DEMO, "posting", builds)
    assert builds.calls == 2


def test_the_cache_keeps_the_most_recently_used_copies(
    taxonomy: SkillTaxonomy, tmp_path: Path
) -> None:
    builds = Builds(taxonomy, None)
    for n in range(KEEP_SAVED):
        cached_pipeline(tmp_path, {"bundle": f"b{n}"}, "posting", builds)
        time.sleep(0.05)
    cached_pipeline(tmp_path, {"bundle": "b0"}, "posting", builds)  # used again: "b1" oldest
    time.sleep(0.05)
    cached_pipeline(tmp_path, {"bundle": "new"}, "posting", builds)
    kept = {p.name for p in tmp_path.iterdir()}
    assert len(kept) == KEEP_SAVED and builds.calls == KEEP_SAVED + 1
    assert pipeline_key({"bundle": "b0"}) in kept and pipeline_key({"bundle": "b1"}) not in kept


def test_load_pipeline_reports_a_missing_copy_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(PipelineError, match="no complete saved pipeline") as missing:
        load_pipeline(tmp_path / "nowhere")
    assert "\n" not in str(missing.value)


def test_the_key_changes_with_what_the_pipeline_is_built_from() -> None:
    base = pipeline_key(BUILT_FROM_DEMO)
    assert pipeline_key(dict(BUILT_FROM_DEMO)) == base
    assert pipeline_key({**BUILT_FROM_DEMO, "bundle": "other"}) != base
    assert pipeline_key({**BUILT_FROM_DEMO, "linker": "pathmatch-linker/2"}) != base


def test_initialize_takes_the_taxonomy_and_linker_from_the_config(
    taxonomy: SkillTaxonomy, linker_dir: Path, tmp_path: Path
) -> None:
    """spaCy's own route: [initialize.components.*] names the bundle and the linker."""
    tables = taxonomy_tables()
    write_bundle(ImportResult(tables=tables), tmp_path, tmp_path / "bundle")
    config = pipeline_config(linker_dir=linker_dir, bundle_dir=tmp_path / "bundle")
    nlp = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
    initialize_pipeline(nlp)
    assert skill_matcher(nlp).is_built and nlp.get_pipe("linker").linker is not None
    built = build_pipeline(taxonomy, linker_dir=linker_dir)
    assert links(nlp, TEXTS["posting"]) == links(built, TEXTS["posting"])
    assert taxonomy_of(Bundle(tmp_path / "bundle")) is taxonomy_of(Bundle(tmp_path / "bundle"))
