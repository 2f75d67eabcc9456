"""What people do about notices: acknowledge, silence, load contacts, look, preview.

Each is one short transaction; those that write take the write lock at their start
(:func:`engine.store.db.writer`). Errors a person can cause are raised as
:class:`engine.store.lookups.BadInput` or :class:`engine.store.lookups.NotFound`, which every
command turns into one sentence.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.engine import Engine

from engine.config import Config
from engine.store.db import writer
from engine.store.lookups import BadInput, latest_as_of, resolve_milestone, resolve_project
from engine.store.tables import (
    ACK,
    CONTACT,
    ESC,
    NOTICE,
    OUTBOX,
    SIL,
    utcnow,
)
from notifications.addresses import BadAddress, check_address
from notifications.config import CHANNEL_PREFIX, ContactEntry
from notifications.contact_words import normalise
from notifications.digest import Composer
from notifications.ladder import ACTIVE
from notifications.plan import Planner


def _needed(value: str, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise BadInput(f"{what}: required")
    return text


def _today(conn: Connection, config: Config) -> date:
    """The notices' today: the latest run's date when it is later than the clock's."""
    latest = latest_as_of(conn)
    today = config.today()
    return max(today, latest) if latest else today


# -- acknowledgements -----------------------------------------------------------------
@dataclass
class AckResult:
    milestone_id: int
    ref: str
    hold_until: date


def acknowledge(engine: Engine, config: Config, ref: str, *, by: str, reason: str,
                days: int | None = None, on: date | None = None) -> AckResult:
    """Record that someone is on it; escalation of the milestone holds for ``days``
    from ``on`` (default the notices' today: the clock's, or the latest run's if later)."""
    by, reason = _needed(by, "--by"), _needed(reason, "--reason")
    days = config.notices.ack_hold_days if days is None else days
    if days < 1:
        raise BadInput(f"--days: {days} is not a positive number of days")
    with writer(engine).begin() as conn:
        row = resolve_milestone(conn, ref)
        as_of = on or _today(conn, config)
        until = as_of + timedelta(days=days)
        conn.execute(insert(ACK).values(milestone_id=row.id, author=by, reason=reason,
                                        as_of=as_of, hold_until=until, created_at=utcnow()))
    return AckResult(row.id, f"{row.code}/{row.name}", until)


# -- silences -------------------------------------------------------------------------
WEEKDAYS = {name: i for i, names in enumerate(
    (("一", "mon", "monday"), ("二", "tue", "tuesday"), ("三", "wed", "wednesday"),
     ("四", "thu", "thursday"), ("五", "fri", "friday"), ("六", "sat", "saturday"),
     ("日", "天", "sun", "sunday")), 1) for name in names}


def parse_weekdays(text: str) -> str:
    """``周六,周日`` (or 星期六, 六, sat, 6 …, separated by commas) → ISO weekdays ``6,7``."""
    days = set()
    for word in re.split(r"[,，、\s]+", text.strip()):
        if not word:
            continue
        key = re.sub(r"^(周|星期|礼拜)", "", word.lower())
        if key.isdigit() and 1 <= int(key) <= 7:
            days.add(int(key))
        elif key in WEEKDAYS:
            days.add(WEEKDAYS[key])
        else:
            raise BadInput(f"--every: {word!r} is not a day of the week (周一 … 周日, mon … sun)")
    if not days:
        raise BadInput("--every: name the days, e.g. 周六,周日")
    return ",".join(str(d) for d in sorted(days))


def add_silence(engine: Engine, config: Config, *, milestone: str | None = None,
                project: str | None = None, recipient: str | None = None, by: str,
                reason: str, until: date | None, starts: date | None = None,
                every: str | None = None) -> int:
    """A silence needs exactly one target, an author, a reason and an end date (a recurring
    one, ``every`` 周六,周日, may go on without end)."""
    by, reason = _needed(by, "--by"), _needed(reason, "--reason")
    weekdays = parse_weekdays(every) if every is not None else ""
    if until is None and not weekdays:
        raise BadInput("--until: a silence needs an end date")
    until = until or date.max
    targets = [(s, t) for s, t in (("milestone", milestone), ("project", project),
                                   ("recipient", recipient)) if t]
    if len(targets) != 1:
        raise BadInput("give exactly one of --milestone, --project, --recipient")
    scope, target = targets[0]
    with writer(engine).begin() as conn:
        today = _today(conn, config)
        start = starts or today
        if until < start:
            raise BadInput(f"--until: {until} is before the start {start}")
        if scope == "milestone":
            target = str(resolve_milestone(conn, target).id)
        elif scope == "project":
            target = resolve_project(conn, target).code
        elif target.startswith(CHANNEL_PREFIX):
            if config.notices.channel(target.removeprefix(CHANNEL_PREFIX)) is None:
                raise BadInput(f"--recipient: no channel {target.removeprefix(CHANNEL_PREFIX)}"
                               f" in notices.channels")
        else:
            try:
                target = check_address(target)
            except BadAddress as exc:
                raise BadInput(f"--recipient: {exc}") from None
        return conn.execute(insert(SIL).values(
            scope=scope, target=target, author=by, reason=reason, starts=start, ends=until,
            weekdays=weekdays, created_at=utcnow(), ended_by="",
            end_reason="")).inserted_primary_key[0]


def end_silence(engine: Engine, silence_id: int, *, by: str, reason: str) -> None:
    """End a silence early; the row stays, with who ended it and why."""
    by, reason = _needed(by, "--by"), _needed(reason, "--reason")
    with writer(engine).begin() as conn:
        row = conn.execute(select(SIL).where(SIL.c.id == silence_id)).first()
        if row is None:
            raise BadInput(f"no silence {silence_id}")
        if row.ended_at is not None:
            raise BadInput(f"silence {silence_id} already ended on {row.ended_at:%Y-%m-%d}")
        conn.execute(update(SIL).where(SIL.c.id == silence_id).values(
            ended_at=utcnow(), ended_by=by, end_reason=reason))


def list_silences(engine: Engine, config: Config, *, all_: bool = False
                  ) -> list[dict[str, Any]]:
    """Active silences (or every one, ``all_``), newest first, with their audit fields."""
    with engine.connect() as conn:
        today = _today(conn, config)
        query = select(SIL).order_by(SIL.c.id.desc())
        if not all_:
            query = query.where(SIL.c.ended_at.is_(None), SIL.c.ends >= today)
        rows = conn.execute(query).all()
    out = []
    for r in rows:
        state = "ended" if r.ended_at else ("expired" if r.ends < today else
                                            ("active" if r.starts <= today else "scheduled"))
        out.append({"id": r.id, "scope": r.scope, "target": r.target, "from": r.starts,
                    "until": None if r.ends == date.max else r.ends,
                    "every": r.weekdays, "by": r.author, "reason": r.reason, "state": state,
                    "created": r.created_at, "ended_by": r.ended_by,
                    "ended_at": r.ended_at, "end_reason": r.end_reason})
    return out


# -- contacts -------------------------------------------------------------------------
def read_contacts(path: str | Path) -> list[ContactEntry]:
    """Contacts from a YAML list (or ``contacts:`` key) or a CSV with a header row."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BadInput(f"{file}: no such file") from None
    if file.suffix.lower() == ".csv":
        raw: Any = list(csv.DictReader(io.StringIO(text)))
    else:
        try:
            raw = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise BadInput(f"{file}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
        if isinstance(raw, dict):
            raw = raw.get("contacts")
    if not isinstance(raw, list):
        raise BadInput(f"{file}: expected a list of contacts (name, email, role, …)")
    out = []
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise BadInput(f"{file}: entry {i + 1}: expected name, email, role")
        clean = normalise({k.strip(): (v.strip() if isinstance(v, str) else v)
                           for k, v in entry.items() if k and v not in (None, "")})
        try:
            out.append(ContactEntry.model_validate(clean))
        except ValidationError as exc:
            err = exc.errors()[0]
            key = ".".join(str(x) for x in err["loc"]) or "entry"
            msg = err["msg"].removeprefix("Value error, ")
            raise BadInput(f"{file}: entry {i + 1}: {key}: {msg}") from None
    return out


def load_contacts(engine: Engine, entries: list[ContactEntry], *, replace: bool = False
                  ) -> tuple[int, int]:
    """Add contacts (the same person, role and scope once); ``replace`` empties the table
    first. Returns (added, already there)."""
    with writer(engine).begin() as conn:
        if replace:
            conn.execute(delete(CONTACT))
        existing = {(r.email, r.role, r.region, r.department, r.project)
                    for r in conn.execute(select(CONTACT))}
        rows, seen = [], 0
        for c in entries:
            key = (c.email, c.role, c.region, c.department, c.project)
            if key in existing:
                seen += 1
                continue
            existing.add(key)
            rows.append({**c.model_dump(), "created_at": utcnow()})
        if rows:
            conn.execute(insert(CONTACT), rows)
    return len(rows), seen


def list_contacts(engine: Engine, config: Config) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(CONTACT).order_by(CONTACT.c.role, CONTACT.c.email)).all()
    out = [{"name": r.name, "email": r.email, "role": r.role, "region": r.region,
            "department": r.department, "project": r.project, "lang": r.lang or "",
            "mobile": r.mobile,
            "source": "table"} for r in rows]
    out += [{**c.model_dump(), "lang": c.lang or "", "source": "config"}
            for c in config.notices.contacts]
    return out


# -- the outbox -------------------------------------------------------------------------
def list_outbox(engine: Engine, *, status: str | None = None, since: date | None = None,
                limit: int | None = None) -> list[dict[str, Any]]:
    query = select(OUTBOX.c.id, OUTBOX.c.status, OUTBOX.c.kind, OUTBOX.c.as_of,
                   OUTBOX.c.recipient, OUTBOX.c.recipient_name, OUTBOX.c.subject,
                   OUTBOX.c.attempts, OUTBOX.c.last_error, OUTBOX.c.sent_at,
                   OUTBOX.c.message_id).order_by(OUTBOX.c.id.desc())
    if status:
        query = query.where(OUTBOX.c.status == status)
    if since:
        query = query.where(OUTBOX.c.as_of >= since)
    if limit:
        query = query.limit(limit)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def pending_notices(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(NOTICE)
                            .where(NOTICE.c.message_id.is_(None))).scalar_one()


# -- preview ----------------------------------------------------------------------------
@dataclass
class Preview:
    messages: list[Any]
    recipients: list[str]
    due_tonight: bool


def preview(engine: Engine, config: Config, *, milestone: str | None = None,
            recipient: str | None = None, as_of: date | None = None) -> Preview:
    """Render what would be sent on ``as_of`` (default the notices' today), without
    sending or keeping anything.

    The real planner and composer run inside a transaction that is rolled back. For a
    milestone with nothing due tonight, its episode is set aside first, so the preview
    shows how a first notice about it reads (``due_tonight`` is False then).
    """
    if (milestone is None) == (recipient is None):
        raise BadInput("give a MILESTONE or --recipient EMAIL")
    with writer(engine).connect() as conn, conn.begin() as tx:
        try:
            as_of = as_of or _today(conn, config)
            planner = Planner(config, as_of)
            planner.guard = False  # a preview may show what was already sent tonight
            planner.key_prefix = "preview|"  # rolled back anyway; never collides
            due = True
            if milestone is not None:
                row = resolve_milestone(conn, milestone)
                if row.state not in ACTIVE:
                    raise BadInput(f"{row.code}/{row.name} is not yellow or red: "
                                   f"no notice to preview")
                ids = [row.id]
                if not planner.plan(conn, ids).notices:
                    due = False
                    conn.execute(delete(ESC).where(ESC.c.milestone_id == row.id))
                    planner.plan(conn, ids)
            else:
                recipient = recipient if (recipient or "").startswith(CHANNEL_PREFIX) \
                    else check_address(recipient or "")
                planner.followups(conn)
            first = conn.execute(select(func.coalesce(func.max(OUTBOX.c.id), 0))).scalar_one()
            Composer(config).compose(conn, as_of, preview=True, recipient=recipient,
                                     milestone_id=ids[0] if milestone is not None else None)
            messages = list(conn.execute(select(OUTBOX).where(OUTBOX.c.id > first)
                                         .order_by(OUTBOX.c.id)).all())
            if recipient is not None:
                messages = [m for m in messages if m.recipient == recipient]
        except BadAddress as exc:
            raise BadInput(f"--recipient: {exc}") from None
        finally:
            tx.rollback()
    return Preview(messages, [m.recipient for m in messages], due)
