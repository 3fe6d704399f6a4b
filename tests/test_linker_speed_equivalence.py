"""The fast candidate generation ranks exactly as the code before the speed work did.

``tests/fixtures/linker_speed_reference.json`` holds the demo linker's rankings of 96 texts
(sentences, spans cut from them, edge cases; own, unknown or no context; some forced ids)
made with the linker code before issue 14 item 7's rewrite (generator and how to
regenerate: ``experiments/make_linker_speed_fixture.py``). The demo linker is trained here
the same way (deterministic LightGBM, the examples and split of then:
``fixtures/linker_speed_examples.jsonl``), so any difference comes from the ranking code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from matching.ingest.bundle import Bundle
from matching.nlp.extraction.linker import SkillLinker
from matching.nlp.taxonomy import SkillTaxonomy
from training.nlp.linker_data import train_demo_linker

FIXTURE = Path(__file__).parent / "fixtures" / "linker_speed_reference.json"
EXAMPLES = Path(__file__).parent / "fixtures" / "linker_speed_examples.jsonl"
"""The demo linker examples as they were when the reference was made (the demo's own file
grows; this copy and the shuffled split keep the trained model the reference's)."""
PREFIX = "http://data.europa.eu/esco/skill/"


@pytest.fixture(scope="module")
def linker(demo_bundle: Path) -> SkillLinker:
    taxonomy = SkillTaxonomy.from_bundle(Bundle(demo_bundle))
    # no acceptor: the reference was made with the sigmoid's scores (the ranking code is
    # what is compared; the acceptor only maps the same features to other scores)
    return train_demo_linker(taxonomy, EXAMPLES, acceptor=False, by_hash=False)[0]


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    data = json.loads(FIXTURE.read_text())
    assert data["n_texts"] == len(data["records"]) >= 90
    return data["records"]


def _short(ranked: list[tuple[str, float]]) -> list[tuple[str, float]]:
    return [(s.removeprefix(PREFIX), score) for s, score in ranked]


def _jobs(records: list[dict[str, Any]]) -> tuple[list[str], list[list[str]], list[list[str]]]:
    return (
        [r["text"] for r in records],
        [r["context"] for r in records],
        [r["forced"] for r in records],
    )


def _assert_same_top10(got: list[list[tuple[str, float]]], records: list[dict[str, Any]]) -> None:
    assert len(got) == len(records)
    for ranked, rec in zip(got, records, strict=True):
        want = [(s, float(v)) for s, v in rec["top10"]]
        ranked = _short(ranked)
        assert [s for s, _ in ranked] == [s for s, _ in want], rec["text"]
        for (_, a), (_, b) in zip(ranked, want, strict=True):
            assert a == pytest.approx(b, abs=1e-5), rec["text"]


def test_top10_ids_and_scores_match_the_reference(
    linker: SkillLinker, records: list[dict[str, Any]]
) -> None:
    texts, contexts, forced = _jobs(records)
    _assert_same_top10(linker.rank(texts, 10, forced=forced, contexts=contexts), records)


def test_candidate_sets_match_the_reference(
    linker: SkillLinker, records: list[dict[str, Any]]
) -> None:
    texts, contexts, forced = _jobs(records)
    every = linker.rank(texts, None, forced=forced, contexts=contexts)
    for ranked, rec in zip(every, records, strict=True):
        assert sorted(s for s, _ in _short(ranked)) == rec["candidates"], rec["text"]


def test_batch_composition_does_not_change_a_text_ranking(
    linker: SkillLinker, records: list[dict[str, Any]]
) -> None:
    """One text at a time, in reverse order and with every text twice in one batch (the
    fast path shares work across a batch and skips duplicates) all give the reference."""
    texts, contexts, forced = _jobs(records)
    alone = [
        linker.rank([t], 10, forced=[f], contexts=[c])[0]
        for t, c, f in zip(texts[:20], contexts[:20], forced[:20], strict=True)
    ]
    _assert_same_top10(alone, records[:20])
    back = linker.rank(texts[::-1], 10, forced=forced[::-1], contexts=contexts[::-1])
    _assert_same_top10(back[::-1], records)
    twice = linker.rank(texts[:30] * 2, 10, forced=forced[:30] * 2, contexts=contexts[:30] * 2)
    _assert_same_top10(twice[:30], records[:30])
    _assert_same_top10(twice[30:], records[:30])


def test_a_text_under_several_contexts_ranks_as_with_each_alone(
    linker: SkillLinker, records: list[dict[str, Any]]
) -> None:
    """A (text, forced ids) job repeated under another context (a span in postings of two
    occupations) shares its candidates and features, generated once; each context still
    gets its own context columns: the reference for the own context, and exactly the
    per-job path's ranking for the other one."""
    texts, contexts, forced = _jobs(records)
    other = [[] if c else ["29-1141.00"] for c in contexts]
    n = len(texts)
    both = linker.rank(texts + texts, 10, forced=forced + forced, contexts=contexts + other)
    _assert_same_top10(both[:n], records)
    alone = linker.rank(texts, 10, forced=forced, contexts=other)  # no shared base
    assert both[n:] == alone
    assert any(a != b for a, b in zip(both[:n], both[n:], strict=True))  # contexts matter
