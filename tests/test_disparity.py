"""The disparity summary's numbers as the four-fifths rule defines them, and its plot.

A hand-made caseload where the largest group is not the best served (the old code divided
by the largest group's rate), with a 0% group, unknowns in each dimension, a participant
referred to nothing, and intersections too small to judge; every expected figure below is
worked out by hand from the table in ``CASELOAD``.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from matching.referral.disparity import DISPARITY_SCHEMA, disparity_table, participant_outcomes
from serving.disparity_report import disparity_figure, plot_disparity

# id, sex, race, top-1 referral high-wage? (None: referred to nothing)
CASELOAD = [
    ("f1", "female", "black", True),
    ("f2", "female", "black", False),
    ("f3", "female", "white", True),
    ("f4", "female", "white", True),
    ("f5", "female", "asian", False),
    ("f6", "female", "asian", False),
    ("m1", "male", "black", False),
    ("m2", "male", "white", True),
    ("m3", "male", "asian", False),
    ("m4", "male", "asian", False),
    ("m5", "male", "black", False),
    ("m6", "male", "black", None),
    ("u1", None, "white", True),
    ("u2", "male", None, False),
]
MIN_N = 4


def hand_table() -> pl.DataFrame:
    scored = [r for r in CASELOAD if r[3] is not None]
    referrals = pl.DataFrame(
        {
            "participant_id": [r[0] for r in scored],
            "region": ["NJ"] * len(scored),
            "rank": [1] * len(scored),
            "target_hourly_wage": [30.0 if r[3] else 15.0 for r in scored],
        }
    )
    groups = pl.DataFrame(
        {
            "participant_id": [r[0] for r in CASELOAD],
            "wioa_sex": [r[1] for r in CASELOAD],
            "wioa_race_ethnicity": [r[2] for r in CASELOAD],
            "wioa_age_band": ["25-44"] * len(CASELOAD),
            "wioa_barriers": [[] for _ in CASELOAD],
        },
        schema_overrides={"wioa_barriers": pl.List(pl.String)},
    )
    outcomes = participant_outcomes(referrals, {"NJ": 20.0})
    return disparity_table(outcomes, groups, min_group_size=MIN_N)


def rows(table: pl.DataFrame, field: str) -> dict[str, dict]:
    return {r["group"]: r for r in table.filter(pl.col("field") == field).iter_rows(named=True)}


def test_ratio_is_over_the_highest_rate_not_the_largest_group() -> None:
    """Sex: women 3/6 = 0.5 (best served), men 1/7 (the largest group; m6 was referred to
    nothing and stays in the denominator): men's ratio is (1/7)/0.5 = 2/7, flagged."""
    sex = rows(hand_table(), "sex")
    assert sex["male"]["n"] == 7 and sex["male"]["top1_high"] == 1
    assert sex["female"]["top1_share"] == pytest.approx(0.5)
    assert sex["male"]["top1_ratio"] == pytest.approx(2 / 7)
    assert sex["female"]["top1_ratio"] == pytest.approx(1.0)
    assert sex["male"]["top1_reference"] == "female"
    assert sex["male"]["top1_flag"] and not sex["female"]["top1_flag"]


def test_race_with_a_zero_rate_group_and_an_unknown_count() -> None:
    """Race: black 1/5 (largest), white 4/4 (highest), asian 0/4; u2 has no race."""
    race = rows(hand_table(), "race_ethnicity")
    assert race["black"]["top1_ratio"] == pytest.approx(0.2)
    assert race["white"]["top1_ratio"] == pytest.approx(1.0)
    assert race["asian"]["top1_share"] == 0.0 and race["asian"]["top1_ratio"] == 0.0
    assert race["asian"]["top1_flag"], "a 0% group of n >= min is flagged, not dropped"
    unknown = race["not reported"]
    assert unknown["unknown"] and unknown["n"] == 1 and unknown["top1_ratio"] is None
    assert not unknown["top1_flag"]
    assert rows(hand_table(), "sex")["not reported"]["n"] == 1


def test_intersections_with_unknowns_and_small_groups() -> None:
    """Sex x race: every cell is under 4 people, so the ratios are against the highest rate
    of all cells (female x white 2/2, larger than male x white 1/1 at the same rate), marked
    indicative; u1 (no sex) and u2 (no race) are the field's two unknowns."""
    cross = rows(hand_table(), "sex_x_race")
    assert cross["not reported"]["n"] == 2 and cross["not reported"]["unknown"]
    assert cross["female x black"]["top1_ratio"] == pytest.approx(0.5)
    assert cross["male x black"]["n"] == 3 and cross["male x black"]["top1_ratio"] == 0.0
    assert cross["female x white"]["top1_reference"] == "female x white"
    assert all(r["small_group"] and r["reference_small"] for r in cross.values())
    assert not any(r["top1_flag"] for r in cross.values()), "small groups are never flagged"
    known = [r for r in cross.values() if not r["unknown"]]
    assert sum(r["n"] for r in known) + 2 == len(CASELOAD)


def test_small_groups_are_left_out_of_the_ratio_when_a_large_group_exists() -> None:
    """With min size 4 women (6) and men (7) are both large; with min 7 only men are, so
    women (3/6, the higher rate) are reported but left out, and men are the reference."""
    table = hand_table()
    assert not rows(table, "sex")["female"]["small_group"]
    scored = [r for r in CASELOAD if r[3] is not None]
    referrals = pl.DataFrame(
        {
            "participant_id": [r[0] for r in scored],
            "region": ["NJ"] * len(scored),
            "rank": [1] * len(scored),
            "target_hourly_wage": [30.0 if r[3] else 15.0 for r in scored],
        }
    )
    groups = pl.DataFrame(
        {"participant_id": [r[0] for r in CASELOAD], "wioa_sex": [r[1] for r in CASELOAD]}
    )
    sex = rows(
        disparity_table(participant_outcomes(referrals, {"NJ": 20.0}), groups, min_group_size=7),
        "sex",
    )
    assert sex["female"]["small_group"] and sex["female"]["top1_ratio"] is None
    assert sex["female"]["top1_share"] == pytest.approx(0.5)
    assert sex["male"]["top1_reference"] == "male" and sex["male"]["top1_ratio"] == 1.0
    assert not sex["male"]["reference_small"]


def test_plot_draws_one_bar_and_label_per_group_with_zero_markers(tmp_path: Path) -> None:
    """Every group has a bar and a y label, each 0% group a marker, and the legend's box
    overlaps no panel."""
    table = hand_table()
    fig = disparity_figure(table, {"NJ": 20.0})
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    fields = table["field"].unique(maintain_order=True).to_list()
    assert len(fig.axes) == len(fields)
    for ax, field in zip(fig.axes, fields, strict=True):
        part = table.filter(pl.col("field") == field)
        labels = [t.get_text() for t in ax.get_yticklabels()]
        assert labels == [f"{g} (n={n})" for g, n in zip(part["group"], part["n"], strict=True)]
        assert len(ax.patches) == part.height
        markers = [line for line in ax.lines if line.get_marker() == "D"]
        assert len(markers) == part.filter(pl.col("top1_share") == 0).height
        assert len(ax.texts) == part.height
    legend = fig.legends[0].get_window_extent(renderer)
    for ax in fig.axes:
        assert not legend.overlaps(ax.get_tightbbox(renderer))
    png = plot_disparity(table, tmp_path / "d.png")
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_an_empty_caseload_gives_an_empty_table_and_a_plot(tmp_path: Path) -> None:
    referrals = pl.DataFrame(
        schema={
            "participant_id": pl.String,
            "region": pl.String,
            "rank": pl.Int32,
            "target_hourly_wage": pl.Float64,
        }
    )
    groups = pl.DataFrame(schema={"participant_id": pl.String, "wioa_sex": pl.String})
    table = disparity_table(participant_outcomes(referrals, {"NJ": 20.0}), groups)
    assert table.is_empty() and table.schema == pl.Schema(DISPARITY_SCHEMA)
    assert plot_disparity(table, tmp_path / "e.png").read_bytes()[:4] == b"\x89PNG"
