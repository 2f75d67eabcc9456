"""The board (``/``) and the office's wall screen (``/wall``, 1920×1080, refreshes itself)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engine.accounts import SEE_ALL, Account
from engine.board import (
    Board,
    History,
    board,
    change_key,
    month_rankings,
    night_key,
    red_trend,
)
from engine.store.db import read_only
from engine.web import charts, pages
from engine.web.routes.base import blocking, cached, signed_in, today_of, web


def load_board(request: Request, account: Account, lang: str) -> Board:
    """The board for the account's scope: the history figures once a night (the
    rankings for everyone, the trend per scope), the rest again whenever something
    changed."""
    w = web(request)
    scope_key = (account.role, account.unit, account.name, account.email)
    with read_only(w.engine).connect() as conn:
        as_of = today_of(conn, w.config)
        night = night_key(conn)
        ranks = cached(w, ("rankings", as_of, night),
                       lambda: month_rankings(conn, w.config, as_of))
        trend = cached(w, ("trend", *scope_key, as_of, night),
                       lambda: red_trend(conn, w.config, as_of, account.scope()))
        past = History(*ranks, trend)
        return cached(w, ("board", *scope_key, lang, as_of, change_key(conn)),
                      lambda: board(conn, w.config, as_of, lang, account.scope(), past))


def _view(b: Board, lang: str, *, wall: bool = False) -> dict[str, Any]:
    """The wall lists only ranked groups (a screen has no room for the rest)."""
    return {"b": b, "trend_svg": charts.trend(b.trend, lang, dark=wall),
            "rank_rows": {dim: [r for r in b.rankings.get(dim, []) if r.rank or not wall]
                          for dim in ("region", "department")}}


async def home(request: Request) -> Response:
    account = await signed_in(request)
    lang = pages.lang_of(request)
    b = await blocking(load_board, request, account, lang)
    return pages.render(request, "board.html", account=account, lang=lang, **_view(b, lang))


async def wall(request: Request) -> Response:
    account = await signed_in(request, SEE_ALL)
    lang = pages.lang_of(request)
    b = await blocking(load_board, request, account, lang)
    return pages.render(request, "wall.html", account=account, lang=lang,
                        refresh=web(request).config.web.wall_refresh_seconds,
                        **_view(b, lang, wall=True))


ROUTES = [Route("/", home, methods=["GET"]), Route("/wall", wall, methods=["GET"])]
