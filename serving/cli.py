"""The ``pathmatch`` command line: one entry point for staff, analysts and benchmarks.

Each command is a thin shell over the library: it resolves locations from ``Settings``,
calls one function, and renders the result with rich. Errors a user can fix are printed as
one clear line with a non-zero exit, never a traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from typer import _click
from typer.core import TyperGroup

from serving.cli_export import export_app
from serving.cli_ingest import ingest_postings_command
from serving.cli_pathway_map import pathway_map_command
from serving.cli_sectors import sectors_command

if TYPE_CHECKING:  # imported where used: `pathmatch --help` loads typer and nothing heavy
    import polars as pl
    from rich.console import Console
    from rich.progress import Progress

    from matching.ingest.bundle import Bundle
    from serving.engine import Engine

ONE_LINE_FAILURES = (
    ("training.registry", "ModelStoreError"),
    ("training.ray_runtime", "RayStartError"),
    ("matching.ingest.bundle", "BundleError"),
)


class Commands(TyperGroup):
    """The command group: in every command a broken model store is one line and exit 2.

    ``ModelStoreError`` (store unreachable or unreadable, a champion's files missing) can
    come from deep inside any command that touches a registered model; it is caught once
    here rather than in each command. "Not registered" is not an error: commands fall back
    and print a note. ``RayStartError`` (Ray would not come up, after retries) is the same
    kind of failure for every command that trains or scores on Ray, and ``BundleError`` (a
    bundle missing or damaged, on opening or mid-command) for every command that reads one.
    """

    def invoke(self, ctx: _click.Context) -> object:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if one_line_failure(exc):
                raise fail(str(exc)) from None
            raise


def one_line_failure(exc: BaseException) -> bool:
    """Is ``exc`` one of :data:`ONE_LINE_FAILURES`? Their classes are looked up among the
    modules already imported (one never imported cannot have raised), so the command group
    imports none of them: ``pathmatch --help`` stays fast."""
    for module, name in ONE_LINE_FAILURES:
        kind = getattr(sys.modules.get(module), name, None)
        if isinstance(kind, type) and isinstance(exc, kind):
            return True
    return False


app = typer.Typer(
    cls=Commands,
    name="pathmatch",
    help="Employer-demand matching and training referrals for the public workforce system.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@cache
def console() -> Console:
    """Messages, notes and progress: stderr."""
    from rich.console import Console

    return Console(stderr=True)


@cache
def stdout() -> Console:
    """Tables and reports: stdout()."""
    from rich.console import Console

    # Piped output keeps wide tables readable instead of folding them to 80 columns.
    return Console(width=None if sys.stdout.isatty() else 200)


DataDir = Annotated[
    Path, typer.Option("--data", help="folder of official files (shared/data layout)")
]
BundleOut = Annotated[
    Path | None,
    typer.Option("--out", help="bundle folder to write [default: $PATHMATCH_HOME/bundle]"),
]
BundleIn = Annotated[
    Path | None,
    typer.Option(
        "--bundle", help="bundle folder [default: $PATHMATCH_BUNDLE or $PATHMATCH_HOME/bundle]"
    ),
]


def fail(message: str, code: int = 2) -> typer.Exit:
    console().print(f"[bold red]error:[/] {message}", soft_wrap=True, highlight=False)
    return typer.Exit(code)


AllowPartial = Annotated[
    bool,
    typer.Option(
        "--allow-partial",
        help="write the bundle even when a table ends empty or a core table "
        "loses most of its rows (each problem is printed and kept in the manifest)",
    ),
]


@app.command("import")
def import_command(
    data: DataDir, out: BundleOut = None, allow_partial: AllowPartial = False
) -> None:
    """Load every official data file under DATA and write a Parquet bundle with a manifest.

    The import fails (exit 2, nothing replaced) when the data would give an unusable
    bundle; see ``matching.ingest.importer``.
    """
    from matching.ingest.bundle import BundleError
    from matching.ingest.importer import import_bundle

    out = out or bundle_dir()
    progress, stage = stage_progress()

    def hook(table: str, index: int, total: int) -> None:
        stage(f"loading {table}", index, total)

    with progress:
        try:
            manifest = import_bundle(data, out, progress=hook, allow_partial=allow_partial)
        except BundleError as exc:
            raise fail(str(exc)) from None
    render_summary(open_bundle(out))
    rejects = manifest["rejects"]["count"]
    console().print(
        f"wrote bundle [bold]{out}[/] (hash {manifest['bundle_hash']}); "
        f"{rejects} rejected or repaired records listed in {out / 'rejects.csv'}"
    )


@app.command()
def summary(bundle: BundleIn = None) -> None:
    """Print the tables, row counts, rejects and taxonomy versions of a bundle (verified)."""
    render_summary(open_bundle(bundle))


def render_summary(bundle: Bundle) -> None:
    from rich.table import Table

    manifest = bundle.manifest
    table = Table(title=f"bundle {bundle.path} ({bundle.hash})")
    table.add_column("table", no_wrap=True)
    for column in ("rows", "read", "rejected", "repaired", "files"):
        table.add_column(column, justify="right")
    sources = manifest["sources"]
    for name, entry in manifest["tables"].items():
        src = sources.get(name, {})
        files = str(len(src.get("files", [])))
        counts = (
            entry["rows"],
            src.get("rows_read", 0),
            src.get("rows_rejected", 0),
            src.get("rows_repaired", 0),
        )
        table.add_row(name, *(f"{n:,}" for n in counts), files)
    stdout().print(table)
    taxonomies: dict[str, str] = manifest["taxonomies"]
    versions = ", ".join(f"{k} {v}" for k, v in taxonomies.items())
    stdout().print(f"taxonomies: {versions or 'unknown'}")
    missing = manifest.get("missing_sources") or []
    if missing:
        stdout().print(f"sources not found in the data folder: {', '.join(missing)}")
    for warning in bundle.warnings:
        console().print(
            f"[bold yellow]warning:[/] partial import: {warning}", soft_wrap=True, highlight=False
        )


train_app = typer.Typer(
    help="Train a model from a shipped config (training/configs); runs go to "
    "MLflow and the best is registered as champion.",
    no_args_is_help=True,
)
app.add_typer(train_app, name="train")
app.add_typer(export_app, name="export")
app.command("sectors")(sectors_command)
app.command("pathway-map")(pathway_map_command)
app.command("ingest-postings")(ingest_postings_command)
REPO_PARENT = Path(__file__).resolve().parents[2]
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="TOML config [default: training/configs/<model>.toml]"),
]


def default_config(name: str) -> Path:
    """The shipped ``training/configs/<name>.toml``."""
    from training.configs import default_config as shipped

    return shipped(name)


def bundle_dir() -> Path:
    """The settings' bundle folder ($PATHMATCH_BUNDLE or $PATHMATCH_HOME/bundle)."""
    from matching.settings import get_settings

    return get_settings().bundle_dir


def open_bundle(path: Path | None) -> Bundle:
    """The bundle at ``path`` (default: the settings'), verified on opening; a BundleError
    from here or from any later read is one line and exit 2 (see ``Commands``)."""
    from matching.ingest.bundle import Bundle

    return Bundle(path or bundle_dir())


def engine_for(bundle: Path | None) -> Engine:
    """The engine over ``bundle`` (default: the settings'): every command that extracts
    skills, normalizes titles or reads a registered model asks it, as the API and batch
    scoring do, so each answer is the one the other doors give."""
    from matching.settings import get_settings
    from serving.engine import Engine

    return Engine.load(get_settings(), bundle=bundle)


def print_notes(engine: Engine) -> None:
    """The engine's fallbacks in effect (a model not registered), one line each."""
    for note in dict.fromkeys(engine.notes):
        console().print(f"note: {note}", soft_wrap=True, highlight=False)


def stage_progress() -> tuple[Progress, Callable[[str, int, int], None]]:
    """A rich progress bar and the (stage, done, total) hook that drives it."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console(),
        transient=not console().is_terminal,
    )
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
        result = train_outcome_model(data, config or default_config("outcome_model"), progress=hook)
    stdout().print(format_report(result))
    console().print(
        f"registered pathmatch-outcome version {result['version']} as champion "
        f"(bundle {result['bundle_hash']}, {result['seconds']:.0f} s)"
    )


BenchmarksOption = Annotated[
    Path | None,
    typer.Option(
        "--benchmarks",
        help="public benchmark train/dev parts [default: $PATHMATCH_BENCHMARKS "
        "or ../shared/data/benchmarks when present; without them small demo models train]",
    ),
]


def default_benchmarks() -> Path | None:
    env = os.environ.get("PATHMATCH_BENCHMARKS")
    candidate = Path(env) if env else REPO_PARENT / "shared" / "data" / "benchmarks"
    return candidate if candidate.is_dir() else None


@train_app.command("nlp")
def train_nlp_command(
    bundle: BundleIn = None,
    config: ConfigOption = None,
    benchmarks: BenchmarksOption = None,
    demo: Annotated[
        bool,
        typer.Option("--demo", help="small models from the bundle alone, ignoring benchmark data"),
    ] = False,
    if_missing: Annotated[
        bool,
        typer.Option(
            "--if-missing", help="do nothing when all three models are already registered"
        ),
    ] = False,
) -> None:
    """Title normalizer, skill linker and span detector, trained in parallel on Ray."""
    from training.nlp.train import train_nlp
    from training.registry import try_resolve

    names = ("pathmatch-titles", "pathmatch-linker", "pathmatch-detector")
    if if_missing and all(try_resolve(name) for name in names):
        console().print("nlp models already registered; nothing to train")
        return
    data = open_bundle(bundle)
    bench = None if demo else benchmarks or default_benchmarks()
    if bench is None:
        console().print("no benchmark data found: training small demo models on the bundle")
    progress, hook = stage_progress()
    with progress:
        registered = train_nlp(
            data, config or default_config("nlp"), benchmarks=bench, progress=hook
        )
    for name, entry in registered.items():
        figures = ", ".join(
            f"{k} {v:.3f}"
            for k, v in sorted(entry["metrics"].items())
            if not k.endswith(("_n", "seconds"))
        )
        stdout().print(f"{entry['model']} v{entry['version']} ({name}): {figures or 'no metrics'}")


TopK = Annotated[int, typer.Option("--top-k", min=1, max=100, help="candidates per input")]
InputFile = Annotated[
    Path,
    typer.Option(
        "--input", exists=True, dir_okay=False, help="JSONL with id and text, or one per line"
    ),
]
OutputFile = Annotated[Path | None, typer.Option("--output", help="JSONL [default: stdout]")]


@app.command()
def extract(
    kind: Annotated[str, typer.Option("--kind", help="posting | course | intake")],
    input: InputFile,
    top_k: TopK = 20,
    output: OutputFile = None,
    bundle: BundleIn = None,
) -> None:
    """Skills in postings, course descriptions or intake text, linked to ESCO and O*NET."""
    from matching.nlp.extraction import KINDS
    from matching.nlp.extraction.io import extract_file

    if kind not in KINDS:
        raise fail(f"--kind must be {', '.join(KINDS[:-1])} or {KINDS[-1]}, not {kind!r}")
    engine = engine_for(bundle)
    detector, linker = (engine.models.get(n) for n in ("pathmatch-detector", "pathmatch-linker"))
    if detector is None or linker is None:
        console().print(
            "note: no trained detector/linker registered (run `pathmatch train "
            "nlp`); using the taxonomy matcher with lexical scores"
        )
    pipe = engine.locked(kind)
    stats = extract_file(
        input,
        output,
        kind,
        top_k,
        pipe.nlp,
        info=pipe.info,
        lock=pipe.lock,
        min_score=engine.skill_min_score,
        min_sentence_score=engine.sentence_min_score,
        progress=console().is_terminal,
    )
    models = ", ".join(m.label for m in (detector, linker) if m) or "lexical"
    console().print(
        f"{stats.records} documents, {stats.docs_per_s:.0f}/s; models: {models}; "
        f"bundle {engine.bundle.hash}"
    )


@app.command()
def titles(
    input: InputFile,
    top_k: TopK = 10,
    taxonomy: Annotated[str, typer.Option("--taxonomy", help="onet | esco")] = "onet",
    output: OutputFile = None,
    bundle: BundleIn = None,
) -> None:
    """Job titles to ranked O*NET-SOC occupations (or ESCO occupation URIs).

    Each line says ``confident: true|false``; under the model's calibrated ``min_score`` it
    adds ``note: "no confident match"`` and still lists the candidates.
    """
    import json

    from matching.nlp.extraction.io import read_records
    from matching.nlp.titles import NO_CONFIDENT_MATCH

    if taxonomy not in ("onet", "esco"):
        raise fail(f"--taxonomy must be onet or esco, not {taxonomy!r}")
    engine = engine_for(bundle)
    model = engine.titles
    print_notes(engine)
    records = list(read_records(input, max_chars=MAX_TITLE_CHARS))
    for record in records:
        if record.cut:  # one output line still, so output line N stays input line N
            record.error = f"title longer than {MAX_TITLE_CHARS:,} characters; not processed"
            record.text, record.warnings = "", []
    ranked = model.predict(
        [r.text if r.error is None else "" for r in records], taxonomy=taxonomy, top_k=top_k
    )
    sink = open(output, "w", encoding="utf-8") if output else sys.stdout
    try:
        for record, candidates in zip(records, ranked, strict=True):
            confident = record.error is None and model.is_confident(candidates)
            line = {
                "id": record.id,
                "text": record.text,
                "confident": confident,
                "candidates": [] if record.error else [c.to_dict() for c in candidates],
            }
            if record.error is None and not confident:
                line["note"] = NO_CONFIDENT_MATCH
            if record.error:
                console().print(
                    f"{input.name}:{record.line}: {record.error}", markup=False, highlight=False
                )
                line["error"] = f"line {record.line}: {record.error}"
            sink.write(json.dumps(line, ensure_ascii=False) + "\n")
    finally:
        if output:
            sink.close()


MAX_TITLE_CHARS = 1_000
"""A job title longer than this is not a title (the longest O*NET title has about 150
characters): the line gets an error record instead of candidates."""


def render_frame(frame: pl.DataFrame, title: str, columns: list[str]) -> None:
    """Print selected columns of a polars frame as a rich table (numbers right-aligned)."""
    from rich.table import Table

    table = Table(title=title)
    present = [c for c in columns if c in frame.columns]
    for column in present:
        numeric = frame.schema[column].is_numeric()
        table.add_column(column, justify="right" if numeric else "left")
    whole = [_whole_numbers(frame[c]) for c in present]
    for row in frame.select(present).iter_rows():
        table.add_row(*(_cell(v, w) for v, w in zip(row, whole, strict=True)))
    stdout().print(table)


def _whole_numbers(column: pl.Series) -> bool:
    """A float column of counts (openings, completers): every value whole, shown without
    decimals, so 670 openings do not read as "670.00" beside "4,866"."""
    values = column.drop_nulls()
    return column.dtype.is_float() and len(values) > 0 and bool((values == values.round()).all())


def _cell(value: object, whole: bool = False) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if whole or abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


Region = Annotated[str, typer.Option("--region", help="state code, e.g. NJ")]
Occupation = Annotated[
    str | None,
    typer.Option(
        "--occupation", help="O*NET-SOC or SOC 2018 code (for programs: the one they lead to)"
    ),
]


PostingsDataset = Annotated[
    Path | None,
    typer.Option(
        "--postings",
        help="posting dataset written by `pathmatch ingest-postings`, read lazily "
        "[default: the bundle's postings]",
    ),
]


def use_posting_dataset(engine: Engine, dataset: Path | None) -> None:
    """Make ``engine.demand`` the demand of ``dataset`` (``demand_from_dataset``: read
    lazily, the ingest's titles, skills and dedup) for every report of this command."""
    if dataset is None:
        return
    from matching.ingest.posting_dataset import DatasetError
    from matching.market.demand import demand_from_dataset

    try:
        engine.__dict__["demand"] = demand_from_dataset(dataset, engine.bundle)  # cached_property
    except DatasetError as exc:
        raise fail(str(exc)) from None


@app.command()
def demand(
    region: Region,
    occupation: Occupation = None,
    bundle: BundleIn = None,
    postings: PostingsDataset = None,
) -> None:
    """Regional demand per occupation: deduplicated postings, pay, BLS wages and growth."""
    from matching.market.demand import DemandLookupError, demand_for

    engine = engine_for(bundle)
    use_posting_dataset(engine, postings)
    result = engine.demand  # the table /v1/occupations answers from: same titles, same skills
    print_notes(engine)
    try:
        rows = demand_for(result.table, region, occupation)
    except DemandLookupError as exc:
        raise fail(str(exc)) from None
    render_frame(rows, f"demand in {region.upper()}", DEMAND_COLUMNS)
    if occupation:
        wanted = rows.select("region", "onet_soc_code").unique()
        requested = (
            result.skills_table.join(wanted, on=["region", "onet_soc_code"])
            .sort("share", descending=True)
            .head(15)
        )
        render_frame(
            requested,
            "skills requested (share of deduplicated postings)",
            ["onet_soc_code", "skill_label", "postings_with_skill", "share"],
        )
    for line in result.report.lines():
        console().print(line)


DEMAND_COLUMNS = [
    "onet_soc_code",
    "occupation_title",
    "postings_dedup",
    "dedup_ci_low",
    "dedup_ci_high",
    "pay_hourly_median",
    "oews_h_median",
    "ep_growth_pct",
    "ep_annual_openings",
    "in_demand_score",
]


@app.command()
def programs(region: Region, occupation: Occupation = None, bundle: BundleIn = None) -> None:
    """ETPL programs with reported outcomes and, when a model is registered, predictions."""
    import polars as pl

    engine = engine_for(bundle)
    catalog = engine.catalog  # the catalog referrals and /v1/programs answer from
    table = catalog.programs.filter(pl.col("state") == region.upper()).with_columns(
        pl.col("skills_taught").list.len().alias("skills_taught_n")
    )
    if table.is_empty():
        states = sorted(catalog.programs["state"].drop_nulls().unique().to_list())
        raise fail(f"no programs for region {region!r}; states in the bundle: {states}")
    if occupation:
        code = occupation.strip()
        leads = catalog.program_occupations.filter(
            (pl.col("onet_soc_code") == code) | (pl.col("soc2018_code") == code)
        )
        if leads.is_empty():
            raise fail(f"no program leads to occupation {occupation!r}")
        table = table.join(leads.select("program_id").unique(), on="program_id")
    predicted = engine.predicted_outcomes
    if predicted is not None:
        keep = [c for c in predicted.columns if c.endswith(("_pred", "_lo", "_hi"))]
        table = table.join(predicted.select("program_id", *keep), on="program_id", how="left")
    print_notes(engine)
    render_frame(table, f"programs in {region.upper()}", PROGRAM_COLUMNS)


PROGRAM_COLUMNS = [
    "program_id",
    "provider_name",
    "name",
    "cip_code",
    "cost_total",
    "weeks",
    "credential_type",
    "skills_taught_n",
    "outcomes_employment_q2_value",
    "outcomes_employment_q2_n",
    "employment_rate_pred",
    "employment_rate_lo",
    "employment_rate_hi",
    "annual_earnings_pred",
]


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, help="uvicorn processes")] = 1,
) -> None:
    """Start the HTTP API (uvicorn); needs PATHMATCH_API_KEYS or PATHMATCH_API_KEY_FILE."""
    import uvicorn

    from serving.api.settings import ApiConfigError, ApiSettings

    try:
        ApiSettings().check()
    except ApiConfigError as exc:
        raise fail(str(exc)) from None
    open_bundle(None)  # a missing or damaged bundle: one line and exit 2, before listening
    # uvicorn's own access log prints query strings; the app logs its own lines without them
    uvicorn.run(
        "serving.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_level="info",
    )


@train_app.command("transitions")
def train_transitions_command(
    bundle: BundleIn = None,
    config: ConfigOption = None,
    demo: Annotated[
        bool,
        typer.Option("--demo", help="the config's tiny [demo] search (seconds on the demo bundle)"),
    ] = False,
    if_missing: Annotated[
        bool, typer.Option("--if-missing", help="do nothing when a transition model is registered")
    ] = False,
) -> None:
    """Occupation-transition ranker: LambdaRank on observed moves, Ray search, MLflow."""
    from training.predictors.transitions import MODEL_NAME
    from training.registry import try_resolve
    from training.transition_model import format_report, train_transition_model

    if if_missing and try_resolve(MODEL_NAME):
        console().print("transition model already registered; nothing to train")
        return
    data = open_bundle(bundle)
    progress, hook = stage_progress()
    try:
        with progress:
            result = train_transition_model(
                data, config or default_config("transitions"), demo=demo, progress=hook
            )
    except ValueError as exc:
        raise fail(str(exc)) from None
    stdout().print(format_report(result))
    console().print(
        f"registered {result['name']} version {result['version']} as champion "
        f"(bundle {result['bundle_hash']}, {result['seconds']:.0f} s)"
    )


@app.command()
def transitions(
    source: Annotated[
        str, typer.Option("--from", help="last job: O*NET-SOC or SOC 2018 code, or a job title")
    ],
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=50, help="targets to list")] = 10,
    bundle: BundleIn = None,
) -> None:
    """Occupations a person can move into from their last job, with what drove each."""
    import re

    import polars as pl

    engine = engine_for(bundle)
    ranker = engine.transitions
    if ranker is None:
        raise fail("no transition model registered: run `pathmatch train transitions`")
    code = source.strip()
    if not re.fullmatch(r"\d{2}-\d{4}(\.\d{2})?", code):
        found = engine.titles.predict([code], taxonomy="onet", top_k=5)[0]
        print_notes(engine)
        match = next((c for c in found if ranker.known(c.code)), None)
        if match is None:
            raise fail(f"no occupation found for title {source!r}")
        console().print(f"title {source!r} -> {match.code} {match.title} (score {match.score:.2f})")
        code = match.code
    try:
        rows = ranker.rank(code, top_k=top_k)
    except KeyError as exc:
        raise fail(str(exc.args[0])) from None
    shown = rows.with_columns(pl.col("reasons").list.join("; "))
    render_frame(
        shown,
        f"transitions from {rows['source_code'][0]}",
        ["rank", "target_code", "target_title", "score", "reasons"],
    )


GapOccupations = Annotated[
    list[str] | None,
    typer.Option("--occupation", help="target O*NET-SOC or SOC 2018 code (repeatable)"),
]


@app.command()
def gaps(
    courses: Annotated[
        Path,
        typer.Option(
            "--courses",
            help="catalog CSV/JSONL (code, title, description), a course file of "
            "the shared data formats, or a folder of them",
        ),
    ],
    region: Region,
    out: Annotated[Path, typer.Option("--out", help="report folder (HTML, JSON, PNG)")],
    cip: Annotated[str | None, typer.Option("--cip", help="program CIP 2020 code")] = None,
    occupation: GapOccupations = None,
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=200, help="gaps to list")] = 20,
    bundle: BundleIn = None,
    postings: PostingsDataset = None,
) -> None:
    """Curriculum gaps: skills taught against skills sought in the region, with a report."""
    from matching.curriculum.gaps import (
        GapError,
        analyze_gaps,
        check_cip,
        check_region,
        read_courses,
    )
    from serving.gap_report import gap_context, write_report

    progress, hook = stage_progress()
    try:
        with progress:
            hook("reading courses", 0, 4)
            catalog = read_courses(courses)
            engine = engine_for(bundle)
            use_posting_dataset(engine, postings)
            if postings is None:  # the dataset's demand table makes the definitive check
                check_region(region, engine.bundle.table("postings"))
            if cip:
                check_cip(cip, engine.bundle)
            hook("regional demand (posting skills)", 1, 4)
            context = gap_context(engine)
            hook("analyzing gaps", 2, 4)
            result = analyze_gaps(
                catalog, context, region=region, cip_code=cip, occupations=occupation, top_k=top_k
            )
            hook("writing report", 3, 4)
            paths = write_report(result, out)
    except GapError as exc:
        raise fail(str(exc)) from None
    if catalog.rejects:
        console().print(
            f"{sum(r['severity'] == 'rejected' for r in catalog.rejects)} course "
            f"rows rejected (listed in the report)"
        )
    import polars as pl

    rows = pl.DataFrame(
        [
            {
                "rank": g.rank,
                "skill": g.label,
                "demand_weight": g.demand_weight,
                "share": g.share,
                "esco": g.esco_status,
                "host_course": g.host_course.code if g.host_course else None,
            }
            for g in result.gaps
        ],
        schema={
            "rank": pl.Int64,
            "skill": pl.String,
            "demand_weight": pl.Float64,
            "share": pl.Float64,
            "esco": pl.String,
            "host_course": pl.String,
        },
    )
    render_frame(
        rows,
        f"top gaps in {result.region} ({result.target_method} targets: "
        f"{', '.join(t.onet_soc_code for t in result.targets)})",
        rows.columns,
    )
    if result.coverage is not None:
        console().print(
            f"demand covered {result.coverage.share_covered:.0%} "
            f"({result.coverage.n_covered} of {result.coverage.n_sought} sought skills; "
            f"{result.coverage.n_gaps} gaps)"
        )
    console().print(
        f"coverage {result.cover.coverage_before:.0%} -> "
        f"{result.cover.coverage_after:.0%} with {len(result.cover.added)} skills"
    )
    stdout().print(f"report: {paths.html}")


@train_app.command("referral-ranker")
def train_referral_ranker_command(
    pirl: Annotated[
        Path,
        typer.Option(
            "--pirl", help="the state's PIRL-layout CSV (one record per period of participation)"
        ),
    ],
    region: Region,
    intake: Annotated[
        Path | None,
        typer.Option(
            "--intake",
            help="intake records (pathmatch format) joined on PIRL100 for titles "
            "and intake text; without them role and skill fit are 0",
        ),
    ] = None,
    bundle: BundleIn = None,
    config: ConfigOption = None,
    data_label: Annotated[
        str | None, typer.Option("--data-label", help="what the data is, for the model card")
    ] = None,
) -> None:
    """Referral ranker: P(employed Q2) from the score parts, learned from PIRL outcomes."""
    from training.referral_ranker import format_report, train_referral_ranker

    for path in (pirl, intake):
        if path is not None and not path.is_file():
            raise fail(f"{path}: no such file")
    progress, hook = stage_progress()
    try:
        with progress:
            hook("region context (skills, demand, programs)", 0, 1)
            engine = engine_for(bundle)
            ctx = engine.region_context(region)
            result = train_referral_ranker(
                pirl,
                ctx,
                engine.reader,
                config or default_config("referral_ranker"),
                intake=intake,
                bundle_hash=engine.bundle.hash,
                progress=hook,
                data_label=data_label or f"state PIRL file {pirl.name}",
            )
    except ValueError as exc:
        raise fail(str(exc)) from None
    stdout().print(format_report(result))
    console().print(
        f"{result['counts']['rows_used']} of {result['counts']['rows_read']} records "
        f"used; {result['rejects']} rejected, repaired or excluded listed in "
        f"{result['rejects_file']}"
    )
    console().print(
        f"registered {result['name']} version {result['version']} as champion "
        f"({result['seconds']:.0f} s)"
    )


@app.command()
def score(
    input_path: Annotated[
        Path,
        typer.Option(
            "--input",
            help="caseload: intake CSV/JSONL, or parquet with the participants table's columns",
        ),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output", help="referrals parquet; rejects, meta, disparity CSV/PNG beside it"
        ),
    ],
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=100)] = 10,
    region: Annotated[
        str | None,
        typer.Option(
            "--region", help="score everyone in this state [default: each participant's state]"
        ),
    ] = None,
    block_size: Annotated[
        int,
        typer.Option("--block-size", min=1, help="participants per Ray task (and per part file)"),
    ] = 500,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", min=1, help="Ray actors, each with a warmed engine [default: cores]"
        ),
    ] = None,
    bundle: BundleIn = None,
) -> None:
    """Batch referrals for a caseload on Ray (restartable), with a disparity summary."""
    from serving.batch import BatchError, BatchOptions, report_lines, run_batch
    from serving.disparity_report import disparity_rich_table
    from training.ray_runtime import local_cpus

    open_bundle(bundle)
    options = BatchOptions(
        input=input_path,
        output=output,
        top_k=top_k,
        region=region,
        block_size=block_size,
        workers=workers or local_cpus(),
        bundle=bundle,
    )
    progress, hook = stage_progress()
    try:
        with progress:
            summary = run_batch(options, hook)
    except BatchError as exc:
        raise fail(str(exc)) from None
    if summary.disparity is not None:
        stdout().print(disparity_rich_table(summary.disparity))
    for line in report_lines(summary):
        console().print(line, soft_wrap=True, highlight=False)


def main() -> None:  # pragma: no cover - console entry for `python -m serving.cli`
    sys.exit(app())


if __name__ == "__main__":  # pragma: no cover
    main()
