"""Analyst pages: upload a caseload, watch the batch run, download referrals and disparity.

The run is ``serving.batch.run_batch``, the function ``pathmatch score`` calls (Ray actors
with warmed engines, the same scoring path as the API), in a spawned child process followed
by a background thread (a local Ray that fails under load SIGTERMs its driver process, which
must not be the server); its progress hook, sent over a queue, feeds the job page, which
polls a fragment with htmx. ``run_batch`` works on files, so each job gets a
``tempfile.TemporaryDirectory`` (0700, the upload 0600) holding the upload and the outputs
only while the batch runs: the results are read into memory and the folder is removed
before the job is marked done. Results live in the server process only, under a random job
id bound to the session's key id (another key gets 404), and are dropped after an hour or
on "delete". One batch runs at a time (one local Ray per machine); later jobs wait.
Nothing about the caseload is logged.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import queue
import secrets
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import polars as pl
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from serving.api.deps import EngineDep
from serving.batch import (
    SUFFIXES,
    BatchError,
    BatchOptions,
    BatchSummary,
    program_states,
    run_batch,
)
from serving.engine import Engine
from serving.web.render import gettext, render
from serving.web.session import CsrfDep, UserDep
from serving.web.uploads import read_limited, upload_problem

router = APIRouter()
MAX_CASELOAD_BYTES = 50 * 1024 * 1024
KEEP_SECONDS = 3600.0
BLOCK_SIZE = 500
MAX_WORKERS = 2
DOWNLOADS = {
    "referrals.parquet": ("referrals", "application/vnd.apache.parquet"),
    "referrals.csv": ("referrals_csv", "text/csv; charset=utf-8"),
    "rejects.csv": ("rejects", "text/csv; charset=utf-8"),
    "disparity.json": ("disparity", "application/json"),
    "disparity.png": ("plot", "image/png"),
}
_RUN_LOCK = threading.Lock()  # one Ray session per process at a time


@dataclass
class Job:
    """One batch run: its owner, progress and, once done, its files in memory."""

    id: str
    owner: str
    started: float
    status: str = "queued"  # queued, running, done, failed
    stage: str = ""
    done: int = 0
    total: int = 0
    error: str | None = None
    counts: dict[str, Any] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)


_JOBS: dict[str, Job] = {}
_JOBS_LOCK = threading.Lock()


def _expire() -> None:
    """Forget jobs older than :data:`KEEP_SECONDS` (checked on every analyst request)."""
    now = time.monotonic()
    with _JOBS_LOCK:
        for job_id in [j.id for j in _JOBS.values() if now - j.started > KEEP_SECONDS]:
            del _JOBS[job_id]


def job_of(job_id: str, user: str) -> Job | None:
    """The job when it exists and belongs to ``user`` (else None: answered 404)."""
    _expire()
    with _JOBS_LOCK:
        job = _JOBS.get(job_id)
    return job if job is not None and secrets.compare_digest(job.owner, user) else None


def _regions(engine: Engine) -> list[str]:
    """The states the batch can score in (those the bundle lists programs in)."""
    try:
        return sorted(program_states(engine.bundle) or ())
    except BatchError:
        return []


def _workers(path: Path) -> int:
    """Actors worth warming: one per block of :data:`BLOCK_SIZE` rows, at most two."""
    if path.suffix.lower() == ".parquet":
        rows = pl.scan_parquet(path).select(pl.len()).collect().item()
    else:
        with path.open("rb") as handle:
            rows = sum(1 for _ in handle)
    return max(1, min(MAX_WORKERS, -(-int(rows) // BLOCK_SIZE)))


def _files(summary: BatchSummary) -> dict[str, bytes]:
    """Every output of the run, read into memory (the temp folder goes right after)."""
    paths = summary.paths()
    referrals = summary.output.read_bytes()
    buffer = io.BytesIO()
    pl.read_parquet(io.BytesIO(referrals)).write_csv(buffer)
    disparity = [] if summary.disparity is None else summary.disparity.to_dicts()
    files = {
        "referrals": referrals,
        "referrals_csv": buffer.getvalue(),
        "rejects": paths["rejects"].read_bytes(),
        "disparity": json.dumps(disparity, indent=2, default=str).encode("utf-8"),
    }
    if paths["plot"].is_file():
        files["plot"] = paths["plot"].read_bytes()
    return files


def _child(options: BatchOptions, messages: Any) -> None:
    """The batch in its own process: progress, then the summary or the error, on a queue.

    A separate process because a local Ray that fails under load can SIGTERM its driver;
    the server must not be that driver.
    """

    def progress(stage: str, done: int, total: int) -> None:
        messages.put(("progress", (stage, done, total)))

    try:
        messages.put(("done", run_batch(options, progress)))
    except BatchError as exc:
        messages.put(("error", str(exc)))
    except Exception as exc:  # the page says it failed, without the caseload's data
        messages.put(("error", gettext_free_error(exc)))


def _batch(job: Job, options: BatchOptions) -> BatchSummary | str:
    """Run :func:`_child` and follow it: the summary, or an error line."""
    context = multiprocessing.get_context("spawn")
    messages = context.Queue()
    process = context.Process(target=_child, args=(options, messages), name="pathmatch-batch")
    process.start()
    try:
        while True:
            try:
                kind, value = messages.get(timeout=1.0)
            except queue.Empty:
                if not process.is_alive():
                    return f"the batch process ended without a result (exit {process.exitcode})"
                continue
            if kind == "progress":
                job.stage, job.done, job.total = value
            else:
                return value if isinstance(value, str | BatchSummary) else str(value)
    finally:
        process.join(timeout=30)


def _run(job: Job, data: bytes, suffix: str, top_k: int, region: str | None) -> None:
    """The background thread: wait for the Ray slot, run the batch, keep its files."""
    with _RUN_LOCK, tempfile.TemporaryDirectory(prefix="pm-batch-") as folder:
        job.status = "running"
        source = Path(folder) / f"caseload{suffix}"
        with open(os.open(source, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as sink:
            sink.write(data)  # personal data: readable by this user only, like batch's files
        options = BatchOptions(
            input=source,
            output=Path(folder) / "referrals.parquet",
            top_k=top_k,
            region=region,
            block_size=BLOCK_SIZE,
            workers=_workers(source),
        )
        try:
            outcome = _batch(job, options)
            if isinstance(outcome, str):
                job.error = outcome.replace(folder + "/", "").replace(folder, "")
                rejects = Path(folder) / "referrals.parquet.rejects.csv"
                if rejects.is_file():
                    job.files = {"rejects": rejects.read_bytes()}
                job.status = "failed"
                return
            job.files = _files(outcome)
            job.counts = {
                "read": outcome.participants_read,
                "scored": outcome.participants_scored,
                "rejected": outcome.rejected,
                "repaired": outcome.repaired,
                "seconds": round(outcome.seconds, 1),
                "notes": outcome.notes,
            }
            job.status = "done"
        except Exception as exc:  # the page says it failed, without the caseload's data
            job.error = gettext_free_error(exc)
            job.status = "failed"


def gettext_free_error(exc: Exception) -> str:
    """An unexpected failure named by its type only (its message may quote the input)."""
    return f"the batch stopped unexpectedly ({type(exc).__name__})"


@router.get("/analyst", response_class=HTMLResponse)
def analyst_form(request: Request, user: UserDep, engine: EngineDep) -> HTMLResponse:
    return _form(request, engine, None, 200)


def _form(request: Request, engine: Engine, problem: str | None, status: int) -> HTMLResponse:
    return render(
        request,
        "analyst.html",
        status_code=status,
        regions=_regions(engine),
        problem=problem,
        max_mb=MAX_CASELOAD_BYTES >> 20,
        request_deleted=request.query_params.get("deleted") == "1",
    )


@router.post("/analyst/jobs", dependencies=[CsrfDep], response_model=None)
def analyst_start(
    request: Request,
    user: UserDep,
    engine: EngineDep,
    caseload: Annotated[UploadFile, File()],
    region: Annotated[str, Form()] = "",
    top_k: Annotated[str, Form()] = "10",
) -> Response:
    """Start the batch on the uploaded caseload; 303 to the job's page."""
    data = read_limited(caseload, MAX_CASELOAD_BYTES)
    suffix = Path(caseload.filename or "").suffix.lower()
    problem = upload_problem(
        request,
        data,
        caseload.filename or "",
        limit=MAX_CASELOAD_BYTES,
        suffixes=SUFFIXES,
        empty=gettext(request, "Choose a caseload file to upload."),
        wrong_type=gettext(request, "The caseload must be a .csv, .jsonl or .parquet file."),
    )
    k = int(top_k) if top_k.strip().isdigit() else 0
    if problem is None and not 1 <= k <= 100:
        problem = gettext(
            request, "Referrals per participant must be a whole number from 1 to 100."
        )
    if problem is not None:
        return _form(request, engine, problem, 422)
    job = Job(id=secrets.token_urlsafe(18), owner=user, started=time.monotonic())
    with _JOBS_LOCK:
        _JOBS[job.id] = job
    expiry = threading.Timer(KEEP_SECONDS + 1, _expire)  # gone after an hour, even unvisited
    expiry.daemon = True
    expiry.start()
    state = region.strip().upper() or None
    threading.Thread(
        target=_run, args=(job, data, suffix, k, state), name="pathmatch-web-batch", daemon=True
    ).start()
    return RedirectResponse(f"/analyst/jobs/{job.id}", status_code=303)


def _missing(request: Request) -> HTMLResponse:
    return render(request, "analyst_missing.html", status_code=404)


@router.get("/analyst/jobs/{job_id}", response_class=HTMLResponse)
def analyst_job(request: Request, job_id: str, user: UserDep) -> HTMLResponse:
    job = job_of(job_id, user)
    if job is None:
        return _missing(request)
    return render(request, "analyst_job.html", job=_view(job))


@router.get("/analyst/jobs/{job_id}/progress", response_class=HTMLResponse)
def analyst_progress(request: Request, job_id: str, user: UserDep) -> HTMLResponse:
    """The fragment the job page polls; once finished it carries no polling attributes."""
    job = job_of(job_id, user)
    if job is None:
        return _missing(request)
    return render(request, "analyst_progress.html", job=_view(job))


def _view(job: Job) -> dict[str, Any]:
    """What the templates show of a job (no file bytes but the plot, base64)."""
    import base64

    plot = job.files.get("plot")
    return {
        "id": job.id,
        "status": job.status,
        "stage": job.stage,
        "done": job.done,
        "total": job.total,
        "error": job.error,
        "counts": job.counts,
        "downloads": [name for name, (key, _) in DOWNLOADS.items() if key in job.files],
        "plot": base64.b64encode(plot).decode("ascii") if plot else None,
        "finished": job.status in ("done", "failed"),
    }


@router.get("/analyst/jobs/{job_id}/{name}", response_model=None)
def analyst_download(request: Request, job_id: str, name: str, user: UserDep) -> Response:
    """One of the job's files, as an attachment."""
    job = job_of(job_id, user)
    if job is None or name not in DOWNLOADS or DOWNLOADS[name][0] not in job.files:
        return _missing(request)
    key, media = DOWNLOADS[name]
    return Response(
        job.files[key],
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/analyst/jobs/{job_id}/delete", dependencies=[CsrfDep], response_model=None)
def analyst_delete(request: Request, job_id: str, user: UserDep) -> Response:
    """Drop the job's results from memory now."""
    job = job_of(job_id, user)
    if job is None:
        return _missing(request)
    with _JOBS_LOCK:
        _JOBS.pop(job.id, None)
    return RedirectResponse("/analyst?deleted=1", status_code=303)
