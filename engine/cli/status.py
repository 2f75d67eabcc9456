"""``lights status``: the lights by filter, the command people run most.

In a module of its own so that it loads only what it reads with (SQLAlchemy Core, the
query, the table): not the evaluation, the actions or the ledger that the other core
commands pull in (tests/test_start.py keeps them off its path).

A table is for a person at a terminal: it lists the worst :data:`TABLE_ROWS` and counts
every light of the whole selection, and says how to see the rest (``--all``, or
``--format csv``). Rendering a table costs ~2 ms a row, so a region of 25,000
milestones took 40 s to print in full. JSON and CSV always give every row (or
``--limit``'s).
"""

from __future__ import annotations

from typing import Any

import click

from engine import queries
from engine.cli import cli, views
from engine.cli.common import FORMAT, App, common, emit
from engine.cli.filters import milestone_filters, status_filter
from engine.store.db import read_only
from engine.store.lookups import latest_as_of

TABLE_ROWS = 50  # rows a table lists unless --limit or --all says otherwise


@cli.command()
@milestone_filters
@click.option("--limit", type=click.IntRange(min=1), help="at most N rows")
@click.option("--all", "every", is_flag=True,
              help=f"a table lists every row, not the worst {TABLE_ROWS} / 表格列出全部")
@FORMAT
@common
def status(app: App, filters: dict[str, Any], limit: int | None, every: bool,
           fmt: str) -> None:
    """The lights of every milestone that matches, worst first / 查询红黄绿灯."""
    capped = fmt == "table" and limit is None and not every
    flt = status_filter(app, filters, TABLE_ROWS if capped else limit)
    with read_only(app.database()).connect() as conn:
        as_of = latest_as_of(conn) or app.config.today()
        rows = queries.status(conn, flt, app.lang, as_of)
        counts = queries.status_counts(conn, flt) if capped and len(rows) == TABLE_ROWS \
            else None
    if fmt != "table":
        emit(app, fmt, rows, None)
        return
    if not rows:
        app.console.print(app.say("status.empty"))
        return
    app.console.print(views.status_table(rows, counts or queries.light_counts(rows), app.lang,
                                          app.kind_label))
    total = sum(counts.values()) if counts else len(rows)
    if total > len(rows):
        app.console.print(app.say("status.more", shown=len(rows), total=total))
