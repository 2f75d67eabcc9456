"""What the routes share: who is signed in, the checked form, work off the event loop."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Connection, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

from engine.accounts import Account, project_visible
from engine.config import Config
from engine.store.db import read_only
from engine.store.lookups import latest_as_of
from engine.store.tables import M, P
from engine.web.auth import Forbidden, NeedLogin, PageNotFound, check_csrf, current_account
from engine.web.state import Web

T = TypeVar("T")
MAX_FORM_FIELDS = 50
MAX_FORM_BYTES = 64 * 1024


def web(request: Request) -> Web:
    return request.app.state.web


async def blocking(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Database work and password checks run in the thread pool."""
    return await run_in_threadpool(func, *args, **kwargs)


async def signed_in(request: Request, roles: tuple[str, ...] | None = None) -> Account:
    """The signed-in account (else to /login), allowed one of ``roles`` (else 403)."""
    account = await blocking(current_account, request)
    if account is None:
        raise NeedLogin()
    if roles is not None and account.role not in roles:
        raise Forbidden()
    return account


async def checked_form(request: Request) -> FormData:
    """The posted form, refused unless it carries the session's CSRF token (and unless
    it is of a size a person types: 64 KB)."""
    length = request.headers.get("content-length", "")
    if not length.isdigit() or int(length) > MAX_FORM_BYTES:
        raise HTTPException(413 if length.isdigit() else 411)
    form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
    check_csrf(request, str(form.get("csrf") or ""))
    return form


def today_of(conn: Connection, config: Config) -> date:
    """The date the lights stand at: the latest night's, else today (as lights status)."""
    return latest_as_of(conn) or config.today()


def milestone_for(engine: Any, account: Account | None, milestone_id: int) -> Any:
    """The milestone with its project code, if it exists and the account may see it."""
    with read_only(engine).connect() as conn:
        row = conn.execute(select(M.c.id, M.c.name, M.c.project_id, P.c.code)
                           .select_from(M.join(P)).where(M.c.id == milestone_id)).first()
        if row is None or (account is not None
                           and not project_visible(conn, account, row.project_id)):
            raise PageNotFound()
    return row


CACHE_SIZE = 256
_CACHE_LOCK = threading.Lock()


def cached(w: Web, key: Any, make: Callable[[], T]) -> T:
    """A figure kept in the process until its key (what it depends on) changes; at most
    CACHE_SIZE of them, the oldest forgotten first."""
    found = w.cache.get(key)
    if found is None:
        found = make()  # two requests at once may both compute it: the same figure
        with _CACHE_LOCK:
            while len(w.cache) >= CACHE_SIZE:
                w.cache.pop(next(iter(w.cache)))
            w.cache[key] = found
    return found


def int_param(value: str) -> int:
    if not value.isdigit() or len(value) > 12:
        raise PageNotFound()
    return int(value)
