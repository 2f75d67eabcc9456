"""The people who sign in to ``lights serve``: accounts, passwords, invitations, scopes.

A role says what a person may do, the unit what they may see:

- ``admin`` and ``office`` (the supervision office, 督查室 / 重点项目办) see every project;
- ``leader`` (a 包保领导) sees the projects the ledger names them for, by ``--unit`` (the
  name as the ledger writes it), their account name, or their e-mail;
- ``unit`` sees the projects of its 责任单位 or of its region (``--unit``), and those it
  serves as 服务秘书 (the ledger's secretary is its account name or e-mail).

Passwords are argon2id hashes (argon2-cffi's defaults, its maintainers' choice of
parameters); a password is never stored, logged or compared in clear. An account made
without a password holds a one-time invitation instead: a random token, of which only
the SHA-256 is kept, that lets the person set their password once before it expires.
After ``attempts`` failed sign-ins in a row an account is paused for some minutes,
whoever tries: guessing is slowed to a few tries an hour.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, false, insert, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.sql import ColumnElement

from engine.store.db import writer
from engine.store.lookups import BadInput
from engine.store.tables import ACCOUNT, P, utcnow
from notifications.addresses import BadAddress, check_address, header_text

ROLES = ("admin", "office", "leader", "unit")
SEE_ALL = ("admin", "office")
MIN_PASSWORD = 10
INVITE_DAYS = 7

_hasher = PasswordHasher()


@dataclass(frozen=True)
class Account:
    """An account as the web layer holds it (never the password hash)."""

    id: int
    name: str
    role: str
    unit: str
    email: str
    stamp: str  # changes when the password does: sessions made before it end

    @property
    def sees_all(self) -> bool:
        return self.role in SEE_ALL

    def scope(self) -> ColumnElement[bool] | None:
        """The projects this account may see, as a condition on the project table;
        None for every project."""
        if self.sees_all:
            return None
        keys = [k for k in {self.unit, self.name} if k]
        if self.role == "leader":
            terms = [P.c.leader.in_(keys)]
            if self.email:
                terms.append(P.c.leader_email == self.email)
        else:
            terms = [P.c.department.in_(keys), P.c.region.in_(keys), P.c.secretary.in_(keys)]
            if self.email:
                terms += [P.c.secretary_email == self.email, P.c.department_email == self.email]
        return or_(*terms) if terms else false()


class LoginRefused(Exception):
    """A sign-in that did not succeed; ``until`` is set when the account is paused."""

    def __init__(self, until: datetime | None = None) -> None:
        super().__init__("refused")
        self.until = until


@dataclass(frozen=True)
class Created:
    account: Account
    invitation: str | None  # the token to put in the invitation link, shown once


def _stamp(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _account(row: Any) -> Account:
    return Account(row.id, row.name, row.role, row.unit, row.email, _stamp(row.password_hash))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise BadInput(f"password: at least {MIN_PASSWORD} characters")
    if len(password) > 512:
        raise BadInput("password: at most 512 characters")
    return password


def _clean(name: str, role: str, unit: str, email: str) -> tuple[str, str, str, str]:
    name = header_text(name or "", 64)
    if not name:
        raise BadInput("name: required")
    if role not in ROLES:
        raise BadInput(f"role: {role!r} is not one of {', '.join(ROLES)}")
    unit = header_text(unit or "", 100)
    if role in ("leader", "unit") and not unit:
        raise BadInput(f"--unit: a {role} account needs its unit (责任单位, region or leader)")
    if email:
        try:
            email = check_address(email)
        except BadAddress as exc:
            raise BadInput(f"--email: {exc}") from None
    return name, role, unit, email


def add_account(engine: Engine, name: str, role: str, *, unit: str = "", email: str = "",
                password: str | None = None, invite_days: int = INVITE_DAYS) -> Created:
    """A new account with a password, or with a one-time invitation when none is given."""
    name, role, unit, email = _clean(name, role, unit, email)
    token = None
    values: dict[str, Any] = {"name": name, "role": role, "unit": unit, "email": email,
                              "password_hash": "", "invite_hash": "", "invite_expires": None,
                              "active": True, "failed_logins": 0, "created_at": utcnow(),
                              "updated_at": utcnow()}
    if password is not None:
        values["password_hash"] = _hasher.hash(check_password(password))
    else:
        token = secrets.token_urlsafe(32)
        values.update(invite_hash=_token_hash(token),
                      invite_expires=utcnow() + timedelta(days=invite_days))
    with writer(engine).begin() as conn:
        if conn.execute(select(ACCOUNT.c.id).where(ACCOUNT.c.name == name)).first():
            raise BadInput(f"an account named {name!r} already exists")
        new_id = conn.execute(insert(ACCOUNT).values(**values)).inserted_primary_key[0]
        row = conn.execute(select(ACCOUNT).where(ACCOUNT.c.id == new_id)).one()
    return Created(_account(row), token)


def invite(engine: Engine, name: str, *, days: int = INVITE_DAYS) -> str:
    """A new one-time invitation for an existing account (its password stays until used)."""
    token = secrets.token_urlsafe(32)
    with writer(engine).begin() as conn:
        found = conn.execute(update(ACCOUNT).where(ACCOUNT.c.name == name).values(
            invite_hash=_token_hash(token), invite_expires=utcnow() + timedelta(days=days),
            updated_at=utcnow())).rowcount
    if not found:
        raise BadInput(f"no account named {name!r}")
    return token


def invitation(engine: Engine, token: str) -> Account | None:
    """The account a valid, unexpired invitation is for, else None."""
    if not token:
        return None
    with engine.connect() as conn:
        row = conn.execute(select(ACCOUNT).where(ACCOUNT.c.invite_hash == _token_hash(token),
                                                 ACCOUNT.c.active.is_(True))).first()
    if row is None or row.invite_expires is None or _aware(row.invite_expires) < utcnow():
        return None
    return _account(row)


def accept_invitation(engine: Engine, token: str, password: str) -> Account:
    """Set the password from an invitation; the invitation is used up."""
    check_password(password)
    account = invitation(engine, token)
    if account is None:
        raise BadInput("this invitation has expired or was already used")
    digest = _hasher.hash(password)
    with writer(engine).begin() as conn:
        conn.execute(update(ACCOUNT).where(ACCOUNT.c.id == account.id).values(
            password_hash=digest, invite_hash="", invite_expires=None, failed_logins=0,
            locked_until=None, updated_at=utcnow()))
        return _account(conn.execute(select(ACCOUNT).where(ACCOUNT.c.id == account.id)).one())


def set_password(engine: Engine, name: str, password: str) -> None:
    digest = _hasher.hash(check_password(password))
    with writer(engine).begin() as conn:
        found = conn.execute(update(ACCOUNT).where(ACCOUNT.c.name == name).values(
            password_hash=digest, failed_logins=0, locked_until=None,
            updated_at=utcnow())).rowcount
    if not found:
        raise BadInput(f"no account named {name!r}")


def set_active(engine: Engine, name: str, active: bool) -> None:
    with writer(engine).begin() as conn:
        found = conn.execute(update(ACCOUNT).where(ACCOUNT.c.name == name).values(
            active=active, updated_at=utcnow())).rowcount
    if not found:
        raise BadInput(f"no account named {name!r}")


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive UTC timestamps; PostgreSQL aware ones."""
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def authenticate(engine: Engine, name: str, password: str, *, attempts: int = 5,
                 lockout_minutes: int = 15) -> Account:
    """The account, or LoginRefused (the same for a wrong name and a wrong password).

    Every try costs one argon2 verification, also for a name that does not exist, so
    the time taken does not tell which names exist.
    """
    now = utcnow()
    with writer(engine).begin() as conn:
        row = conn.execute(select(ACCOUNT).where(ACCOUNT.c.name == name.strip())).first()
        if row is None or not row.active or not row.password_hash:
            _verify(_DUMMY, password)
            raise LoginRefused()
        if row.locked_until is not None and _aware(row.locked_until) > now:
            raise LoginRefused(_aware(row.locked_until))
        if _verify(row.password_hash, password):
            values: dict[str, Any] = {"failed_logins": 0, "locked_until": None,
                                      "last_login_at": now}
            if _hasher.check_needs_rehash(row.password_hash):
                values["password_hash"] = _hasher.hash(password)
            conn.execute(update(ACCOUNT).where(ACCOUNT.c.id == row.id).values(**values))
            return _account(conn.execute(select(ACCOUNT).where(ACCOUNT.c.id == row.id)).one())
        failed = row.failed_logins + 1
        until = now + timedelta(minutes=lockout_minutes) if failed >= attempts else None
        conn.execute(update(ACCOUNT).where(ACCOUNT.c.id == row.id).values(
            failed_logins=0 if until else failed, locked_until=until))
    raise LoginRefused(until)


_DUMMY = _hasher.hash("not a password of anyone")


def _verify(digest: str, password: str) -> bool:
    try:
        return _hasher.verify(digest, password)
    except (VerificationError, InvalidHashError):
        return False


def get_account(conn: Connection, account_id: int) -> Account | None:
    """The active account by id (a session's), else None."""
    row = conn.execute(select(ACCOUNT).where(ACCOUNT.c.id == account_id,
                                             ACCOUNT.c.active.is_(True))).first()
    return _account(row) if row else None


def list_accounts(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(ACCOUNT).order_by(ACCOUNT.c.role, ACCOUNT.c.name)).all()
    return [{"name": r.name, "role": r.role, "unit": r.unit, "email": r.email,
             "active": r.active, "password": bool(r.password_hash),
             "invitation_until": r.invite_expires.isoformat() if r.invite_expires else None,
             "last_login": r.last_login_at.isoformat() if r.last_login_at else None}
            for r in rows]


def project_visible(conn: Connection, account: Account, project_id: int) -> bool:
    """Whether the account may see this project (by the same condition as every list)."""
    query = select(P.c.id).where(P.c.id == project_id)
    scope = account.scope()
    if scope is not None:
        query = query.where(scope)
    return conn.execute(query).first() is not None
