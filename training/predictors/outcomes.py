"""The program-outcome predictor: a trained outcome model directory loaded and applied.

``training.outcome_model`` fits the three tasks (see its docstring for data, evaluation and
the search); this module holds what a saved model needs to predict: the task specs, the
feature encoder, the empirical-Bayes CIP-family prior and the conformal intervals. It imports
no Ray, no ``training.search`` and no MLflow, so serving loads a model without them.

Shrinkage of small programs (``FamilyPrior.shrink``): a reported rate y over n completers
becomes (n*y + k*m) / (n + k), m the program's CIP-family EB mean and k the prior strength:
beta-binomial for rates (k = a + b of the beta prior, by method of moments) and normal-normal
for earnings (k = sigma^2 / tau^2: within-program noise over between-program variance, from
regressing squared residuals on 1/n). A program with n = 5 moves most of the way to its
family; one with n = 500 barely moves.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from features.program_features import CATEGORICAL, etpl_program_features
from matching.ingest.bundle import Bundle

MODEL_NAME = "pathmatch-outcome"
MODEL_FORMAT = "pathmatch-outcome/1"
META_FILE = "outcome_model.json"
PRIOR_FEATURE = "family_prior"


@dataclass(frozen=True)
class TaskSpec:
    """One prediction target: where its rows come from and how it is measured."""

    name: str
    dataset: str  # "nj" or "scorecard"
    label: str
    weight: str  # the label's sample size: regression weight and shrinkage n
    kind: str  # "rate" (in [0, 1]) or "amount" (USD)
    output: str  # prefix of the prediction columns
    description: str


TASKS: dict[str, TaskSpec] = {
    "nj_employment": TaskSpec(
        "nj_employment",
        "nj",
        "label_employment_rate",
        "label_employment_n",
        "rate",
        "employment_rate",
        "NJ ETPL share of completers employed in Q2 after exit",
    ),
    "nj_earnings": TaskSpec(
        "nj_earnings",
        "nj",
        "label_quarterly_wage",
        "label_wage_n",
        "amount",
        "quarterly_wage",
        "NJ ETPL average quarterly wage in Q2 after exit, USD",
    ),
    "scorecard_earnings": TaskSpec(
        "scorecard_earnings",
        "scorecard",
        "label_median_earnings",
        "label_earnings_n",
        "amount",
        "median_earnings",
        "College Scorecard median annual earnings of completers (2015-17 cohorts), USD",
    ),
}


# --------------------------------------------------------------------------- empirical Bayes


def shrink_toward(
    values: np.ndarray, n: np.ndarray, prior_mean: np.ndarray | float, strength: float
) -> np.ndarray:
    """Posterior mean (n*y + k*m) / (n + k): beta-binomial for rates, normal-normal for
    amounts with k = sigma^2/tau^2. A null n counts as 0 (the prior mean); a null value
    stays null."""
    values = np.asarray(values, dtype=float)
    n = np.nan_to_num(np.asarray(n, dtype=float), nan=0.0).clip(min=0.0)
    prior = np.broadcast_to(np.asarray(prior_mean, dtype=float), values.shape)
    out = (n * np.nan_to_num(values) + strength * prior) / (n + strength)
    return np.where(np.isnan(values), np.nan, out)


def _weighted_mean(y: np.ndarray, w: np.ndarray) -> float:
    total = float(w.sum())
    return float((y * w).sum() / total) if total > 0 else float(np.mean(y))


def _rate_strength(y: np.ndarray, n: np.ndarray, centre: np.ndarray) -> float:
    """Beta prior strength a+b by method of moments around the family means."""
    m = float(np.clip(np.mean(centre), 0.01, 0.99))
    sampling = float(
        np.mean(centre.clip(0.01, 0.99) * (1 - centre.clip(0.01, 0.99)) / np.maximum(n, 1))
    )
    between = max(float(np.var(y - centre)) - sampling, 1e-4)
    return float(np.clip(m * (1 - m) / between - 1, 0.5, 1000.0))


def _amount_strength(y: np.ndarray, n: np.ndarray, centre: np.ndarray) -> float:
    """sigma^2/tau^2 from regressing squared residuals on [1, 1/n] (variance components)."""
    design = np.column_stack([np.ones_like(y), 1.0 / np.maximum(n, 1)])
    coef, *_ = np.linalg.lstsq(design, (y - centre) ** 2, rcond=None)
    tau2 = max(float(coef[0]), 1e-9 * float(np.var(y) + 1.0))
    sigma2 = max(float(coef[1]), 0.0)
    return float(np.clip(sigma2 / tau2, 0.5, 1000.0))


@dataclass
class FamilyPrior:
    """EB CIP-family means (fitted on training rows only) and the program prior strength."""

    kind: str
    global_mean: float
    family_mean: dict[str, float]
    family_count: dict[str, int]
    family_strength: float
    program_strength: float

    @classmethod
    def fit(cls, y: np.ndarray, n: np.ndarray, family: Sequence[str], kind: str) -> FamilyPrior:
        y, n = np.asarray(y, float), np.asarray(n, float)
        fam = np.asarray(family, dtype=object)
        w = np.nan_to_num(n, nan=1.0).clip(min=1.0)
        overall = _weighted_mean(y, w)
        names = sorted({str(f) for f in fam})
        raw = {f: _weighted_mean(y[fam == f], w[fam == f]) for f in names}
        count = {f: int(np.sum(fam == f)) for f in names}
        centre = np.array([raw[str(f)] for f in fam])
        within = float(np.var(y - centre)) if len(y) > 1 else 0.0
        means = np.array(list(raw.values()))
        counts = np.array(list(count.values()), dtype=float)
        tau2 = (
            max(float(np.var(means)) - float(np.mean(within / counts)), 1e-12)
            if len(means) > 1
            else 1e-12
        )
        family_strength = float(np.clip(within / tau2, 0.0, 1e4)) if within > 0 else 0.0
        shrunk = {
            f: float(
                shrink_toward(
                    np.array([raw[f]]), np.array([count[f]]), overall, max(family_strength, 1e-9)
                )[0]
            )
            for f in names
        }
        strength = (
            _rate_strength(y, w, centre) if kind == "rate" else _amount_strength(y, w, centre)
        )
        return cls(kind, overall, shrunk, count, family_strength, strength)

    def transform(self, family: Sequence[str | None]) -> np.ndarray:
        """The EB family mean for each row; families unseen in training get the overall mean."""
        return np.array(
            [self.family_mean.get(str(f), self.global_mean) for f in family], dtype=float
        )

    def shrink(self, values: np.ndarray, n: np.ndarray, family: Sequence[str | None]) -> np.ndarray:
        """Reported outcomes pulled toward their CIP family mean, the more the smaller n."""
        return shrink_toward(values, n, self.transform(family), self.program_strength)


# --------------------------------------------------------------------------- encoding and intervals


@dataclass
class Encoder:
    """Feature frame -> float matrix: categoricals as training-vocabulary codes (unknown ->
    NaN, which LightGBM treats as missing), numerics as floats, nulls as NaN."""

    features: list[str]
    vocab: dict[str, list[str]]

    @classmethod
    def fit(cls, frame: pl.DataFrame, features: list[str]) -> Encoder:
        vocab = {
            c: sorted(frame[c].drop_nulls().unique().to_list())
            for c in features
            if c in CATEGORICAL
        }
        return cls(list(features), vocab)

    @property
    def columns(self) -> list[str]:
        return [*self.features, PRIOR_FEATURE]

    @property
    def categorical_index(self) -> list[int]:
        return [i for i, c in enumerate(self.features) if c in self.vocab]

    def matrix(self, frame: pl.DataFrame, prior: np.ndarray) -> np.ndarray:
        exprs = []
        for c in self.features:
            if c not in frame.columns:
                exprs.append(pl.lit(None, pl.Float64).alias(c))
            elif c in self.vocab:
                mapping = {v: float(i) for i, v in enumerate(self.vocab[c])}
                exprs.append(
                    pl.col(c)
                    .cast(pl.String)
                    .replace_strict(mapping, default=None, return_dtype=pl.Float64)
                    .alias(c)
                )
            else:
                exprs.append(pl.col(c).cast(pl.Float64).alias(c))
        values = frame.select(exprs).to_numpy().astype(float)
        return np.column_stack([values, np.asarray(prior, float)])


def size_band(size: np.ndarray, edges: Sequence[float]) -> np.ndarray:
    """Band index by cohort size; unknown size gets -1 (served by the widest band)."""
    size = np.asarray(size, float)
    band = np.searchsorted(np.asarray(edges, float), np.nan_to_num(size, nan=0.0), side="right")
    return np.where(np.isnan(size), -1, band)


def apply_interval(
    pred: np.ndarray, bands: np.ndarray, quantiles: Sequence[float], kind: str
) -> tuple[np.ndarray, np.ndarray]:
    q_all = np.asarray(quantiles, float)
    q = np.where(bands < 0, q_all.max(), q_all[np.clip(bands, 0, len(q_all) - 1)])
    if kind == "rate":
        return np.clip(pred - q, 0.0, 1.0), np.clip(pred + q, 0.0, 1.0)
    return pred * np.exp(-q), pred * np.exp(q)


# --------------------------------------------------------------------------- predictor


@dataclass
class TaskModel:
    spec: TaskSpec
    encoder: Encoder
    prior: FamilyPrior
    booster: Any
    size_edges: list[float]
    quantiles: list[float]
    level: float


class OutcomePredictor:
    """Loads a trained model directory and predicts outcomes with intervals.

    ``predict(frame)`` runs every task whose features are all columns of ``frame`` (e.g. the
    NJ tasks on ``features.program_features.etpl_program_features(bundle).frame``) and returns
    the frame with, per task, ``<output>_pred``, ``<output>_lo``, ``<output>_hi`` (the
    interval at the trained level) and ``<output>_family_mean`` (the EB CIP-family mean).
    For NJ earnings it also adds ``annual_earnings_*`` = quarterly wage x 4, a rough annualization.
    """

    def __init__(self, meta: dict[str, Any], tasks: dict[str, TaskModel]) -> None:
        self.meta = meta
        self.tasks = tasks

    @classmethod
    def load(cls, directory: Path) -> OutcomePredictor:
        import lightgbm as lgb

        directory = Path(directory)
        meta = json.loads((directory / META_FILE).read_text())
        if meta.get("format") != MODEL_FORMAT:
            raise ValueError(f"{directory} is not a {MODEL_FORMAT} model")
        tasks = {}
        for name, entry in meta["tasks"].items():
            booster = lgb.Booster(model_file=str(directory / entry["booster"]))
            tasks[name] = TaskModel(
                TaskSpec(**entry["spec"]),
                Encoder(entry["features"], entry["vocab"]),
                FamilyPrior(**entry["family_prior"]),
                booster,
                entry["interval"]["size_edges"],
                entry["interval"]["quantiles"],
                entry["interval"]["level"],
            )
        return cls(meta, tasks)

    def applicable(self, frame: pl.DataFrame) -> list[str]:
        return [
            name
            for name, task in self.tasks.items()
            if set(task.encoder.features) <= set(frame.columns)
        ]

    def predict(self, frame: pl.DataFrame, tasks: Sequence[str] | None = None) -> pl.DataFrame:
        names = list(tasks) if tasks is not None else self.applicable(frame)
        if not names:
            raise ValueError(
                "no outcome task has all its features in this frame; build it "
                "with features.program_features"
            )
        columns: dict[str, np.ndarray] = {}
        size = (
            frame["size"].to_numpy().astype(float)
            if "size" in frame.columns
            else np.full(frame.height, np.nan)
        )
        for name in names:
            task = self.tasks[name]
            family = frame["cip_family"].to_list()
            prior = task.prior.transform(family)
            raw = task.booster.predict(task.encoder.matrix(frame, prior))
            kind = task.spec.kind
            pred = np.clip(raw, 0.0, 1.0) if kind == "rate" else np.exp(raw)
            lo, hi = apply_interval(pred, size_band(size, task.size_edges), task.quantiles, kind)
            out = task.spec.output
            columns.update(
                {f"{out}_pred": pred, f"{out}_lo": lo, f"{out}_hi": hi, f"{out}_family_mean": prior}
            )
            if out == "quarterly_wage":
                columns.update(
                    {
                        "annual_earnings_pred": pred * 4,
                        "annual_earnings_lo": lo * 4,
                        "annual_earnings_hi": hi * 4,
                    }
                )
        return frame.with_columns([pl.Series(k, v, dtype=pl.Float64) for k, v in columns.items()])

    def shrink(
        self, task: str, values: np.ndarray, n: np.ndarray, families: Sequence[str | None]
    ) -> np.ndarray:
        """Reported outcomes shrunk toward their CIP family (EB); small n moves most."""
        return self.tasks[task].prior.shrink(values, n, families)


def predict_programs(bundle: Bundle, directory: Path) -> pl.DataFrame:
    """Predicted outcomes with intervals for every listed ETPL program, plus its reported
    outcomes and their EB-shrunk values (the CLI's ``pathmatch programs`` table)."""
    predictor = OutcomePredictor.load(directory)
    table = etpl_program_features(bundle)
    out = predictor.predict(table.frame)
    shrunk = []
    for task, value, n in (
        ("nj_employment", "reported_employment_rate", "reported_employment_n"),
        ("nj_earnings", "reported_earnings", "reported_earnings_n"),
    ):
        if task in predictor.tasks:
            values = predictor.shrink(
                task,
                table.frame[value].to_numpy().astype(float),
                table.frame[n].to_numpy().astype(float),
                table.frame["cip_family"].to_list(),
            )
            shrunk.append(pl.Series(f"{value}_shrunk", values, dtype=pl.Float64, nan_to_null=True))
    return out.with_columns(shrunk)
