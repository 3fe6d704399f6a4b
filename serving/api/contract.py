"""The error half of the API contract: the bodies of 4xx/5xx answers and where they are
documented, and the one check on request bodies that pydantic cannot express.

Every error answer is one of two shapes (both with ``meta``, so it can be traced):

* **422** :class:`ValidationErrorBody`: ``detail`` is a list of ``{loc, msg, type}``, the
  field path and the problem, never the submitted value. Checks done in a router (a rule
  across fields, a size cap from the settings) use the same shape (``deps.invalid``).
* **every other status** :class:`ErrorBody`: ``detail`` is one sentence; ``suggestions`` or
  ``known`` list nearest codes or valid regions *from our own data* (never what was sent);
  a 500 carries ``error_id``, the key of the server-side log line with its traceback.

``error_responses(...)`` puts these into each router's OpenAPI ``responses`` so that a client
(and the schemathesis contract test) knows every status a route can answer.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import Request
from pydantic import BaseModel, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from serving.api.deps import Meta, invalid


def _json_number(value: Any) -> Any:
    """Refuse what pydantic's lax mode would coerce: ``true`` as 1, ``"3"`` as 3."""
    if isinstance(value, bool | str):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


# A JSON integer: 3 or 3.0 (JSON Schema counts both as integers), never true or "3". Strict
# mode would refuse 3.0, which the schema allows.
JsonInt = Annotated[int, BeforeValidator(_json_number)]


class FieldError(BaseModel):
    loc: list[str | int] = Field(
        description="path of the offending field, e.g. ['body', 'participant', 'last_hourly_wage']"
    )
    msg: str = Field(description="what is wrong (never the submitted value)")
    type: str = Field(examples=["finite_number", "less_than_equal", "string_unicode"])


class ValidationErrorBody(BaseModel):
    """A 422: the request is well-formed JSON but breaks the schema or a rule."""

    detail: list[FieldError]
    meta: Meta


class ErrorBody(BaseModel):
    """Any other error status: one sentence, and extras from our own data."""

    detail: str
    suggestions: list[str] | None = Field(
        default=None, description="404: nearest known codes ('code title'), nearest first"
    )
    known: list[str] | None = Field(default=None, description="404: the regions that have data")
    error_id: str | None = Field(
        default=None, description="500: quote it when reporting the error; the server log has it"
    )
    meta: Meta


_DESCRIPTIONS: dict[int, str] = {
    400: "the body is not UTF-8 JSON",
    401: "missing or wrong API key (the WWW-Authenticate header names the scheme)",
    404: "an unknown code or region; suggestions or known list what the data has",
    413: "the body is over PATHMATCH_MAX_BODY_BYTES",
    422: "a field breaks the schema or a rule: the field path and the problem",
    500: "a bug: error_id is the key of the server-side log line; nothing else is said",
    503: "the server has no data bundle, or cannot read its model store",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for ``codes`` plus 413 and 500 (every route can answer them)."""
    wanted = sorted({*codes, 413, 500})
    return {
        code: {
            "model": ValidationErrorBody if code == 422 else ErrorBody,
            "description": _DESCRIPTIONS[code],
        }
        for code in wanted
    }


def single_query_values(request: Request) -> None:
    """422 when a query parameter is given twice (``?region=NJ&region=TX``).

    FastAPI would silently keep the last value of a scalar parameter; an ambiguous request
    is refused instead of answered for one of its readings.
    """
    seen: set[str] = set()
    for name, _ in request.query_params.multi_items():
        if name in seen:
            raise invalid(["query", name], "give this parameter once", "repeated_parameter")
        seen.add(name)


# --------------------------------------------------------------------------- lone surrogates

# JSON can spell a UTF-16 surrogate as an escape (\ud800); Python's json decodes an unpaired
# one into a str that no UTF-8 encoder accepts, so it must be refused at the door.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


async def valid_unicode_body(request: Request) -> None:
    """422 naming the field when a JSON string in the body holds a lone surrogate.

    A paired escape (an emoji as ``\\ud83d\\ude00``) decodes to one valid character and
    passes; only unpaired halves are refused. The message names the field and the problem,
    not the text (a codec message would quote it).
    """
    body = await request.body()
    if not _SURROGATE_ESCAPE.search(body):
        return
    try:
        data = json.loads(body)
    except ValueError:
        return  # not JSON: FastAPI answers it in its own words
    where = _surrogate_path(data)
    if where is not None:
        raise invalid(
            ["body", *where],
            "text is not valid Unicode: it holds an unpaired "
            "UTF-16 surrogate escape (\\ud800-\\udfff); send "
            "UTF-8 text",
            "string_unicode",
        )


def _surrogate_path(value: Any, path: tuple[str | int, ...] = ()) -> list[str | int] | None:
    """The path of the first string (or key) holding a lone surrogate, else None."""
    if isinstance(value, str):
        return list(path) if _SURROGATE.search(value) else None
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _surrogate_path(item, (*path, i))
            if found is not None:
                return found
    if isinstance(value, dict):
        for key, item in value.items():
            if _SURROGATE.search(key):
                return [*path, "(a key)"]
            found = _surrogate_path(item, (*path, key))
            if found is not None:
                return found
    return None
