"""The extraction pipeline: guards, lemma matching, intake text, detector glue, I/O."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
import spacy
from spacy.tokens import Span

from matching.nlp.extraction import CANDIDATES_KEY, DETECTED_LABEL, TAXONOMY_LABEL
from matching.nlp.extraction.io import doc_to_record, extract_file, read_records
from matching.nlp.extraction.matcher import GuardRules, normalize_text
from matching.nlp.extraction.pipeline import (
    DetectedCandidates,
    build_pipeline,
    load_pipeline,
    pipeline_config,
    save_pipeline,
    skill_matcher,
)
from matching.nlp.taxonomy import SkillTaxonomy

ESCO = "http://data.europa.eu/esco/skill/"
SKILLS = [  # (uri suffix, preferred label, alternative labels)
    ("python", "Python (computer programming)", ["Python"]),
    ("forklift", "operate forklift", ["forklift operation", "forklift certification"]),
    ("c", "C (computer programming)", ["C"]),
    ("r", "R", ["R programming"]),
    ("ict", "ICT", ["IT"]),
    ("cash", "handle cash", ["cash handling"]),
    ("design", "design", []),
    ("cpp", "C++", []),
    ("inventory", "manage inventory", ["inventory management", "inventory"]),
    ("english", "English", []),
    ("support", "support", []),
    ("problem", "problem-solving", []),
    ("sql", "SQL", []),
    ("cyber", "cyber security", []),
]


def tiny_taxonomy() -> SkillTaxonomy:
    n = len(SKILLS)
    esco = pl.DataFrame(
        {
            "skill_uri": [ESCO + s[0] for s in SKILLS],
            "preferred_label": [s[1] for s in SKILLS],
            "alt_labels": [s[2] for s in SKILLS],
            "hidden_labels": [[] for _ in SKILLS],
            "skill_type": ["knowledge"] * n,
            "reuse_level": [None] * n,
            "description": [""] * n,
            "kind": ["knowledge"] * n,
            "status": ["released"] * n,
        },
        schema_overrides={"hidden_labels": pl.List(pl.String), "reuse_level": pl.String},
    )
    tech = pl.DataFrame(
        {
            "onet_soc_code": ["15-1252.00", "15-1252.00"],
            "example": ["Microsoft Excel", "Python"],
            "commodity_code": ["43232110", "43232405"],
            "commodity_title": ["Spreadsheet software", "Object or component oriented"],
            "hot_technology": [True, True],
            "in_demand": [True, True],
            "skill_id": ["onet:tech:43232110:microsoft excel", "onet:tech:43232405:python"],
        }
    )
    return SkillTaxonomy.from_tables(esco, tech)


@pytest.fixture(scope="module")
def taxonomy() -> SkillTaxonomy:
    return tiny_taxonomy()


@pytest.fixture(scope="module")
def nlp(taxonomy: SkillTaxonomy) -> spacy.language.Language:
    return build_pipeline(taxonomy, kind="posting")


@pytest.fixture(scope="module")
def intake_nlp(taxonomy: SkillTaxonomy) -> spacy.language.Language:
    return build_pipeline(taxonomy, kind="intake")


def matched(nlp: spacy.language.Language, text: str) -> list[tuple[str, list[str]]]:
    doc = nlp(text)
    return [
        (s.text, [i.removeprefix(ESCO) for i in s._.candidate_ids or []])
        for s in doc.spans[CANDIDATES_KEY]
    ]


def texts_of(nlp: spacy.language.Language, text: str) -> list[str]:
    return [t for t, _ in matched(nlp, text)]


# ---------------------------------------------------------------------------- guards


@pytest.mark.parametrize(
    "text",
    [
        "Students with a grade C or better may apply.",
        "Contact R. Smith or C. Jones for details.",
        "IT is important that you arrive on time.",
        "We support our community and design great stores.",
        "Plan B is to call vitamin C suppliers.",
    ],
)
def test_single_letters_and_common_words_do_not_match_plain_english(nlp, text) -> None:
    assert matched(nlp, text) == []


def test_programming_labels_match(nlp) -> None:
    found = dict(matched(nlp, "Experience programming in Python, C and R; C++ is a plus."))
    assert found["Python"] == ["python", "onet:tech:43232405:python"]
    assert found["C"] == ["c"]
    assert found["R"] == ["r"]
    assert found["C++"] == ["cpp"]


def test_case_sensitive_short_labels(nlp) -> None:
    assert texts_of(nlp, "Strong SQL skills.") == ["SQL"]
    assert texts_of(nlp, "We sql nothing here.") == []
    assert texts_of(nlp, "Fluent in English and Spanish.") == ["English"]


def test_sentence_initial_common_word_label_does_not_match() -> None:
    guards = GuardRules(common_words=["route"])
    assert guards.mode("Route", ["Route"]) == 2  # COMMON: case-sensitive + position checks
    assert guards.mode("route", ["route"]) is None  # lower-case common word: never
    assert guards.mode("forklift", ["forklift"]) == 0  # FREE (lemma)
    assert guards.mode("C", ["C"]) == 3
    assert guards.mode("SAS", ["SAS"]) == 1
    assert GuardRules(blocklist=["support"]).mode("support", ["support"]) is None
    assert GuardRules(allowlist=["route"], common_words=["route"]).mode("route", ["route"]) == 0


def test_guard_modes_of_the_configured_pipeline(nlp) -> None:
    matcher = skill_matcher(nlp)
    assert matcher.mode_of("C") == "letter"
    assert matcher.mode_of("IT") is None  # blocklisted
    assert matcher.mode_of("design") is None  # common word
    assert matcher.mode_of("SQL") == "cased"
    assert matcher.mode_of("forklift operation") == "lemma"
    assert matcher.mode_of("English") == "lemma"  # allowlisted language


# ---------------------------------------------------------------------------- matching


def test_lemma_matching_finds_inflected_forms(nlp) -> None:
    assert matched(nlp, "Operating forklifts daily.") == [("Operating forklifts", ["forklift"])]
    assert matched(nlp, "OPERATING FORKLIFTS") == [("OPERATING FORKLIFTS", ["forklift"])]
    assert matched(nlp, "Strong problem solving and problem-solving.") == [
        ("problem solving", ["problem"]),
        ("problem-solving", ["problem"]),
    ]


def test_two_word_label_written_as_one_word(nlp) -> None:
    assert matched(nlp, "Knowledge of cybersecurity and cyber security.") == [
        ("cybersecurity", ["cyber"]),
        ("cyber security", ["cyber"]),
    ]


def test_longest_match_wins(nlp) -> None:
    assert matched(nlp, "Inventory management and forklift operation.") == [
        ("Inventory management", ["inventory"]),
        ("forklift operation", ["forklift"]),
    ]


def test_onet_examples_match(nlp) -> None:
    found = matched(nlp, "Advanced Microsoft Excel skills.")
    assert found == [("Microsoft Excel", ["onet:tech:43232110:microsoft excel"])]


def test_boilerplate_sections_are_not_mined(nlp) -> None:
    text = (
        "Responsibilities:\nOperate forklifts.\nBenefits:\nPython training budget.\n"
        "We are an equal opportunity employer and value cash handling diversity."
    )
    assert texts_of(nlp, text) == ["Operate forklifts"]


# ---------------------------------------------------------------------------- intake


def test_intake_fragments(intake_nlp) -> None:
    text = "5 yrs cashier, handled cash + inventory, forklift cert"
    doc = intake_nlp(text)
    found = [(s.text, s.start_char, s.end_char) for s in doc.spans[CANDIDATES_KEY]]
    assert found == [("handled cash", 15, 27), ("inventory", 30, 39), ("forklift cert", 41, 54)]
    assert all(text[a:b] == t for t, a, b in found)
    assert [s.text for s in doc.sents][:2] == ["5 yrs cashier,", "handled cash + inventory,"]


def test_normalize_text_keeps_an_offset_map() -> None:
    text = "5yrs cashier w/ cash + inventory, forklift cert, 10 hrs/wk, SR OPS"
    norm = normalize_text(text)
    assert norm.text == (
        "5 years cashier with cash and inventory, forklift certification, 10 hours/wk, SR OPS"
    )
    start = norm.text.index("certification")
    assert text[slice(*norm.to_original(start, start + len("certification")))] == "cert"
    start = norm.text.index("and inventory")
    assert text[slice(*norm.to_original(start, start + 3))] == "+"
    assert len(norm.offsets) == len(norm.text) + 1 and norm.offsets[-1] == len(text)
    assert list(norm.offsets) == sorted(norm.offsets)
    assert normalize_text("no shorthand here").text == "no shorthand here"


def test_span_normalized_extension(intake_nlp) -> None:
    doc = intake_nlp("forklift cert w/ 3 yrs exp")
    assert doc._.normalized == "forklift certification with 3 years experience"


# ---------------------------------------------------------------------------- glue


def test_detected_candidates_copy_and_merge(nlp) -> None:
    doc = nlp("Operate forklifts safely and mentor new staff.")
    doc.ents = [Span(doc, 0, 3, label="SKILL"), Span(doc, 4, 7, label="SKILL")]
    DetectedCandidates("dc", "ents", [], ["eeo"], 12)(doc)
    spans = [(s.text, s.label_, s._.candidate_ids) for s in doc.spans[CANDIDATES_KEY]]
    assert spans == [
        ("Operate forklifts safely", TAXONOMY_LABEL, [ESCO + "forklift"]),
        ("mentor new staff", DETECTED_LABEL, []),
    ]


def test_lexical_linker_ranks_by_frequency_and_quality(nlp) -> None:
    """Without a trained linker, spans keep their label-match scores and the document
    ranking combines them by noisy-or: a preferred label named twice beats an alt label."""
    doc = nlp("Handle cash. Cash handling. Python.")
    ranked = dict(doc._.ranked_skills)
    assert ranked[ESCO + "cash"] > ranked[ESCO + "python"]
    assert all(s._.skills for s in doc.spans[CANDIDATES_KEY])


def test_the_same_words_repeated_are_one_piece_of_evidence(nlp) -> None:
    """Noisy-or runs over distinct wordings: the alt label 'cash handling' twice (in any
    case) scores what it scores once; a second wording ('handled cash') raises it."""
    once = dict(nlp("Cash handling.")._.ranked_skills)[ESCO + "cash"]
    twice = dict(nlp("Cash handling. And cash handling.")._.ranked_skills)[ESCO + "cash"]
    other = dict(nlp("Cash handling. We handled cash.")._.ranked_skills)[ESCO + "cash"]
    assert twice == once < other


def test_intake_skills_wanted_or_lacking_are_not_linked(intake_nlp, nlp) -> None:
    """The held_scope component: a skill in a wish or a denial is not one the person has;
    postings are not scoped ("we want" states a requirement)."""
    assert texts_of(intake_nlp, "got forklift certification last yr, handled cash") == [
        "forklift certification",
        "handled cash",
    ]
    assert texts_of(intake_nlp, "stocker, want forklift certification") == []
    assert texts_of(intake_nlp, "cashier, no inventory management yet") == []
    assert not intake_nlp("stocker, want forklift certification")._.ranked_skills
    assert texts_of(nlp, "We want forklift certification.") == ["forklift certification"]


def test_config_is_the_pipeline_description(tmp_path: Path) -> None:
    config = pipeline_config(kind="intake")
    assert config["components"]["sectioner"]["kind"] == "intake"
    assert "detected_candidates" not in config["nlp"]["pipeline"]
    assert config["components"]["skill_matcher"]["guards"]["blocklist"]
    with pytest.raises(ValueError, match="unknown kind"):
        pipeline_config(kind="resume")


def test_detector_is_sourced_from_its_directory(taxonomy, tmp_path: Path) -> None:
    detector = spacy.blank("en")
    detector.add_pipe("ner").add_label("SKILL")
    detector.initialize()
    detector.to_disk(tmp_path / "detector")
    nlp = build_pipeline(taxonomy, detector_dir=tmp_path / "detector")
    assert nlp.pipe_names.index("ner") < nlp.pipe_names.index("detected_candidates")
    doc = nlp("Operating forklifts daily.")
    assert ("Operating forklifts", TAXONOMY_LABEL) in [
        (s.text, s.label_) for s in doc.spans[CANDIDATES_KEY]
    ]


def test_save_and_load_round_trip(nlp, tmp_path: Path) -> None:
    text = "Programming in Python and C; operating forklifts; handled cash."
    path = save_pipeline(nlp, tmp_path / "pipeline")
    loaded = load_pipeline(path)
    assert matched(loaded, text) == matched(nlp, text)
    assert skill_matcher(loaded).skill_info[ESCO + "cash"] == ("handle cash", "ESCO")


def test_pipe_equals_one_by_one(nlp, taxonomy) -> None:
    texts = [
        "Operating forklifts and cash handling.",
        "",
        "Python, C and R programming.",
        "Benefits: dental. Responsibilities: manage inventory.",
    ] * 3
    single = [doc_to_record(nlp(t), i, 5, taxonomy) for i, t in enumerate(texts)]
    batched = [
        doc_to_record(d, i, 5, taxonomy)
        for i, d in enumerate(nlp.pipe(texts, batch_size=3, n_process=1))
    ]
    assert batched == single
    forked = [
        doc_to_record(d, i, 5, taxonomy)
        for i, d in enumerate(nlp.pipe(texts, batch_size=2, n_process=2))
    ]
    assert forked == single


# ---------------------------------------------------------------------------- I/O


def write_lines(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_output_contract_shape(nlp, taxonomy, tmp_path: Path) -> None:
    text = "Responsibilities: operating forklifts, cash handling and Python."
    source = write_lines(tmp_path / "in.jsonl", [json.dumps({"id": "p1", "text": text}).encode()])
    stats = extract_file(
        source, tmp_path / "out.jsonl", "posting", 3, nlp, taxonomy=taxonomy, progress=False
    )
    (record,) = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert stats.records == 1 and stats.errors == 0
    assert set(record) == {"id", "spans", "ranked", "skills"} and record["id"] == "p1"
    for span in record["spans"]:
        assert set(span) == {"start", "end", "text", "section", "skills"}
        assert text[span["start"] : span["end"]] == span["text"]
        assert span["section"] == "responsibilities"
        for skill in span["skills"]:
            assert set(skill) == {"id", "label", "taxonomy", "score"}
            assert skill["taxonomy"] in ("ESCO", "O*NET")
    assert [s["text"] for s in record["spans"]] == [
        "operating forklifts",
        "cash handling",
        "Python",
    ]
    assert 0 < len(record["ranked"]) <= 3
    assert all(r["taxonomy"] == "ESCO" and r["id"].startswith(ESCO) for r in record["ranked"])
    scores = [r["score"] for r in record["ranked"]]
    assert scores == sorted(scores, reverse=True)
    labels = {r["id"]: r["label"] for r in record["ranked"]}
    assert labels.get(ESCO + "forklift", "operate forklift") == "operate forklift"
    assert record["skills"], "the kept links"
    for link in record["skills"]:
        assert set(link) == {"id", "label", "taxonomy", "score", "evidence", "sentence"}
        evidence, sentence = link["evidence"], link["sentence"]
        assert text[evidence["start"] : evidence["end"]] == evidence["text"]
        assert sentence["start"] <= evidence["start"] < evidence["end"] <= sentence["end"]
    kept = {link["id"]: link["evidence"]["text"] for link in record["skills"]}
    assert kept.get(ESCO + "forklift") == "operating forklifts"


def test_bad_input_lines_are_named_and_the_rest_processed(
    nlp, taxonomy, tmp_path: Path, capsys
) -> None:
    big = "handle cash " * 25_000  # 300,000 characters
    source = write_lines(
        tmp_path / "bad.jsonl",
        [
            json.dumps({"id": "ok", "text": "Operating forklifts."}).encode(),
            b'{"id": "broken", "text": oops',
            b"",
            json.dumps({"id": "empty", "text": ""}).encode(),
            b'{"id": "latin", "text": "caf\xe9 cash handling"}',
            b"\x00\x01\x02\x03binary\x00",
            json.dumps({"id": "big", "text": big}).encode(),
            json.dumps({"id": "notext"}).encode(),
            json.dumps({"id": "last", "text": "Python."}).encode(),
        ],
    )
    out = tmp_path / "out.jsonl"
    stats = extract_file(source, out, "posting", 5, nlp, taxonomy=taxonomy, progress=False)
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in records] == ["ok", 2, 3, "empty", "latin", 6, "big", "notext", "last"]
    errors = {r["id"]: r["error"] for r in records if "error" in r}
    assert set(errors) == {2, 3, 6, "notext"}
    assert errors[2].startswith("line 2: malformed JSON")
    assert errors[6].startswith("line 6: binary")
    assert all(r["spans"] == [] and r["ranked"] == [] for r in records if "error" in r)
    assert records[0]["spans"][0]["text"] == "Operating forklifts"
    assert records[-1]["spans"][0]["text"] == "Python"
    assert records[3]["warnings"] == ["line 4: empty text"]
    assert "Windows-1252" in records[4]["warnings"][0]
    assert records[4]["spans"][0]["text"] == "cash handling"
    assert "only the first" in records[6]["warnings"][0]
    assert max(s["end"] for s in records[6]["spans"]) <= 200_000
    assert stats.records == 9 and stats.errors == 4 and stats.truncated == 1
    err = capsys.readouterr().err
    for line in (2, 3, 4, 5, 6, 7, 8):
        assert f"bad.jsonl:{line}:" in err


def test_plain_text_input_ids_are_line_numbers(tmp_path: Path) -> None:
    source = write_lines(tmp_path / "docs.txt", [b"first posting", b"", b"third \x01 one"])
    records = list(read_records(source))
    assert [(r.id, r.text, r.error) for r in records] == [
        (1, "first posting", None),
        (2, "", None),
        (3, "third   one", None),
    ]
    assert records[1].warnings == ["empty text"]
    assert records[2].warnings == ["control characters replaced by spaces"]


def test_kind_mismatch_is_refused(nlp, tmp_path: Path) -> None:
    source = write_lines(tmp_path / "docs.txt", [b"x"])
    with pytest.raises(ValueError, match="built for kind 'posting'"):
        extract_file(source, None, "intake", 5, nlp, progress=False)
