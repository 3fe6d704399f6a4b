"""``GET /v1/health``: is the server ready, is a bundle loaded, which models are in use.

No key is needed so that load balancers and ``make demo`` can poll it; it says nothing a
stranger could use beyond whether the service is ready and, when it is not, why.

Readiness convention (what load balancers and Kubernetes readiness probes expect): 200 only
when ``status`` is ``ok``; ``degraded`` answers **503** with the same body, so an instance
that would answer wrongly (no data bundle, a model store it cannot read, a champion whose
files are missing) is taken out of rotation, while ``reason`` tells an operator why.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import Field

from serving.api.contract import error_responses
from serving.api.deps import Envelope, meta_of

router = APIRouter(tags=["health"])


class Health(Envelope):
    status: Literal["ok", "starting", "degraded"] = Field(
        description="ok: warmed and ready; starting: still warming; degraded: no bundle, or "
        "registered models unavailable (see reason)"
    )
    bundle_present: bool
    models_loaded: list[str] = Field(description="registered models in use (others fall back)")
    reason: str | None = Field(
        default=None,
        description="why the service is degraded (None when it is not)",
        examples=[
            "model store at http://mlflow:5000 unreachable after 3 tries: "
            "[Errno 111] Connection refused"
        ],
    )


RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "ready (status ok) or still warming (status starting)"},
    503: {
        "model": Health,
        "description": "degraded: no data bundle, or the model store or a "
        "registered model cannot be read; reason says why",
    },
}


@router.get(
    "/health",
    response_model=Health,
    summary="Readiness of the service",
    responses={**error_responses(), **RESPONSES},
)
def health(request: Request, response: Response) -> Health:
    engine = getattr(request.app.state, "engine", None)
    if engine is None:
        response.status_code = 503
        reason = getattr(request.app.state, "engine_error", None) or "no data bundle loaded"
        return Health(
            status="degraded",
            bundle_present=False,
            models_loaded=[],
            reason=reason,
            meta=meta_of(None, request),
        )
    problem = engine.model_problem
    if problem is not None:
        response.status_code = 503
        return Health(
            status="degraded",
            bundle_present=True,
            models_loaded=[],
            reason=problem,
            meta=meta_of(engine, request),
        )
    ready = getattr(request.app.state, "warmed", False)
    return Health(
        status="ok" if ready else "starting",
        bundle_present=True,
        models_loaded=sorted(engine.models),
        meta=meta_of(engine, request),
    )
