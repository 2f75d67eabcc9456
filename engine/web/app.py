"""The application: Starlette routes, the session, error pages, security headers.

Pages are rendered on the server from Jinja2 templates (autoescaped, StrictUndefined);
nothing is fetched from outside (stylesheet and emblem are served from the package,
charts are inline SVG) and there is no script: a government intranet has no CDN and
the board must work in whatever browser the office has. Database work runs in the
thread pool, so a slow query or a password check does not hold up other requests.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine.config import Config
from engine.links import secret_from_env
from engine.web import pages
from engine.web.auth import CsrfRefused, Forbidden, NeedLogin, PageNotFound
from engine.web.state import Web

HERE = Path(__file__).resolve().parent
log = logging.getLogger("lights.web")

SECURITY_HEADERS = {
    # Nothing from elsewhere, no script at all, no framing; a link's token never leaves
    # in a Referer header.
    "content-security-policy": "default-src 'self'; script-src 'none'; object-src 'none'; "
                               "style-src 'self'; img-src 'self' data:; base-uri 'none'; "
                               "form-action 'self'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every response (pages, files, errors)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                present = {k.lower() for k, _ in headers}
                for key, value in SECURITY_HEADERS.items():
                    if key.encode() not in present:
                        headers.append((key.encode(), value.encode()))
                if scope["path"].startswith("/static/"):
                    headers.append((b"cache-control", b"public, max-age=3600"))
                else:
                    headers.append((b"cache-control", b"no-store"))
            await send(message)

        await self.app(scope, receive, with_headers)


# -- error pages -------------------------------------------------------------------------
async def _need_login(request: Request, exc: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={pages.quote(target)}", status_code=303)


async def _forbidden(request: Request, exc: Exception) -> Response:
    return pages.error(request, 403, "err.forbidden")


async def _not_found(request: Request, exc: Exception) -> Response:
    return pages.error(request, 404, "err.not_found")


async def _csrf(request: Request, exc: Exception) -> Response:
    return pages.error(request, 403, "err.csrf")


async def _http(request: Request, exc: Exception) -> Response:
    code = getattr(exc, "status_code", 500)
    key = {404: "err.not_found", 405: "err.method", 403: "err.forbidden",
           413: "err.too_large", 411: "err.http"}.get(code, "err.http")
    return pages.error(request, code, key)


async def _server_error(request: Request, exc: Exception) -> Response:
    """A page, never a traceback: the details go to the server's log with an id to
    quote."""
    ref = secrets.token_hex(4)
    log.error("error %s on %s %s", ref, request.method, request.url.path, exc_info=exc)
    try:
        return pages.error(request, 500, "err.server", ref=ref)
    except Exception:  # the page itself failed (the database is gone): plain words
        return HTMLResponse(f"<!DOCTYPE html><meta charset=utf-8><title>500</title>"
                            f"<p>服务器出错（编号 {ref}），请稍后再试。Server error ({ref}).</p>",
                            status_code=500)


def create_app(config: Config, engine: Engine, secret: str | None = None) -> Starlette:
    """The board application on ``engine``; ``secret`` signs sessions and links
    (default ``LIGHTS_WEB_SECRET``; without one, a random secret for this process)."""
    from engine.web.routes import ROUTES

    given = secret or secret_from_env()
    web = Web(config, engine, given or secrets.token_urlsafe(32), given is not None)
    if not web.secret_from_env:
        log.warning("LIGHTS_WEB_SECRET is not set: sessions end when the server stops and "
                    "links in e-mails cannot be checked")
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(SessionMiddleware, secret_key=web.secret, session_cookie="lights_session",
                   max_age=config.web.session_hours * 3600, same_site="lax",
                   https_only=config.web.secure_cookies),
    ]
    handlers: dict[Any, Any] = {NeedLogin: _need_login, Forbidden: _forbidden,
                                PageNotFound: _not_found, CsrfRefused: _csrf,
                                HTTPException: _http, Exception: _server_error}
    routes = [*ROUTES, Mount("/static", StaticFiles(directory=HERE / "static"), name="static")]
    app = Starlette(debug=False, routes=routes, middleware=middleware,
                    exception_handlers=handlers)
    app.state.web = web
    return app


__all__ = ["Route", "Web", "create_app"]
