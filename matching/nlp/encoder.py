"""A semantic layer: text encoders and the taxonomy's skill vectors, for candidates and features.

Lexical scores miss paraphrases ("measure vital signs" vs ESCO's "monitor patient's vital
signs"). An :class:`Encoder` maps texts to L2-normalized float32 vectors so a cosine is one
dot product; :class:`SkillVectors` holds one vector per taxonomy skill, so nearest skills
for a batch of texts, and near matches between skills, are one matrix product.

Encoders (``PATHMATCH_ENCODER``, read by :func:`encoder_from_setting`):

* ``wordllama`` (default): :class:`StaticEncoder`, WordLlama's ``l2_supercat`` 256-d static
  token embeddings (MIT licence), average-pooled. The weights (16 MB) and the tokenizer ship
  inside the PyPI wheel and are loaded from the installed package with downloads disabled,
  so nothing is fetched at run time. About a second to load, tens of thousands of short
  texts per second on one core, no torch.
* ``none``: no encoder (callers skip the semantic layer).
* a folder path: :class:`SentenceTransformerEncoder`, a user's own local
  sentence-transformers model folder (needs ``sentence-transformers`` installed; opened with
  ``local_files_only`` and ``HF_HUB_OFFLINE``, never downloads).

Third-party packages are imported only when an encoder first encodes, so importing
``matching`` stays light.

Skill vectors are cached as ``.npy`` under
``$PATHMATCH_HOME/encoders/<encoder name>-<fingerprint>/``; the fingerprint hashes the exact
texts embedded (skill ids, labels or descriptions, and the text mode), so a new bundle or
mode gets a new folder and a stale cache is never read.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from matching.nlp.taxonomy import SkillTaxonomy

DEFAULT_ENCODER = "wordllama"
SkillText = Literal["labels", "label_description"]
# The preferred label's weight in a skill's label mean (alternative labels weigh 1). Chosen on
# the HOUSE/TECH dev halves (experiments/bench_encoder.py): equal weights put a skill with
# many alternative labels away from its own name (HOUSE gold-span RP@5 0.727 -> 0.824 with 3);
# 2, 3, 5, 10 and "preferred only" are a noisy plateau.
PREFERRED_WEIGHT = 3.0
_CHUNK = 1024  # texts per cosine block in max_cosines (1024 x 13.9k float32 = 57 MB)


class EncoderError(ValueError):
    """An encoder cannot be opened; the message is one line naming the setting or folder."""


@runtime_checkable
class Encoder(Protocol):
    """Texts -> float32 matrix (len(texts) x dim), rows L2-normalized (an empty text: zeros)."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def _normalized(matrix: np.ndarray) -> np.ndarray:
    """float32 rows of unit length; all-zero rows (empty texts) stay zero, never NaN."""
    out = np.ascontiguousarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return out / norms


class StaticEncoder:
    """WordLlama static embeddings from the weights packaged in the wheel (no download).

    WordLlama's own ``load()`` looks for the tokenizer in a folder name the wheel does not
    use and would then fetch it from Hugging Face; pointing ``cache_dir`` at the installed
    package and disabling downloads makes it read the packaged ``tokenizers/`` file.
    """

    def __init__(self, config: str = "l2_supercat", dim: int = 256) -> None:
        self.config = config
        self.dim = dim
        self.name = f"wordllama-{config}-{dim}"
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = _load_wordllama(self.config, self.dim)
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Mean of the texts' token vectors, normalized (= the sum, since rows are normalized).

        Llama's tokens never cross a word boundary, so each distinct whitespace-separated
        word of the batch is tokenized once and a text is the sum of its words' token-vector
        sums: one sparse product, about 4x faster than WordLlama's padded ``embed`` and equal
        to it up to float rounding (whitespace runs, which WordLlama turns into '▁' tokens,
        are dropped). The word table lives only for this call.
        """
        import scipy.sparse as sp

        texts = list(texts)
        vocab: dict[str, int] = {}
        indptr: list[int] = [0]
        indices: list[int] = []
        for text in texts:
            indices.extend(vocab.setdefault(w, len(vocab)) for w in text.split())
            indptr.append(len(indices))
        if not vocab:
            return np.zeros((len(texts), self.dim), dtype=np.float32)
        counts = sp.csr_matrix(
            (np.ones(len(indices), dtype=np.float32), indices, indptr),
            shape=(len(texts), len(vocab)),
        )
        return _normalized(np.asarray(counts @ self._word_sums(list(vocab))))

    def _word_sums(self, words: list[str]) -> np.ndarray:
        """Per word, the sum of its token vectors (float32, len(words) x dim)."""
        model = self._load()
        table = model.embedding
        encoded = model.tokenizer.encode_batch(words, add_special_tokens=False)
        lengths = np.fromiter((len(e.ids) for e in encoded), dtype=np.int64, count=len(words))
        ids = np.fromiter(
            (i for e in encoded for i in e.ids), dtype=np.int64, count=int(lengths.sum())
        )
        np.clip(ids, 0, table.shape[0] - 1, out=ids)
        out = np.zeros((len(words), table.shape[1]), dtype=np.float32)
        has = lengths > 0
        if ids.size:
            starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])[has]
            out[has] = np.add.reduceat(table[ids], starts, axis=0)
        return out


def _load_wordllama(config: str, dim: int) -> Any:
    """Open the packaged WordLlama model, keeping the root logger as it was.

    ``wordllama.inference`` calls ``logging.basicConfig(level=INFO)`` at import, which would
    make every library's INFO messages appear in our CLI; the root logger is restored.
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        import wordllama
        from wordllama import WordLlama
    except ImportError as exc:  # pragma: no cover - a project dependency
        raise EncoderError("encoder 'wordllama' needs the wordllama package installed") from exc
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    package = Path(wordllama.__file__).parent
    try:
        model = WordLlama.load(config, dim=dim, cache_dir=package, disable_download=True)
    except (FileNotFoundError, ValueError) as exc:
        raise EncoderError(f"wordllama {config} {dim}-d weights not in {package}: {exc}") from exc
    model.tokenizer.no_padding()  # words are tokenized one by one: no padding needed
    return model


class SentenceTransformerEncoder:
    """A user's own sentence-transformers model folder, opened offline on the CPU."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        if not self.path.is_dir():
            raise EncoderError(f"encoder folder {self.path} does not exist or is not a folder")
        if not (self.path / "modules.json").is_file() and not (self.path / "config.json").is_file():
            raise EncoderError(
                f"encoder folder {self.path} is not a sentence-transformers model "
                "(no modules.json or config.json)"
            )
        digest = hashlib.sha1(str(self.path.resolve()).encode()).hexdigest()[:8]
        self.name = f"st-{_safe(self.path.name)}-{digest}"
        self._model: Any = None
        self._dim: int | None = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = _open_sentence_transformer(self.path)
        return self._model

    @property
    def dim(self) -> int:
        if self._dim is None:
            model = self._load()
            found = model.get_sentence_embedding_dimension()
            self._dim = int(found) if found else int(model.encode(["x"]).shape[1])
        return self._dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        raw = model.encode(texts, batch_size=64, convert_to_numpy=True, show_progress_bar=False)
        out = np.asarray(raw, dtype=np.float32)
        out[[i for i, t in enumerate(texts) if not t.strip()]] = 0.0
        return _normalized(out)


def _open_sentence_transformer(path: Path) -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise EncoderError(
            f"encoder folder {path} needs the sentence-transformers package "
            "(pip install sentence-transformers)"
        ) from exc
    try:
        return SentenceTransformer(str(path), device="cpu", local_files_only=True)
    except Exception as exc:  # any load failure: one line naming the folder
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise EncoderError(f"encoder folder {path} could not be loaded: {first}") from exc


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "model"


_default: StaticEncoder | None = None
_default_lock = threading.Lock()


def encoder_from_setting(value: str | None = None) -> Encoder | None:
    """The encoder a setting names: 'wordllama' (default) | 'none' | a model folder path.

    ``None`` reads ``PATHMATCH_ENCODER``. The default encoder is one object per process
    (its weights load once). Raises :class:`EncoderError` (one line) for a bad folder.
    """
    if value is None:
        from matching.settings import get_settings

        value = get_settings().encoder
    value = value.strip()
    if value.lower() == "none" or not value:
        return None
    if value.lower() == DEFAULT_ENCODER:
        global _default
        with _default_lock:
            if _default is None:
                _default = StaticEncoder()
            return _default
    return SentenceTransformerEncoder(value)


# ---------------------------------------------------------------------------- skill vectors


class SkillVectors:
    """One unit vector per taxonomy skill; row ``i`` is skill ``ids[i]``.

    Rows are the ESCO skills in taxonomy order, which is exactly
    :attr:`matching.nlp.extraction.linker.LinkIndex.skill_ids` (``matrix[p]`` is the vector
    of the linker's skill position ``p``); with ``include_onet`` the O*NET technology and
    tool examples follow. Build with :meth:`build` (cached on disk).
    """

    def __init__(self, encoder: Encoder, ids: list[str], matrix: np.ndarray) -> None:
        self.encoder = encoder
        self.ids = ids
        self.matrix = np.ascontiguousarray(matrix, dtype=np.float32)
        self.pos = {sid: i for i, sid in enumerate(ids)}
        self.from_cache = False
        self.cache_dir: Path | None = None

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def build(
        cls,
        taxonomy: SkillTaxonomy,
        encoder: Encoder,
        *,
        text: SkillText = "labels",
        include_onet: bool = False,
        home: Path | None = None,
        cache: bool = True,
    ) -> SkillVectors:
        """Vectors for the taxonomy's skills, read from the cache when the texts are the same.

        ``text='labels'`` (default, better on dev): weighted mean of the preferred label
        (:data:`PREFERRED_WEIGHT`) and alternative label vectors;
        ``'label_description'``: the preferred label followed by the description.
        """
        ids, groups = _skill_texts(taxonomy, text, include_onet)
        folder = _cache_folder(encoder, ids, groups, text, home) if cache else None
        path = folder / "vectors.npy" if folder else None
        if path is not None and path.is_file():
            matrix = np.load(path, mmap_mode=None)
            if matrix.shape == (len(ids), encoder.dim):
                out = cls(encoder, ids, matrix)
                out.from_cache, out.cache_dir = True, folder
                return out
        matrix = _embed_groups(encoder, groups)
        if path is not None:
            _atomic_save(path, matrix)
        out = cls(encoder, ids, matrix)
        out.cache_dir = folder
        return out

    # ------------------------------------------------------------------ lookups

    def vectors_for(self, skill_ids: Sequence[str]) -> np.ndarray:
        """Rows for these ids (KeyError naming an unknown id)."""
        try:
            rows = [self.pos[s] for s in skill_ids]
        except KeyError as exc:
            raise KeyError(f"skill {exc.args[0]!r} has no vector") from None
        return self.matrix[rows]

    def _as_vectors(self, texts_or_vectors: Sequence[str] | np.ndarray) -> np.ndarray:
        if isinstance(texts_or_vectors, np.ndarray):
            vectors = texts_or_vectors.astype(np.float32, copy=False)
            return vectors[None, :] if vectors.ndim == 1 else vectors
        return self.encoder.encode(list(texts_or_vectors))

    def cosines(self, texts_or_vectors: Sequence[str] | np.ndarray) -> np.ndarray:
        """Cosine of each text to every skill: len(texts) x len(self), float32."""
        return self._as_vectors(texts_or_vectors) @ self.matrix.T

    def max_cosines(self, groups: Sequence[Sequence[str]]) -> np.ndarray:
        """Per group of texts, the max over its texts of the cosine to each skill.

        For a sentence, pass the sentence and its token windows: a static encoder averages
        a whole sentence into a blur, and the best window is a better candidate score
        (HOUSE dev sentence MRR 0.46 -> 0.55 in experiments/bench_encoder.py). One encode
        call and one matrix product for all groups. An empty group gives a row of zeros.
        """
        out = np.zeros((len(groups), len(self)), dtype=np.float32)
        lo = 0
        while lo < len(groups):  # chunks of about _CHUNK texts bound the cosine matrix
            hi, n = lo, 0
            while hi < len(groups) and (n == 0 or n + len(groups[hi]) <= _CHUNK):
                n += len(groups[hi])
                hi += 1
            chunk = groups[lo:hi]
            sizes = np.asarray([len(g) for g in chunk], dtype=np.int64)
            if sizes.sum():
                sims = self.cosines([t for g in chunk for t in g])
                has = sizes > 0
                starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])[has]
                out[lo:hi][has] = np.maximum.reduceat(sims, starts, axis=0)
            lo = hi
        return out

    def pair_max_cosines(
        self, groups: Sequence[Sequence[str]], text: np.ndarray, skill: np.ndarray
    ) -> np.ndarray:
        """For candidate pairs (group ``text[i]``, skill row ``skill[i]``), the max over the
        group's texts of the cosine to that skill: a reranker feature, as cheap as the pairs.

        Unlike :meth:`max_cosines` this scores only the given pairs (a linker's candidates,
        ``Candidates.text`` / ``Candidates.skill``), so windows cost little. Empty group: 0.
        """
        text = np.asarray(text, dtype=np.int64)
        skill = np.asarray(skill, dtype=np.int64)
        out = np.zeros(len(text), dtype=np.float32)
        sizes = np.asarray([len(g) for g in groups], dtype=np.int64)
        if not len(text) or not sizes.sum():
            return out
        vectors = self.encoder.encode([t for g in groups for t in g])
        starts = np.concatenate([[0], np.cumsum(sizes)])
        order = np.argsort(text, kind="stable")
        bounds = np.searchsorted(text[order], np.arange(len(groups) + 1))
        for g in np.flatnonzero((sizes > 0) & (np.diff(bounds) > 0)):
            rows = order[bounds[g] : bounds[g + 1]]
            block = vectors[starts[g] : starts[g + 1]] @ self.matrix[skill[rows]].T
            out[rows] = block.max(axis=0)
        return out

    def nearest_positions(
        self, texts_or_vectors: Sequence[str] | np.ndarray, k: int = 20
    ) -> tuple[np.ndarray, np.ndarray]:
        """Row positions (int64, n x k, best first) and their cosines (float32)."""
        sims = self.cosines(texts_or_vectors)
        k = min(k, sims.shape[1])
        if k <= 0 or not sims.shape[0]:
            empty = np.zeros((sims.shape[0], 0))
            return empty.astype(np.int64), empty.astype(np.float32)
        n = sims.shape[1]
        part = np.argpartition(sims, n - k, axis=1)[:, n - k :]
        top = np.take_along_axis(sims, part, axis=1)
        order = np.argsort(-top, axis=1, kind="stable")
        return np.take_along_axis(part, order, axis=1), np.take_along_axis(top, order, axis=1)

    def nearest(
        self, texts_or_vectors: Sequence[str] | np.ndarray, k: int = 20
    ) -> tuple[list[list[str]], np.ndarray]:
        """Skill ids (best first) and cosines (n x k) nearest to each text or vector."""
        rows, cos = self.nearest_positions(texts_or_vectors, k)
        return [[self.ids[p] for p in r] for r in rows.tolist()], cos

    def similar(self, skill_id_a: str, skill_id_b: str) -> float:
        """Cosine between two skills."""
        a, b = self.vectors_for([skill_id_a, skill_id_b])
        return float(a @ b)

    def near_matrix(self, ids_a: Sequence[str], ids_b: Sequence[str]) -> np.ndarray:
        """Pairwise cosines, len(ids_a) x len(ids_b), float32: near matches between skills."""
        return self.vectors_for(ids_a) @ self.vectors_for(ids_b).T


_memo: dict[tuple[int, str, str, bool], tuple[SkillTaxonomy, SkillVectors]] = {}
_memo_lock = threading.Lock()


def skill_vectors_of(
    taxonomy: SkillTaxonomy,
    encoder: Encoder,
    *,
    text: SkillText = "labels",
    include_onet: bool = False,
) -> SkillVectors:
    """:meth:`SkillVectors.build` once per process for a taxonomy object and encoder.

    The engine, the linker and the gap report ask for the same vectors; this way they share
    one matrix (and the disk cache is read once). Keyed by the taxonomy object's identity
    (it is kept alive here, so the id cannot be reused) and the encoder's name.
    """
    key = (id(taxonomy), encoder.name, text, include_onet)
    with _memo_lock:
        found = _memo.get(key)
        if found is None:
            vectors = SkillVectors.build(taxonomy, encoder, text=text, include_onet=include_onet)
            for old in [k for k, v in _memo.items() if k[1:] == key[1:]][:-3]:
                del _memo[old]  # keep a few taxonomies per encoder, not every one ever seen
            found = _memo[key] = (taxonomy, vectors)
        return found[1]


def _skill_texts(
    taxonomy: SkillTaxonomy, text: SkillText, include_onet: bool
) -> tuple[list[str], list[list[str]]]:
    """Skill ids and, per skill, the texts whose mean vector is the skill's vector."""
    import polars as pl

    skills = taxonomy.skills
    if not include_onet:
        skills = skills.filter(pl.col("taxonomy") == "ESCO")
    ids = skills.get_column("skill_id").to_list()
    if text == "label_description":
        rows = skills.select("preferred_label", "description").rows()
        return ids, [[f"{p}. {d}" if d else p] for p, d in rows]
    if text != "labels":
        raise ValueError(f"skill text must be 'labels' or 'label_description', not {text!r}")
    alts = taxonomy.labels.filter(pl.col("label_type") == "alt")
    grouped = dict(alts.group_by("skill_id", maintain_order=True).agg(pl.col("label")).iter_rows())
    prefs = skills.get_column("preferred_label").to_list()
    return ids, [[p, *grouped.get(s, ())] for s, p in zip(ids, prefs, strict=True)]


def _embed_groups(encoder: Encoder, groups: list[list[str]]) -> np.ndarray:
    """Weighted mean of each group's text vectors (the first, the preferred label, counts
    :data:`PREFERRED_WEIGHT` times), renormalized; one encode call over all texts."""
    if not groups:
        return np.zeros((0, encoder.dim), dtype=np.float32)
    flat = [t for g in groups for t in g]
    sizes = np.asarray([len(g) for g in groups], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    weights = np.ones(len(flat), dtype=np.float32)
    weights[starts] = PREFERRED_WEIGHT
    vectors = encoder.encode(flat) * weights[:, None]
    return _normalized(np.add.reduceat(vectors, starts, axis=0))


def _cache_folder(
    encoder: Encoder, ids: list[str], groups: list[list[str]], text: str, home: Path | None
) -> Path:
    digest = hashlib.sha1(f"{text}\n{encoder.dim}\n{PREFERRED_WEIGHT}\n".encode())
    for sid, group in zip(ids, groups, strict=True):
        digest.update(sid.encode())
        digest.update(b"\x1f" + "\x1e".join(group).encode() + b"\n")
    if home is None:
        from matching.settings import get_settings

        home = get_settings().home
    return Path(home) / "encoders" / f"{_safe(encoder.name)}-{digest.hexdigest()[:16]}"


def _atomic_save(path: Path, matrix: np.ndarray) -> None:
    """Write beside the target and rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with tmp.open("wb") as fh:
        np.save(fh, matrix)
    os.replace(tmp, path)
