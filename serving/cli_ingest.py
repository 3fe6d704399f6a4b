"""``pathmatch ingest-postings``: a posting feed (folder or glob) to a partitioned Parquet
dataset on Ray Data (``serving.ingest_postings``), restartable, with rich progress.

Registered in ``serving.cli`` with one line; the CLI's helpers are imported when the
command runs, since ``serving.cli`` imports this module. Unusable input or output, a
dataset written with other settings, or Ray not starting: one line, exit 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

BundleIn = Annotated[
    Path | None,
    typer.Option(
        "--bundle", help="bundle folder [default: $PATHMATCH_BUNDLE or $PATHMATCH_HOME/bundle]"
    ),
]


def ingest_postings_command(
    input: Annotated[
        str,
        typer.Option(
            "--input",
            help="folder (searched recursively) or glob of posting files: LinkedIn CSV, "
            "schema.org JobPosting .json/.jsonl/.jsonld/.html, .parquet",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="dataset folder (created; a rerun resumes)")],
    partition_size: Annotated[
        int, typer.Option("--partition-size", min=1, help="postings per partition file")
    ] = 1000,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", min=1, help="Ray actors, each with a loaded engine [default: cores]"
        ),
    ] = None,
    extraction: Annotated[
        str,
        typer.Option(
            "--extraction",
            help="learned (registered detector + linker, as `pathmatch extract`), rules "
            "(taxonomy matcher) or off (titles, sections, dedup only)",
        ),
    ] = "learned",
    bundle: BundleIn = None,
) -> None:
    """Posting feed -> Parquet dataset (postings, skills, duplicate clusters, rejects) on Ray."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from matching.ingest.posting_dataset import DatasetError
    from serving.cli import console, fail, open_bundle
    from serving.ingest_postings import IngestError, IngestOptions, run_ingest
    from training.ray_runtime import local_cpus

    open_bundle(bundle)
    options = IngestOptions(
        input=input,
        out=out,
        partition_size=partition_size,
        workers=workers or local_cpus(),
        extraction=extraction,
        bundle=bundle,
    )
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console(),
        transient=not console().is_terminal,
    )
    task = progress.add_task("starting", total=None)

    def hook(stage: str, done: int, total: int | None) -> None:
        progress.update(task, description=stage, completed=done, total=total)
        if not console().is_terminal:
            console().print(f"{stage}: {done}/{total if total is not None else '?'}")

    try:
        with progress:
            summary = run_ingest(options, hook)
    except (IngestError, DatasetError) as exc:
        raise fail(str(exc)) from None
    for line in summary.lines():
        console().print(line, soft_wrap=True, highlight=False)
    console().print(f"dataset: {out}")
