"""The ``pathmatch`` command line: one entry point for staff, analysts and benchmarks.

Each command is a thin shell over the library: it resolves locations from ``Settings``,
calls one function, and renders the result with rich. Errors a user can fix are printed as
one clear line with a non-zero exit, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from matching.bundle import Bundle, BundleError
from matching.importer import import_bundle
from matching.settings import get_settings

app = typer.Typer(
    name="pathmatch",
    help="Employer-demand matching and training referrals for the public workforce system.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)
stdout = Console()


DataDir = Annotated[Path, typer.Option(
    "--data", help="folder of official files (shared/data layout)")]
BundleOut = Annotated[Path | None, typer.Option(
    "--out", help="bundle folder to write [default: $PATHMATCH_HOME/bundle]")]
BundleIn = Annotated[Path | None, typer.Option(
    "--bundle", help="bundle folder [default: $PATHMATCH_BUNDLE or $PATHMATCH_HOME/bundle]")]


def fail(message: str, code: int = 2) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}", soft_wrap=True, highlight=False)
    return typer.Exit(code)


@app.command("import")
def import_command(data: DataDir, out: BundleOut = None) -> None:
    """Load every official data file under DATA and write a Parquet bundle with a manifest."""
    out = out or get_settings().bundle_dir
    columns = (TextColumn("[bold]{task.description}"), BarColumn(),
               TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=not console.is_terminal) as progress:
        task = progress.add_task("importing", total=None)

        def hook(table: str, index: int, total: int) -> None:
            progress.update(task, description=f"loading {table}", completed=index, total=total)

        try:
            manifest = import_bundle(data, out, progress=hook)
        except BundleError as exc:
            raise fail(str(exc)) from None
    render_summary(Bundle(out))
    rejects = manifest["rejects"]["count"]  # type: ignore[index]
    console.print(f"wrote bundle [bold]{out}[/] (hash {manifest['bundle_hash']}); "
                  f"{rejects} rejected or repaired records listed in {out / 'rejects.csv'}")


@app.command()
def summary(bundle: BundleIn = None) -> None:
    """Print the tables, row counts, rejects and taxonomy versions of a bundle."""
    try:
        render_summary(Bundle(bundle or get_settings().bundle_dir))
    except BundleError as exc:
        raise fail(str(exc)) from None


def render_summary(bundle: Bundle) -> None:
    manifest = bundle.manifest
    table = Table(title=f"bundle {bundle.path} ({bundle.hash})")
    table.add_column("table", no_wrap=True)
    for column in ("rows", "read", "rejected", "repaired", "files"):
        table.add_column(column, justify="right")
    sources = manifest["sources"]
    for name, entry in manifest["tables"].items():  # type: ignore[union-attr]
        src = sources.get(name, {})  # type: ignore[union-attr]
        files = str(len(src.get("files", [])))
        counts = (entry["rows"], src.get("rows_read", 0), src.get("rows_rejected", 0),
                  src.get("rows_repaired", 0))
        table.add_row(name, *(f"{n:,}" for n in counts), files)
    stdout.print(table)
    taxonomies: dict[str, str] = manifest["taxonomies"]  # type: ignore[assignment]
    versions = ", ".join(f"{k} {v}" for k, v in taxonomies.items())
    stdout.print(f"taxonomies: {versions or 'unknown'}")
    missing = manifest.get("missing_sources") or []
    if missing:
        stdout.print(f"sources not found in the data folder: {', '.join(missing)}")


def main() -> None:  # pragma: no cover - console entry for `python -m serving.cli`
    sys.exit(app())


if __name__ == "__main__":  # pragma: no cover
    main()
