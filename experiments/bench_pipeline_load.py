"""How long a fresh process waits for a ready skill pipeline: built from the bundle vs loaded.

Every figure is measured in a new interpreter (``subprocess``), so imports count as they do
for a user. Byte-code is cached in a private prefix (``-X pycache_prefix``) and warmed by one
throw-away run first, as an installed wheel would have it.

Figures printed (seconds: wall clock, and the child process's CPU time, which a loaded
machine inflates far less; the load average is printed too since the 2-core box is shared):

``build``      import + taxonomy from the bundle + ``build_pipeline`` (spaCy's initialize).
``save``       ``save_pipeline`` (``nlp.to_disk``) of that pipeline, and its size on disk.
``load``       import + ``load_pipeline`` (``spacy.load``) of the saved copy, per kind.
``extract``    ``pathmatch extract --kind posting`` on a 4-line file, end to end, with an
               empty pipeline cache (first run: builds and saves) and with a warm one.

Usage::

    .venv/bin/python experiments/bench_pipeline_load.py [--bundle DIR] [--home DIR]

Defaults: the bundle of ``PATHMATCH_HOME`` (``--home``, default ``~/.pathmatch``). The
``extract`` runs use ``--home`` and clear only its ``pipelines/`` cache.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable

BUILD = """
import time, sys, json
t0 = time.perf_counter()
from pathlib import Path
from matching.ingest.bundle import Bundle
from matching.nlp.extraction.pipeline import build_pipeline, save_pipeline
from matching.nlp.taxonomy import taxonomy_of
t1 = time.perf_counter()
bundle = Bundle(Path(sys.argv[1]))
taxonomy = taxonomy_of(bundle)
t2 = time.perf_counter()
nlp = build_pipeline(bundle_dir=bundle.path)
t3 = time.perf_counter()
save_pipeline(nlp, sys.argv[2], {"bundle": bundle.hash})
t4 = time.perf_counter()
print(json.dumps({"imports": t1 - t0, "taxonomy": t2 - t1, "initialize": t3 - t2,
                  "save": t4 - t3, "ready": t3 - t0,
                  "patterns": nlp.get_pipe("skill_matcher").n_patterns}))
"""

WARM = """
import matching.nlp.extraction.linker, matching.nlp.extraction.pipeline, serving.cli
print("{}")
"""

LOAD = """
import time, sys, json
t0 = time.perf_counter()
from matching.nlp.extraction.pipeline import load_pipeline
t1 = time.perf_counter()
nlp = load_pipeline(sys.argv[1], kind=sys.argv[2])
t2 = time.perf_counter()
doc = nlp("Operate forklifts, cash handling and Python.")
print(json.dumps({"imports": t1 - t0, "load": t2 - t1, "ready": t2 - t0,
                  "links": len(doc._.ranked_skills or [])}))
"""

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


def run(code: str, *args: str) -> dict[str, float]:
    """Run ``code`` in a fresh interpreter; its JSON figures plus ``cpu`` (user + system)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        [PYTHON, *PYC, "-c", code, *args],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        check=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    figures["cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return figures


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one run of ``cmd``; CPU time (user + system of the child) is
    the figure to compare on a shared, loaded machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise SystemExit(f"{' '.join(cmd[-6:])} failed: {lines[-1] if lines else done.returncode}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--home",
        type=Path,
        default=Path(os.environ.get("PATHMATCH_HOME", Path.home() / ".pathmatch")),
    )
    parser.add_argument("--bundle", type=Path, default=None)
    args = parser.parse_args()
    bundle = args.bundle or args.home / "bundle"
    print(f"bundle {bundle}; home {args.home}; load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="bench_pipeline_") as tmp:
        saved = Path(tmp) / "pipeline"
        run(WARM)  # fills the byte-code cache
        built = run(BUILD, str(bundle), str(saved))
        print(
            f"build  ready in {built['ready']:.2f} s (imports {built['imports']:.2f}, "
            f"taxonomy {built['taxonomy']:.2f}, initialize {built['initialize']:.2f}); "
            f"{built['patterns']:.0f} patterns; process CPU {built['cpu']:.2f} s incl. save"
        )
        print(f"save   {built['save']:.2f} s, {size_mb(saved):.1f} MB on disk")
        for kind in ("posting", "course", "intake"):
            loaded = run(LOAD, str(saved), kind)
            print(
                f"load   {kind:8s} ready in {loaded['ready']:.2f} s (imports "
                f"{loaded['imports']:.2f}, spacy.load {loaded['load']:.2f}); process CPU "
                f"{loaded['cpu']:.2f} s; {loaded['links']:.0f} links on a test sentence"
            )
        lines = Path(tmp) / "four.jsonl"
        lines.write_text("".join(json.dumps(line) + "\n" for line in LINES))
        env = {**ENV, "PATHMATCH_HOME": str(args.home), "PATHMATCH_BUNDLE": str(bundle)}
        cmd = [
            PYTHON,
            *PYC,
            str(Path(PYTHON).parent / "pathmatch"),
            "extract",
            "--kind",
            "posting",
            "--input",
            str(lines),
            "--output",
            str(Path(tmp) / "out.jsonl"),
        ]
        shutil.rmtree(args.home / "pipelines", ignore_errors=True)
        cold = timed(cmd, env)
        warm = min(timed(cmd, env) for _ in range(2))
        print(
            f"extract 4 lines, empty pipeline cache (builds, saves): {cold[0]:.2f} s wall, "
            f"{cold[1]:.2f} s CPU"
        )
        print(
            f"extract 4 lines, warm pipeline cache (loads; best of 2): {warm[0]:.2f} s wall, "
            f"{warm[1]:.2f} s CPU"
        )
    print(f"load average now {os.getloadavg()[0]:.1f}")


PYC_DIR = Path(tempfile.gettempdir()) / "bench_pipeline_pycache"
PYC = ["-X", f"pycache_prefix={PYC_DIR}"]
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

if __name__ == "__main__":
    main()
