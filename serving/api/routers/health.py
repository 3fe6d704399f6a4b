"""``GET /v1/health``: is the server up, is a bundle loaded, which models are in use.

No key is needed so that load balancers and ``make demo`` can poll it; it says nothing a
stranger could use beyond whether the service is ready.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import Field

from serving.api.deps import Envelope, meta_of

router = APIRouter(tags=["health"])


class Health(Envelope):
    status: Literal["ok", "starting", "degraded"] = Field(
        description="ok: warmed and ready; starting: still warming; degraded: no bundle")
    bundle_present: bool
    models_loaded: list[str] = Field(description="registered models in use (others fall back)")


@router.get("/health", response_model=Health, summary="Readiness of the service")
def health(request: Request) -> Health:
    engine = getattr(request.app.state, "engine", None)
    if engine is None:
        return Health(status="degraded", bundle_present=False, models_loaded=[],
                      meta=meta_of(None, request))
    ready = getattr(request.app.state, "warmed", False)
    return Health(status="ok" if ready else "starting", bundle_present=True,
                  models_loaded=sorted(engine.models), meta=meta_of(engine, request))
