"""The web app: server-rendered pages for case managers, colleges and analysts.

Served by the same FastAPI process as the API (``create_app`` calls :func:`mount_web`) and
answering from the same ``Engine`` (``app.state.engine``; routers take
``serving.api.deps.EngineDep``), so a page and the API give the same answer to the same
question. Pages are outside ``/v1`` and outside the OpenAPI schema. Design: sign-in and
CSRF in ``session``, headers in ``security``, templates and catalogs in ``render``.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from serving.web.render import WEB, render
from serving.web.security import SecurityHeaders
from serving.web.session import CsrfFailed, LoginRequired


async def _login_required(request: Request, exc: LoginRequired) -> Response:
    return RedirectResponse(f"/login?next={quote(exc.next_path)}", status_code=303)


async def _csrf_failed(request: Request, exc: CsrfFailed) -> Response:
    return render(request, "csrf.html", status_code=403)


def mount_web(app: FastAPI) -> None:
    """Mount the web routers, ``/static`` and the security-headers middleware on ``app``."""
    from serving.web.routers import WEB_ROUTERS

    for router in WEB_ROUTERS:
        app.include_router(router, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    app.add_exception_handler(LoginRequired, _login_required)  # type: ignore[arg-type]
    app.add_exception_handler(CsrfFailed, _csrf_failed)  # type: ignore[arg-type]
    app.add_middleware(SecurityHeaders)
