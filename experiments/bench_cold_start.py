"""Cold start of the ``pathmatch`` command: what a user waits for before the first answer.

Every figure is the wall time of a new process (``python -m serving.cli ...``, as the
``pathmatch`` script runs it), so imports count as they do for a user. Figures (seconds;
the load average is printed too, since the 2-core machine is shared):

``--help``         ``pathmatch --help`` and ``pathmatch extract --help``, median of ``--runs``
                   (target < 1 s); plus the heavy packages the first one imported (should
                   be none: typer and what typer needs only).
``extract``        a 4-line ``pathmatch extract --kind posting`` on the real bundle
                   (``PATHMATCH_BUNDLE``, default ``.bench/bundle``, with
                   ``PATHMATCH_HOME``, default ``.bench``): the first run (may build and
                   save the skill pipeline into ``$PATHMATCH_HOME/pipelines``) and the
                   median of 3 more with the saved pipeline (target < 5 s).
``score``          a 3-row ``pathmatch score`` on the demo bundle (imported into a temporary
                   home, no registered models: the engine falls back), one Ray worker:
                   the first run (builds and saves the skill pipeline) and a second one
                   over the same home (target < 30 s).

Usage::

    .venv/bin/python experiments/bench_cold_start.py [--home DIR] [--bundle DIR] [--runs 5]
        [--skip-extract] [--skip-score]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

HEAVY = (
    "polars",
    "pydantic_settings",
    "spacy",
    "mlflow",
    "ray",
    "numpy",
    "sklearn",
    "matching",
    "features",
    "training",
    "uvicorn",
    "fastapi",
)
CASELOAD = REPO / "demo" / "data" / "participants" / "demo_caseload.csv"
LINES = [
    {
        "id": "a",
        "text": "Responsibilities: operate forklifts and manage inventory in a "
        "warehouse. Requirements: 2 years of experience, cash handling.",
    },
    {
        "id": "b",
        "text": "We are looking for a data analyst with Python, SQL and Excel. "
        "Benefits: dental, 401(k).",
    },
    {"id": "c", "text": "Registered nurse to provide patient care and administer medication."},
    {"id": "d", "text": "Welder needed: MIG and TIG welding, read blueprints, forklift a plus."},
]


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "serving.cli", *args]


CPU: list[float] = []  # CPU seconds (user + system) of each timed run, in order


def timed(cmd: list[str], env: dict[str, str]) -> float:
    """Wall seconds of ``cmd`` (its CPU seconds appended to :data:`CPU`: on a loaded
    machine they move less than wall time); a failure prints its stderr tail and stops."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd[2:])} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds


def cpu_median(runs: int) -> float:
    return statistics.median(CPU[-runs:])


def heavy_imports(env: dict[str, str]) -> list[str]:
    """Top-level packages of :data:`HEAVY` that ``pathmatch --help`` imports."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *cli("--help")[1:]],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    found = set()
    for line in done.stderr.splitlines():
        name = line.rsplit("|", 1)[-1].strip()
        if name.split(".")[0] in HEAVY:
            found.add(name.split(".")[0])
    return sorted(found)


def bench_help(env: dict[str, str], runs: int) -> None:
    timed(cli("--help"), env)  # byte-code compiled, files in the page cache
    for args in (["--help"], ["extract", "--help"]):
        seconds = [timed(cli(*args), env) for _ in range(runs)]
        print(
            f"pathmatch {' '.join(args):<16} median {statistics.median(seconds):.2f} s "
            f"(min {min(seconds):.2f}, max {max(seconds):.2f}, {runs} runs; target < 1 s); "
            f"CPU median {cpu_median(runs):.2f} s"
        )
    heavy = heavy_imports(env)
    print(f"heavy packages imported by --help: {', '.join(heavy) or 'none'}")


def bench_extract(env: dict[str, str], home: Path, bundle: Path, tmp: Path) -> None:
    if not (bundle / "manifest.json").is_file():
        print(f"extract: no bundle at {bundle} (run `make bench` or `pathmatch import`); skipped")
        return
    source = tmp / "four.jsonl"
    source.write_text("".join(json.dumps(line) + "\n" for line in LINES), encoding="utf-8")
    run_env = {**env, "PATHMATCH_HOME": str(home), "PATHMATCH_BUNDLE": str(bundle)}
    cmd = cli(
        "extract", "--kind", "posting", "--input", str(source), "--output", str(tmp / "out.jsonl")
    )
    first = timed(cmd, run_env)
    warm = [timed(cmd, run_env) for _ in range(3)]
    print(
        f"extract 4 lines, real bundle {bundle}: first run {first:.2f} s; then median "
        f"{statistics.median(warm):.2f} s (min {min(warm):.2f}, max {max(warm):.2f}, "
        f"3 runs; target < 5 s); CPU median {cpu_median(3):.2f} s"
    )


def bench_score(env: dict[str, str], tmp: Path) -> None:
    from matching.ingest.importer import import_bundle

    home = tmp / "demo_home"
    import_bundle(REPO / "demo" / "data", home / "bundle")
    with open(CASELOAD, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = [next(reader) for _ in range(3)]
    caseload = tmp / "three.csv"
    with open(caseload, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    run_env = {**env, "PATHMATCH_HOME": str(home)}
    run_env.pop("PATHMATCH_BUNDLE", None)
    figures = []
    for run in ("first", "second"):  # the first builds and saves the skill pipeline
        seconds = timed(
            cli(
                "score",
                "--input",
                str(caseload),
                "--output",
                str(tmp / f"out-{run}" / "referrals.parquet"),
                "--workers",
                "1",
                "--top-k",
                "5",
            ),
            run_env,
        )
        figures.append(f"{run} run {seconds:.2f} s (driver CPU {CPU[-1]:.2f} s)")
    print(
        "score 3 rows, demo bundle, 1 Ray worker: " + "; ".join(figures) + " (target < 30 s; "
        "Ray's processes are not the driver's children, so their CPU is not counted)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    home = Path(os.environ.get("PATHMATCH_HOME", REPO / ".bench"))
    parser.add_argument("--home", type=Path, default=home)
    parser.add_argument(
        "--bundle", type=Path, default=None, help="[default: $PATHMATCH_BUNDLE or HOME/bundle]"
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-extract", action="store_true")
    parser.add_argument("--skip-score", action="store_true")
    args = parser.parse_args()
    bundle = args.bundle or Path(os.environ.get("PATHMATCH_BUNDLE", args.home / "bundle"))
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    print(f"load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="bench_cold_start_") as folder:
        tmp = Path(folder)
        bench_help(env, args.runs)
        if not args.skip_extract:
            bench_extract(env, args.home, bundle, tmp)
        if not args.skip_score:
            bench_score(env, tmp)
    print(f"load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
