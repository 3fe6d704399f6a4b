"""Transition ranker: metrics by hand, grouped split, end-to-end training on the demo bundle
with real Ray and MLflow (SQLite under tmp_path), the registered champion and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from features.transition_features import FEATURES, cps_labels, source_groups
from matching.ingest.bundle import Bundle
from matching.ingest.importer import import_bundle
from matching.settings import Settings
from training.predictors.transitions import MODEL_NAME, TransitionRanker
from training.registry import resolve
from training.transition_model import (
    load_config,
    prepare,
    rank_metrics,
    train_transition_model,
)

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "training" / "configs" / "transitions.toml"


def test_rank_metrics_by_hand() -> None:
    source = np.array([0, 0, 0, 1, 1, 1])
    score = np.array([0.9, 0.5, 0.1, 0.2, 0.8, 0.3])
    grade = np.array([0, 3, 1, 2, 0, 0])
    m = rank_metrics(source, score, grade, np.zeros(6))
    # source 0 ranks grades [0, 3, 1]: DCG = 7/log2(3) + 1/2; ideal = 7 + 1/log2(3)
    ndcg0 = (7 / np.log2(3) + 1 / 2) / (7 + 1 / np.log2(3))
    ndcg1 = 3 / 2 / 3  # grade 2 (gain 3) at rank 3 of 3: (3/log2(4)) / 3
    assert m["ndcg10"] == pytest.approx((ndcg0 + ndcg1) / 2)
    assert m["mrr"] == pytest.approx((1 / 2 + 1 / 3) / 2)
    assert m["recall20"] == 1.0 and m["sources"] == 2


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, demo_home_template) -> Path:
    return demo_home_template.copy(tmp_path_factory.mktemp("home"))


def test_split_keeps_source_groups_apart_and_features_label_free(home: Path) -> None:
    bundle = Bundle(home / "bundle")
    data, pairs, content = prepare(bundle, load_config(CONFIG, demo=True))
    groups = np.array(source_groups(content.codes, cps_labels(bundle)))
    assert not set(groups[data.train]) & set(groups[data.test])
    for train, valid in data.folds:
        assert not set(groups[train]) & set(groups[valid])
    assert not {"p_leave", "cps_grade", "related_grade", "career_changers"} & set(FEATURES)
    sampled = data.sampled & (data.cps >= 0)
    assert (data.cps[data.sampled] > 0).sum() == (data.cps > 0).sum(), "all moves kept"
    assert sampled.sum() < (data.cps >= 0).sum(), "negatives are sampled"


@pytest.fixture(scope="module")
def trained(home: Path) -> dict:
    return train_transition_model(home / "bundle", CONFIG, demo=True, settings=Settings(home=home))


def test_training_registers_a_champion_that_ranks(home: Path, trained: dict) -> None:
    assert trained["version"] == "1"
    test = trained["test"]
    assert set(test) == {"cps", "related"}
    assert set(test["cps"]) == {
        "lambdarank",
        "skill_cosine",
        "soc_proximity",
        "career_changers",
        "target_size",
    }
    assert 0 < test["cps"]["lambdarank"]["ndcg10"] <= 1
    assert len(trained["cv"]) == 2, "two configurations, each averaged over its folds"
    card = (Path(trained["model_dir"]) / "model_card.md").read_text()
    assert "Held-out source occupations" in card and "never trained on" in card

    from mlflow import MlflowClient

    from training.registry import configure, experiment

    configure(Settings(home=home))
    runs = MlflowClient().search_runs([experiment("pathmatch-transitions")])
    trials = [r for r in runs if "trial.index" in r.data.tags]
    assert len(trials) == 4, "2 configurations x 2 folds, each one MLflow run"
    assert {r.data.params["fold"] for r in trials} == {"0", "1"}
    assert all(r.data.tags["bundle_hash"] == trained["bundle_hash"] for r in trials)
    assert all("ndcg10" in r.data.metrics and "dwa_cos" in r.data.tags["features"] for r in trials)

    ranker = TransitionRanker.load(resolve(MODEL_NAME, settings=Settings(home=home)).path)
    ranked = ranker.rank("29-2061.00", top_k=5)
    assert ranked.height == 5 and ranked["rank"].to_list() == [1, 2, 3, 4, 5]
    assert ranked["score"].is_sorted(descending=True)
    assert "29-2061.00" not in ranked["target_code"].to_list()
    assert {"target_title", "target_soc2018", "reasons", "dwa_shared"} <= set(ranked.columns)
    assert all(len(r) >= 1 for r in ranked["reasons"].to_list())
    assert ranker.rank("29-2061", top_k=5).equals(ranked), "SOC 2018 code resolves"
    assert ranker.known("29-2061") and not ranker.known("99-9999")
    with pytest.raises(KeyError, match="unknown occupation"):
        ranker.rank("99-9999.00")


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATHMATCH_HOME": str(home)}
    env.pop("MLFLOW_TRACKING_URI", None)
    return subprocess.run(
        [sys.executable, "-m", "serving.cli", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=300,
    )


def test_cli_transitions_by_code_title_and_unknown(home: Path, trained: dict) -> None:
    by_code = run(home, "transitions", "--from", "31-1131.00", "--top-k", "3")
    assert by_code.returncode == 0, by_code.stderr
    assert "transitions from 31-1131.00" in by_code.stdout and "shares" in by_code.stdout
    by_title = run(home, "transitions", "--from", "certified nursing assistant")
    assert by_title.returncode == 0, by_title.stderr
    assert "-> 31-1131.00" in by_title.stderr
    unknown = run(home, "transitions", "--from", "99-9999.00")
    assert unknown.returncode == 2 and "unknown occupation" in unknown.stderr
    again = run(home, "train", "transitions", "--if-missing")
    assert again.returncode == 0 and "already registered" in again.stderr


def test_bad_config_and_bundle_without_transitions_are_clear_errors(tmp_path: Path) -> None:
    config = tmp_path / "t.toml"
    config.write_text('train_labels = "career_changers"\n[grid]\nn_estimators = [5]\n')
    with pytest.raises(ValueError, match="train_labels"):
        load_config(config)
    data = tmp_path / "data"
    data.mkdir()
    for folder in (REPO / "demo" / "data").iterdir():
        if folder.name != "transitions":
            (data / folder.name).symlink_to(folder)
    import_bundle(data, tmp_path / "bundle")
    result = run(tmp_path, "train", "transitions", "--bundle", str(tmp_path / "bundle"))
    assert result.returncode == 2
    assert "lacks mobility_transitions" in result.stderr
