"""The occupation-transition ranker: for a last job A, which occupations B to move into.

Labels (``features.transition_features``), both real, kept apart:

- **trained on**: observed moves, the CPS ASEC occupational mobility matrix with the stay-put
  diagonal dropped and renormalized (where people go when they leave A), brought from SOC
  2010 / OES cells to O*NET-SOC occupations. Grades: 3 if at least 5% of A's leavers go to
  B's cell, 2 if at least 1.5%, 1 if observed at all, 0 if not; pairs inside one cell are
  unlabeled (the dropped diagonal).
- **evaluated on as well**: O*NET Related Occupations, expert-curated relatedness (primary-
  short 3, primary-long 2, supplemental 1). Never trained on.

The O*NET Career Changers matrix is similarity-built: it is a baseline, never a label.

Split: source occupations are grouped (occupations that share a CPS cell carry the same
labels, so they form one group); a seeded share of groups is the held-out test set, never
seen in training or selection. On the other groups, grouped K-fold cross-validation picks the
LightGBM LambdaRank configuration: every (configuration, fold) pair is one Ray task and one
MLflow run (``training.search.run_search``). The chosen configuration is refitted on all
training sources and evaluated once on the test sources, next to four baselines scored on
the same candidates: mean skill-overlap cosine, SOC-hierarchy proximity, O*NET Career
Changers, and target size (employment). Metrics: NDCG@10 (gain 2^grade - 1), MRR (first
target of grade >= 2) and recall@20 (share of grade >= 2 targets in the top 20, out of at
most 20), averaged over test sources, each label set on its own.

Training rows per source: every observed move and a random sample of unobserved targets
(optionally also the unobserved targets most similar in skills; on the real data that hurt
both label sets, so the config leaves it off). Evaluation ranks every candidate. The registered
model is refitted on all labelled sources; its top targets per source occupation, with the
features and plain-language reasons that drove each (LightGBM feature contributions), are
precomputed into ``top_targets.parquet`` so ``TransitionRanker.rank``
(``training.predictors.transitions``) is a lookup.
"""

from __future__ import annotations

import json
import math
import time
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from features.transition_features import (
    EXTRAS,
    FEATURE_DOCS,
    FEATURES,
    career_changer_scores,
    cps_labels,
    grade_moves,
    occupation_content,
    pair_features,
    related_labels,
    source_groups,
)
from matching.ingest.bundle import Bundle
from matching.settings import Settings, get_settings
from training.predictors.transitions import (
    META_FILE,
    MODEL_FORMAT,
    MODEL_NAME,
    OCCUPATIONS_FILE,
    TOP_FILE,
)

EXPERIMENT = "pathmatch-transitions"
BOOSTER_FILE = "ranker.lgb.txt"
METHODS = ("lambdarank", "skill_cosine", "soc_proximity", "career_changers", "target_size")
LABEL_SETS = {"cps": "CPS observed moves", "related": "O*NET Related"}
SHOWN = [
    "dwa_shared",
    "dwa_source_n",
    "esco_shared",
    "esco_source_n",
    "tech_shared",
    "tech_source_n",
    "job_zone_diff",
    "wage_ratio",
    "target_growth_pct",
    "soc_distance",
    "dwa_cos",
    "esco_cos",
    "tech_cos",
]

Progress = Callable[[str, int, int], None]


# --------------------------------------------------------------------------- configuration


@dataclass
class TransitionConfig:
    """``training/configs/transitions.toml`` (its ``[demo]`` table overrides for --demo)."""

    grid: dict[str, list[Any]]
    folds: int = 3
    n_configs: int = 6
    test_fraction: float = 0.2
    hard_negatives: int = 0
    random_negatives: int = 100
    grade_thresholds: tuple[float, float] = (0.05, 0.015)
    top_n: int = 50
    train_labels: str = "cps"  # "related" trains on O*NET Related instead (a cross-check)
    seed: int = 7
    max_concurrency: int | None = None
    num_cpus: int | None = None
    experiment: str = EXPERIMENT
    model_name: str = MODEL_NAME


def load_config(path: Path, *, demo: bool = False) -> TransitionConfig:
    raw = tomllib.loads(Path(path).read_text())
    if demo:
        overrides = raw.get("demo", {})
        raw = {
            **raw,
            **{k: v for k, v in overrides.items() if k not in ("grid", "search")},
            "grid": overrides.get("grid", raw.get("grid", {})),
            "search": {**raw.get("search", {}), **overrides.get("search", {})},
        }
    search = raw.get("search", {})
    known = {
        "folds",
        "n_configs",
        "test_fraction",
        "hard_negatives",
        "random_negatives",
        "top_n",
        "train_labels",
    }
    options = {k: raw[k] for k in known if k in raw}
    if options.get("train_labels", "cps") not in LABEL_SETS:
        raise ValueError(f"train_labels in {path} must be one of {sorted(LABEL_SETS)}")
    if "grade_thresholds" in raw:
        options["grade_thresholds"] = tuple(float(x) for x in raw["grade_thresholds"])
    return TransitionConfig(
        grid=raw["grid"],
        seed=int(search.get("seed", 7)),
        max_concurrency=search.get("max_concurrency"),
        num_cpus=search.get("num_cpus"),
        experiment=raw.get("experiment", EXPERIMENT),
        model_name=raw.get("model_name", MODEL_NAME),
        **options,
    )


# --------------------------------------------------------------------------- data


@dataclass
class RankData:
    """All candidate pairs, sorted by source, as arrays the Ray trials share.

    ``cps`` and ``related`` are grades per row, -1 where that label set says nothing (source
    without labels, or a pair inside one CPS cell). ``train``/``test`` hold source indices;
    ``folds`` split ``train`` by group; ``sampled`` marks the rows training fits on.
    """

    X: np.ndarray
    source: np.ndarray
    cps: np.ndarray
    related: np.ndarray
    baselines: dict[str, np.ndarray]
    tiebreak: np.ndarray
    sources: list[str]
    train: np.ndarray
    test: np.ndarray
    folds: list[tuple[np.ndarray, np.ndarray]]
    sampled: np.ndarray
    seed: int = 7
    counts: dict[str, int] = field(default_factory=dict)
    train_labels: str = "cps"

    def rows(
        self, sources: np.ndarray, *, label: str | None = None, sampled: bool = False
    ) -> np.ndarray:
        """Rows of ``sources`` that ``label`` (default: the training labels) grades."""
        mask = np.isin(self.source, sources) & (self.grades(label) >= 0)
        if sampled:
            mask &= self.sampled
        return np.flatnonzero(mask)

    def grades(self, label: str | None = None) -> np.ndarray:
        return getattr(self, label or self.train_labels)


def build_pairs(bundle: Bundle, config: TransitionConfig) -> tuple[pl.DataFrame, Any]:
    """The pair frame with both label sets and the baseline scores joined on."""
    content = occupation_content(bundle)
    pairs = pair_features(content)
    cps = cps_labels(bundle)
    labelled = pl.DataFrame({"source_code": cps.sources, "_cps_source": True})
    graded = cps.pairs.with_columns(
        grade_moves(pl.col("p_leave"), config.grade_thresholds).alias("_grade")
    )
    same = cps.same_cell.with_columns(pl.lit(True).alias("_same"))
    related = related_labels(bundle)
    related_sources = (
        related.select("source_code").unique().with_columns(pl.lit(True).alias("_rel_source"))
    )
    keys = ["source_code", "target_code"]
    pairs = (
        pairs.join(labelled, on="source_code", how="left")
        .join(graded.select(*keys, "_grade", "p_leave"), on=keys, how="left")
        .join(same, on=keys, how="left")
        .join(related, on=keys, how="left")
        .join(related_sources, on="source_code", how="left")
        .join(career_changer_scores(bundle), on=keys, how="left")
        .with_columns(
            pl.when(pl.col("_cps_source").is_null() | pl.col("_same").is_not_null())
            .then(-1)
            .otherwise(pl.col("_grade").fill_null(0))
            .alias("cps_grade"),
            pl.when(pl.col("_rel_source").is_null())
            .then(-1)
            .otherwise(pl.col("related_grade").fill_null(0))
            .alias("related_grade"),
            pl.col("career_changers").fill_null(0.0),
        )
        .drop("_cps_source", "_grade", "_same", "_rel_source")
        .sort("source_code", "target_code")
    )
    return pairs, (content, cps)


def _split(
    codes: list[str], groups: list[str], fraction: float, folds: int, seed: int
) -> tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """Seeded held-out share of groups, then grouped K-fold over the rest (source indices)."""
    from sklearn.model_selection import GroupKFold

    unique = sorted(set(groups))
    rng = np.random.default_rng(seed)
    order = [unique[i] for i in rng.permutation(len(unique))]
    size = {g: 0 for g in unique}
    for g in groups:
        size[g] += 1
    test_groups: set[str] = set()
    for g in order:
        if sum(size[t] for t in test_groups) >= fraction * len(codes):
            break
        test_groups.add(g)
    is_test = np.array([g in test_groups for g in groups])
    train, test = np.flatnonzero(~is_test), np.flatnonzero(is_test)
    train_groups = np.array(groups)[train]
    k = max(2, min(folds, len(set(train_groups.tolist()))))
    splitter = GroupKFold(n_splits=k, shuffle=True, random_state=seed)
    fold_list = [(train[a], train[b]) for a, b in splitter.split(train, groups=train_groups)]
    return train, test, fold_list


def _sample_mask(
    pairs: pl.DataFrame, hard: int, random_n: int, seed: int, label: str = "cps"
) -> np.ndarray:
    """Observed moves, the ``hard`` unobserved targets most similar in skills, ``random_n``
    other unobserved targets at random; per source."""
    rng = np.random.default_rng(seed)
    frame = pairs.select(
        "source_code",
        pl.col(f"{label}_grade").alias("grade"),
        pl.mean_horizontal("dwa_cos", "tech_cos", "esco_cos").fill_null(0.0).alias("_sim"),
        pl.Series("_r", rng.random(pairs.height)),
    )
    negative = pl.col("grade") == 0
    hard_rank = (
        pl.when(negative)
        .then(pl.col("_sim"))
        .otherwise(None)
        .rank("ordinal", descending=True)
        .over("source_code")
    )
    random_rank = (
        pl.when(negative).then(pl.col("_r")).otherwise(None).rank("ordinal").over("source_code")
    )
    keep = (
        (pl.col("grade") > 0)
        | (negative & (hard_rank <= hard))
        | (negative & (random_rank <= hard + random_n))
    )
    return frame.select(keep.fill_null(False)).to_series().to_numpy()


def prepare(bundle: Bundle, config: TransitionConfig) -> tuple[RankData, pl.DataFrame, Any]:
    """Features, labels, baselines, the grouped split and the training sample."""
    pairs, (content, cps) = build_pairs(bundle, config)
    sources = content.codes
    index = {c: i for i, c in enumerate(sources)}
    train, test, folds = _split(
        sources, source_groups(sources, cps), config.test_fraction, config.folds, config.seed
    )
    rng = np.random.default_rng(config.seed + 1)
    baselines = {
        "skill_cosine": pairs.select(
            pl.mean_horizontal("dwa_cos", "tech_cos", "esco_cos").fill_null(0.0)
        )
        .to_series()
        .to_numpy(),
        "soc_proximity": -pairs["soc_distance"].to_numpy(),
        "career_changers": pairs["career_changers"].to_numpy(),
        "target_size": pairs["target_log_emp"].fill_null(0.0).to_numpy(),
    }
    data = RankData(
        X=pairs.select(FEATURES).to_numpy().astype(np.float32),
        source=np.array([index[c] for c in pairs["source_code"].to_list()]),
        cps=pairs["cps_grade"].to_numpy(),
        related=pairs["related_grade"].to_numpy(),
        baselines=baselines,
        tiebreak=rng.random(pairs.height),
        sources=sources,
        train=train,
        test=test,
        folds=folds,
        sampled=_sample_mask(
            pairs, config.hard_negatives, config.random_negatives, config.seed, config.train_labels
        ),
        seed=config.seed,
        train_labels=config.train_labels,
        counts={
            "occupations": len(sources),
            "pairs": pairs.height,
            "cps_sources": len(set(cps.sources) & set(sources)),
            "related_sources": int(
                pairs.filter(pl.col("related_grade") >= 0)["source_code"].n_unique()
            ),
            "cps_positive_pairs": int((pairs["cps_grade"] > 0).sum()),
            "unmapped_cps_codes": cps.unmapped,
            "groups": len(set(cps.groups.values())),
            "train_sources": len(train),
            "test_sources": len(test),
        },
    )
    return data, pairs, content


# --------------------------------------------------------------------------- metrics


def rank_metrics(
    source: np.ndarray,
    score: np.ndarray,
    grade: np.ndarray,
    tiebreak: np.ndarray,
    *,
    k_ndcg: int = 10,
    k_recall: int = 20,
    relevant: int = 2,
) -> dict[str, float]:
    """NDCG@k, MRR and recall@k averaged over sources, ties broken by ``tiebreak``.

    A source without any positive grade is skipped for NDCG; one without a target of grade
    >= ``relevant`` is skipped for MRR and recall. Recall@k divides by min(relevant, k).
    """
    order = np.lexsort((tiebreak, -score, source))
    source, grade = source[order], grade[order]
    starts = np.flatnonzero(np.r_[True, source[1:] != source[:-1]])
    ends = np.r_[starts[1:], len(source)]
    ndcg, mrr, recall = [], [], []
    discount = 1.0 / np.log2(np.arange(2, max(k_ndcg, 1) + 2))
    for a, b in zip(starts, ends, strict=True):
        g = grade[a:b]
        gains = (2.0**g) - 1
        ideal = np.sort(gains)[::-1][:k_ndcg]
        if ideal.sum() > 0:
            top = gains[:k_ndcg]
            ndcg.append(
                float((top * discount[: len(top)]).sum() / (ideal * discount[: len(ideal)]).sum())
            )
        hits = g >= relevant
        if hits.any():
            mrr.append(1.0 / (int(np.argmax(hits)) + 1))
            recall.append(float(hits[:k_recall].sum()) / min(int(hits.sum()), k_recall))
    mean = lambda xs: float(np.mean(xs)) if xs else float("nan")  # noqa: E731
    return {
        "ndcg10": mean(ndcg),
        "mrr": mean(mrr),
        "recall20": mean(recall),
        "sources": float(len(ndcg)),
    }


# --------------------------------------------------------------------------- model


LGBM_KEYS = (
    "n_estimators",
    "learning_rate",
    "num_leaves",
    "min_child_samples",
    "reg_lambda",
    "colsample_bytree",
    "subsample",
)


def fit_ranker(
    data: RankData, sources: np.ndarray, params: Mapping[str, Any], n_jobs: int = 1
) -> Any:
    """LambdaRank on the sampled training rows of ``sources`` (CPS grades)."""
    import lightgbm as lgb

    rows = data.rows(sources, sampled=True)
    _, sizes = np.unique(data.source[rows], return_counts=True)
    options = {k: params[k] for k in LGBM_KEYS if k in params}
    if options.get("subsample", 1.0) < 1.0:
        options["subsample_freq"] = 1
    model = lgb.LGBMRanker(
        objective="lambdarank", random_state=data.seed, n_jobs=n_jobs, verbose=-1, **options
    )
    model.fit(data.X[rows], data.grades()[rows], group=sizes)
    return model


def evaluate(
    data: RankData, sources: np.ndarray, scores: Mapping[str, np.ndarray]
) -> dict[str, dict[str, dict[str, float]]]:
    """Each label set x each method on the candidates of ``sources`` (every target)."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for label in LABEL_SETS:
        rows = data.rows(sources, label=label)
        grade = data.grades(label)[rows]
        out[label] = {
            name: rank_metrics(data.source[rows], score[rows], grade, data.tiebreak[rows])
            for name, score in scores.items()
        }
    return out


def rank_trial(params: dict[str, Any], data: RankData) -> dict[str, float]:
    """One (configuration, fold): fit on the fold's training sources, score its validation
    sources on every candidate, against the training labels."""
    train, valid = data.folds[int(params["fold"])]
    model = fit_ranker(data, train, params)
    rows = data.rows(valid)
    score = model.predict(data.X[rows])
    return rank_metrics(data.source[rows], score, data.grades()[rows], data.tiebreak[rows])


def _select(results: Sequence[Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Mean CV NDCG@10 per configuration (over its folds); the best configuration."""
    by_config: dict[str, list[Any]] = {}
    for r in results:
        key = json.dumps({k: v for k, v in r.params.items() if k != "fold"}, sort_keys=True)
        by_config.setdefault(key, []).append(r)
    table = []
    for key, runs in by_config.items():
        ok = [r.metrics for r in runs if r.ok]
        if len(ok) != len(runs):
            continue
        table.append(
            {
                "params": json.loads(key),
                **{m: float(np.nanmean([x[m] for x in ok])) for m in ("ndcg10", "mrr", "recall20")},
            }
        )
    if not table:
        errors = "; ".join(sorted({r.error or "" for r in results}))[:500]
        raise RuntimeError(f"no configuration finished all its folds: {errors}")
    best = max(table, key=lambda row: (row["ndcg10"], -table.index(row)))
    return best["params"], table


# --------------------------------------------------------------------------- reasons


def _signed(value: float, digits: int = 0) -> str:
    return f"{value:+.{digits}f}" if digits else f"{int(round(value)):+d}"


def _phrase(driver: str, row: Mapping[str, Any]) -> str | None:
    """A feature group in plain words, from the row's values (None when not applicable)."""

    def shares(view: str, noun: str) -> str | None:
        shared, total = row.get(f"{view}_shared"), row.get(f"{view}_source_n")
        if not total or shared is None:
            return None
        return f"shares {int(shared)} of {int(total)} {noun}"

    zone, wage = row.get("job_zone_diff"), row.get("wage_ratio")
    phrases = {
        "dwa": lambda: shares("dwa", "work activities"),
        "tech": lambda: shares("tech", "technology skill types"),
        "esco": lambda: shares("esco", "ESCO skills"),
        "zone": lambda: (
            None
            if zone is None
            else ("same job zone" if zone == 0 else f"job zone {_signed(zone)}")
        ),
        "education": lambda: (
            None
            if row.get("education_diff") is None
            else (f"required education {_signed(row['education_diff'], 1)} levels")
        ),
        "wage": lambda: None if wage is None else f"median wage {wage:.2f}x",
        "growth": lambda: (
            None
            if row.get("target_growth_pct") is None
            else (f"projected growth {_signed(row['target_growth_pct'], 1)}% (2024-34)")
        ),
        "openings": lambda: (
            None
            if row.get("target_openings_rate") is None
            else (f"{100 * row['target_openings_rate']:.0f} openings a year per 100 jobs")
        ),
        "size": lambda: (
            None if row.get("target_emp") is None else (f"{row['target_emp']:,.0f} jobs nationally")
        ),
        "soc": lambda: {
            0: "same SOC occupation",
            1: "same SOC broad group",
            2: "same SOC minor group",
            3: "same SOC major group",
            4: "different SOC major group",
        }.get(int(row.get("soc_distance", 4))),
    }
    return phrases[driver]()


DRIVERS = {
    "dwa_cos": "dwa",
    "dwa_wjacc": "dwa",
    "tech_cos": "tech",
    "tech_wjacc": "tech",
    "esco_cos": "esco",
    "esco_wjacc": "esco",
    "job_zone_diff": "zone",
    "source_job_zone": "zone",
    "education_diff": "education",
    "log_wage_ratio": "wage",
    "target_growth_pct": "growth",
    "target_openings_rate": "openings",
    "target_log_emp": "size",
    "soc_distance": "soc",
}


def reasons(row: Mapping[str, Any], contributions: Sequence[float], limit: int = 3) -> list[str]:
    """The drivers that raised this target's score most, in plain words, strongest first.

    Contributions are LightGBM's per-feature SHAP values; features of one driver (cosine
    and Jaccard of a view) are summed. Job zone and wage follow when not already listed,
    since case managers always ask about preparation and pay.
    """
    totals: dict[str, float] = {}
    for name, value in zip(FEATURES, contributions, strict=False):
        totals[DRIVERS[name]] = totals.get(DRIVERS[name], 0.0) + float(value)
    ranked = [d for d, v in sorted(totals.items(), key=lambda kv: -kv[1]) if v > 0][:limit]
    out = [p for d in ranked if (p := _phrase(d, row))]
    for driver in ("zone", "wage"):
        if driver not in ranked and (p := _phrase(driver, row)):
            out.append(p)
    return out


def top_targets(
    model: Any, data: RankData, pairs: pl.DataFrame, content: Any, top_n: int
) -> pl.DataFrame:
    """Every source's ``top_n`` targets by the model, with features and reasons."""
    score = model.predict(data.X)
    ranked = (
        pairs.select("source_code", "target_code", *FEATURES, *EXTRAS)
        .with_columns(pl.Series("score", score), pl.Series("_row", np.arange(len(score))))
        .with_columns(
            pl.col("score").rank("ordinal", descending=True).over("source_code").alias("rank")
        )
        .filter(pl.col("rank") <= top_n)
    )
    contrib = model.booster_.predict(data.X[ranked["_row"].to_numpy()], pred_contrib=True)
    why = [reasons(row, contrib[i, :-1]) for i, row in enumerate(ranked.iter_rows(named=True))]
    names = content.scalars.select(
        pl.col("onet_soc_code").alias("target_code"),
        pl.col("title").alias("target_title"),
        pl.col("soc2018_code").alias("target_soc2018"),
    )
    return (
        ranked.with_columns(
            pl.Series("reasons", why, dtype=pl.List(pl.String)), pl.col("rank").cast(pl.Int32)
        )
        .join(names, on="target_code", how="left")
        .select(
            "source_code",
            "target_code",
            "target_title",
            "target_soc2018",
            "score",
            "rank",
            "reasons",
            *SHOWN,
        )
        .sort("source_code", "rank")
    )


# --------------------------------------------------------------------------- training


def train_transition_model(
    bundle: Bundle | Path,
    config_path: Path,
    *,
    demo: bool = False,
    settings: Settings | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Search, evaluate on held-out sources, refit on all, register the champion.

    Returns name, version, run_id, model_dir, bundle_hash, seconds, counts, best_params,
    cv (per configuration) and test (label set -> method -> metrics).
    """
    import mlflow

    from training import registry
    from training.ray_runtime import ray_session
    from training.search import run_search, sample_grid

    start = time.perf_counter()
    bundle = bundle if isinstance(bundle, Bundle) else Bundle(Path(bundle))
    missing = [
        t
        for t in (
            "mobility_transitions",
            "xwalk_onet2010_soc2018",
            "onet_occupations",
            "onet_related_occupations",
        )
        if not bundle.has(t)
    ]
    if missing:
        raise ValueError(
            f"bundle {bundle.path} lacks {', '.join(missing)}: import a data "
            "folder with transitions/, crosswalks/ and onet/ first"
        )
    settings = registry.configure(settings or get_settings())
    config = load_config(config_path, demo=demo)
    if progress:
        progress("features and labels", 0, 1)
    data, pairs, content = prepare(bundle, config)
    configs = [
        {**c, "fold": f}
        for c in sample_grid(config.grid, config.n_configs, config.seed)
        for f in range(len(data.folds))
    ]
    experiment_id = registry.experiment(config.experiment, settings)
    done = [0]

    def tick(result: Any, total: int) -> None:
        done[0] += 1
        if progress:
            progress("search (config x fold)", done[0], total)

    with (
        ray_session(num_cpus=config.num_cpus),
        mlflow.start_run(run_name="transitions", experiment_id=experiment_id) as run,
    ):
        model_dir = settings.home / "runs" / config.model_name / run.info.run_id
        model_dir.mkdir(parents=True, exist_ok=True)
        mlflow.set_tags(
            {
                "bundle_hash": bundle.hash,
                "model": config.model_name,
                "labels.train": config.train_labels,
                "demo": str(demo),
            }
        )
        mlflow.log_params(
            {
                "bundle_hash": bundle.hash,
                "features": ",".join(FEATURES),
                "config": Path(config_path).name,
                "seed": config.seed,
                **{f"data.{k}": v for k, v in data.counts.items()},
            }
        )
        results = run_search(
            rank_trial,
            configs,
            experiment=config.experiment,
            parent_run_name="search",
            max_concurrency=config.max_concurrency,
            data=data,
            settings=settings,
            num_cpus=config.num_cpus,
            on_trial=tick,
            parent_params={
                "features": FEATURES,
                "folds": len(data.folds),
                "train_sources": len(data.train),
            },
            tags={"bundle_hash": bundle.hash, "features": ",".join(FEATURES)},
        )
        best, cv = _select(results)
        if progress:
            progress("held-out evaluation and refit", 0, 1)
        held_out = fit_ranker(data, data.train, best, n_jobs=config.num_cpus or -1)
        scores = {"lambdarank": held_out.predict(data.X), **data.baselines}
        test = evaluate(data, data.test, scores)
        final = fit_ranker(
            data, np.concatenate([data.train, data.test]), best, n_jobs=config.num_cpus or -1
        )
        report = {
            "counts": data.counts,
            "best_params": best,
            "cv": cv,
            "test": test,
            "train_labels": config.train_labels,
            "bundle_hash": bundle.hash,
            "demo": demo,
        }
        _save(model_dir, final, data, pairs, content, config, report)
        card = model_card(bundle, report, config)
        (model_dir / "model_card.md").write_text(card)
        flat = _flat(test)
        mlflow.log_metrics(flat)
        ref = registry.log_model_directory(
            config.model_name,
            model_dir,
            card=card,
            metrics={k: v for k, v in flat.items() if k.split(".")[1] == "lambdarank"},
        )
    if progress:
        progress("done", 1, 1)
    return {
        "name": config.model_name,
        "version": ref.version,
        "run_id": ref.run_id,
        "model_dir": str(model_dir),
        "seconds": time.perf_counter() - start,
        **report,
    }


def _save(
    model_dir: Path,
    model: Any,
    data: RankData,
    pairs: pl.DataFrame,
    content: Any,
    config: TransitionConfig,
    report: Mapping[str, Any],
) -> None:
    model.booster_.save_model(str(model_dir / BOOSTER_FILE))
    top_targets(model, data, pairs, content, config.top_n).write_parquet(model_dir / TOP_FILE)
    content.scalars.select("onet_soc_code", "title", "soc2018_code").write_parquet(
        model_dir / OCCUPATIONS_FILE
    )
    importance = dict(
        zip(FEATURES, model.booster_.feature_importance("gain").tolist(), strict=True)
    )
    meta = {
        "format": MODEL_FORMAT,
        "features": FEATURES,
        "feature_docs": FEATURE_DOCS,
        "params": report["best_params"],
        "config": asdict(config),
        "top_n": config.top_n,
        "bundle_hash": report["bundle_hash"],
        "importance_gain": importance,
    }
    (model_dir / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True))
    (model_dir / "metrics.json").write_text(json.dumps(report, indent=2, default=str))


def _flat(test: Mapping[str, Any]) -> dict[str, float]:
    return {
        f"{label}.{method}.{metric}": value
        for label, methods in test.items()
        for method, metrics in methods.items()
        for metric, value in metrics.items()
        if metric != "sources" and not math.isnan(value)
    }


# --------------------------------------------------------------------------- reporting


def format_report(result: Mapping[str, Any]) -> str:
    """Held-out source occupations: LambdaRank and the baselines, per label set."""
    lines = [f"{'labels':<38} {'method':<16} {'NDCG@10':>8} {'MRR':>7} {'R@20':>7} {'sources':>8}"]
    for label, methods in result["test"].items():
        for method, m in methods.items():
            trained = label == result.get("train_labels", "cps")
            name = f"{LABEL_SETS[label]} ({'trained on' if trained else 'never trained on'})"
            lines.append(
                f"{name:<38} {method:<16} {m['ndcg10']:>8.3f} "
                f"{m['mrr']:>7.3f} {m['recall20']:>7.3f} {int(m['sources']):>8}"
            )
    return "\n".join(lines)


def model_card(bundle: Bundle, report: Mapping[str, Any], config: TransitionConfig) -> str:
    c = report["counts"]
    lines = [
        f"# {config.model_name}: occupation-transition ranker",
        "",
        "For a participant whose last job was occupation A, ranks the O*NET-SOC occupations "
        "B they could move into (LightGBM LambdaRank over skill overlap, preparation, pay, "
        "demand and SOC distance), with the features that drove each.",
        "",
        "## Data",
        "",
        f"- bundle `{bundle.hash}`; {c['occupations']} O*NET-SOC occupations with content, "
        f"{c['pairs']:,} candidate pairs.",
        f"- trained on: {LABEL_SETS[config.train_labels]}.",
        f"- observed moves: CPS ASEC occupational mobility (del Rio-Chanona et al. "
        f"2021), diagonal dropped and renormalized, mapped from SOC 2010 / OES cells to "
        f"O*NET-SOC ({c['cps_sources']} sources, {c['cps_positive_pairs']:,} observed pairs; "
        f"{c['unmapped_cps_codes']} codes unmapped). Grades 3/2/1 at >= "
        f"{config.grade_thresholds[0]:.1%} / >= {config.grade_thresholds[1]:.1%} / > 0 of "
        "leavers; pairs inside one CPS cell unlabeled.",
        f"- expert relatedness: O*NET Related Occupations ({c['related_sources']} sources; "
        "primary-short 3, primary-long 2, supplemental 1).",
        "- O*NET Career Changers (similarity-built) is a baseline only.",
        f"- split by source-occupation group (occupations sharing a CPS cell together): "
        f"{c['train_sources']} train, {c['test_sources']} held-out sources; "
        f"{config.folds}-fold grouped CV on train chose "
        f"`{json.dumps(report['best_params'], sort_keys=True)}`.",
        "",
        "## Held-out source occupations",
        "",
        "```",
        format_report(report),
        "```",
        "",
        "NDCG@10 with gain 2^grade-1 over every candidate target; MRR of the first target of "
        "grade >= 2; recall@20 of grade >= 2 targets out of min(their number, 20). "
        "Baselines: mean skill cosine of the three views; SOC proximity (ties at random); "
        "Career Changers probability; target employment.",
        "",
        "## Limits",
        "",
        "- CPS cells are coarse (401 of 539 are SOC broad groups): occupations inside one "
        "cell share labels, and moves between them are unobserved.",
        "- The CPS years behind the matrix are not stated in the file; moves reflect national "
        "patterns, not a region's.",
        "- O*NET 27.0 lacks Skills, Knowledge and Abilities files here: skill overlap uses "
        "work activities, technology skills and ESCO skills.",
        "- Wages, growth and openings are national (OEWS, BLS EP 2024-34).",
        "- A ranking of plausible moves, not advice: a case manager weighs it with the "
        "person's history, interests and local demand.",
    ]
    return "\n".join(lines) + "\n"
