"""The node list with the filters of ``lights status`` (paged, CSV), a node's page, its
actions."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from engine import queries
from engine.accounts import Account
from engine.delays import reasons_of
from engine.evaluation.lifecycle import RefusedMove
from engine.i18n import light_label, trigger_label, value_code
from engine.queries import StatusFilter
from engine.store.db import read_only
from engine.store.lookups import BadInput, NotFound
from engine.store.tables import P
from engine.web import acting, forms, pages
from engine.web.auth import Forbidden, PageNotFound
from engine.web.routes.base import (
    blocking,
    checked_form,
    int_param,
    milestone_for,
    signed_in,
    today_of,
    web,
)
from rules.lights import Light

LIGHTS = [light.value for light in Light]
FILTER_FIELDS = ("region", "department", "leader", "level", "category", "kind", "project",
                 "due_before", "due_after", "open")


# -- the list ----------------------------------------------------------------------------
def read_filter(request: Request, account: Account) -> tuple[StatusFilter, dict[str, Any]]:
    """The filter of the query string (as lights status reads its options) within the
    account's scope; FormError for a value that cannot be used."""
    q = request.query_params
    config = web(request).config
    chosen = {k: (q.get(k) or "").strip() for k in FILTER_FIELDS}
    lights = tuple(value_code(x) for x in q.getlist("light") if x)
    for light in lights:
        if light not in LIGHTS:
            raise forms.FormError("light", "form.choice")
    kind = chosen["kind"]
    kind_code = config.kind_code(kind) if kind else None
    if kind and kind_code is None:
        raise forms.FormError("kind", "form.choice")
    flt = StatusFilter(
        region=chosen["region"] or None, department=chosen["department"] or None,
        leader=chosen["leader"] or None,
        level=value_code(chosen["level"]) if chosen["level"] else None,
        category=value_code(chosen["category"]) if chosen["category"] else None,
        lights=lights, kind=kind_code, project=chosen["project"] or None,
        due_before=forms.day(chosen, "due_before"), due_after=forms.day(chosen, "due_after"),
        open_only=chosen["open"] == "1", within=account.scope())
    return flt, {**chosen, "light": list(lights)}


def _choices(conn: Any, account: Account) -> dict[str, list[str]]:
    """The values the filter's drop-down lists offer: those of the account's projects."""
    scope = account.scope()
    out = {}
    for name, column in (("region", P.c.region), ("department", P.c.department),
                         ("leader", P.c.leader)):
        query = select(column).distinct().where(column != "").order_by(column)
        if scope is not None:
            query = query.where(scope)
        out[name] = list(conn.execute(query).scalars())
    return out


def load_list(request: Request, account: Account, lang: str, page: int,
              flt: StatusFilter) -> dict[str, Any]:
    w = web(request)
    size = w.config.web.page_size
    with read_only(w.engine).connect() as conn:
        as_of = today_of(conn, w.config)
        counts = queries.status_counts(conn, flt)
        total = sum(counts.values())
        pages_n = max(1, -(-total // size))
        page = min(page, pages_n)
        flt.limit, flt.offset = size, (page - 1) * size
        rows = queries.status(conn, flt, lang, as_of)
        choices = _choices(conn, account)
    return {"rows": rows, "counts": counts, "total": total, "page": page, "pages": pages_n,
            "choices": choices, "as_of": as_of}


async def node_list(request: Request) -> Response:
    account = await signed_in(request)
    lang = pages.lang_of(request)
    page = request.query_params.get("page", "1")
    page_n = int(page) if page.isdigit() and 0 < int(page) < 10**6 else 1
    try:
        flt, chosen = read_filter(request, account)
    except forms.FormError as exc:
        empty = await blocking(load_list, request, account, lang, 1,
                               StatusFilter(within=account.scope(), lights=("none",)))
        return pages.render(request, "nodes.html", status_code=400, account=account,
                            lang=lang, chosen={k: request.query_params.get(k, "")
                                               for k in FILTER_FIELDS} | {"light": []},
                            error=(exc.key, exc.values, exc.field), query="", **empty)
    data = await blocking(load_list, request, account, lang, page_n, flt)
    query = "&".join(f"{k}={pages.quote(str(v))}" for k, v in request.query_params.multi_items()
                     if k not in ("page", "lang"))
    return pages.render(request, "nodes.html", account=account, lang=lang, chosen=chosen,
                        error=None, query=query, **data)


CSV_COLUMNS = ("light", "project", "project_name", "milestone", "kind", "region", "department",
               "leader", "planned_date", "baseline_date", "actual_date", "percent", "days_late",
               "reason", "id")


def csv_text(request: Request, account: Account, lang: str, flt: StatusFilter) -> str:
    """The rows of lights status --format csv (its columns, in its order), with a BOM
    so that Excel opens the Chinese right."""
    w = web(request)
    with read_only(w.engine).connect() as conn:
        rows = queries.status(conn, flt, lang, today_of(conn, w.config))
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else list(CSV_COLUMNS),
                            lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


async def node_csv(request: Request) -> Response:
    account = await signed_in(request)
    lang = pages.lang_of(request)
    try:
        flt, _ = read_filter(request, account)
    except forms.FormError:
        return pages.error(request, 400, "err.filter")
    body = await blocking(csv_text, request, account, lang, flt)
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": 'attachment; filename="lights-status.csv"'})


# -- a node ------------------------------------------------------------------------------
def load_node(request: Request, milestone_id: int, lang: str) -> dict[str, Any]:
    """Everything a node's page shows: its light and reason, reports, acknowledgements,
    moves (queries.history, as lights history)."""
    w = web(request)
    with read_only(w.engine).connect() as conn:
        as_of = today_of(conn, w.config)
        row, moves = queries.history(conn, str(milestone_id), lang)
        project = conn.execute(select(P).where(P.c.id == row.project_id)).one()
        node = next(r for r in queries.status(conn, StatusFilter(project=project.code), lang,
                                              as_of) if r["id"] == milestone_id)
        reports = queries.progress_reports(conn, milestone_id)
        acks = queries.acknowledgements(conn, milestone_id)
        said = list(reversed(reasons_of(conn, milestone_id)))
    return {"node": node, "project": project._mapping, "moves": list(reversed(moves)),
            "reports": reports, "acks": acks, "said": said, "as_of": as_of}


async def show_node(request: Request, *, status_code: int = 200, failed: str | None = None,
                    error: Any = None, values: dict[str, str] | None = None) -> Response:
    account = await signed_in(request)
    milestone_id = int_param(request.path_params["id"])
    await blocking(milestone_for, web(request).engine, account, milestone_id)
    lang = pages.lang_of(request)
    data = await blocking(load_node, request, milestone_id, lang)
    allowed = [a for a, roles in acting.ALLOWED.items() if account.role in roles]
    return pages.render(request, "node.html", status_code=status_code, account=account,
                        lang=lang, allowed=allowed,
                        shown=acting.forms_for(data["node"]["light"], allowed),
                        action_base=f"/nodes/{milestone_id}",
                        link=None, failed=failed, error=error, values=values or {},
                        flash=request.session.pop("flash", None), **data)


def form_error(exc: Exception, lang: str) -> tuple[str, dict[str, Any]]:
    """The words for an action's refusal (the form's message)."""
    if isinstance(exc, forms.FormError):
        return exc.key, {**exc.values, "field": exc.field}
    if isinstance(exc, RefusedMove):
        return "err.refused_move", {"state": light_label(exc.state, lang),
                                    "trigger": trigger_label(exc.trigger, lang)}
    return "err.bad_input", {"msg": getattr(exc, "words", {}).get(lang, str(exc))}


async def act(request: Request) -> Response:
    name = request.path_params["action"]
    if name not in acting.ACTIONS:
        raise PageNotFound()
    account = await signed_in(request)
    milestone_id = int_param(request.path_params["id"])
    form = await checked_form(request)
    w = web(request)
    await blocking(milestone_for, w.engine, account, milestone_id)
    if account.role not in acting.ALLOWED[name]:
        raise Forbidden()
    try:
        done = await blocking(acting.ACTIONS[name], w.engine, w.config, str(milestone_id),
                              form, account.name)
    except (forms.FormError, BadInput, RefusedMove) as exc:
        lang = pages.lang_of(request)
        values = {k: str(v) for k, v in form.items() if k != "csrf"}
        return await show_node(request, status_code=400, failed=name,
                               error=form_error(exc, lang), values=values)
    except NotFound:
        raise PageNotFound() from None
    request.session["flash"] = {"action": done.action, "detail": done.detail,
                                "moves": acting.moves_for_session(done.moves)}
    return RedirectResponse(f"/nodes/{milestone_id}", status_code=303)


ROUTES = [
    Route("/nodes", node_list, methods=["GET"]),
    Route("/nodes.csv", node_csv, methods=["GET"]),
    Route("/nodes/{id}", show_node, methods=["GET"]),
    Route("/nodes/{id}/{action}", act, methods=["POST"]),
]
