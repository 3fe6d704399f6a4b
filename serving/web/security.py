"""Security headers on every web response (a pure ASGI middleware).

Pages get a strict CSP (no inline script or style: all JS and CSS come from ``/static``),
no framing, no sniffing, no referrer and ``Cache-Control: no-store`` (a page can show a
participant's referrals; a shared computer's cache must not keep it). ``/static`` files
get the same headers except the cache rule. The JSON API under ``/v1`` and the Swagger
pages (``/docs``, ``/redoc``, ``/openapi.json``, which load their own inline script) get
only ``nosniff``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
)
PAGE_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
NO_STORE = (b"cache-control", b"no-store")
API_PREFIXES = ("/v1", "/docs", "/redoc", "/openapi.json")


def headers_for(path: str) -> list[tuple[bytes, bytes]]:
    """The headers a response to ``path`` gets (see the module docstring)."""
    if path.startswith(API_PREFIXES):
        return [(b"x-content-type-options", b"nosniff")]
    if path.startswith("/static/"):
        return list(PAGE_HEADERS)
    return [*PAGE_HEADERS, NO_STORE]


class SecurityHeaders:
    """Add :func:`headers_for` to every HTTP response, replacing any same-named header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = headers_for(str(scope.get("path", "")))
        names = {name for name, _ in extra}

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(n, v) for n, v in message.get("headers", []) if n.lower() not in names]
                message["headers"] = kept + extra
            await send(message)

        await self.app(scope, receive, with_headers)
