"""The PIRL-trained referral ranker, loaded: P(employed in Q2) from the six score parts.

``training.referral_ranker`` reads PIRL records, computes the features, searches and
registers the model (see its docstring for data, label and evaluation). This module holds what
a saved ranker needs to re-rank a participant's candidates: the feature list, the participant
features (education rank, prior wage band; never a protected attribute) and the LightGBM
booster. It imports no Ray, no ``training.search`` and no MLflow, so serving loads it without
them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from matching.referral.referrals import ScoreParts
from matching.schemas import EducationLevel, Participant

MODEL_NAME = "pathmatch-referral-ranker"
MODEL_FORMAT = "pathmatch-referral-ranker/1"
META_FILE = "referral_ranker.json"

PART_FEATURES: tuple[str, ...] = tuple(ScoreParts.model_fields)
PERSON_FEATURES: tuple[str, ...] = ("education_rank", "prior_wage_band")
FEATURES: tuple[str, ...] = (*PART_FEATURES, *PERSON_FEATURES)
PROTECTED: frozenset[str] = frozenset(
    {"wioa_sex", "wioa_race_ethnicity", "age", "wioa_age_band", "wioa_disability"}
)
"""Read by the loader, never features (see the module docstring)."""

WAGE_BAND_EDGES: tuple[float, ...] = (15.0, 20.0, 30.0)
EDUCATION_ORDER: tuple[EducationLevel, ...] = tuple(EducationLevel)


def education_rank(level: str | EducationLevel | None) -> float:
    """PIRL408 order (none 0 ... graduate 7); unknown is NaN, which LightGBM treats as
    missing."""
    if level is None:
        return math.nan
    try:
        return float(EDUCATION_ORDER.index(EducationLevel(level)))
    except ValueError:
        return math.nan


def wage_band(hourly: float | None) -> float:
    """Prior hourly wage band: 0 under $15, 1 $15-20, 2 $20-30, 3 $30 and over."""
    if hourly is None or not hourly > 0:
        return math.nan
    return float(np.searchsorted(WAGE_BAND_EDGES, hourly, side="right"))


def person_features(participant: Participant) -> dict[str, float]:
    """The participant features the ranker sees (never a protected attribute)."""
    return {
        "education_rank": education_rank(participant.education_level),
        "prior_wage_band": wage_band(participant.last_hourly_wage),
    }


class ReferralRanker:
    """A trained ranker: P(employed in Q2 after exit) from the score parts.

    ``rescore(parts_frame)`` takes a frame with the six part columns (and, optionally,
    ``education_rank`` and ``prior_wage_band``; absent ones count as unknown) and returns one
    probability per row. ``scorer(participant)`` is the hook ``matching.referral.referrals.refer``
    takes: it maps a list of ``ScoreParts`` to 0-100 scores for that participant.
    """

    def __init__(self, meta: dict[str, Any], booster: Any) -> None:
        self.meta = meta
        self.booster_ = booster

    @property
    def features(self) -> list[str]:
        return list(self.meta["features"])

    @classmethod
    def load(cls, directory: Path) -> ReferralRanker:
        import lightgbm as lgb

        directory = Path(directory)
        meta_path = directory / META_FILE
        if not meta_path.is_file():
            raise ValueError(f"{directory} has no {META_FILE}: not a referral ranker")
        meta = json.loads(meta_path.read_text())
        if meta.get("format") != MODEL_FORMAT:
            raise ValueError(f"{directory} is not a {MODEL_FORMAT} model")
        return cls(meta, lgb.Booster(model_file=str(directory / meta["booster"])))

    def rescore(self, parts_frame: pl.DataFrame) -> np.ndarray:
        missing = [c for c in PART_FEATURES if c not in parts_frame.columns]
        if missing:
            raise ValueError(f"parts frame lacks score part columns: {', '.join(missing)}")
        x = (
            parts_frame.select(
                [
                    pl.col(c).cast(pl.Float64)
                    if c in parts_frame.columns
                    else pl.lit(None, pl.Float64).alias(c)
                    for c in self.features
                ]
            )
            .to_numpy()
            .astype(float)
        )
        return np.asarray(self.booster_.predict(x), dtype=float)

    def scorer(
        self, participant: Participant | None = None
    ) -> Callable[[list[ScoreParts]], list[float]]:
        """Scores 0-100 (100 x P(employed)) for one participant's candidate parts."""
        extra = person_features(participant) if participant is not None else {}

        def score(parts: list[ScoreParts]) -> list[float]:
            if not parts:
                return []
            frame = pl.DataFrame([{**p.model_dump(), **extra} for p in parts])
            return [round(100.0 * float(v), 2) for v in self.rescore(frame)]

        return score
