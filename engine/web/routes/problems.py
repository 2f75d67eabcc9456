"""The problem list (问题清单) with the filters of ``lights problem list`` (paged, CSV), a
problem's page with its history, and its actions through :mod:`engine.problems.actions`.

A unit replies (办复) and asks for more time; the office decides on the extension,
closes (销号), sends back (退回), raises a level (提级), withdraws. Each is the same
function as the ``lights problem`` subcommand, in one transaction, recorded with the
person. A unit sees the problems of its projects and those it leads or helps with.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from engine.accounts import Account
from engine.problems import actions as act
from engine.problems.machine import RefusedMove as ProblemRefused
from engine.problems.queries import list_problems, show_problem
from engine.problems.words import (
    LEVEL_LABELS,
    STATE_LABELS,
    code_of,
    event_label,
    level_label,
    result_label,
    state_label,
)
from engine.problems.words import say as problem_say
from engine.store.db import read_only, writer
from engine.store.lookups import BadInput
from engine.store.tables import P
from engine.web import forms, pages
from engine.web.auth import Forbidden, PageNotFound
from engine.web.routes.base import blocking, checked_form, signed_in, today_of, web
from engine.web.state import Web

ALLOWED: dict[str, tuple[str, ...]] = {
    "reply": ("admin", "office", "unit"),
    "extend": ("admin", "office", "unit"),
    "decide": ("admin", "office"),
    "close": ("admin", "office"),
    "reopen": ("admin", "office"),
    "raise": ("admin", "office"),
    "withdraw": ("admin", "office"),
}
BY_LINK = ("reply", "extend")
# The forms a problem in each state offers.
FOR_STATE: dict[str, tuple[str, ...]] = {
    "reply": ("in_progress", "extension_requested", "replied"),
    "extend": ("in_progress",),
    "decide": ("extension_requested",),
    "close": ("in_progress", "extension_requested", "replied"),
    "reopen": ("replied", "closed"),
    "raise": ("pending", "in_progress", "extension_requested", "replied"),
    "withdraw": ("pending", "in_progress", "extension_requested", "replied"),
}


def _visible_projects(conn: Any, account: Account) -> set[str] | None:
    """The codes of the projects the account may see; None for all."""
    scope = account.scope()
    if scope is None:
        return None
    return set(conn.execute(select(P.c.code).where(scope)).scalars())


def visible(problem: dict[str, Any], account: Account, projects: set[str] | None) -> bool:
    if projects is None or problem["project"] in projects:
        return True
    return account.role == "unit" and account.unit in (problem["lead"], *problem["assist"])


def _filters(request: Request) -> dict[str, Any]:
    q = request.query_params
    chosen = {k: (q.get(k) or "").strip() for k in ("state", "level", "unit", "project")}
    chosen["overdue"] = q.get("overdue") == "1"
    for key, table in (("state", STATE_LABELS), ("level", LEVEL_LABELS)):
        if chosen[key] and code_of(table, chosen[key]) is None:
            raise forms.FormError(key, "form.choice")
    return chosen


def load_problems(request: Request, account: Account, chosen: dict[str, Any]
                  ) -> dict[str, Any]:
    w = web(request)
    with read_only(w.engine).connect() as conn:
        as_of = max(today_of(conn, w.config), w.config.today())
        rows = list_problems(
            conn, w.config, as_of,
            state=code_of(STATE_LABELS, chosen["state"]) if chosen["state"] else None,
            level=code_of(LEVEL_LABELS, chosen["level"]) if chosen["level"] else None,
            unit=chosen["unit"] or None, project=chosen["project"] or None,
            overdue=chosen["overdue"])
        projects = _visible_projects(conn, account)
    rows = [r for r in rows if visible(r, account, projects)]
    return {"rows": rows, "as_of": as_of}


async def problem_list(request: Request) -> Response:
    account = await signed_in(request)
    lang = pages.lang_of(request)
    try:
        chosen = _filters(request)
    except forms.FormError as exc:
        return pages.render(request, "problems.html", status_code=400, account=account,
                            lang=lang, rows=[], page=1, pages=1, total=0, query="",
                            chosen={"state": "", "level": "", "unit": "", "project": "",
                                    "overdue": False},
                            error=(exc.key, exc.values, exc.field), as_of=None)
    data = await blocking(load_problems, request, account, chosen)
    size = web(request).config.web.page_size
    total = len(data["rows"])
    pages_n = max(1, -(-total // size))
    raw = request.query_params.get("page", "1")
    page = min(int(raw) if raw.isdigit() and 0 < int(raw) < 10**6 else 1, pages_n)
    rows = data["rows"][(page - 1) * size:page * size]
    query = "&".join(f"{k}={pages.quote(str(v))}" for k, v in request.query_params.multi_items()
                     if k not in ("page", "lang"))
    return pages.render(request, "problems.html", account=account, lang=lang, rows=rows,
                        page=page, pages=pages_n, total=total, chosen=chosen, query=query,
                        error=None, as_of=data["as_of"], **labels(lang))


def labels(lang: str) -> dict[str, Any]:
    return {"state_label": lambda c: state_label(c, lang),
            "level_label": lambda c: level_label(c, lang),
            "result_label": lambda c: result_label(c, lang) if c else "",
            "event_label": lambda c: event_label(c, lang),
            "states": list(STATE_LABELS), "levels": list(LEVEL_LABELS)}


async def problem_csv(request: Request) -> Response:
    account = await signed_in(request)
    try:
        chosen = _filters(request)
    except forms.FormError:
        return pages.error(request, 400, "err.filter")
    data = await blocking(load_problems, request, account, chosen)
    out = io.StringIO()
    out.write("\ufeff")
    rows = [{**r, "assist": "、".join(r["assist"])} for r in data["rows"]]
    if rows:
        writer_ = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
        writer_.writeheader()
        writer_.writerows(rows)
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": 'attachment; filename="problems.csv"'})


# -- one problem -----------------------------------------------------------------------
def load_problem(request: Request, account: Account | None, code: str) -> dict[str, Any]:
    """The problem and its history, if it exists and the account may see it (None: a
    link's recipient, for whom the link itself is the permission)."""
    w = web(request)
    with read_only(w.engine).connect() as conn:
        as_of = max(today_of(conn, w.config), w.config.today())
        try:
            info = show_problem(conn, w.config, code, as_of)
        except BadInput:
            raise PageNotFound() from None
        if account is not None and not visible(info, account,
                                               _visible_projects(conn, account)):
            raise PageNotFound()
    steps = {s.step: (s.zh, s.en) for s in w.config.problems.ladder}
    return {"p": info, "as_of": as_of, "steps": steps}


async def show(request: Request, *, status_code: int = 200, failed: str | None = None,
               error: Any = None, values: dict[str, str] | None = None) -> Response:
    account = await signed_in(request)
    code = request.path_params["code"]
    if len(code) > 32:
        raise PageNotFound()
    lang = pages.lang_of(request)
    data = await blocking(load_problem, request, account, code)
    allowed = [a for a, roles in ALLOWED.items() if account.role in roles]
    shown = [a for a in allowed if data["p"]["state"] in FOR_STATE[a]]
    return pages.render(request, "problem.html", status_code=status_code, account=account,
                        lang=lang, shown=shown, failed=failed, error=error, link=None,
                        action_base=f"/problems/{code}", units=[],
                        values=values or {}, flash=request.session.pop("flash", None),
                        categories=web(request).config.problems.categories,
                        **data, **labels(lang))


def _unit_of(account: Account, problem: Any) -> str:
    """A unit replies as itself when it leads or helps; anyone else for the lead."""
    return account.unit if account.unit in (problem.lead, *(problem.assist or [])) else ""


def perform(w: Web, code: str, name: str, form: Any, by: str,
            unit_of: Callable[[Any], str]) -> act.ProblemMove:
    """Read the form, then the same function as ``lights problem …`` in one transaction;
    ``unit_of(problem row)``: the unit a reply is from (blank: the lead)."""
    text = forms.text(form, "text", required=name == "reply")
    reason = forms.text(form, "reason")
    with writer(w.engine).begin() as conn:
        row = act.resolve(conn, w.config, code)
        if name == "reply":
            return act.reply(conn, w.config, code, text=text, unit=unit_of(row), by=by)
        if name == "extend":
            to = forms.day(form, "to", required=True)
            assert to is not None
            return act.request_extension(conn, w.config, code, to=to, reason=reason, by=by)
        if name == "decide":
            grant = str(form.get("grant") or "") == "1"
            return act.decide_extension(conn, w.config, code, grant=grant, reason=reason,
                                        by=by)
        if name == "close":
            result = str(form.get("result") or "")
            if result not in ("solved", "partly", "unsolved"):
                raise forms.FormError("result", "form.choice")
            return act.close(conn, w.config, code, result=result, reason=reason, by=by)
        if name == "reopen":
            return act.reopen(conn, w.config, code, reason=reason, by=by)
        if name == "raise":
            return act.raise_level(conn, w.config, code, reason=reason, by=by)
        return act.withdraw(conn, w.config, code, reason=reason, by=by)


def done_flash(request: Request, move: act.ProblemMove, lang: str) -> None:
    request.session["flash"] = {"text": problem_say(
        "done.move", lang, code=move.code, event=event_label(move.trigger, lang),
        state=state_label(move.to_state, lang), deadline="")}


async def problem_act(request: Request) -> Response:
    name = request.path_params["action"]
    if name not in ALLOWED:
        raise PageNotFound()
    account = await signed_in(request)
    code = request.path_params["code"]
    form = await checked_form(request)
    await blocking(load_problem, request, account, code)  # 404 when out of reach
    if account.role not in ALLOWED[name]:
        raise Forbidden()
    lang = pages.lang_of(request)
    try:
        move = await blocking(perform, web(request), code, name, form, account.name,
                              lambda row: _unit_of(account, row))
    except (forms.FormError, BadInput, ProblemRefused) as exc:
        values = {k: str(v) for k, v in form.items() if k != "csrf"}
        return await show(request, status_code=400, failed=name,
                          error=problem_error(exc, lang), values=values)
    done_flash(request, move, lang)
    return RedirectResponse(f"/problems/{move.code}", status_code=303)


def problem_error(exc: Exception, lang: str) -> tuple[str, dict[str, Any]]:
    if isinstance(exc, forms.FormError):
        return exc.key, {**exc.values, "field": exc.field}
    if isinstance(exc, ProblemRefused):
        return "err.text", {"msg": problem_say("bad.refused", lang,
                                               state=state_label(exc.state, lang),
                                               event=event_label(exc.trigger, lang))}
    words = getattr(exc, "words", {})
    return "err.text", {"msg": words.get(lang, str(exc))}


ROUTES = [
    Route("/problems", problem_list, methods=["GET"]),
    Route("/problems.csv", problem_csv, methods=["GET"]),
    Route("/problems/{code}", show, methods=["GET"]),
    Route("/problems/{code}/{action}", problem_act, methods=["POST"]),
]
