"""Span detector: BIO conversion, DocBin round trip, span scoring and a tiny training run."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from spacy.tokens import DocBin

from training.nlp.span_detector import (
    SkillSpanSentence,
    bio_to_spans,
    clean_token,
    load_detector_info,
    paragraphs,
    predict_spans,
    pretrain_tok2vec,
    read_conll,
    read_skillspan,
    resolve_overlaps,
    skillspan_to_docbin,
    span_scores,
    train_span_detector,
)


def sent(
    tokens: str, skill: str, knowledge: str | None = None, source: str = "house"
) -> SkillSpanSentence:
    words = tokens.split()
    skill_tags = skill.split()
    knowledge_tags = knowledge.split() if knowledge else ["O"] * len(words)
    assert len(words) == len(skill_tags) == len(knowledge_tags)
    return SkillSpanSentence(tuple(words), tuple(skill_tags), tuple(knowledge_tags), source)


# --- BIO to spans -----------------------------------------------------------------------------


def test_bio_to_spans_regular() -> None:
    tags = ["O", "B-Skill", "I-Skill", "O", "B-Skill", "B-Skill", "I-Skill"]
    assert bio_to_spans(tags) == [(1, 3, "Skill"), (4, 5, "Skill"), (5, 7, "Skill")]


def test_bio_to_spans_inconsistent_tags() -> None:
    # I after O opens a span; I of another label splits; trailing span is closed.
    tags = ["I-Skill", "I-Skill", "O", "I-Skill", "I-Knowledge", "B-Skill", "I-Skill"]
    assert bio_to_spans(tags) == [
        (0, 2, "Skill"),
        (3, 4, "Skill"),
        (4, 5, "Knowledge"),
        (5, 7, "Skill"),
    ]


def test_bio_to_spans_bare_tags_take_default_label() -> None:
    assert bio_to_spans(["B", "I", "O", "I"], "Knowledge") == [
        (0, 2, "Knowledge"),
        (3, 4, "Knowledge"),
    ]
    assert bio_to_spans(["O", "O"]) == []
    assert bio_to_spans([]) == []


def test_overlapping_layers_kept_in_gold_resolved_for_ner() -> None:
    s = sent(
        "design sensory systems and Python",
        "B-Skill I-Skill I-Skill O O",
        "O B-Knowledge I-Knowledge O B-Knowledge",
    )
    assert s.gold_spans() == [(0, 3, "Skill"), (1, 3, "Knowledge"), (4, 5, "Knowledge")]
    assert resolve_overlaps(s.gold_spans()) == [(0, 3, "Skill"), (4, 5, "Knowledge")]
    # equal length: Skill wins
    assert resolve_overlaps([(0, 2, "Knowledge"), (1, 3, "Skill")]) == [(1, 3, "Skill")]


def test_clean_token_repairs_mojibake_without_dropping_tokens() -> None:
    assert clean_token("world\u0092s") == "world\u2019s"
    assert clean_token("\u0095") == "\u2022"
    assert clean_token("  That") == "That"
    assert clean_token("responsibili\u00adties\u001a") == "responsibilities"
    assert clean_token("\u200b") == "_"


# --- reading and DocBin -----------------------------------------------------------------------


def test_read_conll_two_and_three_columns(tmp_path: Path) -> None:
    path = tmp_path / "x.conll"
    path.write_text("Python\tO\tB-Knowledge\nteam\tB-Skill\tO\n\n\nhi\tO\tO\n", encoding="utf-8")
    sentences = read_conll(path, "tech")
    assert [s.tokens for s in sentences] == [("Python", "team"), ("hi",)]
    assert sentences[0].gold_spans() == [(1, 2, "Skill"), (0, 1, "Knowledge")]
    assert sentences[1].line == 5
    two = tmp_path / "y.conll"
    two.write_text("team\tB-Skill\nwork\tI-Skill\n", encoding="utf-8")
    assert read_conll(two, "say")[0].gold_spans() == [(0, 2, "Skill")]
    bad = tmp_path / "z.conll"
    bad.write_text("a\tO\tO\nb\n", encoding="utf-8")
    with pytest.raises(ValueError, match="z.conll:2"):
        read_conll(bad, "x")


@pytest.mark.parametrize("tokenization", ["spacy", "given"])
def test_docbin_round_trip(tmp_path: Path, tokenization: str) -> None:
    sentences = [
        sent("Experience with Python, SQL .", "O O O O O", "O O B-Knowledge B-Knowledge O"),
        sent("Date posted:", "O O"),
        sent("manage teams well", "B-Skill I-Skill O", "O B-Knowledge O"),
    ]
    path = tmp_path / "d.spacy"
    assert skillspan_to_docbin(sentences, path, scheme="layers", tokenization=tokenization) == 3
    nlp = spacy.blank("en")
    docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
    assert [d.text for d in docs] == [s.text for s in sentences]
    assert [(e.text, e.label_) for e in docs[0].ents] == [
        ("Python," if tokenization == "given" else "Python", "KNOWLEDGE"),
        ("SQL", "KNOWLEDGE"),
    ]
    assert docs[1].ents == () and all(t.ent_iob_ == "O" for t in docs[1])  # a negative
    assert [(e.text, e.label_) for e in docs[2].ents] == [("manage teams", "SKILL")]
    assert len(docs[2].spans["skillspan"]) == 2  # overlapping gold kept
    if tokenization == "spacy":
        assert [t.text for t in docs[1]] == ["Date", "posted", ":"]


def test_span_scores_strict_and_loose() -> None:
    gold = [[(0, 2, "Skill"), (1, 2, "Knowledge"), (4, 6, "Skill")], []]
    pred = [[(0, 2, "SKILL"), (3, 5, "SKILL")], [(0, 1, "SKILL")]]
    s = span_scores(gold, pred)
    assert s["n_gold"] == 3 and s["n_pred"] == 3
    assert s["strict_p"] == pytest.approx(1 / 3) and s["strict_r"] == pytest.approx(1 / 3)
    assert s["loose_p"] == pytest.approx(2 / 3) and s["loose_r"] == pytest.approx(1.0)
    labelled = span_scores(gold, [[(0, 2, "skill"), (1, 2, "Skill")], []], labelled=True)
    assert labelled["strict_p"] == pytest.approx(0.5)


def test_predictions_map_back_to_official_tokens() -> None:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "SKILL", "pattern": [{"LOWER": "posted"}]}])
    s = sent("Date posted: today", "O O O")
    assert predict_spans(nlp, [s]) == [[(1, 2, "SKILL")]]  # "posted" inside token "posted:"


# --- tiny training run ------------------------------------------------------------------------

TINY_TRAIN = [
    sent("strong communication skills are required", "B-Skill I-Skill O O O"),
    sent("you will manage projects daily", "O O B-Skill I-Skill O"),
    sent("experience with Python and SQL", "O O O O O", "O O B-Knowledge O B-Knowledge"),
    sent("the office is in Boston", "O O O O O"),
    sent("apply before Friday", "O O O"),
]


def test_paragraphs_bound_chunk_length() -> None:
    text = "a b c\n" + " ".join(["w"] * 450) + "\n\nlast line"
    chunks = paragraphs(text, max_words=200)
    # a line is not split unless it is too long itself; short lines are kept together
    assert [len(c.split()) for c in chunks] == [3, 200, 200, 52]
    assert chunks[-1].endswith("w last line")


def test_tiny_pretraining_and_training_run_give_loadable_tagger(tmp_path: Path) -> None:
    raw = [s.text for s in TINY_TRAIN] * 4 + ["We seek a nurse with patient care skills."]
    weights = pretrain_tok2vec(raw, tmp_path / "pretrain", max_epochs=1, width=16, depth=1)
    assert weights.is_file()
    out = tmp_path / "detector"
    metrics = train_span_detector(
        tmp_path,
        out,
        max_epochs=0,
        max_steps=60,
        seed=0,
        width=16,
        depth=1,
        init_tok2vec=weights,
        train_sentences=TINY_TRAIN,
        dev_sentences=TINY_TRAIN,
        overrides={
            "training.eval_frequency": 20,
            "training.dropout": 0.0,
            "training.optimizer.learn_rate": 0.01,
            "components.ner.model.hidden_width": 16,
        },
    )
    assert (out / "metrics.json").is_file()
    assert load_detector_info(out)["scheme"] == "collapsed"
    nlp = spacy.load(out)
    assert nlp.pipe_names == ["ner"]
    doc = nlp("experience with Python and SQL")
    assert "Python" in [e.text for e in doc.ents]
    assert metrics["all_strict_f1"] > 0.5
    assert {"house_loose_f1", "all_strict_p", "words_per_second"} <= metrics.keys()


# --- real data --------------------------------------------------------------------------------


@pytest.mark.shared
def test_real_skillspan_counts(shared_data: Path, tmp_path: Path) -> None:
    root = shared_data / "benchmarks" / "skillspan"
    expected = {
        ("house", "dev"): (1019, 525, 287),
        ("tech", "dev"): (2156, 545, 806),
        ("house", "train"): (1668, 984, 781),
        ("tech", "train"): (3133, 1237, 2188),
    }
    for (source, split), (n_sent, n_skill, n_knowledge) in expected.items():
        sentences = read_skillspan(root, split, [source])
        spans = [g[2] for s in sentences for g in s.gold_spans()]
        assert (len(sentences), spans.count("Skill"), spans.count("Knowledge")) == (
            n_sent,
            n_skill,
            n_knowledge,
        ), (source, split)
    dev = read_skillspan(root, "dev")
    assert skillspan_to_docbin(dev, tmp_path / "dev.spacy") == 3175
    docs = list(DocBin().from_disk(tmp_path / "dev.spacy").get_docs(spacy.blank("en").vocab))
    # every gold span survives re-tokenization by spaCy's English tokenizer ...
    assert [len(d.spans["skillspan"]) for d in docs] == [len(s.gold_spans()) for s in dev]
    # ... and ner keeps all but the overlapping ones (longest kept)
    assert sum(len(d.ents) for d in docs) == 794 + 1319
