"""Records → the database in one transaction: upsert, re-plan, report, light at once.

Projects are matched by 项目编号, milestones by 项目编号 + 节点名称. What the file says
and the database already holds is left alone, so importing the same file twice changes
nothing. A new planned date (or start) on a known milestone is a re-plan, as
``lights replan`` does it: the baseline stays, the move is recorded with the reason
"imported from FILE". A progress row is a progress report (append-only); so is a
milestone row whose 完成进度/实际完成时间 differ from what is stored, dated by its
报送日期 or, without one, today. A project's investment columns are an investment
report (投资报送), dated by 投资报送日期 or today, its blanks filled from the previous
report as ``lights invest`` fills them; the same figures as that report add nothing.

Set-based throughout: existing rows are read with a few IN queries, new rows are written
by COPY on PostgreSQL (executemany elsewhere), changes with executemany. New milestones
are lit before they are inserted (:func:`light_unwritten`), the other touched ones after
(:func:`relight`), both by columns as the night lights them (the same rules, moves and
audit), before the transaction commits. Any problem, in the
file or against the database, and nothing is written.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Connection, insert, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from engine.bulletins.words import wan
from engine.config import Config
from engine.evaluation.evaluator import Move
from engine.evaluation.lifecycle import RefusedMove, fire
from engine.evaluation.relight import (
    FirstLights,
    Unwritten,
    light_unwritten,
    relight,
    write_audits,
)
from engine.i18n import light_label
from engine.investment import Figures, Inconsistent, fill
from engine.ledger import gc_pause
from engine.ledger.columns import BY_KEY, INVESTMENT_FIGURES
from engine.ledger.problem_sheet import ProblemSheet
from engine.ledger.problems import LedgerInvalid, Problem, shown
from engine.ledger.validate import Ledger, MilestoneIn, ReportIn, required_for_new
from engine.ledger.words import say
from engine.store.bulk import insert_rows, next_ids, update_rows
from engine.store.db import writer
from engine.store.lookups import count_lights, evaluation_date, latest_as_of
from engine.store.tables import IR, REPORTS, M, P, R, T, column_defaults, utcnow
from rules.lights import OPEN_STATES
from rules.reasons import calendar_warning

CHUNK = 500  # ids per IN list: well inside SQLite's and PostgreSQL's parameter limits
ANALYZE_AFTER = 1000  # new rows after which PostgreSQL gets fresh statistics
# Project fields whose change can change its milestones' lights.
_LIGHT_FIELDS = frozenset({"outdoor", "winter_pause"})
_TARGET = {key: column.target for key, column in BY_KEY.items()}  # column key → db column


@dataclass
class ImportSummary:
    files: list[str]
    as_of: date
    dry_run: bool
    projects: dict[str, int] = field(default_factory=lambda: dict(new=0, updated=0, same=0))
    milestones: dict[str, int] = field(
        default_factory=lambda: dict(new=0, updated=0, replanned=0, same=0))
    reports: dict[str, int] = field(default_factory=lambda: dict(new=0, dup=0))
    investment: dict[str, int] = field(default_factory=lambda: dict(new=0, same=0))
    moves: list[Move] = field(default_factory=list)
    changes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def change_lines(self, lang: str, limit: int | None = None) -> list[str]:
        """The changes in words; the first ``limit`` of them (the terminal shows a few of
        an import's hundreds of thousands)."""
        return [say(key, lang, **params) for key, params in self.changes[:limit]]

    def as_json(self, lang: str) -> dict[str, Any]:
        return {"files": self.files, "as_of": self.as_of.isoformat(), "dry_run": self.dry_run,
                "projects": self.projects, "milestones": self.milestones,
                "reports": self.reports, "investment": self.investment,
                "moves": [{"project": m.project, "milestone": m.milestone, "from": m.from_state,
                           "to": m.to_state, "trigger": m.trigger, "reason": m.reason}
                          for m in self.moves],
                "changes": self.change_lines(lang), "warnings": self.warnings}


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and round(float(a), 6) == round(float(b), 6)
    return a == b


@dataclass
class _Progress:
    """A milestone's denormalised progress while the file's reports are applied."""

    percent: float
    last: date | None
    actual: date | None


class Loader:
    """Plans the changes against the database, then writes them; one instance per import."""

    def __init__(self, conn: Connection, config: Config, ledger: Ledger, lang: str,
                 actor: str, today: date, as_of: date | None = None,
                 stood_on: date | None = None) -> None:
        self.conn, self.config, self.ledger = conn, config, ledger
        self.lang, self.actor, self.today = lang, actor, today
        self.problems: list[Problem] = []
        self.stood_on = stood_on  # a past ledger: see import_ledger
        self.as_of = evaluation_date(conn, config, as_of)
        self.summary = ImportSummary(ledger.files, self.as_of, False,
                                     warnings=list(ledger.warnings))
        self.reason = say("replan.reason", config.lang, file="、".join(ledger.files))
        # filled by plan()
        self.projects: dict[str, Any] = {}
        self.milestones: dict[tuple[str, str], Any] = {}
        self.project_inserts: list[dict[str, Any]] = []
        self.project_updates: list[dict[str, Any]] = []
        self.light_projects: set[int] = set()
        self.milestone_inserts: dict[tuple[str, str], dict[str, Any]] = {}
        self.milestone_updates: dict[tuple[str, str], dict[str, Any]] = {}
        self.replans: list[tuple[tuple[str, str], dict[str, Any]]] = []
        self.report_rows: list[tuple[tuple[str, str], dict[str, Any]]] = []
        self.investment_rows: list[tuple[str, dict[str, Any]]] = []
        self.problem_sheet = ProblemSheet(self)  # the 问题 sheet and 存在问题及原因
        self.run_id: int | None = None  # the import's run, once something is lit

    def problem(self, where: Any, why: str, value: Any = None, /, **params: Any) -> None:
        self.problems.append(Problem(where, why, value, params))

    # -- reading what is there ----------------------------------------------------------------
    def _read_existing(self) -> None:
        codes = sorted(set(self.ledger.projects) | {k[0] for k in self.ledger.milestones}
                       | {r.code for r in self.ledger.reports}
                       | {r.code for r in (*self.ledger.reasons, *self.ledger.problem_rows)})
        for chunk in _chunks(codes):
            for row in self.conn.execute(select(P).where(P.c.code.in_(chunk))):
                self.projects[row.code] = row
        by_id = {row.id: code for code, row in self.projects.items()}
        for chunk in _chunks(sorted(by_id)):
            for row in self.conn.execute(select(M).where(M.c.project_id.in_(chunk))):
                self.milestones[(by_id[row.project_id], row.name)] = row

    # -- planning ---------------------------------------------------------------------------------
    def plan(self) -> None:
        self._read_existing()
        self._plan_projects()
        progress = self._plan_milestones()
        self._plan_reports(progress)
        self._plan_investment()
        self.problem_sheet.plan()
        counts = self.summary.milestones
        counts["updated"] = len(self.milestone_updates)
        counts["same"] = sum(1 for key in self.ledger.milestones
                             if key in self.milestones and key not in self.milestone_updates)

    def _plan_projects(self) -> None:
        defaults = column_defaults(P)
        for code, rec in self.ledger.projects.items():
            given = {_TARGET[k]: (k, c.value) for k, c in rec.values.items()
                     if BY_KEY[k].record == "project"}
            row = self.projects.get(code)
            if row is None:
                for key in required_for_new(rec, "project"):
                    self.problem(rec.where(key, self.lang), "required_new_project", code=code)
                entered = {} if self.stood_on is None else {
                    "created_at": datetime.combine(self.stood_on, time(0), self.config.zone)}
                self.project_inserts.append({**defaults, "code": code, **entered,
                                             **{t: val for t, (_, val) in given.items()}})
                self.summary.projects["new"] += 1
                self.summary.changes.append(("change.new_project", {
                    "code": code, "name": rec.get("project_name", "")}))
                continue
            changed = {t: val for t, (_, val) in given.items()
                       if not _same(val, getattr(row, t))}
            if not changed:
                self.summary.projects["same"] += 1
                continue
            self.project_updates.append({"id": row.id, **changed, "updated_at": utcnow()})
            if _LIGHT_FIELDS & changed.keys():
                self.light_projects.add(row.id)
            self.summary.projects["updated"] += 1
            self.summary.changes.append(("change.project", {"code": code, "fields": self._fields(
                (k, getattr(row, t), val) for t, (k, val) in given.items() if t in changed)}))

    def _fields(self, triples: Iterable[tuple[str, Any, Any]]) -> str:
        sep = "；" if self.lang == "zh" else "; "
        return sep.join(f"{BY_KEY[k].header(self.lang)} {shown('' if a is None else a)} → "
                        f"{shown(b)}" for k, a, b in triples)

    def _plan_milestones(self) -> dict[tuple[str, str], _Progress]:
        defaults = column_defaults(M)
        next_seq: dict[str, int] = defaultdict(int)
        for (code, _), row in self.milestones.items():
            next_seq[code] = max(next_seq[code], row.seq)
        progress: dict[tuple[str, str], _Progress] = {
            key: _Progress(row.percent, row.last_report_date, row.actual_date)
            for key, row in self.milestones.items()}
        for key, rec in self.ledger.milestones.items():
            code = key[0]
            if code not in self.projects and code not in self.ledger.projects:
                self.problem(rec.where("code", self.lang), "no_project", code, code=code)
                continue
            row = self.milestones.get(key)
            if row is None:
                self._new_milestone(key, rec, defaults, next_seq)
                progress[key] = _Progress(0.0, None, None)
            else:
                self._known_milestone(key, rec, row)
        return progress

    def _new_milestone(self, key: tuple[str, str], rec: MilestoneIn, defaults: dict[str, Any],
                       next_seq: dict[str, int]) -> None:
        code, name = key
        for missing in required_for_new(rec, "milestone"):
            self.problem(rec.where(missing, self.lang), "required_new_milestone", ref=rec.ref)
        values = {_TARGET[k]: c.value for k, c in rec.values.items()}
        if "seq" in values:
            next_seq[code] = max(next_seq[code], values["seq"])
        else:
            next_seq[code] += 1
            values["seq"] = next_seq[code]
        if "kind" not in values:
            values["kind"] = self.config.kind_code(name) or "custom"
        planned = values.get("planned_date")
        values.setdefault("baseline_date", planned)
        row = defaults.copy()  # a copy of a dict is a copy of its table, not a rebuild
        row["name"], row["state"] = name, "planned"
        row.update(values)
        self.milestone_inserts[key] = row
        self.summary.milestones["new"] += 1
        self.summary.changes.append(("change.new_milestone", {
            "ref": rec.ref, "date": shown(planned) if planned else "—"}))

    def _known_milestone(self, key: tuple[str, str], rec: MilestoneIn, row: Any) -> None:
        given = {_TARGET[k]: (k, c.value) for k, c in rec.values.items()
                 if k != "baseline_date"}  # the baseline of a known milestone is kept
        changed = {t: val for t, (_, val) in given.items()
                   if not _same(val, getattr(row, t))}
        start = changed.get("planned_start", row.planned_start)
        planned = changed.get("planned_date", row.planned_date)
        replan = bool({"planned_date", "planned_start"} & changed.keys())
        if replan and start is not None and planned < start and not (
                "planned_date" in rec.values and "planned_start" in rec.values):
            cell = rec.values.get("planned_date") or rec.values["planned_start"]
            self.problem(cell.where, "start_after_date", cell.raw, start=start.isoformat())
        if replan:
            try:  # the machine decides, as for `lights replan` (~10 µs a move)
                to_state = fire(row.state, "replan")
            except RefusedMove:
                cell = rec.values.get("planned_date") or rec.values["planned_start"]
                self.problem(cell.where, "replan_refused", cell.raw,
                             state=light_label(row.state, self.lang))
                return
            numbers = {"old_date": row.planned_date.isoformat(),
                       "new_date": planned.isoformat()}
            if "planned_start" in changed:
                numbers |= {"old_start": row.planned_start.isoformat()
                            if row.planned_start else None,
                            "new_start": start.isoformat() if start else None}
            self.replans.append((key, {"trigger": "replan", "from_state": row.state,
                                       "to_state": to_state, "numbers": numbers}))
            changed |= {"state": to_state, "state_since": self.as_of, "reason": self.reason,
                        "light_rules": "replan", "light_facts": []}
            self.summary.milestones["replanned"] += 1
            self.summary.changes.append(("change.replan", {
                "ref": rec.ref, "old": shown(row.planned_date), "new": shown(planned)}))
        if changed:
            self.milestone_updates[key] = {"id": row.id, **changed}
            plain = [(k, getattr(row, t), val) for t, (k, val) in given.items()
                     if t in changed and t not in ("planned_date", "planned_start")]
            if plain:
                self.summary.changes.append(("change.milestone", {
                    "ref": rec.ref, "fields": self._fields(plain)}))

    def _plan_reports(self, progress: dict[tuple[str, str], _Progress]) -> None:
        known = self._known_reports()
        # by date, in the file's order on the same date (sorted() is stable)
        ordered = sorted(self.ledger.reports, key=lambda rec: rec.get("report_date") or self.today)
        for rec in ordered:
            key = (rec.code, rec.name)
            state = progress.get(key)
            if state is None:
                if key not in self.ledger.milestones:  # its own problem was noted there
                    self.problem(rec.where("milestone", self.lang), "no_milestone", rec.name,
                                 ref=rec.ref)
                continue
            report = self._report(rec, state)
            if report is None:
                continue
            sig = (key, report["report_date"], round(report["percent"], 6),
                   report["completed_on"])
            if sig in known:
                self.summary.reports["dup"] += 1
                continue
            known.add(sig)
            self.report_rows.append((key, report))
            self.summary.reports["new"] += 1
            self.summary.changes.append(("change.report", {
                "ref": rec.ref, "percent": f"{report['percent']:g}",
                "date": shown(report["report_date"])}))
            day = report["report_date"]
            if state.last is None or day >= state.last:
                state.percent, state.last = report["percent"], day
            if report["completed_on"] is not None:  # a completion is 100%, whatever its date
                state.actual, state.percent = report["completed_on"], report["percent"]
        for key, state in progress.items():
            row = self.milestones.get(key)
            if row is None:
                self.milestone_inserts[key].update(percent=state.percent,
                                                   last_report_date=state.last,
                                                   actual_date=state.actual)
                continue
            moved = {"percent": state.percent, "last_report_date": state.last,
                     "actual_date": state.actual}
            moved = {k: val for k, val in moved.items() if not _same(val, getattr(row, k))}
            if moved:
                self.milestone_updates.setdefault(key, {"id": row.id}).update(moved)

    def _report(self, rec: ReportIn, state: _Progress) -> dict[str, Any] | None:
        """The report a record makes; None when a milestone row says nothing new (the
        stored values, or 0% never reported for a new milestone)."""
        percent, done = rec.get("percent"), rec.get("completed_on")
        day = rec.get("report_date")
        if percent is None and done is not None:
            percent = 100.0
        if rec.derived:
            news = (percent is not None and not _same(percent, state.percent)) \
                or (done is not None and done != state.actual) \
                or (day is not None and (state.last is None or day > state.last))
            if not news:
                return None
        return {"report_date": day or self.today,
                "percent": state.percent if percent is None else percent,
                "completed_on": done, "note": rec.get("note", ""),
                "reporter": rec.get("reporter", "") or self.actor}

    def _plan_investment(self) -> None:
        """Each project's investment cells as one report; nothing when they say what its
        previous report says (so an exported ledger imports back unchanged)."""
        wanted = {code: rec for code, rec in self.ledger.projects.items()
                  if rec.values.keys() & set(INVESTMENT_FIGURES)}
        days = {code: rec.get("invest_date") or self.today for code, rec in wanted.items()}
        history = self._investment_history(days)
        undated: list[tuple[str, bool]] = []  # stamped today: (code, an earlier report exists)
        for code, rec in wanted.items():
            day = days[code]
            earlier = [r for r in history.get(code, ())
                       if r.report_date.year == day.year and r.report_date <= day]
            prev = earlier[-1] if earlier else None
            try:
                got = fill(prev, day, **{k: rec.get(k) for k in INVESTMENT_FIGURES})
            except Inconsistent as exc:
                cell = rec.values.get(exc.field)
                self.problem(rec.where(exc.field, self.lang), exc.why,
                             cell.raw if cell else None, **exc.params)
                continue
            if prev is not None and got == Figures(prev.month_amount, prev.ytd_amount,
                                                   prev.funds_in_place, prev.actual_start):
                self.summary.investment["same"] += 1
                continue
            if rec.get("invest_date") is None:
                undated.append((code, prev is not None))
            self.investment_rows.append((code, {
                "report_date": day, "month_amount": got.month_amount,
                "ytd_amount": got.ytd_amount, "funds_in_place": got.funds_in_place,
                "actual_start": got.actual_start, "note": "", "reporter": self.actor}))
            self.summary.investment["new"] += 1
            started = say("change.started", self.lang, date=shown(got.actual_start)) \
                if got.actual_start else ""
            self.summary.changes.append(("change.investment", {
                "code": code, "date": shown(day), "month": wan(got.month_amount),
                "ytd": wan(got.ytd_amount), "funds": wan(got.funds_in_place),
                "started": started}))

        if undated:
            self._undated_warning(undated)

    def _undated_warning(self, undated: list[tuple[str, bool]]) -> None:
        """Figures without 投资报送日期 are dated today and become the latest report: say so,
        so that an older table's figures do not pass for today's without a word."""
        codes = "、".join(code for code, _ in undated[:5]) + ("…" if len(undated) > 5 else "")
        earlier = sum(1 for _, had in undated if had)
        text = say("warn.invest_undated", self.lang, n=len(undated), date=shown(self.today),
                   codes=codes)
        if earlier:
            text += say("warn.invest_undated_earlier", self.lang, n=earlier)
        self.summary.warnings.append(text)

    def _investment_history(self, days: dict[str, date]) -> dict[str, list[Any]]:
        """The stored investment reports of the years the file reports on (``days``: each
        project's report date), oldest first."""
        ids = {self.projects[code].id: code for code in days if code in self.projects}
        out: dict[str, list[Any]] = defaultdict(list)
        if not ids:
            return out
        first = date(min(d.year for d in days.values()), 1, 1)
        for chunk in _chunks(sorted(ids)):
            for row in self.conn.execute(
                    select(IR).where(IR.c.project_id.in_(chunk), IR.c.report_date >= first)
                    .order_by(IR.c.project_id, IR.c.report_date, IR.c.id)):
                out[ids[row.project_id]].append(row)
        return out

    def _known_reports(self) -> set[tuple[Any, ...]]:
        """Reports already stored for the milestones the file reports on."""
        ids = {self.milestones[(r.code, r.name)].id: (r.code, r.name)
               for r in self.ledger.reports if (r.code, r.name) in self.milestones}
        known: set[tuple[Any, ...]] = set()
        for chunk in _chunks(sorted(ids)):
            for row in self.conn.execute(
                    select(REPORTS.c.milestone_id, REPORTS.c.report_date, REPORTS.c.percent,
                           REPORTS.c.completed_on).where(REPORTS.c.milestone_id.in_(chunk))):
                known.add((ids[row.milestone_id], row.report_date, round(row.percent, 6),
                           row.completed_on))
        return known

    # -- writing -------------------------------------------------------------------------------
    def write(self) -> None:
        conn, now = self.conn, utcnow()
        insert_rows(conn, P, self.project_inserts)
        _update_grouped(conn, P, self.project_updates)
        project_ids = {code: row.id for code, row in self.projects.items()}
        new_codes = [r["code"] for r in self.project_inserts]
        for chunk in _chunks(new_codes):
            project_ids.update({code: pid for code, pid in self.conn.execute(
                select(P.c.code, P.c.id).where(P.c.code.in_(chunk)))})
        new_ids = dict(zip(self.milestone_inserts, next_ids(conn, M, len(self.milestone_inserts)),
                           strict=True))
        first = self._first_lights(new_ids)
        lit = first.values if first is not None else {}
        for key, v in self.milestone_inserts.items():
            mid = new_ids[key]
            v.update(id=mid, project_id=project_ids[key[0]], updated_at=now, **lit.get(mid, {}))
        insert_rows(conn, M, self.milestone_inserts.values())
        updated = list(self.milestone_updates.values())
        for row in updated:
            row["updated_at"] = now
        _update_grouped(conn, M, updated)
        milestone_ids = {key: row.id for key, row in self.milestones.items()} | new_ids
        insert_rows(conn, T, (
            {"milestone_id": milestone_ids[key], "run_id": None, "as_of": self.as_of,
             "rules": "manual:replan", "reason": self.reason,
             "numbers": [{"rule": "manual:replan", "numbers": move["numbers"]}],
             "actor": self.actor, "created_at": now,
             **{k: v for k, v in move.items() if k != "numbers"}}
            for key, move in self.replans))
        insert_rows(conn, REPORTS, ({"milestone_id": milestone_ids[key], "created_at": now,
                                     **rep} for key, rep in self.report_rows))
        insert_rows(conn, IR, ({"project_id": project_ids[code], "created_at": now, **rep}
                               for code, rep in self.investment_rows))
        if first is not None:
            write_audits(conn, self.config, first.audits)
        if len(self.milestone_inserts) + len(self.project_inserts) >= ANALYZE_AFTER:
            self._analyze()
        self.problem_sheet.write(milestone_ids)
        touched = {milestone_ids[key] for key in self.milestone_updates}
        if first is None:
            touched |= set(new_ids.values())
        for chunk in _chunks(sorted(self.light_projects)):
            touched.update(conn.execute(select(M.c.id).where(M.c.project_id.in_(chunk)))
                           .scalars())
        self._light(sorted(touched - lit.keys()), milestone_ids, first)

    def _first_lights(self, new_ids: dict[tuple[str, str], int]) -> FirstLights | None:
        """The new milestones lit before they are inserted (see :func:`light_unwritten`);
        None for a past ledger (``evaluate_all`` lights everything as of its day) and when
        a rule has no array form. Milestones of a project that is not active stay unlit,
        as :func:`relight` leaves them."""
        if self.stood_on is not None or not new_ids:
            return None
        projects: dict[str, dict[str, Any]] = {r["code"]: r for r in self.project_inserts}
        changed = {r["id"]: r for r in self.project_updates}
        for code in {code for code, _ in new_ids}:
            row = self.projects.get(code)
            if row is not None:
                projects[code] = {**row._mapping, **changed.get(row.id, {})}
        kinds = self.config.site_work_kinds
        new = [Unwritten(new_ids[key], key[0], key[1], v.get("planned_start"),
                         v["planned_date"], v["percent"], v.get("actual_date"),
                         v.get("last_report_date"),
                         bool(projects[key[0]]["outdoor"]) and v["kind"] in kinds,
                         projects[key[0]].get("winter_pause"))
               for key, v in self.milestone_inserts.items()
               if projects[key[0]]["status"] == "active"]
        return light_unwritten(self.conn, self.config, new, self.as_of, actor=self.actor,
                               run_id=self._run())

    def _run(self) -> int | None:
        """The import's evaluation of its day (a run, mode ``import``), recorded once
        something is lit, so that a run for an earlier date is refused instead of
        rewinding the lights it set; a past ledger records its day in evaluate_all."""
        if self.stood_on is None and self.run_id is None:
            self.run_id = self.conn.execute(insert(R).values(
                as_of=self.as_of, mode="import", job="import", status="running",
                started_at=utcnow(), counts={}, moves_by_trigger={}, warnings=[])
            ).inserted_primary_key[0]
        return self.run_id

    def _analyze(self) -> None:
        """Fresh statistics after a bulk insert, before the queries that light the rows.

        PostgreSQL's planner knows nothing yet of the rows this transaction inserted
        (autovacuum sees them only after the commit) and joins milestone to project by
        a nested loop over the whole state index: minutes at 100,000 milestones instead
        of a second. ANALYZE counts the transaction's own rows. In a savepoint, so that
        a user without the right to analyze still imports.
        """
        if self.conn.dialect.name != "postgresql":
            return
        savepoint = self.conn.begin_nested()
        try:
            self.conn.execute(text(f'ANALYZE "{P.name}", "{M.name}"'))
            savepoint.commit()
        except DBAPIError:
            savepoint.rollback()

    def evaluate_all(self) -> None:
        """A past ledger: every open milestone lit as of its day and recorded as that
        day's evaluation (mode ``import``), in the import's transaction."""
        run_id = self.conn.execute(insert(R).values(
            as_of=self.as_of, mode="import", job="import", status="running",
            started_at=utcnow(), counts={}, moves_by_trigger={}, warnings=[])
        ).inserted_primary_key[0]
        ids = list(self.conn.execute(select(M.c.id).select_from(M.join(P)).where(
            M.c.state.in_(OPEN_STATES), P.c.status == "active").order_by(M.c.id)).scalars())
        relit = relight(self.conn, self.config, ids, self.as_of, actor=self.actor,
                        run_id=run_id)
        triggers = Counter(m.trigger for m in relit.moves)
        self.conn.execute(update(R).where(R.c.id == run_id).values(
            status="ok", finished_at=utcnow(), evaluated=len(ids), moves=len(relit.moves),
            counts=count_lights(self.conn), moves_by_trigger=dict(triggers)))
        known = {m.milestone_id for m in self.summary.moves}
        self.summary.moves += [m for m in relit.moves if m.milestone_id not in known]

    def _light(self, ids: list[int], milestone_ids: dict[tuple[str, str], int],
               first: FirstLights | None) -> None:
        """Light the touched milestones now, as the nightly run would (the new ones were
        lit before they were inserted, ``first``), and close the import's run."""
        run_id = self._run() if ids or first is not None else None
        relit = relight(self.conn, self.config, ids, self.as_of, actor=self.actor,
                        run_id=run_id)
        moves = (first.moves if first is not None else []) + relit.moves
        if run_id is not None:
            self.conn.execute(update(R).where(R.c.id == run_id).values(
                status="ok", finished_at=utcnow(),
                evaluated=len(ids) + (len(first.values) if first is not None else 0),
                moves=len(moves), counts=count_lights(self.conn),
                moves_by_trigger=dict(Counter(m.trigger for m in moves))))
        years = sorted(set(relit.estimated_years)
                       | set(first.estimated_years if first is not None else ()))
        if years:
            self.summary.warnings.append(calendar_warning(
                years, self.config.calendar.uncovered_years, self.lang))
        start: dict[int, Move] = {}
        for key, move in self.replans:
            mid = milestone_ids[key]
            start[mid] = Move(mid, key[0], key[1], move["from_state"], move["to_state"],
                              "replan", self.reason)
        net: dict[int, Move] = dict(start)
        for m in moves:
            begun = start.get(m.milestone_id)
            net[m.milestone_id] = Move(m.milestone_id, m.project, m.milestone,
                                       begun.from_state if begun else m.from_state, m.to_state,
                                       m.trigger, m.reason)
        self.summary.moves = [m for m in net.values() if m.from_state != m.to_state]


def _update_grouped(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    """One bulk update per set of changed columns (rows change different fields)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[tuple(sorted(k for k in row if k != "id"))].append(row)
    for keys, group in groups.items():
        update_rows(conn, table, [{"id": row["id"], **{k: row[k] for k in keys}}
                                  for row in group])


class OutOfOrder(Exception):
    """A ledger imported as of a date before the latest evaluation: history is rebuilt
    in date order (January's ledger before February's)."""

    def __init__(self, stood_on: date, latest: date) -> None:
        super().__init__(f"{stood_on} is before the latest evaluation ({latest})")
        self.stood_on, self.latest = stood_on, latest


def import_ledger(engine: Engine, config: Config, ledger: Ledger, *, lang: str,
                  actor: str = "", dry_run: bool = False, today: date | None = None,
                  as_of: date | None = None, stood_on: date | None = None) -> ImportSummary:
    """Check the records against the database and write them, all or nothing.

    Raises :class:`LedgerInvalid` with every problem (the file's and the database's)
    before anything is written. ``dry_run`` does the whole import and rolls it back,
    so what it reports is exactly what an import would do. The touched milestones are
    lit as of ``as_of``: by default today, or the latest run's date if that is later
    (as ``lights progress`` does); ``today`` bounds report and completion dates.

    ``stood_on`` imports a past ledger as it stood on that day (``lights import FILE
    --as-of DATE``): new projects count as entered that day, undated reports are dated
    it (and none may be later), and the whole programme is evaluated as of it and
    recorded as an evaluation of that date, so that the bulletins of the months before
    today have their figures. Ledgers must come in date order (:class:`OutOfOrder`).
    """
    if stood_on is not None:
        today = as_of = stood_on
    today = today or config.today()
    with gc_pause.paused(), writer(engine).connect() as conn:  # the lock: it reads, then writes
        transaction = conn.begin()
        try:
            if stood_on is not None:
                latest = latest_as_of(conn)
                if latest is not None and stood_on < latest:
                    raise OutOfOrder(stood_on, latest)
            loader = Loader(conn, config, ledger, lang, actor, today, as_of, stood_on)
            loader.plan()
            problems = ledger.problems + loader.problems
            if problems:
                raise LedgerInvalid(problems)
            loader.write()
            if stood_on is not None:
                loader.evaluate_all()
        except BaseException:
            transaction.rollback()
            raise
        if dry_run:
            transaction.rollback()
        else:
            transaction.commit()
    loader.summary.dry_run = dry_run
    return loader.summary
