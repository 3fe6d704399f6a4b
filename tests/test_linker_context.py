"""The linker's learned context signal: the context index, the features, their effect on a
trained (demo) linker, ranking without contexts, persistence and the demo examples."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from matching.ingest.bundle import Bundle
from matching.nlp.extraction.context import CONTEXT_FEATURES
from matching.nlp.extraction.linker import FEATURES, SkillLinker
from matching.nlp.taxonomy import SkillTaxonomy
from training.nlp.linker_data import read_linker_examples, train_demo_linker
from training.nlp.train import DEMO_LINKER_EXAMPLES

VENEPUNCTURE = "perform venepuncture procedures"
TRUCK, PHLEBOTOMY, FORKLIFT = "53-3032.00", "31-9097.00", "53-7051.00"
COLS = slice(FEATURES.index(CONTEXT_FEATURES[0]), FEATURES.index(CONTEXT_FEATURES[-1]) + 1)


@pytest.fixture(scope="module")
def taxonomy(demo_bundle: Path) -> SkillTaxonomy:
    return SkillTaxonomy.from_bundle(Bundle(demo_bundle))


@pytest.fixture(scope="module")
def linker(taxonomy: SkillTaxonomy) -> SkillLinker:
    return train_demo_linker(taxonomy, DEMO_LINKER_EXAMPLES)[0]


def _id(taxonomy: SkillTaxonomy, label: str) -> str:
    found = taxonomy.uri_for_label(label)
    assert found is not None, label
    return found


def _score(linker: SkillLinker, text: str, skill: str, context: tuple[str, ...]) -> float:
    ranked = linker.rank([text], None, forced=[[skill]], contexts=[context])[0]
    return dict(ranked).get(skill, 0.0)


def test_context_index_holds_esco_occupation_skills(linker: SkillLinker) -> None:
    ctx = linker.index_.context
    assert ctx is not None and PHLEBOTOMY in ctx.codes
    rows = ctx.rows_of()
    assert rows["31-9097"] == rows[PHLEBOTOMY]  # a six-digit SOC code finds its O*NET rows
    pos = linker.index_.positions()
    essential = ctx.essential[rows[PHLEBOTOMY][0]].toarray().ravel()
    assert [s for s in pos if essential[pos[s]] > 0], "phlebotomists have essential skills"


def test_context_features_missing_without_context(
    linker: SkillLinker, taxonomy: SkillTaxonomy
) -> None:
    texts = ["Perform venipuncture on adult patients.", "Drive a tractor-trailer."]
    none = linker.candidates(texts)
    assert (none.features[:, COLS][:, 0] == 0).all()
    assert np.isnan(none.features[:, COLS][:, 1:]).all()
    some = linker.candidates(texts, [(PHLEBOTOMY,), ("99-9999.99",)])
    first = some.features[some.text == 0][:, COLS]
    assert (first[:, 0] == 1).all() and (first[:, -1] == 1).all()  # known context
    vene = linker.index_.positions()[_id(taxonomy, VENEPUNCTURE)]
    row = some.features[(some.text == 0) & (some.skill == vene)][:, COLS]
    assert row.size and row[0, 1] == 1.0  # essential for phlebotomists
    unknown = some.features[some.text == 1][:, COLS]
    assert (unknown[:, 0] == 1).all() and (unknown[:, -1] == 0).all()
    assert (unknown[:, 1:-1] == 0).all()  # an unknown occupation lists none of the skills


def test_context_moves_in_field_skills_up(linker: SkillLinker, taxonomy: SkillTaxonomy) -> None:
    vehicle = _id(taxonomy, "control the performance of the vehicle")
    text = "Check the performance of the equipment before each use."
    assert _score(linker, text, vehicle, (TRUCK,)) > _score(linker, text, vehicle, (PHLEBOTOMY,))
    checks = _id(taxonomy, "conduct forklift inspections")
    text = "Inspect the equipment before every shift."
    assert _score(linker, text, checks, (FORKLIFT,)) > _score(linker, text, checks, (PHLEBOTOMY,))


def test_rank_without_contexts_is_the_plain_ranking(linker: SkillLinker) -> None:
    texts = ["Operate a forklift and stack pallets.", "Take vital signs.", "", "the and of"]
    plain = linker.rank(texts, 10)
    assert plain == linker.rank(texts, 10, contexts=None)
    assert plain == linker.rank(texts, 10, contexts=[()] * len(texts))
    assert plain != linker.rank(texts, 10, contexts=[(PHLEBOTOMY,)] * len(texts))
    with pytest.raises(ValueError, match="contexts has 1 entries for 4 texts"):
        linker.rank(texts, 10, contexts=[()])


def test_save_load_keeps_the_context_index(linker: SkillLinker, tmp_path: Path) -> None:
    linker.save(tmp_path / "linker")
    loaded = SkillLinker.load(tmp_path / "linker")
    assert loaded.index_.context is not None
    assert loaded.index_.context.codes == linker.index_.context.codes
    texts = ["Label every specimen and check the performance of the equipment."]
    contexts = [(PHLEBOTOMY, TRUCK)]
    assert loaded.rank(texts, 5, contexts=contexts) == linker.rank(texts, 5, contexts=contexts)


def test_old_linker_format_asks_for_retraining(linker: SkillLinker, tmp_path: Path) -> None:
    import json

    path = linker.save(tmp_path / "old")
    config = json.loads((path / "config.json").read_text())
    config["format"] = "pathmatch-linker/1"
    (path / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="not a pathmatch-linker/2 linker"):
        SkillLinker.load(path)


def test_demo_examples_are_valid(taxonomy: SkillTaxonomy, linker: SkillLinker) -> None:
    examples = read_linker_examples(DEMO_LINKER_EXAMPLES, taxonomy)
    assert len(examples) >= 100
    assert all(e.context for e in examples)
    assert sum(not e.gold for e in examples) >= 10  # sentences that name no skill
    dev = linker.fit_info_["dev_metrics"]
    assert dev["demo_dev_ctx_n"] >= 30
    assert dev["demo_dev_ctx_MRR"] >= dev["demo_dev_noctx_MRR"] - 0.05


def test_demo_examples_reject_unknown_ids(taxonomy: SkillTaxonomy, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "context": [], "skills": ["http://example.org/nope"]}\n')
    with pytest.raises(ValueError, match="line 1: skills not in the taxonomy"):
        read_linker_examples(bad, taxonomy)


def test_encoder_features_behind_the_hyper_parameter(
    taxonomy: SkillTaxonomy, linker: SkillLinker, tmp_path: Path
) -> None:
    from matching.nlp.extraction.linker import ENCODER_FEATURES

    cols = [FEATURES.index(f) for f in ENCODER_FEATURES]
    texts = ["Measure vital signs of residents.", "Weld steel plate."]
    assert np.isnan(linker.candidates(texts).features[:, cols]).all()  # encoder=None
    semantic = SkillLinker(objective="lexical", encoder="wordllama").fit(taxonomy, [])
    cand = semantic.candidates(texts)
    values = cand.features[:, cols]
    assert np.isfinite(values).all() and (values[:, 1] >= values[:, 0] - 1e-6).all()
    vitals = semantic.index_.positions()[_id(taxonomy, "monitor patient's vital signs")]
    weld = semantic.index_.positions()[_id(taxonomy, "operate welding equipment")]
    pair = cand.features[(cand.text == 0) & (cand.skill == vitals)][:, cols]
    other = cand.features[(cand.text == 1) & (cand.skill == weld)][:, cols]
    assert pair.size and other.size and pair[0, 0] > 0.3
    loaded = SkillLinker.load(semantic.save(tmp_path / "semantic"))
    again = loaded.candidates(texts).features[:, cols]
    np.testing.assert_allclose(again, values, rtol=1e-5)
