"""The ``pathmatch`` command line: one entry point for staff, analysts and benchmarks.

Each command is a thin shell over the library: it resolves locations from ``Settings``,
calls one function, and renders the result with rich. Errors a user can fix are printed as
one clear line with a non-zero exit, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import polars as pl
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


train_app = typer.Typer(help="Train a model from a config in experiments/configs; runs go to "
                                 "MLflow and the best is registered as champion.",
                            no_args_is_help=True)
app.add_typer(train_app, name="train")
CONFIGS = Path(__file__).resolve().parents[1] / "experiments" / "configs"
ConfigOption = Annotated[Path | None, typer.Option(
    "--config", help="TOML config [default: experiments/configs/<model>.toml]")]


def open_bundle(path: Path | None) -> Bundle:
    try:
        return Bundle(path or get_settings().bundle_dir)
    except BundleError as exc:
        raise fail(str(exc)) from None


def stage_progress() -> tuple[Progress, Callable[[str, int, int], None]]:
    """A rich progress bar and the (stage, done, total) hook that drives it."""
    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                        TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                        console=console, transient=not console.is_terminal)
    task = progress.add_task("starting", total=None)

    def hook(stage: str, done: int, total: int) -> None:
        progress.update(task, description=stage, completed=done, total=total)

    return progress, hook


@train_app.command("outcome")
def train_outcome(bundle: BundleIn = None, config: ConfigOption = None) -> None:
    """The program-outcome model: employment rate and earnings after exit, with intervals."""
    from training.outcome_model import format_report, train_outcome_model

    data = open_bundle(bundle)
    progress, hook = stage_progress()
    with progress:
        result = train_outcome_model(data, config or CONFIGS / "outcome_model.toml",
                                     progress=hook)
    stdout.print(format_report(result))
    console.print(f"registered pathmatch-outcome version {result['version']} as champion "
                  f"(bundle {result['bundle_hash']}, {result['seconds']:.0f} s)")


def render_frame(frame: pl.DataFrame, title: str, columns: list[str]) -> None:
    """Print selected columns of a polars frame as a rich table (numbers right-aligned)."""
    table = Table(title=title)
    present = [c for c in columns if c in frame.columns]
    for column in present:
        numeric = frame.schema[column].is_numeric()
        table.add_column(column, justify="right" if numeric else "left")
    for row in frame.select(present).iter_rows():
        table.add_row(*(_cell(v) for v in row))
    stdout.print(table)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def title_model() -> object:
    """The registered title normalizer, or a clear error saying how to train one."""
    from matching.titles import TitleNormalizer
    from training.registry import RegistryError, resolve

    try:
        return TitleNormalizer.load(resolve("pathmatch-titles").path)
    except RegistryError as exc:
        raise fail(f"{exc} nlp") from None


@app.command()
def demand(
    region: Annotated[str, typer.Option("--region", help="state code, e.g. NJ")],
    occupation: Annotated[str | None, typer.Option(
        "--occupation", help="O*NET-SOC or SOC 2018 code")] = None,
    bundle: BundleIn = None,
) -> None:
    """Regional demand per occupation: deduplicated postings, pay, BLS wages and growth."""
    from matching.demand import (
        DemandLookupError,
        demand_for,
        demand_from_bundle,
        occupations_from_titles,
    )

    data = open_bundle(bundle)
    occupations = occupations_from_titles(data.table("postings"), title_model())
    result = demand_from_bundle(data, occupations)
    try:
        rows = demand_for(result.table, region, occupation)
    except DemandLookupError as exc:
        raise fail(str(exc)) from None
    render_frame(rows, f"demand in {region.upper()}", DEMAND_COLUMNS)
    for line in result.report.lines():
        console.print(line)


DEMAND_COLUMNS = ["onet_soc_code", "occupation_title", "postings_dedup", "dedup_ci_low",
                  "dedup_ci_high", "pay_hourly_median", "oews_h_median", "ep_growth_pct",
                  "ep_annual_openings", "in_demand_score"]


@app.command()
def programs(
    region: Annotated[str, typer.Option("--region", help="state code, e.g. NJ")],
    occupation: Annotated[str | None, typer.Option(
        "--occupation", help="O*NET-SOC or SOC 2018 code the program should lead to")] = None,
    bundle: BundleIn = None,
) -> None:
    """ETPL programs with reported outcomes and, when a model is registered, predictions."""
    from matching.programs import catalog_from_bundle
    from training.outcome_model import predict_programs
    from training.registry import try_resolve

    data = open_bundle(bundle)
    catalog = catalog_from_bundle(data)
    table = catalog.programs.filter(pl.col("state") == region.upper())
    if table.is_empty():
        states = sorted(catalog.programs["state"].drop_nulls().unique().to_list())
        raise fail(f"no programs for region {region!r}; states in the bundle: {states}")
    if occupation:
        code = occupation.strip()
        leads = catalog.program_occupations.filter(
            (pl.col("onet_soc_code") == code) | (pl.col("soc2018_code") == code))
        if leads.is_empty():
            raise fail(f"no program leads to occupation {occupation!r}")
        table = table.join(leads.select("program_id").unique(), on="program_id")
    model = try_resolve("pathmatch-outcome")
    if model is None:
        console.print("no outcome model registered: showing reported outcomes only "
                      "(run `pathmatch train outcome`)")
    else:
        predicted = predict_programs(data, model.path)
        keep = [c for c in predicted.columns if c.endswith(("_pred", "_lo", "_hi"))]
        table = table.join(predicted.select("program_id", *keep), on="program_id", how="left")
    render_frame(table, f"programs in {region.upper()}", PROGRAM_COLUMNS)


PROGRAM_COLUMNS = ["program_id", "provider_name", "name", "cip_code", "cost_total", "weeks",
                   "credential_type", "outcomes_employment_q2_value",
                   "outcomes_employment_q2_n", "employment_rate_pred", "employment_rate_lo",
                   "employment_rate_hi", "annual_earnings_pred"]


def main() -> None:  # pragma: no cover - console entry for `python -m serving.cli`
    sys.exit(app())


if __name__ == "__main__":  # pragma: no cover
    main()
