"""Dependencies every router shares: the engine, the API key check and the ``meta`` block.

Every response body names what produced it (``meta``: data bundle hash, model versions,
fallback notes and the request id), so an answer found in a case file months later can be
traced to the exact data and models behind it.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from serving.engine import Engine

API_KEY_HEADER = "X-API-Key"
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="pathmatch", charset="UTF-8"'}

_api_key = APIKeyHeader(
    name=API_KEY_HEADER, auto_error=False, description="an API key from PATHMATCH_API_KEYS"
)
_bearer = HTTPBearer(auto_error=False, description="the same API key as a bearer token")


class Meta(BaseModel):
    """What produced a response: data bundle, model versions, fallbacks, request id."""

    bundle: str | None = Field(
        description="hash of the data bundle (None: no bundle loaded)",
        examples=["54313d7b320ab8da"],
    )
    models: dict[str, str] = Field(
        description="registered model name -> version used", examples=[{"pathmatch-titles": "3"}]
    )
    notes: list[str] = Field(description="fallbacks in effect, e.g. a model not registered")
    request_id: str = Field(description="also in the X-Request-ID response header")


class Envelope(BaseModel):
    """Base of every response body: subclasses add their fields beside ``meta``."""

    meta: Meta


def request_id_of(request: Request) -> str:
    return str(getattr(request.state, "request_id", "") or "")


def meta_of(engine: Engine | None, request: Request) -> Meta:
    """The ``meta`` block for a response to ``request`` answered by ``engine``."""
    return meta_for(engine, request_id_of(request))


def meta_for(engine: Engine | None, request_id: str) -> Meta:
    """``meta_of`` for code that has the request id but no Request (ASGI middleware)."""
    if engine is None:
        return Meta(bundle=None, models={}, notes=["no data bundle loaded"], request_id=request_id)
    problem = engine.model_problem
    if problem is not None:  # no model versions to name: the store cannot say
        return Meta(
            bundle=engine.bundle.hash,
            models={},
            notes=[*engine.notes, f"registered models unavailable: {problem}"],
            request_id=request_id,
        )
    versions = dict(engine.versions)
    bundle = versions.pop("bundle", None)
    return Meta(bundle=bundle, models=versions, notes=list(engine.notes), request_id=request_id)


def get_engine(request: Request) -> Engine:
    """The engine loaded at start-up; 503 when the server started without a bundle.

    A broken model store is not checked here: routes whose answer needs a registered model
    raise ``ModelStoreError`` when they touch it, answered 503 by ``create_app``'s handler,
    while routes that only describe the service (``/v1/version``) still answer.
    """
    engine: Engine | None = getattr(request.app.state, "engine", None)
    if engine is None:
        reason = getattr(request.app.state, "engine_error", None) or "engine not loaded"
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=reason)
    return engine


def require_api_key(
    request: Request,
    key: Annotated[str | None, Depends(_api_key)] = None,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None,
) -> None:
    """Accept a configured key from ``X-API-Key`` or ``Authorization: Bearer``; else 401.

    Keys are compared in constant time against every configured key so that timing does
    not reveal how much of a guess was right.
    """
    keys: tuple[str, ...] = getattr(request.app.state, "api_keys", ())
    if not keys and getattr(request.app.state, "insecure", False):
        return
    offered = key or (bearer.credentials if bearer else None)
    if offered and _matches(offered, keys):
        return
    detail = (
        "invalid API key"
        if offered
        else (
            f"missing API key: send it in the {API_KEY_HEADER} header or as "
            f"'Authorization: Bearer <key>'"
        )
    )
    raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail, headers=CHALLENGE)


def _matches(offered: str, keys: tuple[str, ...]) -> bool:
    given = offered.encode("utf-8")
    found = False
    for key in keys:
        found |= hmac.compare_digest(given, key.encode("utf-8"))
    return found


EngineDep = Annotated[Engine, Depends(get_engine)]


def invalid(loc: list[str | int], msg: str, kind: str = "value_error") -> RequestValidationError:
    """A 422 in the standard shape for checks pydantic cannot express (limits in settings)."""
    return RequestValidationError([{"loc": tuple(loc), "msg": msg, "type": kind}])


def check_texts(
    request: Request, texts: list[str], loc: list[str | int], field: str | None = None
) -> None:
    """Enforce ``max_texts`` and ``max_text_chars`` from the settings (422, field path named).

    The body limit (413) bounds a request's bytes; these bound its work: one request may
    not hold more texts, or longer ones, than the service is sized for.
    """
    settings = request.app.state.settings
    if len(texts) > settings.max_texts:
        raise invalid(
            loc,
            f"at most {settings.max_texts} items per request "
            f"(PATHMATCH_MAX_TEXTS); got {len(texts)}",
            "too_long",
        )
    for i, text in enumerate(texts):
        if len(text) > settings.max_text_chars:
            where = [*loc, i] + ([field] if field else [])
            raise invalid(
                where,
                f"at most {settings.max_text_chars:,} characters per text "
                f"(PATHMATCH_MAX_TEXT_CHARS); got {len(text):,}",
                "string_too_long",
            )
