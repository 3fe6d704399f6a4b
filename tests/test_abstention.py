"""Abstention (issue 14, item 2): a sentence with no skill yields nothing; a link from a
whole sentence that no span names needs strong support; the floors are the pipeline's,
saved with it, so every door keeps the same set; the output lists what a caller can use.

Before, ``io.py`` kept links at hand-set floors (0.3 for spans, 0.4 for sentence-only
links, whatever the sentence), every span listed 20 candidates down to 0.01, and company
blurbs such as "We strive to build trusted long-term partnerships" linked "build trust".
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy
from test_saved_pipeline import TRAIN, URI, make_taxonomy

from matching.nlp.extraction import CANDIDATES_KEY, register_extensions
from matching.nlp.extraction.io import (
    doc_to_record,
    extract_file,
    link_floors,
    linked_skills,
    make_docs,
    skill_info_from,
)
from matching.nlp.extraction.linker import Example, SkillLinker
from matching.nlp.extraction.pipeline import (
    CONFIG_PATH,
    REFUSE,
    LinkerComponent,
    build_pipeline,
    load_pipeline,
    save_pipeline,
)
from matching.nlp.taxonomy import SkillTaxonomy
from training.nlp import abstention
from training.nlp.abstention import DevSet, Point

BLURB = "We strive to build trusted long-term partnerships with our clients and communities."
SKILLED = "Forklift certified, moved pallets in the warehouse. Strong Python and SQL skills."
RN = (
    "Students learn patient assessment, care planning, medication and IV administration, "
    "acute and chronic medical-surgical nursing, pediatric, maternity and behavioral health "
    "nursing, and leadership, with clinical placements at regional hospitals."
)


@pytest.fixture(scope="module")
def taxonomy() -> SkillTaxonomy:
    return make_taxonomy()


@pytest.fixture(scope="module")
def linker_dir(taxonomy: SkillTaxonomy, tmp_path_factory: pytest.TempPathFactory) -> Path:
    examples = [Example(text, None, tuple(URI + g for g in gold)) for text, gold in TRAIN]
    linker = SkillLinker(n_estimators=10, min_child_samples=1, num_leaves=4, real_repeat=1)
    return linker.fit(taxonomy, examples).save(tmp_path_factory.mktemp("linker") / "linker")


@pytest.fixture(scope="module")
def learned(taxonomy: SkillTaxonomy, linker_dir: Path) -> spacy.Language:
    """A pipeline with a trained (LightGBM) linker: the ``learned`` floors apply."""
    return build_pipeline(taxonomy, linker_dir=linker_dir)


def config_with(tmp_path: Path, policy: str, floors: dict[str, float]) -> Path:
    """``config.cfg`` with other floors for ``policy``."""
    text = CONFIG_PATH.read_text()
    head = f"[components.linker.floors.{policy}]\n"
    start = text.index(head) + len(head)
    end = text.index("\n\n", start)
    body = "".join(f"{k} = {v}\n" for k, v in floors.items()).rstrip("\n")
    path = tmp_path / "config.cfg"
    path.write_text(text[:start] + body + text[end:])
    return path


def test_a_company_blurb_yields_no_kept_link_with_the_demo_pipeline(
    demo_home_template, tmp_path
) -> None:
    from matching.settings import Settings
    from serving.engine import Engine

    # a copy: the engine writes its champion snapshot into its home, and the template is shared
    home = demo_home_template.copy(tmp_path / "home")
    engine = Engine.load(Settings(home=home))
    (blurb, _), (skilled, _) = engine.extract("posting", [BLURB, SKILLED])
    assert blurb == []
    assert skilled, "a sentence naming skills still links them"


def test_a_blurb_with_no_span_is_not_even_ranked_by_the_learned_linker(learned) -> None:
    component: LinkerComponent = learned.get_pipe("linker")
    assert component.policy == "learned"
    assert component.active_floors["bare_sentence"] >= REFUSE
    doc = learned(BLURB)
    assert CANDIDATES_KEY not in doc.spans or not list(doc.spans[CANDIDATES_KEY])
    assert doc._.ranked_skills == [] and doc._.skill_sentences == {}
    assert linked_skills(doc, skill_info_from(None, learned), top_k=20) == []
    assert linked_skills(learned(SKILLED), skill_info_from(None, learned), top_k=20)


def test_a_sentence_only_link_below_the_sentence_floor_goes_a_span_link_at_that_score_stays():
    register_extensions()
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    text = "Operate a forklift daily. Staff give patients their medicines on time."
    doc = nlp(text)
    span = doc.char_span(0, len("Operate a forklift"))
    assert span is not None
    span._.skills = [("esco:fork", 0.45)]
    doc.spans[CANDIDATES_KEY] = [span]
    doc._.ranked_skills = [("esco:fork", 0.45), ("esco:meds", 0.45)]
    doc._.skill_sentences = {"esco:meds": "Staff give patients their medicines on time."}
    doc._.link_floors = {"span": 0.4, "sentence": 0.5, "span_candidates": 3.0}
    labels = {"esco:fork": "operate forklift", "esco:meds": "administer medicines"}
    info = lambda s: (labels[s], "ESCO")  # noqa: E731
    assert [link.id for link in linked_skills(doc, info, top_k=5)] == ["esco:fork"]
    doc._.link_floors = {"span": 0.4, "sentence": 0.45, "span_candidates": 3.0}
    assert [link.id for link in linked_skills(doc, info, top_k=5)] == ["esco:fork", "esco:meds"]


def test_the_floors_saved_with_a_pipeline_are_what_linked_skills_keeps_after_loading(
    taxonomy: SkillTaxonomy, linker_dir: Path, learned, tmp_path: Path
) -> None:
    info = skill_info_from(taxonomy)
    default = linked_skills(learned(SKILLED), info, top_k=20)
    assert default, "the default floors keep links"
    strict = {"span": REFUSE, "sentence": REFUSE + 0.01, "bare_sentence": REFUSE + 0.01}
    built = build_pipeline(
        taxonomy, linker_dir=linker_dir, config_path=config_with(tmp_path, "learned", strict)
    )
    saved = save_pipeline(built, tmp_path / "saved")
    loaded = load_pipeline(saved, kind="posting")
    state = json.loads((saved / "linker" / "state.json").read_text())
    assert state["floors"]["learned"] == strict
    doc = loaded(SKILLED)
    assert link_floors(doc)["span"] == REFUSE and link_floors(doc)["sentence"] == REFUSE + 0.01
    assert linked_skills(doc, info, top_k=20) == [], "the saved floors refuse every link"


def test_extract_lists_at_most_the_pipelines_candidates_per_span(
    learned, taxonomy: SkillTaxonomy, tmp_path: Path
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": 1, "text": SKILLED}) + "\n")
    out = tmp_path / "out.jsonl"
    extract_file(source, out, "posting", 20, learned, taxonomy=taxonomy, progress=False)
    (record,) = [json.loads(line) for line in out.read_text().splitlines()]
    component: LinkerComponent = learned.get_pipe("linker")
    floor = component.active_floors["span"]
    assert record["spans"] and record["skills"]
    for span in record["spans"]:
        assert len(span["skills"]) <= component.span_candidates
        assert all(s["score"] >= floor for s in span["skills"])
    assert len(record["ranked"]) <= 20
    doc = learned(SKILLED)
    assert record["skills"] == doc_to_record(doc, 1, 20, taxonomy)["skills"]


def test_make_docs_carries_the_context_into_the_linker_cache(learned) -> None:
    component: LinkerComponent = learned.get_pipe("linker")
    component._cache.clear()
    docs = list(learned.pipe(make_docs(learned, [SKILLED, SKILLED], [["53-7051.00"], []])))
    assert docs[0]._.context_occupations == ("53-7051.00",)
    assert docs[1]._.context_occupations == ()
    contexts = {key[-1] for key in component._cache}
    assert contexts == {("53-7051.00",), ()}, "the same text with another context is ranked anew"
    with pytest.raises(ValueError):
        list(make_docs(learned, [SKILLED], [[], []]))


def test_floors_chosen_for_a_linker_are_saved_with_it_and_kept_after_spacy_load(
    taxonomy: SkillTaxonomy, linker_dir: Path, tmp_path: Path
) -> None:
    """Floors belong to the model they were chosen for: a linker saved with chosen floors
    brings them into every pipeline built with it, and a saved pipeline keeps them."""
    chosen = {"span": 0.55, "sentence": 0.95, "bare_sentence": REFUSE}
    linker = SkillLinker.load(linker_dir)
    assert linker.floors_ is None, "a freshly fitted linker has no chosen floors"
    linker.floors_ = chosen
    own = linker.save(tmp_path / "chosen")
    assert json.loads((own / "config.json").read_text())["floors"] == chosen
    built = build_pipeline(taxonomy, linker_dir=own)
    component: LinkerComponent = built.get_pipe("linker")
    assert component.floors["learned"]["span"] == 0.65, "config.cfg's fallback is another"
    assert component.active_floors == chosen and component.floors_source == "linker"
    loaded = load_pipeline(save_pipeline(built, tmp_path / "saved"), kind="posting")
    doc = loaded(SKILLED)
    assert link_floors(doc)["span"] == 0.55 and link_floors(doc)["sentence"] == 0.95
    links = linked_skills(doc, skill_info_from(taxonomy), top_k=20)
    assert links and all(link.score >= 0.55 for link in links)
    fallback = build_pipeline(taxonomy, linker_dir=linker_dir).get_pipe("linker")
    assert fallback.floors_source == "config" and fallback.active_floors["span"] == 0.65


def point(span: float, fp100: float, precision: float, recall: float) -> Point:
    return Point(span, REFUSE, REFUSE, fp100, precision, recall, {})


def test_the_rule_best_recall_at_the_targets_else_the_most_precise_with_recall_0_3() -> None:
    points = [
        point(0.5, 14.0, 0.70, 0.60),  # too many false links
        point(0.6, 9.0, 0.66, 0.45),
        point(0.7, 6.0, 0.75, 0.35),
    ]
    chosen, why = abstention.choose(points)
    assert chosen.span == 0.6 and why == "both targets met"
    chosen, why = abstention.choose([point(0.6, 9.0, 0.55, 0.45), point(0.7, 6.0, 0.6, 0.31),
                                     point(0.8, 2.0, 0.62, 0.1)])  # fmt: skip
    assert chosen.span == 0.7 and "unreachable" in why and "recall >= 0.3" in why


def test_on_equal_dev_figures_refusing_bare_sentences_wins_other_ties_keep_the_first() -> None:
    """A refused bare-sentence floor skips ranking the sentences with no span (speed, issue
    14 item 7): on a tie it is chosen; a tie between two ranked floors keeps grid order."""
    ranked = Point(0.8, 0.5, 0.95, 9.8, 0.85, 0.29, {})
    refused = Point(0.8, 0.5, REFUSE, 9.8, 0.85, 0.29, {})
    assert abstention.choose([ranked, refused])[0] is refused
    assert abstention.choose([refused, ranked])[0] is refused
    low, high = Point(0.85, 0.7, 0.7, 5.0, 0.8, 0.5, {}), Point(0.85, 0.7, 0.8, 5.0, 0.8, 0.5, {})
    assert abstention.choose([low, high])[0] is low
    worse = Point(0.8, 0.5, REFUSE, 9.8, 0.85, 0.28, {})  # refusing must not cost recall
    assert abstention.choose([ranked, worse])[0] is ranked


def test_choose_floors_leaves_the_chosen_floors_on_the_pipelines_linker(
    taxonomy: SkillTaxonomy, linker_dir: Path
) -> None:
    nlp = build_pipeline(taxonomy, linker_dir=linker_dir)
    gold = {text: frozenset(URI + g for g in keys) for text, keys in TRAIN}
    dev = DevSet([BLURB, "Our office is closed on Sundays."], {"toy": list(gold.items())})
    choice = abstention.choose_floors(nlp, dev)
    linker = nlp.get_pipe("linker").linker
    assert linker.floors_ == choice.point.floors()
    assert choice.point in choice.points and choice.record()["floors"] == linker.floors_
    assert choice.point.fp100 <= abstention.MAX_FP100 and choice.point.recall > 0


def test_a_programme_list_with_no_detected_span_links_with_the_demo_linker(
    nlp_home_template,
) -> None:
    """The RN programme had no candidate span, so every sentence-only link was refused and
    the programme taught nothing; its list items are candidate spans now, and the demo
    linker's own floors keep its nursing skills. A company blurb still yields nothing."""
    from matching.settings import Settings
    from serving.engine import Engine

    engine = Engine.load(Settings(home=nlp_home_template.path))
    component: LinkerComponent = engine.pipeline("course").get_pipe("linker")
    assert component.floors_source == "linker", "the demo linker carries its chosen floors"
    ((links, _),) = engine.extract("course", [RN], contexts=[["29-1141.00"]])
    labels = [link.label for link in links]
    assert any("patient" in label or "nursing care" in label for label in labels), labels
    assert any(link.from_span and link.text in RN for link in links), "quoted from an item"
    ((blurb, _),) = engine.extract("posting", [BLURB], contexts=[["31-1131.00"]])
    assert blurb == []
