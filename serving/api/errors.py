"""Error answers: every failure a client can cause is a 4xx that says what to fix.

Participant data is personal, so no error body or log line repeats what was submitted:
validation errors keep the field path, message and type but drop pydantic's ``input`` (and
``ctx``/``url``); the access log has method, route template, status, milliseconds and
request id, never the raw path, a query string or a body.

Only our own domain errors become 4xx: :class:`ApiError` (a router's deliberate answer),
FastAPI's validation and HTTP errors, ``DemandLookupError`` and ``UnknownOccupation`` (a
``past_occupations`` code the bundle does not list: 422 at its position). Anything else (a
``ValueError``, ``KeyError`` or ``ZeroDivisionError`` from our code) is a bug and answers 500,
instead of a 422 or 404 that would blame the client and hide it. A 500 body carries an
``error_id``; the server logs that id with the exception's type and traceback frames (file,
line, function and source line), never the exception's message or the request, since a
message can quote what was submitted.

Two pure ASGI middlewares do what handlers cannot:

* :class:`RequestContext` (outermost) gives each request an id (``X-Request-ID``, accepted
  from the client when it is a short token), writes the access log line and turns any
  exception that escaped the handlers into a 500 with an error id, without re-raising, so
  the server's own logger never prints a traceback whose message might quote a request.
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
import traceback
import uuid
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from matching.market.demand import DemandLookupError
from matching.referral.referrals import UnknownOccupation
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
    except Exception:  # an error answer must not fail on its meta block
        meta = {"bundle": None, "models": {}, "notes": [], "request_id": request_id}
    return {"detail": detail, **extra, "meta": meta}


def _answer(
    request: Request,
    status_code: int,
    detail: Any,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = error_body(request.app.state, request_id_of(request), detail, **extra)
    return JSONResponse(body, status_code=status_code, headers=headers)


def clean_errors(errors: Any) -> list[dict[str, Any]]:
    """Validation errors as ``loc``, ``msg`` and ``type`` only (no submitted values).

    A ``loc`` can hold a key the client sent (an unknown field); one that is not valid
    Unicode is replaced so that the answer itself can always be encoded.
    """
    return [
        {
            "loc": [_printable(part) for part in e.get("loc", ())],
            "msg": e.get("msg", ""),
            "type": e.get("type", ""),
        }
        for e in errors
    ]


def _printable(part: Any) -> Any:
    if isinstance(part, str):
        return part.encode("utf-8", "replace").decode("utf-8")
    return part


async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    return _answer(request, 422, clean_errors(exc.errors()))


async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    return _answer(request, exc.status_code, exc.detail, headers=exc.headers)


async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
    if exc.status_code == 422:  # one 422 shape everywhere: a list of {loc, msg, type}
        extra = dict(exc.extra)
        loc = list(extra.pop("loc", ["body"]))
        return _answer(
            request, 422, [{"loc": loc, "msg": exc.detail, "type": "value_error"}], **extra
        )
    return _answer(request, exc.status_code, exc.detail, **exc.extra)


async def _demand_lookup(request: Request, exc: DemandLookupError) -> JSONResponse:
    """The message names what was looked up; answer in our words, with what the data has."""
    return _answer(
        request,
        404,
        "no demand rows for the requested region or occupation; "
        "suggestions lists what the demand table holds",
        suggestions=exc.valid[:SUGGESTIONS_SHOWN],
    )


async def _unknown_occupation(request: Request, exc: UnknownOccupation) -> JSONResponse:
    """422 at the item's path; the message names the field and position, not the code."""
    loc = ["body", "participant", exc.field, exc.index]
    return _answer(request, 422, [{"loc": loc, "msg": str(exc), "type": "value_error"}])


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers for client errors; nothing else is mapped (see the docstring)."""
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(ApiError, _api_error)  # type: ignore[arg-type]
    app.add_exception_handler(DemandLookupError, _demand_lookup)  # type: ignore[arg-type]
    app.add_exception_handler(UnknownOccupation, _unknown_occupation)  # type: ignore[arg-type]


def log_unhandled(exc: BaseException, request_id: str, route: str) -> str:
    """Log a bug with a fresh error id and its traceback frames; return the id.

    Frames say where (file, line, function, source line); the exception's message is left
    out, and so is the request, because either can hold what a participant submitted.
    """
    error_id = uuid.uuid4().hex[:16]
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = "".join(traceback.format_list(traceback.extract_tb(current.__traceback__)))
        parts.append(f"{type(current).__module__}.{type(current).__qualname__} at:\n{frames}")
        current = current.__cause__ or current.__context__
    log.error(
        "unhandled %s error_id=%s request_id=%s route=%s\nTraceback (most recent call "
        "last; messages withheld):\n%s",
        type(exc).__name__,
        error_id,
        request_id,
        route,
        "caused by ".join(parts).rstrip(),
    )
    return error_id


# --------------------------------------------------------------------------- ASGI middleware


async def send_json(
    send: Send, status_code: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> None:
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
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:  # a true bug; never re-raised, never echoed
            error_id = log_unhandled(exc, request_id, _route_of(scope))
            if not status["sent"]:
                body = error_body(
                    scope["app"].state,
                    request_id,
                    f"internal error {error_id}: a bug on our side; quote the "
                    f"error id when reporting it",
                    error_id=error_id,
                )
                await send_json(send_with_id, 500, body)
        finally:
            ms = (time.perf_counter() - started) * 1000
            log.info(
                "%s %s %s %.1fms request_id=%s",
                scope.get("method"),
                _route_of(scope),
                status["code"],
                ms,
                request_id,
            )


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
        detail = (
            f"request body too large: the limit is {self.max_bytes:,} bytes "
            f"(PATHMATCH_MAX_BODY_BYTES); send fewer or shorter texts per request"
        )
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
