"""Micro-benchmark of the linker's candidate stage (``generate_candidates``) alone.

Why: issue 14 item 7; the linker's candidate building is most of the full learned path's
time. This times only ``generate_candidates`` on batches shaped like the pipeline's (64
texts, ``n_candidates`` 20, ``max_window`` 4): sentences of the real postings, and short
spans cut from them (1-4 tokens, some with a forced skill id, as the matcher's ids are).
No model is needed: the index is a saved linker's ``index.joblib`` (``--index``), or one
built from ``--bundle``'s ESCO taxonomy (then cached at ``--cache``).

``--dump PATH`` writes every batch's candidates (text, skill, features) to an ``.npz``;
``--compare PATH`` checks the current code gives them bit for bit (features compared as
bytes, so NaNs match NaNs): the proof a speed change changed no output.

Run: ``nice -n 10 .venv/bin/python experiments/bench_candidates_micro.py --bundle
.bench/bundle``.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from matching.nlp.extraction.linker import LinkIndex, generate_candidates, tokenize  # noqa: E402

_SPLIT = re.compile(r"(?<=[.!?;:])\s+|\n+|(?<=[a-z])(?=[A-Z][a-z])")


def load_index(index: Path | None, bundle: Path | None, cache: Path) -> LinkIndex:
    import joblib

    if index is not None:
        return joblib.load(index)
    if cache.exists():
        return joblib.load(cache)
    if bundle is None:
        raise SystemExit("give --index or --bundle")
    from matching.ingest.bundle import Bundle
    from matching.nlp.taxonomy import SkillTaxonomy

    built = LinkIndex.build(SkillTaxonomy.from_bundle(Bundle(bundle)))
    cache.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(built, cache)
    return built


def texts_from(bundle: Path, n_postings: int) -> tuple[list[str], list[str]]:
    """(sentences, spans) of the first postings, deduplicated, deterministic."""
    import polars as pl

    table = pl.read_parquet(bundle / "tables" / "postings.parquet")
    descriptions = table["description"].fill_null("").to_list()[:n_postings]
    sentences: list[str] = []
    for text in descriptions:
        sentences.extend(s.strip() for s in _SPLIT.split(text) if len(s.strip()) > 3)
    sentences = list(dict.fromkeys(sentences))
    spans: list[str] = []
    for i, sentence in enumerate(sentences):
        words = tokenize(sentence)
        if len(words) >= 2:
            lo = (i * 7) % max(1, len(words) - 1)
            spans.append(" ".join(words[lo : lo + 1 + i % 4]))
    return sentences, list(dict.fromkeys(spans))


def batches(
    texts: list[str], n_skills: int, size: int, forced_every: int
) -> list[tuple[list[str], list[list[int]]]]:
    out = []
    for lo in range(0, len(texts), size):
        part = texts[lo : lo + size]
        forced = [
            [(lo + i) * 7919 % n_skills] if forced_every and (lo + i) % forced_every == 0 else []
            for i in range(len(part))
        ]
        out.append((part, forced))
    return out


def run(
    index: LinkIndex, jobs: list[tuple[list[str], list[list[int]]]], n_candidates: int
) -> list[Any]:
    return [
        generate_candidates(t, index, n_candidates=n_candidates, max_window=4, forced=f)
        for t, f in jobs
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--bundle", type=Path, default=REPO / ".bench" / "bundle")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/pm/bench_candidates/index.joblib"))
    parser.add_argument("--postings", type=int, default=100)
    parser.add_argument("--n-candidates", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--dump", type=Path, default=None)
    parser.add_argument("--compare", type=Path, default=None)
    args = parser.parse_args()

    index = load_index(args.index, args.bundle, args.cache)
    sentences, spans = texts_from(args.bundle, args.postings)
    kinds = {
        "sentences": batches(sentences, index.n_skills, args.batch_size, 0),
        "spans": batches(spans, index.n_skills, args.batch_size, 3),
    }
    print(
        f"index: {index.n_skills} skills, {len(index.label_skill)} labels; "
        f"{len(sentences)} sentences, {len(spans)} spans of {args.postings} postings"
    )
    results: dict[str, list[Any]] = {}
    for kind, jobs in kinds.items():
        run(index, jobs[:1], args.n_candidates)  # warm-up
        best = float("inf")
        for _ in range(args.repeats):
            start = time.process_time()
            results[kind] = run(index, jobs, args.n_candidates)
            best = min(best, time.process_time() - start)
        n = sum(len(t) for t, _ in jobs)
        print(f"{kind:10s} {n:6d} texts  {best:7.3f} s CPU  {n / best:8.1f} texts/s")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for jobs in kinds.values():
            run(index, jobs, args.n_candidates)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    flat = {
        f"{kind}_{b}_{field}": getattr(c, field)
        for kind, cands in results.items()
        for b, c in enumerate(cands)
        for field in ("text", "skill", "features")
    }
    if args.dump is not None:
        np.savez(args.dump, **flat)
        print(f"wrote {args.dump}")
    if args.compare is not None:
        want = np.load(args.compare)
        assert sorted(want.files) == sorted(flat), "other batches"
        bad = [
            k
            for k in want.files
            if want[k].dtype != flat[k].dtype
            or want[k].shape != flat[k].shape
            or want[k].tobytes() != flat[k].tobytes()
        ]
        print("identical" if not bad else f"DIFFERENT: {bad[:10]} ({len(bad)} arrays)")
        if bad:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
