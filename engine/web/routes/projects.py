"""A project's page: its card, its 时间节点图, every node with its light and reason."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engine import queries
from engine.accounts import Account, project_visible
from engine.board import night_key
from engine.bulletins.project_lights import as_rows, project_lights
from engine.problems.queries import list_problems
from engine.problems.words import state_label
from engine.store.db import read_only
from engine.store.lookups import NotFound
from engine.store.tables import IR
from engine.web import charts, pages
from engine.web.auth import PageNotFound
from engine.web.routes.base import blocking, cached, signed_in, today_of, web


def load_project(request: Request, account: Account, code: str, lang: str) -> dict[str, Any]:
    w = web(request)
    with read_only(w.engine).connect() as conn:
        as_of = today_of(conn, w.config)
        try:
            project, rows = queries.project_timeline(conn, code, lang, as_of)
        except NotFound:
            raise PageNotFound() from None
        if not project_visible(conn, account, project["id"]):
            raise PageNotFound()
        problems = list_problems(conn, w.config, max(as_of, w.config.today()), project=code)
    return {"project": project, "rows": rows, "as_of": as_of,
            "invest": investment(request, as_of, lang).get(code),
            "counts": queries.light_counts(rows), "problems": problems,
            "state_label": lambda c: state_label(c, lang),
            "timeline_svg": charts.timeline(rows, as_of, lang)}


def investment(request: Request, as_of: Any, lang: str) -> dict[str, dict[str, Any]]:
    """Every project's investment light and figures, as ``lights investment`` gives them,
    by code: one snapshot of the programme (~2 s at 20,000 milestones), kept until a
    night or an investment report changes them."""
    w = web(request)
    with read_only(w.engine).connect() as conn:
        key = ("investment", as_of, lang, night_key(conn),
               conn.execute(select(func.max(IR.c.id))).scalar())
    return cached(w, key, lambda: {r["project"]: r for r in as_rows(
        project_lights(w.engine, w.config, as_of).projects, lang)})


async def show_project(request: Request) -> Response:
    account = await signed_in(request)
    code = request.path_params["code"]
    if len(code) > 64:
        raise PageNotFound()
    lang = pages.lang_of(request)
    data = await blocking(load_project, request, account, code, lang)
    return pages.render(request, "project.html", account=account, lang=lang, **data)


ROUTES = [Route("/projects/{code}", show_project, methods=["GET"])]
