"""The full-text character score sums only rare character n-grams (``CHAR_MAX_DF``).

Issue 14 item 7: the product of a text's character n-grams with every label was nearly
dense (the n-grams of common words are on tens of thousands of ESCO labels) and most of the
linker's time. The index now leaves the n-grams used by more than ``char_max_df`` labels out
of the full-text product. These tests hold the definition against a brute-force computation
on the demo taxonomy with a cutoff low enough to cut many of its n-grams, and check that an
index saved before the cutoff existed still scores with every n-gram.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from matching.ingest.bundle import Bundle
from matching.nlp.extraction.linker import (
    _CHAR,
    _F,
    CHAR_MAX_DF,
    LinkIndex,
    _tfidf,
    generate_candidates,
)
from matching.nlp.taxonomy import SkillTaxonomy

TEXTS = [
    "Monitor patient's vital signs and report changes to the charge nurse.",
    "Forklift operation; pallet jack; OSHA-10 certification preferred.",
    "Python, SQL and Azure cloud services",
    "customer service",
    "",
]


@pytest.fixture(scope="module")
def taxonomy(demo_bundle: Path) -> SkillTaxonomy:
    return SkillTaxonomy.from_bundle(Bundle(demo_bundle))


def _brute_full_char(index: LinkIndex, texts: list[str], max_df: int | None) -> np.ndarray:
    """texts x skills: max over a skill's labels of the text . label character products
    over the n-grams on at most ``max_df`` labels (dense, no shortcut)."""
    query = _tfidf(_CHAR.transform(texts), index.char_idf)
    used = np.union1d(index.labels_char.indices, query.indices)  # 2**20 columns: compact
    labels = index.labels_char[:, used].toarray()
    df = (labels > 0).sum(axis=0)
    if max_df is not None:
        labels = labels * (df <= max_df)
    query = query[:, used].toarray()
    per_label = query @ labels.T
    return np.maximum.reduceat(per_label, index.label_start[:-1], axis=1)


@pytest.mark.parametrize("max_df", [4])
def test_full_char_sums_only_the_rare_ngrams(taxonomy: SkillTaxonomy, max_df: int) -> None:
    index = LinkIndex.build(taxonomy, char_max_df=max_df)
    df = np.diff(index.labels_char.T.tocsr().indptr)
    assert (df > max_df).sum() > 50  # the cutoff really cuts n-grams of this taxonomy
    cand = generate_candidates(TEXTS, index, n_candidates=10, max_window=4)
    want = _brute_full_char(index, TEXTS, max_df)
    got = cand.features[:, _F["full_char"]]
    np.testing.assert_allclose(got, want[cand.text, cand.skill], rtol=1e-5, atol=1e-6)
    uncut = LinkIndex.build(taxonomy, char_max_df=None)
    cosine = _brute_full_char(uncut, TEXTS, None)
    assert (want <= cosine + 1e-6).all()  # the rare n-grams' share is at most the cosine
    assert (want < cosine - 1e-3).any()
    # the window character cosine keeps every n-gram: the same with and without the cutoff
    same = generate_candidates(TEXTS, uncut, n_candidates=10, max_window=4)
    pairs = {(t, s): f for t, s, f in zip(same.text, same.skill, same.features, strict=True)}
    for t, s, f in zip(cand.text, cand.skill, cand.features, strict=True):
        if (t, s) in pairs:
            assert f[_F["win_char"]] == pytest.approx(pairs[t, s][_F["win_char"]], abs=1e-6)


def test_an_index_saved_before_the_cutoff_scores_with_every_ngram(
    taxonomy: SkillTaxonomy,
) -> None:
    index = LinkIndex.build(taxonomy, char_max_df=3)
    state = index.__getstate__()
    state.pop("char_max_df")  # as pickled by the code before the cutoff
    old = LinkIndex.__new__(LinkIndex)
    old.__setstate__(state)
    assert old.char_max_df is None
    assert old.labels_char_t.nnz == old.labels_char.nnz
    cand = generate_candidates(TEXTS, old, n_candidates=10, max_window=4)
    want = _brute_full_char(old, TEXTS, None)
    got = cand.features[:, _F["full_char"]]
    np.testing.assert_allclose(got, want[cand.text, cand.skill], rtol=1e-5, atol=1e-6)
    # and a new index keeps its cutoff through a pickle round trip
    again = LinkIndex.__new__(LinkIndex)
    again.__setstate__(index.__getstate__())
    assert again.char_max_df == 3
    assert again.labels_char_t.nnz == index.labels_char_t.nnz < index.labels_char.nnz


def test_the_demo_taxonomy_has_no_ngram_above_the_default_cutoff(
    taxonomy: SkillTaxonomy,
) -> None:
    """So the demo linker, and the speed fixture made with it, rank as without a cutoff."""
    index = LinkIndex.build(taxonomy)
    assert index.char_max_df == CHAR_MAX_DF
    assert index.labels_char_t.nnz == index.labels_char.nnz
