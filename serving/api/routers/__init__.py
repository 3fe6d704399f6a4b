"""The service's routers, one module per resource, mounted under ``/v1`` by ``create_app``.

To add a resource: write ``routers/<name>.py`` with ``router = APIRouter(tags=[...])`` and
append it to ``ALL_ROUTERS`` here (and its tag to ``TAGS`` for the OpenAPI description).
Every router requires an API key unless it is also listed in ``PUBLIC_ROUTERS`` (safe by
default: forgetting a list entry can only make a route stricter).
"""

from __future__ import annotations

from fastapi import APIRouter

from serving.api.routers import (
    extract,
    gaps,
    health,
    occupations,
    pathways,
    programs,
    referrals,
    sectors,
    titles,
    version,
)

ALL_ROUTERS: list[APIRouter] = [
    health.router,
    version.router,
    extract.router,
    titles.router,
    occupations.router,
    programs.router,
    referrals.router,
    pathways.router,
    gaps.router,
    sectors.router,
]
PUBLIC_ROUTERS: list[APIRouter] = [health.router]

TAGS: list[dict[str, str]] = [
    {"name": "health", "description": "Liveness and readiness; no API key needed."},
    {"name": "version", "description": "Package, data bundle, taxonomy and model versions."},
    {
        "name": "extract",
        "description": "Skills in postings, course descriptions or intake "
        "text, linked to ESCO and O*NET.",
    },
    {
        "name": "titles",
        "description": "Job titles to ranked O*NET-SOC occupations or ESCO occupations.",
    },
    {
        "name": "occupations",
        "description": "One occupation: wages, projections, regional "
        "demand, skills requested, related occupations.",
    },
    {
        "name": "programs",
        "description": "Training programs (ETPL) in a region with reported and predicted outcomes.",
    },
    {"name": "referrals", "description": "Ranked, explained training referrals for a participant."},
    {"name": "pathways", "description": "Multi-step routes of stackable credentials."},
    {
        "name": "gaps",
        "description": "Curriculum gaps: skills a program's courses teach "
        "against skills employers in a region ask for.",
    },
    {
        "name": "sectors",
        "description": "Career clusters in a region: demand, wages, programs, and training "
        "supply against openings.",
    },
]
