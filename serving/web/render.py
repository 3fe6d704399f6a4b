"""Page rendering: one Jinja2 environment per language, Babel catalogs read from the .po files.

Every page goes through :func:`render`, so every page gets the same context (``lang``,
``csrf_token``, ``user``) and the same headers. Catalogs are parsed from the ``.po`` files
in ``serving/web/i18n`` at import (``babel.messages.pofile.read_po``) and compiled in
memory, so a translator edits one text file and there is no ``.mo`` build step to forget.
Strings built in Python for a page use :func:`gettext` with the request's language.
"""

from __future__ import annotations

import gettext as _gettext
import re
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

WEB = Path(__file__).resolve().parent
TEMPLATES = WEB / "templates"
I18N = WEB / "i18n"
LANGUAGES = ("en", "es")
DEFAULT_LANG = "en"
LANG_COOKIE = "pm_lang"
LANGUAGE_NAMES = {"en": "English", "es": "Español"}
_MARKED = re.compile(r"\*\*(.+?)\*\*")


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it (translated where shown)."""
    return message


def marks(text: str | None) -> Markup:
    """A quote as HTML: escaped, its ``**supporting words**`` (``Quote.render``) in <mark>."""
    if not text:
        return Markup("")
    return Markup(_MARKED.sub(r"<mark>\1</mark>", str(escape(text))))


def money(value: float | None) -> str:
    """US dollars without cents (``$1,250``); an em dash when unknown."""
    return "—" if value is None else f"${value:,.0f}"


def hourly(value: float | None) -> str:
    """An hourly wage in dollars and cents (``$20.50``)."""
    return "—" if value is None else f"${value:,.2f}"


def number(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def percent(value: float | None) -> str:
    """A 0-1 share as a whole percent."""
    return "—" if value is None else f"{100 * value:.0f}%"


def lang_of(request: Request) -> str:
    """The page language: the ``pm_lang`` cookie when it names a catalog, else English."""
    lang = request.cookies.get(LANG_COOKIE, DEFAULT_LANG)
    return lang if lang in LANGUAGES else DEFAULT_LANG


@cache
def translations(lang: str) -> _gettext.GNUTranslations:
    """The catalog for ``lang``, compiled from its .po in memory."""
    with open(I18N / lang / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = read_po(po, locale=lang)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


@cache
def environment(lang: str) -> Environment:
    """The Jinja2 environment for ``lang`` (autoescaped, i18n extension, catalog installed)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.globals["languages"] = LANGUAGE_NAMES
    env.filters.update(marks=marks, money=money, hourly=hourly, number=number, percent=percent)
    return env


def gettext(request: Request, message: str, **values: Any) -> str:
    """``message`` translated to the request's language, ``%(name)s`` filled from ``values``."""
    text = translations(lang_of(request)).gettext(message)
    return text % values if values else text


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """``template`` rendered for ``request`` with the common page context.

    The context always has ``lang``, ``csrf_token`` (the session's token, or the login
    form's double-submit token), ``user`` (signed-in key id or None) and ``path``.
    """
    from serving.web.session import csrf_token_for, user_of

    lang = lang_of(request)
    page = {
        "lang": lang,
        "user": user_of(request),
        "csrf_token": csrf_token_for(request),
        "path": request.url.path,
        **context,
    }
    html = environment(lang).get_template(template).render(**page)
    response = HTMLResponse(html, status_code=status_code)
    pending = getattr(request.state, "set_login_csrf", None)
    if pending:
        from serving.web.session import set_login_csrf_cookie

        set_login_csrf_cookie(request, response, pending)
    return response
