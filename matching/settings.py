"""Where pathmatch keeps its data bundle, models and runs; read from the environment.

Every command and the API resolve locations through ``Settings`` so that one variable moves
them all: ``PATHMATCH_HOME`` (default ``~/.pathmatch``) holds the bundle and the local MLflow
store. ``PATHMATCH_BUNDLE`` points at another bundle, ``MLFLOW_TRACKING_URI`` at a shared
MLflow server and ``RAY_ADDRESS`` at a Ray cluster (Ray reads that variable itself).
``PATHMATCH_ENCODER`` picks the semantic encoder (see :mod:`matching.nlp.encoder`).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PATHMATCH_", extra="ignore")

    home: Path = Field(default_factory=lambda: Path.home() / ".pathmatch")
    bundle: Path | None = None
    mlflow_tracking_uri: str | None = Field(
        default=None,
        validation_alias="MLFLOW_TRACKING_URI",
        description="defaults to a SQLite store in PATHMATCH_HOME",
    )
    encoder: str = Field(
        default="wordllama",
        description="semantic encoder: 'wordllama' (packaged weights), 'none', or the path "
        "of a local sentence-transformers model folder (matching.nlp.encoder)",
    )

    @cached_property
    def bundle_dir(self) -> Path:
        return self.bundle or self.home / "bundle"

    @cached_property
    def tracking_uri(self) -> str:
        if self.mlflow_tracking_uri:
            return self.mlflow_tracking_uri
        return f"sqlite:///{(self.home / 'mlflow.db').resolve()}"


def get_settings() -> Settings:
    """Fresh settings from the current environment (cheap; no caching across tests)."""
    return Settings()
