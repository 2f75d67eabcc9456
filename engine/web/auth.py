"""Who is asking: the signed session, the CSRF token of every form, sign-in limits.

The session is Starlette's SessionMiddleware: a cookie signed with itsdangerous
(HMAC with ``LIGHTS_WEB_SECRET``), HttpOnly, SameSite=Lax, Secure when the board is on
https. It holds the account id, a stamp of its password hash (a new password ends
every older session), the CSRF token and the language.

Every form carries the session's CSRF token and every POST is refused without it. A
person following a link from an e-mail has a session too (without an account), so
the link's forms are protected the same way.

Sign-in is limited twice: per account in the database (a pause after a few failures in
a row, :mod:`engine.accounts`) and per client address here (at most ``limit`` failures
in ``window`` seconds), so that trying many names from one place is slowed too.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque

from starlette.requests import Request

from engine.accounts import Account, get_account
from engine.store.db import read_only


class NeedLogin(Exception):
    """No signed-in account: the page sends the person to /login."""


class Forbidden(Exception):
    """Signed in, but the role does not allow this."""


class PageNotFound(Exception):
    """Nothing here, or nothing this account may see (the two are not told apart)."""


class CsrfRefused(Exception):
    """A form without the session's token: made elsewhere, or the page is too old."""


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf(request: Request, sent: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise CsrfRefused()


def current_account(request: Request) -> Account | None:
    """The signed-in account, if the session names one that still exists unchanged."""
    uid = request.session.get("uid")
    if not isinstance(uid, int):
        return None
    engine = request.app.state.web.engine
    with read_only(engine).connect() as conn:
        account = get_account(conn, uid)
    if account is None or account.stamp != request.session.get("stamp"):
        request.session.pop("uid", None)
        return None
    return account


def sign_in(request: Request, account: Account) -> None:
    """A fresh session for the account (a new CSRF token: no fixation)."""
    lang = request.session.get("lang")
    request.session.clear()
    request.session.update({"uid": account.id, "stamp": account.stamp,
                            "csrf": secrets.token_urlsafe(32)})
    if lang:
        request.session["lang"] = lang


def sign_out(request: Request) -> None:
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang


class AddressLimiter:
    """At most ``limit`` failed sign-ins per client address in ``window`` seconds.

    Only failures count, so an office behind one address signing in every morning is
    never held up. In the memory of the process: with several server processes, each
    counts its own (the per-account pause in the database holds for all of them).
    """

    def __init__(self, limit: int = 20, window: float = 600.0) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, address: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(address, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def blocked(self, address: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            return len(self._recent(address, now)) >= self.limit

    def failed(self, address: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            self._recent(address, now).append(now)
            if len(self._failures) > 10_000:  # forget quiet addresses
                for key in [k for k, v in self._failures.items() if not v]:
                    del self._failures[key]
