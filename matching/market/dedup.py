"""Near-duplicate job postings: the same ad reposted under a new id, city or board.

Employers repost an ad to refresh it, post it once per location, and job boards copy each
other; counted naively, one opening becomes three. This module groups postings whose text is
nearly the same and gives every posting a ``cluster_id``.

Method (MinHash + LSH, numpy only):

1. **Text** = title + description, lower-cased; every digit becomes ``0`` (dates, job ids and
   pay figures do not make two ads different) and the posting's own ``city`` and ``state``
   words are removed (the same ad posted in Trenton and in Princeton names its own town).
   Words are cut and hashed on the UTF-8 bytes with numpy (tabulation hashing with a fixed
   table), so hashes are the same in every process and on every machine, unlike Python's
   ``hash``.
2. **Shingles** = every run of ``shingle_size`` (default 3) consecutive words, hashed to 64
   bits.
3. **MinHash signature** of ``num_perm`` (64) values per posting, by one-permutation hashing
   with rotation densification (linear in the number of shingles; see :func:`_minhash`).
   The share of equal signature values estimates the Jaccard similarity of two postings'
   shingle sets.
4. **LSH**: the signature is cut into ``bands`` (16) bands of 4 rows; postings that agree on a
   whole band are candidates (a pair at Jaccard 0.8 becomes a candidate with probability
   > 0.999, at 0.5 with 0.64). Inside a band bucket each posting is compared with the bucket's
   first posting only (linear, not quadratic, in bucket size), and linked when the estimated
   Jaccard is >= ``threshold`` (default 0.8).
5. **Clusters** = connected components of the links. A cluster's id is the smallest
   ``posting_id`` in it, so ids do not depend on row order or hash values.

On the demo postings, distinct ads from the same employer and role (same About paragraph,
benefits and EEO text) reach at most Jaccard 0.64 on these 3-word shingles, while reposts are
identical, so 0.8 separates them with a margin. Postings with no words at all are never
merged (each is its own cluster) and are counted in :class:`DedupResult`.

Scale (``experiments/bench_demand.py``): 100,000 postings (325 MB of text) are hashed
1,000 at a time, so memory stays bounded; cost is linear in the text length.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

_MASK32 = np.uint64(0xFFFFFFFF)
_MIX = (
    np.uint64(0x9E3779B97F4A7C15),
    np.uint64(0xC2B2AE3D27D4EB4F),
    np.uint64(0x165667B19E3779F9),
    np.uint64(0xD6E8FEB86659FD93),
    np.uint64(0xFF51AFD7ED558CCD),
)
_MAX_OFFSET = 32


def _byte_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Byte class (word byte or not), byte folding (lower case, digits to 0) and the random
    tabulation table used to hash words (fixed seed, so hashes are the same everywhere)."""
    word = np.zeros(256, dtype=bool)
    for lo, hi in ((48, 57), (65, 90), (97, 122), (128, 255)):  # non-ASCII bytes: word bytes
        word[lo : hi + 1] = True
    fold = np.arange(256, dtype=np.uint8)
    fold[65:91] += 32
    fold[48:58] = 48
    table = np.random.default_rng(0x5EED).integers(
        0, 2**63, size=(256, _MAX_OFFSET), dtype=np.uint64
    ) * np.uint64(2) + np.uint64(1)
    table[~word] = 0
    return word, fold, table


_WORD, _FOLD, _TABLE = _byte_tables()


@dataclass
class DedupResult:
    """``clusters``: posting_id, cluster_id, cluster_size, is_representative (the smallest
    posting_id of its cluster); plus counts for the report."""

    clusters: pl.DataFrame
    postings: int = 0
    clusters_n: int = 0
    duplicates: int = 0
    empty_text: int = 0
    params: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, object]:
        return {
            "postings": self.postings,
            "clusters": self.clusters_n,
            "duplicates_removed": self.duplicates,
            "postings_without_text": self.empty_text,
            **self.params,
        }


def _word_hashes(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Split ``texts`` into words and hash each word to 64 bits.

    Works on the UTF-8 bytes with numpy (no per-word Python work): a word is a run of ASCII
    letters/digits or non-ASCII bytes; letters are lower-cased and digits folded to ``0``.
    A word's hash is the sum of random table entries for (byte, position in word)
    (tabulation hashing; positions past 32 wrap), then mixed. Returns (document index, hash)
    per word, in text order.
    """
    encoded = [t.encode("utf-8", "replace") for t in texts]
    lengths = np.fromiter((len(e) + 1 for e in encoded), dtype=np.int64, count=len(encoded))
    buf = np.frombuffer(b" ".join(encoded) + b" ", dtype=np.uint8)
    if buf.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.uint64)
    is_word = _WORD[buf]
    edges = np.diff(is_word.astype(np.int8), prepend=np.int8(0), append=np.int8(0))
    starts = np.flatnonzero(edges == 1)
    if starts.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.uint64)
    token_of_byte = np.cumsum(edges[:-1] == 1, dtype=np.int32) - 1
    np.maximum(token_of_byte, 0, out=token_of_byte)
    offset = np.arange(buf.size, dtype=np.int32)
    offset -= starts.astype(np.int32)[token_of_byte]
    offset &= _MAX_OFFSET - 1
    contrib = _TABLE[_FOLD[buf], offset]  # zero for non-word bytes
    with np.errstate(over="ignore"):
        hashes = _mix64(np.add.reduceat(contrib, starts))
    doc_start = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    doc = np.searchsorted(doc_start, starts, side="right") - 1
    return doc.astype(np.int64), hashes


def _drop_local_words(
    doc: np.ndarray, hashes: np.ndarray, local_texts: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Remove each posting's own city and state words from its words."""
    local_doc, local_hash = _word_hashes(local_texts)
    if local_doc.size == 0:
        return doc, hashes
    with np.errstate(over="ignore"):
        keys = _mix64(hashes ^ _mix64(doc.astype(np.uint64)))
        local_keys = _mix64(local_hash ^ _mix64(local_doc.astype(np.uint64)))
    keep = ~np.isin(keys, local_keys)
    return doc[keep], hashes[keep]


def _shingles(doc: np.ndarray, hashes: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Hash every window of ``k`` words that starts inside a document (windows run past the
    end into zero padding, so a document of n >= 1 words gives n shingles)."""
    n = hashes.shape[0]
    out = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            shifted = np.zeros(n, dtype=np.uint64)
            same = np.zeros(n, dtype=bool)
            shifted[: n - j] = hashes[j:]
            same[: n - j] = doc[j:] == doc[: n - j]
            out = out * _MIX[j % len(_MIX)] + np.where(same, shifted + np.uint64(j + 1), 0)
        out ^= out >> np.uint64(29)
    return doc, out


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finalizer: a fixed, well-spread 64-bit hash of 64-bit values."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x = x ^ (x >> np.uint64(27))
        x = x * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _minhash_into(
    flat: np.ndarray, doc: np.ndarray, shingles: np.ndarray, num_perm: int, seed: int
) -> None:
    """Fold shingles into the flat ``(n_docs * num_perm)`` one-permutation MinHash array.

    Each shingle is hashed once; the top bits pick one of ``num_perm`` bins and the low 32
    bits are the value kept as the bin's minimum (one-permutation hashing, Li et al. 2012),
    so the cost is linear in the number of shingles, not shingles x permutations.
    """
    bits = int(np.log2(num_perm))
    with np.errstate(over="ignore"):
        h = _mix64(shingles ^ np.uint64(seed))
    bins = (h >> np.uint64(64 - bits)).astype(np.int64)
    values = np.minimum((h & _MASK32).astype(np.uint32), np.uint32(_EMPTY - 1))
    np.minimum.at(flat, doc * num_perm + bins, values)


_EMPTY = 0xFFFFFFFF


def _densify(signature: np.ndarray) -> np.ndarray:
    """Fill empty bins from the nearest non-empty bin to their right, offset by the distance
    (rotation densification, Shrivastava & Li 2014), so equal-bin rates still estimate the
    Jaccard similarity of short texts. Documents without any shingle keep all bins empty."""
    empty = np.uint32(_EMPTY)
    original = signature.copy()
    missing = signature == empty
    missing &= ~missing.all(axis=1)[:, None]
    step = 1
    num_perm = signature.shape[1]
    while missing.any() and step < num_perm:
        source = np.roll(original, -step, axis=1)
        fill = missing & (source != empty)
        with np.errstate(over="ignore"):
            signature[fill] = source[fill] + np.uint32(step * 0x9E3779B1 & 0xFFFFFFFF)
        missing &= ~fill
        step += 1
    return signature


def band_keys(signature: np.ndarray, bands: int) -> np.ndarray:
    """``(n, bands)`` uint64 bucket keys: each band's ``num_perm // bands`` signature values
    folded into one 64-bit key (postings with equal keys in a band are LSH candidates)."""
    n, num_perm = signature.shape
    rows = num_perm // bands
    keys = np.zeros((n, bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for band in range(bands):
            block = signature[:, band * rows : (band + 1) * rows].astype(np.uint64)
            key = np.zeros(n, dtype=np.uint64)
            for col in range(rows):
                key = key * _MIX[col % len(_MIX)] + block[:, col]
            keys[:, band] = key
    return keys


def bucket_links(
    band: np.ndarray,
    key: np.ndarray,
    ids: np.ndarray,
    signature: np.ndarray,
    threshold: float,
    sig_rows: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Links inside LSH buckets: rows sharing ``(band, key)`` form a bucket; each member is
    compared with the bucket's smallest id only (linear in bucket size) and linked to it
    when the share of equal signature values is >= ``threshold``.

    One row per (posting, band): ``ids`` (int64, unique per posting) and the posting's full
    signature, ``signature[i]`` (or ``signature[sig_rows[i]]``, so a posting's signature
    is stored once for all its bands). The rows of a bucket may come from anywhere, so the
    corpus can be split by bucket (``matching.ingest.posting_dataset`` hashes buckets to
    partitions) and each part linked alone. Returns (member ids, first ids)."""
    if ids.size < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    order = np.lexsort((ids, key, band))
    sorted_band, sorted_key = band[order], key[order]
    starts = np.r_[
        True, (sorted_key[1:] != sorted_key[:-1]) | (sorted_band[1:] != sorted_band[:-1])
    ]
    group = np.cumsum(starts) - 1
    first = order[np.flatnonzero(starts)][group]
    keep = order != first
    if not keep.any():
        return np.empty(0, np.int64), np.empty(0, np.int64)
    m, f = order[keep], first[keep]
    sm, sf = (m, f) if sig_rows is None else (sig_rows[m], sig_rows[f])
    agree = (signature[sm] == signature[sf]).mean(axis=1) >= threshold
    return ids[m[agree]], ids[f[agree]]


def _links(
    signature: np.ndarray, bands: int, threshold: float, valid: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    index = np.flatnonzero(valid)
    if index.size < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    sig = signature[index]
    keys = band_keys(sig, bands)
    n = index.size
    band = np.repeat(np.arange(bands, dtype=np.int64)[None, :], n, axis=0).ravel()
    rows = np.repeat(np.arange(n, dtype=np.int64), bands)
    left, right = bucket_links(band, keys.ravel(), index[rows], sig, threshold, sig_rows=rows)
    return left.astype(np.int64), right.astype(np.int64)


def minhash_signatures(
    postings: pl.DataFrame,
    *,
    shingle_size: int = 3,
    num_perm: int = 64,
    seed: int = 20240401,
    chunk_size: int = 1000,
) -> tuple[np.ndarray, np.ndarray]:
    """``(signature (n, num_perm) uint32, has_text (n,) bool)`` of each posting, in order
    (``title`` + ``description``, own ``city``/``state`` words removed; module docstring).

    A posting's signature depends on its own text only, so any slice of a corpus can be
    hashed alone and the signatures put side by side."""
    if 2 ** int(np.log2(num_perm)) != num_perm:
        raise ValueError("num_perm must be a power of two")
    frame = postings.select(
        *[
            pl.col(c) if c in postings.columns else pl.lit(None, pl.String).alias(c)
            for c in ("title", "description", "city", "state")
        ],
    )
    n = frame.height
    flat = np.full(n * num_perm, _EMPTY, dtype=np.uint32)
    has_text = np.zeros(n, dtype=bool)
    for offset in range(0, n, chunk_size):
        part = frame.slice(offset, chunk_size)
        texts = [f"{t or ''} {d or ''}" for t, d in part.select("title", "description").iter_rows()]
        local = [f"{c or ''} {s or ''}" for c, s in part.select("city", "state").iter_rows()]
        doc, hashes = _word_hashes(texts)
        doc, hashes = _drop_local_words(doc, hashes, local)
        doc, shingles = _shingles(doc, hashes, shingle_size)
        has_text[np.unique(doc) + offset] = True
        _minhash_into(flat, doc + offset, shingles, num_perm, seed)
    return _densify(flat.reshape(n, num_perm)), has_text


def find_duplicates(
    postings: pl.DataFrame,
    *,
    threshold: float = 0.8,
    shingle_size: int = 3,
    num_perm: int = 64,
    bands: int = 16,
    seed: int = 20240401,
    chunk_size: int = 1000,
) -> DedupResult:
    """Cluster near-duplicate postings (see the module docstring for the method).

    ``postings`` needs ``posting_id``, ``title`` and ``description``; ``city`` and ``state``
    are used when present. Returns one row per input posting, in input order. Postings are
    hashed ``chunk_size`` at a time, so memory stays bounded for large inputs.
    """
    if num_perm % bands:
        raise ValueError("num_perm must be a multiple of bands")
    frame = postings.select("posting_id")
    n = frame.height
    signature, has_text = minhash_signatures(
        postings, shingle_size=shingle_size, num_perm=num_perm, seed=seed, chunk_size=chunk_size
    )
    left, right = _links(signature, bands, threshold, has_text)
    graph = coo_matrix((np.ones(left.size, dtype=np.int8), (left, right)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    clusters = (
        frame.select("posting_id")
        .with_columns(pl.Series("_label", labels))
        .with_columns(
            pl.col("posting_id").min().over("_label").alias("cluster_id"),
            pl.len().over("_label").cast(pl.Int64).alias("cluster_size"),
        )
        .with_columns((pl.col("posting_id") == pl.col("cluster_id")).alias("is_representative"))
        .drop("_label")
    )
    n_clusters = int(clusters.get_column("cluster_id").n_unique()) if n else 0
    return DedupResult(
        clusters=clusters,
        postings=n,
        clusters_n=n_clusters,
        duplicates=n - n_clusters,
        empty_text=int(n - has_text.sum()),
        params={
            "threshold": threshold,
            "shingle_size": shingle_size,
            "num_perm": num_perm,
            "bands": bands,
        },
    )
