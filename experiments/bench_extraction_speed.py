"""Extraction speed on the real postings, against the spaCy tokenizer alone as the ceiling.

Data: the 1,165 LinkedIn postings of ``shared/data/postings`` (descriptions), read from a
bundle's ``postings`` table when one is given (``--bundle``, default ``/tmp/pm_real_bundle``
if it exists), else with :mod:`matching.ingest.loaders.postings`. Taxonomy: ESCO skills + O*NET
technology skills and tools from the same bundle (else from ``shared/data`` directly).

Rows (one process, timed in CPU seconds of this process; ``--two-procs`` adds
``n_process=2`` rows in wall seconds):

* ``tokenizer``: ``nlp.tokenizer.pipe``: the ceiling;
* ``lexical baseline``: tokenizer + exact lower-case label lookup (every ESCO/O*NET label,
  no guards, no sections, no lemmas): the simple baseline;
* ``matcher (lexical)``: the product pipeline without trained models (sectioner,
  lemmatizer, guarded matcher, lexical linker): what the demo runs;
* ``full, as before``: the same pipeline run as before item 7 (every sentence ranked,
  20 candidates kept per span and sentence, 40 lexical candidates per source reranked);
* ``full, 40 cands``: the full learned path with the component's ``rank_candidates`` at
  0 (the trained linker's own 40 lexical candidates per source reranked instead of the
  default 20): the speed side of that cheap first stage (its dev side:
  ``bench_fast_path_dev.py``, README);
* ``full, spans only``: the full learned path with whole-sentence links refused (the
  linker's ``sentence`` floor set to refuse, so no sentence is ranked): the speed side of
  that trade-off (its dev side: ``bench_abstention.py``'s ``refuse`` sentence rows);
* ``full learned``: the FULL learned path as the Engine builds it: the registered detector
  and learned linker champions of ``--home`` (``PATHMATCH_HOME``), the linker ranking
  spans and sentences under the abstention floors of ``config.cfg``, each posting carrying
  its context (``doc._.context_occupations``: the title normalizer's O*NET code for its
  title, set with ``io.make_docs``; the linker uses it when it takes contexts).

Figures: docs/s, words/s (whitespace words), the ratio to the tokenizer measured in the
same run, candidate spans per doc; bytes per posting of the ``pathmatch extract`` record
(``io.doc_to_record``, ``--top-k 20``) now and as before (every span listing all 20
candidates down to 0.01, every sentence ranked with its top 20); peak RSS
(``ru_maxrss``). The postings are tokenized once before any row is timed; each row runs a
warm-up pass over the first 100 postings (caches filled, as in a long-running service) and
is timed ``--repeats`` times, interleaved, keeping the best run (the machine is shared).
Targets (issue 14): the full learned path >= 150 postings/s on one core and >= 40% of the
tokenizer's speed; memory under 1.5 GB. ``--profile`` prints a cProfile of the full path.

Run: ``nice -n 10 .venv/bin/python experiments/bench_extraction_speed.py``.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import resource
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from matching.nlp.extraction import CANDIDATES_KEY, SECTIONS_KEY  # noqa: E402
from matching.nlp.extraction.io import doc_to_record, make_docs, skill_info_from  # noqa: E402
from matching.nlp.extraction.matcher import PhraseIndex, _Entry, tokenize_labels  # noqa: E402
from matching.nlp.extraction.pipeline import build_pipeline, cached_pipeline  # noqa: E402
from matching.nlp.extraction.sections import BOILERPLATE  # noqa: E402

SHARED = Path(os.environ.get("PATHMATCH_SHARED_DATA", REPO.parent / "shared" / "data"))
DEFAULT_BUNDLE = Path(os.environ.get("PATHMATCH_BUNDLE", "/tmp/pm_real_bundle"))
CACHE = Path(os.environ.get("PATHMATCH_BENCH_CACHE", "/tmp/pm/bench_speed/pipelines"))


@dataclass
class Row:
    name: str
    n_process: int
    docs_per_s: float
    words_per_s: float
    spans_per_doc: float | None
    ratio: float | None = None


def load_postings(bundle: Path | None) -> tuple[list[str], list[str]]:
    """(descriptions, titles) of the postings: the bundle's table, else the loader."""
    if bundle is not None and (bundle / "tables" / "postings.parquet").exists():
        table = pl.read_parquet(bundle / "tables" / "postings.parquet")
    else:
        from matching.ingest.loaders.postings import load_postings as load

        table = load(sorted((SHARED / "postings").glob("*.csv"))).table
    table = table.filter(pl.col("description").fill_null("") != "")
    return table["description"].to_list(), table["title"].fill_null("").to_list()


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
        from spacy.attrs import LOWER  # type: ignore[import-not-found]
        from spacy.tokens import Span
        from spacy.util import filter_spans

        found = self.index.find(doc.to_array(LOWER))
        doc.spans[CANDIDATES_KEY] = filter_spans(
            [Span(doc, s, e, label="TAXONOMY") for s, e, _ in found]
        )
        return doc


def words_of(texts: Sequence[str]) -> int:
    return sum(len(t.split()) for t in texts)


_LINKERS: list[Any] = []
"""The linker components of the pipelines under test (their caches are reset per run)."""


def timed(
    run: Callable[[Sequence[str]], Iterable[Any]], texts: Sequence[str], n_process: int
) -> tuple[float, float | None]:
    """(seconds, candidate spans per doc) of one pass after a warm-up.

    One-process rows are timed in CPU seconds of this process (``time.process_time``),
    which waiting for a shared CPU does not inflate; two-process rows in wall seconds
    (the work happens in child processes). Linker caches are emptied first, so a repeat
    does not find every text cached by the one before.
    """
    for component in _LINKERS:
        component._cache.clear()
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


def learned_pipeline(home: Path, linker_dir: Path | None = None) -> tuple[Any, Any]:
    """The posting pipeline with ``home``'s registered detector and linker, built as the
    Engine builds it (saved under /tmp, so the home stays read-only), and the title model.
    ``linker_dir``: a saved linker folder to use instead of the registered one (a retrained
    candidate, before it is registered)."""
    from matching.settings import get_settings
    from serving.engine import Engine

    os.environ["PATHMATCH_HOME"] = str(home)
    engine = Engine.load(get_settings())
    models = engine.models
    detector, linker = models.get("pathmatch-detector"), models.get("pathmatch-linker")
    if detector is None or linker is None:
        raise SystemExit(f"no registered detector and linker in {home}")
    built_from = {
        "bundle": engine.bundle.hash,
        "detector": f"{detector.label} run {detector.run_id}",
        "linker": f"{linker.label} run {linker.run_id}" if linker_dir is None else str(linker_dir),
    }
    linker_path = linker.path if linker_dir is None else linker_dir

    def build() -> Any:
        return build_pipeline(
            bundle_dir=engine.bundle.path, detector_dir=detector.path, linker_dir=linker_path
        )

    return cached_pipeline(CACHE, built_from, "posting", build), engine.titles


def contexts_of(titles: Sequence[str], normalizer: Any) -> list[tuple[str, ...]]:
    """Each posting's context: its title's O*NET code when the title model is confident."""
    distinct = sorted(set(titles))
    predicted = normalizer.predict(distinct, taxonomy="onet", top_k=1)
    confident = getattr(normalizer, "is_confident", lambda c: bool(c))
    by_title = {
        t: ((c[0].code,) if c and confident(c) else ())
        for t, c in zip(distinct, predicted, strict=True)
    }
    return [by_title[t] for t in titles]


def output_bytes(nlp: Any, texts: Sequence[str], contexts: Sequence[Any], old: bool) -> float:
    """Mean bytes of a ``pathmatch extract`` line (``--top-k 20``); ``old``: as before."""
    info = skill_info_from(None, nlp)
    total = 0
    with as_before(nlp, old):
        for i, doc in enumerate(nlp.pipe(make_docs(nlp, texts, contexts), batch_size=64)):
            record = doc_to_record(doc, i, 20, info=info)
            if old:
                spans = sorted(doc.spans[CANDIDATES_KEY], key=lambda s: (s.start, s.end))
                for out, span in zip(record["spans"], spans, strict=True):
                    out["skills"] = [
                        {"id": sid, "label": info(sid)[0], "taxonomy": info(sid)[1], "score": sc}
                        for sid, sc in span._.skills or []
                    ]
            total += len(json.dumps(record, ensure_ascii=False).encode()) + 1
    return total / max(len(texts), 1)


@contextmanager
def fewer_candidates(nlp: Any, n: int = 0) -> Iterator[None]:
    """The linker reranking the best ``n`` lexical candidates per source (the component's
    ``rank_candidates``: 20 by default; 0, here, the trained linker's own 40)."""
    component = nlp.get_pipe("linker")
    saved = component.rank_candidates
    component.rank_candidates = n
    try:
        yield
    finally:
        component.rank_candidates = saved


@contextmanager
def spans_only(nlp: Any) -> Iterator[None]:
    """Whole-sentence links refused: the linker's ``sentence`` floor at refuse, so the
    component ranks no sentence (a refused floor skips the ranking)."""
    from matching.nlp.extraction.pipeline import REFUSE

    linker = nlp.get_pipe("linker").linker
    saved = getattr(linker, "floors_", None)
    if saved:
        linker.floors_ = {**saved, "sentence": REFUSE, "bare_sentence": REFUSE}
    try:
        yield
    finally:
        if saved:
            linker.floors_ = saved


@contextmanager
def as_before(nlp: Any, before: bool = True) -> Iterator[None]:
    """The linker as it ran before issue 14's item 7 (``before``): 20 candidates kept per
    span and per sentence, every sentence ranked (floors 0.3/0.4/0.4), empty cache."""
    component = nlp.get_pipe("linker")
    saved = (component.span_candidates, component.sentence_top_k, dict(component.floors))
    chosen = getattr(component.linker, "floors_", None)  # the linker's own floors win
    ranked = component.rank_candidates
    if before:  # (the cache keys hold top_k: the two settings share no entry)
        component.span_candidates, component.sentence_top_k = 20, 20
        component.rank_candidates = 0
        component.floors = {
            k: {"span": 0.3, "sentence": 0.4, "bare_sentence": 0.4} for k in component.floors
        }
        if component.linker is not None:
            component.linker.floors_ = None
    try:
        yield
    finally:
        component.span_candidates, component.sentence_top_k, component.floors = saved
        component.rank_candidates = ranked
        if component.linker is not None:
            component.linker.floors_ = chosen


def bench(
    texts: list[str],
    titles: list[str],
    taxonomy: Any,
    home: Path | None,
    batch_size: int,
    profile: bool,
    repeats: int = 3,
    two_procs: bool = False,
    linker_dir: Path | None = None,
    only: Sequence[str] = (),
) -> tuple[list[Row], dict[str, float]]:
    words = words_of(texts)
    rows: list[Row] = []
    t0 = time.perf_counter()
    nlp: Any = build_pipeline(taxonomy)
    print(f"pipeline built in {time.perf_counter() - t0:.1f} s: {nlp.pipe_names}", file=sys.stderr)
    baseline = ExactLabelBaseline(nlp, taxonomy)
    full: Any = None
    contexts: list[tuple[str, ...]] = [()] * len(texts)
    if home is not None:
        t0 = time.perf_counter()
        full, normalizer = learned_pipeline(home, linker_dir)
        contexts = contexts_of(titles, normalizer)
        print(
            f"learned pipeline loaded in {time.perf_counter() - t0:.1f} s: {full.pipe_names}; "
            f"{sum(bool(c) for c in contexts)} of {len(texts)} postings with a context",
            file=sys.stderr,
        )
    context_of = dict(zip(texts, contexts, strict=True))

    def tokenizer_1(ts: Sequence[str]) -> Iterable[Any]:
        return nlp.tokenizer.pipe(ts, batch_size=batch_size)

    def pipe(
        model: Any,
        n_process: int,
        before: bool = False,
        few_cands: bool = False,
        no_sentences: bool = False,
    ) -> Callable[[Sequence[str]], Iterable[Any]]:
        def run(ts: Sequence[str]) -> Iterable[Any]:
            docs = make_docs(model, ts, [context_of[t] for t in ts])
            setting = (
                as_before(model, before)
                if before
                else fewer_candidates(model)
                if few_cands
                else spans_only(model)
                if no_sentences
                else nullcontext()
            )
            with setting:
                return list(model.pipe(docs, batch_size=batch_size, n_process=n_process))

        return run

    def baseline_run(ts: Sequence[str]) -> Iterable[Any]:
        return [baseline(d) for d in nlp.tokenizer.pipe(ts, batch_size=batch_size)]

    _LINKERS[:] = [m.get_pipe("linker") for m in (nlp, full) if m is not None]
    runs: dict[tuple[str, int], Callable[[Sequence[str]], Iterable[Any]]] = {
        ("tokenizer", 1): tokenizer_1,
        ("lexical baseline", 1): baseline_run,
        ("matcher (lexical)", 1): pipe(nlp, 1),
    }
    if full is not None:
        runs[("full learned", 1)] = pipe(full, 1)
        runs[("full, as before", 1)] = pipe(full, 1, before=True)
        runs[("full, 40 cands", 1)] = pipe(full, 1, few_cands=True)
        runs[("full, spans only", 1)] = pipe(full, 1, no_sentences=True)
    if two_procs:
        runs[("matcher (lexical)", 2)] = pipe(nlp, 2)
        if full is not None:
            runs[("full learned", 2)] = pipe(full, 2)
    if only:  # the tokenizer row stays: the ratios are to it
        runs = {k: v for k, v in runs.items() if k[0] in only or k[0] == "tokenizer"}
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
    if two_procs:
        seconds, _ = timed(lambda ts: nlp.pipe(ts, n_process=2, disable=nlp.pipe_names), texts, 2)
        rows.append(row("tokenizer", 2, seconds, None, len(texts), words))
    if profile and full is not None:
        for component in _LINKERS:  # profile the timed work: cold caches after a warm-up
            component._cache.clear()
        pipe(full, 1)(texts[:100])
        profiler = cProfile.Profile()
        profiler.enable()
        pipe(full, 1)(texts)
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumtime").print_stats(45)
    if not only:
        _report_sections(list(nlp.pipe(texts[:400], batch_size=batch_size)))
    sizes: dict[str, float] = {}
    if full is not None and not only:  # (--only: the speed rows alone)
        sample = texts[:200]
        sample_contexts = [context_of[t] for t in sample]
        sizes = {
            "before": output_bytes(full, sample, sample_contexts, old=True),
            "now": output_bytes(full, sample, sample_contexts, old=False),
        }
    ceiling = {r.n_process: r.docs_per_s for r in rows if r.name == "tokenizer"}
    for r in rows:
        r.ratio = r.docs_per_s / ceiling[r.n_process]
    return rows, sizes


def _report_sections(docs: list[Any]) -> None:
    tokens = sum(len(d) for d in docs)
    boiler = sum(len(s) for d in docs for s in d.spans[SECTIONS_KEY] if s.label_ in BOILERPLATE)
    print(
        f"sectioning on {len(docs)} postings: {boiler / max(tokens, 1):.1%} of tokens in "
        f"boilerplate sections",
        file=sys.stderr,
    )


def print_rows(rows: list[Row], n_docs: int, words: int, sizes: dict[str, float]) -> None:
    print(
        f"\nExtraction speed on {n_docs} real postings ({words / n_docs:.0f} words/doc), "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    print(
        "(one-process rows: per CPU-second of this process; two-process rows: per "
        "wall-clock second)"
    )
    print(f"{'path':<19}{'procs':>6}{'docs/s':>10}{'words/s':>11}{'vs tok':>8}{'spans/doc':>11}")
    for r in rows:
        spans = f"{r.spans_per_doc:.1f}" if r.spans_per_doc is not None else "-"
        print(
            f"{r.name:<19}{r.n_process:>6}{r.docs_per_s:>10.1f}{r.words_per_s:>11.0f}"
            f"{r.ratio:>8.0%}{spans:>11}"
        )
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"peak RSS: {self_mb:.0f} MB (this process, both pipelines loaded), "
        f"{child_mb:.0f} MB (largest child); target < 1536 MB"
    )
    if sizes:
        print(
            f"pathmatch extract output: {sizes['before'] / 1024:.1f} KB/posting before "
            f"(20 candidates per span and sentence), {sizes['now'] / 1024:.1f} KB/posting now"
        )
    full = [r for r in rows if r.name == "full learned" and r.n_process == 1]
    if full:
        print(
            f"targets: full learned path {full[0].docs_per_s:.1f} postings/s on one core "
            f"(>= 150), {full[0].ratio:.1%} of the tokenizer (>= 40%)"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--bundle", type=Path, default=DEFAULT_BUNDLE if DEFAULT_BUNDLE.exists() else None
    )
    parser.add_argument(
        "--home",
        type=Path,
        default=Path(os.environ["PATHMATCH_HOME"]) if "PATHMATCH_HOME" in os.environ else None,
        help="PATHMATCH_HOME with registered detector and linker (the full learned path)",
    )
    parser.add_argument(
        "--linker",
        type=Path,
        default=None,
        help="a saved linker folder to run instead of the home's registered linker",
    )
    parser.add_argument(
        "--only",
        default="",
        help="row names to run, separated by ';' (or ',' when no name has one), e.g. "
        "'full learned;full, 40 cands'; the tokenizer always runs",
    )
    parser.add_argument("--limit", type=int, default=0, help="use only the first N postings")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--two-procs", action="store_true", help="add n_process=2 rows")
    parser.add_argument("--repeats", type=int, default=3, help="best of N interleaved runs")
    args = parser.parse_args(argv)
    if args.bundle is None and args.home is not None and (args.home / "bundle").is_dir():
        args.bundle = args.home / "bundle"
    texts, titles = load_postings(args.bundle)
    if args.limit:
        texts, titles = texts[: args.limit], titles[: args.limit]
    taxonomy = load_taxonomy(args.bundle)
    print(
        f"{len(texts)} postings, {taxonomy.labels.height} taxonomy labels "
        f"({'bundle ' + str(args.bundle) if args.bundle else 'shared/data'})",
        file=sys.stderr,
    )
    rows, sizes = bench(
        texts,
        titles,
        taxonomy,
        args.home,
        args.batch_size,
        args.profile,
        args.repeats,
        args.two_procs,
        args.linker,
        [
            name.strip()
            for name in args.only.split(";" if ";" in args.only else ",")
            if name.strip()
        ],  # fmt: skip
    )
    print_rows(rows, len(texts), words_of(texts), sizes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
