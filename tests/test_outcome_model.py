"""Program-outcome model: leakage-free features, grouped CV, shrinkage, end-to-end training.

Real components only: a bundle imported from demo/data, a local Ray (one per module), MLflow
on SQLite under tmp_path.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from features.program_features import (
    FEATURE_DOCS,
    OUTCOME_COLUMNS,
    etpl_program_features,
    leakage_columns,
    nj_outcome_features,
    scorecard_features,
)
from matching.ingest.bundle import Bundle
from training.outcome_model import (
    conformal_quantile,
    family_encoding,
    format_report,
    grouped_folds,
    task_data,
    train_outcome_model,
)
from training.predictors.outcomes import (
    TASKS,
    FamilyPrior,
    OutcomePredictor,
    predict_programs,
    shrink_toward,
)

DEMO_DATA = Path(__file__).resolve().parents[1] / "demo" / "data"

TINY_CONFIG = """
[tasks]
enabled = ["nj_employment", "nj_earnings", "scorecard_earnings"]
[defaults]
folds = 3
n_configs = 2
[search]
seed = 3
max_concurrency = 2
[grid]
n_estimators = [20, 30]
learning_rate = [0.1]
num_leaves = [4]
min_child_samples = [3]
"""


@pytest.fixture(scope="module")
def bundle(demo_bundle: Path) -> Bundle:
    return Bundle(demo_bundle)


class Tables:
    """An in-memory table source (the same interface as Bundle) for edited copies."""

    def __init__(self, bundle: Bundle, replace: dict[str, pl.DataFrame]) -> None:
        self.bundle, self.replace = bundle, replace

    def has(self, name: str) -> bool:
        return name in self.replace or self.bundle.has(name)

    def table(self, name: str) -> pl.DataFrame:
        return self.replace.get(name) if name in self.replace else self.bundle.table(name)


# --------------------------------------------------------------------------- features


def test_features_are_documented_and_not_outcomes(bundle: Bundle) -> None:
    for table in (
        nj_outcome_features(bundle),
        scorecard_features(bundle),
        etpl_program_features(bundle),
    ):
        assert leakage_columns(table) == []
        assert not set(table.features) & OUTCOME_COLUMNS
        assert all(f in FEATURE_DOCS for f in table.features)
        assert set(table.features) <= set(table.frame.columns)
    nj = nj_outcome_features(bundle)
    assert nj.frame.height == bundle.table("etpl_outcomes").height  # every record kept


def test_features_do_not_change_when_outcomes_change(bundle: Bundle) -> None:
    """Scrambling every outcome column leaves every feature value unchanged."""
    rng = np.random.default_rng(0)

    def scramble(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.with_columns(
            [
                pl.col(c).shuffle(seed=int(rng.integers(1000)))
                for c in frame.columns
                if c in OUTCOME_COLUMNS
            ]
        )

    edited = Tables(
        bundle, {name: scramble(bundle.table(name)) for name in ("etpl_outcomes", "etpl_programs")}
    )
    before, after = nj_outcome_features(bundle), nj_outcome_features(edited)
    assert before.frame.select(before.features).equals(after.frame.select(after.features))
    before, after = etpl_program_features(bundle), etpl_program_features(edited)
    assert before.frame.select(before.features).equals(after.frame.select(after.features))
    sc = bundle.table("scorecard_fos")
    edited = Tables(bundle, {"scorecard_fos": scramble(sc)})
    before, after = scorecard_features(bundle), scorecard_features(edited)
    assert before.frame.select(before.features).equals(after.frame.select(after.features))


# --------------------------------------------------------------------------- folds and priors


def test_grouped_folds_never_share_a_provider(bundle: Bundle) -> None:
    data = task_data(nj_outcome_features(bundle), TASKS["nj_employment"])
    groups = data.groups
    seen: list[str] = []
    for train, test in grouped_folds(groups, 5, seed=1):
        assert not set(groups[train]) & set(groups[test])
        seen.extend(sorted(set(groups[test])))
    assert sorted(seen) == sorted(set(groups))  # each provider held out exactly once
    many = np.repeat(np.arange(40).astype(str), 3)
    for train, test in grouped_folds(many, 4, seed=2):
        assert not set(many[train]) & set(many[test])


def test_family_encoding_reads_training_labels_only(bundle: Bundle) -> None:
    data = task_data(nj_outcome_features(bundle), TASKS["nj_employment"])
    train, test = grouped_folds(data.groups, 3, seed=0)[0]
    _, test_enc, _ = family_encoding(data, train, test, seed=0)
    changed = (
        data.frame.with_row_index("i")
        .with_columns(
            pl.when(pl.col("i").is_in(test.tolist()))
            .then(pl.lit(0.0))
            .otherwise(pl.col(data.spec.label))
            .alias(data.spec.label)
        )
        .drop("i")
    )
    data_changed = type(data)(data.spec, changed, data.features, data.group, 0, 0)
    _, test_enc_changed, _ = family_encoding(data_changed, train, test, seed=0)
    np.testing.assert_allclose(test_enc, test_enc_changed)


def test_shrinkage_pulls_small_programs_toward_their_family() -> None:
    rng = np.random.default_rng(1)
    fam = np.array(["51"] * 60 + ["52"] * 60)
    true = np.where(fam == "51", 0.8, 0.5) + rng.normal(0, 0.1, 120)
    n = rng.integers(5, 200, 120).astype(float)
    rates = rng.binomial(n.astype(int), true.clip(0, 1)) / n
    prior = FamilyPrior.fit(rates, n, fam, "rate")
    assert prior.family_mean["51"] == pytest.approx(0.8, abs=0.05)
    family_mean = prior.family_mean["51"]
    small, large = prior.shrink(np.array([0.3, 0.3]), np.array([5.0, 500.0]), ["51", "51"])
    assert 0.3 < large < small < family_mean  # both move toward 0.8, the small one more
    assert abs(small - family_mean) < abs(0.3 - family_mean) / 2
    assert abs(large - 0.3) < 0.1
    # earnings: normal-normal on the same principle
    wages = np.where(fam == "51", 9000.0, 5000.0) + rng.normal(0, 3000, 120) / np.sqrt(n)
    wages += rng.normal(0, 300, 120)
    prior = FamilyPrior.fit(wages, n, fam, "amount")
    small, large = prior.shrink(np.array([2000.0, 2000.0]), np.array([5.0, 500.0]), ["51", "51"])
    assert 2000 < large < small < prior.family_mean["51"]
    # a family with two programs is pulled toward the overall mean, a big one is not
    families = np.array([f"{f:02d}" for f in range(10) for _ in range(30)] + ["99", "99"])
    centres = np.concatenate([np.repeat(rng.normal(0.6, 0.05, 10), 30), [0.1, 0.1]])
    y = (centres + rng.normal(0, 0.15, len(centres))).clip(0, 1)
    y[-2:] = 0.1
    prior = FamilyPrior.fit(y, np.full(len(y), 50.0), families, "rate")
    assert prior.family_mean["99"] > 0.2
    raw_00 = float(y[families == "00"].mean())
    assert prior.family_mean["00"] == pytest.approx(raw_00, abs=0.03)
    # null reported values stay null; a null n means no data (the prior)
    out = shrink_toward(np.array([np.nan, 0.2]), np.array([10.0, np.nan]), 0.6, 5.0)
    assert np.isnan(out[0]) and out[1] == pytest.approx(0.6)


def test_conformal_quantile_rank() -> None:
    residuals = np.arange(1.0, 101.0)
    assert conformal_quantile(residuals, 0.8) == 81.0
    assert conformal_quantile(residuals[:3], 0.9) == 3.0


# --------------------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def trained(bundle: Bundle, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """One real training run (Ray + MLflow on SQLite) shared by the end-to-end tests."""
    from training.ray_runtime import ray_session

    home = tmp_path_factory.mktemp("home")
    config = home / "tiny.toml"
    config.write_text(TINY_CONFIG)
    with pytest.MonkeyPatch.context() as mp, ray_session(num_cpus=2):
        mp.setenv("PATHMATCH_HOME", str(home))
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        mp.delenv("PATHMATCH_BUNDLE", raising=False)
        stages: list[str] = []
        result = train_outcome_model(bundle, config, progress=lambda s, i, n: stages.append(s))
        yield {"result": result, "home": home, "stages": stages}


@pytest.mark.slow
def test_training_registers_a_champion_that_predicts(trained: dict, bundle: Bundle) -> None:
    from training.registry import resolve

    result = trained["result"]
    assert result["version"] == "1" and result["bundle_hash"] == bundle.hash
    assert set(result["tasks"]) == {"nj_employment", "nj_earnings", "scorecard_earnings"}
    for report in result["tasks"].values():
        for model in ("lightgbm", "family_mean", "ridge"):
            assert report[model]["mae"] >= 0
        assert 0 <= report["lightgbm"]["coverage"] <= 1
        assert report["rows_labelled"] + report["rows_suppressed"] == report["rows_total"]
    table = format_report(result)
    assert "family_mean" in table and "ridge" in table and "Spearman" in table
    assert "done" in trained["stages"]

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATHMATCH_HOME", str(trained["home"]))
        ref = resolve("pathmatch-outcome")
    predictor = OutcomePredictor.load(ref.path)
    programs = etpl_program_features(bundle).frame
    out = predictor.predict(programs)
    assert out.height == programs.height
    for name in ("employment_rate", "quarterly_wage"):
        pred, lo, hi = (out[f"{name}_{part}"].to_numpy() for part in ("pred", "lo", "hi"))
        assert np.isfinite(pred).all()
        assert (lo <= pred).all() and (pred <= hi).all()
    rate = out["employment_rate_pred"].to_numpy()
    assert ((rate >= 0) & (rate <= 1)).all()
    # Scorecard features select the Scorecard model
    sc = predictor.predict(scorecard_features(bundle).frame)
    assert {"median_earnings_pred", "median_earnings_lo"} <= set(sc.columns)
    assert "employment_rate_pred" not in sc.columns
    listed = predict_programs(bundle, ref.path)
    assert "reported_employment_rate_shrunk" in listed.columns


@pytest.mark.slow
def test_every_trial_is_an_mlflow_run_with_the_bundle_hash(trained: dict) -> None:
    import mlflow
    from mlflow import MlflowClient

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATHMATCH_HOME", str(trained["home"]))
        from training.registry import configure

        configure()
        exp = mlflow.get_experiment_by_name("pathmatch-outcome")
        runs = MlflowClient().search_runs([exp.experiment_id], max_results=200)
    searches = [
        r for r in runs if r.info.run_name.startswith("search-") and "trial" not in r.info.run_name
    ]
    trials = [r for r in runs if "-trial-" in r.info.run_name]
    assert len(searches) == 3 and len(trials) == 3 * 2
    bundle_hash = trained["result"]["bundle_hash"]
    assert all(r.data.tags["bundle_hash"] == bundle_hash for r in trials)
    assert all("family_prior" in r.data.tags["features"].split(",") for r in trials)
    assert all({"mae", "spearman", "mae_w"} <= set(r.data.metrics) for r in trials)
    assert all("family_prior" in r.data.params["features"] for r in searches)
