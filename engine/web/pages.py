"""Rendering a page: the templates, the language, the words and the filters they use.

Our own templates, so no sandbox: Jinja2 with autoescape on for every template and
StrictUndefined (a missing value raises instead of printing nothing). Every value a
person or a ledger wrote is escaped; the SVG charts are built with escaped labels and
passed as Markup.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote as _quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Undefined
from starlette.requests import Request
from starlette.responses import HTMLResponse

from engine.bulletins.words import wan, yi
from engine.i18n import light_label, trigger_label, value_label
from engine.web.auth import csrf_token
from engine.web.words import say
from rules.reasons import format_day

TEMPLATES = Path(__file__).resolve().parent / "templates"
LANGS = ("zh", "en")


def quote(text: str) -> str:
    return _quote(text, safe="/?=&")


def _plain(value: Any) -> Any:
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    return value


def _day(value: Any, lang: str) -> str:
    value = _plain(value)
    if value in (None, ""):
        return "—"
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return format_day(value, lang)  # type: ignore[arg-type]


def _pct(value: Any) -> str:
    value = _plain(value)
    return "—" if value is None else f"{float(value):g}%"


def _signed(value: Any) -> str:
    value = _plain(value)
    if value is None:
        return "—"
    return f"+{value}" if value > 0 else str(value)


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = _pct
    env.filters["signed"] = _signed
    return env


def lang_of(request: Request) -> str:
    """The page's language: ?lang= (remembered in the session), else the session's,
    else the configured one."""
    asked = request.query_params.get("lang")
    if asked in LANGS:
        request.session["lang"] = asked
        return asked
    stored = request.session.get("lang")
    return stored if stored in LANGS else request.app.state.web.config.lang


def render(request: Request, template: str, status_code: int = 200, **context: Any
           ) -> HTMLResponse:
    lang = context.pop("lang", None) or lang_of(request)
    web = request.app.state.web

    def w(key: str, **values: Any) -> str:
        return say(key, lang, **values)

    base = {
        "lang": lang, "w": w, "request": request, "path": request.url.path,
        "csrf": csrf_token(request), "config": web.config,
        "day": lambda value: _day(value, lang),
        "light": lambda value: light_label(_plain(value), lang),
        "trigger": lambda value: trigger_label(_plain(value), lang),
        "value": lambda value: value_label(_plain(value), lang),
        "kind": lambda code: web.config.kind_label(_plain(code), lang),
        "money": lambda value: w("money", wan=wan(_plain(value)), yi=yi(_plain(value))),
        "account": context.pop("account", None),
        "other_lang": "en" if lang == "zh" else "zh",
    }
    html = environment().get_template(template).render(**base, **context)
    return HTMLResponse(html, status_code=status_code)


def error(request: Request, status_code: int, key: str, **values: Any) -> HTMLResponse:
    """An error page in the visitor's language, with the status code."""
    return render(request, "error.html", status_code=status_code, code=status_code,
                  message_key=key, values=values)
