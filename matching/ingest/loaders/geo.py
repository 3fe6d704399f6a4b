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


SOURCES: list[Source] = [
    Source(
        "zcta_centroids",
        FOLDER,
        ("*_Gaz_zcta_national.txt", "*Gaz_zcta*.txt"),
        load_zcta,
        description="Census Gazetteer ZCTA internal points (for distances)",
    ),
]
