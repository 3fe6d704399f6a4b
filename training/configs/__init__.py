"""The default training configs, shipped inside the package so ``pathmatch train`` works
from an installed wheel (``--config`` points at a copy to change them)."""

from __future__ import annotations

from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parent


def default_config(name: str) -> Path:
    """The shipped ``<name>.toml`` (``outcome_model``, ``nlp``, ``transitions``,
    ``referral_ranker``)."""
    return CONFIG_DIR / f"{name}.toml"
