"""Batch scoring of a caseload on Ray: ranked referrals for every participant, restartably.

``pathmatch score`` reads a caseload (intake CSV/JSONL through the participants loader, or a
parquet file with the participants table's columns), cuts it into blocks of ``block_size``
rows and hands each block to a pool of Ray actors. Each actor holds one warmed ``Engine``
(warming takes seconds, so it is paid once per worker, not per block) and scores a block
through ``matching.referrals.refer``, the same scoring path as the API, then writes the
block's referrals as one parquet part with an atomic rename. A part on disk means "done":
a rerun of the same job skips it, so a killed run resumes where it stopped. The parts are
merged with a polars scan/sink into the output, and the disparity summary
(``matching.disparity``) is computed from the output joined in memory with the input's PIRL
fields.

Memory: the driver holds the validated input table (the loaders check a whole file, e.g.
for duplicate ids) and at most ``2 * workers`` blocks in flight; results never come back to
the driver, they go from the actors to disk. Privacy: the output keeps the participant id
and the referrals; intake text, the quoted intake sentences behind skills and the PIRL
fields are not copied into it. Nothing about a participant is logged; rejects name the
line, the field and the problem, never the value.

On a cluster (``RAY_ADDRESS``) the actors write the parts themselves, so the output folder
must be on storage every node sees (NFS, a mounted bucket).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import ValidationError

from matching.loaders.base import Loaded, LoadReport
from matching.loaders.participants import PARTICIPANT_SCHEMA, load_intake
from matching.referrals import ReferralResult, SkillEvidence, SourceOccupation, refer
from matching.schemas import Participant
from serving.reader import MIN_TITLE_SCORE, EngineReader

Hook = Callable[[str, int, int], None]

OUTPUT_SCHEMA: dict[str, Any] = {
    "participant_id": pl.String, "region": pl.String, "rank": pl.Int32,
    "program_id": pl.String, "program_name": pl.String, "provider_name": pl.String,
    "credential_type": pl.String, "target_code": pl.String, "target_title": pl.String,
    "score": pl.Float64, "role_fit": pl.Float64, "skill_fit": pl.Float64,
    "gap_closed": pl.Float64, "demand": pl.Float64, "wage_gain": pl.Float64,
    "outcome": pl.Float64, "cost": pl.Float64, "weeks": pl.Float64,
    "distance_miles": pl.Float64, "target_hourly_wage": pl.Float64,
    "explanation": pl.String, "caveats": pl.String,
}
"""One row per participant x referral rank; a participant no program passed the hard
constraints for has one row with a null rank saying why."""
PART_SUFFIX = ".parquet"
JOB_FILE = "job.json"
IN_FLIGHT_PER_WORKER = 2
SUFFIXES = (".csv", ".jsonl", ".parquet")
REJECT_COLUMNS = ("file", "line", "field", "reason", "severity")


class BatchError(Exception):
    """A job that cannot run (unreadable input, bad options); the message says why."""


@dataclass(frozen=True)
class BatchOptions:
    input: Path
    output: Path
    top_k: int = 10
    region: str | None = None
    block_size: int = 500
    workers: int = 2
    bundle: Path | None = None

    @property
    def parts_dir(self) -> Path:
        return sidecar(self.output, ".parts")


@dataclass
class BatchSummary:
    """What a run did; also written (without the table) to ``<output>.meta.json``."""

    output: Path
    participants_read: int
    participants_scored: int
    rejected: int
    repaired: int
    blocks: int
    blocks_run: int
    blocks_skipped: int
    versions: dict[str, str]
    thresholds: dict[str, float | None]
    seconds: float
    notes: list[str] = field(default_factory=list)
    disparity: pl.DataFrame | None = None

    def paths(self) -> dict[str, Path]:
        return {name: sidecar(self.output, suffix) for name, suffix in (
            ("rejects", ".rejects.csv"), ("meta", ".meta.json"),
            ("disparity", ".disparity.csv"), ("plot", ".disparity.png"))}


def sidecar(output: Path, suffix: str) -> Path:
    """``referrals.parquet`` -> ``referrals.parquet<suffix>``: files that travel with it."""
    return output.with_name(output.name + suffix)


# ----------------------------------------------------------------------------- input


def read_caseload(path: Path) -> Loaded:
    """The participants table from an intake CSV/JSONL or a parquet file, with its report."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise BatchError(f"{path.name}: input must be one of {', '.join(SUFFIXES)}")
    if not path.is_file():
        raise BatchError(f"{path}: no such file")
    if suffix == ".parquet":
        return _read_parquet(path)
    loaded = load_intake([path])
    fatal = [r for r in loaded.report.rejects if r.line is None and r.severity == "rejected"]
    if loaded.table.is_empty() and fatal:
        raise BatchError(fatal[0].reason)
    return loaded


def _read_parquet(path: Path) -> Loaded:
    """A parquet caseload: the participants table's columns (absent optional ones null).

    A row without a participant id, or with an id seen before, is rejected like the CSV
    loader does it; the line is the row's 1-based position.
    """
    report = LoadReport("participants", files=[path.name])
    try:
        frame = pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise BatchError(f"{path.name}: not a readable parquet file "
                         f"({type(exc).__name__})") from None
    if "participant_id" not in frame.columns:
        raise BatchError(f"{path.name}: no participant_id column (the participants table's "
                         "columns are expected)")
    try:
        table = frame.select([pl.col(c).cast(t) if c in frame.columns
                              else pl.lit(None, dtype=t).alias(c)
                              for c, t in PARTICIPANT_SCHEMA.items()])
    except pl.exceptions.PolarsError as exc:
        raise BatchError(f"{path.name}: a column has the wrong type for the participants "
                         f"table ({type(exc).__name__})") from None
    table = table.with_row_index("_line", offset=1).with_columns(
        pl.col("_line").cast(pl.Int64), pl.lit(path.name).alias("source_file"))
    report.rows_read = table.height
    missing = table.filter(pl.col("participant_id").is_null())
    seen = table.filter(pl.col("participant_id").is_not_null()).filter(
        pl.col("participant_id").is_duplicated() & (pl.int_range(pl.len()).over(
            "participant_id") > 0))
    for line in missing["_line"]:
        report.reject(path, line, "participant_id", "missing required value")
    for line in seen["_line"]:
        report.reject(path, line, "participant_id", "participant_id seen before in the file")
    drop = set(missing["_line"]) | set(seen["_line"])
    table = table.filter(~pl.col("_line").is_in(list(drop)))
    report.rows_kept = table.height
    return Loaded(table.select([*PARTICIPANT_SCHEMA, "_line", "source_file"]), report)


def participant_from_row(row: dict[str, Any]) -> Participant:
    """A participants-table row (nested fields flattened with ``_``) as a ``Participant``.

    Raises pydantic's ValidationError when a value breaks the model (e.g. a state that is
    not a two-letter code).
    """
    nested: dict[str, dict[str, Any]] = {"constraints": {}, "wioa": {}}
    flat: dict[str, Any] = {}
    for column in PARTICIPANT_SCHEMA:
        value = row.get(column)
        prefix, _, rest = column.partition("_")
        if prefix in nested and rest:
            nested[prefix][rest] = value
        else:
            flat[column] = value
    flat["past_job_titles"] = [t for t in flat.get("past_job_titles") or [] if t]
    nested["wioa"]["barriers"] = list(nested["wioa"].get("barriers") or [])
    return Participant.model_validate({**flat, **nested})


def file_digest(path: Path) -> str:
    """sha256 of the input file, streamed: the job's identity for restarts."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# ----------------------------------------------------------------------------- scoring


class BlockReader(EngineReader):
    """``EngineReader`` that reads a whole block's intake texts and titles in one go.

    One ``nlp.pipe`` over the block and one title-model call replace a call per
    participant; ``refer`` stays the single scoring path. Every text is processed (no
    de-duplication), so a block of copies costs what a block of distinct people does. The
    intake skills carry no evidence sentence: explanations then name the skill without
    quoting the participant's words, so no intake text reaches the output.
    """

    def __init__(self, engine: Any, texts: Sequence[str], titles: Sequence[str]) -> None:
        super().__init__(engine)
        self._skills = self._read_texts(list(texts))
        self._titles = self._read_titles(list(titles))

    def _read_texts(self, texts: list[str]) -> dict[str, list[SkillEvidence]]:
        ids = [str(i) for i in range(len(texts))]
        frame = self.engine.skills_of("intake", ids, texts, "id")
        found: dict[str, list[SkillEvidence]] = {}
        for i, skill, label in frame.select("id", "skill_id", "skill_label").iter_rows():
            found.setdefault(i, []).append(
                SkillEvidence(skill_id=skill, label=label, source="intake", evidence=None))
        return {text: found.get(i, []) for i, text in zip(ids, texts, strict=True)}

    def _read_titles(self, titles: list[str]) -> dict[str, list[Any]]:
        wanted = [t.strip() for t in titles if t and t.strip()]
        if not wanted:
            return {}
        predicted = self.engine.titles.predict(wanted, taxonomy="onet", top_k=1)
        return dict(zip(wanted, predicted, strict=True))

    def intake_skills(self, text: str) -> list[SkillEvidence]:
        if text in self._skills:
            return list(self._skills[text])
        return [s.model_copy(update={"evidence": None}) for s in super().intake_skills(text)]

    def title_occupations(self, titles: Sequence[str]) -> list[SourceOccupation]:
        wanted = [t.strip() for t in titles if t and t.strip()]
        if any(t not in self._titles for t in wanted):
            return super().title_occupations(titles)
        return [SourceOccupation(title=t, code=c.code, occupation_title=c.title,
                                 score=round(float(c.score), 4))
                for t in wanted for c in self._titles[t] if c.score >= MIN_TITLE_SCORE]


def score_rows(engine: Any, rows: Sequence[dict[str, Any]], *, top_k: int,
               region: str | None) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """Referral rows (``OUTPUT_SCHEMA``) for a block of participants-table rows, and the
    rows that could not be scored (line, field, reason; never a value)."""
    people: list[tuple[dict[str, Any], Participant]] = []
    rejects: list[dict[str, Any]] = []
    for row in rows:
        try:
            people.append((row, participant_from_row(row)))
        except ValidationError as exc:
            rejects.extend(_validation_rejects(row, exc))
    reader = BlockReader(engine, [p.intake_text or "" for _, p in people],
                         [t for _, p in people for t in p.past_job_titles])
    out: list[dict[str, Any]] = []
    for row, person in people:
        where = (region or person.state or "").upper()
        if not where:
            rejects.append(_reject(row, "state", "no state, and no --region given"))
            continue
        try:
            ctx = engine.region_context(where)
        except ValueError as exc:
            rejects.append(_reject(row, "state", str(exc)))
            continue
        try:
            result = refer(person, ctx, reader, top_k=top_k)
        except Exception as exc:  # noqa: BLE001 - one bad record must not stop a caseload
            rejects.append(_reject(row, None, f"scoring failed ({type(exc).__name__})"))
            continue
        out.extend(result_rows(result))
    return pl.DataFrame(out, schema=OUTPUT_SCHEMA, orient="row"), rejects


def _validation_rejects(row: dict[str, Any], exc: ValidationError) -> list[dict[str, Any]]:
    return [_reject(row, "_".join(str(p) for p in err["loc"]) or None, err["msg"])
            for err in exc.errors()]


def _reject(row: dict[str, Any], field_name: str | None, reason: str) -> dict[str, Any]:
    return {"file": row.get("source_file"), "line": row.get("_line"), "field": field_name,
            "reason": reason, "severity": "not scored"}


def result_rows(result: ReferralResult) -> list[dict[str, Any]]:
    """A ``ReferralResult`` as output rows: one per referral, or one null-rank row."""
    if not result.referrals:
        reasons = Counter(r.text for e in result.excluded for r in e.reasons)
        common = f"; most common reason: {reasons.most_common(1)[0][0]}" if reasons else ""
        return [{"participant_id": result.participant_id, "region": result.region,
                 "explanation": f"No program in {result.region} passed the hard constraints "
                                f"({len(result.excluded)} excluded{common})."}]
    return [{
        "participant_id": result.participant_id, "region": result.region, "rank": r.rank,
        "program_id": r.program_id, "program_name": r.program_name,
        "provider_name": r.provider_name, "credential_type": r.credential_type,
        "target_code": r.target.code, "target_title": r.target.title, "score": r.score,
        **r.parts.model_dump(), "cost": r.cost, "weeks": r.weeks,
        "distance_miles": r.distance_miles, "target_hourly_wage": r.target_hourly_wage,
        "explanation": " ".join(r.explanation), "caveats": "; ".join(r.caveats) or None,
    } for r in result.referrals]


def write_atomic(frame: pl.DataFrame, path: Path) -> None:
    """Write to a temporary name in the same folder, then rename: a part is whole or absent."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    frame.write_parquet(tmp)
    os.replace(tmp, path)


def write_json_atomic(data: Any, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n")
    os.replace(tmp, path)


class ScoringWorker:
    """A Ray actor holding one warmed engine; scores blocks and writes their parts."""

    def __init__(self, bundle: str | None, top_k: int, region: str | None) -> None:
        from serving.engine import Engine

        self.engine = Engine.load(bundle=bundle).warm()
        self.top_k = top_k
        self.region = region

    def versions(self) -> dict[str, str]:
        return self.engine.versions

    def notes(self) -> list[str]:
        return list(self.engine.notes)

    def score_block(self, index: int, rows: list[dict[str, Any]], parts_dir: str
                    ) -> dict[str, Any]:
        """Score one block; write ``block-N.rejects.json`` then ``block-N.parquet``."""
        start = time.perf_counter()
        frame, rejects = score_rows(self.engine, rows, top_k=self.top_k, region=self.region)
        folder = Path(parts_dir)
        write_json_atomic(rejects, folder / f"{block_name(index)}.rejects.json")
        write_atomic(frame, folder / f"{block_name(index)}{PART_SUFFIX}")
        return {"index": index, "rows": len(rows), "pid": os.getpid(),
                "seconds": time.perf_counter() - start}

    def region_problem(self, region: str) -> str | None:
        """Why ``region`` cannot be scored (no programs listed there), or None."""
        try:
            self.engine.region_context(region)
        except ValueError as exc:
            return str(exc)
        return None

    def thresholds(self, regions: list[str]) -> dict[str, float | None]:
        """Each region's above-median wage line (``matching.disparity.target_wages``)."""
        from matching.disparity import target_wages, wage_threshold

        out: dict[str, float | None] = {}
        for region in regions:
            try:
                out[region] = wage_threshold(target_wages(self.engine.region_context(region)))
            except ValueError:
                out[region] = None
        return out


def block_name(index: int) -> str:
    return f"block-{index:06d}"


# ----------------------------------------------------------------------------- the job


def job_identity(options: BatchOptions, versions: dict[str, str]) -> dict[str, Any]:
    """What must match for a rerun to reuse finished parts."""
    return {"input_sha256": file_digest(options.input), "top_k": options.top_k,
            "region": options.region, "block_size": options.block_size,
            "versions": versions}


def prepare_parts(options: BatchOptions, identity: dict[str, Any]) -> list[str]:
    """Create the parts folder; parts of a different job (input, options, models) go."""
    folder = options.parts_dir
    folder.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    job = folder / JOB_FILE
    if job.is_file() and json.loads(job.read_text()) != identity:
        stale = [p for p in folder.iterdir() if p.name.startswith("block-")]
        for path in stale:
            path.unlink()
        notes.append(f"input, options or models changed since the last run: removed "
                     f"{len(stale)} old part files")
    for tmp in folder.glob(".*.tmp"):
        tmp.unlink()
    write_json_atomic(identity, job)
    return notes


def finished_blocks(folder: Path) -> set[int]:
    return {int(p.stem.split("-")[1]) for p in folder.glob(f"block-*{PART_SUFFIX}")}


def blocks(table: pl.DataFrame, size: int) -> Iterator[tuple[int, pl.DataFrame]]:
    for index, start in enumerate(range(0, table.height, size)):
        yield index, table.slice(start, size)


def run_batch(options: BatchOptions, progress: Hook | None = None) -> BatchSummary:
    """Score the caseload, merge the parts, write rejects, meta and the disparity summary."""
    from training.ray_runtime import ray_session

    hook = progress or (lambda stage, done, total: None)
    _check(options)
    started = time.perf_counter()
    hook("reading the caseload", 0, 1)
    loaded = read_caseload(options.input)
    table = loaded.table
    n_blocks = -(-table.height // options.block_size)
    # Resolving the models here first also creates a fresh MLflow store once, before
    # several workers would race to migrate it.
    versions = _driver_versions(options)
    with ray_session() as resources:
        workers = _start_workers(options, resources, hook)
        import ray

        if options.region and (problem := ray.get(
                workers[0].region_problem.remote(options.region.strip().upper()))):
            raise BatchError(problem)
        notes = prepare_parts(options, job_identity(options, versions))
        todo = sorted(set(range(n_blocks)) - finished_blocks(options.parts_dir))
        _dispatch(workers, table, options, todo, hook)
        notes += ray.get(workers[0].notes.remote())
        regions = _regions(table, options.region)
        thresholds = ray.get(workers[0].thresholds.remote(regions))
    hook("merging parts", 0, 1)
    merge_parts(options.parts_dir, options.output)
    rejects = write_rejects(loaded.report, options, n_blocks)
    summary = BatchSummary(
        output=options.output, participants_read=loaded.report.rows_read,
        participants_scored=_count_scored(options.output),
        rejected=sum(1 for r in rejects if r["severity"] != "repaired"),
        repaired=sum(1 for r in rejects if r["severity"] == "repaired"),
        blocks=n_blocks, blocks_run=len(todo), blocks_skipped=n_blocks - len(todo),
        versions=versions, thresholds=thresholds, seconds=0.0, notes=notes)
    hook("disparity summary", 0, 1)
    summary.disparity = write_disparity(options.output, table, thresholds)
    summary.seconds = time.perf_counter() - started
    write_meta(summary, options)
    return summary


def _driver_versions(options: BatchOptions) -> dict[str, str]:
    from matching.bundle import BundleError
    from serving.engine import Engine

    try:
        return Engine.load(bundle=options.bundle).versions
    except BundleError as exc:
        raise BatchError(str(exc)) from None


def _check(options: BatchOptions) -> None:
    if options.top_k < 1:
        raise BatchError("--top-k must be at least 1")
    if options.block_size < 1:
        raise BatchError("--block-size must be at least 1")
    if options.workers < 1:
        raise BatchError("--workers must be at least 1")
    if options.output.suffix.lower() != ".parquet":
        raise BatchError(f"{options.output.name}: the output must be a .parquet file")
    options.output.parent.mkdir(parents=True, exist_ok=True)


def _start_workers(options: BatchOptions, resources: dict[str, Any], hook: Hook) -> list[Any]:
    """``workers`` actors sharing the cluster's CPUs; returns once every engine is warm."""
    import ray

    cpus = float(resources.get("CPU", 1.0))
    actor = ray.remote(num_cpus=min(1.0, cpus / options.workers), max_restarts=0)(
        ScoringWorker)
    env = {k: v for k in ("PATHMATCH_HOME", "PATHMATCH_BUNDLE", "MLFLOW_TRACKING_URI")
           if (v := os.environ.get(k))}
    bundle = str(options.bundle) if options.bundle else None
    workers = [actor.options(runtime_env={"env_vars": env}).remote(
        bundle, options.top_k, options.region) for _ in range(options.workers)]
    hook(f"warming {options.workers} engine(s)", 0, options.workers)
    pending = [w.versions.remote() for w in workers]
    done = 0
    while pending:
        ready, pending = ray.wait(pending, num_returns=1)
        ray.get(ready)
        done += 1
        hook(f"warming {options.workers} engine(s)", done, options.workers)
    return workers


def _dispatch(workers: list[Any], table: pl.DataFrame, options: BatchOptions,
              todo: list[int], hook: Hook) -> None:
    """Feed blocks to idle actors, at most ``IN_FLIGHT_PER_WORKER`` each at a time."""
    import ray

    wanted = set(todo)
    queue = ((i, b) for i, b in blocks(table, options.block_size) if i in wanted)
    total = sum(b.height for i, b in blocks(table, options.block_size) if i in wanted)
    pending: dict[Any, Any] = {}
    load = dict.fromkeys(range(len(workers)), 0)
    done = 0
    hook("scoring", 0, total)
    while True:
        for slot in sorted(load, key=load.get):
            if load[slot] >= IN_FLIGHT_PER_WORKER:
                continue
            item = next(queue, None)
            if item is None:
                break
            index, block = item
            ref = workers[slot].score_block.remote(index, block.to_dicts(),
                                                   str(options.parts_dir))
            pending[ref] = slot
            load[slot] += 1
        if not pending:
            return
        ready, _ = ray.wait(list(pending), num_returns=1)
        result = ray.get(ready[0])
        load[pending.pop(ready[0])] -= 1
        done += result["rows"]
        hook("scoring", done, total)


def _regions(table: pl.DataFrame, region: str | None) -> list[str]:
    if region:
        return [region.strip().upper()]
    return sorted(table["state"].drop_nulls().str.to_uppercase().unique().to_list())


def merge_parts(folder: Path, output: Path) -> None:
    """All parts, in block order, into one parquet (streamed: scan then sink)."""
    parts = sorted(folder.glob(f"block-*{PART_SUFFIX}"))
    tmp = output.with_name(f".{output.name}.tmp")
    if parts:
        pl.scan_parquet(parts).sink_parquet(tmp)
    else:
        pl.DataFrame(schema=OUTPUT_SCHEMA).write_parquet(tmp)
    os.replace(tmp, output)


def write_rejects(report: LoadReport, options: BatchOptions, n_blocks: int
                  ) -> list[dict[str, Any]]:
    """Loader rejects and repairs, then rows no worker could score, to ``.rejects.csv``."""
    rows = [{"file": r.file, "line": r.line, "field": r.field, "reason": r.reason,
             "severity": r.severity} for r in report.rejects]
    for index in range(n_blocks):
        path = options.parts_dir / f"{block_name(index)}.rejects.json"
        if path.is_file():
            rows.extend(json.loads(path.read_text()))
    frame = pl.DataFrame(rows, schema={"file": pl.String, "line": pl.Int64,
                                       "field": pl.String, "reason": pl.String,
                                       "severity": pl.String}, orient="row")
    frame.select(REJECT_COLUMNS).write_csv(sidecar(options.output, ".rejects.csv"))
    return rows


def _count_scored(output: Path) -> int:
    return int(pl.scan_parquet(output).select(pl.col("participant_id").n_unique())
               .collect().item())


def write_disparity(output: Path, table: pl.DataFrame, thresholds: dict[str, float | None]
                    ) -> pl.DataFrame:
    """The disparity CSV and plot; PIRL fields joined in memory, never written to output."""
    from matching.disparity import FIELDS, disparity_table, participant_outcomes
    from serving.disparity_report import plot_disparity

    outcomes = participant_outcomes(pl.scan_parquet(output), thresholds)
    groups = table.select("participant_id", *FIELDS.values()).join(
        outcomes.select("participant_id"), on="participant_id", how="semi")
    result = disparity_table(outcomes, groups)
    result.write_csv(sidecar(output, ".disparity.csv"))
    plot_disparity(result, sidecar(output, ".disparity.png"), thresholds)
    return result


def write_meta(summary: BatchSummary, options: BatchOptions) -> None:
    """``<output>.meta.json``: the bundle and model versions that produced the output."""
    from matching.disparity import FOUR_FIFTHS, HEADLINE, MIN_GROUP_SIZE

    meta = {k: v for k, v in asdict(summary).items() if k != "disparity"}
    from matching.settings import get_settings

    meta.update({"bundle": str(options.bundle or get_settings().bundle_dir),
                 "input": options.input.name, "top_k": options.top_k,
                 "region": options.region or "each participant's state",
                 "block_size": options.block_size, "workers": options.workers,
                 "disparity": {
                     "headline": HEADLINE, "min_group_size": MIN_GROUP_SIZE,
                     "four_fifths": FOUR_FIFTHS,
                     "wage_threshold": "median hourly wage of the distinct occupations the "
                                       "region's programs lead to",
                     "flagged": [] if summary.disparity is None else
                     summary.disparity.filter(pl.col(f"{HEADLINE}_flag"))
                     .select("field", "group").to_dicts()}})
    write_json_atomic(meta, sidecar(options.output, ".meta.json"))



def report_lines(summary: BatchSummary) -> list[str]:
    """What a run did, in plain lines for the terminal (counts only, no participant data)."""
    paths = summary.paths()
    lines = [f"scored {summary.participants_scored:,} of {summary.participants_read:,} "
             f"participants in {summary.seconds:.1f} s ({summary.blocks_run} blocks run, "
             f"{summary.blocks_skipped} already done) -> {summary.output}"]
    if summary.rejected or summary.repaired:
        lines.append(f"{summary.rejected} rows rejected or not scored, {summary.repaired} "
                     f"repaired: listed by line and field in {paths['rejects']}")
    else:
        lines.append("no rejected rows")
    lines.extend(f"note: {n}" for n in summary.notes)
    versions = ", ".join(f"{k} {v}" for k, v in summary.versions.items())
    lines.append(f"versions: {versions} (in {paths['meta']})")
    lines.append(f"disparity summary: {paths['disparity']}, plot {paths['plot']}")
    return lines
