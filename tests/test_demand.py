"""Regional demand table: counts, dedup, confidence band, pay, OEWS/EP joins and the score."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from matching.ingest.bundle import load_sources
from matching.ingest.loaders.source import all_sources
from matching.market.demand import (
    TABLE_COLUMNS,
    UNASSIGNED,
    UNKNOWN_REGION,
    DemandLookupError,
    build_demand,
    demand_for,
    garwood_interval,
    occupations_from_titles,
    percentile_rank,
)

REPO = Path(__file__).resolve().parents[1]
OCC = {"A": "11-1111.00", "B": "22-2222.00", "C": "33-3333.00"}

POSTING_SCHEMA = {
    "posting_id": pl.String,
    "title": pl.String,
    "description": pl.String,
    "city": pl.String,
    "state": pl.String,
    "county_fips": pl.String,
    "zip": pl.String,
    "remote": pl.Boolean,
    "pay_min": pl.Float64,
    "pay_max": pl.Float64,
    "pay_median": pl.Float64,
    "pay_period": pl.String,
    "currency": pl.String,
    "date_posted": pl.String,
}


def _text(i: int) -> str:
    words = [f"w{i}x{j}" for j in range(40)]
    return " ".join(words)


def _posting(
    pid,
    occ,
    state="NJ",
    *,
    text=None,
    pay=(20.0, 24.0, "hour"),
    county=None,
    remote=None,
    city="Trenton",
    date="2024-04-10",
):
    lo, hi, period = pay if pay else (None, None, None)
    return {
        "posting_id": pid,
        "title": f"title {occ}",
        "description": text or _text(int(pid[1:])),
        "city": city if state else None,
        "state": state,
        "county_fips": county,
        "zip": None,
        "remote": remote,
        "pay_min": lo,
        "pay_max": hi,
        "pay_median": None,
        "pay_period": period,
        "currency": "USD" if period else None,
        "date_posted": date,
    }


def _oews() -> pl.DataFrame:
    rows = [
        # national
        (1, "US", "99", "00-0000", 100, 20.0, 40000.0),
        (1, "US", "99", "11-1111", 10, 15.0, 30000.0),
        (1, "US", "99", "22-2222", 20, 25.0, 50000.0),
        (1, "US", "99", "33-3333", 30, 40.0, 80000.0),
        (1, "US", "99", "44-4444", 40, 10.0, 20000.0),
        # New Jersey
        (2, "NJ", "34", "00-0000", 50, 25.0, 50000.0),
        (2, "NJ", "34", "11-1111", 5, 17.0, 35000.0),
        (2, "NJ", "34", "22-2222", 6, 30.0, 60000.0),
        (2, "NJ", "34", "33-3330", 7, 45.0, 95000.0),  # published only as a broad code
        (2, "NJ", "34", "44-4444", 8, 12.0, 25000.0),
    ]
    frame = pl.DataFrame(
        rows,
        schema={
            "area_type": pl.Int64,
            "prim_state": pl.String,
            "area": pl.String,
            "occ_code": pl.String,
            "tot_emp": pl.Int64,
            "h_median": pl.Float64,
            "a_median": pl.Float64,
        },
        orient="row",
    )
    return frame.with_columns(
        pl.col("occ_code").alias("occ_title"),
        *[
            (pl.col("a_median") * f).alias(c)
            for c, f in (("a_pct10", 0.6), ("a_pct25", 0.8), ("a_pct75", 1.2), ("a_pct90", 1.5))
        ],
    )


def _ep() -> pl.DataFrame:
    rows = [
        ("00-0000", "Total", "Summary", 3.0, 18000.0, 49500.0, None, None),
        ("11-1111", "Occ A", "Line item", 1.0, 10.0, 30000.0, "No formal", "Short-term"),
        ("22-2222", "Occ B", "Line item", 5.0, 50.0, 50000.0, "High school", "Moderate"),
        ("33-3333", "Occ C", "Line item", 10.0, 100.0, 80000.0, "Associate", "None"),
        ("44-4444", "Occ D", "Line item", -2.0, 5.0, 20000.0, "No formal", "None"),
    ]
    return pl.DataFrame(
        rows,
        schema={
            "soc_code": pl.String,
            "title": pl.String,
            "occupation_type": pl.String,
            "emp_change_pct": pl.Float64,
            "annual_openings_k": pl.Float64,
            "median_annual_wage": pl.Float64,
            "entry_education": pl.String,
            "on_the_job_training": pl.String,
        },
        orient="row",
    )


@pytest.fixture
def crafted():
    dup_text = "same ad text " + _text(999)
    postings = [
        _posting("p1", "A"),
        _posting("p2", "A"),
        _posting("p3", "B"),
        _posting("p4", "B"),
        _posting("p5", "C", text=dup_text, city="Trenton"),
        _posting(
            "p6", "C", text=dup_text.replace("Trenton", "Ewing"), city="Ewing", date="2024-04-11"
        ),  # repost
        _posting("p7", "C", pay=(45000.0, 55000.0, "hour")),  # implausible
        _posting("p8", "C", state=None, remote=True),  # no location
        _posting("p9", "A", state=None),  # no location
        _posting("p10", "B", pay=(None, None, "hour")),  # unparseable
        _posting("p11", "Z"),  # no occupation
        _posting("p12", "A", state="NY"),
    ]
    frame = pl.DataFrame(postings, schema=POSTING_SCHEMA)
    occ = pl.DataFrame(
        [(p["posting_id"], OCC[p["title"][-1]], 0.9) for p in postings if p["title"][-1] in OCC]
        + [("p1", "22-2222.00", 0.1), ("ghost", "11-1111.00", 1.0)],
        schema={"posting_id": pl.String, "onet_soc_code": pl.String, "score": pl.Float64},
        orient="row",
    )
    skills = pl.DataFrame(
        {
            "posting_id": ["p5", "p6", "p7", "p7", "ghost", "p1"],
            "skill_id": ["cdl", "cdl", "cdl", "forklift", "x", "bls"],
            "score": [0.9, 0.9, 0.9, 0.2, 0.9, 0.9],
            "skill_label": ["CDL", "CDL", "CDL", "Forklift", "X", "BLS"],
        }
    )
    return frame, occ, skills


def test_columns_and_counts(crafted):
    postings, occ, skills = crafted
    result = build_demand(postings, occ, skills, _oews(), _ep())
    table = result.table
    assert table.columns == list(TABLE_COLUMNS)
    nj = {r["onet_soc_code"]: r for r in demand_for(table, "nj").iter_rows(named=True)}
    assert set(nj) == {OCC["A"], OCC["B"], OCC["C"], UNASSIGNED}
    c = nj[OCC["C"]]
    assert (c["postings_raw"], c["postings_dedup"], c["clusters_touching"]) == (3, 2, 2)
    assert c["pay_n"] == 1  # the repost counts once; the implausible pay is left out
    a = nj[OCC["A"]]
    assert a["pay_hourly_median"] == pytest.approx(22.0)
    assert a["pay_annual_median"] == pytest.approx(22.0 * 2080)
    assert a["oews_source"] == "state:NJ" and a["oews_match"] == "detailed"
    assert a["oews_a_median"] == 35000.0 and a["regional_median_wage"] == 50000.0
    assert a["wage_ratio"] == pytest.approx(0.7)
    assert c["oews_match"] == "broad" and c["oews_a_median"] == 95000.0
    assert c["ep_growth_pct"] == 10.0 and c["ep_annual_openings"] == pytest.approx(100000.0)
    assert c["entry_education"] == "Associate"
    ny = demand_for(table, "NY").row(0, named=True)
    assert ny["oews_source"] == "national"  # no NY rows in this OEWS frame
    assert ny["regional_median_wage"] == 40000.0
    assert table.get_column("postings_dedup").sum() == result.report.dedup["clusters"]


def test_report_counts_never_drop_postings(crafted):
    postings, occ, skills = crafted
    result = build_demand(postings, occ, skills, _oews(), _ep(), min_skill_score=0.5)
    report = result.report
    assert report.postings == 12
    assert result.table.get_column("postings_raw").sum() == 12
    assert report.no_location == 2 and report.no_location_remote == 1
    assert report.no_occupation == 1
    assert report.occupation_rows_unknown_posting == 1
    assert report.pay_status["unparseable"] == 1
    assert report.pay_status["implausible"] == 1
    assert report.pay_flags["hourly amount looks like an annual salary"] == 1
    assert report.skill_rows_unknown_posting == 1
    assert report.skill_rows_below_min_score == 1
    unknown = demand_for(result.table, UNKNOWN_REGION)
    assert unknown.get_column("postings_raw").sum() == 2
    assert any("no usable location: 2" in line for line in report.lines())


def test_skill_shares_count_clusters_once(crafted):
    postings, occ, skills = crafted
    result = build_demand(postings, occ, skills, _oews(), _ep(), min_skill_score=0.5)
    s = result.skills_table.filter(
        (pl.col("region") == "NJ") & (pl.col("onet_soc_code") == OCC["C"])
    )
    row = s.filter(pl.col("skill_id") == "cdl").row(0, named=True)
    assert row["postings_with_skill"] == 2  # p5/p6 are one ad, plus p7
    assert row["share"] == pytest.approx(1.0)
    assert row["skill_label"] == "CDL"
    assert "forklift" not in s.get_column("skill_id").to_list()


def test_score_is_monotone_and_readable(crafted):
    postings, occ, skills = crafted
    table = demand_for(build_demand(postings, occ, skills, _oews(), _ep()).table, "NJ")
    scores = {r["onet_soc_code"]: r for r in table.iter_rows(named=True)}
    # C has more openings, faster growth and higher pay than B, which beats A on all three
    for col in ("openings_pctile", "growth_pctile", "wage_pctile", "in_demand_score"):
        assert scores[OCC["C"]][col] > scores[OCC["B"]][col] > scores[OCC["A"]][col]
    a = scores[OCC["A"]]
    expected = 100 * (a["openings_pctile"] + a["growth_pctile"] + a["wage_pctile"]) / 3
    assert a["in_demand_score"] == pytest.approx(expected)
    assert a["score_components"] == 3
    assert scores[UNASSIGNED]["in_demand_score"] is None
    assert scores[UNASSIGNED]["score_components"] == 0
    # sorted best first within the region
    assert table.get_column("onet_soc_code").to_list()[0] == OCC["C"]


def test_more_openings_raise_the_score(crafted):
    postings, occ, skills = crafted
    base = demand_for(build_demand(postings, occ, None, _oews(), _ep()).table, "NJ", OCC["A"])
    ep = _ep().with_columns(
        pl.when(pl.col("soc_code") == "11-1111")
        .then(500.0)
        .otherwise(pl.col("annual_openings_k"))
        .alias("annual_openings_k")
    )
    more = demand_for(build_demand(postings, occ, None, _oews(), ep).table, "NJ", OCC["A"])
    assert more.item(0, "in_demand_score") > base.item(0, "in_demand_score")


def test_unknown_codes_raise_with_valid_options(crafted):
    postings, occ, skills = crafted
    table = build_demand(postings, occ, skills, _oews(), _ep()).table
    with pytest.raises(DemandLookupError, match="not a US state") as info:
        demand_for(table, "XX")
    assert info.value.valid == ["NJ", "NY", "unknown"]
    with pytest.raises(DemandLookupError, match="regions in this table: NJ, NY"):
        demand_for(table, "CA")
    with pytest.raises(DemandLookupError, match="11-1111.00") as info:
        demand_for(table, "NJ", "99-9999")
    assert OCC["A"] in info.value.valid
    assert demand_for(table, "NJ", "33-3333").height == 1  # SOC code accepted
    with pytest.raises(DemandLookupError, match="region level"):
        build_demand(postings, occ, skills, _oews(), _ep(), region_level="metro")


def test_county_and_national_levels(crafted):
    postings, occ, skills = crafted
    postings = postings.with_columns(
        pl.when(pl.col("posting_id").is_in(["p1", "p2"]))
        .then(pl.lit("34021"))
        .alias("county_fips"),
        pl.when(pl.col("posting_id") == "p3").then(pl.lit("08608")).alias("zip"),
    )
    result = build_demand(postings, occ, skills, _oews(), _ep(), region_level="county")
    county = demand_for(result.table, "34021").row(0, named=True)
    assert county["postings_raw"] == 2 and county["oews_source"] == "state:NJ"
    assert result.report.no_location == 10
    assert result.report.zip_without_county == 1
    national = build_demand(postings, occ, skills, _oews(), _ep(), region_level="national")
    assert set(national.table.get_column("region").to_list()) == {"US"}


def test_garwood_interval_and_percentile_rank():
    low, high = garwood_interval([0, 1, 10])
    assert low[0] == 0.0 and high[0] == pytest.approx(3.689, abs=1e-3)
    assert (low[1], high[1]) == pytest.approx((0.0253, 5.5716), abs=1e-3)
    assert (low[2], high[2]) == pytest.approx((4.7954, 18.3904), abs=1e-3)
    import numpy as np

    ranks = percentile_rank(pl.Series([1.0, 2.0, None, 5.0]), np.array([1.0, 2.0, 3.0, 4.0]))
    assert ranks[0] == pytest.approx(0.125) and ranks[1] == pytest.approx(0.375)
    assert np.isnan(ranks[2]) and ranks[3] == 1.0


class _StubNormalizer:
    def predict(self, titles, taxonomy="onet", top_k=None):
        from types import SimpleNamespace

        return [
            [SimpleNamespace(code="31-1131.00", score=0.8)] if "cna" in t.lower() else []
            for t in titles
        ]


@pytest.fixture(scope="module")
def demo_tables() -> dict[str, pl.DataFrame]:
    wanted = {"postings", "oews", "ep_projections", "onet_occupations"}
    sources = [s for s in all_sources() if s.table in wanted]
    return load_sources(REPO / "demo" / "data", sources=sources).tables


def test_demo_postings_report(demo_tables):
    postings = demo_tables["postings"]
    occ = occupations_from_titles(postings, _StubNormalizer())
    assert occ.height > 0 and set(occ.columns) == {"posting_id", "onet_soc_code", "score"}
    result = build_demand(
        postings,
        occ,
        None,
        demo_tables["oews"],
        demo_tables["ep_projections"],
        onet_occupations=demo_tables["onet_occupations"],
    )
    report = result.report
    assert report.postings == 157
    assert report.no_location == 3  # demo/README.md: one empty, two "United States"
    assert report.pay_status["unparseable"] == 3  # "Competitive", "$30/hr + OT", "18-20"
    assert report.dedup["clusters"] == 141
    cna = demand_for(result.table, "NJ", "31-1131.00").row(0, named=True)
    assert cna["postings_dedup"] < cna["postings_raw"]
    assert cna["oews_source"] == "state:NJ"
    assert cna["occupation_title"] == "Nursing Assistants"
    assert cna["dedup_ci_low"] < cna["postings_dedup"] < cna["dedup_ci_high"]


class _UnsureNormalizer(_StubNormalizer):
    """A CNA title scores 0.8; anything else is forced onto an occupation at 0.32, below the
    calibrated ``min_score`` (the "Software Tester" -> Nursing Assistants case)."""

    min_score = 0.6

    def predict(self, titles, taxonomy="onet", top_k=None):
        from types import SimpleNamespace

        return [
            [SimpleNamespace(code="31-1131.00", score=0.8 if "cna" in t.lower() else 0.32)]
            for t in titles
        ]

    def is_confident(self, candidates):
        return bool(candidates) and candidates[0].score >= self.min_score


def test_non_confident_title_is_unassigned_in_demand(demo_tables):
    postings = demo_tables["postings"]
    occ = occupations_from_titles(postings, _UnsureNormalizer())
    result = build_demand(postings, occ, None, demo_tables["oews"], demo_tables["ep_projections"])
    is_cna = pl.col("title").str.to_lowercase().str.contains("cna")
    n_cna = postings.filter(is_cna).height
    assigned = result.postings.join(postings.select("posting_id", "title"), on="posting_id")
    assert 0 < n_cna < postings.height
    # only the confident titles reach the occupation; the rest are unassigned and counted
    assert assigned.filter(pl.col("onet_soc_code") == "31-1131.00").height == n_cna
    assert assigned.filter(~is_cna).get_column("onet_soc_code").unique().to_list() == [UNASSIGNED]
    assert result.report.no_confident_title == postings.height - n_cna
    assert result.report.no_occupation == postings.height - n_cna
    assert "title not confidently matched" in " ".join(result.report.lines())
