"""The pathmatch HTTP service: ``create_app`` builds it, ``pathmatch serve`` runs it.

One process holds one shared :class:`serving.engine.Engine` (bundle, pipelines, models),
loaded and warmed in the lifespan before the first request so that no request pays for a
model load. Routers live one per resource in ``serving/api/routers`` and are mounted under
``/v1``; every response body carries ``meta`` (bundle hash, model versions, notes, request
id). Authentication, body limits, logging and error shapes: see ``settings``, ``deps`` and
``errors``.

Run with ``pathmatch serve`` or ``uvicorn --factory serving.api.app:create_app``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from matching.ingest.bundle import BundleError
from serving.api.deps import request_id_of, require_api_key
from serving.api.errors import (
    BodyLimit,
    RequestContext,
    configure_logging,
    error_body,
    install_error_handlers,
)
from serving.api.routers import ALL_ROUTERS, PUBLIC_ROUTERS, TAGS
from serving.api.routers.version import pathmatch_version
from serving.api.settings import ApiSettings
from serving.engine import Engine, shared_engine
from serving.web import mount_web
from training.registry import ModelStoreError

log = logging.getLogger("pathmatch.api")
PREFIX = "/v1"
DESCRIPTION = """\
Employer-demand matching and training referrals for the US public workforce system.

**Authentication**: every route except `/v1/health` needs an API key, in the `X-API-Key`
header or as `Authorization: Bearer <key>`.

**Provenance**: every response body has `meta`: the data bundle hash, the version of each
registered model used, notes on fallbacks, and the request id (also the `X-Request-ID`
header).

**Errors**: 422 names the field path and the problem (never the submitted value), 413 a body
over the size limit, 401 a missing or wrong key, 404 an unknown code with suggestions, 503 a
server without its data bundle or whose model store (or a registered model's files) cannot
be read: such a server never answers from fallbacks instead, and `/v1/health` answers 503
with status `degraded` and the reason. A 404 lists what the data has (`suggestions`, `known`),
never the value sent; a 500 is a bug on our side, with an `error_id` to quote (the server log
has its traceback). Every 422 has one shape: `detail` is a list of `{loc, msg, type}`.
"""


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load (unless given) and warm the shared engine before serving requests."""
    settings: ApiSettings = app.state.settings
    if app.state.engine is None:
        try:
            app.state.engine = await anyio.to_thread.run_sync(shared_engine)
        except BundleError as exc:
            app.state.engine_error = str(exc)
            log.warning("serving without data: %s", exc)
    if app.state.engine is not None and settings.warm_on_start:
        started = time.perf_counter()
        try:
            await anyio.to_thread.run_sync(app.state.engine.warm)
            log.info(
                "engine warmed in %.1f s (bundle %s)",
                time.perf_counter() - started,
                app.state.engine.bundle.hash,
            )
        except ModelStoreError as exc:
            # Serve anyway: /v1/health says degraded and why; model routes answer 503.
            log.warning("serving degraded, registered models unavailable: %s", exc)
    app.state.warmed = app.state.engine is not None
    yield


async def _model_store_unavailable(request: Request, exc: ModelStoreError) -> JSONResponse:
    """503 in the error schema: the answer needs a registered model the store cannot give."""
    detail = f"registered models unavailable: {exc}"
    body = error_body(request.app.state, request_id_of(request), detail)
    return JSONResponse(body, status_code=503)


def create_app(engine: Engine | None = None, settings: ApiSettings | None = None) -> FastAPI:
    """The FastAPI app; raises ``ApiConfigError`` when no API key is configured."""
    settings = settings or ApiSettings()
    keys = settings.check()
    configure_logging()
    app = FastAPI(
        title="pathmatch",
        version=pathmatch_version(),
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.api_keys = keys
    app.state.insecure = settings.api_insecure
    app.state.engine = engine
    app.state.engine_error = None
    app.state.warmed = False
    install_error_handlers(app)
    app.add_exception_handler(ModelStoreError, _model_store_unavailable)  # type: ignore[arg-type]
    for router in ALL_ROUTERS:
        public = any(router is r for r in PUBLIC_ROUTERS)
        app.include_router(
            router, prefix=PREFIX, dependencies=[] if public else [Depends(require_api_key)]
        )
    mount_web(app)  # the web pages (serving/web), outside /v1 and the OpenAPI schema
    if settings.origins():
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.origins(),
            allow_methods=["GET", "POST"],
            allow_headers=["X-API-Key", "Authorization", "Content-Type"],
        )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContext)  # added last: outermost
    return app
