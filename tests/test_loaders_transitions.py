"""Transitions loader: CPS mobility, Career Changers, node titles; leave distribution and the
SOC 2010 -> O*NET-SOC mapping, on demo files, hand-made bad files and the real data."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from matching.ingest.loaders.crosswalks import load_onet2010_soc2018, load_onet_soc2018
from matching.ingest.loaders.transitions import (
    SOURCES,
    leave_distribution,
    load_career_changers,
    load_mobility,
    load_nodes,
    soc2010_to_onet,
)
from tests.loader_checks import balanced, problems, write

DEMO = Path(__file__).resolve().parents[1] / "demo" / "data"
HEADER = (
    b"OCC_source,OCC_target,transition_prob_BLS_ASECnorm_corr,"
    b"transition_prob_BLS_ASECnorm_in_corr,OCC_TITLE_OCC,OCC_TITLE_OCCLY,"
    b"EMPOCCLY_unadj_BLS,EMPOCC_unadj_BLS,TOT_EMP_OCC,A_MEAN_OCC,TOT_EMP_OCCLY\n"
)


def test_demo_files_load_clean() -> None:
    mobility = load_mobility([DEMO / "transitions" / "cps_asec_occ_mobility_edgelist.csv"])
    nodes = load_nodes([DEMO / "transitions" / "mobility_network_nodes.csv"])
    assert mobility.table.height == 150 and not mobility.report.rejects
    assert nodes.table.height == 30 and "Logisticians" in nodes.table["title"].to_list()
    assert {s.table for s in SOURCES} == {
        "mobility_transitions",
        "career_changers",
        "mobility_occupations",
    }


def test_bad_rows_are_rejected_with_line_and_field(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "m.csv",
        HEADER
        + b"11-1010,11-1010,0.9,0.9,A,A,1,1,1,1,100\n"
        + b"11-1010,11-2020,0.1,0.1,B,A,1,1,1,1,100\n"
        + b"11-101,11-2020,0.1,0.1,B,A,1,1,1,1,100\n"  # line 4: bad code
        + b"11-1010,11-3030,1.5,0.1,C,A,1,1,1,1,100\n"  # line 5: not a probability
        + b"11-1010,11-2020,0.2,0.1,B,A,1,1,1,1,100\n",
    )  # line 6: repeated pair
    loaded = load_mobility([path])
    assert loaded.table.height == 2
    assert problems(loaded.report, "rejected") == {
        (4, "source_soc2010"),
        (5, "prob"),
        (6, "target_soc2010"),
    }
    assert balanced(loaded.report)
    assert all("11-101" not in (r.reason or "") for r in loaded.report.rejects)


def test_leave_distribution_drops_the_diagonal_and_renormalizes() -> None:
    moves = pl.DataFrame(
        {
            "source_soc2010": ["A", "A", "A", "B", "C"],
            "target_soc2010": ["A", "B", "C", "B", "A"],
            "prob": [0.9, 0.075, 0.025, 1.0, 1.0],
            "source_emp": [10.0, 10.0, 10.0, 5.0, 1.0],
        }
    )
    leave = leave_distribution(moves)
    a = leave.filter(pl.col("source_soc2010") == "A")
    assert a["target_soc2010"].to_list() == ["B", "C"]
    assert a["p_leave"].to_list() == pytest.approx([0.75, 0.25])
    assert a["stay"].to_list() == pytest.approx([0.9, 0.9])
    assert "B" not in leave["source_soc2010"].to_list(), "only a self-loop: nowhere to go"
    assert leave.filter(pl.col("source_soc2010") == "C")["stay"].to_list() == [None]


def test_soc2010_codes_reach_onet_occupations_in_the_demo() -> None:
    xwalk = load_onet2010_soc2018([DEMO / "crosswalks" / "2010_to_2018_SOC_Crosswalk.xlsx"])
    occ = load_onet_soc2018([DEMO / "crosswalks" / "2019_to_SOC_Crosswalk.xlsx"]).table
    nodes = load_nodes([DEMO / "transitions" / "mobility_network_nodes.csv"]).table
    mapping, report = soc2010_to_onet(
        nodes["soc2010_code"], xwalk.table, occ.select("onet_soc_code", "soc2018_code")
    )
    assert not report.rejects
    web = mapping.filter(pl.col("soc2010_code") == "15-1134")  # detailed 2010 code
    assert web["onet_soc_code"].to_list() == ["15-1254.00"] and web["level"][0] == "detailed"
    support = mapping.filter(pl.col("soc2010_code") == "15-1150")  # broad 2010 group
    assert set(support["onet_soc_code"]) == {"15-1231.00", "15-1232.00"}
    assert support["level"][0] == "broad"


def test_real_files(shared_data: Path) -> None:
    folder = shared_data / "transitions"
    mobility = load_mobility([folder / "cps_asec_occ_mobility_edgelist.csv"])
    changers = load_career_changers([folder / "onet_career_changers_edgelist.csv"])
    assert mobility.table.height == 15426 and not mobility.report.rejects
    assert changers.table.height == 8793 and not changers.report.rejects
    leave = leave_distribution(mobility.table)
    sums = leave.group_by("source_soc2010").agg(pl.col("p_leave").sum())["p_leave"]
    assert sums.min() == pytest.approx(1.0) and sums.max() == pytest.approx(1.0)
    assert leave.height == 14887, "SOURCE.md: 14,887 off-diagonal edges"
    retail = leave.filter(pl.col("source_soc2010") == "41-2030").head(5)["target_soc2010"]
    assert "41-2010" in retail.to_list(), "cashiers are a top exit from retail sales"

    xwalk = load_onet2010_soc2018(
        [shared_data / "crosswalks" / "2010_to_2018_SOC_Crosswalk.xlsx"]
    ).table
    occ = load_onet_soc2018([shared_data / "crosswalks" / "2019_to_SOC_Crosswalk.xlsx"]).table
    codes = pl.concat([mobility.table["source_soc2010"], mobility.table["target_soc2010"]])
    mapping, report = soc2010_to_onet(codes, xwalk, occ)
    assert not report.rejects, "every one of the 539 codes reaches an O*NET occupation"
    by_code = (
        mapping.group_by("soc2010_code")
        .agg("onet_soc_code")
        .rows_by_key("soc2010_code", unique=True)
    )
    assert "15-1252.00" in by_code["15-1132"][0] and "15-1252.00" in by_code["15-1133"][0]
    assert set(by_code["11-1010"][0]) == {"11-1011.00", "11-1011.03"}  # broad group
    assert len(by_code["25-1000"][0]) > 30  # OES minor-group aggregate: postsecondary
