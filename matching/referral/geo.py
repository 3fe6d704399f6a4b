"""Distances between ZIP codes, from ZCTA centroids (Census Gazetteer files).

A referral's distance check needs a point for the participant's ZIP and for the program's.
The Census Bureau publishes the internal point of every ZIP Code Tabulation Area in its
Gazetteer file; ``zcta_centroids`` in a bundle holds it. A ZIP without a point (PO boxes,
new ZIPs, or a bundle without the file) gives no distance, and callers say so instead of
excluding a program on a guess.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import polars as pl

EARTH_RADIUS_MILES = 3958.8


def haversine_miles(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lat, lon) points in miles."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(h))


def zip_points(centroids: pl.DataFrame | None) -> dict[str, tuple[float, float]]:
    """``zip -> (lat, lon)`` from a ``zcta_centroids`` table (empty without one)."""
    if centroids is None or centroids.is_empty():
        return {}
    rows = centroids.select("zcta", "lat", "lon").drop_nulls().iter_rows()
    return {zcta: (float(lat), float(lon)) for zcta, lat, lon in rows}


def zip_distance(
    points: Mapping[str, tuple[float, float]], a: str | None, b: str | None
) -> float | None:
    """Miles between two ZIP centroids, or None when either is unknown."""
    if not a or not b or a not in points or b not in points:
        return None
    return haversine_miles(points[a], points[b])
