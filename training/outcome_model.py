"""The program-outcome model: a program's employment rate and earnings from its features.

Three tasks, each its own LightGBM model (a design choice, see below), trained on real labels:

============================  ==============================  ==========================
task                          label (weight / sample size)    data
============================  ==============================  ==========================
``nj_employment``             employed_q2 (completed_q2)      NJ ETPL outcomes, provider x CIP
``nj_earnings``               avg_quarterly_wage_q2 (wage_n)  NJ ETPL outcomes
``scorecard_earnings``        median_earnings (earnings n)    College Scorecard field of study
============================  ==============================  ==========================

Why separate models rather than one with a data-set indicator: the labels measure different
things (NJ: average quarterly UI wage in the 2nd quarter after exit, for WIOA-style ETPL
completers; Scorecard: median annual earnings of Title IV completers not enrolled, for
certificates and associate degrees), the feature sets differ (NJ has cost and hours where
listed; Scorecard has control and credential level), and Scorecard's ~14,500 labelled rows
would swamp NJ's ~900. The NJ rows do get national Scorecard context as a feature
(``sc_series_earnings``); that is another data set, never an NJ label.

Evaluation: grouped K-fold by provider (NJ ``provider_id``; Scorecard OPEID6, i.e. every
campus of an institution system together), so no provider is in both train and test. On the
held-out providers we report MAE (plain and weighted by sample size) and Spearman
correlation, for LightGBM and two baselines fitted on the same training folds:

1. CIP-family mean: the empirical-Bayes family mean (family means shrunk toward the overall
   mean, fewer programs => more shrinkage), estimated on the training fold only;
2. ridge on one-hot CIP family + the numeric features (median-imputed, with missing flags,
   standardized; alpha chosen by RidgeCV within the training fold).

LightGBM gets the same features plus ``family_prior``, the EB family mean as a target
encoding: for test rows it comes from the whole training fold, for training rows from inner
grouped folds of the training fold (so a row's own label never feeds its own encoding).
The hyper-parameter search (``training.search``: parallel Ray tasks, one MLflow run each,
nested under the task's search run) picks the configuration with the lowest weighted MAE;
it is refitted on all labelled rows and registered as ``pathmatch-outcome`` (alias
``champion``) with a model card.

Shrinkage of small programs (``FamilyPrior.shrink``, with the saved model's loading and
prediction in ``training.predictors.outcomes``): a reported rate over n completers is pulled
toward its CIP-family EB mean, the more the smaller n.

Prediction intervals: split-conformal from the out-of-fold residuals of the chosen
configuration, by cohort-size band (Mondrian conformal: small programs get wider bands),
on the log scale for earnings. Their empirical coverage is measured on held-out providers
(for each fold, quantiles from the other folds' residuals only) and reported.
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

from features.program_features import (
    CATEGORICAL,
    FEATURE_DOCS,
    FeatureTable,
    nj_outcome_features,
    scorecard_features,
)
from matching.ingest.bundle import Bundle
from matching.settings import Settings, get_settings
from training.predictors.outcomes import (
    META_FILE,
    MODEL_FORMAT,
    MODEL_NAME,
    PRIOR_FEATURE,
    TASKS,
    Encoder,
    FamilyPrior,
    TaskSpec,
    apply_interval,
    size_band,
)

EXPERIMENT = "pathmatch-outcome"

Progress = Callable[[str, int, int], None]
"""Called as (stage, done, total) so a CLI can show progress."""


# --------------------------------------------------------------------------- configuration


@dataclass
class TaskConfig:
    folds: int = 5
    n_configs: int = 16
    size_edges: list[float] = field(default_factory=lambda: [10.0, 30.0])


@dataclass
class OutcomeConfig:
    """``training/configs/outcome_model.toml``: what to train and how hard to search."""

    tasks: dict[str, TaskConfig]
    grid: dict[str, list[Any]]
    seed: int = 7
    interval_level: float = 0.8
    weight_cap: float = 200.0
    ridge_alphas: list[float] = field(default_factory=lambda: [0.1, 1.0, 10.0, 100.0])
    max_concurrency: int | None = None
    num_cpus: int | None = None
    experiment: str = EXPERIMENT
    model_name: str = MODEL_NAME


def load_config(path: Path) -> OutcomeConfig:
    raw = tomllib.loads(Path(path).read_text())
    search = raw.get("search", {})
    defaults = raw.get("defaults", {})
    tasks = {}
    for name in raw.get("tasks", {}).get("enabled", list(TASKS)):
        if name not in TASKS:
            raise ValueError(f"unknown task {name!r} in {path}; known: {sorted(TASKS)}")
        tasks[name] = TaskConfig(**{**defaults, **raw.get("tasks", {}).get(name, {})})
    return OutcomeConfig(
        tasks=tasks,
        grid=raw["grid"],
        seed=int(search.get("seed", 7)),
        interval_level=float(raw.get("intervals", {}).get("level", 0.8)),
        weight_cap=float(raw.get("training", {}).get("weight_cap", 200.0)),
        ridge_alphas=list(raw.get("baselines", {}).get("ridge_alphas", [0.1, 1, 10, 100])),
        max_concurrency=search.get("max_concurrency"),
        num_cpus=search.get("num_cpus"),
        experiment=raw.get("experiment", EXPERIMENT),
        model_name=raw.get("model_name", MODEL_NAME),
    )


# --------------------------------------------------------------------------- data and folds


@dataclass
class TaskData:
    """The labelled rows of one task and what was left out (suppressed labels)."""

    spec: TaskSpec
    frame: pl.DataFrame
    features: list[str]
    group: str
    rows_total: int
    rows_suppressed: int

    @property
    def y(self) -> np.ndarray:
        return self.frame[self.spec.label].to_numpy().astype(float)

    @property
    def n(self) -> np.ndarray:
        return self.frame[self.spec.weight].fill_null(1.0).to_numpy().astype(float)

    @property
    def groups(self) -> np.ndarray:
        return self.frame[self.group].to_numpy()

    @property
    def family(self) -> list[str]:
        return self.frame["cip_family"].fill_null("").to_list()

    @property
    def size(self) -> np.ndarray:
        return self.frame["size"].to_numpy().astype(float)


def task_data(table: FeatureTable, spec: TaskSpec) -> TaskData:
    """Rows with a label; suppressed (null) labels are counted, not silently dropped."""
    labelled = table.frame.filter(pl.col(spec.label).is_not_null() & pl.col(spec.label).is_finite())
    if spec.kind == "amount":
        labelled = labelled.filter(pl.col(spec.label) > 0)
    return TaskData(
        spec,
        labelled,
        list(table.features),
        table.group,
        table.frame.height,
        table.frame.height - labelled.height,
    )


def grouped_folds(
    groups: np.ndarray, n_folds: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Grouped K-fold (shuffled): every group's rows sit in exactly one test fold."""
    from sklearn.model_selection import GroupKFold

    n_groups = len(set(groups.tolist()))
    k = max(2, min(n_folds, n_groups))
    splitter = GroupKFold(n_splits=k, shuffle=True, random_state=seed)
    return [(train, test) for train, test in splitter.split(groups, groups=groups)]


def family_encoding(
    data: TaskData, train: np.ndarray, test: np.ndarray, seed: int, inner_folds: int = 5
) -> tuple[np.ndarray, np.ndarray, FamilyPrior]:
    """EB family means for training rows (inner grouped out-of-fold) and for test rows (from
    the whole training part). Only training labels are ever read."""
    y, n, fam, groups = data.y, data.n, np.asarray(data.family, object), data.groups
    prior = FamilyPrior.fit(y[train], n[train], fam[train], data.spec.kind)
    train_enc = np.empty(len(train))
    if len(set(groups[train].tolist())) >= 2:
        for inner_train, inner_test in grouped_folds(groups[train], inner_folds, seed + 1):
            rows_fit, rows_out = train[inner_train], train[inner_test]
            inner = FamilyPrior.fit(y[rows_fit], n[rows_fit], fam[rows_fit], data.spec.kind)
            train_enc[inner_test] = inner.transform(fam[rows_out])
    else:
        train_enc[:] = prior.global_mean
    return train_enc, prior.transform(fam[test]), prior


# --------------------------------------------------------------------------- metrics


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import spearmanr

    if len(a) < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(spearmanr(a, b).statistic)


def fold_metrics(y: np.ndarray, pred: np.ndarray, n: np.ndarray) -> dict[str, float]:
    err = np.abs(y - pred)
    return {
        "mae": float(err.mean()),
        "mae_w": float((err * n).sum() / n.sum()),
        "spearman": spearman(y, pred),
    }


def _summarize(
    per_fold: list[dict[str, float]], y: np.ndarray, oof: np.ndarray, n: np.ndarray
) -> tuple[dict[str, float], dict[str, list[float]]]:
    metrics: dict[str, float] = {}
    steps: dict[str, list[float]] = {}
    for key in ("mae", "mae_w", "spearman"):
        series = [f[key] for f in per_fold]
        steps[f"{key}_fold"] = series
        finite = [v for v in series if not math.isnan(v)]
        metrics[key] = float(np.mean(finite)) if finite else float("nan")
    pooled = fold_metrics(y, oof, n)
    metrics.update({f"pooled_{k}": v for k, v in pooled.items()})
    return metrics, steps


# --------------------------------------------------------------------------- fold set and trials


@dataclass
class FoldSet:
    """Everything a trial needs, prepared once on the driver and shared through Ray."""

    kind: str
    folds: list[dict[str, np.ndarray]]
    y: np.ndarray
    n: np.ndarray
    weight_cap: float
    categorical_index: list[int]
    columns: list[str]
    seed: int


def prepare_folds(
    data: TaskData, folds: list[tuple[np.ndarray, np.ndarray]], seed: int, weight_cap: float
) -> FoldSet:
    prepared = []
    for train, test in folds:
        train_enc, test_enc, _ = family_encoding(data, train, test, seed)
        encoder = Encoder.fit(data.frame[train], data.features)
        prepared.append(
            {
                "train": train,
                "test": test,
                "x_train": encoder.matrix(data.frame[train], train_enc),
                "x_test": encoder.matrix(data.frame[test], test_enc),
            }
        )
    encoder = Encoder.fit(data.frame, data.features)
    return FoldSet(
        data.spec.kind,
        prepared,
        data.y,
        data.n,
        weight_cap,
        encoder.categorical_index,
        encoder.columns,
        seed,
    )


def lgbm_params(params: Mapping[str, Any], kind: str, seed: int) -> dict[str, Any]:
    """Search parameters plus the fixed ones: objective by task kind, one thread per trial."""
    fixed = {
        "objective": "cross_entropy" if kind == "rate" else "regression",
        "random_state": seed,
        "n_jobs": 1,
        "verbose": -1,
        "subsample_freq": 1,
    }
    return {**dict(params), **fixed}


def fit_lgbm(
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    params: Mapping[str, Any],
    kind: str,
    categorical: list[int],
    seed: int,
) -> Any:
    import lightgbm as lgb

    target = y if kind == "rate" else np.log(y)
    model = lgb.LGBMRegressor(**lgbm_params(params, kind, seed))
    model.fit(x, target, sample_weight=w, categorical_feature=categorical or "auto")
    return model


def predict_lgbm(model: Any, x: np.ndarray, kind: str) -> np.ndarray:
    raw = model.predict(x)
    return np.clip(raw, 0.0, 1.0) if kind == "rate" else np.exp(raw)


def lgbm_trial(params: dict[str, Any], data: FoldSet) -> Any:
    """One configuration across all folds: held-out metrics and out-of-fold predictions."""
    from training.search import TrialOutput

    oof = np.full(len(data.y), np.nan)
    per_fold = []
    for fold in data.folds:
        train, test = fold["train"], fold["test"]
        w = np.minimum(data.n[train], data.weight_cap)
        model = fit_lgbm(
            fold["x_train"], data.y[train], w, params, data.kind, data.categorical_index, data.seed
        )
        oof[test] = predict_lgbm(model, fold["x_test"], data.kind)
        per_fold.append(fold_metrics(data.y[test], oof[test], data.n[test]))
    metrics, steps = _summarize(per_fold, data.y, oof, data.n)
    return TrialOutput(metrics=metrics, steps=steps, extra=oof.tolist())


# --------------------------------------------------------------------------- baselines


def baseline_family_mean(data: TaskData, folds: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Out-of-fold EB CIP-family means (fitted on each training fold)."""
    oof = np.full(len(data.y), np.nan)
    fam = np.asarray(data.family, object)
    for train, test in folds:
        prior = FamilyPrior.fit(data.y[train], data.n[train], fam[train], data.spec.kind)
        oof[test] = prior.transform(fam[test])
    return oof


def _ridge_matrix(frame: pl.DataFrame, features: list[str]) -> tuple[np.ndarray, np.ndarray]:
    numeric = [c for c in features if c not in CATEGORICAL]
    x = frame.select([pl.col(c).cast(pl.Float64) for c in numeric]).to_numpy().astype(float)
    families = frame.select(pl.col("cip_family").fill_null("")).to_numpy().astype(object)
    return x, families


def baseline_ridge(
    data: TaskData,
    folds: list[tuple[np.ndarray, np.ndarray]],
    alphas: Sequence[float],
    weight_cap: float,
) -> np.ndarray:
    """Out-of-fold ridge on one-hot CIP family + numeric features (log target for amounts),
    predictions clipped to the training fold's label range."""
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    x, families = _ridge_matrix(data.frame, data.features)
    target = data.y if data.spec.kind == "rate" else np.log(data.y)
    oof = np.full(len(target), np.nan)
    for train, test in folds:
        usable = ~np.all(np.isnan(x[train]), axis=0)
        numeric = make_pipeline(
            SimpleImputer(strategy="median", add_indicator=True), StandardScaler()
        )
        onehot = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
        xt = np.hstack(
            [numeric.fit_transform(x[train][:, usable]), onehot.fit_transform(families[train])]
        )
        xs = np.hstack([numeric.transform(x[test][:, usable]), onehot.transform(families[test])])
        model = RidgeCV(alphas=list(alphas))
        model.fit(xt, target[train], sample_weight=np.minimum(data.n[train], weight_cap))
        # a linear model extrapolates wildly on rare extreme features: stay in the label range
        pred = np.clip(model.predict(xs), target[train].min(), target[train].max())
        oof[test] = pred if data.spec.kind == "rate" else np.exp(pred)
    return oof


def evaluate_oof(
    data: TaskData, folds: list[tuple[np.ndarray, np.ndarray]], oof: np.ndarray
) -> dict[str, float]:
    per_fold = [fold_metrics(data.y[test], oof[test], data.n[test]) for _, test in folds]
    metrics, _ = _summarize(per_fold, data.y, oof, data.n)
    return metrics


# --------------------------------------------------------------------------- intervals


def _residual(y: np.ndarray, pred: np.ndarray, kind: str) -> np.ndarray:
    if kind == "rate":
        return np.abs(y - pred)
    return np.abs(np.log(y) - np.log(np.maximum(pred, 1e-9)))


def conformal_quantile(residuals: np.ndarray, level: float) -> float:
    """The split-conformal quantile: the ceil((m+1)*level)-th smallest residual."""
    m = len(residuals)
    if m == 0:
        return float("nan")
    rank = min(m, int(math.ceil((m + 1) * level)))
    return float(np.sort(residuals)[rank - 1])


def band_quantiles(
    residuals: np.ndarray, bands: np.ndarray, n_bands: int, level: float, min_rows: int = 20
) -> list[float]:
    """One quantile per band; a band with too few rows borrows the pooled quantile."""
    pooled = conformal_quantile(residuals, level)
    out = []
    for band in range(n_bands):
        chosen = residuals[bands == band]
        out.append(conformal_quantile(chosen, level) if len(chosen) >= min_rows else pooled)
    return out


def held_out_coverage(
    data: TaskData,
    folds: list[tuple[np.ndarray, np.ndarray]],
    oof: np.ndarray,
    edges: Sequence[float],
    level: float,
) -> dict[str, float]:
    """Coverage on each fold's held-out providers, quantiles from the other folds only."""
    kind = data.spec.kind
    resid = _residual(data.y, oof, kind)
    bands = size_band(data.size, edges)
    covered = np.zeros(len(oof), bool)
    width = np.zeros(len(oof))
    for _, test in folds:
        others = np.setdiff1d(np.arange(len(oof)), test)
        quantiles = band_quantiles(resid[others], bands[others], len(edges) + 1, level)
        lo, hi = apply_interval(oof[test], bands[test], quantiles, kind)
        covered[test] = (data.y[test] >= lo) & (data.y[test] <= hi)
        width[test] = hi - lo
    return {"coverage": float(covered.mean()), "interval_width": float(np.median(width))}


# --------------------------------------------------------------------------- training


def _feature_tables(bundle: Bundle, specs: Sequence[TaskSpec]) -> dict[str, FeatureTable]:
    tables: dict[str, FeatureTable] = {}
    datasets = {s.dataset for s in specs}
    if "nj" in datasets and bundle.has("etpl_outcomes"):
        tables["nj"] = nj_outcome_features(bundle)
    if "scorecard" in datasets and bundle.has("scorecard_fos"):
        tables["scorecard"] = scorecard_features(bundle)
    return tables


def _train_task(
    data: TaskData,
    task_config: TaskConfig,
    config: OutcomeConfig,
    bundle_hash: str,
    settings: Settings,
    model_dir: Path,
    progress: Progress | None,
) -> dict[str, Any]:
    """Search, baselines, coverage, refit and save one task; returns its report."""
    from training.search import best_trial, run_search, sample_grid

    spec = data.spec
    folds = grouped_folds(data.groups, task_config.folds, config.seed)
    fold_set = prepare_folds(data, folds, config.seed, config.weight_cap)
    configs = sample_grid(config.grid, task_config.n_configs, config.seed)

    done = [0]

    def tick(result: Any, total: int) -> None:
        done[0] += 1
        if progress:
            progress(f"{spec.name} trials", done[0], total)

    results = run_search(
        lgbm_trial,
        configs,
        experiment=config.experiment,
        parent_run_name=f"search-{spec.name}",
        max_concurrency=config.max_concurrency,
        data=fold_set,
        settings=settings,
        num_cpus=config.num_cpus,
        on_trial=tick,
        parent_params={
            "task": spec.name,
            "label": spec.label,
            "weight": spec.weight,
            "features": fold_set.columns,
            "folds": len(folds),
            "rows": len(data.y),
            "providers": len(set(data.groups.tolist())),
        },
        tags={
            "bundle_hash": bundle_hash,
            "task": spec.name,
            "features": ",".join(fold_set.columns),
        },
    )
    best = best_trial(results, "mae_w")
    oof = np.asarray(best.extra, float)
    report: dict[str, Any] = {
        "task": spec.name,
        "description": spec.description,
        "dataset": spec.dataset,
        "rows_total": data.rows_total,
        "rows_labelled": len(data.y),
        "rows_suppressed": data.rows_suppressed,
        "providers": len(set(data.groups.tolist())),
        "folds": len(folds),
        "trials": len(results),
        "trials_failed": sum(not r.ok for r in results),
        "best_params": best.params,
        "best_run_id": best.run_id,
        "lightgbm": evaluate_oof(data, folds, oof),
        "family_mean": evaluate_oof(data, folds, baseline_family_mean(data, folds)),
        "ridge": evaluate_oof(
            data, folds, baseline_ridge(data, folds, config.ridge_alphas, config.weight_cap)
        ),
    }
    report["lightgbm"].update(
        held_out_coverage(data, folds, oof, task_config.size_edges, config.interval_level)
    )
    report["interval_level"] = config.interval_level
    report["model"] = _refit_and_save(data, best.params, oof, task_config, config, model_dir)
    return report


def _refit_and_save(
    data: TaskData,
    params: Mapping[str, Any],
    oof: np.ndarray,
    task_config: TaskConfig,
    config: OutcomeConfig,
    model_dir: Path,
) -> dict[str, Any]:
    """Best configuration on all labelled rows; conformal quantiles from all OOF residuals."""
    everything = np.arange(len(data.y))
    groups_ok = len(set(data.groups.tolist())) >= 2
    train_enc, _, prior = (
        family_encoding(data, everything, everything[:0], config.seed)
        if groups_ok
        else (np.full(len(data.y), np.nan), None, None)
    )
    prior = prior or FamilyPrior.fit(data.y, data.n, data.family, data.spec.kind)
    encoder = Encoder.fit(data.frame, data.features)
    model = fit_lgbm(
        encoder.matrix(data.frame, train_enc),
        data.y,
        np.minimum(data.n, config.weight_cap),
        params,
        data.spec.kind,
        encoder.categorical_index,
        config.seed,
    )
    booster_file = f"{data.spec.name}.lgb.txt"
    model.booster_.save_model(str(model_dir / booster_file))
    resid = _residual(data.y, oof, data.spec.kind)
    edges = list(task_config.size_edges)
    quantiles = band_quantiles(
        resid, size_band(data.size, edges), len(edges) + 1, config.interval_level
    )
    return {
        "spec": asdict(data.spec),
        "features": encoder.features,
        "vocab": encoder.vocab,
        "columns": encoder.columns,
        "booster": booster_file,
        "params": dict(params),
        "family_prior": asdict(prior),
        "interval": {
            "method": "split conformal on out-of-fold residuals, by size band",
            "scale": "absolute" if data.spec.kind == "rate" else "log",
            "level": config.interval_level,
            "size_edges": edges,
            "quantiles": quantiles,
        },
    }


def train_outcome_model(
    bundle: Bundle | Path,
    config_path: Path,
    *,
    settings: Settings | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Train, evaluate and register the outcome model; returns metrics and the version.

    The result has ``version``, ``run_id``, ``model_dir``, ``bundle_hash``, ``seconds`` and
    ``tasks`` (per task: row counts, best parameters, and held-out-provider metrics for
    LightGBM and both baselines). ``format_report(result)`` renders it as a table.
    """
    import mlflow

    from training import registry
    from training.ray_runtime import ray_session

    start = time.perf_counter()
    bundle = bundle if isinstance(bundle, Bundle) else Bundle(Path(bundle))
    settings = registry.configure(settings or get_settings())
    config = load_config(config_path)
    specs = [TASKS[name] for name in config.tasks]
    tables = _feature_tables(bundle, specs)
    experiment_id = registry.experiment(config.experiment, settings)
    reports: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    with (
        ray_session(num_cpus=config.num_cpus),
        mlflow.start_run(run_name="outcome-model", experiment_id=experiment_id) as run,
    ):
        model_dir = settings.home / "runs" / config.model_name / run.info.run_id
        model_dir.mkdir(parents=True, exist_ok=True)
        mlflow.set_tags({"bundle_hash": bundle.hash, "model": config.model_name})
        mlflow.log_params(
            {
                "bundle_hash": bundle.hash,
                "tasks": ",".join(config.tasks),
                "seed": config.seed,
                "interval_level": config.interval_level,
                "config": Path(config_path).name,
            }
        )
        for index, spec in enumerate(specs):
            if progress:
                progress(spec.name, index, len(specs))
            table = tables.get(spec.dataset)
            data = task_data(table, spec) if table is not None else None
            reason = _unusable(data)
            if data is None or reason:
                skipped[spec.name] = reason or "no data"
                continue
            reports[spec.name] = _train_task(
                data, config.tasks[spec.name], config, bundle.hash, settings, model_dir, progress
            )
            mlflow.log_metrics(_flat_metrics(spec.name, reports[spec.name]))
        if not reports:
            raise ValueError(f"no outcome task could be trained: {skipped}")
        meta = {
            "format": MODEL_FORMAT,
            "bundle_hash": bundle.hash,
            "tasks": {k: v["model"] for k, v in reports.items()},
            "feature_docs": {
                **FEATURE_DOCS,
                PRIOR_FEATURE: "EB CIP-family mean of the label, fitted on training rows only",
            },
        }
        (model_dir / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True))
        summary = {k: {kk: vv for kk, vv in v.items() if kk != "model"} for k, v in reports.items()}
        (model_dir / "metrics.json").write_text(json.dumps(summary, indent=2, default=str))
        card = model_card(bundle, summary, skipped, config)
        (model_dir / "model_card.md").write_text(card)
        ref = registry.log_model_directory(
            config.model_name,
            model_dir,
            card=card,
            metrics={k: v for k, v in _flat_metrics_all(reports).items() if not math.isnan(v)},
        )
    if progress:
        progress("done", len(specs), len(specs))
    return {
        "name": config.model_name,
        "version": ref.version,
        "run_id": ref.run_id,
        "model_dir": str(model_dir),
        "bundle_hash": bundle.hash,
        "tasks": summary,
        "skipped": skipped,
        "seconds": time.perf_counter() - start,
    }


def _unusable(data: TaskData | None) -> str | None:
    if data is None:
        return "the bundle has no table for this task"
    providers = len(set(data.groups.tolist()))
    if len(data.y) < 10 or providers < 2:
        return f"too few labelled rows ({len(data.y)}) or providers ({providers})"
    return None


def _flat_metrics(task: str, report: Mapping[str, Any]) -> dict[str, float]:
    out = {}
    for model in ("lightgbm", "family_mean", "ridge"):
        for key, value in report[model].items():
            if isinstance(value, float) and not math.isnan(value):
                out[f"{task}.{model}.{key}"] = value
    return out


def _flat_metrics_all(reports: Mapping[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    for task, report in reports.items():
        lgbm = report["lightgbm"]
        out.update(
            {
                f"{task}.mae": lgbm["mae"],
                f"{task}.spearman": lgbm["spearman"],
                f"{task}.coverage": lgbm["coverage"],
            }
        )
    return out


# --------------------------------------------------------------------------- reporting


def format_report(result: Mapping[str, Any]) -> str:
    """The held-out-provider table: LightGBM next to both baselines, per task."""
    lines = [
        f"{'task':<20} {'data (rows / providers)':<34} {'model':<12} {'MAE':>10} "
        f"{'MAE (wtd)':>10} {'Spearman':>9} {'coverage':>9}"
    ]
    for task, report in result["tasks"].items():
        data = (
            f"{report['dataset']} {report['rows_labelled']} / {report['providers']}"
            f" ({report['folds']}-fold)"
        )
        for model in ("lightgbm", "family_mean", "ridge"):
            m = report[model]
            coverage = (
                f"{m['coverage']:.2f}@{report['interval_level']:.0%}" if "coverage" in m else ""
            )
            lines.append(
                f"{task:<20} {data:<34} {model:<12} {_num(m['mae']):>10} "
                f"{_num(m['mae_w']):>10} {m['spearman']:>9.3f} {coverage:>9}"
            )
    for task, reason in result.get("skipped", {}).items():
        lines.append(f"{task:<20} skipped: {reason}")
    return "\n".join(lines)


def _num(value: float) -> str:
    return f"{value:.3f}" if abs(value) < 10 else f"{value:,.0f}"


def model_card(
    bundle: Bundle, summary: Mapping[str, Any], skipped: Mapping[str, str], config: OutcomeConfig
) -> str:
    rows = format_report({"tasks": summary, "skipped": skipped})
    lines = [
        f"# {config.model_name}: program outcome model",
        "",
        "Predicts a training program's employment rate (NJ ETPL, Q2 after exit) and earnings "
        "(NJ average quarterly wage in Q2; College Scorecard median annual earnings) from "
        "its CIP family and series, credential, cost and hours where listed, provider "
        "footprint, and its target occupations' national wages and projected demand.",
        "",
        "## Data",
        "",
        f"- bundle `{bundle.hash}`; labels: NJ ETPL outcomes by provider x CIP "
        "(suppressed below 5 completers), College Scorecard field-of-study file "
        "(2015-16/2016-17 award cohorts, certificates and associate degrees).",
    ]
    for task, report in summary.items():
        lines.append(
            f"- `{task}`: {report['rows_labelled']} labelled rows of "
            f"{report['rows_total']} ({report['rows_suppressed']} suppressed or "
            f"missing), {report['providers']} providers; best parameters "
            f"`{json.dumps(report['best_params'], sort_keys=True)}`."
        )
    lines += [
        "",
        "## Held-out providers (grouped K-fold by provider)",
        "",
        "```",
        rows,
        "```",
        "",
        "MAE in label units (rate 0-1; USD per quarter for NJ earnings; USD per year "
        "for Scorecard); weighted MAE weights by the label's sample size; coverage is "
        f"the share of held-out labels inside the {config.interval_level:.0%} interval.",
        "",
        "## Limits",
        "",
        "- NJ only for employment: other states' ETPL outcomes are not in the data.",
        "- Most NJ outcome records have no catalog listing, so cost, hours and "
        "credential are usually missing; predictions for listed programs lean on CIP "
        "and provider features.",
        "- Wages and projections are national (OEWS, EP 2024-34), not regional.",
        "- Scorecard cohorts are 2015-17 and cover Title IV institutions only.",
        "- Some NJ records report 0% employment with no wages; they are kept as "
        "reported and may reflect unmatched wage records rather than no employment.",
        "- Intervals are calibrated on held-out providers of the same data; they are "
        "not guarantees for other states or years.",
    ]
    return "\n".join(lines) + "\n"
