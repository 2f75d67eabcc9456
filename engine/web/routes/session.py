"""Signing in and out, and setting a password from an invitation."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from engine import accounts
from engine.store.lookups import BadInput
from engine.web import pages
from engine.web.auth import current_account, sign_in, sign_out
from engine.web.routes.base import blocking, checked_form, web


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no //host, no scheme): never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


async def login_page(request: Request) -> Response:
    if await blocking(current_account, request) is not None:
        return RedirectResponse(_safe_next(request.query_params.get("next")), status_code=303)
    return pages.render(request, "login.html", next=_safe_next(request.query_params.get("next")),
                        message=None, name="")


async def login(request: Request) -> Response:
    form = await checked_form(request)
    name = str(form.get("name") or "").strip()[:64]
    password = str(form.get("password") or "")
    target = _safe_next(str(form.get("next") or ""))
    cfg = web(request).config.web
    address = request.client.host if request.client else "unknown"
    limiter = web(request).limiter
    if limiter.blocked(address):
        return pages.render(request, "login.html", status_code=429, next=target,
                            message=("login.too_many", {}), name=name)
    try:
        account = await blocking(accounts.authenticate, web(request).engine, name, password,
                                 attempts=cfg.login_attempts,
                                 lockout_minutes=cfg.lockout_minutes)
    except accounts.LoginRefused as exc:
        limiter.failed(address)
        if exc.until is not None:
            until = exc.until.astimezone(web(request).config.zone)
            message = ("login.paused", {"time": until.strftime("%H:%M")})
            return pages.render(request, "login.html", status_code=429, next=target,
                                message=message, name=name)
        return pages.render(request, "login.html", status_code=401, next=target,
                            message=("login.refused", {}), name=name)
    sign_in(request, account)
    return RedirectResponse(target, status_code=303)


async def logout(request: Request) -> Response:
    await checked_form(request)
    sign_out(request)
    return RedirectResponse("/login", status_code=303)


async def invitation_page(request: Request) -> Response:
    token = request.path_params["token"]
    account = await blocking(accounts.invitation, web(request).engine, token)
    if account is None:
        return pages.error(request, 404, "invite.gone")
    return pages.render(request, "invite.html", invited=account, message=None)


async def accept(request: Request) -> Response:
    token = request.path_params["token"]
    form = await checked_form(request)
    password = str(form.get("password") or "")
    engine = web(request).engine
    invited = await blocking(accounts.invitation, engine, token)
    if invited is None:
        return pages.error(request, 404, "invite.gone")
    if password != str(form.get("again") or ""):
        return pages.render(request, "invite.html", status_code=400, invited=invited,
                            message=("invite.mismatch", {}))
    try:
        account = await blocking(accounts.accept_invitation, engine, token, password)
    except BadInput:
        return pages.render(request, "invite.html", status_code=400, invited=invited,
                            message=("invite.short", {"n": accounts.MIN_PASSWORD}))
    sign_in(request, account)
    return RedirectResponse("/", status_code=303)


ROUTES = [
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/invite/{token}", invitation_page, methods=["GET"]),
    Route("/invite/{token}", accept, methods=["POST"]),
]
