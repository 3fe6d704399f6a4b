"""Sign-in for the web pages: an API key exchanged for a signed session cookie, plus CSRF.

The web app accepts the same keys as the API (``ApiSettings.keys()``). ``POST /login``
checks the key and sets ``pm_session``: an itsdangerous ``URLSafeTimedSerializer`` token
signed with ``PATHMATCH_WEB_SECRET`` (else a random per-process secret, so sessions end
when the server restarts) holding the key id (``sha256(key)[:12]``, never the key) and a
random CSRF token. The cookie is HttpOnly, SameSite=Strict, Secure on https, and expires
after ``PATHMATCH_WEB_SESSION_HOURS`` (default 8). A session whose key was removed from the
configuration stops working at once, because the key id is checked on every request.

CSRF: every POST carries the session's token, as the form field ``csrf_token`` or (htmx)
the ``X-CSRF-Token`` header; the login form (no session yet) and a server in insecure mode
use a double-submit cookie ``pm_csrf`` instead. Routers use :data:`UserDep` (or
``Depends(require_user)``) on every page and :data:`CsrfDep` on every POST.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

SESSION_COOKIE = "pm_session"
LOGIN_CSRF_COOKIE = "pm_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
INSECURE_USER = "local"
_PROCESS_SECRET = secrets.token_urlsafe(32)


class LoginRequired(Exception):
    """No valid session: the handler redirects (303) to ``/login?next=<path>``."""

    def __init__(self, next_path: str) -> None:
        super().__init__("sign-in required")
        self.next_path = next_path


class CsrfFailed(Exception):
    """A POST without the right CSRF token: the handler answers 403 with a page."""


def session_hours() -> float:
    try:
        return float(os.environ.get("PATHMATCH_WEB_SESSION_HOURS", "8"))
    except ValueError:
        return 8.0


def _serializer() -> URLSafeTimedSerializer:
    secret = os.environ.get("PATHMATCH_WEB_SECRET") or _PROCESS_SECRET
    return URLSafeTimedSerializer(secret, salt="pathmatch-web-session")


def key_id(key: str) -> str:
    """What the session names a key by: a short hash, so the cookie never holds the key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


def _keys(request: Request) -> tuple[str, ...]:
    return tuple(getattr(request.app.state, "api_keys", ()))


def insecure(request: Request) -> bool:
    """True when the server runs without keys (``PATHMATCH_API_INSECURE``): no sign-in."""
    return not _keys(request) and bool(getattr(request.app.state, "insecure", False))


def key_accepted(request: Request, offered: str) -> bool:
    """``offered`` is a configured key (constant-time compare against every key)."""
    given = offered.encode("utf-8")
    found = False
    for key in _keys(request):
        found |= hmac.compare_digest(given, key.encode("utf-8"))
    return bool(offered) and found


def _session(request: Request) -> dict[str, Any] | None:
    """The session payload when the cookie is valid, unexpired and its key still configured."""
    if hasattr(request.state, "web_session"):
        cached: dict[str, Any] | None = request.state.web_session
        return cached
    payload: dict[str, Any] | None = None
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        try:
            loaded = _serializer().loads(token, max_age=int(session_hours() * 3600))
        except BadSignature:  # also SignatureExpired
            loaded = None
        ids = {key_id(k) for k in _keys(request)}
        if isinstance(loaded, dict) and loaded.get("k") in ids and loaded.get("c"):
            payload = loaded
    request.state.web_session = payload
    return payload


def user_of(request: Request) -> str | None:
    """The signed-in key id, ``"local"`` on an insecure server, else None."""
    if insecure(request):
        return INSECURE_USER
    session = _session(request)
    return str(session["k"]) if session else None


def require_user(request: Request) -> str:
    """Dependency for every page: the user, or a 303 to the login page."""
    user = user_of(request)
    if user is None:
        raise LoginRequired(request.url.path)
    return user


def start_session(request: Request, response: Response, key: str) -> None:
    """Set the session cookie for ``key`` (already checked) with a fresh CSRF token."""
    token = _serializer().dumps({"k": key_id(key), "c": secrets.token_urlsafe(24)})
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(session_hours() * 3600),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")


def end_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def csrf_token_for(request: Request) -> str:
    """The token forms on this page must carry: the session's, else the login cookie's.

    Without either a fresh login token is made; :func:`serving.web.render.render` sets its
    cookie on the response.
    """
    session = _session(request)
    if session:
        return str(session["c"])
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or getattr(request.state, "set_login_csrf", None)
    if not token:
        token = secrets.token_urlsafe(24)
        request.state.set_login_csrf = token
    return str(token)


def set_login_csrf_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


async def check_csrf(request: Request) -> None:
    """Dependency for every POST: the form field or header must equal the expected token.

    With a session the expected token is the session's; without one (login form, insecure
    server) it is the ``pm_csrf`` cookie's (double submit). Raises :class:`CsrfFailed`.
    """
    offered = request.headers.get(CSRF_HEADER)
    if not offered:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        offered = value if isinstance(value, str) else None
    session = _session(request)
    expected = str(session["c"]) if session else request.cookies.get(LOGIN_CSRF_COOKIE)
    if not offered or not expected or not hmac.compare_digest(offered, expected):
        raise CsrfFailed()


def safe_next(target: str | None, default: str = "/case") -> str:
    """``target`` when it is a local path (no scheme, host or ``//``), else ``default``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


UserDep = Annotated[str, Depends(require_user)]
CsrfDep = Depends(check_csrf)
