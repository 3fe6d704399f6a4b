"""A small hyper-parameter search: trials as parallel Ray tasks, every trial an MLflow run.

Any model's search goes through ``run_search``: give it a trial function, a grid (or a list
of configurations) and an experiment name. Trials run as Ray tasks (one CPU each, at most
``max_concurrency`` in flight) on the local Ray or the cluster ``RAY_ADDRESS`` names; the
driver logs each finished trial as an MLflow run nested under one parent run, so runs never
race for the tracking store from several processes.

A trial function takes ``(params, data)`` and returns either a mapping of metric name to
number, or a ``TrialOutput`` with per-step metrics (logged with ``step`` = fold index) and an
``extra`` payload (e.g. out-of-fold predictions) returned to the caller but not logged.
``data`` is put in the Ray object store once and shared by every trial.

A failing trial is recorded (run status FAILED, the error as a tag and in ``TrialResult``)
and never stops the others.
"""

from __future__ import annotations

import itertools
import json
import random
import sys
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from matching.settings import Settings
from training.ray_runtime import node_id


@dataclass
class TrialOutput:
    """What a trial may return: summary metrics, per-step (per-fold) series, a payload."""

    metrics: dict[str, float]
    steps: dict[str, list[float]] = field(default_factory=dict)
    extra: Any = None


@dataclass
class TrialResult:
    """One finished trial, as the driver saw it."""

    index: int
    params: dict[str, Any]
    metrics: dict[str, float] = field(default_factory=dict)
    steps: dict[str, list[float]] = field(default_factory=dict)
    extra: Any = None
    seconds: float = 0.0
    run_id: str | None = None
    error: str | None = None
    node: str = ""
    """The Ray node id that ran the trial (logged as the run's ``trial.ray_node`` tag)."""

    @property
    def ok(self) -> bool:
        return self.error is None


TrialFn = Callable[[dict[str, Any], Any], "Mapping[str, float] | TrialOutput"]


def expand_grid(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of a grid, in a stable order (keys sorted)."""
    keys = sorted(grid)
    return [
        dict(zip(keys, values, strict=True))
        for values in itertools.product(*(list(grid[k]) for k in keys))
    ]


def sample_grid(
    grid: Mapping[str, Sequence[Any]], n: int | None, seed: int = 0
) -> list[dict[str, Any]]:
    """``n`` distinct configurations drawn from the grid (all of them when n is None or
    larger than the grid); the same seed draws the same ones."""
    configs = expand_grid(grid)
    if n is None or n >= len(configs):
        return configs
    return random.Random(seed).sample(configs, n)


def best_trial(
    results: Sequence[TrialResult], metric: str, *, lower_is_better: bool = True
) -> TrialResult:
    """The successful trial with the best ``metric``; raises if none succeeded."""
    ok = [r for r in results if r.ok and metric in r.metrics]
    if not ok:
        errors = "; ".join(sorted({r.error or "" for r in results}))[:500]
        raise RuntimeError(f"no trial succeeded ({len(results)} run): {errors}")
    sign = 1.0 if lower_is_better else -1.0
    return min(ok, key=lambda r: (sign * r.metrics[metric], r.index))


def _execute(trial_fn: TrialFn | bytes, params: dict[str, Any], data: Any) -> dict[str, Any]:
    """Run one trial in a worker; errors come back as text, never as a lost task."""
    start = time.perf_counter()
    node = node_id()
    try:
        if isinstance(trial_fn, bytes):
            from ray import cloudpickle

            run: TrialFn = cloudpickle.loads(trial_fn)
        else:
            run = trial_fn
        out = run(params, data)
    except Exception:  # a failing trial is a result, not a crash
        return {
            "error": traceback.format_exc(limit=5),
            "seconds": time.perf_counter() - start,
            "node": node,
        }
    if not isinstance(out, TrialOutput):
        out = TrialOutput(metrics={k: float(v) for k, v in dict(out).items()})
    return {
        "metrics": {k: float(v) for k, v in out.metrics.items()},
        "steps": {k: [float(x) for x in v] for k, v in out.steps.items()},
        "extra": out.extra,
        "seconds": time.perf_counter() - start,
        "node": node,
    }


def run_search(
    trial_fn: TrialFn,
    param_grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]],
    *,
    experiment: str,
    parent_run_name: str,
    max_concurrency: int | None = None,
    data: Any = None,
    parent_params: Mapping[str, Any] | None = None,
    tags: Mapping[str, str] | None = None,
    settings: Settings | None = None,
    num_cpus: int | None = None,
    on_trial: Callable[[TrialResult, int], None] | None = None,
) -> list[TrialResult]:
    """Run every configuration as a Ray task and log each one as a nested MLflow run.

    ``param_grid`` is a grid (dict of lists, fully expanded) or an explicit list of
    configurations. ``parent_params`` and ``tags`` (e.g. the bundle hash and feature list)
    go on the parent run and, as tags, on every trial run. If an MLflow run is active, the
    parent run is nested inside it. Returns the results in configuration order.
    """
    import mlflow
    import ray

    from training.ray_runtime import ray_session
    from training.registry import experiment as use_experiment

    configs = (
        expand_grid(param_grid)
        if isinstance(param_grid, Mapping)
        else [dict(c) for c in param_grid]
    )
    experiment_id = use_experiment(experiment, settings)
    tags = {k: str(v) for k, v in (tags or {}).items()}
    results: list[TrialResult] = []
    with ray_session(num_cpus=num_cpus) as resources:
        limit = max_concurrency or max(1, int(resources.get("CPU", 1)))
        remote = ray.remote(num_cpus=1, max_retries=0)(_execute)
        fn_ref, data_ref = ray.put(_portable(trial_fn)), ray.put(data)
        nested = mlflow.active_run() is not None
        with mlflow.start_run(run_name=parent_run_name, experiment_id=experiment_id, nested=nested):
            mlflow.set_tags(
                {**tags, "search.trials": str(len(configs)), "search.max_concurrency": str(limit)}
            )
            if parent_params:
                mlflow.log_params({k: _param_text(v) for k, v in parent_params.items()})
            pending: dict[Any, int] = {}
            queue = list(enumerate(configs))
            while queue or pending:
                while queue and len(pending) < limit:
                    index, params = queue.pop(0)
                    pending[remote.remote(fn_ref, params, data_ref)] = index
                done, _ = ray.wait(list(pending), num_returns=1)
                index = pending.pop(done[0])
                result = _to_result(index, configs[index], ray.get(done[0]))
                result.run_id = _log_trial(result, experiment_id, tags, parent_run_name)
                results.append(result)
                if on_trial:
                    on_trial(result, len(configs))
            summary = {
                "search.ok": sum(r.ok for r in results),
                "search.failed": sum(not r.ok for r in results),
            }
            mlflow.log_metrics({k: float(v) for k, v in summary.items()})
    return sorted(results, key=lambda r: r.index)


def _portable(trial_fn: TrialFn) -> TrialFn | bytes:
    """The trial function, pickled by value when workers could not import its module.

    Functions of package modules (``training.outcome_model``) travel by reference; a
    function from a top-level module (a test file, a script) is shipped whole, since Ray
    workers do not share the driver's ad-hoc ``sys.path`` entries.
    """
    from ray import cloudpickle

    module = sys.modules.get(getattr(trial_fn, "__module__", "") or "")
    if module is None or module.__name__ == "__main__" or module.__package__:
        return trial_fn
    cloudpickle.register_pickle_by_value(module)
    try:
        return cloudpickle.dumps(trial_fn)
    finally:
        cloudpickle.unregister_pickle_by_value(module)


def _to_result(index: int, params: dict[str, Any], raw: dict[str, Any]) -> TrialResult:
    return TrialResult(
        index=index,
        params=params,
        metrics=raw.get("metrics", {}),
        steps=raw.get("steps", {}),
        extra=raw.get("extra"),
        seconds=float(raw.get("seconds", 0.0)),
        error=raw.get("error"),
        node=str(raw.get("node", "")),
    )


def _log_trial(
    result: TrialResult, experiment_id: str, tags: Mapping[str, str], parent_name: str
) -> str:
    """One nested run per trial: params, metrics (per-step series with step = fold)."""
    import mlflow

    run = mlflow.start_run(
        run_name=f"{parent_name}-trial-{result.index:03d}",
        experiment_id=experiment_id,
        nested=True,
        tags={**tags, "trial.index": str(result.index), "trial.ray_node": result.node},
    )
    status = "FAILED"
    try:
        mlflow.log_params({k: _param_text(v) for k, v in result.params.items()})
        if result.error:
            mlflow.set_tag("trial.error", result.error[-4000:])
        else:
            mlflow.log_metrics({**result.metrics, "trial_seconds": result.seconds})
            length = max((len(v) for v in result.steps.values()), default=0)
            for step in range(length):
                mlflow.log_metrics(
                    {
                        name: series[step]
                        for name, series in result.steps.items()
                        if step < len(series)
                    },
                    step=step,
                )
            status = "FINISHED"
    finally:
        mlflow.end_run(status=status)
    return run.info.run_id


def _param_text(value: Any) -> str:
    """MLflow params are strings of at most 6000 characters; lists become JSON."""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text[:6000]
