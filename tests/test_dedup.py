"""Near-duplicate posting detection (MinHash + LSH)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from matching.ingest.bundle import load_sources
from matching.ingest.loaders.source import all_sources
from matching.market.dedup import find_duplicates

REPO = Path(__file__).resolve().parents[1]

BODY = (
    "About Riverbend Health. We are a 180-bed skilled nursing center in {city} serving "
    "families for thirty years. Role: certified nursing assistant on the day shift in {city}. "
    "Responsibilities: assist residents with bathing, dressing and meals; record vital signs "
    "in PointClickCare; turn and reposition residents every two hours; report changes in "
    "condition to the charge nurse. Requirements: current New Jersey CNA certification; "
    "BLS; one year of long-term care experience preferred. Posted {date}. Pay $20.00 - "
    "$23.50 per hour. Benefits: medical, dental, tuition assistance and paid time off."
)
OTHER = (
    "Keystone Freight is hiring CDL-A tractor trailer drivers for regional routes out of "
    "{city}. Home every weekend, no touch freight, late-model trucks with automatic "
    "transmissions. Requirements: valid Class A CDL, clean MVR, DOT medical card, two years "
    "of experience. Posted {date}. Pay $1,400 per week plus safety bonus."
)


def _frame(rows: list[tuple[str, str, str, str | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "posting_id": pl.String,
            "title": pl.String,
            "description": pl.String,
            "city": pl.String,
        },
        orient="row",
    ).with_columns(pl.lit("NJ").alias("state"))


def _cluster_of(result) -> dict[str, str]:
    return dict(result.clusters.select("posting_id", "cluster_id").iter_rows())


def test_reposts_differing_in_city_and_date_collapse():
    frame = _frame(
        [
            ("a", "CNA - Day Shift", BODY.format(city="Hamilton", date="2024-04-12"), "Hamilton"),
            ("b", "CNA - Day Shift", BODY.format(city="Trenton", date="2024-04-19"), "Trenton"),
            (
                "c",
                "CNA - Day Shift",
                BODY.format(city="Princeton Junction", date="04/20/2024"),
                "Princeton Junction",
            ),
            (
                "d",
                "CDL-A Driver",
                OTHER.format(city="Robbinsville", date="2024-04-08"),
                "Robbinsville",
            ),
            ("e", "CDL-A Driver", OTHER.format(city="Hamilton", date="2024-04-09"), "Hamilton"),
        ]
    )
    result = find_duplicates(frame)
    clusters = _cluster_of(result)
    assert clusters["a"] == clusters["b"] == clusters["c"] == "a"
    assert clusters["d"] == clusters["e"] == "d"
    assert result.clusters_n == 2 and result.duplicates == 3


def test_different_ads_stay_apart():
    frame = _frame(
        [
            ("a", "CNA", BODY.format(city="Hamilton", date="x"), "Hamilton"),
            ("b", "Driver", OTHER.format(city="Hamilton", date="x"), "Hamilton"),
            (
                "c",
                "CNA",
                "A completely different advertisement about welding pipe and TIG "
                "processes, blueprint reading and GD&T for a fabrication shop.",
                "Ewing",
            ),
        ]
    )
    assert find_duplicates(frame).clusters_n == 3


def test_small_edits_still_match_but_rewrites_do_not():
    edited = BODY.format(city="Ewing", date="d").replace("thirty years", "over thirty years")
    half = " ".join(BODY.split()[:45]) + " " + " ".join(OTHER.split())
    frame = _frame(
        [
            ("a", "CNA", BODY.format(city="Ewing", date="d"), "Ewing"),
            ("b", "CNA", edited, "Ewing"),
            ("c", "CNA", half, "Ewing"),
        ]
    )
    clusters = _cluster_of(find_duplicates(frame))
    assert clusters["a"] == clusters["b"]
    assert clusters["c"] == "c"


def test_empty_text_is_never_merged_and_is_counted():
    frame = _frame([("a", None, None, None), ("b", "", "", None), ("c", "CNA", BODY, None)])
    result = find_duplicates(frame)
    assert result.clusters_n == 3
    assert result.empty_text == 2


def test_result_is_deterministic_and_independent_of_row_order():
    frame = _frame(
        [
            (str(i), "CNA", BODY.format(city=c, date=str(i)), c)
            for i, c in enumerate(["Hamilton", "Ewing", "Trenton", "Pennington"])
        ]
        + [("9", "Driver", OTHER.format(city="Ewing", date="1"), "Ewing")]
    )
    first = _cluster_of(find_duplicates(frame))
    again = _cluster_of(find_duplicates(frame.reverse()))
    assert first == again
    assert set(first.values()) == {"0", "9"}


def test_parameters_are_checked():
    frame = _frame([("a", "x", "y", None)])
    with pytest.raises(ValueError):
        find_duplicates(frame, num_perm=48, bands=16)
    with pytest.raises(ValueError):
        find_duplicates(frame, num_perm=64, bands=24)


@pytest.fixture(scope="module")
def demo_postings() -> pl.DataFrame:
    sources = [s for s in all_sources() if s.table == "postings"]
    return load_sources(REPO / "demo" / "data", sources=sources).tables["postings"]


def test_demo_reposts_collapse(demo_postings):
    """demo/README.md: 11 reposted duplicates on LinkedIn, and the 5 JSON-LD ads are copies
    of LinkedIn ads (another board): 157 postings, 141 distinct ads."""
    result = find_duplicates(demo_postings)
    assert result.postings == 157
    assert result.clusters_n == 141
    linkedin = demo_postings.filter(pl.col("source") == "linkedin")
    assert find_duplicates(linkedin).duplicates == 11
    clusters = _cluster_of(result)
    # the same CNA ad in "Hamilton" and "Hamilton Township"
    assert clusters["linkedin:3905100765"] == clusters["linkedin:3905108200"]
    # every JSON-LD ad joins a LinkedIn ad
    sizes = result.clusters.filter(pl.col("posting_id").str.starts_with("jsonld:"))
    assert sizes.get_column("cluster_size").min() >= 2
