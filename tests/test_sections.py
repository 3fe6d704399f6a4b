"""Sectioning of postings: headings, glued headings, sentence-level boilerplate, kinds."""

from __future__ import annotations

import polars as pl
import pytest
import spacy

from matching.nlp.extraction import SECTIONS_KEY
from matching.nlp.extraction.sections import (
    BOILERPLATE,
    Sectioner,
    find_headings,
    literal_triggers_ok,
    section_text,
)

POSTING = """Acme Logistics is a leading provider of freight services founded in 1987.
We are hiring a Warehouse Associate for our Dallas site.

Responsibilities:
- Operate forklifts and pallet jacks safely
- Count inventory and reconcile shipments

Requirements
- 2+ years of warehouse experience
- Forklift certification

Benefits:
- Medical, dental and vision insurance
- 401(k) with company match

About Us
Acme has 40 offices across the US and values teamwork.

How to apply: send your resume to jobs@acme.example.

Acme is an Equal Opportunity Employer. All qualified applicants will receive consideration \
without regard to race, color, religion, sex, national origin, disability or veteran status."""


def label_of(text: str, sections: list, needle: str) -> str:
    at = text.index(needle)
    return next(s.label for s in sections if s.start <= at < s.end)


def test_headings_label_the_sections() -> None:
    sections = section_text(POSTING)
    assert label_of(POSTING, sections, "Operate forklifts") == "responsibilities"
    assert label_of(POSTING, sections, "2+ years of warehouse") == "requirements"
    assert label_of(POSTING, sections, "Forklift certification") == "requirements"
    assert label_of(POSTING, sections, "Medical, dental") == "benefits"
    assert label_of(POSTING, sections, "40 offices") == "company"
    assert label_of(POSTING, sections, "send your resume") == "application"


def test_boilerplate_sentences_without_headings() -> None:
    sections = section_text(POSTING)
    # First sentence: a company blurb, although it opens the posting (no heading).
    assert label_of(POSTING, sections, "Acme Logistics is a leading") == "company"
    assert label_of(POSTING, sections, "We are hiring a Warehouse") == "summary"
    # The EEO statement is a bare last paragraph after the application section.
    assert label_of(POSTING, sections, "Equal Opportunity Employer") == "eeo"
    assert label_of(POSTING, sections, "without regard to race") == "eeo"


def test_sections_cover_the_text_contiguously() -> None:
    sections = section_text(POSTING)
    assert sections[0].start == 0 and sections[-1].end == len(POSTING)
    assert all(a.end == b.start for a, b in zip(sections, sections[1:], strict=False))
    assert all(a.label != b.label for a, b in zip(sections, sections[1:], strict=False))


def test_glued_headings_from_the_linkedin_scrape() -> None:
    text = (
        "Job descriptionA leading firm seeks a coordinator.Who you are:You must know "
        "InDesign.Benefits:Paid time offSchedule:8 hour shiftExperience:Marketing: 1 year"
    )
    found = [(h.text, h.label) for h in find_headings(text)]
    assert ("Job description", "summary") in found
    assert ("Who you are", "requirements") in found
    assert ("Benefits", "benefits") in found
    assert ("Schedule", "benefits") in found
    assert ("Experience", "requirements") in found
    sections = section_text(text)
    assert label_of(text, sections, "You must know") == "requirements"
    assert label_of(text, sections, "8 hour shift") == "benefits"


def test_heading_words_inside_sentences_are_not_headings() -> None:
    text = "Benefits include a great team. The requirements of the job are simple."
    assert find_headings(text) == []


def test_a_requirement_naming_boilerplate_words_stays_mined() -> None:
    text = (
        "Requirements:\nKnowledge of EEO, OFCCP practices and Lean Manufacturing.\n"
        "We are an equal opportunity employer."
    )
    sections = section_text(text)
    assert label_of(text, sections, "Knowledge of EEO") == "requirements"
    assert label_of(text, sections, "We are an equal") == "eeo"


def test_requirement_inside_a_boilerplate_section_is_mined() -> None:
    text = (
        "About the Company:\nWe build bridges.\n"
        "You will need 3+ years of experience with AutoCAD and the ability to lead crews."
    )
    sections = section_text(text)
    assert label_of(text, sections, "We build bridges") == "company"
    assert label_of(text, sections, "3+ years of experience") == "other"
    assert "other" not in BOILERPLATE


def test_long_run_on_segment_is_split_at_the_boilerplate_clause() -> None:
    text = (
        "Manage promoters and communicate with them on a regular basis, provide coaching "
        "and feedback, track weekly sales numbers and prepare reports for the regional "
        "manager, coordinate store visits and product demonstrations across the territory "
        "We offer a competitive base salary and a comprehensive benefits package"
    )
    sections = section_text(text)
    assert label_of(text, sections, "Manage promoters") == "summary"
    assert label_of(text, sections, "competitive base salary") == "benefits"


@pytest.mark.parametrize("kind", ["course", "intake"])
def test_course_and_intake_are_body_except_noise(kind: str) -> None:
    text = (
        "Equal opportunity employer values, 401(k) and benefits are covered in week 3.\n"
        "https://example.edu/course/123\nLearn Excel pivot tables."
    )
    sections = section_text(text, kind)
    assert label_of(text, sections, "Equal opportunity") == "body"
    assert label_of(text, sections, "https://example.edu") == "noise"
    assert label_of(text, sections, "Learn Excel") == "body"


def test_unknown_kind_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        section_text("x", "resume")


def test_component_writes_sections_token_labels_and_sentences() -> None:
    nlp = spacy.blank("en")
    sectioner = Sectioner(nlp, "sectioner", "posting", True)
    doc = sectioner(nlp.make_doc(POSTING))
    group = doc.spans[SECTIONS_KEY]
    assert group[0].start == 0 and group[-1].end == len(doc)
    assert all(a.end == b.start for a, b in zip(group, list(group)[1:], strict=False))
    token = next(t for t in doc if t.text == "pallet")
    assert token._.section == "responsibilities"
    assert next(t for t in doc if t.text == "dental")._.section == "benefits"
    assert doc._.kind == "posting"
    sentence_texts = [s.text.strip() for s in doc.sents]
    assert (
        "- Forklift certification" in sentence_texts or "Forklift certification" in sentence_texts
    )


def test_intake_fragments_become_sentences() -> None:
    nlp = spacy.blank("en")
    doc = Sectioner(nlp, "sectioner", "intake", True)(
        nlp.make_doc("5 yrs cashier, handled cash + inventory, forklift cert")
    )
    assert [s.text for s in doc.sents] == [
        "5 yrs cashier,",
        "handled cash + inventory,",
        "forklift cert",
    ]
    assert {s.label_ for s in doc.spans[SECTIONS_KEY]} == {"body"}


def test_every_boilerplate_rule_has_a_fast_trigger() -> None:
    assert literal_triggers_ok()


@pytest.mark.shared
def test_real_postings_boilerplate_share(shared_data) -> None:
    frames = [
        pl.read_csv(p, infer_schema_length=0, encoding="utf8-lossy")
        for p in sorted((shared_data / "postings").glob("*.csv"))
    ]
    texts = [t for f in frames for t in f.get_column("description").to_list() if t]
    assert len(texts) == 1165
    chars = {"all": 0, "boiler": 0}
    eeo_total = eeo_tagged = 0
    for text in texts:
        sections = section_text(text)
        for s in sections:
            chars["all"] += s.end - s.start
            if s.label in BOILERPLATE:
                chars["boiler"] += s.end - s.start
        lower = text.lower()
        start = lower.find("equal opportunity employer")
        if start >= 0:
            eeo_total += 1
            eeo_tagged += label_of(text, sections, text[start : start + 10]) in BOILERPLATE
    share = chars["boiler"] / chars["all"]
    assert 0.12 < share < 0.40
    assert eeo_total > 50 and eeo_tagged / eeo_total > 0.95
