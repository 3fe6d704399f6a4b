"""Sign-in pages: ``/`` (to the case page or the login), ``/login``, ``/logout``, ``/lang``.

The key typed into the login form is never logged or echoed; a wrong key answers 401 with
the form again. See ``serving.web.session`` for the cookie and the CSRF rules.
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from serving.web.render import LANG_COOKIE, LANGUAGES, render
from serving.web.session import (
    CsrfDep,
    end_session,
    insecure,
    key_accepted,
    safe_next,
    start_session,
    user_of,
)

router = APIRouter()


@router.get("/")
def home(request: Request) -> Response:
    target = "/case" if user_of(request) else "/login"
    return RedirectResponse(target, status_code=303)


@router.get("/login")
def login_page(request: Request, next: str = "/case") -> Response:
    if user_of(request):
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", next=safe_next(next), error=None)


@router.post("/login", dependencies=[CsrfDep])
def login(request: Request, api_key: str = Form(""), next: str = Form("/case")) -> Response:
    target = safe_next(next)
    if insecure(request):
        return RedirectResponse(target, status_code=303)
    if not key_accepted(request, api_key):
        return render(request, "login.html", status_code=401, next=target, error="wrong_key")
    response = RedirectResponse(target, status_code=303)
    start_session(request, response, api_key)
    return response


@router.post("/logout", dependencies=[CsrfDep])
def logout(request: Request) -> Response:
    response = RedirectResponse("/login", status_code=303)
    end_session(response)
    return response


@router.get("/lang/{code}")
def switch_language(request: Request, code: str, next: str = "/") -> Response:
    """Set the page language (``pm_lang`` cookie, a year) and go back to ``next``."""
    response = RedirectResponse(safe_next(next, "/"), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(
            LANG_COOKIE,
            code,
            max_age=365 * 24 * 3600,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
    return response
