"""Compose every pending notice: rendered outside the write lock, in parts on a large
night, the parts rendered here or, when configured, by worker processes.

:func:`compose_pending` reads and renders from a snapshot and then writes the digests
in one short write transaction, provided no other process composed any of those
notices meanwhile (else it composes again under the lock): other writers never wait
for the rendering.

A night with more than :data:`PART_RECIPIENTS` recipients or :data:`PART_NOTICES`
notices (the first night of a large programme) is composed in parts (one recipient's
digest is never split), each read, rendered and written on its own, so that memory
does not grow with the programme. The parts are independent, and rendering them is
most of a large night's work: with ``notices.compose_processes`` set to N (0: one per
core; the default, 1, renders them here) worker processes each render a part from
their own read-only connection while this process writes the parts rendered, in
order, at most one part per worker ahead (a first night of 1,000,000 milestones on 2
cores: 167 s to 132 s, its processes' memory 343 to 749 MiB). The
workers come from a fork server (a clean process, no threads: css-inline's and the
run lock's threads do not survive a fork), started once per process. The storm is
decided once for the whole night, and the administrators' digests (failures, problem
steps, the storm summary) come last, rendered here.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.engine import Engine

from engine.config import Config
from engine.problems.notices import pending_problem_notices
from engine.store.db import make_engine, read_only, writer
from engine.store.tables import NOTICE, M, P
from notifications.digest import Composer, ComposeResult, Draft, Part
from notifications.plan import load_directory

PART_RECIPIENTS = 1000  # digests drafted and written at a time on a large night,
PART_NOTICES = 10_000  # holding at most about this many notices (a unit's digest of a
# whole department's red nodes counts for thousands: memory follows notices, not people)


def compose_pending(engine: Engine, config: Config, as_of: date | None = None, *,
                    beat: Callable[[Connection], None] | None = None) -> ComposeResult:
    """Render every pending notice's digest, then write them (``beat``, the run lock's,
    renewed in each write); see the module doc."""
    composer = Composer(config)
    with read_only(engine).connect() as conn:
        plan = _parts(conn, config)
        if plan is None:
            draft = composer.draft(conn, as_of)
    if plan is None:
        return _write_draft(engine, composer, draft, as_of, beat)
    total = ComposeResult()
    for part, draft in _drafts(engine, config, composer, as_of, plan):
        result = _write_draft(engine, composer, draft, as_of, beat, part)
        total.messages += result.messages
        total.held += result.held
        total.notices += result.notices
        total.storm_messages += result.storm_messages
        total.failures_reported += result.failures_reported
        total.warnings += [w for w in result.warnings if w not in total.warnings]
    total.storm, total.milestones = plan[0].storm, plan[0].milestones
    return total


def processes(config: Config, parts: int) -> int:
    """How many worker processes render ``parts`` parts (1: none, this process does)."""
    wanted = config.notices.compose_processes or _cores()
    return max(1, min(wanted, parts))


def _cores() -> int:
    """The cores this process may run on (Linux: its affinity, as a container sets it;
    elsewhere, where os has no sched_getaffinity, the machine's)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _drafts(engine: Engine, config: Config, composer: Composer, as_of: date | None,
            plan: list[Part]) -> Iterator[tuple[Part, Draft]]:
    """Each part with its draft, in the plan's order; the last part (the
    administrators') rendered here once the others are written."""
    *others, last = plan
    workers = processes(config, len(others))
    if workers > 1:
        yield from _in_workers(engine, config, as_of, others, workers)
    else:
        for part in others:
            with read_only(engine).connect() as conn:
                yield part, composer.draft(conn, as_of, part=part)
    with read_only(engine).connect() as conn:
        yield last, composer.draft(conn, as_of, part=last)


def _in_workers(engine: Engine, config: Config, as_of: date | None, parts: Sequence[Part],
                workers: int) -> Iterator[tuple[Part, Draft]]:
    """The parts' drafts from ``workers`` processes, in order, at most one part per
    worker waiting to be written (memory stays a few parts')."""
    url = engine.url.render_as_string(hide_password=False)
    pool = ProcessPoolExecutor(workers, mp_context=_context(), initializer=_start,
                               initargs=(url, config))
    waiting: deque[tuple[Part, Future[Draft]]] = deque()
    todo = iter(parts)
    try:
        for part in todo:
            waiting.append((part, pool.submit(_draft, part, as_of)))
            if len(waiting) > workers:
                break
        while waiting:
            part, future = waiting.popleft()
            draft = future.result()  # a worker's error (a broken template) raised here
            following = next(todo, None)
            if following is not None:
                waiting.append((following, pool.submit(_draft, following, as_of)))
            yield part, draft
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _context() -> Any:
    """The fork server, started the first time with the composer loaded in it."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    return ctx


_WORKER: tuple[Engine, Composer] | None = None  # a worker process's database and composer


def _start(url: str, config: Config) -> None:
    """A worker's start: its own connections (the run's are not shared across processes)."""
    global _WORKER
    _WORKER = (read_only(make_engine(url)), Composer(config))


def _draft(part: Part, as_of: date | None) -> Draft:
    """One part rendered in a worker process, from its own snapshot."""
    assert _WORKER is not None
    engine, composer = _WORKER
    with engine.connect() as conn:
        return composer.draft(conn, as_of, part=part)


def _write_draft(engine: Engine, composer: Composer, draft: Draft, as_of: date | None,
                 beat: Callable[[Connection], None] | None, part: Part | None = None
                 ) -> ComposeResult:
    with writer(engine).begin() as conn:
        if composer.taken(conn, draft):  # composed meanwhile: again, under the lock
            result = composer.write(conn, composer.draft(conn, as_of, part=part))
        else:
            result = composer.write(conn, draft)
        if beat is not None:
            beat(conn)
    return result


def _parts(conn: Connection, config: Config) -> list[Part] | None:
    """The parts of a large night (None: one draft will do)."""
    counts = conn.execute(select(NOTICE.c.recipient, func.count()).where(
        NOTICE.c.message_id.is_(None)).group_by(NOTICE.c.recipient)
        .order_by(NOTICE.c.recipient)).all()
    if len(counts) <= PART_RECIPIENTS and sum(n for _, n in counts) <= PART_NOTICES:
        return None
    recipients = [r for r, _ in counts]
    milestones = conn.execute(select(func.count(func.distinct(NOTICE.c.milestone_id))).where(
        NOTICE.c.message_id.is_(None))).scalar_one()
    total = conn.execute(select(func.count()).select_from(M.join(P))
                         .where(P.c.status == "active")).scalar_one()
    n = config.notices
    storm = milestones > n.storm_min_milestones and milestones > n.storm_threshold * max(total, 1)
    # The administrators and whoever has problem steps waiting go last, with the extras.
    directory = load_directory(conn, config)
    last = {a.email for a in directory.admins()} | set(pending_problem_notices(conn, config))
    parts: list[Part] = []
    chosen: list[str] = []
    size = 0
    for recipient, n_notices in counts:
        if recipient in last:
            continue
        if chosen and (len(chosen) >= PART_RECIPIENTS or size + n_notices > PART_NOTICES):
            parts.append(Part(chosen, storm, milestones))
            chosen, size = [], 0
        chosen.append(recipient)
        size += n_notices
    if chosen:
        parts.append(Part(chosen, storm, milestones))
    parts.append(Part([r for r in recipients if r in last], storm, milestones, last=True,
                      storm_rows=_storm_rows(conn) if storm else [],
                      held_recipients=len(recipients)))
    return parts


def _storm_rows(conn: Connection) -> list[Any]:
    """What the storm summary counts, read before the parts are written: each pending
    milestone's latest notice (small columns only), as :meth:`Composer._storm` keeps."""
    latest: dict[int, Any] = {}
    for row in conn.execute(
            select(NOTICE.c.milestone_id, NOTICE.c.label, NOTICE.c.light, P.c.code,
                   P.c.name.label("project_name"))
            .select_from(NOTICE.join(M, M.c.id == NOTICE.c.milestone_id).join(P))
            .where(NOTICE.c.message_id.is_(None)).order_by(NOTICE.c.id)):
        latest[row.milestone_id] = row
    return list(latest.values())
