"""Census Gazetteer ZCTA file: the internal point of every ZIP Code Tabulation Area.

``zcta_centroids``: zcta str (5 digits), lat float, lon float, land_sq_miles float.

Official file: ``{year}_Gaz_zcta_national.txt`` (tab-separated; header ``GEOID ALAND AWATER
ALAND_SQMI AWATER_SQMI INTPTLAT INTPTLONG``). Quirks handled: the last header name carries
trailing spaces in every release; GEOIDs are text with leading zeros (New England and New
Jersey ZIPs start with 0), so they are never read as numbers; a point outside the valid
latitude/longitude range rejects the row.
"""

from __future__ import annotations

import re
from pathlib import Path

from matching.ingest.loaders.base import Col, Loaded, concat_loaded, load_with_spec
from matching.ingest.loaders.geonames import PATTERNS as GEONAMES_PATTERNS
from matching.ingest.loaders.geonames import load_geonames
from matching.ingest.loaders.source import Source

FOLDER = "geo"


def _zcta(value: str) -> str | None:
    value = value.strip()
    return value if re.fullmatch(r"\d{5}", value) else None


def _in_range(limit: float):
    def check(value: str) -> str | None:
        try:
            number = float(value)
        except ValueError:
            return None
        return value.strip() if -limit <= number <= limit else None

    return check


ZCTA = (
    Col(
        "zcta",
        ("GEOID", "ZCTA5", "zcta"),
        required=True,
        normalize=_zcta,
        problem="not a 5-digit ZCTA code",
    ),
    Col(
        "lat",
        ("INTPTLAT", "lat"),
        kind="float",
        required=True,
        normalize=_in_range(90),
        problem="latitude not a number in -90..90",
    ),
    Col(
        "lon",
        ("INTPTLONG", "lon"),
        kind="float",
        required=True,
        normalize=_in_range(180),
        problem="longitude not a number in -180..180",
    ),
    Col("land_sq_miles", ("ALAND_SQMI",), kind="float", optional_column=True),
)


def load_zcta(paths: list[Path]) -> Loaded:
    """Every Gazetteer ZCTA file given (national or per-state extracts), concatenated."""
    parts = [
        load_with_spec("zcta_centroids", path, ZCTA, record_key="zcta", delimiter="\t")
        for path in paths
    ]
    return concat_loaded("zcta_centroids", parts)


GAZETTEER = ("*_Gaz_zcta_national.txt", "*Gaz_zcta*.txt")


def load_points(paths: list[Path]) -> Loaded:
    """The Gazetteer loader for Gazetteer files, else the GeoNames export's (``geonames``):
    one source, so a folder holding either fills ``zcta_centroids`` (the Gazetteer first
    when both are there)."""
    if any(Path(p).match(pattern) for p in paths for pattern in GAZETTEER):
        return load_zcta(paths)
    return load_geonames(paths)


SOURCES: list[Source] = [
    Source(
        "zcta_centroids",
        FOLDER,
        (*GAZETTEER, *GEONAMES_PATTERNS),
        load_points,
        description="ZIP points for distances: Census Gazetteer ZCTA internal points, "
        "else the GeoNames postal-code export",
    ),
]
