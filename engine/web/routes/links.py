"""Links from the e-mails: one item, one recipient, no password (engine.links).

The page is the node's page with only what the link allows: acknowledging, giving a
reason and reporting progress on that node; for a problem, its page with replying and
asking for more time. What the recipient does is recorded under the name
and address the link was made for. An expired, altered or forged link gets a page that
says so and nothing else.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from engine.evaluation.lifecycle import RefusedMove
from engine.links import ItemLink, LinkRefused, read_token
from engine.problems.machine import RefusedMove as ProblemRefused
from engine.store.lookups import BadInput, NotFound
from engine.web import acting, forms, pages
from engine.web.auth import PageNotFound
from engine.web.routes import problems
from engine.web.routes.base import blocking, checked_form, milestone_for, web
from engine.web.routes.nodes import form_error, load_node

MAX_TOKEN = 1000


def _link(request: Request) -> ItemLink:
    token = request.path_params["token"]
    w = web(request)
    if len(token) > MAX_TOKEN:
        raise LinkRefused("invalid")
    found = read_token(w.secret, token, w.config.web.link_days)
    if found.kind == "milestone" and not found.ref.isdigit():
        raise LinkRefused("invalid")
    return found


def _refused(request: Request, exc: LinkRefused) -> Response:
    key = "link.expired" if exc.why == "expired" else "link.invalid"
    return pages.error(request, 410 if exc.why == "expired" else 403, key,
                       days=web(request).config.web.link_days)


async def show(request: Request, *, status_code: int = 200, failed: str | None = None,
               error: object = None, values: dict[str, str] | None = None) -> Response:
    try:
        link = _link(request)
    except LinkRefused as exc:
        return _refused(request, exc)
    if link.kind == "problem":
        return await show_problem(request, link, status_code=status_code, failed=failed,
                                  error=error, values=values)
    milestone_id = int(link.ref)
    await blocking(milestone_for, web(request).engine, None, milestone_id)
    lang = pages.lang_of(request)
    data = await blocking(load_node, request, milestone_id, lang)
    return pages.render(request, "node.html", status_code=status_code, account=None,
                        lang=lang, allowed=list(acting.BY_LINK),
                        shown=acting.forms_for(data["node"]["light"], list(acting.BY_LINK)),
                        action_base=f"/l/{request.path_params['token']}", link=link,
                        failed=failed, error=error, values=values or {},
                        flash=request.session.pop("flash", None), **data)


async def show_problem(request: Request, link: ItemLink, *, status_code: int = 200,
                       failed: str | None = None, error: object = None,
                       values: dict[str, str] | None = None) -> Response:
    """A problem's page for the recipient of its notice: reply, or ask for more time."""
    data = await blocking(problems.load_problem, request, None, link.ref)
    lang = pages.lang_of(request)
    state = data["p"]["state"]
    shown = [a for a in problems.BY_LINK if state in problems.FOR_STATE[a]]
    units = [] if link.unit else [data["p"]["lead"], *data["p"]["assist"]]
    return pages.render(request, "problem.html", status_code=status_code, account=None,
                        lang=lang, shown=shown, failed=failed, error=error,
                        values=values or {}, flash=request.session.pop("flash", None),
                        link=link, action_base=f"/l/{request.path_params['token']}",
                        units=units, categories=[], **data, **problems.labels(lang))


async def problem_act(request: Request, link: ItemLink, name: str, form: Any) -> Response:
    if name not in problems.BY_LINK:
        raise PageNotFound()
    data = await blocking(problems.load_problem, request, None, link.ref)
    allowed = {data["p"]["lead"], *data["p"]["assist"]}
    chosen = link.unit or str(form.get("unit") or "")
    unit = chosen if chosen in allowed else ""
    lang = pages.lang_of(request)
    try:
        move = await blocking(problems.perform, web(request), link.ref, name, form, link.actor,
                              lambda row: unit)
    except (forms.FormError, BadInput, ProblemRefused) as exc:
        values = {k: str(v) for k, v in form.items() if k != "csrf"}
        return await show_problem(request, link, status_code=400, failed=name,
                                  error=problems.problem_error(exc, lang), values=values)
    problems.done_flash(request, move, lang)
    return RedirectResponse(f"/l/{request.path_params['token']}", status_code=303)


async def act(request: Request) -> Response:
    name = request.path_params["action"]
    form = await checked_form(request)
    try:
        link = _link(request)
    except LinkRefused as exc:
        return _refused(request, exc)
    if link.kind == "problem":
        return await problem_act(request, link, name, form)
    if name not in acting.BY_LINK:
        raise PageNotFound()
    w = web(request)
    await blocking(milestone_for, w.engine, None, int(link.ref))
    try:
        done = await blocking(acting.ACTIONS[name], w.engine, w.config, link.ref, form,
                              link.actor)
    except (forms.FormError, BadInput, RefusedMove) as exc:
        values = {k: str(v) for k, v in form.items() if k != "csrf"}
        return await show(request, status_code=400, failed=name,
                          error=form_error(exc, pages.lang_of(request)), values=values)
    except NotFound:
        raise PageNotFound() from None
    request.session["flash"] = {"action": done.action, "detail": done.detail,
                                "moves": acting.moves_for_session(done.moves)}
    return RedirectResponse(f"/l/{request.path_params['token']}", status_code=303)


ROUTES = [
    Route("/l/{token}", show, methods=["GET"]),
    Route("/l/{token}/{action}", act, methods=["POST"]),
]
