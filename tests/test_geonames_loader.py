"""The GeoNames postal-code loader: a hand-written export with every malformed kind of row,
and the real US export read through the import's geo source.

``fixtures/geonames/US.txt`` (15 lines, no header, as GeoNames ships it): six good rows
(one with a quote in its place name, one with an unknown accuracy code kept with a null),
a blank line, a repeated ZIP, a ZIP that lost its leading zeros, a missing and an
out-of-range latitude, a truncated line, a military FPO row repeating a Hawaii ZIP, an APO
row, and a row with a malformed country code.
"""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

from matching.ingest.bundle import load_sources
from matching.ingest.loaders.geo import SOURCES
from matching.ingest.loaders.geonames import load_geonames
from matching.referral.geo import zip_distance, zip_points

FIXTURE = Path(__file__).parent / "fixtures" / "geonames"


def test_fixture_gives_the_zip_points_table_and_names_every_bad_row() -> None:
    loaded = load_geonames([FIXTURE / "US.txt"])
    table = loaded.table
    assert table.columns[:4] == ["zcta", "lat", "lon", "land_sq_miles"]
    assert table["zcta"].to_list() == ["07030", "00501", "08540", "96860", "07302", "51040"]
    assert table.filter(pl.col("zcta") == "96860")["place"].item() == "Jbphh"
    assert table.filter(pl.col("zcta") == "08540")["lat"].item() == pytest.approx(40.3583)
    assert table.filter(pl.col("zcta") == "51040")["place"].item() == '"Onawa'
    rejected = {
        (r.line, r.field, r.reason) for r in loaded.report.rejects if r.severity == "rejected"
    }
    assert rejected == {
        (6, "zcta", "duplicate postal code, first seen at line 3"),
        (7, "zcta", "US ZIP not 5 digits (leading zeros lost?)"),
        (8, "lat", "required value missing"),
        (9, "lat", "latitude not a number in -90..90"),
        (10, None, "row has 5 fields, the export has 12"),
        (11, "zcta", "military APO/FPO/DPO code: no meaningful location"),
        (12, "zcta", "military APO/FPO/DPO code: no meaningful location"),
        (14, "country", "not a 2-letter country code"),
    }
    repaired = [(r.line, r.field) for r in loaded.report.rejects if r.severity == "repaired"]
    assert repaired == [(13, "accuracy")]
    summary = loaded.report.summary()
    assert (summary["rows_read"], summary["rows_kept"], summary["rows_rejected"]) == (14, 6, 8)
    assert all(r.file == "US.txt" for r in loaded.report.rejects)


def test_import_of_a_geonames_folder_fills_zcta_centroids_with_a_rejects_file(
    tmp_path: Path,
) -> None:
    """Through the importer's geo source: the table distances read, rejects file listed."""
    from matching.ingest.bundle import write_bundle

    data = tmp_path / "data"
    (data / "geo").mkdir(parents=True)
    (data / "geo" / "US.txt").write_bytes((FIXTURE / "US.txt").read_bytes())
    result = load_sources(data, sources=SOURCES)
    assert result.missing == []
    points = zip_points(result.tables["zcta_centroids"])
    assert zip_distance(points, "07030", "08540") == pytest.approx(42.0, abs=3.0)
    write_bundle(result, data, tmp_path / "bundle")
    with (tmp_path / "bundle" / "rejects.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {(r["file"], r["line"], r["field"]) for r in rows} >= {
        ("US.txt", "7", "zcta"),
        ("US.txt", "10", ""),
    }
    assert len([r for r in rows if r["severity"] == "rejected"]) == 8


def test_the_gazetteer_wins_when_both_files_are_there(tmp_path: Path) -> None:
    geo = tmp_path / "geo"
    geo.mkdir()
    (geo / "US.txt").write_bytes((FIXTURE / "US.txt").read_bytes())
    (geo / "2023_Gaz_zcta_national.txt").write_text(
        "GEOID\tALAND_SQMI\tINTPTLAT\tINTPTLONG  \n07030\t1.3\t40.74\t-74.03\n"
    )
    table = load_sources(tmp_path, sources=SOURCES).tables["zcta_centroids"]
    assert table["zcta"].to_list() == ["07030"] and table["land_sq_miles"].item() == 1.3


def test_real_geonames_us_export(shared_data: Path) -> None:
    """The real export: every row but the 511 military codes kept, ZIPs with their leading
    zeros, Hoboken NJ where it is, and Hoboken to Princeton about 40 miles."""
    paths = SOURCES[0].discover(shared_data)
    assert [p.name for p in paths] == ["US.txt"]
    loaded = SOURCES[0].load(paths)
    table = loaded.table
    assert table.height > 40_000 and table["zcta"].is_unique().all()
    assert table["zcta"].str.len_chars().eq(5).all()
    hoboken = table.filter(pl.col("zcta") == "07030").row(0, named=True)
    assert hoboken["lat"] == pytest.approx(40.74, abs=0.05)
    assert hoboken["lon"] == pytest.approx(-74.03, abs=0.05)
    assert table.filter(pl.col("zcta") == "00501")["state"].item() == "NY"
    reasons = {r.reason for r in loaded.report.rejects if r.severity == "rejected"}
    assert reasons == {"military APO/FPO/DPO code: no meaningful location"}
    miles = zip_distance(zip_points(table), "07030", "08540")
    assert miles == pytest.approx(42.0, abs=5.0)
