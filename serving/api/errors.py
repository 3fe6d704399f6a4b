"""Error answers: every failure a client can cause is a 4xx that says what to fix.

Participant data is personal, so no error body or log line repeats what was submitted:
validation errors keep the field path, message and type but drop pydantic's ``input`` (and
``ctx``/``url``); the access log has method, route template, status, milliseconds and
request id, never the raw path, a query string or a body; an unexpected exception is logged
by its type and request id only.

Two pure ASGI middlewares do what handlers cannot:

* :class:`RequestContext` (outermost) gives each request an id (``X-Request-ID``, accepted
  from the client when it is a short token), writes the access log line and turns any
  exception that escaped the handlers into a 500 without re-raising, so the server's own
  logger never prints a traceback whose message might quote a request.
* :class:`BodyLimit` answers 413 for a body over ``max_body_bytes``: by ``Content-Length``
  before reading, and by counting the bytes actually received (chunked or lying clients).
  Bodies are small (1 MiB default), so it buffers the body and replays it to the app.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from matching.demand import DemandLookupError
from serving.api.deps import meta_for, request_id_of

log = logging.getLogger("pathmatch.api")
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
_TOKEN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
SUGGESTIONS_SHOWN = 20


class ApiError(Exception):
    """A client error a router raises on purpose: status, message and optional extras.

    ``extra`` is merged into the body (e.g. ``suggestions`` for an unknown code,
    ``known`` for an unknown region), beside ``detail`` and ``meta``.
    """

    def __init__(self, status_code: int, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.extra = extra


def configure_logging() -> None:
    """One stderr handler for the access and error lines, unless the host configured one."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


def error_body(state: Any, request_id: str, detail: Any, **extra: Any) -> dict[str, Any]:
    """``{"detail", ...extra, "meta"}``; meta falls back to empty when it cannot be built."""
    engine = getattr(state, "engine", None)
    try:
        meta = meta_for(engine, request_id).model_dump()
    except Exception:  # noqa: BLE001 - an error answer must not fail on its meta block
        meta = {"bundle": None, "models": {}, "notes": [], "request_id": request_id}
    return {"detail": detail, **extra, "meta": meta}


def _answer(request: Request, status_code: int, detail: Any,
            headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    body = error_body(request.app.state, request_id_of(request), detail, **extra)
    return JSONResponse(body, status_code=status_code, headers=headers)


def clean_errors(errors: Any) -> list[dict[str, Any]]:
    """Validation errors as ``loc``, ``msg`` and ``type`` only (no submitted values)."""
    return [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in errors]


async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    return _answer(request, 422, clean_errors(exc.errors()))


async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    return _answer(request, exc.status_code, exc.detail, headers=exc.headers)


async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
    return _answer(request, exc.status_code, exc.detail, **exc.extra)


async def _demand_lookup(request: Request, exc: DemandLookupError) -> JSONResponse:
    return _answer(request, 404, str(exc), suggestions=exc.valid[:SUGGESTIONS_SHOWN])


async def _key_error(request: Request, exc: KeyError) -> JSONResponse:
    key = str(exc.args[0]) if exc.args else ""
    return _answer(request, 404, f"not found: {key[:200]}")


async def _value_error(request: Request, exc: ValueError) -> JSONResponse:
    return _answer(request, 422, [{"loc": [], "msg": str(exc)[:500], "type": "value_error"}])


async def _bug(request: Request, exc: ValidationError) -> JSONResponse:
    """A pydantic model built inside a handler failed: our bug, not the client's (500)."""
    raise exc


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers (most specific first in effect: Starlette walks the MRO)."""
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(ApiError, _api_error)  # type: ignore[arg-type]
    app.add_exception_handler(DemandLookupError, _demand_lookup)  # type: ignore[arg-type]
    app.add_exception_handler(ValidationError, _bug)  # type: ignore[arg-type]
    app.add_exception_handler(KeyError, _key_error)  # type: ignore[arg-type]
    app.add_exception_handler(ValueError, _value_error)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- ASGI middleware


async def send_json(send: Send, status_code: int, body: dict[str, Any],
                    headers: dict[str, str] | None = None) -> None:
    data = json.dumps(body).encode("utf-8")
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status_code, "headers": raw})
    await send({"type": "http.response.body", "body": data})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class RequestContext:
    """Request id, access log line, and the last-resort 500 (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        offered = _header(scope, b"x-request-id") or ""
        request_id = offered if _TOKEN.match(offered) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = {"code": 500, "sent": False}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"], status["sent"] = message["status"], True
                message["headers"] = [*message.get("headers", []),
                                      (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:  # noqa: BLE001 - a true bug; never re-raised, never echoed
            log.error("unhandled %s request_id=%s", type(exc).__name__, request_id)
            if not status["sent"]:
                body = error_body(scope["app"].state, request_id,
                                  f"internal error (request id {request_id})")
                await send_json(send_with_id, 500, body)
        finally:
            ms = (time.perf_counter() - started) * 1000
            log.info("%s %s %s %.1fms request_id=%s", scope.get("method"), _route_of(scope),
                     status["code"], ms, request_id)


def _route_of(scope: Scope) -> str:
    """The matched route's template (``/v1/occupations/{code}``), never the raw path.

    A raw path or query string can carry whatever a client typed; the template cannot.
    """
    template = getattr(scope.get("route"), "path", None)
    if not template:
        return "(no route)"
    # FastAPI keeps an included router's own template ("/programs"); the matched prefix
    # ("/v1") is the raw path minus as many segments as the template has.
    raw = str(scope.get("path", "")).rstrip("/").split("/")
    keep = max(len(raw) - (len(template.split("/")) - 1), 1)
    return "/".join(raw[:keep]) + template


class BodyLimit:
    """413 for bodies over ``max_bytes``, by header and by counting (see the docstring)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._too_large(scope, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # client went away: let the app see it
                await self.app(scope, _replay([message], receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(scope, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([body], receive), send)

    async def _too_large(self, scope: Scope, send: Send) -> None:
        request_id = scope.get("state", {}).get("request_id", "")
        detail = (f"request body too large: the limit is {self.max_bytes:,} bytes "
                  f"(PATHMATCH_MAX_BODY_BYTES); send fewer or shorter texts per request")
        body = error_body(scope["app"].state, request_id, detail)
        await send_json(send, 413, body, {"connection": "close"})


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A receive callable that yields ``messages`` first, then defers to ``receive``."""
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
