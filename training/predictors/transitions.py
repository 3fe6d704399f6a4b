"""The occupation-transition predictor: a trained ranker's directory loaded and looked up.

``training.transition_model`` fits the LambdaRank model and precomputes every source
occupation's top targets with their reasons into ``top_targets.parquet``; serving only looks
them up, so this module reads parquet and json and imports no Ray, no ``training.search``,
no MLflow and not even LightGBM.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

MODEL_NAME = "pathmatch-transitions"
MODEL_FORMAT = "pathmatch-transitions/1"
META_FILE = "transition_model.json"
TOP_FILE = "top_targets.parquet"
OCCUPATIONS_FILE = "occupations.parquet"


class TransitionRanker:
    """Loaded from the registered model directory; answers in milliseconds (lookups only)."""

    def __init__(
        self, top: pl.DataFrame, occupations: pl.DataFrame, meta: Mapping[str, Any]
    ) -> None:
        self.top_ = top
        self.occupations_ = occupations
        self.meta_ = dict(meta)
        self.soc_ = dict(
            zip(
                occupations["soc2018_code"].to_list(),
                occupations["onet_soc_code"].to_list(),
                strict=True,
            )
        )
        self.sources_ = set(top["source_code"].unique().to_list())

    @classmethod
    def load(cls, model_dir: Path | str) -> TransitionRanker:
        model_dir = Path(model_dir)
        meta = json.loads((model_dir / META_FILE).read_text())
        if meta.get("format") != MODEL_FORMAT:
            raise ValueError(f"{model_dir} is not a {MODEL_FORMAT} model directory")
        occupations = pl.read_parquet(model_dir / OCCUPATIONS_FILE).sort("onet_soc_code")
        return cls(pl.read_parquet(model_dir / TOP_FILE), occupations, meta)

    def _resolve(self, source: str) -> str | None:
        code = source.strip()
        if re.fullmatch(r"\d{2}-\d{4}\.\d{2}", code):
            return code if code in self.sources_ else None
        if re.fullmatch(r"\d{2}-\d{4}", code):
            exact = code + ".00"
            if exact in self.sources_:
                return exact
            found = self.soc_.get(code)
            return found if found in self.sources_ else None
        return None

    def known(self, source: str) -> bool:
        return self._resolve(source) is not None

    def rank(self, source: str, top_k: int = 10) -> pl.DataFrame:
        """Top targets for ``source`` (O*NET-SOC or SOC 2018 code), best first."""
        code = self._resolve(source)
        if code is None:
            raise KeyError(
                f"unknown occupation {source!r}: give an O*NET-SOC code "
                "(29-1141.00) or SOC 2018 code (29-1141) of an occupation with "
                f"O*NET content; the model knows {len(self.sources_)}"
            )
        return self.top_.filter(pl.col("source_code") == code).sort("rank").head(top_k)
