"""A posting feed as a partitioned Parquet dataset: layout, partitions, dedup by bucket.

``pathmatch ingest-postings`` (``serving.ingest_postings``, on Ray) turns a folder or glob
of posting files (LinkedIn CSV, schema.org JobPosting JSON/JSONL/HTML, Parquet; the
``matching.ingest.loaders.postings`` loaders) into this dataset; ``pathmatch demand
--postings`` reads it back lazily. This module holds everything that is not Ray: which
files, how a file becomes partitions, what each part file holds, the restart manifest, the
bucket-partitioned MinHash dedup steps and the readers. It imports no Ray.

Layout of ``DATASET/``::

    postings/part-IIIIII-CCCCC.parquet        one row per kept posting (postings table columns,
                                              _line, source_file, input_index, row_id,
                                              onet_soc_code, occupation_score, title_match,
                                              sections)
    posting_skills/part-IIIIII-CCCCC.parquet  posting_id, skill_id, skill_label, score
    rejects/part-IIIIII-CCCCC.parquet         file, path, line, field, reason, severity, record
    rejects/duplicate_ids.parquet             a posting id already kept from an earlier file
    duplicate_clusters/part-PPPPP.parquet     posting_id, cluster_id, cluster_size,
                                              is_representative (clusters of 2 or more only)
    _signatures/part-IIIIII-CCCCC.parquet     row_id, has_text, signature (64 x uint32 bytes)
    _manifest.jsonl                           one line per finished partition, then dedup
    _meta.json                                identity (bundle, models, extraction, sizes)

``IIIIII`` is the input file's index (its place in the sorted file list of the first run;
later files get the next indices), ``CCCCC`` the partition within the file (``partition_size``
kept rows each). ``row_id = input_index << 32 | row`` orders postings as the usual loader
would concatenate them, so "first" means the same thing here as in ``load_postings``: an id
seen in two files is kept from the earlier one (the later row goes to
``rejects/duplicate_ids.parquet``), and an LSH bucket's first member is its smallest row_id,
as in ``matching.market.dedup.find_duplicates``.

Dedup without one machine holding every signature: each partition's MinHash signatures are
written beside it; the dedup step emits one row per (posting, band) with its bucket key and
the partition ``bucket_part`` it hashes to, groups by that partition, and links inside each
group (``link_part``) with ``matching.market.dedup.bucket_links``. Only the links (pairs of
row ids, about one per duplicate) come back to the driver, which joins them into clusters.
"""

from __future__ import annotations

import glob
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from matching.ingest.loaders.base import LoaderError, LoadReport, Reject
from matching.ingest.loaders.postings import POSTING_SCHEMA, load_posting_file
from matching.market.dedup import DedupResult, band_keys, bucket_links, minhash_signatures

POSTINGS = "postings"
SKILLS = "posting_skills"
REJECTS = "rejects"
CLUSTERS = "duplicate_clusters"
SIGNATURES = "_signatures"
MANIFEST = "_manifest.jsonl"
META = "_meta.json"
DUPLICATE_IDS = "duplicate_ids.parquet"

SUFFIXES = (".csv", ".jsonld", ".json", ".jsonl", ".html", ".htm", ".parquet")
ROW_BITS = 32
NUM_PERM = 64
BANDS = 16
THRESHOLD = 0.8

REJECT_SCHEMA: dict[str, Any] = {
    "file": pl.String,
    "path": pl.String,
    "line": pl.Int64,
    "field": pl.String,
    "reason": pl.String,
    "severity": pl.String,
    "record": pl.String,
}
SKILL_SCHEMA: dict[str, Any] = {
    "posting_id": pl.String,
    "skill_id": pl.String,
    "skill_label": pl.String,
    "score": pl.Float64,
}
OCCUPATION_COLUMNS: dict[str, Any] = {
    "onet_soc_code": pl.String,
    "occupation_score": pl.Float64,
    "title_match": pl.String,  # confident | not_confident | none
    "sections": pl.List(pl.String),
}


class DatasetError(ValueError):
    """A dataset or input the command cannot use; the message says which and why."""


# =========================================================================== inputs


def input_files(spec: str | Path, exclude: Path | None = None) -> list[Path]:
    """Posting files named by ``spec``: a folder (searched recursively for the known
    suffixes) or a glob (``feed/2026-*.jsonl``, ``**`` allowed), sorted by path. Files under
    ``exclude`` (the output dataset) are left out."""
    path = Path(spec)
    if path.is_dir():
        found = [p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES]
    elif path.is_file():
        found = [path]
    else:
        found = [Path(p) for p in glob.glob(str(spec), recursive=True) if Path(p).is_file()]
        found = [p for p in found if p.suffix.lower() in SUFFIXES]
    if exclude is not None:
        root = exclude.resolve()
        found = [p for p in found if not p.resolve().is_relative_to(root)]
    return sorted(found, key=lambda p: str(p))


def file_key(path: Path) -> str:
    """A file's identity for restarts: path, size and modification time."""
    stat = path.stat()
    return f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"


def partition_name(input_index: int, chunk: int) -> str:
    return f"part-{input_index:06d}-{chunk:05d}.parquet"


def rejects_frame(rejects: Sequence[Reject], path: Path) -> pl.DataFrame:
    return pl.DataFrame(
        [(r.file, str(path), r.line, r.field, r.reason, r.severity, r.record) for r in rejects],
        schema=REJECT_SCHEMA,
        orient="row",
    )


@dataclass
class FileParts:
    """One input file read: its kept postings cut into partitions, and its rejects."""

    input_index: int
    path: Path
    parts: list[pl.DataFrame]
    rejects: pl.DataFrame
    rows_read: int = 0


def read_file(path: Path, input_index: int, partition_size: int) -> FileParts:
    """Load one posting file with the shared loaders and cut it into partitions of
    ``partition_size`` kept postings (at least one, maybe empty, so a file whose records
    are all rejected still finishes). A file that is no postings file is one reject."""
    report = LoadReport("postings")
    try:
        table = load_posting_file(path, report)
    except LoaderError as exc:
        report.reject(path, None, None, str(exc))
        table = pl.DataFrame(schema={**POSTING_SCHEMA, "_line": pl.Int64, "source_file": pl.String})
    if table.height >= 1 << ROW_BITS:
        raise DatasetError(f"{path.name}: more than {1 << ROW_BITS:,} postings in one file")
    table = table.with_columns(
        pl.lit(input_index, pl.Int64).alias("input_index"),
        (pl.lit(input_index << ROW_BITS, pl.Int64) + pl.int_range(pl.len(), dtype=pl.Int64)).alias(
            "row_id"
        ),
    )
    count = max(1, -(-table.height // partition_size))
    parts = [table.slice(i * partition_size, partition_size) for i in range(count)]
    return FileParts(
        input_index, path, parts, rejects_frame(report.rejects, path), report.rows_read
    )


# =========================================================================== partitions


def annotate_partition(
    part: pl.DataFrame, occupations: pl.DataFrame | None, sections: Sequence[Sequence[str]]
) -> pl.DataFrame:
    """The postings rows of a partition with their occupation and section labels.

    ``occupations``: ``posting_id, onet_soc_code, score`` as
    ``matching.market.demand.occupations_from_titles`` gives them (at most one row per
    posting at top_k=1; a null code means "not confident"); kept as ``title_match`` so the
    demand report's counts come out as from the bundle."""
    occ = (
        occupations.group_by("posting_id", maintain_order=True).agg(
            pl.col("onet_soc_code").sort_by("score", descending=True, nulls_last=True).first(),
            pl.col("score").max().alias("occupation_score"),
        )
        if occupations is not None and occupations.height
        else pl.DataFrame(
            schema={
                "posting_id": pl.String,
                "onet_soc_code": pl.String,
                "occupation_score": pl.Float64,
            }
        )
    )
    out = part.join(occ, on="posting_id", how="left", maintain_order="left")
    matched = occ.get_column("posting_id")
    return out.with_columns(
        pl.when(pl.col("onet_soc_code").is_not_null())
        .then(pl.lit("confident"))
        .when(pl.col("posting_id").is_in(matched.implode()))
        .then(pl.lit("not_confident"))
        .otherwise(pl.lit("none"))
        .alias("title_match"),
        pl.Series("sections", [list(s) for s in sections], dtype=pl.List(pl.String)),
    )


def signature_frame(part: pl.DataFrame) -> pl.DataFrame:
    """``row_id, has_text, signature`` (``NUM_PERM`` uint32 as bytes) of a partition."""
    signature, has_text = minhash_signatures(part, num_perm=NUM_PERM)
    return pl.DataFrame(
        {
            "row_id": part.get_column("row_id"),
            "has_text": has_text,
            "signature": [row.tobytes() for row in np.ascontiguousarray(signature)],
        },
        schema={"row_id": pl.Int64, "has_text": pl.Boolean, "signature": pl.Binary},
    )


def write_atomically(frame: pl.DataFrame, path: Path) -> None:
    """Write a Parquet file under a temporary name, then rename: a reader (or a rerun)
    never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    frame.write_parquet(tmp)
    os.replace(tmp, path)


# =========================================================================== manifest


@dataclass
class Manifest:
    """What finished: partitions (per input file) and the dedup over them.

    ``_manifest.jsonl`` is appended a line at a time by the driver after a partition's
    files are in place, so a crash loses at most the partitions in flight. A rerun reads
    it, keeps every input file's index, skips finished partitions and files, and redoes
    the dedup only when a partition was added since."""

    path: Path
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # file_key -> entry
    done: dict[str, set[int]] = field(default_factory=dict)  # file_key -> chunks done
    dedup: dict[str, Any] | None = None

    @classmethod
    def load(cls, dataset: Path) -> Manifest:
        manifest = cls(dataset / MANIFEST)
        if not manifest.path.is_file():
            return manifest
        for number, line in enumerate(manifest.path.read_text().splitlines(), start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                if number == len(manifest.path.read_text().splitlines()):
                    break  # a last line cut by a crash: that partition is redone
                raise DatasetError(f"{manifest.path}: line {number} is not JSON") from None
            manifest._apply(entry)
        return manifest

    def _apply(self, entry: dict[str, Any]) -> None:
        if entry["kind"] == "partition":
            key = entry["file_key"]
            self.files[key] = {
                "input_index": entry["input_index"],
                "chunks": entry["chunks"],
                "path": entry["path"],
            }
            self.done.setdefault(key, set()).add(entry["chunk"])
            self.dedup = None
        elif entry["kind"] == "dedup":
            self.dedup = entry

    def append(self, entry: dict[str, Any]) -> None:
        self._apply(entry)
        with self.path.open("a") as out:
            out.write(json.dumps(entry, sort_keys=True) + "\n")

    def finished(self, key: str) -> bool:
        entry = self.files.get(key)
        return entry is not None and len(self.done.get(key, ())) >= entry["chunks"]

    def index_of(self, files: Sequence[Path], keys: Sequence[str]) -> list[int]:
        """Input indices: the manifest's for files seen before, the next free ones for new
        files (in sorted order), so row ids never change between runs."""
        taken = {e["input_index"] for e in self.files.values()}
        nxt = max(taken, default=-1) + 1
        out = []
        for key in keys:
            if key in self.files:
                out.append(int(self.files[key]["input_index"]))
            else:
                out.append(nxt)
                nxt += 1
        return out


# =========================================================================== dedup by bucket


def bucket_part(band: np.ndarray, key: np.ndarray, parts: int) -> np.ndarray:
    """The dedup partition of each (band, bucket key): a fixed hash, the same everywhere."""
    with np.errstate(over="ignore"):
        mixed = key ^ (band.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15))
        mixed ^= mixed >> np.uint64(31)
        mixed *= np.uint64(0xBF58476D1CE4E5B9)
        mixed ^= mixed >> np.uint64(29)
    return (mixed % np.uint64(parts)).astype(np.int64)


def band_rows(
    row_id: np.ndarray,
    has_text: np.ndarray,
    signature: np.ndarray,
    parts: int,
    exclude: np.ndarray | None = None,
    bands: int = BANDS,
) -> dict[str, np.ndarray]:
    """One row per (posting with text, band): ``part, band, key, row_id, signature``.
    Postings without words are never merged (as in ``find_duplicates``); ``exclude`` (row
    ids of postings whose id was kept from an earlier file) are left out too."""
    keep = np.asarray(has_text, dtype=bool)
    if exclude is not None and exclude.size:
        keep &= ~np.isin(row_id, exclude)
    rid, sig = row_id[keep], signature[keep]
    keys = band_keys(sig, bands)
    n = rid.size
    band = np.tile(np.arange(bands, dtype=np.int64), n)
    key = keys.ravel()
    rows = np.repeat(np.arange(n), bands)
    return {
        "part": bucket_part(band, key, parts),
        "band": band,
        "key": key,
        "row_id": rid[rows],
        "signature": sig[rows],
    }


def signatures_of(column: Any) -> np.ndarray:
    """``(n, NUM_PERM)`` uint32 from a column of signature bytes."""
    values = list(column)
    if not values:
        return np.empty((0, NUM_PERM), dtype=np.uint32)
    return np.frombuffer(b"".join(bytes(v) for v in values), dtype=np.uint32).reshape(
        len(values), NUM_PERM
    )


def link_part(
    band: np.ndarray, key: np.ndarray, row_id: np.ndarray, signature: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Links among the band rows of one dedup partition (every row of a bucket is in it)."""
    left, right = bucket_links(band, key, row_id, signature, THRESHOLD)
    return left.astype(np.int64), right.astype(np.int64)


def cluster_frame(left: np.ndarray, right: np.ndarray, ids: pl.DataFrame) -> pl.DataFrame:
    """Clusters (connected components of the links) of 2 or more postings:
    ``posting_id, cluster_id`` (the smallest posting_id), ``cluster_size``,
    ``is_representative``. ``ids``: ``row_id, posting_id`` of at least the linked rows."""
    schema = {
        "posting_id": pl.String,
        "cluster_id": pl.String,
        "cluster_size": pl.Int64,
        "is_representative": pl.Boolean,
        "row_id": pl.Int64,
    }
    if left.size == 0:
        return pl.DataFrame(schema=schema)
    nodes, inverse = np.unique(np.concatenate([left, right]), return_inverse=True)
    n = nodes.size
    graph = coo_matrix(
        (np.ones(left.size, dtype=np.int8), (inverse[: left.size], inverse[left.size :])),
        shape=(n, n),
    )
    _, labels = connected_components(graph, directed=False)
    frame = pl.DataFrame({"row_id": nodes.astype(np.int64), "_label": labels})
    return (
        frame.join(ids.select("row_id", "posting_id"), on="row_id", how="left")
        .with_columns(
            pl.col("posting_id").min().over("_label").alias("cluster_id"),
            pl.len().over("_label").cast(pl.Int64).alias("cluster_size"),
        )
        .with_columns((pl.col("posting_id") == pl.col("cluster_id")).alias("is_representative"))
        .select(list(schema))
        .sort("row_id")
    )


def repeated_ids(index: pl.DataFrame) -> pl.DataFrame:
    """Postings whose id was already kept from an earlier row (``row_id`` order: earlier
    file first), as rejects naming the file and line of the one kept, plus ``row_id``."""
    first = pl.col("row_id").min().over("posting_id")
    marked = index.with_columns(
        pl.col("source_file").sort_by("row_id").first().over("posting_id").alias("_first_file"),
        pl.col("_line").sort_by("row_id").first().over("posting_id").alias("_first_line"),
    ).filter(pl.col("row_id") != first)
    return marked.select(
        pl.col("source_file").alias("file"),
        pl.col("path"),
        pl.col("_line").alias("line"),
        pl.lit("posting_id").alias("field"),
        pl.format(
            "duplicate id, first seen at line {} of {}",
            pl.col("_first_line"),
            pl.col("_first_file"),
        ).alias("reason"),
        pl.lit("rejected").alias("severity"),
        pl.col("posting_id").alias("record"),
        "row_id",
    )


# =========================================================================== readers


def _parts(dataset: Path, name: str) -> str:
    folder = Path(dataset) / name
    if not folder.is_dir() or not any(folder.glob("*.parquet")):
        raise DatasetError(
            f"{dataset}: no {name}/ part files (not a dataset written by `pathmatch "
            "ingest-postings`, or the ingest has not finished)"
        )
    return str(folder / "*.parquet")


def check_dataset(dataset: Path) -> dict[str, Any]:
    """The dataset's ``_meta.json`` once the ingest and its dedup have finished."""
    dataset = Path(dataset)
    meta_path = dataset / META
    if not meta_path.is_file():
        raise DatasetError(f"{dataset}: no {META} (not a posting dataset)")
    manifest = Manifest.load(dataset)
    if manifest.dedup is None:
        raise DatasetError(
            f"{dataset}: the ingest did not finish (no dedup after the last partition); "
            "rerun `pathmatch ingest-postings` with the same --out"
        )
    meta: dict[str, Any] = json.loads(meta_path.read_text())
    meta["dedup"] = manifest.dedup
    return meta


def superseded(dataset: Path) -> pl.LazyFrame:
    """``row_id`` of the postings left out because their id was kept from an earlier file."""
    path = Path(dataset) / REJECTS / DUPLICATE_IDS
    if not path.is_file():
        return pl.LazyFrame(schema={"row_id": pl.Int64})
    return pl.scan_parquet(path).select("row_id")


def scan_postings(dataset: Path) -> pl.LazyFrame:
    """Every kept posting, lazily: an id seen in two files only from the earlier one."""
    lazy = pl.scan_parquet(_parts(dataset, POSTINGS))
    return lazy.join(superseded(dataset), on="row_id", how="anti")


def scan_skills(dataset: Path) -> pl.LazyFrame:
    """``posting_id, skill_id, skill_label, score`` of every kept posting, lazily."""
    lazy = pl.scan_parquet(_parts(dataset, SKILLS))
    return lazy.join(superseded(dataset), on="row_id", how="anti").select(list(SKILL_SCHEMA))


def scan_rejects(dataset: Path) -> pl.LazyFrame:
    """Every rejected or repaired record: ``file, path, line, field, reason, severity, record``."""
    return pl.scan_parquet(
        _parts(dataset, REJECTS), missing_columns="insert", extra_columns="ignore"
    ).select(list(REJECT_SCHEMA))


DEMAND_POSTING_COLUMNS = tuple(c for c in POSTING_SCHEMA if c != "description")


def demand_inputs(
    dataset: Path,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.LazyFrame, DedupResult]:
    """What ``matching.market.demand.build_demand`` needs, from a dataset: the postings'
    short columns (no description: the text never leaves the files), the occupation rows,
    the skill rows as a LazyFrame (streamed by the demand build), and the dedup."""
    meta = check_dataset(dataset)
    postings = (
        scan_postings(dataset)
        .select(
            *DEMAND_POSTING_COLUMNS, "row_id", "onet_soc_code", "occupation_score", "title_match"
        )
        .sort("row_id")
        .collect()
    )
    occupations = postings.filter(pl.col("title_match") != "none").select(
        "posting_id", "onet_soc_code", pl.col("occupation_score").alias("score")
    )
    clusters_path = Path(dataset) / CLUSTERS
    clusters = (
        pl.read_parquet(clusters_path / "*.parquet")
        if any(clusters_path.glob("*.parquet"))
        else pl.DataFrame(schema={"posting_id": pl.String, "cluster_id": pl.String})
    )
    clusters = clusters.join(postings.select("posting_id"), on="posting_id", how="semi")
    duplicates = int(clusters.height - clusters.get_column("cluster_id").n_unique())
    dedup = DedupResult(
        clusters=clusters.select("posting_id", "cluster_id"),
        postings=postings.height,
        clusters_n=postings.height - duplicates,
        duplicates=duplicates,
        empty_text=int(meta["dedup"].get("postings_without_text", 0)),
        params={
            "threshold": THRESHOLD,
            "shingle_size": 3,
            "num_perm": NUM_PERM,
            "bands": BANDS,
        },
    )
    return (
        postings.drop("row_id", "onet_soc_code", "occupation_score", "title_match"),
        occupations,
        scan_skills(dataset),
        dedup,
    )


def iter_chunks(frame: pl.DataFrame, size: int) -> Iterator[pl.DataFrame]:
    for offset in range(0, frame.height, size):
        yield frame.slice(offset, size)
