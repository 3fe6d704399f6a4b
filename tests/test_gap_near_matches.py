"""Near matches in gap reports: the rule on the hand-labelled ESCO pairs, a paraphrase that
covers a sought skill (with where it is taught) and the coverage figure that agrees with
the gap list."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

from matching.curriculum.gaps import (
    NEAR_MIN,
    CoverageIndex,
    SoughtSkill,
    TaughtSkill,
    demand_coverage,
    description_text,
    mark_covered,
    title_text,
)
from matching.curriculum.gaps import Evidence as GapEvidence
from matching.nlp.taxonomy import SkillTaxonomy

PAIRS = Path(__file__).parent / "fixtures" / "near_skill_pairs.csv"
VITAL = "monitor patient's vital signs"
BASIC = "monitor basic patients signs"


def _pairs() -> list[dict[str, str]]:
    with PAIRS.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def esco(shared_data: Path) -> tuple[SkillTaxonomy, pl.DataFrame, dict[str, str]]:
    """The real ESCO skills named in the pairs fixture (labels, descriptions, hierarchy)."""
    from matching.ingest.loaders import esco as esco_loaders

    def table(name: str) -> pl.DataFrame:
        source = next(s for s in esco_loaders.SOURCES if s.table == name)
        return source.load(source.discover(shared_data)).table

    skills = table("esco_skills")
    wanted = {r[k] for r in _pairs() for k in ("sought", "taught")}
    subset = skills.filter(pl.col("preferred_label").is_in(list(wanted)))
    ids = dict(subset.select("preferred_label", "skill_uri").iter_rows())
    return SkillTaxonomy.from_tables(subset), table("esco_skill_broader"), ids


@pytest.fixture(scope="module")
def index(esco: tuple[SkillTaxonomy, pl.DataFrame, dict[str, str]]) -> CoverageIndex:
    from matching.nlp.encoder import SkillVectors, encoder_from_setting

    taxonomy, broader, _ = esco
    encoder = encoder_from_setting("wordllama")
    assert encoder is not None
    vectors = tuple(
        SkillVectors.build(taxonomy, encoder, text=mode, cache=False)
        for mode in ("labels", "label_description")
    )
    return CoverageIndex(taxonomy, broader, (vectors[0], vectors[1]))


def _precision_recall(index: CoverageIndex, ids: dict[str, str]) -> tuple[float, float, int]:
    rows = [r for r in _pairs() if r["sought"] in ids and r["taught"] in ids]
    said = [index.covering(ids[r["sought"]], [ids[r["taught"]]]) is not None for r in rows]
    gold = [r["near"] == "1" for r in rows]
    tp = sum(s and g for s, g in zip(said, gold, strict=True))
    return tp / max(1, sum(said)), tp / max(1, sum(gold)), len(rows)


@pytest.mark.shared
def test_near_rule_on_the_dev_pairs_beats_the_label_rule(esco, index) -> None:
    taxonomy, broader, ids = esco
    precision, recall, n = _precision_recall(index, ids)
    assert n >= 60, "the fixture's pairs are real ESCO preferred labels"
    # dev figures at NEAR_MIN = 0.62 (experiments/bench_near_matches.py): P 0.84 R 0.72
    assert precision >= 0.75 and recall >= 0.70, (precision, recall)
    words_p, words_r, _ = _precision_recall(CoverageIndex(taxonomy, broader), ids)
    assert recall > words_r and precision >= words_p, (words_p, words_r)


@pytest.mark.shared
def test_a_paraphrase_covers_the_sought_skill_and_says_where(esco, index) -> None:
    _, _, ids = esco
    found = index.covering(ids[VITAL], [ids[BASIC]])
    assert found is not None and found.kind == "near_match"
    assert found.similarity is not None and found.similarity >= NEAR_MIN
    # "drive vehicles" / "sell vehicles": a shared object is not a near match
    assert index.covering(ids["drive vehicles"], [ids["sell vehicles"]]) is None
    sought = [
        SoughtSkill(ids[VITAL], VITAL, 0.4, 8, 300.0, "essential", ["29-1141.00"], []),
        SoughtSkill(ids["SQL"], "SQL", 0.1, 2, 100.0, "not listed", ["29-1141.00"], []),
    ]
    quote = "Students **measure vital signs** and report changes to the nurse."
    taught = [TaughtSkill(ids[BASIC], BASIC, ["NURSNG 1"], [GapEvidence("NURSNG 1", quote)])]
    taught[0].where = ["description"]
    mark_covered(sought, taught, index)
    covered = sought[0].covered
    assert covered is not None and covered.courses == ["NURSNG 1"]
    assert covered.describe().startswith(f"covered by: {BASIC}, in NURSNG 1 description")
    assert covered.evidence[0].sentence == quote
    assert sought[1].covered is None, "nothing taught is near SQL: a gap"
    coverage = demand_coverage(sought)
    assert coverage.n_gaps == 1 and coverage.share_covered == pytest.approx(0.75)


def test_description_is_linked_without_its_credit_rules() -> None:
    text = (
        "Students measure vital signs and document patient care. Students may earn credit "
        "for either NURSNG 1 or 1 S but not both. A maximum of six units of independent "
        "studies is allowed. Pass/No Pass only."
    )
    assert description_text(text) == ("Students measure vital signs and document patient care.")
    assert title_text("FUNDAMENTALS OF NURSING CONCEPTS 1") == "Fundamentals of nursing concepts 1"
    assert title_text("Python for Everybody") == "Python for Everybody"
