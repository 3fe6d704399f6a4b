"""A posting feed to a partitioned Parquet dataset on Ray Data (``pathmatch ingest-postings``).

Stages, each restartable (``matching.ingest.posting_dataset`` has the layout and the
non-Ray logic):

1. **Read** (Ray Data ``flat_map``, one task per input file): the shared posting loaders
   read the file (LinkedIn CSV, schema.org JobPosting JSON/JSONL/HTML, Parquet), rejected
   records keep their file, line and reason, and the kept postings are cut into partitions
   of ``partition_size``. A file whose partitions all finished is not read again.
2. **Extract** (``map_batches`` on an actor pool, ``PostingWorker``: each actor loads the
   serving ``Engine`` once): titles to O*NET occupations (``occupations_from_titles`` with
   the engine's title model), skills with ``Engine.skills_of`` (the pipeline, lock, floors
   and title contexts ``pathmatch demand`` and the API use, so a posting gets the same
   links), section labels (``section_text``) and MinHash signatures. Each partition's files
   are written by the actor (atomically) and the driver records it in ``_manifest.jsonl``.
3. **Dedup** (a map/reduce shuffle of Ray tasks: ``band_map`` then ``link_reduce``): one
   row per (posting, LSH band) with its bucket key, sent to the partition its bucket
   hashes to; each partition is linked alone, so no process holds every signature (Ray
   Data's ``groupby`` did the same but cost 40 s of fixed start-up on 157 postings). The
   driver joins the links into clusters and writes ``duplicate_clusters/``.

Ray: ``training.ray_runtime.ray_session`` (a local, token-authenticated, loopback-only
node by default; ``RAY_ADDRESS`` joins a cluster, whose nodes need pathmatch installed and
the input and output folders at the same paths, e.g. a shared file system).
"""

from __future__ import annotations

import json
import logging
import os
import resource
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, cast

import numpy as np
import polars as pl

from matching.ingest import posting_dataset as pd_
from matching.ingest.posting_dataset import DatasetError, Manifest
from training.ray_runtime import DRIVER, node_id

Hook = Callable[[str, int, "int | None"], None]
EXTRACTION_MODES = ("learned", "rules", "off")
MAP_POSTINGS = 50_000
"""Postings per dedup map task (their band rows are about 300 bytes x 16 each)."""


class IngestError(ValueError):
    """Input or output the ingest cannot use; one line for the CLI."""


@dataclass
class IngestOptions:
    input: str
    out: Path
    partition_size: int = 1000
    workers: int = 1
    extraction: str = "learned"
    """learned: the registered detector and linker when both are registered (as
    ``pathmatch extract``), else the taxonomy matcher; rules: the taxonomy matcher always;
    off: no skills (titles, sections and dedup only)."""
    bundle: Path | None = None
    num_cpus: int | None = None


@dataclass
class WorkerStats:
    partitions: int = 0
    postings: int = 0
    busy_s: float = 0.0
    peak_rss_mb: float = 0.0
    node: str = ""


@dataclass
class IngestSummary:
    files: int = 0
    files_skipped: int = 0
    partitions_done: int = 0
    partitions_skipped: int = 0
    postings: int = 0
    rows_read: int = 0
    rejects: int = 0
    skill_rows: int = 0
    clusters: int | None = None
    duplicates: int | None = None
    duplicate_ids: int = 0
    dedup_skipped: bool = False
    extract_s: float = 0.0
    dedup_s: float = 0.0
    workers: dict[str, WorkerStats] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            f"{self.files} input files ({self.files_skipped} finished before); "
            f"{self.partitions_done} partitions written, {self.partitions_skipped} skipped "
            "(finished in an earlier run)",
            f"{self.postings:,} postings kept of {self.rows_read:,} read in this run; "
            f"{self.rejects:,} rejected or repaired records in rejects/",
        ]
        if self.partitions_done:
            rate = self.postings / self.extract_s if self.extract_s else 0.0
            out.append(
                f"extract: {self.extract_s:.1f} s, {rate:.1f} postings/s over "
                f"{len(self.workers)} worker(s); {self.skill_rows:,} skill rows"
            )
        for pid, w in sorted(self.workers.items()):
            where = "this process" if w.node == DRIVER else f"Ray node {w.node[:12]}"
            out.append(
                f"  worker {pid} ({where}): {w.partitions} partitions, {w.postings:,} postings, "
                f"busy {w.busy_s:.1f} s, peak memory {w.peak_rss_mb:,.0f} MB"
            )
        if self.dedup_skipped:
            out.append("dedup: up to date (no new partitions)")
        elif self.clusters is not None:
            out.append(
                f"dedup: {self.duplicates:,} near-duplicates in {self.clusters:,} clusters of 2+ "
                f"({self.dedup_s:.1f} s); {self.duplicate_ids:,} ids kept from an earlier file"
            )
        return out + self.notes


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _ipc(frame: pl.DataFrame) -> bytes:
    return frame.write_ipc(None).getvalue()


def _frame(data: bytes) -> pl.DataFrame:
    return pl.read_ipc(data)


# =========================================================================== stage 1: read


def read_partitions(row: dict[str, Any], partition_size: int) -> list[dict[str, Any]]:
    """Ray Data ``flat_map``: one input file -> one row per partition not yet done."""
    parts = pd_.read_file(Path(row["path"]), int(row["input_index"]), partition_size)
    done = set(json.loads(row["done"]))
    out = []
    for chunk, frame in enumerate(parts.parts):
        if chunk in done:
            continue
        out.append(
            {
                "input_index": parts.input_index,
                "chunk": chunk,
                "chunks": len(parts.parts),
                "path": str(parts.path),
                "file_key": row["file_key"],
                "rows_read": parts.rows_read if chunk == 0 else 0,
                "table": _ipc(frame),
                "rejects": _ipc(parts.rejects if chunk == 0 else parts.rejects.clear()),
            }
        )
    return out


# =========================================================================== stage 2: extract


class PostingWorker:
    """Ray Data actor: one warmed engine; each call turns partitions into their files."""

    def __init__(self, out: str, bundle: str | None, extraction: str) -> None:
        from serving.engine import Engine

        self.out = Path(out)
        self.extraction = extraction
        self.engine = Engine.load(bundle=bundle, learned_extraction=extraction == "learned")
        _ = self.engine.titles
        if extraction != "off":
            self.engine.locked("posting")

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa  # type: ignore[import-untyped]

        return pa.Table.from_pylist([self.partition(row) for row in batch.to_pylist()])

    def partition(self, row: dict[str, Any]) -> dict[str, Any]:
        from matching.market.demand import occupations_from_titles
        from matching.nlp.extraction.sections import section_text
        from serving.engine import contexts_by_id

        start = time.perf_counter()
        part = _frame(row["table"])
        name = pd_.partition_name(int(row["input_index"]), int(row["chunk"]))
        occupations = occupations_from_titles(part, self.engine.titles) if part.height else None
        descriptions = part.get_column("description").fill_null("").to_list()
        sections = [
            list(dict.fromkeys(s.label for s in section_text(text, "posting")))
            for text in descriptions
        ]
        skills = pl.DataFrame(schema=pd_.SKILL_SCHEMA)
        if self.extraction != "off" and part.height:
            ids = part.get_column("posting_id").to_list()
            found = self.engine.skills_of(
                "posting",
                ids,
                descriptions,
                "posting_id",
                contexts=contexts_by_id(ids, occupations, "posting_id")
                if occupations is not None
                else None,
            )
            skills = found.select(list(pd_.SKILL_SCHEMA))
        skills = skills.join(part.select("posting_id", "row_id"), on="posting_id", how="left")
        annotated = pd_.annotate_partition(part, occupations, sections)
        pd_.write_atomically(pd_.signature_frame(part), self.out / pd_.SIGNATURES / name)
        pd_.write_atomically(skills, self.out / pd_.SKILLS / name)
        rejects = _frame(row["rejects"])
        pd_.write_atomically(rejects, self.out / pd_.REJECTS / name)
        pd_.write_atomically(annotated, self.out / pd_.POSTINGS / name)
        return {
            "input_index": row["input_index"],
            "chunk": row["chunk"],
            "chunks": row["chunks"],
            "path": row["path"],
            "file_key": row["file_key"],
            "rows_read": row["rows_read"],
            "postings": part.height,
            "rejects": rejects.height,
            "skill_rows": skills.height,
            "seconds": time.perf_counter() - start,
            "pid": os.getpid(),
            "node": node_id(),
            "peak_rss_mb": _rss_mb(),
        }


# =========================================================================== stage 3: dedup


def band_map(paths: list[str], parts: int, exclude: np.ndarray) -> list[dict[str, np.ndarray]]:
    """Ray task (map side of the bucket shuffle): some partitions' signatures -> their
    (posting, band) rows, split into ``parts`` pieces by the bucket's dedup partition."""
    frame = pl.read_parquet(paths) if paths else pl.DataFrame()
    if frame.is_empty():
        return [{} for _ in range(parts)]
    rows = pd_.band_rows(
        frame.get_column("row_id").to_numpy(),
        frame.get_column("has_text").to_numpy(),
        pd_.signatures_of(frame.get_column("signature").to_list()),
        parts,
        exclude,
    )
    order = np.argsort(rows["part"], kind="stable")
    bounds = np.searchsorted(rows["part"][order], np.arange(parts + 1))
    return [
        {k: v[order[bounds[i] : bounds[i + 1]]] for k, v in rows.items() if k != "part"}
        for i in range(parts)
    ]


def link_reduce(*pieces: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Ray task (reduce side): every (posting, band) row of one dedup partition -> links."""
    used = [p for p in pieces if p and p["row_id"].size]
    if not used:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    joined = {k: np.concatenate([p[k] for p in used]) for k in used[0]}
    return pd_.link_part(joined["band"], joined["key"], joined["row_id"], joined["signature"])


# =========================================================================== driver


def _quiet_ray_data() -> None:
    import ray.data

    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False  # rich shows the progress
    context.print_on_execution_start = False
    for name in ("ray.data", "ray.data._internal.execution.streaming_executor"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _identity(options: IngestOptions) -> dict[str, Any]:
    from matching.settings import get_settings
    from serving.engine import Engine

    engine = Engine.load(get_settings(), bundle=options.bundle)
    versions = engine.versions
    used = {"bundle": versions["bundle"]}
    if options.extraction == "learned":
        used.update(
            {k: v for k, v in versions.items() if k in ("pathmatch-detector", "pathmatch-linker")}
        )
    used.update({k: v for k, v in versions.items() if k == "pathmatch-titles"})
    return {"extraction": options.extraction, "partition_size": options.partition_size, **used}


def _check_meta(options: IngestOptions, identity: dict[str, Any]) -> None:
    meta_path = options.out / pd_.META
    if meta_path.is_file():
        before = json.loads(meta_path.read_text())
        changed = [
            k for k in sorted(set(before) | set(identity)) if before.get(k) != identity.get(k)
        ]
        if changed:
            what = ", ".join(f"{k} {before.get(k)!r} -> {identity.get(k)!r}" for k in changed)
            raise IngestError(
                f"{options.out} was written with other settings ({what}); write to a new "
                "--out (or delete it) to start over"
            )
        return
    options.out.mkdir(parents=True, exist_ok=True)
    meta_path.write_text(json.dumps(identity, indent=2, sort_keys=True) + "\n")


def _check(options: IngestOptions) -> list[Path]:
    if options.extraction not in EXTRACTION_MODES:
        raise IngestError(
            f"--extraction must be one of {', '.join(EXTRACTION_MODES)}, not {options.extraction!r}"
        )
    if options.partition_size < 1 or options.workers < 1:
        raise IngestError("--partition-size and --workers must be at least 1")
    if options.out.exists() and not options.out.is_dir():
        raise IngestError(f"{options.out}: exists and is not a folder")
    files = pd_.input_files(options.input, exclude=options.out)
    if not files:
        raise IngestError(
            f"{options.input}: no posting files (expected a folder or glob of "
            f"{', '.join(pd_.SUFFIXES)} files)"
        )
    return files


def run_ingest(options: IngestOptions, hook: Hook | None = None) -> IngestSummary:
    """Ingest, restartable: finished partitions and an up-to-date dedup are skipped."""
    from training.ray_runtime import ray_session

    hook = hook or (lambda stage, done, total: None)
    files = _check(options)
    identity = _identity(options)
    _check_meta(options, identity)
    manifest = Manifest.load(options.out)
    keys = [pd_.file_key(p) for p in files]
    indices = manifest.index_of(files, keys)
    summary = IngestSummary(files=len(files))
    todo = []
    for path, key, index in zip(files, keys, indices, strict=True):
        if manifest.finished(key):
            summary.files_skipped += 1
            summary.partitions_skipped += manifest.files[key]["chunks"]
        else:
            done = sorted(manifest.done.get(key, ()))
            summary.partitions_skipped += len(done)
            todo.append(
                {"input_index": index, "path": str(path), "file_key": key, "done": json.dumps(done)}
            )
    if not todo and manifest.dedup is not None:
        summary.dedup_skipped = True
        return summary
    if in_process(options):
        if todo:
            _extract_here(options, todo, manifest, summary, hook)
        _dedup(options, manifest, summary, hook, on_ray=False)
        return summary
    with ray_session(options.num_cpus) as resources:
        _quiet_ray_data()
        if todo:
            _extract(options, todo, manifest, summary, resources, hook)
        _dedup(options, manifest, summary, hook, on_ray=True)
    return summary


IN_PROCESS_VARIABLE = "PATHMATCH_INGEST_IN_PROCESS"


def in_process(options: IngestOptions) -> bool:
    """Run every stage in this process, without Ray? Yes for one worker on this machine.

    One local worker means one engine extracting partitions one after another: a local
    Ray would add its start-up (10-20 s) and a second engine loading in an actor, and
    nothing would run in parallel. The stages are the same functions either way
    (``read_partitions``, ``PostingWorker.partition``, ``band_map``, ``link_reduce``), so
    the dataset is the same. With ``RAY_ADDRESS`` the job always runs on the cluster.
    ``PATHMATCH_INGEST_IN_PROCESS=0`` forces Ray, ``=1`` forces this process.
    """
    forced = os.environ.get(IN_PROCESS_VARIABLE, "").strip()
    if forced in ("0", "1"):
        return forced == "1"
    return not os.environ.get("RAY_ADDRESS") and options.workers == 1


def _extract(
    options: IngestOptions,
    todo: list[dict[str, Any]],
    manifest: Manifest,
    summary: IngestSummary,
    resources: dict[str, float],
    hook: Hook,
) -> None:
    import ray.data

    env = {
        k: v
        for k in ("PATHMATCH_HOME", "PATHMATCH_BUNDLE", "MLFLOW_TRACKING_URI", "PATHMATCH_ENCODER")
        if (v := os.environ.get(k))
    }
    cpus = float(resources.get("CPU", 1.0))
    known, unknown_files = _partitions_known(todo, manifest)
    stage = f"extracting ({options.workers} worker(s), {len(todo)} file(s) to read)"
    hook(stage, 0, None if unknown_files else known)
    start = time.perf_counter()
    ds = (
        ray.data.from_items(todo, override_num_blocks=len(todo))
        .flat_map(
            partial(read_partitions, partition_size=options.partition_size),
            num_cpus=0,  # the actors hold the CPUs; reading is light beside extraction
            concurrency=max(1, options.workers),  # at most one file in memory per worker
        )
        .map_batches(
            PostingWorker,
            batch_size=1,
            batch_format="pyarrow",
            compute=ray.data.ActorPoolStrategy(size=options.workers),
            fn_constructor_kwargs={
                "out": str(options.out.resolve()),
                "bundle": str(options.bundle) if options.bundle else None,
                "extraction": options.extraction,
            },
            num_cpus=min(1.0, cpus / options.workers),
            runtime_env={"env_vars": env},
        )
    )
    progress = _Progress(todo, manifest, known, unknown_files)
    for row in ds.iter_rows():
        progress.record(row, summary, stage, hook)
    summary.extract_s = time.perf_counter() - start


def _extract_here(
    options: IngestOptions,
    todo: list[dict[str, Any]],
    manifest: Manifest,
    summary: IngestSummary,
    hook: Hook,
) -> None:
    """Stage 1 and 2 in this process: each file read, then its partitions extracted by
    one ``PostingWorker`` (the actor class, called directly)."""
    start = time.perf_counter()
    known, unknown_files = _partitions_known(todo, manifest)
    stage = f"extracting (in this process, {len(todo)} file(s) to read)"
    hook(stage, 0, None if unknown_files else known)
    worker = PostingWorker(
        str(options.out.resolve()),
        str(options.bundle) if options.bundle else None,
        options.extraction,
    )
    progress = _Progress(todo, manifest, known, unknown_files)
    for item in todo:
        for row in read_partitions(item, options.partition_size):
            progress.record(worker.partition(row), summary, stage, hook)
    summary.extract_s = time.perf_counter() - start


def _partitions_known(todo: list[dict[str, Any]], manifest: Manifest) -> tuple[int, int]:
    """Partitions left in files an earlier run read, and how many files were never read."""
    known = sum(
        manifest.files[t["file_key"]]["chunks"] - len(json.loads(t["done"]))
        for t in todo
        if t["file_key"] in manifest.files
    )
    return known, sum(t["file_key"] not in manifest.files for t in todo)


class _Progress:
    """The driver's record of finished partitions: manifest lines, summary, progress."""

    def __init__(
        self, todo: list[dict[str, Any]], manifest: Manifest, known: int, unknown_files: int
    ) -> None:
        self.todo = todo
        self.manifest = manifest
        self.known = known
        self.unknown_files = unknown_files
        self.files_seen: set[str] = set()

    def record(self, row: dict[str, Any], summary: IngestSummary, stage: str, hook: Hook) -> None:
        manifest, todo = self.manifest, self.todo
        manifest.append(
            {
                "kind": "partition",
                **{
                    k: row[k]
                    for k in (
                        "input_index",
                        "chunk",
                        "chunks",
                        "path",
                        "file_key",
                        "postings",
                        "rejects",
                        "skill_rows",
                    )
                },
            }
        )
        summary.partitions_done += 1
        summary.postings += int(row["postings"])
        summary.rows_read += int(row["rows_read"])
        summary.rejects += int(row["rejects"])
        summary.skill_rows += int(row["skill_rows"])
        worker = summary.workers.setdefault(str(row["pid"]), WorkerStats(node=str(row["node"])))
        worker.partitions += 1
        worker.postings += int(row["postings"])
        worker.busy_s += float(row["seconds"])
        worker.peak_rss_mb = max(worker.peak_rss_mb, float(row["peak_rss_mb"]))
        if row["file_key"] not in self.files_seen:
            self.files_seen.add(row["file_key"])
            self.known += int(row["chunks"]) - (
                len(json.loads(next(t["done"] for t in todo if t["file_key"] == row["file_key"])))
            )
        hook(stage, summary.partitions_done, self.total())

    def total(self) -> int | None:
        return self.known if len(self.files_seen) >= self.unknown_files else None


def _dedup(
    options: IngestOptions,
    manifest: Manifest,
    summary: IngestSummary,
    hook: Hook,
    *,
    on_ray: bool,
) -> None:
    start = time.perf_counter()
    hook("dedup: ids kept from earlier files", 0, 3)
    out = options.out
    paths = pl.DataFrame(
        [(int(e["input_index"]), e["path"]) for e in manifest.files.values()],
        schema={"input_index": pl.Int64, "path": pl.String},
        orient="row",
    )
    index = (
        pl.scan_parquet(str(out / pd_.POSTINGS / "*.parquet"))
        .select("posting_id", "row_id", "_line", "source_file", "input_index")
        .collect()
        .join(paths, on="input_index", how="left")
    )
    repeated = pd_.repeated_ids(index)
    pd_.write_atomically(repeated, out / pd_.REJECTS / pd_.DUPLICATE_IDS)
    exclude = repeated.get_column("row_id").to_list()
    without_text = (
        pl.scan_parquet(str(out / pd_.SIGNATURES / "*.parquet"))
        .select("row_id", "has_text")
        .join(repeated.lazy().select("row_id"), on="row_id", how="anti")
        .select((~pl.col("has_text")).sum())
        .collect()
        .item()
    )
    parts = int(min(256, max(2, index.height * pd_.BANDS // 1_000_000)))
    files = sorted(str(f) for f in (out / pd_.SIGNATURES).glob("*.parquet"))
    per_map = max(1, MAP_POSTINGS // options.partition_size)
    groups = [files[i : i + per_map] for i in range(0, len(files), per_map)]
    hook(f"dedup: {len(groups)} map and {parts} link tasks over LSH buckets", 1, 3)
    excluded = np.asarray(exclude, dtype=np.int64)
    links = (
        _links_on_ray(groups, parts, excluded)
        if on_ray
        else _links_here(groups, parts, excluded, out / "_shuffle")
    )
    left = np.concatenate([pair[0] for pair in links]) if links else np.empty(0, np.int64)
    right = np.concatenate([pair[1] for pair in links]) if links else np.empty(0, np.int64)
    hook("dedup: clusters", 2, 3)
    clusters = pd_.cluster_frame(left, right, index)
    folder = out / pd_.CLUSTERS
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.parquet"):
        old.unlink()
    for number, chunk in enumerate(pd_.iter_chunks(clusters, 1_000_000)):
        pd_.write_atomically(chunk, folder / f"part-{number:05d}.parquet")
    if clusters.is_empty():
        pd_.write_atomically(clusters, folder / "part-00000.parquet")
    n_clusters = int(clusters.get_column("cluster_id").n_unique()) if clusters.height else 0
    summary.clusters = n_clusters
    summary.duplicates = clusters.height - n_clusters
    summary.duplicate_ids = repeated.height
    summary.dedup_s = time.perf_counter() - start
    manifest.append(
        {
            "kind": "dedup",
            "postings": index.height - repeated.height,
            "clusters_2plus": n_clusters,
            "duplicates_removed": summary.duplicates,
            "postings_without_text": int(without_text),
            "duplicate_ids": repeated.height,
            "links": int(left.size),
            "parts": parts,
            "seconds": round(summary.dedup_s, 2),
        }
    )
    hook("dedup: done", 3, 3)


def _links_on_ray(
    groups: list[list[str]], parts: int, excluded: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The dedup shuffle as Ray tasks: ``band_map`` per group, ``link_reduce`` per part."""
    import ray

    mapper = ray.remote(num_returns=parts)(band_map)
    reducer = ray.remote(link_reduce)
    shared = ray.put(excluded)
    pieces = [cast(list[Any], mapper.remote(group, parts, shared)) for group in groups]
    return list(ray.get([reducer.remote(*[p[i] for p in pieces]) for i in range(parts)]))


def _links_here(
    groups: list[list[str]], parts: int, excluded: np.ndarray, spill: Path
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The dedup shuffle in this process, spilled to disk as Ray spills its object store:
    each group's band rows are written per dedup part, then each part is linked alone, so
    memory holds one group's rows or one part's, never the whole shuffle (~4.5 GB of band
    rows per million postings)."""
    shutil.rmtree(spill, ignore_errors=True)
    spill.mkdir(parents=True)
    try:
        for number, group in enumerate(groups):
            for part, piece in enumerate(band_map(group, parts, excluded)):
                if piece and piece["row_id"].size:
                    np.savez(spill / f"part-{part:04d}-group-{number:05d}.npz", **cast(Any, piece))
        links = []
        for part in range(parts):
            pieces = []
            for path in sorted(spill.glob(f"part-{part:04d}-group-*.npz")):
                with np.load(path) as saved:
                    pieces.append({name: saved[name] for name in saved.files})
            links.append(link_reduce(*pieces))
        return links
    finally:
        shutil.rmtree(spill, ignore_errors=True)


__all__ = ["DatasetError", "IngestError", "IngestOptions", "IngestSummary", "run_ingest"]
