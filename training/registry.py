"""MLflow tracking and the model registry: the one path every pathmatch model takes.

A trained model is a directory (a spaCy pipeline, a joblib estimator with its json params).
It is logged as an MLflow pyfunc model whose artifact is that directory, registered under a
name, and given the alias ``champion``; serving and the CLI resolve ``name@champion`` back to
a local directory. Runs record params, metrics, the feature list and the bundle hash, never
participant data.

Locations follow ``matching.settings``: by default a SQLite store and an artifact folder in
``PATHMATCH_HOME``; ``MLFLOW_TRACKING_URI`` moves both to a shared server unchanged.

Three outcomes of looking a model up are kept apart, because only one of them is safe to
answer around: *not registered* (``RegistryError``; ``try_resolve`` answers None and callers
fall back, saying so), *store unreachable or unreadable* and *registered but its files are
missing or unreadable* (both ``ModelStoreError``: a fallback would silently give different
answers than the registered model, so callers stop with the error). HTTP stores get bounded
retries and short timeouts unless the user set MLflow's own variables, so a dead server
fails in seconds, not minutes.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import shutil
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit, urlunsplit

from matching.settings import Settings, get_settings

T = TypeVar("T")

CHAMPION = "champion"
MODEL_ARTIFACT = "model"
DIRECTORY_KEY = "model_dir"


class RegistryError(Exception):
    """No registered model where one was expected; the message says how to make one."""


class ModelStoreError(Exception):
    """The model store cannot answer, or a registered model's files cannot be read.

    Unlike ``RegistryError`` this is never a reason to fall back: the message names the
    store (without credentials) or the model, and what to do about it. It carries no
    participant data (none ever reaches the registry).
    """


HTTP_DEFAULTS = {
    # MLflow's defaults (7 retries, backoff factor 2, 120 s timeout) spend about four
    # minutes per call on a dead server; pathmatch makes few calls and can fail fast.
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "5",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
}
NOT_FOUND_CODES = ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE")
SQLITE_HEADER = b"SQLite format 3\x00"
_verified: set[str] = set()


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


def configure(settings: Settings | None = None, *, check: bool = True) -> Settings:
    """Point MLflow at the configured store, creating the local one on first use.

    With ``check`` (the default) the store is asked one cheap question first
    (``check_store``), so a trainer or a lookup fails at once with a ``ModelStoreError``
    rather than after minutes of work or with a database traceback.
    """
    import mlflow

    settings = settings or get_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    logging.getLogger("mlflow").setLevel(logging.ERROR)  # no migration or pickling chatter
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    for name, value in HTTP_DEFAULTS.items():
        os.environ.setdefault(name, value)  # a user's own setting wins
    with _environment_kept(URI_VARIABLES):
        mlflow.set_tracking_uri(settings.tracking_uri)
        mlflow.set_registry_uri(settings.tracking_uri)
    if check:
        check_store(settings)
    return settings


def check_store(settings: Settings) -> None:
    """Raise ``ModelStoreError`` unless the store answers; a store that did is not re-asked.

    A local SQLite file must be a SQLite database (random bytes would otherwise surface as
    chained sqlalchemy tracebacks); any store must answer a one-row model search, which
    also creates a fresh local store's tables once.
    """
    uri = settings.tracking_uri
    if uri in _verified:
        return
    path = sqlite_path(uri)
    if path is not None and path.is_file() and path.stat().st_size > 0:
        with open(path, "rb") as handle:
            if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                raise ModelStoreError(
                    f"model store {path} is not a readable MLflow database "
                    "(not a SQLite file); restore it from a backup or "
                    "move it away to start an empty store"
                )
    try:
        client = _client()
        client.search_registered_models(max_results=1)
    except Exception as exc:  # whatever the backend raises, the store is unusable
        raise store_failure(settings, exc) from exc
    _verified.add(uri)


def _client() -> Any:
    from mlflow import MlflowClient

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return MlflowClient()


def sqlite_path(uri: str) -> Path | None:
    """The database file of a ``sqlite:///`` URI, else None."""
    if not uri.startswith("sqlite:///"):
        return None
    return Path(unquote(uri[len("sqlite:///") :].split("?", 1)[0]))


def safe_uri(uri: str) -> str:
    """``uri`` without user name or password, fit for an error message or a log line."""
    parts = urlsplit(uri)
    if parts.username is None and parts.password is None:
        return uri
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def store_failure(settings: Settings, exc: BaseException) -> ModelStoreError:
    """The ``ModelStoreError`` for a store that failed with ``exc``, worded per store kind."""
    uri = settings.tracking_uri
    cause = short_cause(exc)
    path = sqlite_path(uri)
    if path is not None:
        return ModelStoreError(f"model store {path} is not a readable MLflow database: {cause}")
    if uri.startswith(("http://", "https://")):
        status = re.search(r"error code (\d+) != 200", str(exc))
        if status and status.group(1) in ("401", "403"):
            return ModelStoreError(
                f"model store at {safe_uri(uri)} refused access (HTTP "
                f"{status.group(1)}): check its credentials "
                "(MLFLOW_TRACKING_TOKEN or user and password)"
            )
        if status and status.group(1).startswith("4"):
            return ModelStoreError(
                f"model store at {safe_uri(uri)} answered HTTP "
                f"{status.group(1)}: is MLFLOW_TRACKING_URI the address "
                "of an MLflow tracking server?"
            )
        tries = _int_env("MLFLOW_HTTP_REQUEST_MAX_RETRIES") + 1
        return ModelStoreError(
            f"model store at {safe_uri(uri)} unreachable after {tries} tries: {cause}"
        )
    return ModelStoreError(f"model store at {safe_uri(uri)} could not be read: {cause}")


def _int_env(name: str) -> int:
    try:
        return int(os.environ.get(name, HTTP_DEFAULTS[name]))
    except ValueError:
        return int(HTTP_DEFAULTS[name])


_CAUSES = (
    re.compile(r"\[Errno -?\d+\] [^'\"()]+"),  # [Errno 111] Connection refused
    re.compile(r"(?:Read|Connect) timed out|timed out"),
    re.compile(r"error code \d+ != 200"),  # an HTTP error status
    re.compile(
        r"file is not a database|database disk image is malformed|"
        r"unable to open database file|no such table: \w+"
    ),
)


def short_cause(exc: BaseException) -> str:
    """One short phrase for why a store call failed (MLflow wraps the cause in URLs)."""
    text = str(exc)
    for pattern in _CAUSES:
        found = pattern.search(text)
        if found:
            return found.group(0).strip().rstrip(".:,")
    first = text.strip().splitlines()[0] if text.strip() else ""
    return f"{type(exc).__name__}: {first[:160]}" if first else type(exc).__name__


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
    from mlflow.pyfunc import PythonModel

    class DirectoryModel(PythonModel):
        """A model whose substance is a directory; pathmatch loads it with its own code."""

        def load_context(self, context: object) -> None:
            self.path = context.artifacts[DIRECTORY_KEY]  # type: ignore[attr-defined]

        def predict(self, context, model_input, params=None):
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
    with (
        warnings.catch_warnings(),
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
    ):
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
    """The local directory of ``name@alias``, downloaded once per version into a cache.

    Raises ``RegistryError`` when nothing is registered under ``name@alias`` and
    ``ModelStoreError`` when the store cannot answer or the version's files are gone.
    """
    from mlflow.exceptions import MlflowException

    settings = configure(settings)
    try:
        version = _client().get_model_version_by_alias(name, alias)
    except MlflowException as exc:
        if exc.error_code in NOT_FOUND_CODES:
            raise RegistryError(
                f"no registered model {name}@{alias} in {safe_uri(settings.tracking_uri)}: "
                f"run `pathmatch train` first"
            ) from None
        raise store_failure(settings, exc) from exc
    except Exception as exc:  # a backend failure is a store problem
        raise store_failure(settings, exc) from exc
    cache = settings.home / "models" / name / str(version.version)
    path = _cached(cache)
    if path is None:
        path = _download(name, alias, str(version.version), str(version.run_id), cache)
    return ModelRef(name, str(version.version), str(version.run_id), path)


def _cached(cache: Path) -> Path | None:
    """The artifact folder of a complete cached download, or None (then it is re-fetched)."""
    if not (cache / ".complete").exists():
        return None
    try:
        return _artifact_dir(cache)
    except ModelStoreError:
        return None


def _download(name: str, alias: str, version: str, run_id: str, cache: Path) -> Path:
    """Fetch ``models:/name/version`` into ``cache``; ModelStoreError names what is missing."""
    import mlflow

    if cache.exists():
        shutil.rmtree(cache)
    cache.mkdir(parents=True)
    try:
        downloaded = Path(
            mlflow.artifacts.download_artifacts(
                artifact_uri=f"models:/{name}/{version}", dst_path=str(cache)
            )
        )
        path = _artifact_dir(cache)
    except Exception as exc:  # missing files, a dead artifact server, ...
        shutil.rmtree(cache, ignore_errors=True)
        raise _artifact_failure(name, alias, version, exc) from exc
    (cache / ".complete").write_text(json.dumps({"run_id": run_id, "source": downloaded.name}))
    return path


def _artifact_failure(name: str, alias: str, version: str, exc: BaseException) -> ModelStoreError:
    where = _artifact_location(name, version)
    local = _local_path(where)
    if local is not None and not _has_files(local):
        return ModelStoreError(
            f"{name}@{alias} points at artifacts that are missing: {local}; "
            f"re-train or re-register (version {version})"
        )
    return ModelStoreError(
        f"{name}@{alias} (version {version}): artifacts at {where} could "
        f"not be read: {short_cause(exc)}; re-train or re-register"
    )


def _artifact_location(name: str, version: str) -> str:
    """Where the store says version ``version`` of ``name`` keeps its files."""
    try:
        return safe_uri(str(_client().get_model_version_download_uri(name, version)))
    except Exception:  # only for the message
        return f"models:/{name}/{version}"


def _local_path(uri: str) -> Path | None:
    if uri.startswith("file://"):
        return Path(unquote(urlsplit(uri).path))
    if "://" not in uri and ":" not in uri.split("/", 1)[0]:
        return Path(uri)
    return None


def _has_files(path: Path) -> bool:
    return path.is_dir() and any(p.is_file() for p in path.rglob("*"))


def _artifact_dir(cache: Path) -> Path:
    """The logged directory inside a downloaded pyfunc model (artifacts/<dir name>)."""
    for artifacts in cache.rglob("artifacts"):
        if artifacts.is_dir():
            children = [p for p in artifacts.iterdir() if p.is_dir() or p.is_file()]
            if len(children) == 1 and children[0].is_dir():
                return children[0]
            if children:
                return artifacts
    raise ModelStoreError(f"downloaded model in {cache} has no artifacts: re-train or re-register")


def try_resolve(name: str, settings: Settings | None = None) -> ModelRef | None:
    """``resolve`` that answers None when nothing is registered under ``name`` (only then).

    A store that cannot answer, or a champion whose files are gone, still raises
    ``ModelStoreError``: falling back there would hide that answers changed.
    """
    try:
        return resolve(name, settings=settings)
    except RegistryError:
        return None


def resolve_champions(
    names: Iterable[str], settings: Settings | None = None
) -> dict[str, ModelRef]:
    """Every registered champion among ``names``; the store is checked once, up front.

    A local SQLite store that has not changed since the last lookup is answered from the
    snapshot that lookup left (``champions.json``) without importing MLflow, which alone
    takes seconds: most CLI calls only read models. Any write to the store (a training
    run, a new alias) changes the database file and so retires the snapshot.
    """
    names = sorted(set(names))
    settings = settings or get_settings()
    before = store_fingerprint(settings)
    snapshot = _read_snapshot(settings, names, before)
    if snapshot is not None:
        return snapshot
    settings = configure(settings)
    found = {name: try_resolve(name, settings) for name in names}
    champions = {name: ref for name, ref in found.items() if ref is not None}
    if before is not None and store_fingerprint(settings) == before:
        _write_snapshot(settings, names, before, champions)
    return champions


SNAPSHOT_FILE = "champions.json"


def store_fingerprint(settings: Settings) -> list[int] | None:
    """Size and modification time of a local SQLite store's files, else None.

    HTTP stores have no such cheap check, so they are always asked.
    """
    path = sqlite_path(settings.tracking_uri)
    if path is None or not path.is_file():
        return None
    parts: list[int] = []
    for file in (path, path.with_name(path.name + "-wal")):
        if file.exists():
            stat = file.stat()
            parts += [stat.st_size, stat.st_mtime_ns]
    return parts


def _snapshot_path(settings: Settings) -> Path:
    return settings.home / "models" / SNAPSHOT_FILE


def _read_snapshot(
    settings: Settings, names: list[str], fingerprint: list[int] | None
) -> dict[str, ModelRef] | None:
    """The champions recorded for this very store state, if every cached copy is whole."""
    if fingerprint is None:
        return None
    try:
        data = json.loads(_snapshot_path(settings).read_text(encoding="utf-8"))
        if (
            data["store"] != settings.tracking_uri
            or data["fingerprint"] != fingerprint
            or data["names"] != names
        ):
            return None
        refs = {
            name: ModelRef(name, ref["version"], ref["run_id"], Path(ref["path"]))
            for name, ref in data["champions"].items()
        }
    except (OSError, ValueError, KeyError, TypeError):
        return None
    cached = all(
        (settings.home / "models" / r.name / r.version / ".complete").exists() and r.path.is_dir()
        for r in refs.values()
    )
    return refs if cached else None


def _write_snapshot(
    settings: Settings, names: list[str], fingerprint: list[int], champions: Mapping[str, ModelRef]
) -> None:
    data = {
        "store": settings.tracking_uri,
        "fingerprint": fingerprint,
        "names": names,
        "champions": {
            name: {"version": r.version, "run_id": r.run_id, "path": str(r.path)}
            for name, r in champions.items()
        },
    }
    path = _snapshot_path(settings)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        temporary.write_text(json.dumps(data, indent=1), encoding="utf-8")
        temporary.replace(path)
    except OSError:
        pass  # a snapshot only saves time; a read-only home just asks the store each time


def load_model(ref: ModelRef, loader: Callable[[Path], T]) -> T:
    """``loader(ref.path)``; files that cannot be read become a ``ModelStoreError``.

    A registered model that does not load must not turn into a quiet fallback either.
    """
    try:
        return loader(ref.path)
    except ModelStoreError:
        raise
    except Exception as exc:  # any failure to read the files, named below
        raise ModelStoreError(
            f"{ref.name}@{CHAMPION} (version {ref.version}) could not be loaded from "
            f"{ref.path}: {short_cause(exc)}; re-train or re-register"
        ) from exc


def environment_summary() -> dict[str, str]:
    """Where runs and Ray work go, for run tags and `pathmatch version` output."""
    settings = get_settings()
    return {
        "tracking_uri": settings.tracking_uri,
        "ray_address": os.environ.get("RAY_ADDRESS", "local"),
    }
