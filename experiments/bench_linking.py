"""Skill linking benchmark: RP@5, RP@10 and MRR per sentence on Decorte et al. HOUSE and TECH.

Data (all under ``$PATHMATCH_SHARED_DATA``, default ``../shared/data``):

* ESCO v1.1.1 skills from ``$PATHMATCH_BUNDLE`` (default ``/tmp/pm_real_bundle``) when it
  holds ``esco_skills``, else loaded from ``esco/`` with :mod:`matching.ingest.loaders.esco`.
* ``benchmarks/decorte_esco_skill_extraction/{house,tech}_validation_annotations.csv``: the
  only public parts (the test parts are held out). Each is split BY SENTENCE with a fixed
  seed into a train half and a dev half (50/50: the sets are tiny, 77 and 101 sentences;
  half is the least that still gives ~30-40 gold sentences to report on, and the other
  half is the only real job-ad supervision we have).
* ``benchmarks/skillskape/{train,dev}.csv``: synthetic LLM-written sentences with ESCO labels;
  train is training data, dev is for tuning and for fitting the score calibration.
* ``benchmarks/decorte_esco_skill_extraction/esco_priors.json``: label priors published in
  the same repository as the HOUSE/TECH labels; used as a reranker feature (an ablation
  without them is printed).

Systems: (a) exact label match (normalized text or lemmas of ESCO preferred/alternative
labels found in the sentence, longer labels first, then prior); (b) TF-IDF candidates alone
(fixed lexical score, no training); (c) the learned reranker, in two variants:
``ss-only`` trained on SkillSkape train only (so the FULL HOUSE/TECH validation sets are
untouched: the cleanest figures) and ``full`` trained on SkillSkape train + the HOUSE and
TECH train halves (reported on the dev halves only). RP@K = mean over sentences with at
least one gold URI of (#gold in top K) / min(K, #gold); MRR of the first gold URI.

The ``full`` linker is saved to ``--out`` (default ``/tmp/pm_linker``). ``--tune`` runs the
small grid that chose the default hyper-parameters (SkillSkape dev for the model, two-fold
cross-validation over the HOUSE/TECH train halves for the weight of real examples).
``--encoder wordllama`` gives every reranker the encoder cosine features (run it with and
without to compare).

``--titles DIR`` (a saved title normalizer) adds the context experiment: the bundle's
Coursera courses (``courses`` table; gold = their "skills you will gain" tags equal to an
ESCO label; context = the title normalizer's best occupation for the course title and for
its subject, no label looked at; :func:`training.nlp.linker_data.read_coursera`), split by
course 70/30. The ``full`` training set plus the course train part trains two rerankers:
one with the context features blanked (has_context 0, NaN: as if no context were known) and
one with them, and a third with them where each course also trains without its context
(what ``train_linker`` does). All are scored on the course dev part with its contexts,
without them, and with a wrong-field context (each dev course gets the context of a course
from another SOC major group: negative evidence), and on the HOUSE/TECH dev halves (no
context).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from matching.nlp.extraction.context import CONTEXT_FEATURES  # noqa: E402
from matching.nlp.extraction.linker import (  # noqa: E402
    FEATURES,
    Block,
    Candidates,
    Example,
    LinkIndex,
    SkillLinker,
)
from matching.nlp.taxonomy import SkillTaxonomy  # noqa: E402
from training.nlp.linker_data import (  # noqa: E402
    ContextData,
    ranking_metrics,
    read_coursera,
    read_decorte,
    read_priors,
    read_skillskape,
    split_sentences,
)

SHARED = Path(os.environ.get("PATHMATCH_SHARED_DATA", REPO.parent / "shared" / "data"))
BUNDLE = Path(os.environ.get("PATHMATCH_BUNDLE", "/tmp/pm_real_bundle"))
DECORTE = "benchmarks/decorte_esco_skill_extraction"
PARAMS: dict[str, Any] = {
    "n_candidates": 40,
    "objective": "lambdarank",
    "n_estimators": 300,
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_child_samples": 20,
    "real_repeat": 5,
    "random_state": 0,
    "n_jobs": 1,
}
SEED = 13
DEV_FRACTION = 0.5


def load_taxonomy() -> tuple[SkillTaxonomy, str]:
    if (BUNDLE / "manifest.json").is_file():
        from matching.ingest.bundle import Bundle

        bundle = Bundle(BUNDLE)
        if bundle.has("esco_skills"):
            return SkillTaxonomy.from_bundle(bundle), f"bundle {BUNDLE} ({bundle.hash})"
    from matching.ingest.loaders import esco

    tables = {}
    for source in esco.SOURCES:
        if source.table in ("esco_skills", "esco_skill_collections", "esco_occupation_skills"):
            tables[source.table] = source.load(source.discover(SHARED)).table
    taxonomy = SkillTaxonomy.from_tables(
        tables["esco_skills"],
        None,
        tables["esco_skill_collections"],
        esco_occupation_skills=tables["esco_occupation_skills"],
    )
    return taxonomy, f"ESCO loaded from {SHARED / 'esco'}"


@dataclass
class EvalSet:
    name: str
    sentences: list[Example]
    cand: Candidates | None = None

    def subset(self, name: str, keep: set[str]) -> EvalSet:
        idx = [i for i, e in enumerate(self.sentences) if e.sentence in keep]
        return EvalSet(name, [self.sentences[i] for i in idx], _select(self.cand, idx))


def _select(cand: Candidates | None, idx: list[int]) -> Candidates | None:
    if cand is None:
        return None
    new = {old: n for n, old in enumerate(idx)}
    mask = np.isin(cand.text, idx)
    text = np.asarray([new[t] for t in cand.text[mask]], dtype=np.int64)
    return Candidates(text, cand.skill[mask], cand.features[mask])


def evaluate(
    linker: SkillLinker, data: EvalSet, method: str = "model", drop: tuple[str, ...] = ()
) -> dict[str, float]:
    assert data.cand is not None
    cand = data.cand
    if drop:
        feats = cand.features.copy()
        feats[:, [FEATURES.index(f) for f in drop]] = 0.0
        cand = Candidates(cand.text, cand.skill, feats)
    ranked = linker.rank_candidates(cand, len(data.sentences), 10, method)
    return ranking_metrics([[s for s, _ in r] for r in ranked], [e.gold for e in data.sentences])


def _zero(blocks: list[Block | None], drop: tuple[str, ...]) -> list[Block | None]:
    if not drop:
        return blocks
    cols = [FEATURES.index(f) for f in drop]
    out: list[Block | None] = []
    for b in blocks:
        if b is None:
            out.append(None)
            continue
        f = b.features.copy()
        f[:, cols] = 0.0
        out.append(Block(f, b.labels, b.n_gold))
    return out


def fit_variant(
    index: LinkIndex,
    params: dict,
    blocks: list[Block | None],
    repeats: list[int],
    calibration: list[Block | None],
    drop: tuple[str, ...] = (),
) -> tuple[SkillLinker, float]:
    linker = SkillLinker(**params)
    linker.index_ = index
    linker.fit_info_ = {"n_skills": index.n_skills}
    started = time.perf_counter()
    linker.fit_blocks(_zero(blocks, drop), repeats, _zero(calibration, drop))
    return linker, time.perf_counter() - started


def fmt(m: dict[str, float]) -> str:
    return f"{m['RP@5']:.3f}  {m['RP@10']:.3f}  {m['MRR']:.3f}  (n={int(m['n'])})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/pm_linker"))
    parser.add_argument("--no-save", action="store_true")
    parser.add_argument("--tune", action="store_true")
    parser.add_argument("--titles", type=Path, default=None, help="title model (context run)")
    parser.add_argument(
        "--encoder", default=None, help="encoder setting for the enc_* features (wordllama)"
    )
    args = parser.parse_args(argv)
    PARAMS["encoder"] = args.encoder
    if not (SHARED / DECORTE).is_dir():
        print(f"benchmark data not found under {SHARED}; skipping")
        return 0
    t0 = time.perf_counter()
    taxonomy, source = load_taxonomy()
    print(
        f"taxonomy: {source}; {len(taxonomy.esco_ids)} ESCO skills "
        f"({time.perf_counter() - t0:.1f}s)"
    )
    priors = read_priors(SHARED / DECORTE / "esco_priors.json")
    house = read_decorte(SHARED / DECORTE / "house_validation_annotations.csv", taxonomy)
    tech = read_decorte(SHARED / DECORTE / "tech_validation_annotations.csv", taxonomy)
    ss_train = read_skillskape(SHARED / "benchmarks/skillskape/train.csv", taxonomy)
    ss_dev = read_skillskape(SHARED / "benchmarks/skillskape/dev.csv", taxonomy)
    for name, d in (
        ("HOUSE", house),
        ("TECH", tech),
        ("SkillSkape train", ss_train),
        ("SkillSkape dev", ss_dev),
    ):
        print(
            f"labels {name}: {d.n_labels} gold labels, {d.match_rate:.1%} mapped to ESCO "
            f"URIs, unmatched: {sorted(d.unmatched) or 'none'}"
        )

    t = time.perf_counter()
    index = LinkIndex.build(taxonomy, priors)
    t_index = time.perf_counter() - t
    base = SkillLinker(**PARAMS).fit(taxonomy, [], index=index)

    splits = {}
    for name, d in (("HOUSE", house), ("TECH", tech)):
        train, dev = split_sentences([e.sentence for e in d.sentences], DEV_FRACTION, SEED)
        splits[name] = (train, dev)
        n_gold = sum(1 for e in d.sentences if e.gold and e.sentence in dev)
        print(
            f"split {name}: {len(train)} train / {len(dev)} dev sentences "
            f"({n_gold} dev sentences with gold); seed {SEED}"
        )

    t = time.perf_counter()
    evals = {}
    for name, d in (("HOUSE", house), ("TECH", tech)):
        e = EvalSet(name, d.sentences)
        e.cand = base.candidates([x.sentence for x in d.sentences])
        evals[name] = e
    t_eval_cand = time.perf_counter() - t
    n_eval = sum(len(e.sentences) for e in evals.values())

    t = time.perf_counter()
    ss_blocks = base.example_blocks([e for e in ss_train.sentences if e.gold])
    t_ss = time.perf_counter() - t
    ss_dev_blocks = base.example_blocks([e for e in ss_dev.sentences if e.gold])
    real_blocks: dict[str, list[Block | None]] = {}
    real_examples: list[Example] = []
    for name, d in (("HOUSE", house), ("TECH", tech)):
        train = splits[name][0]
        examples = [e for e in d.sentences + d.spans if e.sentence in train and e.gold]
        real_blocks[name] = base.example_blocks(examples)
        real_examples += examples
    t_blocks = time.perf_counter() - t + t_ss

    if args.tune:
        tune(index, ss_blocks, ss_dev_blocks, real_blocks, real_examples)

    ss_only, t_fit_a = fit_variant(index, PARAMS, ss_blocks, [1] * len(ss_blocks), ss_dev_blocks)
    real = real_blocks["HOUSE"] + real_blocks["TECH"]
    blocks = ss_blocks + real
    repeats = [1] * len(ss_blocks) + [PARAMS["real_repeat"]] * len(real)
    full, t_fit_b = fit_variant(index, PARAMS, blocks, repeats, ss_dev_blocks)
    drop = ("prior", "has_prior")
    no_prior, _ = fit_variant(index, PARAMS, blocks, repeats, ss_dev_blocks, drop)
    if not args.no_save:
        full.fit_info_.update(
            {
                "trained_on": "SkillSkape train + HOUSE/TECH validation "
                f"train halves (seed {SEED}, dev fraction {DEV_FRACTION})",
                "priors": "esco_priors.json (Decorte et al.)",
            }
        )
        full.save(args.out)
        full = SkillLinker.load(args.out)  # report what the others will load
        print(f"saved the 'full' linker to {args.out} (figures below are from the reloaded copy)")

    dev_sets = {n: evals[n].subset(f"{n} dev", splits[n][1]) for n in evals}
    rows = [
        ("(a) exact label match", lambda d: evaluate(base, d, "exact"), True),
        ("(b) TF-IDF candidates, lexical score", lambda d: evaluate(base, d, "lexical"), True),
        ("(c) reranker, SkillSkape train only", lambda d: evaluate(ss_only, d), True),
        (
            "(c) reranker, SkillSkape + HOUSE/TECH train halves [saved]",
            lambda d: evaluate(full, d),
            False,
        ),
        ("    same, without esco_priors.json", lambda d: evaluate(no_prior, d, drop=drop), False),
    ]
    print()
    print(
        "RP@5   RP@10  MRR    per sentence; dev halves = 50% of each validation set by "
        f"sentence (seed {SEED}), never trained on by any system"
    )
    for data_name in ("HOUSE", "TECH"):
        print(
            f"\n== {data_name} validation, dev half ({len(dev_sets[data_name].sentences)} "
            "sentences)"
        )
        for label, fn, _ in rows:
            print(f"  {label:<62} {fmt(fn(dev_sets[data_name]))}")
        print(f"== {data_name} validation, FULL set (only systems trained on nothing from it)")
        for label, fn, full_ok in rows:
            if full_ok:
                print(f"  {label:<62} {fmt(fn(evals[data_name]))}")

    if args.titles is not None:
        context_run(args.titles, taxonomy, base, index, blocks, repeats, ss_dev_blocks, dev_sets)

    texts = [e.sentence for n in dev_sets for e in dev_sets[n].sentences]
    t, c = time.perf_counter(), time.process_time()
    full.rank(texts, 10)
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    span_texts = sorted({e.span for d in (house, tech) for e in d.spans if e.span})
    t2, c2 = time.perf_counter(), time.process_time()
    full.rank(span_texts, 10)
    span_wall, span_cpu = time.perf_counter() - t2, time.process_time() - c2
    print()
    print(
        f"fit: index {t_index:.1f}s (all {len(index.label_skill)} ESCO labels); candidates "
        f"+ features for {len(blocks)} training texts {t_blocks:.1f}s; LightGBM "
        f"{t_fit_b:.1f}s (ss-only {t_fit_a:.1f}s); training candidate recall "
        f"{full.fit_info_['candidate_recall']:.3f}"
    )
    print(
        f"ranking throughput (full reranker, {len(texts)} dev sentences): "
        f"{len(texts) / wall:.1f} sentences/s wall, {len(texts) / max(cpu, 1e-9):.1f} per "
        f"CPU-second (shared 2-core machine); candidates alone: "
        f"{n_eval / t_eval_cand:.1f} sentences/s wall"
    )
    print(
        f"span ranking throughput ({len(span_texts)} distinct HOUSE/TECH span texts): "
        f"{len(span_texts) / span_wall:.1f} spans/s wall, "
        f"{len(span_texts) / max(span_cpu, 1e-9):.1f} per CPU-second"
    )
    return 0


def _blank_context(blocks: list[Block | None]) -> list[Block | None]:
    """The blocks as if no context were known (has_context 0, the other features NaN)."""
    first = FEATURES.index(CONTEXT_FEATURES[0])
    out: list[Block | None] = []
    for b in blocks:
        if b is None:
            out.append(None)
            continue
        f = b.features.copy()
        f[:, first : first + len(CONTEXT_FEATURES)] = np.nan
        f[:, first] = 0.0
        out.append(Block(f, b.labels, b.n_gold))
    return out


def _wrong_field(contexts: list[tuple[str, ...]], seed: int = SEED) -> list[tuple[str, ...]]:
    """Each context swapped for another course's whose codes share no SOC major group."""
    import random

    rng = random.Random(seed)
    out = []
    for ctx in contexts:
        majors = {c[:2] for c in ctx}
        pool = [o for o in contexts if o and not majors & {c[:2] for c in o}]
        out.append(rng.choice(pool) if pool else ctx)
    return out


def context_run(
    titles_dir: Path,
    taxonomy: SkillTaxonomy,
    base: SkillLinker,
    index: LinkIndex,
    blocks: list[Block | None],
    repeats: list[int],
    calibration: list[Block | None],
    dev_sets: dict[str, EvalSet],
) -> None:
    from matching.ingest.bundle import Bundle
    from matching.nlp.titles import TitleNormalizer

    bundle = Bundle(BUNDLE)
    if not bundle.has("courses"):
        print(f"\ncontext run skipped: {BUNDLE} has no courses table")
        return
    t = time.perf_counter()
    data: ContextData = read_coursera(
        bundle.table("courses"), taxonomy, TitleNormalizer.load(titles_dir)
    )
    course_blocks = base.example_blocks(data.train)
    texts = [e.text for e in data.dev]
    gold = [e.gold for e in data.dev]
    contexts = [e.context for e in data.dev]
    cands = {
        "with its context": base.candidates(texts, contexts),
        "without context": base.candidates(texts),
        "wrong-field context": base.candidates(texts, _wrong_field(contexts)),
    }
    print(
        f"\n== context run: Coursera courses of {BUNDLE} (English, tagged), "
        f"{data.n_mapped}/{data.n_tags} tags equal an ESCO label; {data.n_courses} courses "
        f"({len(data.train)} train / {len(data.dev)} dev, split by course, seed {SEED}); "
        f"contexts from {titles_dir} ({time.perf_counter() - t:.1f}s)"
    )
    all_repeats = repeats + [PARAMS["real_repeat"]] * len(course_blocks)
    variants = {
        "trained without context features": fit_variant(
            index, PARAMS, blocks + _blank_context(course_blocks), all_repeats, calibration
        )[0],
        "trained with context features": fit_variant(
            index, PARAMS, blocks + course_blocks, all_repeats, calibration
        )[0],
        "trained with context features, each course also without (train_linker)": fit_variant(
            index,
            PARAMS,
            blocks + course_blocks + _blank_context(course_blocks),
            all_repeats + [PARAMS["real_repeat"]] * len(course_blocks),
            calibration,
        )[0],
    }
    for label, linker in variants.items():
        print(f"  {label}:")
        for how, cand in cands.items():
            ranked = linker.rank_candidates(cand, len(texts), 10)
            m = ranking_metrics([[s for s, _ in r] for r in ranked], gold)
            print(f"    course dev, {how:<22} {fmt(m)}")
        for name, d in dev_sets.items():
            print(f"    {name} dev (no context)          {fmt(evaluate(linker, d))}")
        if "with context" in label:
            gain = linker.model_.feature_importance("gain")
            share = sum(gain[FEATURES.index(f)] for f in CONTEXT_FEATURES) / gain.sum()
            print(f"    context features' share of the model's split gain: {share:.3f}")


def tune(
    index: LinkIndex,
    ss_blocks: list,
    ss_dev_blocks: list,
    real_blocks: dict,
    real_examples: list[Example],
) -> None:
    """The grid behind PARAMS: model settings on SkillSkape dev, real_repeat by 2-fold CV
    over the HOUSE/TECH train halves (folds by sentence; scored on sentence examples)."""

    def rp5(linker: SkillLinker, blocks: list) -> float:
        vals = []
        for b in blocks:
            if b is None:
                continue
            order = np.argsort(-linker.score(b.features), kind="stable")[:5]
            vals.append(float(b.labels[order].sum()) / min(5, b.n_gold))
        return float(np.mean(vals)) if vals else 0.0

    print("\n-- tuning on SkillSkape dev (trained on SkillSkape train)")
    for objective, n_est in (("lambdarank", 300), ("binary", 300), ("lambdarank", 600)):
        params = {**PARAMS, "objective": objective, "n_estimators": n_est}
        linker, secs = fit_variant(index, params, ss_blocks, [1] * len(ss_blocks), [])
        print(
            f"  {objective:<10} n_estimators={n_est:<4} SkillSkape dev RP@5 "
            f"{rp5(linker, ss_dev_blocks):.3f} ({secs:.0f}s)"
        )
    print("-- training mix by 2-fold CV over the HOUSE+TECH train halves (folds by sentence)")
    real = real_blocks["HOUSE"] + real_blocks["TECH"]
    half, _ = split_sentences([e.sentence for e in real_examples], 0.5, SEED + 1)
    fold = [int(e.sentence in half) for e in real_examples]
    is_sentence = [e.span is None for e in real_examples]
    configs = [
        ("SkillSkape + real x1", True, 1, ()),
        ("SkillSkape + real x5", True, 5, ()),
        ("SkillSkape + real x20", True, 20, ()),
        ("real only", False, 1, ()),
        ("SkillSkape + real x5, no priors", True, 5, ("prior", "has_prior")),
    ]
    for label, use_ss, repeat, drop in configs:
        scores = []
        for k in (0, 1):
            train = [b for b, f in zip(real, fold, strict=True) if f != k]
            test = [b for b, f, s in zip(real, fold, is_sentence, strict=True) if f == k and s]
            base = ss_blocks if use_ss else []
            linker, _ = fit_variant(
                index, PARAMS, base + train, [1] * len(base) + [repeat] * len(train), [], drop
            )
            scores.append(rp5(linker, _zero(test, drop)))
        print(
            f"  {label:<34} CV RP@5 {np.mean(scores):.3f} (folds {scores[0]:.3f}, {scores[1]:.3f})"
        )


if __name__ == "__main__":
    raise SystemExit(main())
