"""``GET /v1/version``: everything that determines an answer, for audit and bug reports."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version

from fastapi import APIRouter, Request
from pydantic import Field

from serving.api.contract import error_responses
from serving.api.deps import EngineDep, Envelope, meta_of

router = APIRouter(tags=["version"], responses=error_responses(401, 503))


def pathmatch_version() -> str:
    try:
        return package_version("pathmatch")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


class Version(Envelope):
    package: str = Field(examples=["0.1.0"])
    bundle: str = Field(description="data bundle hash")
    bundle_path: str
    taxonomies: dict[str, str] = Field(examples=[{"onet": "27.0", "esco": "1.1.1"}])
    models: dict[str, str] = Field(description="registered model name -> version")
    tracking_uri: str
    ray_address: str


@router.get("/version", response_model=Version, summary="Versions of code, data and models")
def version(request: Request, engine: EngineDep) -> Version:
    from training.registry import environment_summary

    env = environment_summary()
    meta = meta_of(engine, request)
    taxonomies = engine.bundle.manifest.get("taxonomies") or {}
    return Version(
        package=pathmatch_version(),
        bundle=engine.bundle.hash,
        bundle_path=str(engine.bundle.path),
        taxonomies={str(k): str(v) for k, v in dict(taxonomies).items()},
        models=meta.models,
        tracking_uri=env["tracking_uri"],
        ray_address=env["ray_address"],
        meta=meta,
    )
