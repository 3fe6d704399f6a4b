"""The PIRL-trained referral ranker: a learned combination of the six referral score parts.

``matching.referral.referrals`` ranks (program, target occupation) pairs by a documented, hand-set
weighting of six parts (``ScoreWeights``). Where a state has WIOA PIRL outcome records, this
module learns the combination from what happened to people who trained for an occupation.

**Data.** One PIRL record per period of participation, read by the project's PIRL loader
(``matching.ingest.loaders.participants.load_pirl``: every layout spelling, rejects with line and
field). A record is used when the participant received training (PIRL1300 = 1), names the
occupation trained for (PIRL1306, O*NET-SOC) and has a known 2nd-quarter employment status
(PIRL1602 not 9); every other record is counted by reason and listed in the rejects file,
never silently dropped. The prior wage is PIRL1702 (wages in the 1st quarter before
participation) / 520 hours (13 weeks x 40 h, a full-time hourly equivalent); the PIRL public
use file has no job titles or intake text, so a state may add its intake records (pathmatch
intake format, joined on the participant id) for the parts that need them (role fit, skill
fit). Without intake records those two parts are 0 for everyone and the model card says so.

**Features** per (record, trained-for occupation): the six ``ScoreParts`` computed by
``matching.referral.referrals.score_target`` for the participant's intake fields against that
occupation, with the program-level parts (gap closed, outcome) averaged over the region's
programs leading to it; plus ``education_rank`` (PIRL408 order) and ``prior_wage_band``.
Protected attributes (sex, race and ethnicity, age, disability) are never features: they are
read by the loader (for the disparity summary elsewhere) and dropped here.

**Label and model.** ``employed_q2`` (PIRL1602). LambdaRank needs several candidates per
query, and a PIRL record has exactly one training per participant, so queries would be
singletons: instead a pointwise LightGBM classifier estimates P(employed in Q2 | features)
and that probability re-ranks a participant's candidates (``ReferralRanker.scorer`` in
``training.predictors.referrals``, which serving loads without this module).

**Evaluation.** Grouped K-fold by participant id (a person's several records stay in one
fold). On held-out folds: AUC, log-loss, and NDCG of the induced ranking of the fold's
records with graded relevance (0 not employed, 1 employed, 2 employed with Q2 wages / 520
above the prior hourly wage), for LightGBM and baselines fitted on the training folds only:
the fixed ``ScoreWeights`` score, the outcome part alone (both Platt-scaled for log-loss) and
the base rate (log-loss only). The search goes through ``training.search.run_search`` (Ray
tasks, one MLflow run each); the best configuration (lowest log-loss) is refitted on all
records and registered as ``pathmatch-referral-ranker`` (alias ``champion``) with a model
card naming the data. No participant data reaches MLflow, the card or an error message.
"""

from __future__ import annotations

import csv
import json
import math
import time
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from matching.ingest.loaders.base import Col, LoadReport, build_table, read_csv_records
from matching.ingest.loaders.participants import element, load_intake, load_pirl, non_negative
from matching.referral.referrals import (
    ParticipantReader,
    RegionContext,
    ScoreWeights,
    SkillEvidence,
    SourceOccupation,
    read_person,
    score_target,
)
from matching.schemas import Participant
from matching.settings import Settings, get_settings
from training.predictors.referrals import (
    FEATURES,
    META_FILE,
    MODEL_FORMAT,
    MODEL_NAME,
    PART_FEATURES,
    PROTECTED,
    person_features,
)

EXPERIMENT = "pathmatch-referral-ranker"
BOOSTER_FILE = "ranker.lgb.txt"
REJECTS_FILE = "pirl_rejects.csv"
HOURS_PER_QUARTER = 520.0

Progress = Callable[[str, int, int], None]


# --------------------------------------------------------------------------- configuration


@dataclass
class RankerConfig:
    """``training/configs/referral_ranker.toml``: folds, search grid, NDCG cut-off."""

    grid: dict[str, list[Any]]
    folds: int = 5
    n_configs: int = 8
    seed: int = 11
    ndcg_k: int = 20
    max_concurrency: int | None = None
    num_cpus: int | None = None
    experiment: str = EXPERIMENT
    model_name: str = MODEL_NAME


def load_config(path: Path) -> RankerConfig:
    raw = tomllib.loads(Path(path).read_text())
    search = raw.get("search", {})
    return RankerConfig(
        grid=raw["grid"],
        folds=int(raw.get("folds", 5)),
        n_configs=int(search.get("n_configs", 8)),
        seed=int(search.get("seed", 11)),
        ndcg_k=int(raw.get("ndcg_k", 20)),
        max_concurrency=search.get("max_concurrency"),
        num_cpus=search.get("num_cpus"),
        experiment=raw.get("experiment", EXPERIMENT),
        model_name=raw.get("model_name", MODEL_NAME),
    )


# --------------------------------------------------------------------------- reading PIRL


@dataclass
class PirlTraining:
    """The usable PIRL records and the account of everything else."""

    records: pl.DataFrame
    report: LoadReport
    rows_read: int
    excluded: dict[str, int] = field(default_factory=dict)
    with_intake: bool = False

    def write_rejects(self, path: Path) -> Path:
        """Every rejected, repaired or excluded record: file, line, field, reason (no values)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["file", "line", "field", "severity", "reason"])
            for r in self.report.rejects:
                writer.writerow(
                    [r.file, "" if r.line is None else r.line, r.field or "", r.severity, r.reason]
                )
        return path


PRIOR_WAGE_SPEC: tuple[Col, ...] = (
    Col("participant_id", element("PIRL100"), required=True),
    Col(
        "prior_quarter_wages",
        element("PIRL1702"),
        kind="float",
        normalize=non_negative,
        problem="wages not a non-negative number",
        optional_column=True,
    ),
)

EXCLUSIONS: tuple[tuple[str, str, pl.Expr], ...] = (
    (
        "received_training",
        "not used: no training received (PIRL1300 not 1)",
        pl.col("received_training").fill_null(False).not_(),
    ),
    (
        "training_onet_code",
        "not used: no occupation trained for (PIRL1306 blank or invalid)",
        pl.col("training_onet_code").is_null(),
    ),
    (
        "employed_q2",
        "not used: Q2 employment not available (PIRL1602 blank or 9)",
        pl.col("employed_q2").is_null(),
    ),
)


def read_pirl(pirl: Path, intake: Path | None = None) -> PirlTraining:
    """Load a PIRL-layout CSV (and optional intake records) into training records.

    Raises ValueError when no record is usable, naming the counts per reason.
    """
    loaded = load_pirl([Path(pirl)])
    report, table = loaded.report, loaded.table
    # second pass for PIRL1702 only; structural problems were reported by the first pass
    second = LoadReport("pirl_prior_wages")
    wages = build_table(
        read_csv_records(Path(pirl), second), PRIOR_WAGE_SPEC, second, record_key=None
    )
    report.rejects.extend(r for r in second.rejects if r.field == "prior_quarter_wages")
    table = table.join(wages.select("_line", "prior_quarter_wages"), on="_line", how="left")
    excluded: dict[str, int] = {}
    for name, reason, expr in EXCLUSIONS:
        dropped = table.filter(expr)
        excluded[reason] = dropped.height
        for line in dropped["_line"].to_list():
            report.reject(pirl, line, name, reason, severity="missing")
        table = table.filter(expr.not_())
    table = _with_intake(table, intake, report)
    if table.is_empty():
        raise ValueError(
            f"{Path(pirl).name}: no PIRL record is usable for training "
            f"({loaded.table.height} read; "
            + "; ".join(f"{n} {r}" for r, n in excluded.items() if n)
            + ")"
        )
    prior = pl.col("prior_quarter_wages") / HOURS_PER_QUARTER
    table = table.with_columns(
        pl.coalesce(pl.col("last_hourly_wage"), pl.when(prior > 0).then(prior)).alias(
            "last_hourly_wage"
        )
    )
    return PirlTraining(
        table.drop(sorted(PROTECTED & set(table.columns))),
        report,
        loaded.table.height,
        excluded,
        intake is not None,
    )


def _with_intake(table: pl.DataFrame, intake: Path | None, report: LoadReport) -> pl.DataFrame:
    """Titles, intake text and last wage from the state's intake records, by participant."""
    if intake is None:
        return table
    loaded = load_intake([Path(intake)])
    report.merge(loaded.report)
    people = loaded.table.select(
        "participant_id",
        pl.col("past_job_titles").alias("_titles"),
        pl.col("intake_text").alias("_text"),
        pl.col("last_hourly_wage").alias("_wage"),
    )
    return (
        table.join(people, on="participant_id", how="left")
        .with_columns(
            pl.coalesce("_titles", "past_job_titles").alias("past_job_titles"),
            pl.coalesce("_text", "intake_text").alias("intake_text"),
            pl.coalesce("_wage", "last_hourly_wage").alias("last_hourly_wage"),
        )
        .drop("_titles", "_text", "_wage")
    )


# --------------------------------------------------------------------------- features


class CachedReader:
    """A ``ParticipantReader`` that runs each distinct text or title list once: PIRL files
    repeat titles and case notes across records."""

    def __init__(self, reader: ParticipantReader) -> None:
        self._skills = lru_cache(maxsize=8192)(
            lambda text, context: reader.intake_skills(text, context)
        )
        self._titles = lru_cache(maxsize=8192)(lambda t: reader.title_occupations(list(t)))
        self._targets = lru_cache(maxsize=8192)(reader.transition_targets)

    def intake_skills(self, text: str, context: Sequence[str] = ()) -> list[SkillEvidence]:
        return self._skills(text, tuple(context))

    def title_occupations(self, titles: Sequence[str]) -> list[SourceOccupation]:
        return self._titles(tuple(titles))

    def transition_targets(self, code: str) -> dict[str, tuple[float, list[str]]] | None:
        return self._targets(code)


def participant_of(row: Mapping[str, Any], region: str) -> Participant:
    """The intake fields of one training record as a ``Participant`` (no protected fields)."""
    return Participant(
        participant_id=str(row["participant_id"]),
        past_job_titles=list(row.get("past_job_titles") or []),
        intake_text=row.get("intake_text"),
        education_level=row.get("education_level"),
        state=region,
        last_hourly_wage=row.get("last_hourly_wage"),
    )


def occupation_programs(ctx: RegionContext) -> dict[str, list[dict[str, Any]]]:
    """The region's programs leading to each occupation."""
    out: dict[str, list[dict[str, Any]]] = {}
    by_id = ctx.program_by_id
    for pid, codes in ctx.leads_to.items():
        for code in codes:
            if pid in by_id:
                out.setdefault(code, []).append(by_id[pid])
    return out


def record_parts(
    participant: Participant,
    occupation: str,
    ctx: RegionContext,
    reader: ParticipantReader,
    programs: Sequence[dict[str, Any]],
    weights: ScoreWeights,
) -> dict[str, float]:
    """The six parts for one participant and trained-for occupation, program-level parts
    averaged over the region's programs leading there (one neutral program if none)."""
    person = read_person(participant, ctx, reader)
    chosen = list(programs) or [{"program_id": "", "name": ""}]
    parts = [score_target(p, occupation, person, ctx, weights, None).parts for p in chosen]
    return {k: float(np.mean([getattr(p, k) for p in parts])) for k in PART_FEATURES}


def feature_frame(
    records: pl.DataFrame,
    ctx: RegionContext,
    reader: ParticipantReader,
    weights: ScoreWeights | None = None,
    progress: Progress | None = None,
) -> pl.DataFrame:
    """One row per record: ``FEATURES`` in order (floats, NaN for unknown)."""
    weights = weights or ScoreWeights()
    cached = reader if isinstance(reader, CachedReader) else CachedReader(reader)
    programs = occupation_programs(ctx)
    rows = []
    total = records.height
    for i, row in enumerate(records.iter_rows(named=True)):
        person = participant_of(row, ctx.region)
        code = row["training_onet_code"]
        parts = record_parts(person, code, ctx, cached, programs.get(code, []), weights)
        rows.append({**parts, **person_features(person)})
        if progress and (i % 50 == 0 or i + 1 == total):
            progress("features", i + 1, total)
    return pl.DataFrame(rows, schema={f: pl.Float64 for f in FEATURES})


def labels(records: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``employed_q2`` (0/1) and graded relevance 0/1/2 (2: employed with Q2 wages / 520
    above the prior hourly wage)."""
    employed = records["employed_q2"].cast(pl.Int8).to_numpy().astype(int)
    hourly_after = (records["wages_q2"].fill_null(0.0) / HOURS_PER_QUARTER).to_numpy()
    prior = records["last_hourly_wage"].fill_null(math.inf).to_numpy()
    gained = (employed == 1) & (hourly_after > prior)
    return employed, employed + gained.astype(int)


# --------------------------------------------------------------------------- metrics


def _ndcg(relevance: np.ndarray, score: np.ndarray, k: int | None) -> float:
    from sklearn.metrics import ndcg_score

    if relevance.max(initial=0) <= 0 or len(relevance) < 2:
        return math.nan
    return float(ndcg_score(relevance[None, :], score[None, :], k=k))


def fold_metrics(y: np.ndarray, rel: np.ndarray, prob: np.ndarray, k: int) -> dict[str, float]:
    """AUC and log-loss of P(employed) and NDCG (all, @k) of the ranking it induces."""
    from sklearn.metrics import log_loss, roc_auc_score

    both = len(set(y.tolist())) == 2
    clipped = np.clip(prob, 1e-6, 1 - 1e-6)
    return {
        "auc": float(roc_auc_score(y, prob)) if both else math.nan,
        "logloss": float(log_loss(y, clipped, labels=[0, 1])),
        "ndcg": _ndcg(rel, prob, None),
        f"ndcg_at_{k}": _ndcg(rel, prob, k),
    }


def _mean_metrics(
    per_fold: Sequence[Mapping[str, float]],
) -> tuple[dict[str, float], dict[str, list[float]]]:
    metrics, steps = {}, {}
    for key in per_fold[0]:
        series = [float(f[key]) for f in per_fold]
        steps[f"{key}_fold"] = series
        finite = [v for v in series if not math.isnan(v)]
        metrics[key] = float(np.mean(finite)) if finite else math.nan
    return metrics, steps


# --------------------------------------------------------------------------- search


@dataclass
class RankerFolds:
    """Feature matrix, labels and grouped folds: prepared once, shared by every trial."""

    x: np.ndarray
    y: np.ndarray
    rel: np.ndarray
    folds: list[tuple[np.ndarray, np.ndarray]]
    seed: int
    ndcg_k: int


def fit_classifier(x: np.ndarray, y: np.ndarray, params: Mapping[str, Any], seed: int) -> Any:
    import lightgbm as lgb

    model = lgb.LGBMClassifier(
        **{**dict(params), "objective": "binary", "random_state": seed, "n_jobs": 1, "verbose": -1}
    )
    model.fit(x, y)
    return model


def lgbm_trial(params: dict[str, Any], data: RankerFolds) -> Any:
    """One configuration over all folds: held-out metrics and out-of-fold probabilities."""
    from training.search import TrialOutput

    oof = np.full(len(data.y), np.nan)
    per_fold = []
    for train, test in data.folds:
        model = fit_classifier(data.x[train], data.y[train], params, data.seed)
        oof[test] = model.predict_proba(data.x[test])[:, 1]
        per_fold.append(fold_metrics(data.y[test], data.rel[test], oof[test], data.ndcg_k))
    metrics, steps = _mean_metrics(per_fold)
    return TrialOutput(metrics=metrics, steps=steps, extra=oof.tolist())


def fixed_weight_score(x: np.ndarray, weights: ScoreWeights | None = None) -> np.ndarray:
    """The documented ``ScoreWeights`` combination of the part columns, in [0, 1]."""
    weights = weights or ScoreWeights()
    w = np.array([weights.parts()[k] for k in PART_FEATURES])
    return x[:, : len(PART_FEATURES)] @ w


def baseline_metrics(data: RankerFolds, score: np.ndarray | None) -> dict[str, float]:
    """Held-out metrics of a fixed score, Platt-scaled on each training fold for log-loss;
    ``score=None`` is the training-fold base rate."""
    from sklearn.linear_model import LogisticRegression

    per_fold = []
    for train, test in data.folds:
        if score is None:
            prob = np.full(len(test), data.y[train].mean())
            ranking = prob
        else:
            platt = LogisticRegression().fit(score[train, None], data.y[train])
            prob = platt.predict_proba(score[test, None])[:, 1]
            ranking = score[test]
        metrics = fold_metrics(data.y[test], data.rel[test], prob, data.ndcg_k)
        if score is not None:  # AUC and NDCG of the raw score (Platt is monotone either way)
            metrics.update(
                {
                    k: v
                    for k, v in fold_metrics(
                        data.y[test], data.rel[test], ranking, data.ndcg_k
                    ).items()
                    if k != "logloss"
                }
            )
        per_fold.append(metrics)
    return _mean_metrics(per_fold)[0]


# --------------------------------------------------------------------------- training


def train_referral_ranker(
    pirl: Path,
    ctx: RegionContext,
    reader: ParticipantReader,
    config_path: Path,
    *,
    intake: Path | None = None,
    bundle_hash: str = "",
    data_label: str | None = None,
    settings: Settings | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Read, featurize, search, evaluate against baselines, refit and register.

    ``data_label`` describes the data for the model card (e.g. that it is a synthetic
    fixture). Returns metrics per model, counts, the registered version and the model dir.
    """
    import mlflow

    from training import registry
    from training.outcome_model import grouped_folds
    from training.ray_runtime import ray_session
    from training.search import best_trial, run_search, sample_grid

    start = time.perf_counter()
    config = load_config(config_path)
    settings = registry.configure(settings or get_settings())
    tick = progress or (lambda *_: None)
    tick("reading PIRL records", 0, 1)
    data = read_pirl(pirl, intake)
    frame = feature_frame(data.records, ctx, reader, progress=tick)
    y, rel = labels(data.records)
    if len(set(y.tolist())) < 2:
        raise ValueError(
            f"{Path(pirl).name}: every usable record has the same Q2 employment "
            "status; a classifier cannot be trained"
        )
    groups = data.records["participant_id"].to_numpy()
    folds = grouped_folds(groups, config.folds, config.seed)
    fold_set = RankerFolds(
        frame.to_numpy().astype(float), y, rel, folds, config.seed, config.ndcg_k
    )
    configs = sample_grid(config.grid, config.n_configs, config.seed)
    experiment_id = registry.experiment(config.experiment, settings)
    done = [0]

    def on_trial(result: Any, total: int) -> None:
        done[0] += 1
        tick("search trials", done[0], total)

    with (
        ray_session(num_cpus=config.num_cpus),
        mlflow.start_run(run_name="referral-ranker", experiment_id=experiment_id) as run,
    ):
        counts = {
            "rows_read": data.rows_read,
            "rows_used": len(y),
            "participants": len(set(groups.tolist())),
            "folds": len(folds),
            "employed_share": round(float(y.mean()), 4),
        }
        mlflow.set_tags(
            {
                "bundle_hash": bundle_hash,
                "model": config.model_name,
                "region": ctx.region,
                "data": data_label or Path(pirl).name,
            }
        )
        mlflow.log_params(
            {
                **counts,
                "features": ",".join(FEATURES),
                "with_intake": data.with_intake,
                "seed": config.seed,
            }
        )
        results = run_search(
            lgbm_trial,
            configs,
            experiment=config.experiment,
            parent_run_name="search-referral-ranker",
            max_concurrency=config.max_concurrency,
            data=fold_set,
            settings=settings,
            num_cpus=config.num_cpus,
            on_trial=on_trial,
            parent_params=counts,
            tags={"bundle_hash": bundle_hash, "features": ",".join(FEATURES)},
        )
        best = best_trial(results, "logloss")
        tick("baselines", 0, 1)
        x = fold_set.x
        evaluation = {
            "lightgbm": best.metrics,
            "fixed_weights": baseline_metrics(fold_set, fixed_weight_score(x)),
            "outcome_part": baseline_metrics(fold_set, x[:, PART_FEATURES.index("outcome")]),
            "base_rate": baseline_metrics(fold_set, None),
        }
        mlflow.log_metrics(
            {
                f"{m}.{k}": v
                for m, vals in evaluation.items()
                for k, v in vals.items()
                if not math.isnan(v)
            }
        )
        tick("refit and register", 0, 1)
        model_dir = settings.home / "runs" / config.model_name / run.info.run_id
        model_dir.mkdir(parents=True, exist_ok=True)
        rejects = data.write_rejects(model_dir / REJECTS_FILE)
        result = {
            "name": config.model_name,
            "region": ctx.region,
            "counts": counts,
            "excluded": data.excluded,
            "rejects_file": str(rejects),
            "rejects": len(data.report.rejects),
            "with_intake": data.with_intake,
            "best_params": best.params,
            "trials": len(results),
            "trials_failed": sum(not r.ok for r in results),
            "metrics": evaluation,
            "data": data_label or Path(pirl).name,
            "ndcg_k": config.ndcg_k,
        }
        _save(model_dir, fit_classifier(x, y, best.params, config.seed), result, bundle_hash)
        card = model_card(result)
        (model_dir / "model_card.md").write_text(card)
        ref = registry.log_model_directory(
            config.model_name,
            model_dir,
            card=card,
            metrics={k: v for k, v in evaluation["lightgbm"].items() if not math.isnan(v)},
        )
    tick("done", 1, 1)
    return {
        **result,
        "version": ref.version,
        "run_id": ref.run_id,
        "model_dir": str(model_dir),
        "seconds": time.perf_counter() - start,
    }


def _save(model_dir: Path, model: Any, result: Mapping[str, Any], bundle_hash: str) -> None:
    model.booster_.save_model(str(model_dir / BOOSTER_FILE))
    meta = {
        "format": MODEL_FORMAT,
        "booster": BOOSTER_FILE,
        "features": list(FEATURES),
        "label": "employed_q2 (PIRL1602)",
        "bundle_hash": bundle_hash,
        "region": result["region"],
        "data": result["data"],
        "params": result["best_params"],
        "metrics": result["metrics"],
        "protected_attributes_excluded": sorted(PROTECTED),
    }
    (model_dir / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True))


# --------------------------------------------------------------------------- reporting


def format_report(result: Mapping[str, Any]) -> str:
    """Held-out metrics of the ranker next to its baselines."""
    k = result["ndcg_k"]
    lines = [f"{'model':<14} {'AUC':>7} {'log-loss':>9} {'NDCG':>7} {f'NDCG@{k}':>8}"]
    for name, m in result["metrics"].items():
        lines.append(
            f"{name:<14} {_fmt(m['auc']):>7} {_fmt(m['logloss']):>9} "
            f"{_fmt(m['ndcg']):>7} {_fmt(m[f'ndcg_at_{k}']):>8}"
        )
    return "\n".join(lines)


def _fmt(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.3f}"


def model_card(result: Mapping[str, Any]) -> str:
    counts = result["counts"]
    excluded = "; ".join(f"{n} {r}" for r, n in result["excluded"].items() if n) or "none"
    intake = (
        "joined with the state's intake records (titles, intake text)"
        if result["with_intake"]
        else "PIRL only: no titles or intake text, so role fit and skill fit are 0 for every record"
    )
    return (
        "\n".join(
            [
                f"# {result['name']}: PIRL-trained referral ranker ({result['region']})",
                "",
                "P(employed in the 2nd quarter after exit) from the six referral score parts "
                "(role fit, skill fit, gap closed, demand, wage gain, outcome) plus education and "
                "prior wage band; a pointwise LightGBM classifier used to re-rank a participant's "
                "candidates. Protected attributes (sex, race and ethnicity, age, disability) are "
                "not features.",
                "",
                "## Data",
                "",
                f"- {result['data']}",
                f"- {counts['rows_read']} records read, {counts['rows_used']} used "
                f"({counts['participants']} participants, {counts['employed_share']:.0%} employed "
                f"in Q2); excluded: {excluded}; {result['rejects']} rejected, repaired or excluded "
                "records listed in the rejects file (line, field, reason).",
                f"- {intake}.",
                "",
                f"## Held-out participants (grouped {counts['folds']}-fold by participant)",
                "",
                "```",
                format_report(result),
                "```",
                "",
                "Baselines fitted on training folds only: the fixed ScoreWeights score and the "
                "outcome part alone (Platt-scaled for log-loss), and the base rate. NDCG ranks "
                "each held-out fold's records by the score with relevance 0 not employed, "
                "1 employed, 2 employed above the prior hourly wage.",
                "",
                "## Limits",
                "",
                "- One training per participant: the model learns which (person, occupation) "
                "combinations led to work, not a counterfactual comparison of programs for the "
                "same person; selection into training is not corrected for.",
                "- Program-level parts are averaged over the region's programs leading to the "
                "occupation trained for, because PIRL names the occupation, not the program.",
                "- PIRL public-use wages are rounded and noised; prior wage is PIRL1702 / 520 h.",
                "- Trained for one region's programs, demand and wages; retrain per state.",
                "- If the data line above says synthetic fixture, every figure here is from "
                "generated outcomes and says nothing about real participants.",
            ]
        )
        + "\n"
    )
