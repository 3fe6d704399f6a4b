"""Transition features and labels on the demo bundle: deterministic, sensible, leak-free."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
import scipy.sparse as sp

from features.transition_features import (
    FEATURES,
    career_changer_scores,
    cps_labels,
    grade_moves,
    occupation_content,
    pair_features,
    related_labels,
    view_similarity,
)
from matching.ingest.bundle import Bundle
from matching.ingest.importer import import_bundle

DEMO_DATA = Path(__file__).resolve().parents[1] / "demo" / "data"


@pytest.fixture(scope="module")
def bundle(demo_bundle: Path) -> Bundle:
    return Bundle(demo_bundle)


@pytest.fixture(scope="module")
def pairs(bundle: Bundle) -> pl.DataFrame:
    return pair_features(occupation_content(bundle))


def test_weighted_jaccard_and_cosine_by_hand() -> None:
    # three occupations, three items; item 0 is in every row, so its idf weight is 0
    matrix = sp.csr_matrix(np.array([[1.0, 1.0, 0.0], [1.0, 0.5, 1.0], [1.0, 0.0, 0.0]]))
    sims = view_similarity(matrix)
    w = np.log(4 / np.array([4, 3, 2]))  # smoothed idf: log((1 + n) / (1 + df))
    # rows 0 and 1: min = w1 * 0.5, max = w1 * 1 + w2 * 1
    assert sims["wjacc"][0, 1] == pytest.approx(0.5 * w[1] / (w[1] + w[2]))
    a, b = np.array([0, w[1], 0]), np.array([0, 0.5 * w[1], w[2]])
    assert sims["cos"][0, 1] == pytest.approx(a @ b / np.linalg.norm(a) / np.linalg.norm(b))
    assert sims["shared"][0, 1] == 2 and sims["source_n"][1, 0] == 3
    assert np.isnan(sims["cos"][2, 0]), "only a zero-weight item: no content, not 0 overlap"


def test_features_are_deterministic_and_complete(bundle: Bundle, pairs: pl.DataFrame) -> None:
    again = pair_features(occupation_content(bundle))
    assert pairs.equals(again)
    n = pairs["source_code"].n_unique()
    assert pairs.height == n * (n - 1), "every ordered pair once, no self pairs"
    assert (pairs["source_code"] != pairs["target_code"]).all()
    assert set(FEATURES) <= set(pairs.columns)
    nurse = pairs.filter(
        (pl.col("source_code") == "29-2061.00") & (pl.col("target_code") == "29-1141.00")
    ).row(0, named=True)
    assert nurse["job_zone_diff"] == 1 and nurse["wage_ratio"] > 1.2, "LPN -> RN: up, better paid"
    assert nurse["soc_distance"] == 3, "same major group 29, minor groups 29-2000 vs 29-1000"
    aides = pairs.filter(
        (pl.col("source_code") == "31-1131.00") & (pl.col("target_code") == "31-1121.00")
    )["soc_distance"]
    assert aides.to_list() == [2], "same minor group 31-1100, broad groups differ"


def test_related_occupations_are_closer_than_random(bundle: Bundle, pairs: pl.DataFrame) -> None:
    related = related_labels(bundle).filter(pl.col("related_grade") == 3)
    joined = pairs.join(related, on=["source_code", "target_code"], how="left")
    sim = pl.mean_horizontal("dwa_cos", "tech_cos", "esco_cos")
    close = joined.filter(pl.col("related_grade").is_not_null()).select(sim.mean()).item()
    other = joined.filter(pl.col("related_grade").is_null()).select(sim.mean()).item()
    assert close > other + 0.1


def test_cps_labels_leave_the_same_cell_unlabeled(bundle: Bundle) -> None:
    labels = cps_labels(bundle)
    # 15-1231 and 15-1232 share the demo's broad cell 15-1150: the dropped diagonal
    same = labels.same_cell.filter(pl.col("source_code") == "15-1231.00")
    assert "15-1232.00" in same["target_code"].to_list()
    keys = set(labels.pairs.select("source_code", "target_code").iter_rows())
    assert ("15-1231.00", "15-1232.00") not in keys
    assert labels.groups["15-1231.00"] == labels.groups["15-1232.00"]
    # a target inherits its cell's whole share (undivided), so shares stay within [0, 1]
    assert labels.pairs["p_leave"].min() > 0 and labels.pairs["p_leave"].max() <= 1.0
    grades = labels.pairs.select(grade_moves(pl.col("p_leave")).alias("g"))["g"]
    assert set(grades.to_list()) <= {1, 2, 3} and 3 in grades.to_list()


def test_career_changers_is_empty_without_the_file(bundle: Bundle) -> None:
    scores = career_changer_scores(bundle)
    assert scores.is_empty() and "career_changers" in scores.columns


def test_real_labels_cover_most_occupations(
    shared_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    out = tmp_path_factory.mktemp("real") / "b"
    import_bundle(shared_data, out)
    real = Bundle(out)
    labels = cps_labels(real)
    assert len(labels.sources) > 900 and labels.unmapped == 0
    software = (
        labels.pairs.filter(pl.col("source_code") == "15-1252.00")
        .sort("p_leave", descending=True)
        .head(15)["target_code"]
        .to_list()
    )
    assert any(code.startswith(("15-12", "11-3021")) for code in software)
    scores = career_changer_scores(real)
    assert scores.height > 10_000 and scores["career_changers"].max() <= 1.0
