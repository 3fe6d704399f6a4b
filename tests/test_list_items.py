"""Candidate spans for enumerations (issue 14, item 2): ``pathmatch_list_items``.

Before, a programme description such as "Students learn patient assessment, care planning,
medication and IV administration, ..." had no candidate span with the demo detector, so
every link from it was a whole-sentence guess, refused by the learned floors: the RN
programme taught nothing. The component proposes each list item as a span; the learned
linker still decides which of them link.
"""

from __future__ import annotations

import pytest
import spacy

from matching.nlp.extraction import CANDIDATES_KEY, register_extensions
from matching.nlp.extraction.list_items import LIST_ITEM_LABEL
from matching.nlp.extraction.pipeline import CONFIG_PATH, build_pipeline

RN = (
    "Students learn patient assessment, care planning, medication and IV administration, "
    "acute and chronic medical-surgical nursing, pediatric, maternity and behavioral health "
    "nursing, and leadership, with clinical placements at regional hospitals."
)


@pytest.fixture(scope="module")
def nlp() -> spacy.Language:
    register_extensions()
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("pathmatch_list_items")
    return nlp


def items(nlp: spacy.Language, text: str, kind: str = "course") -> list[str]:
    doc = nlp.make_doc(text)
    doc._.kind = kind
    doc = nlp(doc)
    spans = doc.spans[CANDIDATES_KEY] if CANDIDATES_KEY in doc.spans else []
    assert all(s.label_ == LIST_ITEM_LABEL for s in spans)
    return [s.text for s in spans]


def test_each_item_of_a_programme_list_is_a_candidate_span(nlp) -> None:
    found = items(nlp, RN)
    assert found[:3] == ["patient assessment", "care planning", "medication and IV administration"]
    assert "acute and chronic medical-surgical nursing" in found
    assert "maternity and behavioral health nursing" in found
    assert "leadership" in found, "the last item is cut at its preposition"
    assert not any(s.startswith(("Students", "learn")) for s in found)


def test_semicolons_colons_and_lead_words_split_and_strip(nlp) -> None:
    text = "The course covers blueprint reading; layout; welding symbols and shop safety."
    assert items(nlp, text) == ["blueprint reading", "layout", "welding symbols", "shop safety"]
    text = "Topics include: Excel, QuickBooks, payroll, accounts payable and receivable."
    found = items(nlp, text)
    assert found[:4] == ["Excel", "QuickBooks", "payroll", "accounts payable and receivable"]
    text = "Learn double-entry bookkeeping, bank reconciliation and the basics of payroll."
    assert items(nlp, text)[:2] == ["double-entry bookkeeping", "bank reconciliation"]


def test_a_lone_word_joined_by_and_keeps_the_words_it_shares(nlp) -> None:
    """Linked on its own word, "tool" was an IT tool and "labels" prescription labels."""
    text = "Covers machine controls, work coordinates, tool and work offsets, feeds and speeds."
    assert items(nlp, text) == [
        "machine controls",
        "work coordinates",
        "tool and work offsets",
        "feeds",
        "speeds",
    ]
    text = "Students study anatomy, nursing, and leadership skills."
    assert items(nlp, text) == ["anatomy", "nursing", "leadership skills"], "a comma: apart"


def test_the_detectors_lone_word_is_widened_not_the_matchers(nlp) -> None:
    doc = nlp.make_doc("Prepare bills of lading, packing slips and labels")
    doc._.kind = "posting"
    labels = doc.char_span(43, 49, label="DETECTED")
    assert labels is not None and labels.text == "labels"
    doc.spans[CANDIDATES_KEY] = [labels]
    spans = [(s.text, s.label_) for s in nlp(doc).spans[CANDIDATES_KEY]]
    assert spans == [("lading", LIST_ITEM_LABEL), ("packing slips and labels", LIST_ITEM_LABEL)]
    doc = nlp.make_doc("Prepare bills of lading, packing slips and labels")
    doc._.kind = "posting"
    doc.spans[CANDIDATES_KEY] = [doc.char_span(43, 49, label="TAXONOMY")]
    spans = [(s.text, s.label_) for s in nlp(doc).spans[CANDIDATES_KEY]]
    assert ("labels", "TAXONOMY") in spans
    assert ("packing slips and labels", LIST_ITEM_LABEL) not in spans


def test_no_list_no_span(nlp) -> None:
    assert items(nlp, "We strive to build trusted long-term partnerships with our clients.") == []
    assert items(nlp, "Drive to three or four client homes a day.") == [], "two items: no list"
    assert items(nlp, RN, kind="intake") == [], "intake notes are not read"


def test_items_overlapping_a_matcher_span_are_left_to_it(nlp) -> None:
    doc = nlp.make_doc("Students learn welding, blueprint reading and shop math.")
    doc._.kind = "course"
    welding = doc.char_span(15, 22, label="TAXONOMY")
    assert welding is not None and welding.text == "welding"
    doc.spans[CANDIDATES_KEY] = [welding]
    doc = nlp(doc)
    spans = [(s.text, s.label_) for s in doc.spans[CANDIDATES_KEY]]
    assert spans == [
        ("welding", "TAXONOMY"),
        ("blueprint reading", LIST_ITEM_LABEL),
        ("shop math", LIST_ITEM_LABEL),
    ]


def test_the_pipeline_runs_it_before_the_linker_and_it_survives_a_save(tmp_path) -> None:
    assert "pathmatch_list_items" in CONFIG_PATH.read_text()
    built = build_pipeline(kind="course")
    names = built.pipe_names
    assert names.index("list_items") < names.index("linker")
    built.to_disk(tmp_path / "p")
    loaded = spacy.load(tmp_path / "p")
    doc = loaded(RN)
    assert "care planning" in [s.text for s in doc.spans[CANDIDATES_KEY]]
