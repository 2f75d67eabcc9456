"""The board (``/``) and the office's wall screen (``/wall``, 1920×1080, refreshes itself)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engine.accounts import SEE_ALL, Account
from engine.board import Board, board, change_key
from engine.store.db import read_only
from engine.web import charts, pages
from engine.web.routes.base import blocking, signed_in, today_of, web

CACHE_SIZE = 32


def load_board(request: Request, account: Account, lang: str) -> Board:
    """The board for the account's scope, computed again only when something changed."""
    w = web(request)
    with read_only(w.engine).connect() as conn:
        as_of = today_of(conn, w.config)
        key = ("board", account.role, account.unit, account.name, account.email, lang, as_of,
               change_key(conn))
        found = w.cache.get(key)
        if found is None:
            found = board(conn, w.config, as_of, lang, account.scope())
            if len(w.cache) >= CACHE_SIZE:
                w.cache.pop(next(iter(w.cache)))
            w.cache[key] = found
    return found


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
