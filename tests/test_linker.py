"""SkillLinker on a tiny taxonomy: candidates, reranker, persistence, spaCy component."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
import spacy
from spacy.tokens import Span

from matching.nlp.extraction.linker import (
    FEATURES,
    Example,
    SkillLinker,
    lemma,
    norm_key,
    tokenize,
)
from matching.nlp.taxonomy import SkillTaxonomy
from training.nlp.linker_data import ranking_metrics, read_decorte, read_skillskape, split_sentences

URI = "http://data.europa.eu/esco/skill/"
SKILLS = {
    # key: (preferred, alt labels, kind, reuse, description)
    "pm": (
        "manage projects",
        ["project management", "run projects"],
        "skill",
        "cross-sector",
        "Plan, run and close projects within budget and schedule.",
    ),
    "py": (
        "Python (computer programming)",
        ["Python"],
        "knowledge",
        "sector-specific",
        "Software development in the Python language.",
    ),
    "data": (
        "analyse data",
        ["data analysis", "analyse datasets"],
        "skill",
        "cross-sector",
        "Inspect and model data to discover useful information.",
    ),
    "cash": (
        "operate cash register",
        ["handle cash", "cashier duties"],
        "skill",
        "sector-specific",
        "Register and handle cash transactions at a point of sale.",
    ),
    "fork": (
        "operate forklift",
        ["forklift driving", "drive forklift"],
        "skill",
        "sector-specific",
        "Operate a forklift truck to move goods.",
    ),
    "inv": (
        "manage inventory",
        ["inventory control", "stock control"],
        "skill",
        "cross-sector",
        "Control inventory levels and stock records.",
    ),
    "team": (
        "work in teams",
        ["teamwork", "collaborate with colleagues"],
        "skill",
        "transversal",
        "Work confidently within a group.",
    ),
    "r": ("R", ["R programming"], "knowledge", "sector-specific", "The R language."),
    "cust": (
        "provide customer service",
        ["customer service", "serve customers"],
        "skill",
        "cross-sector",
        "Help customers with their questions and purchases.",
    ),
    "sql": (
        "SQL",
        ["structured query language"],
        "knowledge",
        "sector-specific",
        "Query language for relational databases.",
    ),
    "weld": (
        "weld metal parts",
        ["welding"],
        "skill",
        "occupation-specific",
        "Join metal pieces by welding.",
    ),
    "nurse": (
        "provide nursing care",
        ["nursing care"],
        "skill",
        "occupation-specific",
        "Care for patients in a clinical setting.",
    ),
}


def make_taxonomy() -> SkillTaxonomy:
    keys = list(SKILLS)
    frame = pl.DataFrame(
        {
            "skill_uri": [URI + k for k in keys],
            "preferred_label": [SKILLS[k][0] for k in keys],
            "alt_labels": [SKILLS[k][1] for k in keys],
            "hidden_labels": [[] for _ in keys],
            "skill_type": [
                "knowledge" if SKILLS[k][2] == "knowledge" else "skill/competence" for k in keys
            ],
            "reuse_level": [SKILLS[k][3] for k in keys],
            "description": [SKILLS[k][4] for k in keys],
            "kind": [SKILLS[k][2] for k in keys],
            "status": ["released"] * len(keys),
        },
        schema_overrides={"alt_labels": pl.List(pl.String), "hidden_labels": pl.List(pl.String)},
    )
    coll = pl.DataFrame(
        {"skill_uri": [URI + "team", URI + "py"], "collection": ["transversal", "digital"]}
    )
    return SkillTaxonomy.from_tables(frame, None, coll)


TRAIN = [
    ("Experience managing projects and analysing data.", None, ("pm", "data")),
    ("You will run projects with the team.", None, ("pm", "team")),
    ("Strong Python and SQL skills.", None, ("py", "sql")),
    ("Handled cash and stock control at the store.", None, ("cash", "inv")),
    ("Forklift certified, moved pallets in the warehouse.", None, ("fork",)),
    ("Helping customers at the counter every day.", None, ("cust",)),
    ("Data analysis with R and Python.", None, ("data", "r", "py")),
    ("Good teamwork and customer service.", None, ("team", "cust")),
    ("Welding of steel frames.", None, ("weld",)),
    ("Nursing care for elderly patients.", None, ("nurse",)),
    ("Inventory control and forklift driving.", None, ("inv", "fork")),
    ("Project management of software delivery.", None, ("pm",)),
]


def examples() -> list[Example]:
    return [Example(s, sp, tuple(URI + g for g in gold)) for s, sp, gold in TRAIN]


@pytest.fixture(scope="module")
def taxonomy() -> SkillTaxonomy:
    return make_taxonomy()


@pytest.fixture(scope="module")
def trained(taxonomy: SkillTaxonomy) -> SkillLinker:
    params = {"n_estimators": 20, "min_child_samples": 2, "num_leaves": 7, "real_repeat": 1}
    return SkillLinker(**params).fit(taxonomy, examples(), priors={"SQL": 0.3})


def test_text_helpers() -> None:
    assert tokenize("C++, C# and ASP.NET; node.js") == ["C++", "C#", "and", "ASP.NET", "node.js"]
    assert norm_key("Project  Management!") == "project management"
    assert lemma("analyzing") == lemma("analysing") == "analyse"
    assert lemma("projects") == "project"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("managing projects", "pm"),  # lemma paraphrase of an alt label
        ("analyzing data sets", "data"),  # US spelling vs ESCO's 'analyse'
        ("5 yrs cashier, handled cash", "cash"),  # intake shorthand
        ("forklift cert", "fork"),
        ("experienced in python", "py"),  # paren qualifier dropped
        ("keeping track of stock levels", "inv"),
    ],
)
def test_candidates_find_paraphrases(taxonomy: SkillTaxonomy, text: str, key: str) -> None:
    linker = SkillLinker().fit(taxonomy, [])
    ranked = linker.rank([text], top_k=3)[0]
    assert URI + key in [sid for sid, _ in ranked]
    assert all(0.0 <= s <= 1.0 for _, s in ranked)


def test_acronym_guard(taxonomy: SkillTaxonomy) -> None:
    linker = SkillLinker().fit(taxonomy, [])
    cand = linker.candidates(["r and d budget", "Experience with R and SQL"])
    exact = cand.features[:, FEATURES.index("exact")]
    r_skill = linker.index_.skill_ids.index(URI + "r")
    hit = {(int(t), int(s)) for t, s, e in zip(cand.text, cand.skill, exact, strict=True) if e > 0}
    assert (0, r_skill) not in hit  # lower-case 'r' is not the R language
    assert (1, r_skill) in hit


def test_reranker_fits_and_is_deterministic(taxonomy: SkillTaxonomy, trained: SkillLinker) -> None:
    assert trained.model_ is not None
    assert trained.fit_info_["n_groups"] > 0
    again = SkillLinker(**trained.get_params()).fit(taxonomy, examples(), priors={"SQL": 0.3})
    texts = ["Ran projects and analysed data in Python", "cashier, stock control, forklift"]
    assert trained.rank(texts, 5) == again.rank(texts, 5)
    for ranked in trained.rank(texts, 5):
        scores = [s for _, s in ranked]
        assert scores == sorted(scores, reverse=True)
        assert all(0.0 <= s <= 1.0 for s in scores)
    gold = [[URI + "pm", URI + "data", URI + "py"], [URI + "cash", URI + "inv", URI + "fork"]]
    metrics = ranking_metrics([[s for s, _ in r] for r in trained.rank(texts, 10)], gold)
    assert metrics["RP@5"] >= 0.6


def test_forced_candidates_are_scored(trained: SkillLinker) -> None:
    ranked = trained.rank(["something unrelated"], top_k=None, forced=[[URI + "weld"]])[0]
    assert URI + "weld" in [sid for sid, _ in ranked]


def test_fewer_rank_candidates_drop_only_the_weakest(trained: SkillLinker) -> None:
    """``n_candidates`` at rank time (the pipeline's ``rank_candidates``) is a first stage:
    it drops candidates before the model, and a kept pair's features do not depend on the
    others (ranks are over all skills), so its score is the same."""
    texts = ["Ran projects and analysed data in Python", "cashier, stock control, forklift"]
    full = trained.rank(texts, None)
    assert trained.rank(texts, None, n_candidates=trained.n_candidates) == full
    few = trained.rank(texts, None, n_candidates=1)
    for kept, every in zip(few, full, strict=True):
        assert kept and dict(kept).items() <= dict(every).items()
    assert sum(map(len, few)) < sum(map(len, full))
    forced = trained.rank(["something unrelated"], None, forced=[[URI + "weld"]], n_candidates=1)
    assert URI + "weld" in dict(forced[0])


def test_save_load_round_trip(trained: SkillLinker, tmp_path: Path) -> None:
    trained.save(tmp_path / "linker")
    loaded = SkillLinker.load(tmp_path / "linker")
    texts = ["Team player with customer service experience", "welding, nursing care"]
    assert loaded.rank(texts, 5) == trained.rank(texts, 5)
    assert loaded.get_params() == trained.get_params()
    assert loaded.calibration_ == pytest.approx(trained.calibration_)
    with pytest.raises(FileNotFoundError):
        SkillLinker.load(tmp_path / "missing")


def test_lexical_only_linker_round_trip(taxonomy: SkillTaxonomy, tmp_path: Path) -> None:
    linker = SkillLinker().fit(taxonomy, [])
    assert linker.model_ is None
    linker.save(tmp_path / "lex")
    assert SkillLinker.load(tmp_path / "lex").rank(["stock control"], 3) == linker.rank(
        ["stock control"], 3
    )


def test_unfitted_linker_raises() -> None:
    with pytest.raises(RuntimeError, match="not fitted"):
        SkillLinker().rank(["x"])


def test_metrics_definition() -> None:
    m = ranking_metrics([["a", "x", "b"], ["y"], ["z"]], [{"a", "b"}, {"y"}, set()], ks=(1, 5))
    assert m["n"] == 2  # no-gold sentence skipped
    assert m["RP@1"] == pytest.approx((1 / 1 + 1 / 1) / 2)
    assert m["RP@5"] == pytest.approx((2 / 2 + 1 / 1) / 2)
    assert m["MRR"] == pytest.approx(1.0)


def test_readers(taxonomy: SkillTaxonomy, tmp_path: Path) -> None:
    decorte = tmp_path / "house.csv"
    decorte.write_text(
        "sentence,span,sub_span,label\n"
        "We manage projects and teams.,manage projects,,manage projects\n"
        "We manage projects and teams.,manage projects,,manage projects\n"
        "We manage projects and teams.,teams,,work in teams\n"
        "We manage projects and teams.,teams,,LABEL NOT PRESENT\n"
        "Be nice.,nice,,UNDERSPECIFIED\n"
        "Cook food.,cook,,cook food products\n",
        encoding="utf-8",
    )
    data = read_decorte(decorte, taxonomy)
    assert [e.sentence for e in data.sentences] == [
        "We manage projects and teams.",
        "Be nice.",
        "Cook food.",
    ]
    assert data.sentences[0].gold == (URI + "pm", URI + "team")
    assert data.sentences[1].gold == ()
    assert data.unmatched == {"cook food products": 1}
    assert data.n_labels == 3 and data.match_rate == pytest.approx(2 / 3)
    assert {(e.span, e.gold) for e in data.spans if e.sentence.startswith("We")} == {
        ("manage projects", (URI + "pm",)),
        ("teams", (URI + "team",)),
    }
    skape = tmp_path / "skape.csv"
    skape.write_text(
        ",sentence,skills\n0,Run projects.,\"['manage projects', 'SQL']\"\n1,Nothing.,['UNK']\n",
        encoding="utf-8",
    )
    sk = read_skillskape(skape, taxonomy)
    assert [e.gold for e in sk.sentences] == [(URI + "pm", URI + "sql"), ()]
    train, dev = split_sentences([f"s{i}" for i in range(10)] + ["s1"], 0.5, seed=1)
    assert len(train) == len(dev) == 5 and not train & dev
    assert split_sentences([f"s{i}" for i in range(10)], 0.5, seed=1) == (train, dev)


# ---------------------------------------------------------------------------- spaCy


def _doc_with_candidates(nlp: spacy.Language):
    import matching.nlp.extraction  # noqa: F401  (registers the doc contract's extensions)

    text = (
        "Run projects and analyse data in Python. Handle cash at the till. "
        "We are an equal opportunity employer offering welding classes."
    )
    doc = nlp.make_doc(text)
    for name, proc in nlp.pipeline:
        if name == "sentencizer":
            doc = proc(doc)
    words = [t.text for t in doc]
    python = words.index("Python")
    cash = words.index("cash")
    spans = [
        Span(doc, python, python + 1, label="TAXONOMY"),
        Span(doc, cash - 1, cash + 1, label="DETECTED"),
    ]
    spans[0]._.candidate_ids = [URI + "py", "onet:tech:43232405:python"]
    spans[1]._.candidate_ids = []
    doc.spans["skill_candidates"] = spans
    eeo = words.index("We")
    doc.spans["sections"] = [
        Span(doc, 0, eeo, label="requirements"),
        Span(doc, eeo, len(doc), label="eeo"),
    ]
    return doc


def test_spacy_component(trained: SkillLinker, tmp_path: Path) -> None:
    import matching.nlp.extraction.pipeline  # noqa: F401  (registers the factory)

    trained.save(tmp_path / "linker")
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    linker = nlp.add_pipe("pathmatch_linker", config={"top_k": 5})
    linker.initialize(nlp=nlp, linker_dir=str(tmp_path / "linker"))
    doc = linker(_doc_with_candidates(nlp))
    py_span, cash_span = doc.spans["skill_candidates"]
    assert py_span._.skills[0][0] in (URI + "py", "onet:tech:43232405:python")
    assert "onet:tech:43232405:python" in [s for s, _ in py_span._.skills]
    assert URI + "cash" in [s for s, _ in cash_span._.skills]
    ranked = dict(doc._.ranked_skills)
    assert {URI + "py", URI + "cash", URI + "pm"} <= set(ranked)
    assert URI + "weld" not in ranked  # only mentioned in the eeo (boilerplate) section
    assert all(0.0 <= s <= 1.0 for s in ranked.values())
    scores = [s for _, s in doc._.ranked_skills]
    assert scores == sorted(scores, reverse=True)
    # pipe() gives the same as __call__
    docs = list(linker.pipe([_doc_with_candidates(nlp), _doc_with_candidates(nlp)]))
    assert [d._.ranked_skills for d in docs] == [doc._.ranked_skills] * 2


def test_spacy_component_without_linker_dir() -> None:
    import matching.nlp.extraction.pipeline  # noqa: F401

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    linker = nlp.add_pipe("pathmatch_linker")
    doc = linker(_doc_with_candidates(nlp))
    py_span, cash_span = doc.spans["skill_candidates"]
    assert [s for s, _ in py_span._.skills] == [URI + "py", "onet:tech:43232405:python"]
    assert cash_span._.skills == []
    assert [s for s, _ in doc._.ranked_skills] == [URI + "py", "onet:tech:43232405:python"]
    assert np.isclose(doc._.ranked_skills[0][1], 1.0)


# ---------------------------------------------------------------------------- real data


@pytest.mark.shared
def test_decorte_and_skillskape_labels_map_to_esco(shared_data: Path) -> None:
    from matching.ingest.loaders import esco

    source = next(s for s in esco.SOURCES if s.table == "esco_skills")
    taxonomy = SkillTaxonomy.from_tables(source.load(source.discover(shared_data)).table)
    bench = shared_data / "benchmarks"
    for name, rate in (("house", 0.95), ("tech", 0.95)):
        data = read_decorte(
            bench / "decorte_esco_skill_extraction" / f"{name}_validation_annotations.csv", taxonomy
        )
        assert data.n_labels > 100
        assert data.match_rate >= rate, sorted(data.unmatched)
        assert sum(1 for e in data.sentences if e.gold) >= 60
    skape = read_skillskape(bench / "skillskape" / "dev.csv", taxonomy)
    assert len(skape.sentences) == 1316
    assert skape.match_rate >= 0.95


def test_component_cache_and_pickle(
    trained: SkillLinker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pickle

    import matching.nlp.extraction.pipeline  # noqa: F401

    trained.save(tmp_path / "linker")
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    component = nlp.add_pipe("pathmatch_linker", config={"cache_size": 100})
    component.initialize(nlp=nlp, linker_dir=str(tmp_path / "linker"))
    first = component(_doc_with_candidates(nlp))._.ranked_skills
    calls: list[int] = []
    original = component.linker.rank

    def counting(texts, *args, **kwargs):
        calls.append(len(texts))
        return original(texts, *args, **kwargs)

    monkeypatch.setattr(component.linker, "rank", counting)
    assert component(_doc_with_candidates(nlp))._.ranked_skills == first
    assert calls == []  # every span and sentence came from the cache
    monkeypatch.undo()
    clone = pickle.loads(pickle.dumps(component))  # nlp.pipe(n_process=2) may pickle it
    assert clone(_doc_with_candidates(nlp))._.ranked_skills == first


def test_degenerate_texts(trained: SkillLinker) -> None:
    texts = ["", "   ", "and the of it", "!!! ???", "\u00e9t\u00e9 \u2603", "x" * 5000]
    ranked = trained.rank(texts, 5)
    assert len(ranked) == len(texts)
    assert ranked[0] == [] and ranked[1] == []
    assert trained.rank([], 5) == []
    # a text alone or inside a batch gets the same ranking
    batch = trained.rank(["Run projects in Python", "and the of it"], 5)
    assert batch[0] == trained.rank(["Run projects in Python"], 5)[0]


def test_sentence_only_links_clear_a_stricter_bar(trained: SkillLinker, tmp_path: Path) -> None:
    import matching.nlp.extraction.pipeline  # noqa: F401  (registers the factory)
    from matching.nlp.extraction.io import kept_skills

    trained.save(tmp_path / "linker")
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    linker = nlp.add_pipe("pathmatch_linker")
    linker.initialize(nlp=nlp, linker_dir=str(tmp_path / "linker"))
    doc = linker(_doc_with_candidates(nlp))
    sentences = {s.text.strip() for s in doc.sents}
    assert doc._.skill_sentences and set(doc._.skill_sentences.values()) <= sentences
    ranked = [("a", 0.9), ("b", 0.35), ("c", 0.35), ("d", 0.2)]
    assert kept_skills(ranked, {"b"}, top_k=10, min_score=0.3) == ranked[:3]
    assert kept_skills(ranked, {"b"}, top_k=10, min_score=0.3, min_sentence_score=0.4) == [
        ("a", 0.9),
        ("b", 0.35),
    ]
    assert kept_skills(ranked, set(), top_k=1, min_score=0.0) == [("a", 0.9)]


def test_acceptor_learns_from_no_skill_texts_and_round_trips(
    taxonomy: SkillTaxonomy, trained: SkillLinker, tmp_path: Path
) -> None:
    """A no-skill text gives an all-zero block (a ranker drops it, the acceptor learns from
    it); the fitted acceptor's probabilities replace the sigmoid and survive save/load."""
    import copy

    import numpy as np

    blank = Example("We are an equal opportunity employer.", None, ())
    held = [*examples(), blank] * 3
    blocks = trained.example_blocks(held, keep_empty=True)
    assert trained.example_blocks([blank]) == [None]
    empty = blocks[len(examples())]
    assert empty is not None and empty.labels.size and not empty.labels.any()
    used = [b for b in blocks if b is not None]
    x = np.vstack([b.features for b in used])
    y = np.concatenate([b.labels for b in used])
    linker = copy.deepcopy(trained)
    linker.fit_acceptor(x, linker.raw_scores(x), y)
    assert linker.acceptor_ is not None
    sigmoid = trained.score(x)
    accepted = linker.score(x)
    assert not np.allclose(sigmoid, accepted)
    assert accepted.min() >= 0.0 and accepted.max() <= 1.0
    # on the texts it was fitted on, the acceptor puts the gold candidates above the rest
    assert accepted[y == 1].mean() > accepted[y == 0].mean() + 0.3
    linker.save(tmp_path / "with_acceptor")
    loaded = SkillLinker.load(tmp_path / "with_acceptor")
    assert np.allclose(loaded.score(x), accepted)
    trained.save(tmp_path / "without")  # an acceptor file left from a refit is removed
    assert not (tmp_path / "without" / "acceptor.txt").exists()
