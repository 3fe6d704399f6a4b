"""Serving loads the trained predictors without the training stack.

A fresh interpreter imports ``training.predictors.*``, loads a saved model directory of each
kind and predicts with it; afterwards neither Ray, MLflow nor ``training.search`` (nor any
fitting module) may be in ``sys.modules``. The model directories are written here in the
predictors' own file formats, with real LightGBM boosters, so the test needs no Ray run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import lightgbm as lgb
import numpy as np
import polars as pl

from training.predictors import outcomes, referrals, transitions

REPO = Path(__file__).resolve().parents[1]
FORBIDDEN = (
    "ray",
    "mlflow",
    "training.search",
    "training.registry",
    "training.ray_runtime",
    "training.outcome_model",
    "training.transition_model",
    "training.referral_ranker",
)

CHILD = """
import json, sys
from pathlib import Path

import polars as pl

from training.predictors.outcomes import OutcomePredictor
from training.predictors.referrals import ReferralRanker
from training.predictors.transitions import TransitionRanker

root = Path(sys.argv[1])
frame = pl.DataFrame({"cip_family": ["51", "52", None], "weeks": [10.0, None, 30.0],
                      "size": [5.0, 50.0, None]})
predicted = OutcomePredictor.load(root / "outcome").predict(frame)
parts = pl.DataFrame({"role_fit": [0.9, 0.1], "skill_fit": [0.5, 0.5],
                      "gap_closed": [0.2, 0.2], "demand": [0.5, 0.5],
                      "wage_gain": [0.1, 0.1], "outcome": [0.7, 0.3]})
scores = ReferralRanker.load(root / "referral").rescore(parts)
top = TransitionRanker.load(root / "transitions").rank("29-1141", top_k=2)
heavy = sorted(m for m in sys.modules
               if any(m == f or m.startswith(f + ".") for f in json.loads(sys.argv[2])))
print(json.dumps({"heavy": heavy, "employment": predicted["employment_rate_pred"].to_list(),
                  "scores": scores.tolist(), "targets": top["target_code"].to_list()}))
"""


def _booster(n_features: int, objective: str) -> lgb.Booster:
    rng = np.random.default_rng(0)
    x = rng.random((200, n_features))
    y = (x[:, 0] > 0.5).astype(float) if objective == "binary" else x[:, 0]
    params = {"objective": objective, "verbose": -1, "num_leaves": 4, "min_data_in_leaf": 5}
    return lgb.train(params, lgb.Dataset(x, y), num_boost_round=5)


def _write_outcome(directory: Path) -> None:
    directory.mkdir()
    features = ["cip_family", "weeks"]
    _booster(len(features) + 1, "regression").save_model(str(directory / "emp.lgb.txt"))
    prior = outcomes.FamilyPrior("rate", 0.6, {"51": 0.7}, {"51": 3}, 1.0, 10.0)
    entry = {
        "spec": asdict(outcomes.TASKS["nj_employment"]),
        "features": features,
        "vocab": {"cip_family": ["51", "52"]},
        "booster": "emp.lgb.txt",
        "family_prior": asdict(prior),
        "interval": {"size_edges": [10.0, 30.0], "quantiles": [0.3, 0.2, 0.1], "level": 0.8},
    }
    meta = {"format": outcomes.MODEL_FORMAT, "tasks": {"nj_employment": entry}}
    (directory / outcomes.META_FILE).write_text(json.dumps(meta))


def _write_referral(directory: Path) -> None:
    directory.mkdir()
    _booster(len(referrals.FEATURES), "binary").save_model(str(directory / "r.lgb.txt"))
    meta = {
        "format": referrals.MODEL_FORMAT,
        "booster": "r.lgb.txt",
        "features": list(referrals.FEATURES),
    }
    (directory / referrals.META_FILE).write_text(json.dumps(meta))


def _write_transitions(directory: Path) -> None:
    directory.mkdir()
    pl.DataFrame(
        {
            "source_code": ["29-1141.00"] * 3,
            "target_code": ["29-2061.00", "31-1131.00", "29-1171.00"],
            "rank": [2, 1, 3],
        }
    ).write_parquet(directory / transitions.TOP_FILE)
    pl.DataFrame(
        {
            "onet_soc_code": ["29-1141.00"],
            "title": ["Registered Nurses"],
            "soc2018_code": ["29-1141"],
        }
    ).write_parquet(directory / transitions.OCCUPATIONS_FILE)
    (directory / transitions.META_FILE).write_text(json.dumps({"format": transitions.MODEL_FORMAT}))


def test_predictors_load_and_predict_without_ray_mlflow_or_search(tmp_path: Path) -> None:
    _write_outcome(tmp_path / "outcome")
    _write_referral(tmp_path / "referral")
    _write_transitions(tmp_path / "transitions")
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path), json.dumps(FORBIDDEN)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["heavy"] == []
    assert len(answer["employment"]) == 3
    assert all(0.0 <= v <= 1.0 for v in answer["employment"])
    assert len(answer["scores"]) == 2 and answer["scores"][0] != answer["scores"][1]
    assert answer["targets"] == ["31-1131.00", "29-2061.00"]
