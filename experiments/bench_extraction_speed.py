"""Extraction speed on the real postings, against the spaCy tokenizer alone as the ceiling.

Data: the 1,165 LinkedIn postings of ``shared/data/postings`` (descriptions), read from a
bundle's ``postings`` table when one is given (``--bundle``, default ``/tmp/pm_real_bundle``
if it exists), else with :mod:`matching.ingest.loaders.postings`. Taxonomy: ESCO skills + O*NET
technology skills and tools from the same bundle (else from ``shared/data`` directly).

Rows (each for one process and for ``n_process=2``):

* ``tokenizer``: ``nlp.tokenizer.pipe`` (one process) / ``nlp.pipe`` with every
  component disabled (two processes): the ceiling;
* ``lexical baseline``: tokenizer + exact lower-case label lookup (every ESCO/O*NET label,
  no guards, no sections, no lemmas): the simple baseline;
* ``matcher+linker``: the product pipeline without the trained detector (sentencizer,
  sectioner, lemmatizer, guarded matcher, linker);
* ``full (detector)``: the same plus the detector sourced from ``--detector`` (or
  ``PATHMATCH_DETECTOR_DIR``, or ``/tmp/pm_detector``) when that directory exists.

Figures: docs/s, words/s (whitespace words), the ratio to the tokenizer of the same
process count, candidate spans per doc. Peak memory is ``ru_maxrss`` of this process
(and of its children for the two-process rows). The postings are tokenized once before
any row is timed (so every row sees the same, complete vocabulary); each row runs a
warm-up pass over the first 100 postings (caches filled, as in a long-running service)
and is timed ``--repeats`` times, interleaved with the other rows, keeping the best run:
the machine is shared, and the best run is the least disturbed one.
Targets: matcher+linker >= 40% of the tokenizer's throughput and >= 150 postings/s on
one core; full path >= 40 postings/s. ``--profile`` prints a cProfile of the
matcher+linker path.

Run: ``nice -n 10 .venv/bin/python experiments/bench_extraction_speed.py``.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from matching.nlp.extraction import CANDIDATES_KEY, SECTIONS_KEY  # noqa: E402
from matching.nlp.extraction.matcher import PhraseIndex, _Entry, tokenize_labels  # noqa: E402
from matching.nlp.extraction.pipeline import build_pipeline  # noqa: E402
from matching.nlp.extraction.sections import BOILERPLATE  # noqa: E402

SHARED = Path(os.environ.get("PATHMATCH_SHARED_DATA", REPO.parent / "shared" / "data"))
DEFAULT_BUNDLE = Path(os.environ.get("PATHMATCH_BUNDLE", "/tmp/pm_real_bundle"))
DEFAULT_DETECTOR = Path(os.environ.get("PATHMATCH_DETECTOR_DIR", "/tmp/pm_detector"))


@dataclass
class Row:
    name: str
    n_process: int
    docs_per_s: float
    words_per_s: float
    spans_per_doc: float | None
    ratio: float | None = None


def load_postings(bundle: Path | None) -> list[str]:
    """Posting descriptions: the bundle's table, else the loader on shared/data."""
    if bundle is not None and (bundle / "tables" / "postings.parquet").exists():
        table = pl.read_parquet(bundle / "tables" / "postings.parquet")
    else:
        from matching.ingest.loaders.postings import load_postings as load

        table = load(sorted((SHARED / "postings").glob("*.csv"))).table
    return [t for t in table.get_column("description").to_list() if t]


def load_taxonomy(bundle: Path | None) -> Any:
    from matching.nlp.taxonomy import SkillTaxonomy

    if bundle is not None and (bundle / "tables" / "esco_skills.parquet").exists():
        from matching.ingest.bundle import Bundle

        return SkillTaxonomy.from_bundle(Bundle(bundle))
    from matching.ingest.loaders.esco import load_skills
    from matching.ingest.loaders.onet import load_technology_skills, load_tools

    esco = load_skills([SHARED / "esco" / "skills_en.csv"]).table
    tech = load_technology_skills([SHARED / "onet" / "Technology Skills.txt"]).table
    tools = load_tools([SHARED / "onet" / "Tools Used.txt"]).table
    return SkillTaxonomy.from_tables(esco, tech, onet_tools=tools)


class ExactLabelBaseline:
    """The simple lexical baseline: every label, lower-cased, looked up token by token."""

    def __init__(self, nlp: Any, taxonomy: Any) -> None:
        self.vocab = nlp.vocab
        rows = taxonomy.labels.select("skill_id", "label").rows()
        grouped: dict[str, list[str]] = {}
        for skill_id, label in rows:
            grouped.setdefault(label.lower(), []).append(skill_id)
        labels = list(grouped)
        entries: dict[tuple[int, ...], _Entry] = {}
        add = self.vocab.strings.add
        for label, tokens in zip(labels, tokenize_labels(nlp, labels), strict=True):
            if tokens:
                ids = tuple(grouped[label])
                entries[tuple(add(t.lower()) for t in tokens)] = _Entry(ids, (1.0,) * len(ids), 0)
        self.index = PhraseIndex()
        self.index.set(entries)

    def __call__(self, doc: Any) -> Any:
        from spacy.attrs import LOWER
        from spacy.tokens import Span
        from spacy.util import filter_spans

        found = self.index.find(doc.to_array(LOWER))
        doc.spans[CANDIDATES_KEY] = filter_spans(
            [Span(doc, s, e, label="TAXONOMY") for s, e, _ in found]
        )
        return doc


def words_of(texts: Sequence[str]) -> int:
    return sum(len(t.split()) for t in texts)


def timed(
    run: Callable[[Sequence[str]], Iterable[Any]], texts: Sequence[str], n_process: int
) -> tuple[float, float | None]:
    """(seconds, candidate spans per doc) of one pass after a warm-up.

    One-process rows are timed in CPU seconds of this process (``time.process_time``),
    which waiting for a shared CPU does not inflate; two-process rows in wall seconds
    (the work happens in child processes).
    """
    run(texts[:100])  # warm-up: caches
    clock = time.process_time if n_process == 1 else time.perf_counter
    start = clock()
    docs = list(run(texts))
    seconds = clock() - start
    spans = None
    if docs and hasattr(docs[0], "spans"):
        spans = sum(
            len(d.spans[CANDIDATES_KEY]) if CANDIDATES_KEY in d.spans else 0 for d in docs
        ) / len(docs)
    return seconds, spans


def row(
    name: str, n_process: int, seconds: float, spans: float | None, n_docs: int, words: int
) -> Row:
    return Row(name, n_process, n_docs / seconds, words / seconds, spans)


def bench(
    texts: list[str],
    taxonomy: Any,
    detector: Path | None,
    batch_size: int,
    profile: bool,
    repeats: int = 3,
) -> list[Row]:
    words = words_of(texts)
    rows: list[Row] = []
    t0 = time.perf_counter()
    nlp = build_pipeline(taxonomy)
    print(f"pipeline built in {time.perf_counter() - t0:.1f} s: {nlp.pipe_names}", file=sys.stderr)
    baseline = ExactLabelBaseline(nlp, taxonomy)

    def tokenizer_1(ts: Sequence[str]) -> Iterable[Any]:
        return nlp.tokenizer.pipe(ts, batch_size=batch_size)

    def pipe(
        n_process: int, disable: Sequence[str] = ()
    ) -> Callable[[Sequence[str]], Iterable[Any]]:
        def run(ts: Sequence[str]) -> Iterable[Any]:
            with nlp.select_pipes(disable=list(disable)):
                return list(nlp.pipe(ts, batch_size=batch_size, n_process=n_process))

        return run

    def baseline_run(ts: Sequence[str]) -> Iterable[Any]:
        return [baseline(d) for d in nlp.tokenizer.pipe(ts, batch_size=batch_size)]

    runs: dict[tuple[str, int], Callable[[Sequence[str]], Iterable[Any]]] = {
        ("tokenizer", 1): tokenizer_1,
        ("lexical baseline", 1): baseline_run,
        ("matcher+linker", 1): pipe(1),
        ("tokenizer", 2): pipe(2, nlp.pipe_names),
        ("matcher+linker", 2): pipe(2),
    }
    list(nlp.tokenizer.pipe(texts))  # every row then sees the same, complete vocabulary
    best: dict[tuple[str, int], tuple[float, float | None]] = {}
    for _ in range(repeats):
        # Interleaved repeats, best of each: on a shared machine the load changes between
        # rows, and the minimum is the least disturbed run of each.
        for key, run in runs.items():
            result = timed(run, texts, key[1])
            if key not in best or result[0] < best[key][0]:
                best[key] = result
    for (name, n_process), (seconds, spans) in best.items():
        rows.append(row(name, n_process, seconds, spans, len(texts), words))
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        list(nlp.pipe(texts, batch_size=batch_size))
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    _report_sections(list(nlp.pipe(texts[:400], batch_size=batch_size)))
    if detector is not None and (detector / "config.cfg").exists():
        full = build_pipeline(taxonomy, detector_dir=detector)
        print(f"full pipeline: {full.pipe_names}", file=sys.stderr)

        def full_pipe(n_process: int) -> Callable[[Sequence[str]], Iterable[Any]]:
            def run(ts: Sequence[str]) -> Iterable[Any]:
                return list(full.pipe(ts, batch_size=batch_size, n_process=n_process))

            return run

        for n_process in (1, 2):
            seconds, spans = min(
                (timed(full_pipe(n_process), texts, n_process) for _ in range(repeats)),
                key=lambda r: r[0],
            )
            rows.append(row("full (detector)", n_process, seconds, spans, len(texts), words))
    else:
        print(f"no detector at {detector}: full path not measured", file=sys.stderr)
    ceiling = {r.n_process: r.docs_per_s for r in rows if r.name == "tokenizer"}
    for r in rows:
        r.ratio = r.docs_per_s / ceiling[r.n_process]
    return rows


def _report_sections(docs: list[Any]) -> None:
    tokens = sum(len(d) for d in docs)
    boiler = sum(len(s) for d in docs for s in d.spans[SECTIONS_KEY] if s.label_ in BOILERPLATE)
    print(
        f"sectioning on {len(docs)} postings: {boiler / max(tokens, 1):.1%} of tokens in "
        f"boilerplate sections",
        file=sys.stderr,
    )


def print_rows(rows: list[Row], n_docs: int, words: int) -> None:
    print(
        f"\nExtraction speed on {n_docs} real postings ({words / n_docs:.0f} words/doc), "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    print(
        "(one-process rows: per CPU-second of this process; two-process rows: per "
        "wall-clock second)"
    )
    print(f"{'path':<18}{'procs':>6}{'docs/s':>10}{'words/s':>11}{'vs tok':>8}{'spans/doc':>11}")
    for r in rows:
        spans = f"{r.spans_per_doc:.1f}" if r.spans_per_doc is not None else "-"
        print(
            f"{r.name:<18}{r.n_process:>6}{r.docs_per_s:>10.1f}{r.words_per_s:>11.0f}"
            f"{r.ratio:>8.0%}{spans:>11}"
        )
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory: {self_mb:.0f} MB (this process), {child_mb:.0f} MB (largest child)")
    matcher = next(r for r in rows if r.name == "matcher+linker" and r.n_process == 1)
    print(
        f"targets: matcher+linker {matcher.ratio:.0%} of tokenizer (>= 40%), "
        f"{matcher.docs_per_s:.0f} postings/s on one core (>= 150)"
    )
    full = [r for r in rows if r.name == "full (detector)" and r.n_process == 1]
    if full:
        print(f"         full path {full[0].docs_per_s:.0f} postings/s on one core (>= 40)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--bundle", type=Path, default=DEFAULT_BUNDLE if DEFAULT_BUNDLE.exists() else None
    )
    parser.add_argument("--detector", type=Path, default=DEFAULT_DETECTOR)
    parser.add_argument("--limit", type=int, default=0, help="use only the first N postings")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--repeats", type=int, default=3, help="best of N interleaved runs")
    args = parser.parse_args(argv)
    texts = load_postings(args.bundle)
    if args.limit:
        texts = texts[: args.limit]
    taxonomy = load_taxonomy(args.bundle)
    print(
        f"{len(texts)} postings, {taxonomy.labels.height} taxonomy labels "
        f"({'bundle ' + str(args.bundle) if args.bundle else 'shared/data'})",
        file=sys.stderr,
    )
    rows = bench(texts, taxonomy, args.detector, args.batch_size, args.profile, args.repeats)
    print_rows(rows, len(texts), words_of(texts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
