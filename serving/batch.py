"""Batch scoring of a caseload on Ray: ranked referrals for every participant, restartably.

``pathmatch score`` reads a caseload (intake CSV/JSONL through the participants loader, or a
parquet file with the participants table's columns), cuts it into blocks of ``block_size``
rows and hands each block to a pool of Ray actors. Each actor holds one warmed ``Engine``
(warming takes seconds, so it is paid once per worker, not per block) and scores a block
through ``matching.referral.referrals.refer``, the same scoring path as the API, then writes the
block's referrals as one parquet part with an atomic rename. A part on disk means "done":
a rerun of the same job skips it, so a killed run resumes where it stopped. The parts are
merged with a polars scan/sink into the output, and the disparity summary
(``matching.referral.disparity``) is computed from the output joined in memory with the input's PIRL
fields. Once every output is written the parts folder is removed; a run that fails or is
killed before that keeps it, so the rerun resumes.

The input is checked before Ray starts: a file that is not CSV, JSONL or parquet text, a
caseload with no rows, or one whose every row is rejected (invalid value, no state and no
``--region``, no programs in its state) stops with one clear ``BatchError`` in about a
second instead of after the workers warmed up.

Memory: the driver holds the validated input table (the loaders check a whole file, e.g.
for duplicate ids) and at most ``2 * workers`` blocks in flight; results never come back to
the driver, they go from the actors to disk. Privacy: the output keeps the participant id
and the referrals; the participant's words (intake text, stated goals, past job titles, the
intake sentences behind skills) and the PIRL fields are not copied into it: referrals are
built with ``quote_participant=False``, so explanations name occupations and skills without
quoting. Every file written (output, rejects, meta, disparity CSV and PNG, parts) is created
0600 and the parts folder 0700: they hold personal data. Nothing about a participant is
logged; rejects name the line, the field and the problem, never the value.

Fixed costs: a job of one block (at most ``block_size`` rows) on this machine is scored in
the driver with the engine it built to read the versions, without starting Ray (Ray's
start-up and an actor warming a second engine cost more than scoring a few hundred rows);
a bigger job starts no more actors than it has blocks, and a local Ray with no more CPUs
than actors. ``.meta.json`` says which node scored how many blocks (``nodes``).

On a cluster (``RAY_ADDRESS``) the actors write the parts themselves, so the output folder
must be on storage every node sees (NFS, a mounted bucket).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, NoReturn, TypeVar

import polars as pl
from pydantic import ValidationError

from matching.ingest.loaders.base import Loaded, LoadReport, byte_order_mark
from matching.ingest.loaders.participants import PARTICIPANT_SCHEMA, load_intake
from matching.referral.referrals import (
    ReferralResult,
    SkillEvidence,
    SourceOccupation,
    UnknownOccupation,
    intake_context,
    refer,
)
from matching.schemas import Participant
from serving.reader import EngineReader
from training.ray_runtime import node_id

Hook = Callable[[str, int, int], None]

OUTPUT_SCHEMA: dict[str, Any] = {
    "participant_id": pl.String,
    "region": pl.String,
    "rank": pl.Int32,
    "program_id": pl.String,
    "program_name": pl.String,
    "provider_name": pl.String,
    "provider_phone": pl.String,
    "provider_website": pl.String,
    "credential_type": pl.String,
    "target_code": pl.String,
    "target_title": pl.String,
    "score": pl.Float64,
    "role_fit": pl.Float64,
    "skill_fit": pl.Float64,
    "gap_closed": pl.Float64,
    "demand": pl.Float64,
    "wage_gain": pl.Float64,
    "outcome": pl.Float64,
    "cost": pl.Float64,
    "weeks": pl.Float64,
    "distance_miles": pl.Float64,
    "target_hourly_wage": pl.Float64,
    "explanation": pl.String,
    "caveats": pl.String,
}
"""One row per participant x referral rank; a participant no program passed the hard
constraints for has one row with a null rank saying why."""
PART_SUFFIX = ".parquet"
JOB_FILE = "job.json"
IN_FLIGHT_PER_WORKER = 2
SUFFIXES = (".csv", ".jsonl", ".parquet")
REJECT_COLUMNS = ("file", "line", "field", "reason", "severity")
FILE_MODE = 0o600
DIR_MODE = 0o700
SNIFF_BYTES = 1 << 16
UNREADABLE = (
    "cannot be read as CSV, JSONL or parquet (binary content, or text in an "
    "encoding other than UTF-8, Windows-1252 or a byte-order-marked UTF-16/32)"
)


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
    nodes: dict[str, int] = field(default_factory=dict)
    """Blocks scored per Ray node id (``driver``: scored in this process, without Ray)."""
    disparity: pl.DataFrame | None = None

    def paths(self) -> dict[str, Path]:
        return {
            name: sidecar(self.output, suffix)
            for name, suffix in (
                ("rejects", ".rejects.csv"),
                ("meta", ".meta.json"),
                ("disparity", ".disparity.csv"),
                ("plot", ".disparity.png"),
            )
        }


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
    if looks_binary(path):
        raise BatchError(f"{path.name}: {UNREADABLE}")
    loaded = load_intake([path])
    fatal = [r for r in loaded.report.rejects if r.line is None and r.severity == "rejected"]
    if loaded.table.is_empty() and fatal:
        raise BatchError(fatal[0].reason)
    return loaded


def looks_binary(path: Path) -> bool:
    """Is the start of the file something no CSV or JSONL reader can make sense of?

    Decoded as the intake loader would (a byte-order mark decides the encoding, else
    UTF-8), text has no NULs, few control characters and few undecodable bytes; a parquet,
    spreadsheet, zip or random file has many. Without this check such a file is told
    "required column missing".
    """
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    encoding, skip = byte_order_mark(head)
    text = head[skip:].decode(encoding or "utf-8", errors="replace")
    if not text:
        return False
    controls = sum(1 for ch in text if ch < " " and ch not in "\t\n\r\f")
    return "\x00" in text or controls > len(text) / 100 or text.count("\ufffd") > len(text) / 10


def _read_parquet(path: Path) -> Loaded:
    """A parquet caseload: the participants table's columns (absent optional ones null).

    A row without a participant id, or with an id seen before, is rejected like the CSV
    loader does it; the line is the row's 1-based position.
    """
    report = LoadReport("participants", files=[path.name])
    try:
        frame = pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise BatchError(
            f"{path.name}: {UNREADABLE} (not a readable parquet file: {type(exc).__name__})"
        ) from None
    if "participant_id" not in frame.columns:
        raise BatchError(
            f"{path.name}: no participant_id column (the participants table's columns are expected)"
        )
    try:
        table = frame.select(
            [
                pl.col(c).cast(t) if c in frame.columns else pl.lit(None, dtype=t).alias(c)
                for c, t in PARTICIPANT_SCHEMA.items()
            ]
        )
    except pl.exceptions.PolarsError as exc:
        raise BatchError(
            f"{path.name}: a column has the wrong type for the participants "
            f"table ({type(exc).__name__})"
        ) from None
    table = table.with_row_index("_line", offset=1).with_columns(
        pl.col("_line").cast(pl.Int64), pl.lit(path.name).alias("source_file")
    )
    report.rows_read = table.height
    missing = table.filter(pl.col("participant_id").is_null())
    seen = table.filter(pl.col("participant_id").is_not_null()).filter(
        pl.col("participant_id").is_duplicated()
        & (pl.int_range(pl.len()).over("participant_id") > 0)
    )
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
    flat["past_occupations"] = [c for c in flat.get("past_occupations") or [] if c]
    nested["wioa"]["barriers"] = list(nested["wioa"].get("barriers") or [])
    return Participant.model_validate({**flat, **nested})


def screen_rows(
    loaded: Loaded, region: str | None, states: set[str] | None
) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """The rows that can be scored, and a reject for each that cannot, before Ray starts.

    A row is out when its values break the ``Participant`` model, when it has no state and
    no ``--region`` is given, or when its state lists no programs (``states``: the states
    the bundle lists programs in; None skips that check). Workers repeat the exact checks;
    this pass lets a caseload nobody can be scored from fail in a second.
    """
    keep: list[int] = []
    rejects: list[dict[str, Any]] = []
    for i, row in enumerate(loaded.table.iter_rows(named=True)):
        try:
            person = participant_from_row(row)
        except ValidationError as exc:
            rejects.extend(_validation_rejects(row, exc))
            continue
        where = (region or person.state or "").strip().upper()
        if not where:
            rejects.append(_reject(row, "state", "no state, and no --region given"))
        elif states is not None and not region and where not in states:
            rejects.append(_reject(row, "state", "no training programs listed in this state"))
        else:
            keep.append(i)
    table = loaded.table
    kept = table[keep] if len(keep) < table.height else table
    return kept, rejects


def program_states(bundle: Any) -> set[str] | None:
    """States the bundle lists training programs in (None: cannot tell, skip the check)."""
    from matching.ingest.bundle import BundleError

    if not bundle.has("etpl_programs"):
        return None
    try:
        programs = bundle.table("etpl_programs")
    except BundleError as exc:
        raise BatchError(str(exc)) from None
    if "state" not in programs.columns:
        return None
    return set(programs["state"].drop_nulls().str.to_uppercase().to_list())


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

    def __init__(
        self,
        engine: Any,
        texts: Sequence[str],
        titles: Sequence[str],
        contexts: Sequence[Sequence[str]] | None = None,
    ) -> None:
        super().__init__(engine)
        self._titles = self._read_titles(list(titles))
        self._skills: dict[tuple[str, tuple[str, ...]], list[SkillEvidence]] = {}
        self.read_texts(texts, contexts)

    def read_texts(
        self, texts: Sequence[str], contexts: Sequence[Sequence[str]] | None = None
    ) -> None:
        """Read a block's intake notes in one ``nlp.pipe``, each in its context (the codes
        :func:`~matching.referral.referrals.intake_context` gives; none when omitted)."""
        texts = list(texts)
        keyed = [tuple(c) for c in contexts] if contexts is not None else [()] * len(texts)
        ids = [str(i) for i in range(len(texts))]
        frame = self.engine.skills_of("intake", ids, texts, "id", contexts=keyed)
        found: dict[str, list[SkillEvidence]] = {}
        for i, skill, label in frame.select("id", "skill_id", "skill_label").iter_rows():
            found.setdefault(i, []).append(
                SkillEvidence(skill_id=skill, label=label, source="intake", evidence=None)
            )
        for i, text, context in zip(ids, texts, keyed, strict=True):
            self._skills[(text, context)] = found.get(i, [])

    def _read_titles(self, titles: list[str]) -> dict[str, list[Any]]:
        wanted = [t.strip() for t in titles if t and t.strip()]
        if not wanted:
            return {}
        predicted = self.engine.titles.predict(wanted, taxonomy="onet", top_k=1)
        return dict(zip(wanted, predicted, strict=True))

    def intake_skills(self, text: str, context: Sequence[str] = ()) -> list[SkillEvidence]:
        key = (text, tuple(context))
        if key in self._skills:
            return list(self._skills[key])
        found = super().intake_skills(text, context)
        return [s.model_copy(update={"evidence": None}) for s in found]

    def title_occupations(self, titles: Sequence[str]) -> list[SourceOccupation]:
        wanted = [t.strip() for t in titles if t and t.strip()]
        if any(t not in self._titles for t in wanted):
            return super().title_occupations(titles)
        confident = self.engine.titles.is_confident  # the same cut as EngineReader's
        return [
            SourceOccupation(
                title=t, code=c.code, occupation_title=c.title, score=round(float(c.score), 4)
            )
            for t in wanted
            if confident(self._titles[t])
            for c in self._titles[t]
        ]


def score_rows(
    engine: Any, rows: Sequence[dict[str, Any]], *, top_k: int, region: str | None
) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """Referral rows (``OUTPUT_SCHEMA``) for a block of participants-table rows, and the
    rows that could not be scored (line, field, reason; never a value)."""
    people: list[tuple[dict[str, Any], Participant]] = []
    rejects: list[dict[str, Any]] = []
    for row in rows:
        try:
            people.append((row, participant_from_row(row)))
        except ValidationError as exc:
            rejects.extend(_validation_rejects(row, exc))
    reader = BlockReader(
        engine, [], [t for _, p in people if not p.past_occupations for t in p.past_job_titles]
    )
    # the titles are read first: each note is read in its writer's occupations and goals
    reader.read_texts(
        [p.intake_text or "" for _, p in people],
        [intake_context(p, reader) for _, p in people],
    )
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
            result = refer(person, ctx, reader, top_k=top_k, quote_participant=False)
        except UnknownOccupation as exc:  # read_person's check, the same as the API's 422
            rejects.append(_reject(row, exc.field, str(exc)))
            continue
        except Exception as exc:  # one bad record must not stop a caseload
            rejects.append(_reject(row, None, f"scoring failed ({type(exc).__name__})"))
            continue
        out.extend(result_rows(result))
    return pl.DataFrame(out, schema=OUTPUT_SCHEMA, orient="row"), rejects


def _validation_rejects(row: dict[str, Any], exc: ValidationError) -> list[dict[str, Any]]:
    return [
        _reject(row, "_".join(str(p) for p in err["loc"]) or None, err["msg"])
        for err in exc.errors()
    ]


def _reject(row: dict[str, Any], field_name: str | None, reason: str) -> dict[str, Any]:
    return {
        "file": row.get("source_file"),
        "line": row.get("_line"),
        "field": field_name,
        "reason": reason,
        "severity": "not scored",
    }


def result_rows(result: ReferralResult) -> list[dict[str, Any]]:
    """A ``ReferralResult`` as output rows: one per referral, or one null-rank row."""
    if not result.referrals:
        reasons = Counter(r.text for e in result.excluded for r in e.reasons)
        common = f"; most common reason: {reasons.most_common(1)[0][0]}" if reasons else ""
        return [
            {
                "participant_id": result.participant_id,
                "region": result.region,
                "explanation": f"No program in {result.region} passed the hard constraints "
                f"({len(result.excluded)} excluded{common}).",
            }
        ]
    return [
        {
            "participant_id": result.participant_id,
            "region": result.region,
            "rank": r.rank,
            "program_id": r.program_id,
            "program_name": r.program_name,
            "provider_name": r.provider_name,
            "provider_phone": r.provider.phone if r.provider else None,
            "provider_website": r.provider.website if r.provider else None,
            "credential_type": r.credential_type,
            "target_code": r.target.code,
            "target_title": r.target.title,
            "score": r.score,
            **r.parts.model_dump(),
            "cost": r.cost,
            "weeks": r.weeks,
            "distance_miles": r.distance_miles,
            "target_hourly_wage": r.target_hourly_wage,
            "explanation": " ".join(r.explanation),
            "caveats": "; ".join(r.caveats) or None,
        }
        for r in result.referrals
    ]


@contextmanager
def private_file(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path``, created empty with mode 0600, renamed onto
    ``path`` when the block succeeds (removed when it fails): a file is whole or absent,
    and readable by its owner only from its first byte (writers reuse the open file's
    mode, whatever the umask)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE))
    try:
        yield tmp
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic(frame: pl.DataFrame, path: Path) -> None:
    """A parquet file written whole or not at all, mode 0600."""
    with private_file(path) as tmp:
        frame.write_parquet(tmp)


def write_json_atomic(data: Any, path: Path) -> None:
    with private_file(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, default=str) + "\n")


class ScoringWorker:
    """A Ray actor holding one warmed engine; scores blocks and writes their parts."""

    def __init__(
        self, bundle: str | None, top_k: int, region: str | None, engine: Any = None
    ) -> None:
        """A Ray actor warms an engine of its own; in the driver (``in_process``) the
        driver's engine is passed in and builds only what the block touches."""
        from serving.engine import Engine

        self.engine = engine if engine is not None else Engine.load(bundle=bundle).warm()
        self.top_k = top_k
        self.region = region

    def versions(self) -> dict[str, str]:
        return self.engine.versions

    def notes(self) -> list[str]:
        return list(self.engine.notes)

    def score_block(self, index: int, rows: list[dict[str, Any]], parts_dir: str) -> dict[str, Any]:
        """Score one block; write ``block-N.rejects.json`` then ``block-N.parquet``."""
        start = time.perf_counter()
        frame, rejects = score_rows(self.engine, rows, top_k=self.top_k, region=self.region)
        folder = Path(parts_dir)
        write_json_atomic(rejects, folder / f"{block_name(index)}.rejects.json")
        write_atomic(frame, folder / f"{block_name(index)}{PART_SUFFIX}")
        return {
            "index": index,
            "rows": len(rows),
            "pid": os.getpid(),
            "node": node_id(),
            "seconds": time.perf_counter() - start,
        }

    def region_problem(self, region: str) -> str | None:
        """Why ``region`` cannot be scored (no programs listed there), or None."""
        try:
            self.engine.region_context(region)
        except ValueError as exc:
            return str(exc)
        return None

    def thresholds(self, regions: list[str]) -> dict[str, float | None]:
        """Each region's above-median wage line (``matching.referral.disparity.target_wages``)."""
        from matching.referral.disparity import target_wages, wage_threshold

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
    return {
        "input_sha256": file_digest(options.input),
        "top_k": options.top_k,
        "region": options.region,
        "block_size": options.block_size,
        "versions": versions,
    }


def prepare_parts(options: BatchOptions, identity: dict[str, Any]) -> list[str]:
    """Create the parts folder; parts of a different job (input, options, models) go."""
    folder = options.parts_dir
    folder.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    folder.chmod(DIR_MODE)
    notes: list[str] = []
    job = folder / JOB_FILE
    if job.is_file() and json.loads(job.read_text()) != identity:
        stale = [p for p in folder.iterdir() if p.name.startswith("block-")]
        for path in stale:
            path.unlink()
        notes.append(
            f"input, options or models changed since the last run: removed "
            f"{len(stale)} old part files"
        )
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
    """Score the caseload, merge the parts, write rejects, meta and the disparity summary.

    Raises ``BatchError`` before Ray starts when no row can be scored, and after the run
    when no participant was (the rejects file then says why, row by row).
    """
    hook = progress or (lambda stage, done, total: None)
    _check(options)
    started = time.perf_counter()
    hook("reading the caseload", 0, 1)
    loaded = read_caseload(options.input)
    if loaded.table.is_empty():
        _nothing_to_score(loaded, options, [])
    bundle = _open_bundle(options)
    table, screened = _screen(loaded, options, program_states(bundle))
    # Resolving the models in the driver first also creates a fresh MLflow store once,
    # before several workers would race to migrate it; it runs while Ray starts (both take
    # seconds, mostly importing and waiting on other processes) and ends before any
    # worker starts. A one-block local job is scored with this engine, without Ray.
    resolving = _in_background(_driver_engine, bundle)
    n_blocks = -(-table.height // options.block_size)
    if in_process(n_blocks):
        engine = resolving.result()
        versions = engine.versions
        worker = ScoringWorker(
            str(options.bundle) if options.bundle else None,
            options.top_k,
            options.region,
            engine=engine,
        )
        scored = _score_here(worker, options, table, versions, n_blocks, hook)
    else:
        scored = _score_on_ray(options, table, resolving, n_blocks, hook)
    summary = BatchSummary(
        output=options.output,
        participants_read=loaded.report.rows_read,
        participants_scored=0,
        rejected=0,
        repaired=0,
        blocks=n_blocks,
        blocks_run=len(scored.todo),
        blocks_skipped=n_blocks - len(scored.todo),
        versions=scored.versions,
        thresholds=scored.thresholds,
        seconds=0.0,
        notes=scored.notes,
        nodes=scored.nodes,
    )
    try:
        _write_outputs(summary, options, loaded, table, screened, hook, started)
    except OSError as exc:
        target = exc.filename2 or exc.filename or options.output
        raise BatchError(
            f"cannot write {target}: {exc.strerror or exc}; the scored blocks "
            f"are kept in "
            f"{options.parts_dir} and a rerun resumes from them"
        ) from None
    shutil.rmtree(options.parts_dir, ignore_errors=True)
    if summary.participants_scored == 0:
        raise BatchError(
            f"no participant could be scored: {summary.rejected} rows rejected "
            f"or not scored, listed by line and field in "
            f"{summary.paths()['rejects']}"
        )
    return summary


IN_PROCESS_VARIABLE = "PATHMATCH_BATCH_IN_PROCESS"


class Scored(NamedTuple):
    """What the scoring phase did: blocks run, notes, wage lines, versions, blocks per node."""

    todo: list[int]
    notes: list[str]
    thresholds: dict[str, float | None]
    versions: dict[str, str]
    nodes: dict[str, int]


def in_process(n_blocks: int) -> bool:
    """Score in this process, without Ray? Yes for a one-block job on this machine.

    One block can only ever go to one worker, so Ray's start-up (seconds) and a second
    engine warming in an actor buy nothing: the driver's engine, already built for the
    job's versions, scores it. With ``RAY_ADDRESS`` the job always runs on the cluster.
    ``PATHMATCH_BATCH_IN_PROCESS=0`` forces Ray, ``=1`` forces this process (any size).
    """
    forced = os.environ.get(IN_PROCESS_VARIABLE, "").strip()
    if forced in ("0", "1"):
        return forced == "1"
    return not os.environ.get("RAY_ADDRESS") and n_blocks <= 1


def _score_here(
    worker: ScoringWorker,
    options: BatchOptions,
    table: pl.DataFrame,
    versions: dict[str, str],
    n_blocks: int,
    hook: Hook,
) -> Scored:
    """The job's blocks scored by ``worker`` in this process: the same calls the actors
    answer, the same part files."""
    if options.region and (problem := worker.region_problem(options.region.strip().upper())):
        raise BatchError(problem)
    notes = prepare_parts(options, job_identity(options, versions))
    todo = sorted(set(range(n_blocks)) - finished_blocks(options.parts_dir))
    wanted = set(todo)
    total = sum(b.height for i, b in blocks(table, options.block_size) if i in wanted)
    done = 0
    nodes: Counter[str] = Counter()
    hook("scoring", 0, total)
    for index, block in blocks(table, options.block_size):
        if index in wanted:
            result = worker.score_block(index, block.to_dicts(), str(options.parts_dir))
            done += result["rows"]
            nodes[result["node"]] += 1
            hook("scoring", done, total)
    notes += worker.notes()
    thresholds = worker.thresholds(_regions(table, options.region))
    return Scored(todo, notes, thresholds, versions, dict(nodes))


def _score_on_ray(
    options: BatchOptions,
    table: pl.DataFrame,
    resolving: Future[Any],
    n_blocks: int,
    hook: Hook,
) -> Scored:
    """The job's blocks scored by Ray actors (local Ray, or the ``RAY_ADDRESS`` cluster);
    no more actors than blocks, and a local Ray gets no more CPUs than actors."""
    from training.ray_runtime import local_cpus, ray_session

    workers_needed = max(1, min(options.workers, n_blocks))
    local = None if os.environ.get("RAY_ADDRESS") else min(local_cpus(), workers_needed)
    with ray_session(local) as resources:
        versions = resolving.result().versions
        workers = _start_workers(options, workers_needed, resources, hook)
        import ray

        if options.region and (
            problem := ray.get(workers[0].region_problem.remote(options.region.strip().upper()))
        ):
            raise BatchError(problem)
        notes = prepare_parts(options, job_identity(options, versions))
        todo = sorted(set(range(n_blocks)) - finished_blocks(options.parts_dir))
        nodes = _dispatch(workers, table, options, todo, hook)
        notes += ray.get(workers[0].notes.remote())
        thresholds = ray.get(workers[0].thresholds.remote(_regions(table, options.region)))
    return Scored(todo, notes, thresholds, versions, nodes)


def _screen(
    loaded: Loaded, options: BatchOptions, states: set[str] | None
) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """``screen_rows``, and the early stop when nothing is left to score (no Ray started)."""
    region = options.region.strip().upper() if options.region else None
    if region and states is not None and region not in states:
        raise BatchError(
            f"no training programs listed for region {region!r}; regions with "
            f"programs: {', '.join(sorted(states)) or 'none'}"
        )
    table, screened = screen_rows(loaded, region, states)
    if table.is_empty():
        _nothing_to_score(loaded, options, screened)
    return table, screened


def _nothing_to_score(
    loaded: Loaded, options: BatchOptions, screened: list[dict[str, Any]]
) -> NoReturn:
    """Stop with one line: an empty caseload, or every row rejected (rejects file written)."""
    read = loaded.report.rows_read
    if read == 0:
        raise BatchError(
            f"{options.input.name}: no participant rows (the file has a header "
            "but nothing under it)"
        )
    rejects = write_rejects(loaded.report, options, 0, screened)
    raise BatchError(
        f"{options.input.name}: none of the {read} rows can be scored; "
        f"{len(rejects)} problems listed by line and field in "
        f"{sidecar(options.output, '.rejects.csv')}"
    )


def _write_outputs(
    summary: BatchSummary,
    options: BatchOptions,
    loaded: Loaded,
    table: pl.DataFrame,
    screened: list[dict[str, Any]],
    hook: Hook,
    started: float,
) -> None:
    """Output, rejects, disparity CSV and PNG, then meta (each whole, 0600); fills in the
    summary's counts."""
    hook("merging parts", 0, 1)
    merge_parts(options.parts_dir, options.output)
    rejects = write_rejects(loaded.report, options, summary.blocks, screened)
    summary.participants_scored = _count_scored(options.output)
    summary.rejected = sum(1 for r in rejects if r["severity"] != "repaired")
    summary.repaired = sum(1 for r in rejects if r["severity"] == "repaired")
    hook("disparity summary", 0, 1)
    summary.disparity = write_disparity(options.output, table, summary.thresholds)
    summary.seconds = time.perf_counter() - started
    write_meta(summary, options)


def _open_bundle(options: BatchOptions) -> Any:
    """The job's bundle, opened (and verified) once in the driver: screening the input
    reads its programs, the job identity its hash."""
    from matching.ingest.bundle import Bundle, BundleError
    from matching.settings import get_settings

    try:
        return Bundle(Path(options.bundle or get_settings().bundle_dir))
    except BundleError as exc:
        raise BatchError(str(exc)) from None


T = TypeVar("T")


def _in_background(call: Callable[[Any], T], arg: Any) -> Future[T]:
    """``call(arg)`` in a daemon thread; its result or exception comes out of the future."""
    future: Future[T] = Future()

    def run() -> None:
        try:
            future.set_result(call(arg))
        except BaseException as exc:  # re-raised by future.result() in the caller
            future.set_exception(exc)

    threading.Thread(target=run, name="pathmatch-versions", daemon=True).start()
    return future


def _driver_engine(bundle: Any) -> Any:
    """The driver's engine with its models resolved: its versions are the job's identity
    for restarts, and a one-block job is scored with it (``in_process``)."""
    from matching.settings import get_settings
    from serving.engine import Engine

    engine = Engine(settings=get_settings(), bundle=bundle)
    _ = engine.versions
    return engine


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


def _start_workers(
    options: BatchOptions, count: int, resources: dict[str, Any], hook: Hook
) -> list[Any]:
    """``count`` actors sharing the cluster's CPUs; returns once every engine is warm."""
    import ray

    cpus = float(resources.get("CPU", 1.0))
    actor = ray.remote(num_cpus=min(1.0, cpus / count), max_restarts=0)(ScoringWorker)
    env = {
        k: v
        for k in ("PATHMATCH_HOME", "PATHMATCH_BUNDLE", "MLFLOW_TRACKING_URI")
        if (v := os.environ.get(k))
    }
    bundle = str(options.bundle) if options.bundle else None
    workers: list[Any] = [
        actor.options(runtime_env={"env_vars": env}).remote(bundle, options.top_k, options.region)
        for _ in range(count)
    ]
    hook(f"warming {count} engine(s)", 0, count)
    pending = [w.versions.remote() for w in workers]
    done = 0
    while pending:
        ready, pending = ray.wait(pending, num_returns=1)
        ray.get(ready)
        done += 1
        hook(f"warming {count} engine(s)", done, count)
    return workers


def _dispatch(
    workers: list[Any], table: pl.DataFrame, options: BatchOptions, todo: list[int], hook: Hook
) -> dict[str, int]:
    """Feed blocks to idle actors, at most ``IN_FLIGHT_PER_WORKER`` each at a time; returns
    the blocks each Ray node scored."""
    import ray

    wanted = set(todo)
    queue = ((i, b) for i, b in blocks(table, options.block_size) if i in wanted)
    total = sum(b.height for i, b in blocks(table, options.block_size) if i in wanted)
    pending: dict[Any, Any] = {}
    load = dict.fromkeys(range(len(workers)), 0)
    done = 0
    nodes: Counter[str] = Counter()
    hook("scoring", 0, total)
    while True:
        for slot in sorted(load, key=lambda w: load[w]):
            if load[slot] >= IN_FLIGHT_PER_WORKER:
                continue
            item = next(queue, None)
            if item is None:
                break
            index, block = item
            ref = workers[slot].score_block.remote(index, block.to_dicts(), str(options.parts_dir))
            pending[ref] = slot
            load[slot] += 1
        if not pending:
            return dict(nodes)
        ready, _ = ray.wait(list(pending), num_returns=1)
        result = ray.get(ready[0])
        load[pending.pop(ready[0])] -= 1
        done += result["rows"]
        nodes[result["node"]] += 1
        hook("scoring", done, total)


def _regions(table: pl.DataFrame, region: str | None) -> list[str]:
    if region:
        return [region.strip().upper()]
    return sorted(table["state"].drop_nulls().str.to_uppercase().unique().to_list())


def merge_parts(folder: Path, output: Path) -> None:
    """All parts, in block order, into one parquet (streamed: scan then sink)."""
    parts = sorted(folder.glob(f"block-*{PART_SUFFIX}"))
    with private_file(output) as tmp:
        if parts:
            pl.scan_parquet(parts).sink_parquet(tmp)
        else:
            pl.DataFrame(schema=OUTPUT_SCHEMA).write_parquet(tmp)


def write_rejects(
    report: LoadReport,
    options: BatchOptions,
    n_blocks: int,
    screened: Sequence[dict[str, Any]] = (),
) -> list[dict[str, Any]]:
    """Loader rejects and repairs, rows screened out before scoring, then rows no worker
    could score, to ``.rejects.csv``."""
    rows = [
        {
            "file": r.file,
            "line": r.line,
            "field": r.field,
            "reason": r.reason,
            "severity": r.severity,
        }
        for r in report.rejects
    ]
    rows.extend(screened)
    for index in range(n_blocks):
        path = options.parts_dir / f"{block_name(index)}.rejects.json"
        if path.is_file():
            rows.extend(json.loads(path.read_text()))
    frame = pl.DataFrame(
        rows,
        schema={
            "file": pl.String,
            "line": pl.Int64,
            "field": pl.String,
            "reason": pl.String,
            "severity": pl.String,
        },
        orient="row",
    )
    with private_file(sidecar(options.output, ".rejects.csv")) as tmp:
        frame.select(REJECT_COLUMNS).write_csv(tmp)
    return rows


def _count_scored(output: Path) -> int:
    return int(pl.scan_parquet(output).select(pl.col("participant_id").n_unique()).collect().item())


def write_disparity(
    output: Path, table: pl.DataFrame, thresholds: dict[str, float | None]
) -> pl.DataFrame:
    """The disparity CSV and plot; PIRL fields joined in memory, never written to output."""
    from matching.referral.disparity import FIELDS, disparity_table, participant_outcomes
    from serving.disparity_report import plot_disparity

    outcomes = participant_outcomes(pl.scan_parquet(output), thresholds)
    groups = table.select("participant_id", *FIELDS.values()).join(
        outcomes.select("participant_id"), on="participant_id", how="semi"
    )
    result = disparity_table(outcomes, groups)
    with private_file(sidecar(output, ".disparity.csv")) as tmp:
        result.write_csv(tmp)
    with private_file(sidecar(output, ".disparity.png")) as tmp:
        plot_disparity(result, tmp, thresholds)
    return result


def write_meta(summary: BatchSummary, options: BatchOptions) -> None:
    """``<output>.meta.json``: the bundle and model versions that produced the output."""
    from matching.referral.disparity import FOUR_FIFTHS, HEADLINE, MIN_GROUP_SIZE

    meta = {k: v for k, v in asdict(summary).items() if k != "disparity"}
    from matching.settings import get_settings

    meta.update(
        {
            "bundle": str(options.bundle or get_settings().bundle_dir),
            "input": options.input.name,
            "top_k": options.top_k,
            "region": options.region or "each participant's state",
            "block_size": options.block_size,
            "workers": options.workers,
            "disparity": {
                "headline": HEADLINE,
                "min_group_size": MIN_GROUP_SIZE,
                "four_fifths": FOUR_FIFTHS,
                "wage_threshold": "median hourly wage of the distinct occupations the "
                "region's programs lead to",
                "flagged": []
                if summary.disparity is None
                else summary.disparity.filter(pl.col(f"{HEADLINE}_flag"))
                .select("field", "group")
                .to_dicts(),
            },
        }
    )
    write_json_atomic(meta, sidecar(options.output, ".meta.json"))


def report_lines(summary: BatchSummary) -> list[str]:
    """What a run did, in plain lines for the terminal (counts only, no participant data)."""
    paths = summary.paths()
    lines = [
        f"scored {summary.participants_scored:,} of {summary.participants_read:,} "
        f"participants in {summary.seconds:.1f} s ({summary.blocks_run} blocks run, "
        f"{summary.blocks_skipped} already done) -> {summary.output}"
    ]
    if summary.rejected or summary.repaired:
        lines.append(
            f"{summary.rejected} rows rejected or not scored, {summary.repaired} "
            f"repaired: listed by line and field in {paths['rejects']}"
        )
    else:
        lines.append("no rejected rows")
    lines.extend(f"note: {n}" for n in summary.notes)
    versions = ", ".join(f"{k} {v}" for k, v in summary.versions.items())
    lines.append(f"versions: {versions} (in {paths['meta']})")
    lines.append(f"disparity summary: {paths['disparity']}, plot {paths['plot']}")
    return lines
