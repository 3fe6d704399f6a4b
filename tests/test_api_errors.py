"""Error handling of the API, on a tiny FastAPI app that installs our real handlers.

A bug needs a route that fails, and the production app has none (a test-only route there
would ship). So these tests build an app with ``install_error_handlers`` and the
``RequestContext`` middleware exactly as ``create_app`` does, plus routes that raise, and
talk to it through Starlette's test client. What the real server answers is in
``test_api.py`` and ``test_schemathesis.py``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from serving.api.errors import ApiError, RequestContext, install_error_handlers

SECRET = "Qwerty-Participant-Words-5512"


def failing_app() -> FastAPI:
    app = FastAPI()
    app.state.engine = None
    install_error_handlers(app)

    @app.get("/divide")
    def divide() -> dict[str, float]:
        wage = 0.0
        if SECRET:
            return {"change": (20.0 - wage) / wage}
        return {}

    @app.get("/value")
    def value() -> None:
        raise ValueError(f"math domain error near {SECRET}")

    @app.get("/key")
    def key() -> None:
        raise KeyError(SECRET)

    @app.get("/wrapped")
    def wrapped() -> None:
        try:
            {}[SECRET]
        except KeyError as exc:
            raise RuntimeError(f"lookup of {SECRET} failed") from exc

    @app.get("/invalid")
    def invalid() -> None:
        raise ApiError(422, "give either cip_code or occupations, not both")

    @app.get("/missing")
    def missing() -> None:
        raise ApiError(404, "no training programs listed for the requested region", known=["NJ"])

    app.add_middleware(RequestContext)
    return app


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def server_log() -> Iterator[Lines]:
    handler = Lines()
    logger = logging.getLogger("pathmatch.api")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(failing_app()) as test_client:
        yield test_client


@pytest.mark.parametrize("path", ["/divide", "/value", "/key", "/wrapped"])
def test_a_bug_is_a_500_with_an_error_id_logged_with_its_traceback(
    client: TestClient, server_log: Lines, path: str
) -> None:
    reply = client.get(path, headers={"X-Request-ID": "req-1"})
    assert reply.status_code == 500, "a ValueError or KeyError from our code is a bug, not 4xx"
    body = reply.json()
    error_id = body["error_id"]
    assert re.fullmatch(r"[0-9a-f]{16}", error_id)
    assert error_id in body["detail"] and body["meta"]["request_id"] == "req-1"
    assert SECRET not in reply.text
    (line,) = [x for x in server_log.lines if x.startswith("unhandled")]
    assert f"error_id={error_id}" in line and "request_id=req-1" in line
    assert "Traceback" in line and f", in {path.strip('/')}\n" in line  # the route's frame
    assert SECRET not in "\n".join(server_log.lines), "no exception message, no request"


def test_the_cause_of_a_chained_bug_is_logged_too(client: TestClient, server_log: Lines) -> None:
    client.get("/wrapped")
    (line,) = [x for x in server_log.lines if x.startswith("unhandled")]
    assert "builtins.RuntimeError" in line and "builtins.KeyError" in line


def test_our_own_422_has_the_standard_shape_and_404_its_extras(client: TestClient) -> None:
    invalid = client.get("/invalid")
    assert invalid.status_code == 422
    (error,) = invalid.json()["detail"]
    assert set(error) == {"loc", "msg", "type"} and error["loc"] == ["body"]
    missing = client.get("/missing")
    assert missing.status_code == 404
    assert missing.json()["known"] == ["NJ"] and isinstance(missing.json()["detail"], str)
