"""MLflow tracking and the model registry: the one path every pathmatch model takes.

A trained model is a directory (a spaCy pipeline, a joblib estimator with its json params).
It is logged as an MLflow pyfunc model whose artifact is that directory, registered under a
name, and given the alias ``champion``; serving and the CLI resolve ``name@champion`` back to
a local directory. Runs record params, metrics, the feature list and the bundle hash, never
participant data.

Locations follow ``matching.settings``: by default a SQLite store and an artifact folder in
``PATHMATCH_HOME``; ``MLFLOW_TRACKING_URI`` moves both to a shared server unchanged.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import shutil
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from matching.settings import Settings, get_settings

CHAMPION = "champion"
MODEL_ARTIFACT = "model"
DIRECTORY_KEY = "model_dir"


class RegistryError(Exception):
    """No registered model where one was expected; the message says how to make one."""


@dataclass(frozen=True)
class ModelRef:
    """A registered model version resolved to files on this machine."""

    name: str
    version: str
    run_id: str
    path: Path

    @property
    def label(self) -> str:
        return f"{self.name}/{self.version}"


def configure(settings: Settings | None = None) -> Settings:
    """Point MLflow at the configured store, creating the local one on first use."""
    import mlflow

    settings = settings or get_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    logging.getLogger("mlflow").setLevel(logging.ERROR)  # no migration or pickling chatter
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    with _environment_kept(URI_VARIABLES):
        mlflow.set_tracking_uri(settings.tracking_uri)
        mlflow.set_registry_uri(settings.tracking_uri)
    return settings


URI_VARIABLES = ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")


@contextlib.contextmanager
def _environment_kept(names: tuple[str, ...]) -> Iterator[None]:
    """Undo MLflow's habit of exporting the URI it was given.

    ``mlflow.set_tracking_uri`` also writes ``MLFLOW_TRACKING_URI`` into the environment,
    and ``Settings`` reads that variable: without this, the first home a process configured
    would silently win over every later ``Settings(home=...)`` (another caseload's store,
    another test's registry). The environment keeps only what the user set.
    """
    before = {name: os.environ.get(name) for name in names}
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def experiment(name: str, settings: Settings | None = None) -> str:
    """The experiment id for ``name``; local stores keep artifacts under PATHMATCH_HOME."""
    import mlflow

    settings = configure(settings)
    found = mlflow.get_experiment_by_name(name)
    if found is not None:
        mlflow.set_experiment(experiment_id=found.experiment_id)
        return found.experiment_id
    location = None
    if settings.tracking_uri.startswith("sqlite:"):
        location = (settings.home / "mlartifacts" / name).resolve().as_uri()
    experiment_id = mlflow.create_experiment(name, artifact_location=location)
    mlflow.set_experiment(experiment_id=experiment_id)
    return experiment_id


def _directory_model() -> object:
    import mlflow.pyfunc

    class DirectoryModel(mlflow.pyfunc.PythonModel):
        """A model whose substance is a directory; pathmatch loads it with its own code."""

        def load_context(self, context: object) -> None:
            self.path = context.artifacts[DIRECTORY_KEY]  # type: ignore[attr-defined]

        def predict(self, context, model_input, params=None):  # noqa: ANN001, ANN201
            raise NotImplementedError("load this model with pathmatch, not pyfunc.predict")

    return DirectoryModel()


def log_model_directory(
    name: str,
    model_dir: Path,
    *,
    card: str,
    metrics: Mapping[str, float] | None = None,
    promote: bool = True,
) -> ModelRef:
    """Log ``model_dir`` in the active run, register it under ``name``, alias it champion.

    ``card`` is the model card (data, metrics, limits) in Markdown: it is logged as an
    artifact and set as the registered version's description.
    """
    import mlflow
    from mlflow import MlflowClient

    run = mlflow.active_run()
    if run is None:
        raise RegistryError("log_model_directory must be called inside an MLflow run")
    mlflow.log_text(card, "model_card.md")
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        # pyfunc signature hints do not apply to a directory; registration chatter is noise
        warnings.simplefilter("ignore")
        info = mlflow.pyfunc.log_model(
            name=MODEL_ARTIFACT,
            python_model=_directory_model(),
            artifacts={DIRECTORY_KEY: str(model_dir)},
            registered_model_name=name,
            pip_requirements=[],
        )
    client = MlflowClient()
    version = str(info.registered_model_version)
    client.update_model_version(name, version, description=card)
    for key, value in (metrics or {}).items():
        client.set_model_version_tag(name, version, f"metric.{key}", f"{value:.4f}")
    if promote:
        client.set_registered_model_alias(name, CHAMPION, version)
    return ModelRef(name, version, run.info.run_id, Path(model_dir))


def resolve(name: str, alias: str = CHAMPION, settings: Settings | None = None) -> ModelRef:
    """The local directory of ``name@alias``, downloaded once per version into a cache."""
    import mlflow
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    settings = configure(settings)
    client = MlflowClient()
    try:
        version = client.get_model_version_by_alias(name, alias)
    except MlflowException:
        raise RegistryError(
            f"no registered model {name}@{alias} in {settings.tracking_uri}: "
            f"run `pathmatch train` first") from None
    cache = settings.home / "models" / name / str(version.version)
    marker = cache / ".complete"
    if not marker.exists():
        if cache.exists():
            shutil.rmtree(cache)
        cache.mkdir(parents=True)
        downloaded = Path(mlflow.artifacts.download_artifacts(
            artifact_uri=f"models:/{name}/{version.version}", dst_path=str(cache)))
        marker.write_text(json.dumps({"run_id": version.run_id, "source": downloaded.name}))
    path = _artifact_dir(cache)
    return ModelRef(name, str(version.version), str(version.run_id), path)


def _artifact_dir(cache: Path) -> Path:
    """The logged directory inside a downloaded pyfunc model (artifacts/<dir name>)."""
    for artifacts in cache.rglob("artifacts"):
        if artifacts.is_dir():
            children = [p for p in artifacts.iterdir() if p.is_dir() or p.is_file()]
            if len(children) == 1 and children[0].is_dir():
                return children[0]
            return artifacts
    raise RegistryError(f"downloaded model in {cache} has no artifacts folder")


def try_resolve(name: str, settings: Settings | None = None) -> ModelRef | None:
    """``resolve`` that answers None when nothing is registered yet."""
    try:
        return resolve(name, settings=settings)
    except RegistryError:
        return None


def environment_summary() -> dict[str, str]:
    """Where runs and Ray work go, for run tags and `pathmatch version` output."""
    settings = get_settings()
    return {"tracking_uri": settings.tracking_uri,
            "ray_address": os.environ.get("RAY_ADDRESS", "local")}
