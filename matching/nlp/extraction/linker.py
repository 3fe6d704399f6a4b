"""Link a span or a sentence to ranked ESCO skills: lexical candidates, then a learned reranker.

Stage 1, candidates (no training needed). Every ESCO label (preferred, alternative,
hidden) is indexed three ways: word 1-2 grams over lemmas (spaCy lookup lemmas, US -ize
spellings folded to ESCO's -ise), character 3-5 grams (``char_wb``), and a BM25 index over
each skill's label "document". A text is split into token windows of 1..``max_window``
tokens that neither start nor end with a stop word; each window and the whole text are
scored against all labels with sparse products, aggregated to the skill by the max over its
labels and over windows. Exact label hits (normalized text or lemmas, with acronym and
single-letter guards: 'R', 'C', 'IT' only match with their own casing) are always
candidates. The union of the top ``n_candidates`` of each score is passed on.

Stage 2, reranking. Each (text, candidate) pair gets the features in :data:`FEATURES`
(lexical similarities and ranks, label coverage and Jaccard, exact/lemma hit flags,
description similarity, the skill's reuse level, kind, collections, how many ESCO
occupations list it, and the label prior of Decorte et al.'s ``esco_priors.json`` when
given) and a LightGBM model (lambdarank or binary, ``objective``) orders them. Scores are
mapped to [0, 1] with a Platt sigmoid fitted on held-out candidates, so 0.8 means roughly
"8 in 10 such links were right on the calibration data", readable by a case manager.

Without training examples the linker is lexical only: the score is a fixed mix of the
window word cosine, the full-text character cosine and exact hits (already in [0, 1]).

The spaCy component ``pathmatch_linker`` that runs a linker inside the pipeline lives in
:mod:`matching.nlp.extraction.pipeline` (so a lexical pipeline never imports scikit-learn);
the benchmark readers and the training driver live in :mod:`training.nlp.linker_data`
(domain code does not read benchmark files).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import joblib
import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, HashingVectorizer

from matching.nlp.extraction.context import CONTEXT_FEATURES, ContextIndex

if TYPE_CHECKING:
    from matching.nlp.taxonomy import SkillTaxonomy

FORMAT = "pathmatch-linker/2"

# ---------------------------------------------------------------------------- text handling

_TOKEN = re.compile(r"[A-Za-z0-9][\w+#]*(?:[.\-/'][\w+#]+)*[+#]*")
# Stop words bound windows; 'it' stays a stop word ('IT' is caught by the exact-hit path).
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | {
    "etc",
    "e.g",
    "i.e",
    "including",
    "using",
    "strong",
    "good",
    "excellent",
    "ability",
    "experience",
    "knowledge",
    "skills",
    "years",
    "year",
    "yrs",
    "work",
    "working",
    "plus",
}
_US_UK = re.compile(r"(?<=[a-z]{3})(?:iz|yz)(e|es|ed|ing|ation|ations|er|ers)$")
_LEMMA_FIX = {
    "develope": "develop",
    "programme": "program",
    "datum": "data",
    "medium": "media",
    "analyses": "analysis",
}


@lru_cache(maxsize=1)
def _lemma_table() -> Any:
    """spaCy's English lookup lemmas (spacy-lookups-data); an empty dict if not installed.

    A spaCy ``Table`` keys by string hash, so it is queried with ``.get(word, default)``.
    """
    try:
        from spacy.lookups import load_lookups

        return load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
    except Exception:  # pragma: no cover - the package is a project dependency
        return {}


_LEMMAS: dict[str, str] = {}
_MAX_CACHED_LEMMAS = 200_000


def lemma(word: str) -> str:
    """Lower-cased lookup lemma, with -ize/-yze folded to ESCO's -ise/-yse spelling.

    Results are cached only for words of spaCy's English lemma table, its lemmas and the
    stop words (public vocabulary):
    a word outside it (a name, a typo, anything a participant typed) is computed and not
    kept, so a long-running server holds no one's words in memory.
    """
    hit = _LEMMAS.get(word)
    if hit is not None:
        return hit
    lower = word.lower()
    folded = _US_UK.sub(
        lambda m: ("is" if m.group(0).startswith("i") else "ys") + m.group(1), lower
    )
    found = _lemma_table().get(folded)
    out = _LEMMA_FIX.get(found, found) if found is not None else _LEMMA_FIX.get(folded, folded)
    public = found is not None or folded in _lemma_forms() or lower in STOP_WORDS
    if public and len(_LEMMAS) < _MAX_CACHED_LEMMAS:
        _LEMMAS[word] = out
    return out


@lru_cache(maxsize=1)
def _lemma_forms() -> frozenset[str]:
    """The lemmas of spaCy's table themselves ("nurse", "monitor"): public words too."""
    table = _lemma_table()
    return frozenset(table.values()) if hasattr(table, "values") else frozenset()


def tokenize(text: str) -> list[str]:
    """Word tokens with their casing ('C++', 'C#', 'node.js', 'ASP.NET' kept whole)."""
    return _TOKEN.findall(text)


def norm_key(text: str) -> str:
    return " ".join(t.lower() for t in tokenize(text))


def _needs_case(label: str) -> bool:
    """Acronyms and very short labels match only with their own casing ('R', 'IT', 'SAS')."""
    compact = label.replace(" ", "")
    return len(compact) <= 3 or (compact.isupper() and len(compact) <= 6)


# ---------------------------------------------------------------------------- the index

_WORD = HashingVectorizer(
    analyzer="word",
    token_pattern=r"\S+",
    lowercase=False,
    ngram_range=(1, 2),
    n_features=2**20,
    alternate_sign=False,
    norm=None,
)
_UNI = HashingVectorizer(
    analyzer="word",
    token_pattern=r"\S+",
    lowercase=False,
    ngram_range=(1, 1),
    n_features=2**20,
    alternate_sign=False,
    norm=None,
    binary=True,
)
_CHAR = HashingVectorizer(
    analyzer="char_wb",
    ngram_range=(3, 5),
    n_features=2**20,
    alternate_sign=False,
    norm=None,
    lowercase=True,
)
_REUSE = {
    "transversal": 0.0,
    "cross-sector": 1.0,
    "sector-specific": 2.0,
    "occupation-specific": 3.0,
}
_COLLECTIONS = ("transversal", "digital", "language", "green")


def _idf(matrix: sp.csr_matrix) -> np.ndarray:
    df = np.bincount(matrix.indices, minlength=matrix.shape[1]).astype(np.float64)
    return (np.log((1.0 + matrix.shape[0]) / (1.0 + df)) + 1.0).astype(np.float32)


def _tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear tf x idf, l2-normalized rows, float32."""
    out = counts.astype(np.float32).tocsr()
    out.data = (1.0 + np.log(out.data)) * idf[out.indices]
    norms = np.sqrt(np.asarray(out.multiply(out).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return _scale_rows(out, (1.0 / norms).astype(np.float32))


def _scale_rows(matrix: sp.csr_matrix, scale: np.ndarray) -> sp.csr_matrix:
    """``sp.diags(scale) @ matrix`` as scipy's product returns it, without the product.

    Each entry is one float32 product (``0 + d * x`` in the product: the same value), the
    zeros dropped as the product drops them, and each row's entries reversed: the product
    lists a row's columns in the reverse of the order it first met them in, and the later
    sparse products sum a row's terms in that order, so it is kept exactly."""
    counts = np.diff(matrix.indptr)
    rows = np.repeat(np.arange(matrix.shape[0], dtype=np.int64), counts)
    values = matrix.data * np.repeat(scale, counts)
    rev = matrix.indptr[rows] + matrix.indptr[rows + 1] - 1 - np.arange(len(rows))
    data, indices = values[rev], matrix.indices[rev]
    keep = data != 0
    if not keep.all():
        data, indices = data[keep], indices[keep]
        counts = np.bincount(rows[keep], minlength=matrix.shape[0])
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(matrix.indptr.dtype)
    return sp.csr_matrix((data, indices, indptr), shape=matrix.shape)


CHAR_MAX_DF = 3000
"""The full-text character score (``full_char``, its rank and gap to the best) sums the
text's and a label's shared character n-grams used by at most this many labels (of ~100k
ESCO labels; the label and text vectors keep their full-length normalization, so the score
is the rare n-grams' share of the cosine, at most the cosine). The n-grams of common words
(' an', 'ing', 'man') are on tens of thousands of labels each: they made the product of a
text with every label nearly dense (~40k of ~100k labels per text) and were the largest
part of the linker's time, and a label sharing only them with a text is rarely a candidate
(95% of the old candidates stay candidates). Retrained real linker, Decorte dev RP@5 HOUSE
0.599 -> 0.585, TECH 0.808 -> 0.815, Coursera dev 0.655 -> 0.663 (1000: TECH 0.741, so
not lower). The window character cosine (``win_char``, over the candidates' labels only)
keeps every n-gram. A small taxonomy (the demo's 814 labels: at most 199 per n-gram) has
no n-gram above it."""


def _char_postings(labels_char: sp.csr_matrix, max_df: int | None) -> sp.csr_matrix:
    """F x labels character postings for the full-text product: the n-grams on more than
    ``max_df`` labels keep no entry (None: all kept)."""
    postings = labels_char.T.tocsr()
    if max_df is None:
        return postings
    df = np.diff(postings.indptr)
    counts = np.where(df <= max_df, df, 0)
    keep = np.repeat(df <= max_df, df)
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(postings.indptr.dtype)
    return sp.csr_matrix(
        (postings.data[keep], postings.indices[keep], indptr), shape=postings.shape
    )


def _content(tokens: Sequence[str]) -> list[str]:
    return [t for t in tokens if t not in STOP_WORDS]


@dataclass
class LinkIndex:
    """Everything rank() needs about the ESCO skills, as arrays and sparse matrices."""

    skill_ids: list[str]
    label_skill: np.ndarray  # int32, labels sorted by skill
    label_start: np.ndarray  # int64, nskills + 1 offsets into labels
    label_pref: np.ndarray  # bool
    label_ntok: np.ndarray  # int16
    label_nterms: np.ndarray  # content lemma count (>= 1)
    word_idf: np.ndarray
    char_idf: np.ndarray
    desc_idf: np.ndarray
    labels_word: sp.csr_matrix  # nlabels x F
    labels_char: sp.csr_matrix
    labels_bin: sp.csr_matrix  # content lemmas, binary
    labels_word_t: sp.csr_matrix  # F x nlabels (for fast products)
    labels_char_t: sp.csr_matrix
    bm25_t: sp.csr_matrix  # F x nskills
    desc_t: sp.csr_matrix  # F x nskills
    exact: dict[str, list[tuple[int, bool, int]]]  # norm key -> (skill, preferred, ntok)
    lemmas: dict[str, list[tuple[int, bool, int]]]  # lemma key -> same
    case_forms: dict[str, set[str]]  # norm key -> original forms required
    skill_static: np.ndarray  # nskills x len(STATIC_FEATURES)
    prior: np.ndarray  # float32, 0 where unknown
    max_label_tokens: int = 8
    context: ContextIndex | None = None  # per-occupation ESCO skill rows (context features)
    vectors: np.ndarray | None = None  # nskills x dim unit skill vectors (encoder features)
    encoder: str | None = None  # the encoder setting the vectors come from
    # The full-text character score sums only the n-grams used by at most this many labels
    # (see CHAR_MAX_DF); None: every n-gram (indexes saved before the cutoff existed).
    char_max_df: int | None = None

    @property
    def n_skills(self) -> int:
        return len(self.skill_ids)

    def __getstate__(self) -> dict[str, Any]:
        # The transposed label matrices are rebuilt on load: half the file size.
        state = dict(self.__dict__)
        state["labels_word_t"] = state["labels_char_t"] = None
        state.pop("_positions", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state.setdefault("char_max_df", None)  # saved before the cutoff: every n-gram
        self.__dict__.update(state)
        if self.labels_word_t is None:
            self.labels_word_t = self.labels_word.T.tocsr()
        if self.labels_char_t is None:
            self.labels_char_t = _char_postings(self.labels_char, self.char_max_df)

    def positions(self) -> dict[str, int]:
        """skill id -> row, cached."""
        pos = self.__dict__.get("_positions")
        if pos is None:
            pos = {s: i for i, s in enumerate(self.skill_ids)}
            self.__dict__["_positions"] = pos
        return pos

    @classmethod
    def build(
        cls,
        taxonomy: SkillTaxonomy,
        priors: dict[str, float] | None = None,
        char_max_df: int | None = CHAR_MAX_DF,
    ) -> LinkIndex:
        import polars as pl

        skills = taxonomy.skills.filter(pl.col("taxonomy") == "ESCO")
        skill_ids = skills.get_column("skill_id").to_list()
        pos = {s: i for i, s in enumerate(skill_ids)}
        labels = taxonomy.labels.filter(pl.col("taxonomy") == "ESCO")
        labels = labels.with_columns(
            pl.col("skill_id").replace_strict(pos, return_dtype=pl.Int32).alias("skill"),
            (pl.col("label_type") == "preferred").alias("pref"),
        )
        labels = labels.sort(["skill", "pref"], descending=[False, True], maintain_order=True)
        texts = labels.get_column("label").to_list()
        label_skill = labels.get_column("skill").to_numpy().astype(np.int32)
        label_pref = labels.get_column("pref").to_numpy().astype(bool)
        starts = np.searchsorted(label_skill, np.arange(len(skill_ids) + 1)).astype(np.int64)

        toks = [tokenize(t) for t in texts]
        lem = [[lemma(t) for t in tk] for tk in toks]
        word_counts = _WORD.transform([" ".join(x) for x in lem])
        word_idf = _idf(word_counts)
        char_counts = _CHAR.transform(texts)
        char_idf = _idf(char_counts)
        labels_word = _tfidf(word_counts, word_idf)
        labels_char = _tfidf(char_counts, char_idf)
        content = [_content(x) or x for x in lem]
        labels_bin = _UNI.transform([" ".join(x) for x in content]).astype(np.float32).tocsr()
        nterms = np.asarray([max(1, len(set(x))) for x in content], dtype=np.float32)

        exact: dict[str, list[tuple[int, bool, int]]] = {}
        lemmas: dict[str, list[tuple[int, bool, int]]] = {}
        case_forms: dict[str, set[str]] = {}
        for text, tk, lm, skill, pref in zip(
            texts, toks, lem, label_skill, label_pref, strict=True
        ):
            if not tk:
                continue
            key = " ".join(t.lower() for t in tk)
            entry = (int(skill), bool(pref), len(tk))
            exact.setdefault(key, []).append(entry)
            if _needs_case(text):
                case_forms.setdefault(key, set()).add(" ".join(tk))
            else:
                lemmas.setdefault(" ".join(lm), []).append(entry)
            stripped = re.sub(r"\s*\([^)]*\)$", "", text)
            if pref and stripped != text and tokenize(stripped):
                skey = norm_key(stripped)
                exact.setdefault(skey, []).append((int(skill), False, len(tokenize(stripped))))
                if _needs_case(stripped):
                    case_forms.setdefault(skey, set()).add(" ".join(tokenize(stripped)))

        bm25_t = _bm25(labels_bin, label_skill, len(skill_ids))
        desc = [
            " ".join(lemma(t) for t in _content(tokenize(d or "")))
            for d in skills.get_column("description").to_list()
        ]
        desc_counts = _UNI.transform(desc)
        desc_idf = _idf(desc_counts)
        desc_t = _tfidf(desc_counts, desc_idf).T.tocsr()

        prior = np.zeros(len(skill_ids), dtype=np.float32)
        for label, value in (priors or {}).items():
            uri = taxonomy.uri_for_label(label)
            if uri in pos:
                prior[pos[uri]] = max(prior[pos[uri]], float(value))
        static = _static_features(
            skills,
            starts,
            label_ntok_pref=_pref_ntok(toks, label_pref, label_skill, len(skill_ids)),
        )
        return cls(
            skill_ids=skill_ids,
            label_skill=label_skill,
            label_start=starts,
            label_pref=label_pref,
            label_ntok=np.asarray([len(t) for t in toks], dtype=np.int16),
            label_nterms=nterms,
            word_idf=word_idf,
            char_idf=char_idf,
            desc_idf=desc_idf,
            labels_word=labels_word,
            labels_char=labels_char,
            labels_bin=labels_bin,
            labels_word_t=labels_word.T.tocsr(),
            labels_char_t=_char_postings(labels_char, char_max_df),
            bm25_t=bm25_t,
            desc_t=desc_t,
            exact=exact,
            lemmas=lemmas,
            case_forms=case_forms,
            skill_static=static,
            prior=prior,
            max_label_tokens=min(8, max((len(t) for t in toks), default=1)),
            context=ContextIndex.build(taxonomy, skill_ids),
            char_max_df=char_max_df,
        )


def _pref_ntok(toks: list[list[str]], pref: np.ndarray, skill: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=np.float32)
    for tk, p, s in zip(toks, pref, skill, strict=True):
        if p:
            out[s] = len(tk)
    return out


STATIC_FEATURES = (
    "pref_ntok",
    "log_n_labels",
    "reuse_level",
    "is_knowledge",
    *(f"coll_{c}" for c in _COLLECTIONS),
    "log_n_occupations",
)


def _static_features(skills: Any, starts: np.ndarray, label_ntok_pref: np.ndarray) -> np.ndarray:
    reuse = np.asarray(
        [_REUSE.get(r or "", -1.0) for r in skills.get_column("reuse_level")], dtype=np.float32
    )
    knowledge = (skills.get_column("kind") == "knowledge").to_numpy().astype(np.float32)
    colls = skills.get_column("collections").to_list()
    coll = np.asarray(
        [[float(c in (cs or ())) for c in _COLLECTIONS] for cs in colls], dtype=np.float32
    ).reshape(len(colls), len(_COLLECTIONS))
    n_occ = skills.get_column("n_occupations").fill_null(0).to_numpy().astype(np.float32)
    return np.column_stack(
        [
            label_ntok_pref,
            np.log1p(np.diff(starts)).astype(np.float32),
            reuse,
            knowledge,
            coll,
            np.log1p(n_occ),
        ]
    ).astype(np.float32)


def _bm25(
    labels_bin: sp.csr_matrix,
    label_skill: np.ndarray,
    n_skills: int,
    k1: float = 1.2,
    b: float = 0.75,
) -> sp.csr_matrix:
    """F x nskills BM25 weights of each skill's label document (its labels' content lemmas)."""
    owner = sp.csr_matrix(
        (np.ones(len(label_skill), dtype=np.float32), (label_skill, np.arange(len(label_skill)))),
        shape=(n_skills, len(label_skill)),
    )
    tf = (owner @ labels_bin).tocsr()
    dl = np.asarray(tf.sum(axis=1)).ravel()
    avg = dl.mean() if len(dl) else 1.0
    df = np.bincount(tf.indices, minlength=tf.shape[1]).astype(np.float32)
    idf = np.log1p((n_skills - df + 0.5) / (df + 0.5)).astype(np.float32)
    rows = np.repeat(np.arange(tf.shape[0]), np.diff(tf.indptr))
    denom = tf.data + k1 * (1 - b + b * dl[rows] / avg)
    tf.data = (idf[tf.indices] * tf.data * (k1 + 1) / denom).astype(np.float32)
    return tf.T.tocsr()


# ---------------------------------------------------------------------------- candidates

# Encoder cosines (matching.nlp.encoder): of the whole text, and the best of its windows
# (a static encoder blurs a long sentence). NaN when the linker has no encoder.
ENCODER_FEATURES = ("enc_full", "enc_win")

FEATURES = (
    "win_word",
    "full_word",
    "full_char",
    "win_char",
    "bm25",
    "desc_sim",
    "exact",
    "exact_pref",
    "lemma_hit",
    "exact_ntok",
    "cov_best",
    "cov_pref",
    "jac_best",
    "jac_pref",
    "rank_win_word",
    "rank_full_word",
    "rank_full_char",
    "rank_bm25",
    "rel_win_word",
    "rel_full_char",
    "rel_bm25",
    "text_ntok",
    "prior",
    "has_prior",
    *STATIC_FEATURES,
    *CONTEXT_FEATURES,
    *ENCODER_FEATURES,
)
_F = {name: i for i, name in enumerate(FEATURES)}
_ABSENT_RANK = 1000.0


class Candidates(NamedTuple):
    """Candidate pairs for a batch of texts: text index, skill index, features (rows)."""

    text: np.ndarray
    skill: np.ndarray
    features: np.ndarray


@dataclass
class _Prepared:
    tokens: list[list[str]]
    lemmas: list[list[str]]
    win_text: np.ndarray
    win_lemma: list[str]
    win_orig: list[str]
    hits: dict[int, dict[int, list[float]]] = field(default_factory=dict)


def _prepare(texts: Sequence[str], index: LinkIndex, max_window: int) -> _Prepared:
    """Tokens, lemmas, exact/lemma label hits and the scoring windows of ``texts``.

    Windows come in the order of their length, then of their start (first occurrence of a
    lemma key per text kept). The keys of the windows starting at a token are built by
    extending the previous one by a word, instead of joining each window's tokens anew.
    """
    tokens = [tokenize(t) for t in texts]
    lemmas = [[lemma(w) for w in tk] for tk in tokens]
    win_text: list[int] = []
    win_lemma: list[str] = []
    win_orig: list[str] = []
    hits: dict[int, dict[int, list[float]]] = {}
    longest = max(max_window, index.max_label_tokens)
    exact, case_forms, lemma_hits = index.exact, index.case_forms, index.lemmas
    for ti, (tk, lm) in enumerate(zip(tokens, lemmas, strict=True)):
        low = [w.lower() for w in tk]
        stop = [w in STOP_WORDS for w in low]
        found = hits.setdefault(ti, {})
        by_len: list[list[tuple[str, str]]] = [[] for _ in range(max_window + 1)]
        for i in range(len(tk)):
            low_key = lem_key = ""
            for n in range(1, min(longest, len(tk) - i) + 1):
                end = i + n - 1
                if n == 1:
                    low_key, lem_key = low[i], lm[i]
                else:
                    low_key = low_key + " " + low[end]
                    lem_key = lem_key + " " + lm[end]
                entries = exact.get(low_key)
                if entries:
                    forms = case_forms.get(low_key)
                    if forms is None or " ".join(tk[i : end + 1]) in forms:
                        for skill, pref, ntok in entries:
                            row = found.setdefault(skill, [0.0, 0.0, 0.0, 0.0])
                            row[0] = 1.0
                            row[1] = max(row[1], float(pref))
                            row[3] = max(row[3], float(ntok))
                if not (n == 1 and stop[i]):
                    lentries = lemma_hits.get(lem_key)
                    if lentries:
                        for skill, _pref, ntok in lentries:
                            row = found.setdefault(skill, [0.0, 0.0, 0.0, 0.0])
                            row[2] = 1.0
                            row[3] = max(row[3], float(ntok))
                if n > max_window or stop[i] or stop[end]:
                    continue
                if n == 1 and len(low[i]) < 3:
                    continue
                by_len[n].append((lem_key, low_key))
        seen: set[str] = set()
        for windows in by_len:
            for key, orig in windows:
                if key in seen:
                    continue
                seen.add(key)
                win_text.append(ti)
                win_lemma.append(key)
                win_orig.append(orig)
    return _Prepared(
        tokens, lemmas, np.asarray(win_text, dtype=np.int64), win_lemma, win_orig, hits
    )


def _per_skill(
    matrix: sp.csr_matrix,
    index: LinkIndex,
    row_text: np.ndarray | None = None,
    n_texts: int | None = None,
) -> np.ndarray:
    """A sparse (rows x labels) score matrix -> dense (texts x skills), the max over each
    skill's labels (and, with ``row_text``, over each text's window rows).

    Scattered straight from the product's nonzero entries (``np.maximum.at``), with no dense
    texts x labels array: scores are non-negative and every skill has a label, so the max
    over absent entries, 0, is the dense reduction's value, bit for bit (a max picks one of
    the values). A dense reduction (``toarray`` + ``maximum.reduceat`` over ~127k label
    columns) cost 8x more on 64 real spans (51 vs 6 ms: their character products are 9%
    dense) and 2x on 64 real sentences (41% dense).
    """
    n_rows = matrix.shape[0] if n_texts is None else n_texts
    nsk = index.n_skills
    matrix = matrix.tocsr()
    data, cols = matrix.data, matrix.indices
    rows = np.repeat(np.arange(matrix.shape[0], dtype=np.int64), np.diff(matrix.indptr))
    if row_text is not None:
        rows = row_text[rows]
    out = np.zeros(n_rows * nsk, dtype=np.float32)
    if len(data):
        np.maximum.at(out, rows * nsk + index.label_skill[cols], data.astype(np.float32))
    return out.reshape(n_rows, nsk)


WINDOW_SCORE_FLOOR = 0.1
"""Window word cosines at or below this (a window sharing one common word with a long
label) are dropped first: they never make a candidate and dominate the cost."""


def _window_word_scores(prep: _Prepared, index: LinkIndex, n_texts: int) -> np.ndarray:
    """Dense (texts x skills) best window word cosine, the max over each text's windows.

    A window key repeated in several texts of the batch (a common word, 'customer
    service') is vectorized and multiplied with the labels once: a row's cosines depend
    only on its key. The scores at or below :data:`WINDOW_SCORE_FLOOR` are dropped before
    the distinct rows are copied out to their windows, whose max per text and skill is
    taken as before (a max picks one of the values: the same bit for bit)."""
    distinct: dict[str, int] = {}
    of_window = np.asarray(
        [distinct.setdefault(key, len(distinct)) for key in prep.win_lemma], dtype=np.int64
    )
    win_word = _tfidf(_WORD.transform(list(distinct)), index.word_idf)
    scores = (win_word @ index.labels_word_t).tocsr()
    keep = scores.data > WINDOW_SCORE_FLOOR
    rows = np.repeat(np.arange(scores.shape[0]), np.diff(scores.indptr))
    counts = np.bincount(rows[keep], minlength=scores.shape[0])
    kept = sp.csr_matrix(
        (scores.data[keep], scores.indices[keep], np.concatenate([[0], np.cumsum(counts)])),
        shape=scores.shape,
    )
    return _per_skill(kept[of_window], index, prep.win_text, n_texts)


def _dense(matrix: sp.spmatrix) -> np.ndarray:
    return np.asarray(matrix.toarray(), dtype=np.float32)


def _ranks(scores: np.ndarray, t_idx: np.ndarray, s_idx: np.ndarray) -> np.ndarray:
    """1-based rank of each pair's score within its text's row; absent (0) -> _ABSENT_RANK.

    The rank is 1 + the number of the row's entries above the pair's value, compared as
    float64 after adding the row's offset ``row * span`` (the rows then occupy disjoint
    ranges of one sorted array). Each row is sorted, and only the last ``width`` columns
    (as many as the row with the most positive scores has) are widened to float64, offset
    and searched: the columns left out are 0 in every row, and a 0 never exceeds a positive
    value (adding the offset is monotone; an absent pair's rank is _ABSENT_RANK anyway), so
    each kept entry rounds as before and the counts above a value are the same as over all
    n_skills columns. A span's window or BM25 row has ~100 positive scores of ~14k."""
    n_texts, n_cols = scores.shape
    asc = np.sort(scores, axis=1)
    width = int(np.count_nonzero(asc > 0, axis=1).max(initial=0))
    tail = asc[:, n_cols - width :].astype(np.float64)
    span = float(asc[:, -1].max(initial=0.0)) + 1.0 if n_cols else 1.0
    offsets = np.arange(n_texts, dtype=np.float64) * span
    flat = (tail + offsets[:, None]).ravel()
    values = scores[t_idx, s_idx].astype(np.float64)
    below_or_equal = np.searchsorted(flat, values + offsets[t_idx], side="right") - t_idx * width
    rank = (width - below_or_equal + 1).astype(np.float32)
    return np.where(values > 0, rank, _ABSENT_RANK).astype(np.float32)


def _top_keys(scores: np.ndarray, n: int) -> np.ndarray:
    """Flat keys (text * n_skills + skill) of each row's ``n`` best positive scores."""
    n_texts, n_cols = scores.shape
    n = min(n, n_cols)
    part = np.argpartition(-scores, n - 1, axis=1)[:, :n]
    rows = np.repeat(np.arange(n_texts), n)
    cols = part.ravel()
    keep = scores[rows, cols] > 0
    return rows[keep].astype(np.int64) * n_cols + cols[keep]


def generate_candidates(
    texts: Sequence[str],
    index: LinkIndex,
    *,
    n_candidates: int,
    max_window: int,
    forced: Sequence[Sequence[int]] | None = None,
    contexts: Sequence[Sequence[str]] | None = None,
) -> Candidates:
    """Candidates and features for ``texts`` (one batch; callers chunk long lists).

    ``contexts``: per text, the O*NET-SOC codes the document is about (None or an empty
    tuple: no context; the context features are then NaN, see :mod:`.context`).
    """
    nsk = index.n_skills
    prep = _prepare(texts, index, max_window)
    n_texts = len(texts)
    full_lemma = [" ".join(lm) for lm in prep.lemmas]
    content = [" ".join(_content(lm)) for lm in prep.lemmas]
    if prep.win_lemma:
        s_win = _window_word_scores(prep, index, n_texts)
    else:  # no window survives the stop-word rules (empty or stop-word-only texts)
        s_win = np.zeros((n_texts, nsk), dtype=np.float32)
    full_word = _tfidf(_WORD.transform(full_lemma), index.word_idf)
    s_fw = _per_skill(full_word @ index.labels_word_t, index)
    full_char = _tfidf(_CHAR.transform(list(texts)), index.char_idf)
    s_fc = _per_skill(full_char @ index.labels_char_t, index)
    content_counts = _UNI.transform(content)
    text_bin = content_counts.astype(np.float32).tocsr()
    s_bm = _dense(text_bin @ index.bm25_t)
    text_desc = _tfidf(content_counts, index.desc_idf)
    s_desc = _dense(text_desc @ index.desc_t)

    hit_keys = [ti * nsk + s for ti, found in prep.hits.items() for s in found]
    extra = [ti * nsk + s for ti, ids in enumerate(forced or []) for s in ids]
    keys = np.unique(
        np.concatenate(
            [
                *(_top_keys(m, n_candidates) for m in (s_win, s_fw, s_fc, s_bm)),
                np.asarray(hit_keys + extra, dtype=np.int64),
            ]
        )
    )
    t_idx = (keys // nsk).astype(np.int64)
    s_idx = (keys % nsk).astype(np.int64)

    feats = np.zeros((len(keys), len(FEATURES)), dtype=np.float32)
    if not len(keys):
        return Candidates(t_idx, s_idx, feats)
    for name, scores in (
        ("win_word", s_win),
        ("full_word", s_fw),
        ("full_char", s_fc),
        ("bm25", s_bm),
    ):
        feats[:, _F[name]] = scores[t_idx, s_idx]
        feats[:, _F["rank_" + name]] = _ranks(scores, t_idx, s_idx)
    feats[:, _F["desc_sim"]] = s_desc[t_idx, s_idx]
    for name, scores in (("win_word", s_win), ("full_char", s_fc), ("bm25", s_bm)):
        feats[:, _F["rel_" + name]] = feats[:, _F[name]] - scores.max(axis=1)[t_idx]
    feats[:, _F["text_ntok"]] = np.log1p(np.asarray([len(t) for t in prep.tokens]))[t_idx]
    for row, (t, s) in enumerate(zip(t_idx.tolist(), s_idx.tolist(), strict=True)):
        hit = prep.hits[t].get(s)
        if hit:
            feats[row, _F["exact"]], feats[row, _F["exact_pref"]] = hit[0], hit[1]
            feats[row, _F["lemma_hit"]], feats[row, _F["exact_ntok"]] = hit[2], hit[3]
    _pair_features(feats, prep, index, t_idx, s_idx, text_bin)
    feats[:, _F["prior"]] = index.prior[s_idx]
    feats[:, _F["has_prior"]] = (index.prior[s_idx] > 0).astype(np.float32)
    first = _F[STATIC_FEATURES[0]]
    feats[:, first : first + len(STATIC_FEATURES)] = index.skill_static[s_idx]
    _context_features(feats, index, contexts, n_texts, t_idx, s_idx)
    _encoder_features(feats, prep, index, texts, t_idx, s_idx)
    return Candidates(t_idx, s_idx, feats)


@lru_cache(maxsize=4)
def _open_encoder(setting: str) -> Any:
    from matching.nlp.encoder import encoder_from_setting

    return encoder_from_setting(setting)


def _encoder_features(
    feats: np.ndarray,
    prep: _Prepared,
    index: LinkIndex,
    texts: Sequence[str],
    t_idx: np.ndarray,
    s_idx: np.ndarray,
) -> None:
    """enc_full (text . skill) and enc_win (best window . skill) for the candidate pairs;
    only the pairs' own products are computed (per text: its windows x its candidates)."""
    first = _F[ENCODER_FEATURES[0]]
    vectors = index.__dict__.get("vectors")
    if vectors is None or not index.__dict__.get("encoder"):
        feats[:, first : first + len(ENCODER_FEATURES)] = np.nan
        return
    encoder = _open_encoder(str(index.encoder))
    n_texts = len(texts)
    encoded = encoder.encode([*texts, *prep.win_orig])
    full, wins = encoded[:n_texts], encoded[n_texts:]
    skill_vec = vectors[s_idx]
    feats[:, first] = np.einsum("ij,ij->i", full[t_idx], skill_vec)
    best = feats[:, first].copy()
    win_bounds = np.searchsorted(prep.win_text, np.arange(n_texts + 1))
    pair_bounds = np.searchsorted(t_idx, np.arange(n_texts + 1))
    for t in range(n_texts):
        wlo, whi = win_bounds[t], win_bounds[t + 1]
        plo, phi = pair_bounds[t], pair_bounds[t + 1]
        if whi > wlo and phi > plo:
            block = skill_vec[plo:phi] @ wins[wlo:whi].T
            best[plo:phi] = np.maximum(best[plo:phi], block.max(axis=1))
    feats[:, first + 1] = best


def _context_features(
    feats: np.ndarray,
    index: LinkIndex,
    contexts: Sequence[Sequence[str]] | None,
    n_texts: int,
    t_idx: np.ndarray,
    s_idx: np.ndarray,
) -> None:
    """Fill the CONTEXT_FEATURES columns (has_context 0 and NaN without a context)."""
    first = _F[CONTEXT_FEATURES[0]]
    cols = slice(first, first + len(CONTEXT_FEATURES))
    ctx = index.__dict__.get("context")
    if contexts is None or ctx is None or not any(contexts):
        feats[:, cols] = np.nan
        feats[:, first] = 0.0
        return
    _check_contexts(contexts, n_texts)
    feats[:, cols] = ctx.features(contexts, t_idx, s_idx)


def _compact(matrix: sp.csr_matrix, remap: np.ndarray, n_cols: int) -> sp.csr_matrix:
    """``matrix`` restricted to the columns ``remap`` keeps (>= 0), renumbered (rows keep
    their column order, so no re-sorting is needed)."""
    cols = remap[matrix.indices]
    keep = cols >= 0
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    counts = np.bincount(rows[keep], minlength=matrix.shape[0])
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return sp.csr_matrix((matrix.data[keep], cols[keep], indptr), shape=(matrix.shape[0], n_cols))


def _label_rows(index: LinkIndex, skills: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All label rows of ``skills`` (concatenated) and the segment start of each skill."""
    starts, ends = index.label_start[skills], index.label_start[skills + 1]
    counts = ends - starts
    seg = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    labels = np.repeat(starts - seg, counts) + np.arange(int(counts.sum()))
    return labels, seg


def _pair_features(
    feats: np.ndarray,
    prep: _Prepared,
    index: LinkIndex,
    t_idx: np.ndarray,
    s_idx: np.ndarray,
    text_bin: sp.csr_matrix,
) -> None:
    """Label coverage/Jaccard (vectorized) and window character cosine (per text)."""
    labels, seg = _label_rows(index, s_idx)
    label_text = np.repeat(t_idx, np.diff(np.append(seg, len(labels))))
    inter = np.asarray(index.labels_bin[labels].multiply(text_bin[label_text]).sum(axis=1)).ravel()
    text_terms = np.asarray(text_bin.sum(axis=1)).ravel()[label_text]
    nterms = index.label_nterms[labels]
    cov = inter / nterms
    jac = inter / (nterms + text_terms - inter + 1e-6)
    pref = index.label_pref[labels]
    feats[:, _F["cov_best"]] = np.maximum.reduceat(cov, seg)
    feats[:, _F["jac_best"]] = np.maximum.reduceat(jac, seg)
    feats[:, _F["cov_pref"]] = np.maximum.reduceat(np.where(pref, cov, 0), seg)
    feats[:, _F["jac_pref"]] = np.maximum.reduceat(np.where(pref, jac, 0), seg)
    if not prep.win_orig:
        return
    win_char = _tfidf(_window_char_counts(prep.win_orig), index.char_idf)
    feats[:, _F["win_char"]] = np.maximum.reduceat(
        _window_char_sims(win_char, prep.win_text, index.labels_char[labels], label_text), seg
    )


def _window_char_counts(windows: list[str]) -> sp.csr_matrix:
    """``_CHAR.transform(windows)``, built from the windows' distinct words.

    ``char_wb`` n-grams never cross a word boundary (each whitespace-separated word is
    padded and cut on its own), so a window's counts are the sum of its words' counts: each
    distinct word of the batch is hashed once, and a (windows x words) count matrix sums
    them. The counts are whole numbers (exact in float64) and the indices are sorted as the
    hasher sorts them, so the matrix is the hasher's, entry for entry. A text of n words has
    up to 4n windows of up to 4 words: the words were cut ~10 times each."""
    vocab: dict[str, int] = {}
    cols: list[int] = []
    indptr = [0]
    for window in windows:
        for word in window.split():
            cols.append(vocab.setdefault(word, len(vocab)))
        indptr.append(len(cols))
    word_counts = _CHAR.transform(list(vocab))
    member = sp.csr_matrix(
        (np.ones(len(cols), dtype=word_counts.dtype), np.asarray(cols, dtype=np.int32), indptr),
        shape=(len(windows), len(vocab)),
    )
    out = (member @ word_counts).tocsr()
    out.sum_duplicates()  # sorts each row's indices, as the hasher's output is
    return out


def _window_char_sims(
    win_char: sp.csr_matrix, win_text: np.ndarray, lab_char: sp.csr_matrix, label_text: np.ndarray
) -> np.ndarray:
    """Per label row, the best character cosine with a window of its own text.

    One sparse product for the whole batch: columns are the n-grams the batch's windows
    use (a product over the 2**20 hashed columns pays an O(columns) set-up), offset by the
    text, so a label meets only its own text's windows. Each row's entries keep their
    order, so every dot product sums in the same order as a per-text product would.
    Scores are non-negative: a label meeting no window gets 0, as a dense max would.
    """
    used = np.unique(win_char.indices)
    n_used = len(used)
    n_texts = int(max(win_text.max(initial=-1), label_text.max(initial=-1))) + 1
    remap = np.full(win_char.shape[1], -1, dtype=np.int64)
    remap[used] = np.arange(n_used)
    win_c = _compact(win_char, remap, n_used)
    lab_c = lab_char[:, used].tocsr()  # scipy's column selection keeps each row's order
    wide = n_texts * n_used
    win_c.indices = win_c.indices + np.repeat(win_text * n_used, np.diff(win_c.indptr))
    lab_c.indices = lab_c.indices + np.repeat(label_text * n_used, np.diff(lab_c.indptr))
    win_c = sp.csr_matrix((win_c.data, win_c.indices, win_c.indptr), shape=(len(win_text), wide))
    lab_c = sp.csr_matrix((lab_c.data, lab_c.indices, lab_c.indptr), shape=(len(label_text), wide))
    sims = lab_c @ win_c.T
    return np.asarray(sims.max(axis=1).toarray(), dtype=np.float32).ravel()


def lexical_score(features: np.ndarray) -> np.ndarray:
    """The untrained score in [0, 1]: window word cosine, full-text characters, exact hits."""
    f = features
    score = (
        0.6 * f[:, _F["win_word"]]
        + 0.25 * f[:, _F["full_char"]]
        + 0.15 * np.maximum(f[:, _F["exact"]], f[:, _F["lemma_hit"]])
    )
    return np.clip(score, 0.0, 1.0)


# ---------------------------------------------------------------------------- the estimator


class Block(NamedTuple):
    """One training text's candidates: features, 0/1 labels, and its number of gold ids."""

    features: np.ndarray
    labels: np.ndarray
    n_gold: int


def _stack(
    blocks: Sequence[Block | None], repeats: Sequence[int]
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    xs, ys, groups = [], [], []
    for block, times in zip(blocks, repeats, strict=True):
        if block is None or not block.labels.any():
            continue
        for _ in range(times):
            xs.append(block.features)
            ys.append(block.labels)
            groups.append(len(block.labels))
    if not xs:
        raise ValueError("no training example has a gold skill among its candidates")
    return np.vstack(xs), np.concatenate(ys), groups


class Example(NamedTuple):
    """A training example: the sentence, the span within it (None = whole sentence), gold,
    and the O*NET-SOC codes of the document it comes from (empty: no context known)."""

    sentence: str
    span: str | None
    gold: tuple[str, ...]
    context: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return self.span if self.span else self.sentence


class SkillLinker:
    """Rank ESCO skills for spans or sentences; scikit-learn style estimator.

    Hyper-parameters: ``n_candidates`` per lexical source (their union is reranked),
    ``max_window`` tokens per window, ``objective`` 'lambdarank' | 'binary' | 'lexical'
    (no model), LightGBM ``n_estimators``, ``learning_rate``, ``num_leaves``,
    ``min_child_samples``, ``real_repeat`` (times real, non-synthetic examples are repeated
    in training, see :meth:`fit`), ``batch_size``, ``random_state``, ``n_jobs``,
    ``encoder``, ``char_max_df`` (:data:`CHAR_MAX_DF`; None: every character n-gram),
    ``acceptor`` (whether the trainer fits a link acceptor, :meth:`fit_acceptor`).
    Learned state: ``index_`` (:class:`LinkIndex`), ``model_`` (LightGBM booster or None),
    ``calibration_`` (Platt a, b), ``acceptor_`` (LightGBM binary booster or None: when
    present its probability is the score, instead of the sigmoid), ``fit_info_``,
    ``floors_`` (the kept-link floors chosen on this model's dev data after fitting, saved
    with it; None until chosen).

    Why an acceptor: the LambdaRank ranker and its sigmoid learn only from texts that hold
    a skill (a group without a positive teaches a ranker nothing), so a sentence naming no
    skill ("- Own tools") still gets its best candidates' usual high scores and no floor
    tells it apart. The acceptor is a pointwise model fitted on out-of-fold ranker scores of
    texts with and without skills (``training.nlp.linker_data``), so it learns how a ranker
    scores a text that names nothing.
    """

    def __init__(
        self,
        n_candidates: int = 40,
        max_window: int = 4,
        objective: str = "lambdarank",
        n_estimators: int = 300,
        learning_rate: float = 0.05,
        num_leaves: int = 31,
        min_child_samples: int = 20,
        real_repeat: int = 5,
        batch_size: int = 64,
        random_state: int = 0,
        n_jobs: int = 1,
        encoder: str | None = None,
        char_max_df: int | None = CHAR_MAX_DF,
        acceptor: bool = False,
    ) -> None:
        self.n_candidates = n_candidates
        self.max_window = max_window
        self.objective = objective
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.real_repeat = real_repeat
        self.batch_size = batch_size
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.encoder = encoder
        self.char_max_df = char_max_df
        self.acceptor = acceptor

    def get_params(self) -> dict[str, Any]:
        return {
            k: getattr(self, k)
            for k in (
                "n_candidates",
                "max_window",
                "objective",
                "n_estimators",
                "learning_rate",
                "num_leaves",
                "min_child_samples",
                "real_repeat",
                "batch_size",
                "random_state",
                "n_jobs",
                "encoder",
                "char_max_df",
                "acceptor",
            )
        }

    # -------------------------------------------------------------- fitting

    def fit(
        self,
        taxonomy: SkillTaxonomy,
        training_examples: Iterable[Example | tuple],
        *,
        priors: dict[str, float] | None = None,
        calibration_examples: Iterable[Example | tuple] | None = None,
        synthetic: Sequence[bool] | None = None,
        index: LinkIndex | None = None,
    ) -> SkillLinker:
        """Index the taxonomy and train the reranker.

        ``training_examples``: (sentence, span or None, gold ESCO URIs). Examples without a
        gold URI among the candidates teach nothing to a ranker and are skipped.
        ``synthetic`` flags SkillSkape-like examples; the others are repeated
        ``real_repeat`` times so a few dozen real sentences are not drowned by thousands
        of synthetic ones. ``calibration_examples`` (held out) fit the score sigmoid; without
        them it is fitted on the training candidates (optimistic). ``priors``: ESCO
        preferred label -> prior (``esco_priors.json``). An empty example list, or
        ``objective='lexical'``, gives a lexical-only linker. ``index`` reuses a prebuilt
        :class:`LinkIndex` (benchmarks fitting several variants).
        """
        started = time.perf_counter()
        self.index_ = (
            index if index is not None else LinkIndex.build(taxonomy, priors, self.char_max_df)
        )
        self.attach_encoder(taxonomy)
        self.model_: Any = None
        self.calibration_ = (1.0, 0.0)
        self.acceptor_: Any = None
        self.floors_: dict[str, float] | None = None
        examples = [Example(*e) for e in training_examples]
        flags = list(synthetic) if synthetic is not None else [False] * len(examples)
        self.fit_info_: dict[str, Any] = {
            "n_examples": len(examples),
            "n_skills": self.index_.n_skills,
        }
        if examples and self.objective != "lexical":
            blocks = self.example_blocks(examples)
            repeats = [1 if flag else self.real_repeat for flag in flags]
            cal = None
            if calibration_examples is not None:
                cal = self.example_blocks([Example(*e) for e in calibration_examples])
            self.fit_blocks(blocks, repeats, cal)
        self.fit_info_["fit_seconds"] = round(time.perf_counter() - started, 3)
        return self

    def attach_encoder(self, taxonomy: SkillTaxonomy) -> None:
        """Give the index the ``encoder`` hyper-parameter's skill vectors (None: remove
        them, the encoder features are then NaN). Rows follow the index's skill ids."""
        if not self.encoder:
            self.index_.vectors, self.index_.encoder = None, None
            return
        from matching.nlp.encoder import SkillVectors

        built = SkillVectors.build(taxonomy, _open_encoder(self.encoder), cache=False)
        self.index_.vectors = built.vectors_for(self.index_.skill_ids)
        self.index_.encoder = self.encoder

    def example_blocks(
        self, examples: Sequence[Example], *, keep_empty: bool = False
    ) -> list[Block | None]:
        """Per example, its candidates' features and 0/1 gold labels (None: no gold found).

        Also the unit benchmarks cache to fit several variants on the same candidates.
        """
        self._check()
        pos = self.index_.positions()
        out: list[Block | None] = []
        for lo in range(0, len(examples), self.batch_size):
            batch = examples[lo : lo + self.batch_size]
            contexts = [tuple(e.context) for e in batch]
            cand = self._candidates([e.text for e in batch], contexts=contexts)
            bounds = np.searchsorted(cand.text, np.arange(len(batch) + 1))
            for i, ex in enumerate(batch):
                gold = [pos[g] for g in ex.gold if g in pos]
                a, b = bounds[i], bounds[i + 1]
                if keep_empty and not ex.gold:
                    out.append(Block(cand.features[a:b], np.zeros(b - a, np.float32), 0))
                    continue
                if not gold:
                    out.append(None)
                    continue
                label = np.isin(cand.skill[a:b], gold).astype(np.float32)
                out.append(Block(cand.features[a:b], label, len(set(gold))))
        return out

    def fit_blocks(
        self,
        blocks: Sequence[Block | None],
        repeats: Sequence[int] | None = None,
        calibration: Sequence[Block | None] | None = None,
    ) -> SkillLinker:
        """Train the reranker on candidate blocks (the index must exist already)."""
        self._check()
        repeats = list(repeats) if repeats is not None else [1] * len(blocks)
        x, y, groups = _stack(blocks, repeats)
        n_gold = sum(b.n_gold for b in blocks if b is not None)
        found = sum(float(b.labels.sum()) for b in blocks if b is not None)
        self.fit_info_ = {
            **getattr(self, "fit_info_", {}),
            "n_rows": int(len(y)),
            "n_groups": len(groups),
            "candidate_recall": round(found / n_gold, 4) if n_gold else 0.0,
        }
        self.model_ = self._train(x, y, groups)
        if calibration:
            cx, cy, _ = _stack(calibration, [1] * len(calibration))
        else:
            cx, cy = x, y
        self.calibration_ = _platt(self.model_.predict(cx), cy)
        return self

    def fit_acceptor(self, x: np.ndarray, raw: np.ndarray, y: np.ndarray) -> SkillLinker:
        """The pointwise acceptor: P(candidate is gold) from its features and a ranker's raw
        score, fitted on out-of-fold candidates (``raw`` from rankers that did not see those
        texts) of texts with and without skills."""
        import lightgbm as lgb

        params = self._booster_params("binary", num_leaves=7)
        data = lgb.Dataset(_with_raw(x, raw), y, free_raw_data=True)
        self.acceptor_ = lgb.train(params, data, num_boost_round=min(self.n_estimators, 200))
        self.fit_info_["acceptor_rows"] = int(len(y))
        return self

    def raw_scores(self, features: np.ndarray) -> np.ndarray:
        """The ranker's raw scores (before the sigmoid or the acceptor)."""
        self._check()
        return np.asarray(self.model_.predict(features))

    def _booster_params(self, objective: str, num_leaves: int) -> dict[str, Any]:
        """LightGBM settings of this linker's boosters: deterministic, one row-wise pass."""
        return {
            "objective": objective,
            "learning_rate": self.learning_rate,
            "num_leaves": num_leaves,
            "min_child_samples": self.min_child_samples,
            "seed": self.random_state,
            "deterministic": True,
            "force_row_wise": True,
            "num_threads": self.n_jobs,
            "verbose": -1,
            "feature_pre_filter": False,
        }

    def _train(self, x: np.ndarray, y: np.ndarray, groups: list[int]) -> Any:
        import lightgbm as lgb

        params = self._booster_params(self.objective, self.num_leaves)
        if self.objective == "lambdarank":
            params.update({"lambdarank_truncation_level": 20, "eval_at": [5, 10]})
        data = lgb.Dataset(
            x,
            y,
            group=groups if self.objective == "lambdarank" else None,
            feature_name=list(FEATURES),
            free_raw_data=True,
        )
        return lgb.train(params, data, num_boost_round=self.n_estimators)

    # -------------------------------------------------------------- ranking

    def _check(self) -> None:
        if not hasattr(self, "index_"):
            raise RuntimeError("SkillLinker is not fitted: call fit() or load() first")

    def _candidates(
        self,
        texts: Sequence[str],
        forced: Sequence[Sequence[int]] | None = None,
        contexts: Sequence[Sequence[str]] | None = None,
        n_candidates: int | None = None,
    ) -> Candidates:
        return generate_candidates(
            texts,
            self.index_,
            n_candidates=n_candidates or self.n_candidates,
            max_window=self.max_window,
            forced=forced,
            contexts=contexts,
        )

    def candidates(
        self, texts: Sequence[str], contexts: Sequence[Sequence[str]] | None = None
    ) -> Candidates:
        """Lexical candidates and features for ``texts`` (benchmarks, diagnostics)."""
        self._check()
        _check_contexts(contexts, len(texts))
        parts = []
        for lo in range(0, len(texts), self.batch_size):
            ctx = contexts[lo : lo + self.batch_size] if contexts is not None else None
            c = self._candidates(texts[lo : lo + self.batch_size], contexts=ctx)
            parts.append(Candidates(c.text + lo, c.skill, c.features))
        if not parts:
            return Candidates(
                np.zeros(0, np.int64),
                np.zeros(0, np.int64),
                np.zeros((0, len(FEATURES)), np.float32),
            )
        return Candidates(
            *(np.concatenate([getattr(p, f) for p in parts]) for f in Candidates._fields)
        )

    def score(self, features: np.ndarray, method: str = "model") -> np.ndarray:
        """Scores in [0, 1] for candidate feature rows: 'model' (lexical when untrained),
        'lexical', or 'exact' (exact/lemma hits by label length and prior; baseline)."""
        if method == "exact":
            hit = np.maximum(features[:, _F["exact"]], features[:, _F["lemma_hit"]])
            return hit * (
                0.5
                + 0.05 * np.minimum(features[:, _F["exact_ntok"]], 8)
                + 0.1 * features[:, _F["prior"]]
            )
        if method == "lexical" or self.model_ is None:
            return lexical_score(features)
        raw = self.model_.predict(features)
        if getattr(self, "acceptor_", None) is not None:
            return np.asarray(self.acceptor_.predict(_with_raw(features, raw)))
        a, b = self.calibration_
        return 1.0 / (1.0 + np.exp(-(a * raw + b)))

    def rank_candidates(
        self, cand: Candidates, n_texts: int, top_k: int | None = 10, method: str = "model"
    ) -> list[list[tuple[str, float]]]:
        """Rank precomputed :meth:`candidates` (benchmarks score them several ways)."""
        return _top_lists(
            cand, self.score(cand.features, method), n_texts, top_k, self.index_.skill_ids
        )

    def rank(
        self,
        texts: Sequence[str],
        top_k: int | None = 10,
        *,
        forced: Sequence[Sequence[str]] | None = None,
        contexts: Sequence[Sequence[str]] | None = None,
        method: str = "model",
        n_candidates: int | None = None,
    ) -> list[list[tuple[str, float]]]:
        """Per text, the top ``top_k`` ESCO skills as (URI, score in [0, 1]), best first.

        ``forced``: per text, skill ids to score even if the lexical stage missed them
        (the phrase matcher's candidate ids); ids outside the ESCO index are ignored.
        ``contexts``: per text, the O*NET-SOC codes its document is about (a tuple; empty =
        no context). None, or only empty tuples, ranks exactly as without the argument.
        ``n_candidates``: the lexical candidates kept per source for reranking (None: the
        ``n_candidates`` the model was trained with). The rank features are computed over
        all skills either way, so a smaller value only drops the weakest candidates before
        the features and the model: the cheap first stage of a fast path (the pipeline's
        ``rank_candidates``; on the HOUSE/TECH dev halves 20 instead of 40 keeps RP@5 within
        0.02, see the README).
        """
        self._check()
        _check_contexts(contexts, len(texts))
        # A repeated (text, forced ids, context) job is ranked once: a text's candidates and
        # features do not depend on the other texts of its batch.
        jobs = [
            (
                text,
                tuple(forced[i]) if forced else (),
                tuple(contexts[i]) if contexts is not None else None,
            )
            for i, text in enumerate(texts)
        ]
        distinct = list(dict.fromkeys(jobs))
        results = self._rank_distinct(distinct, top_k, method, n_candidates)
        ranked = dict(zip(distinct, results, strict=True))
        return [list(ranked[job]) for job in jobs]

    def _rank_distinct(
        self,
        jobs: list[tuple[str, tuple[str, ...], tuple[str, ...] | None]],
        top_k: int | None,
        method: str,
        n_candidates: int | None = None,
    ) -> list[list[tuple[str, float]]]:
        pos = self.index_.positions()
        with_context = any(ctx is not None for _, _, ctx in jobs)
        out: list[list[tuple[str, float]]] = []
        for at in range(0, len(jobs), _SHARED_CHUNK):
            part = jobs[at : at + _SHARED_CHUNK]
            bases = list(dict.fromkeys((t, f) for t, f, _ in part))
            if with_context and len(bases) < len(part):
                out.extend(self._rank_shared(part, bases, top_k, method, n_candidates))
                continue
            for lo in range(0, len(part), self.batch_size):
                batch = part[lo : lo + self.batch_size]
                force = [[pos[s] for s in ids if s in pos] for _, ids, _ in batch]
                ctx = [c or () for _, _, c in batch] if with_context else None
                cand = self._candidates([t for t, _, _ in batch], force, ctx, n_candidates)
                scores = self.score(cand.features, method)
                out.extend(_top_lists(cand, scores, len(batch), top_k, self.index_.skill_ids))
        return out

    def _rank_shared(
        self,
        jobs: list[tuple[str, tuple[str, ...], tuple[str, ...] | None]],
        bases: list[tuple[str, tuple[str, ...]]],
        top_k: int | None,
        method: str,
        n_candidates: int | None,
    ) -> list[list[tuple[str, float]]]:
        """Rank jobs of which some share a text and forced ids under other contexts (a span
        in postings of several occupations): the candidates and every feature but the
        context columns depend only on (text, forced ids), so they are generated once per
        base and each job gets its own context columns and scores. Same rankings as
        generating per job (a text's candidates do not depend on its batch)."""
        pos = self.index_.positions()
        blocks: list[tuple[np.ndarray, np.ndarray]] = []
        for lo in range(0, len(bases), self.batch_size):
            batch = bases[lo : lo + self.batch_size]
            force = [[pos[s] for s in ids if s in pos] for _, ids in batch]
            cand = self._candidates([t for t, _ in batch], force, None, n_candidates)
            bounds = np.searchsorted(cand.text, np.arange(len(batch) + 1))
            blocks.extend(
                (cand.skill[a:b], cand.features[a:b])
                for a, b in zip(bounds[:-1], bounds[1:], strict=True)
            )
        base_of = {base: i for i, base in enumerate(bases)}
        out: list[list[tuple[str, float]]] = []
        for lo in range(0, len(jobs), self.batch_size):
            group = jobs[lo : lo + self.batch_size]
            parts = [blocks[base_of[(t, f)]] for t, f, _ in group]
            t_idx = np.repeat(np.arange(len(group), dtype=np.int64), [len(s) for s, _ in parts])
            s_idx = np.concatenate([s for s, _ in parts]).astype(np.int64)
            feats = np.vstack([f for _, f in parts])
            contexts = [c or () for _, _, c in group]
            _context_features(feats, self.index_, contexts, len(group), t_idx, s_idx)
            cand = Candidates(t_idx, s_idx, feats)
            scores = self.score(feats, method)
            out.extend(_top_lists(cand, scores, len(group), top_k, self.index_.skill_ids))
        return out

    # -------------------------------------------------------------- persistence

    def save(self, directory: Path | str) -> Path:
        """Write ``config.json`` (params, calibration, fit info), ``index.joblib`` and
        ``model.txt`` (LightGBM text format) to ``directory``."""
        self._check()
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        config = {
            "format": FORMAT,
            "params": self.get_params(),
            "features": list(FEATURES),
            "calibration": list(self.calibration_),
            "fit_info": self.fit_info_,
            "has_model": self.model_ is not None,
            "has_acceptor": getattr(self, "acceptor_", None) is not None,
            # kept-link floors chosen on this model's dev data (training.nlp.abstention);
            # None: the pipeline's config.cfg floors apply
            "floors": getattr(self, "floors_", None),
        }
        (directory / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True))
        joblib.dump(self.index_, directory / "index.joblib")
        for name, booster in (
            ("model.txt", self.model_),
            ("acceptor.txt", getattr(self, "acceptor_", None)),
        ):
            if booster is not None:
                (directory / name).write_text(booster.model_to_string())
            elif (directory / name).exists():
                (directory / name).unlink()
        return directory

    @classmethod
    def load(cls, directory: Path | str) -> SkillLinker:
        directory = Path(directory)
        config_path = directory / "config.json"
        if not config_path.is_file():
            raise FileNotFoundError(f"no linker at {directory} (config.json missing)")
        config = json.loads(config_path.read_text())
        if config.get("format") != FORMAT:
            raise ValueError(f"{directory} is not a {FORMAT} linker")
        if config.get("features") != list(FEATURES):
            raise ValueError(f"{directory} was trained with other features; retrain it")
        linker = cls(**config["params"])
        linker.index_ = joblib.load(directory / "index.joblib")
        linker.calibration_ = tuple(config["calibration"])
        linker.fit_info_ = config["fit_info"]
        linker.floors_ = config.get("floors")
        linker.model_ = linker.acceptor_ = None
        if config.get("has_model"):
            import lightgbm as lgb

            linker.model_ = lgb.Booster(model_str=(directory / "model.txt").read_text())
            if config.get("has_acceptor"):
                linker.acceptor_ = lgb.Booster(model_str=(directory / "acceptor.txt").read_text())
        return linker


def _with_raw(features: np.ndarray, raw: np.ndarray) -> np.ndarray:
    """The acceptor's input: a candidate's features and the ranker's raw score."""
    return np.hstack([features, np.asarray(raw, dtype=features.dtype).reshape(-1, 1)])


_SHARED_CHUNK = 1024
"""Jobs per chunk of :meth:`SkillLinker._rank_distinct` whose bases (text, forced ids) are
shared across contexts: bounds the candidate features held at once (~15 MB)."""


def _check_contexts(contexts: Sequence[Sequence[str]] | None, n_texts: int) -> None:
    if contexts is not None and len(contexts) != n_texts:
        raise ValueError(f"contexts has {len(contexts)} entries for {n_texts} texts")


def _top_lists(
    cand: Candidates, scores: np.ndarray, n_texts: int, top_k: int | None, ids: list[str]
) -> list[list[tuple[str, float]]]:
    order = np.lexsort((cand.skill, -scores, cand.text))
    bounds = np.searchsorted(cand.text[order], np.arange(n_texts + 1))
    out = []
    for t in range(n_texts):
        sel = order[bounds[t] : bounds[t + 1]]
        sel = sel[scores[sel] > 0]
        if top_k is not None:
            sel = sel[:top_k]
        out.append([(ids[cand.skill[i]], round(float(scores[i]), 6)) for i in sel])
    return out


def _platt(raw: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Sigmoid a * raw + b fitted by logistic regression (identity-ish if degenerate)."""
    from sklearn.linear_model import LogisticRegression

    if len(np.unique(y)) < 2:
        return (1.0, 0.0)
    model = LogisticRegression(C=100.0).fit(raw.reshape(-1, 1), y)
    return (float(model.coef_[0, 0]), float(model.intercept_[0]))
