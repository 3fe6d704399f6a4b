"""Evidence (issue 14, item 3): each kept link carries the words that support it as offsets
into the caller's text, and explanations and reports quote those words in their sentence,
each quote once, never cut mid-word.

Extraction runs through the demo engine's real pipelines (one per kind: posting sections
and boilerplate, course, intake shorthand); referrals through ``refer`` on the demo region.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from matching.nlp.extraction import register_extensions
from matching.nlp.extraction.io import extract_file, linked_skills
from matching.nlp.quotes import Quote, label_marks, render_quote
from matching.referral.referrals import refer
from matching.schemas import Constraints, Participant
from serving.gap_report import marked_html

LONG = (
    "This twelve-week program covers anatomy, physiology, pharmacology and medication "
    "administration for long-term care settings, with a clinical rotation in a local nursing "
    "home, supervised practice in wound care and infection control, and preparation for the "
    "state certification exam."
)
POSTING = (
    "About Us\nWe strive to build trusted long-term partnerships with our clients.\n"
    "Responsibilities\nOperate forklifts in a busy warehouse. Give friendly customer service "
    "at the front desk.\n"
    "Equal Opportunity Employer\nWe are an equal opportunity employer."
)
COURSE = (
    "WLD 101 Shop Basics. Students read standard blueprints and apply arc welding techniques "
    "in the shop."
)
INTAKE = "Cashier 5 yrs: customer service, cash drawer. 2 yrs w/ infection control at a NH."


def words_of(text: str) -> list[str]:
    return re.findall(r"[^\s*.]+", text)


def assert_whole_words(quote: str, source: str) -> None:
    """Every word of ``quote`` (marks and ellipses dropped) is a whole word of ``source``."""
    plain = quote.replace("**", "")
    assert "**" not in plain
    source_words = set(re.findall(r"\S+", " ".join(source.split())))
    for piece in re.split(r"\.\.\.", plain):
        tokens = piece.split()
        # inside a piece every token but the edge ones is a whole token of the source
        for token in tokens:
            assert any(token in w for w in source_words), (token, quote)
        if tokens:
            joined = " ".join(tokens)
            assert joined in " ".join(source.split()), (joined, quote)
            at = " ".join(source.split()).index(joined)
            normal = " ".join(source.split())
            assert at == 0 or normal[at - 1] == " ", ("starts mid-word", quote)
            end = at + len(joined)
            assert end == len(normal) or normal[end] == " ", ("ends mid-word", quote)


# ---------------------------------------------------------------------------- quotes


@pytest.mark.parametrize("limit", [40, 80, 160])
def test_quotes_never_cut_a_word_and_mark_the_evidence(limit: int) -> None:
    for word in ("pharmacology", "medication administration", "infection control", "exam"):
        at = LONG.index(word)
        quote = render_quote(LONG, [(at, at + len(word))], limit)
        assert f"**{word}**" in quote
        assert_whole_words(quote, LONG)
        assert quote.startswith("...") == (not quote.startswith("This"))
    assert_whole_words(render_quote(LONG, [], 50), LONG)
    assert render_quote(LONG, [], 50).endswith("...")
    assert render_quote("Short one.", []) == "Short one."


def test_one_sentence_is_quoted_once_for_all_its_skills() -> None:
    a, b = LONG.index("pharmacology"), LONG.index("infection control")
    merged = Quote(LONG, ((a, a + 12),)).merge(Quote(LONG, ((b, b + 17),)))
    text = merged.render()
    assert "**pharmacology**" in text and "**infection control**" in text
    assert_whole_words(text, LONG)
    far = Quote(LONG, ((0, 4), (len(LONG) - 5, len(LONG) - 1))).render(60)
    assert " ... " in far and "**This**" in far and "**exam**" in far


def test_sentence_links_mark_the_label_words() -> None:
    marks = label_marks(LONG, "administer medication")
    assert [LONG[s:e] for s, e in marks] == ["medication", "administration"]
    assert "**medication administration**" in Quote(LONG, marks).render()


def test_the_html_report_marks_the_words_and_escapes_the_rest() -> None:
    html = marked_html('..."<b>" & **GD&T** drawings...')
    assert html == "...&quot;&lt;b&gt;&quot; &amp; <mark>GD&amp;T</mark> drawings..."


# ---------------------------------------------------------------------------- links


@pytest.mark.parametrize("sentencizer", [True, False])
def test_a_sentence_only_link_has_its_sentence_as_evidence(sentencizer: bool) -> None:
    import spacy

    register_extensions()
    nlp = spacy.blank("en")
    if sentencizer:
        nlp.add_pipe("sentencizer")
    text = "We are hiring.  Staff give patients their medicines on time. Apply now."
    doc = nlp(text)
    said = "Staff give patients their medicines on time." if sentencizer else text
    doc._.ranked_skills = [("esco:meds", 0.8), ("esco:none", 0.7), ("esco:weak", 0.35)]
    doc._.skill_sentences = {"esco:meds": said, "esco:weak": said}
    labels = {"esco:meds": "administer medicines", "esco:none": "x", "esco:weak": "y"}
    (link,) = linked_skills(doc, lambda s: (labels[s], "ESCO"), top_k=5)
    assert link.id == "esco:meds" and not link.from_span  # no sentence: no link; 0.35 < 0.4
    assert (link.start, link.end) == (link.sentence_start, link.sentence_end)
    assert text[link.start : link.end] == link.text == said
    assert "**medicines**" in link.quote.render()


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, demo_home_template):  # -> Engine
    from matching.settings import Settings
    from serving.engine import Engine

    home = demo_home_template.copy(tmp_path_factory.mktemp("evidence_home"))
    return Engine.load(Settings(home=home)).warm()


def check_links(text: str, links: list) -> None:
    assert links, "the text links skills"
    for link in links:
        assert text[link.start : link.end] == link.text
        assert link.sentence_start <= link.start < link.end <= link.sentence_end
        sentence = text[link.sentence_start : link.sentence_end]
        assert sentence == sentence.strip() and link.quote.sentence == sentence
        assert_whole_words(link.quote.render(), sentence)
        record = link.as_dict()
        assert set(record) == {"id", "label", "taxonomy", "score", "evidence", "sentence"}
        assert record["evidence"] == {"start": link.start, "end": link.end, "text": link.text}


@pytest.mark.parametrize(
    ("kind", "text", "words"),
    [
        ("posting", POSTING, {"Operate forklifts", "customer service"}),
        ("course", COURSE, {"read standard blueprints", "apply arc welding techniques"}),
        ("intake", INTAKE, {"customer service", "infection control"}),
    ],
)
def test_offsets_point_at_the_words_in_the_original_text(engine, kind, text, words) -> None:
    ((links, _),) = engine.extract(kind, [text])
    check_links(text, links)
    found = {link.text for link in links}
    assert words <= found, found
    if kind == "posting":  # the company blurb and the EEO section link nothing
        blurb = POSTING.index("Responsibilities")
        assert all(link.start >= blurb for link in links)
        assert all(link.end <= POSTING.index("Equal Opportunity") for link in links)


def test_cli_offsets_are_into_the_line_as_given(engine, tmp_path: Path) -> None:
    """Control characters are cleaned to spaces one for one and a BOM is not text: the
    CLI's offsets still index the caller's ``text`` string."""
    text = "Cashier\x07 5 yrs:\tcustomer service and infection control."
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"\xef\xbb\xbf" + json.dumps({"id": "a", "text": text}).encode() + b"\n")
    pipe = engine.locked("intake")
    extract_file(source, tmp_path / "out.jsonl", "intake", 10, pipe.nlp, progress=False)
    (record,) = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert record["skills"]
    for link in record["skills"]:
        evidence = link["evidence"]
        assert text[evidence["start"] : evidence["end"]] == evidence["text"]
    assert "infection control" in {link["evidence"]["text"] for link in record["skills"]}


# ---------------------------------------------------------------------------- referrals

QUOTED = re.compile(r'\("(.+?)"\)')


def test_referral_explanations_quote_each_sentence_once_and_whole_words(engine) -> None:
    ctx = engine.region_context("NJ")
    participant = Participant(
        participant_id="e-1",
        state="NJ",
        zip="08619",
        education_level="high_school",
        last_hourly_wage=16.0,
        past_job_titles=["Cashier"],
        intake_text=INTAKE,
        constraints=Constraints(),
    )
    result = refer(participant, ctx, engine.reader, top_k=50)
    listed = engine.bundle.table("etpl_programs").select("program_id", "description")
    descriptions = {pid: text or "" for pid, text in listed.iter_rows()}
    quotes_seen = 0
    for referral in result.referrals:
        quotes = [q for line in referral.explanation for q in QUOTED.findall(line)]
        assert len(quotes) == len(set(quotes)), referral.explanation
        plain = [q.replace("**", "").replace("...", " ").split() for q in quotes]
        assert len({" ".join(p) for p in plain}) == len(plain), referral.explanation
        sources = " ".join([INTAKE, descriptions.get(referral.program_id, "")])
        for quote in quotes:
            assert "**" in quote or len(quote) < 200, quote
            assert_whole_words(quote, sources)
            quotes_seen += 1
    assert quotes_seen, "some explanation quotes a sentence"
