"""Semantic layer benchmark: the encoder alone, and as a candidate source beside the lexical one.

Data: ESCO v1.1.1 skills from the bundle ``$PATHMATCH_BUNDLE`` (default the real import
``/work/main/.bench/bundle``); Decorte et al. HOUSE and TECH validation annotations under
``$PATHMATCH_SHARED_DATA/benchmarks/decorte_esco_skill_extraction``, dev halves only: the
SAME split as the linker (:func:`training.nlp.linker_data.split_sentences`, fraction 0.5,
seed 13, as in ``experiments/bench_linking.py``). Figures are per sentence (gold = the
union of its spans' labels) and per annotated span (gold = the span's labels).

Printed:

(a) the encoder alone: RP@5, RP@10, MRR of the skills nearest by cosine, for each way of
    building skill vectors (mean of preferred + alternative labels; preferred label +
    description) and of encoding a sentence (the whole text; the max over its token
    windows of 1..4 tokens, as the lexical linker windows a sentence);
(b) candidate recall (share of gold URIs in the candidate set) of the lexical linker's
    candidates (``n_candidates`` 40 per lexical source, their union, as reranked today),
    of the lexical candidates with ``n_candidates`` 60 (as many extra candidates, for a fair
    comparison), and of lexical(40) united with the encoder's top 20; with mean set sizes;
(d) an untuned, training-free blend of the lexical score and the cosine (a first look);
(c) speed and memory: encoder load time, encode throughput on the dev sentences and on all
    ESCO labels (texts/s, one process), skill-vector build time cold and from the .npy
    cache, matrix size and resident-memory growth.

Usage: ``.venv/bin/python experiments/bench_encoder.py [--encoder wordllama|PATH]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import get_args

import numpy as np
import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from matching.ingest.bundle import Bundle  # noqa: E402
from matching.nlp.encoder import (  # noqa: E402
    Encoder,
    SkillText,
    SkillVectors,
    encoder_from_setting,
)
from matching.nlp.extraction.linker import (  # noqa: E402
    STOP_WORDS,
    Example,
    LinkIndex,
    SkillLinker,
    tokenize,
)
from matching.nlp.taxonomy import SkillTaxonomy  # noqa: E402
from training.nlp.linker_data import ranking_metrics, read_decorte, split_sentences  # noqa: E402

SHARED = Path(os.environ.get("PATHMATCH_SHARED_DATA", REPO.parent / "shared" / "data"))
BUNDLE = Path(os.environ.get("PATHMATCH_BUNDLE", REPO / ".bench" / "bundle"))
DECORTE = "benchmarks/decorte_esco_skill_extraction"
SEED, DEV_FRACTION = 13, 0.5
MAX_WINDOW = 4


def best_of(n: int, run: Callable[[], object]) -> float:
    """Fastest of n runs (seconds): the machine is shared, one run is noisy."""
    times = []
    for _ in range(n):
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    return min(times)


def fmt(m: dict[str, float]) -> str:
    return f"{m['RP@5']:.3f}  {m['RP@10']:.3f}  {m['MRR']:.3f}  (n={int(m['n'])})"


def dev_sets(taxonomy: SkillTaxonomy) -> dict[str, tuple[list[Example], list[Example]]]:
    """name -> (dev sentences with gold, dev spans with gold), the linker's dev halves."""
    out = {}
    for name in ("house", "tech"):
        data = read_decorte(SHARED / DECORTE / f"{name}_validation_annotations.csv", taxonomy)
        _, dev = split_sentences([e.sentence for e in data.sentences], DEV_FRACTION, SEED)
        sents = [e for e in data.sentences if e.sentence in dev and e.gold]
        spans = [e for e in data.spans if e.sentence in dev and e.gold and e.span]
        out[name.upper()] = (sents, spans)
    return out


def windows(text: str) -> list[str]:
    """Token windows of 1..MAX_WINDOW tokens not starting or ending with a stop word."""
    toks = tokenize(text)
    out = []
    for i in range(len(toks)):
        for j in range(i + 1, min(len(toks), i + MAX_WINDOW) + 1):
            if toks[i].lower() in STOP_WORDS or toks[j - 1].lower() in STOP_WORDS:
                continue
            out.append(" ".join(toks[i:j]))
    return out or [text]


def window_cosines(vectors: SkillVectors, texts: list[str]) -> np.ndarray:
    """Per text, the max over its windows and the whole text of the cosine to each skill."""
    return vectors.max_cosines([[text, *windows(text)] for text in texts])


def ranked_ids(vectors: SkillVectors, sims: np.ndarray, k: int) -> list[list[str]]:
    part = np.argsort(-sims, axis=1)[:, :k]
    return [[vectors.ids[p] for p in row] for row in part.tolist()]


def encoder_alone(vectors_by_mode: dict[str, SkillVectors], sets: dict) -> None:
    print("\n(a) encoder alone: RP@5  RP@10  MRR")
    for name, (sents, spans) in sets.items():
        for mode, vec in vectors_by_mode.items():
            texts = [e.sentence for e in sents]
            gold = [e.gold for e in sents]
            whole = ranked_ids(vec, vec.cosines(texts), 20)
            win = ranked_ids(vec, window_cosines(vec, texts), 20)
            span_rank = ranked_ids(vec, vec.cosines([e.span or "" for e in spans]), 20)
            print(f"  {name} dev, skill vectors '{mode}':")
            print(f"    sentences, whole text      {fmt(ranking_metrics(whole, gold))}")
            print(f"    sentences, max over windows {fmt(ranking_metrics(win, gold))}")
            print(
                f"    gold spans                 "
                f"{fmt(ranking_metrics(span_rank, [e.gold for e in spans]))}"
            )


def candidate_sets(linker: SkillLinker, texts: list[str]) -> list[set[str]]:
    cand = linker.candidates(texts)
    ids = linker.index_.skill_ids
    out: list[set[str]] = [set() for _ in texts]
    for t, s in zip(cand.text.tolist(), cand.skill.tolist(), strict=True):
        out[t].add(ids[s])
    return out


def recall(cands: list[set[str]], gold: list[tuple[str, ...]]) -> tuple[float, float]:
    hit = sum(len(c.intersection(g)) for c, g in zip(cands, gold, strict=True))
    total = sum(len(g) for g in gold)
    return hit / total, float(np.mean([len(c) for c in cands]))


def candidate_recall(
    taxonomy: SkillTaxonomy, index: LinkIndex, vec: SkillVectors, sets: dict
) -> None:
    lex40 = SkillLinker(n_candidates=40, objective="lexical").fit(taxonomy, [], index=index)
    lex60 = SkillLinker(n_candidates=60, objective="lexical").fit(taxonomy, [], index=index)
    print("\n(b) candidate recall (gold URIs found / gold URIs), mean candidates per text")
    for name, (sents, spans) in sets.items():
        for what, exs in (("sentences", sents), ("gold spans", spans)):
            texts = [e.text for e in exs]
            gold = [e.gold for e in exs]
            c40, c60 = candidate_sets(lex40, texts), candidate_sets(lex60, texts)
            sims = window_cosines(vec, texts) if what == "sentences" else vec.cosines(texts)
            enc = [set(r) for r in ranked_ids(vec, sims, 20)]
            rows = (
                ("lexical n_candidates=40 (today)", c40),
                ("lexical n_candidates=60", c60),
                ("encoder top-20 alone", enc),
                ("lexical(40) + encoder top-20", [a | b for a, b in zip(c40, enc, strict=True)]),
            )
            print(f"  {name} dev {what} ({len(exs)} texts, {sum(len(g) for g in gold)} gold):")
            for label, cands in rows:
                r, size = recall(cands, gold)
                print(f"    {label:<34} recall {r:.3f}  mean size {size:6.1f}")


def blend(taxonomy: SkillTaxonomy, index: LinkIndex, vec: SkillVectors, sets: dict) -> None:
    """Ranking with no training: the lexical score alone vs an untuned equal blend with the
    cosine (both in [0, 1]-ish), over lexical(40) + encoder top-20 candidates (an encoder-only
    candidate has lexical score 0). A first look; the learned reranker decides the weight."""
    lex = SkillLinker(n_candidates=40, objective="lexical").fit(taxonomy, [], index=index)
    print("\n(d) no training: lexical score vs 0.5 lexical + 0.5 cosine (RP@5 RP@10 MRR)")
    for name, (sents, spans) in sets.items():
        for what, exs in (("sentences", sents), ("gold spans", spans)):
            texts = [e.text for e in exs]
            gold = [e.gold for e in exs]
            cand = lex.candidates(texts)
            lexical = np.zeros((len(texts), len(vec)), dtype=np.float32)
            lexical[cand.text, cand.skill] = lex.score(cand.features, "lexical")
            sims = window_cosines(vec, texts) if what == "sentences" else vec.cosines(texts)
            enc_top = np.argpartition(sims, len(vec) - 20, axis=1)[:, -20:]
            pool = lexical > 0
            np.put_along_axis(pool, enc_top, True, axis=1)
            if what == "sentences":
                groups = [[t, *windows(t)] for t in texts]
                dt = best_of(5, partial(vec.pair_max_cosines, groups, cand.text, cand.skill))
                print(
                    f"  {name} dev sentences: pair_max_cosines over the {len(cand.text)} "
                    f"lexical candidate pairs (windows): {len(texts) / dt:,.0f} sentences/s "
                    "(best of 5)"
                )
            for label, score in (("lexical", lexical), ("blend", 0.5 * lexical + 0.5 * sims)):
                ranked = ranked_ids(vec, np.where(pool, score, -np.inf), 20)
                print(f"  {name} dev {what:<10} {label:<8} {fmt(ranking_metrics(ranked, gold))}")


def speed(encoder: Encoder, taxonomy: SkillTaxonomy, sets: dict) -> None:
    print("\n(c) speed and memory (one process on a shared 2-core machine)")
    texts = [e.sentence for s, _ in sets.values() for e in s]
    batch = texts * max(1, 5000 // len(texts))
    t = time.perf_counter()
    encoder.encode(batch)
    dt = time.perf_counter() - t
    print(f"  encode dev sentences: {len(batch)} texts in {dt:.2f}s = {len(batch) / dt:,.0f}/s")
    labels = taxonomy.labels.filter(taxonomy.labels["taxonomy"] == "ESCO")["label"].to_list()
    t = time.perf_counter()
    encoder.encode(labels)
    dt = time.perf_counter() - t
    print(f"  encode all ESCO labels: {len(labels)} texts in {dt:.2f}s = {len(labels) / dt:,.0f}/s")
    proc = psutil.Process()
    with tempfile.TemporaryDirectory() as home:
        rss = proc.memory_info().rss
        t = time.perf_counter()
        cold = SkillVectors.build(taxonomy, encoder, home=Path(home))
        t_cold = time.perf_counter() - t
        grown = proc.memory_info().rss - rss
        t = time.perf_counter()
        warm = SkillVectors.build(taxonomy, encoder, home=Path(home))
        t_warm = time.perf_counter() - t
        assert warm.from_cache
        print(
            f"  skill vectors ('labels', {len(cold)} ESCO skills x {cold.matrix.shape[1]}): "
            f"cold build {t_cold:.2f}s, from .npy cache {t_warm:.2f}s (incl. fingerprint), "
            f"matrix {cold.matrix.nbytes / 2**20:.1f} MiB, RSS growth {grown / 2**20:.0f} MiB"
        )
    sample = [e.sentence for s, _ in sets.values() for e in s]
    groups = [[t, *windows(t)] for t in sample]
    whole = best_of(5, lambda: cold.cosines(sample))
    win = best_of(5, lambda: cold.max_cosines(groups))
    n_win = sum(len(g) for g in groups) / len(groups)
    print(
        f"  cosines to all skills, {len(sample)} dev sentences: whole text "
        f"{len(sample) / whole:,.0f} sentences/s; max over windows ({n_win:.0f} texts per "
        f"sentence) {len(sample) / win:,.0f} sentences/s (best of 5)"
    )
    q = cold.matrix[:1000]
    t = time.perf_counter()
    cold.nearest_positions(q, 20)
    dt = time.perf_counter() - t
    print(f"  nearest(k=20) for 1000 vectors over all skills: {dt * 1000:.0f} ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--encoder", default="wordllama")
    args = parser.parse_args(argv)
    bundle = Bundle(BUNDLE)
    taxonomy = SkillTaxonomy.from_bundle(bundle)
    print(f"taxonomy: bundle {BUNDLE} ({bundle.hash}), {len(taxonomy.esco_ids)} ESCO skills")
    proc = psutil.Process()
    rss = proc.memory_info().rss
    t = time.perf_counter()
    encoder = encoder_from_setting(args.encoder)
    assert encoder is not None, "--encoder none has nothing to measure"
    encoder.encode(["warm up"])
    print(
        f"encoder {encoder.name} ({encoder.dim}-d): loaded in {time.perf_counter() - t:.2f}s, "
        f"RSS +{(proc.memory_info().rss - rss) / 2**20:.0f} MiB"
    )
    sets = dev_sets(taxonomy)
    for name, (sents, spans) in sets.items():
        print(
            f"{name} dev half (seed {SEED}, fraction {DEV_FRACTION}): {len(sents)} sentences "
            f"with gold, {len(spans)} gold spans"
        )
    with tempfile.TemporaryDirectory() as home:
        by_mode = {
            mode: SkillVectors.build(taxonomy, encoder, text=mode, home=Path(home))
            for mode in get_args(SkillText)
        }
    encoder_alone(by_mode, sets)
    index = LinkIndex.build(taxonomy)
    candidate_recall(taxonomy, index, by_mode["labels"], sets)
    blend(taxonomy, index, by_mode["labels"], sets)
    speed(encoder, taxonomy, sets)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
