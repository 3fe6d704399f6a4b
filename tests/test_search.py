"""training.search: trials run as real Ray tasks and land in a real MLflow store (SQLite)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from matching.settings import get_settings
from training.ray_runtime import ray_session
from training.search import (
    TrialOutput,
    best_trial,
    expand_grid,
    run_search,
    sample_grid,
)


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[None]:
    """One local Ray for the module: starting Ray takes 10-25 s."""
    with ray_session(num_cpus=2):
        yield


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PATHMATCH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    return tmp_path / "home"


def quadratic(params: dict, data: dict) -> TrialOutput:
    """A tiny trial: the loss is a parabola; one config fails on purpose."""
    if params["x"] == 99:
        raise ValueError("bad configuration")
    losses = [(params["x"] - data["target"]) ** 2 + fold for fold in range(3)]
    return TrialOutput(
        metrics={"loss": sum(losses) / 3, "pid": float(os.getpid())},
        steps={"loss_fold": losses},
        extra={"x": params["x"]},
    )


def test_grid_helpers() -> None:
    grid = {"b": [1, 2], "a": ["x", "y", "z"]}
    configs = expand_grid(grid)
    assert len(configs) == 6 and configs[0] == {"a": "x", "b": 1}
    assert sample_grid(grid, 4, seed=3) == sample_grid(grid, 4, seed=3)
    assert len({tuple(sorted(c.items())) for c in sample_grid(grid, 4, seed=3)}) == 4
    assert len(sample_grid(grid, None)) == 6


@pytest.mark.slow
def test_search_runs_in_ray_and_logs_nested_runs(ray_cluster: None, home: Path) -> None:
    import mlflow
    from mlflow import MlflowClient

    grid = [{"x": x} for x in (0, 1, 2, 3, 99)]
    results = run_search(
        quadratic,
        grid,
        experiment="search-test",
        parent_run_name="quad",
        max_concurrency=2,
        data={"target": 2},
        parent_params={"features": ["a", "b"]},
        tags={"bundle": "abc"},
    )
    assert [r.index for r in results] == [0, 1, 2, 3, 4]
    assert [r.ok for r in results] == [True, True, True, True, False]
    assert "bad configuration" in (results[4].error or "")
    # the trials ran in Ray worker processes, not in this one
    assert all(r.metrics["pid"] != os.getpid() for r in results if r.ok)
    best = best_trial(results, "loss")
    assert best.params == {"x": 2} and best.extra == {"x": 2}

    assert get_settings().tracking_uri.startswith("sqlite:")
    assert (home / "mlflow.db").is_file()
    client = MlflowClient()
    exp = mlflow.get_experiment_by_name("search-test")
    runs = client.search_runs([exp.experiment_id])
    parents = [r for r in runs if r.info.run_name == "quad"]
    assert len(parents) == 1
    parent = parents[0]
    assert parent.data.params["features"] == '["a", "b"]'
    trials = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    assert len(trials) == 5
    assert all(r.data.tags["bundle"] == "abc" for r in trials)
    assert all(len(r.data.tags["trial.ray_node"]) > 10 for r in trials)  # the Ray node id
    statuses = sorted(r.info.status for r in trials)
    assert statuses == ["FAILED", "FINISHED", "FINISHED", "FINISHED", "FINISHED"]
    best_run = client.get_run(best.run_id)
    assert best_run.data.params["x"] == "2"
    assert best_run.data.metrics["loss"] == pytest.approx(1.0)
    history = client.get_metric_history(best.run_id, "loss_fold")
    assert [m.step for m in sorted(history, key=lambda m: m.step)] == [0, 1, 2]


@pytest.mark.slow
def test_best_trial_raises_when_everything_failed(ray_cluster: None, home: Path) -> None:
    results = run_search(
        quadratic, {"x": [99]}, experiment="search-test", parent_run_name="all-fail"
    )
    with pytest.raises(RuntimeError, match="no trial succeeded"):
        best_trial(results, "loss")
