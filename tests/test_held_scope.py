"""Goal and negation scopes of intake notes (``pathmatch_held_scope``): what a person wants
or lacks is not a skill they hold."""

from __future__ import annotations

import pytest
import spacy
from spacy.language import Language

from matching.nlp.extraction import register_extensions
from matching.nlp.extraction.held_scope import NOT_HELD_KEY, held_parts
from matching.nlp.extraction.pipeline import CONFIG_PATH


@pytest.fixture(scope="module")
def nlp() -> Language:
    """A blank English pipeline with the configured cue lists (commas end intake clauses,
    as the sectioner makes them)."""
    register_extensions()
    config = spacy.util.load_config(CONFIG_PATH, interpolate=False)
    settings = dict(config["components"]["held_scope"])
    settings.pop("factory")
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer", config={"punct_chars": [".", ",", "?", "!"]})
    nlp.add_pipe("pathmatch_held_scope", config=settings)
    return nlp


def scopes(nlp: Language, text: str) -> list[tuple[str, str]]:
    doc = nlp.make_doc(text)
    doc._.kind = "intake"
    doc = nlp(doc)
    return [(s.label_, s.text) for s in doc.spans[NOT_HELD_KEY]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("got forklift cert last yr", []),
        (
            "want forklift cert + warehouse lead someday",
            [("GOAL", "want forklift cert + warehouse lead someday")],
        ),
        ("CNA 3 yrs want to be a nurse", [("GOAL", "want to be a nurse")]),
        ("interested in nursing, did retail", [("GOAL", "interested in nursing")]),
        ("want coding so I can work from home", [("GOAL", "want coding")]),
        ("drove heavy trucks, no civilian CDL yet", [("NEGATED", "no civilian CDL yet")]),
        ("cant load/unload anymore", [("NEGATED", "nt load/unload anymore")]),
        (
            "15 yrs mechanical, weak on PLCs + electrical",
            [("NEGATED", "weak on PLCs + electrical")],
        ),
        ("forklift? anything that hires", [("GOAL", "forklift?")]),
        ("maybe?", [("GOAL", "maybe?")]),
        (
            "want healthcare, something w/ patients",
            [("GOAL", "want healthcare"), ("GOAL", "something w/ patients")],
        ),
        ("want help desk, have Google IT support cert", [("GOAL", "want help desk")]),
        ("want CNA, I work weekdays", [("GOAL", "want CNA")]),
        ("want CNA. did retail", [("GOAL", "want CNA")]),
    ],
)
def test_cues_open_a_scope_to_the_end_of_the_clause(nlp, text, expected) -> None:
    assert scopes(nlp, text) == expected


def test_other_kinds_have_no_scopes(nlp) -> None:
    doc = nlp.make_doc("We want forklift operators with no accidents")
    doc._.kind = "posting"
    assert NOT_HELD_KEY not in nlp(doc).spans


def test_the_held_parts_of_a_sentence_skip_the_scopes(nlp) -> None:
    doc = nlp.make_doc("did MIG welding want TIG but also did brazing")
    doc._.kind = "intake"
    doc = nlp(doc)
    (sent,) = list(doc.sents)
    assert [p.text for p in held_parts(doc, [sent])] == ["did MIG welding", "but also did brazing"]
