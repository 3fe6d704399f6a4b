"""The web routers, one per area; ``mount_web`` includes every router listed here.

An area whose module is not written yet is skipped, so helpers can land areas one by one.
"""

from __future__ import annotations

import importlib

from fastapi import APIRouter

AREAS = ("auth", "case", "programs", "college", "analyst")


def _routers() -> list[APIRouter]:
    found: list[APIRouter] = []
    for area in AREAS:
        try:
            module = importlib.import_module(f"serving.web.routers.{area}")
        except ModuleNotFoundError as exc:
            if exc.name != f"serving.web.routers.{area}":
                raise
            continue
        found.append(module.router)
    return found


WEB_ROUTERS: list[APIRouter] = _routers()
