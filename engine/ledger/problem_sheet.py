"""The ledger's problem list (the 问题 sheet) and its delay reasons (存在问题及原因).

Planned with the rest of the import, against the database and the ledger's own new
projects and milestones, so that every problem is reported before anything is
written (all or nothing); written through :mod:`engine.problems.actions`, in the
import's transaction, so that a row moves a problem exactly as ``lights problem``
would and leaves the same events.

A row with a 问题编号 not known yet (or none: one is given) raises a problem, assigned
on its 提出日期 (or the import's day) unless its 状态 says 待交办; its 办理时限, when
given, is the time limit instead of the counted one. A row for a known problem changes
what differs: its words (title, category, units, milestone: an ``edit`` event), its
time limit, its 办理情况 (a reply when the state becomes 已办复, else a note), and its
state, by the move the machine allows (办理中 → 已办复 → 已销号, back to 办理中, 已撤销).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import insert, select, update

from engine.delays import latest_reasons, record_reason
from engine.ledger.problems import Where
from engine.problems import actions as act
from engine.problems.machine import RefusedMove, fire
from engine.problems.words import STATE_LABELS, code_of, level_label, state_label
from engine.store.lookups import BadInput
from engine.store.tables import PB, PBE, P, utcnow

UNIT_SEPARATORS = ("、", "，", ",", "；", ";", "/", "\n")

# state reached → the move from each state that reaches it (the ledger names states)
_MOVES: dict[str, dict[str, str]] = {
    "in_progress": {"pending": "assign", "replied": "reopen", "closed": "reopen"},
    "replied": {"in_progress": "reply", "extension_requested": "reply"},
    "closed": {"in_progress": "close", "extension_requested": "close", "replied": "close"},
    "withdrawn": {s: "withdraw" for s in ("pending", "in_progress", "extension_requested",
                                          "replied")},
}


def units(text: str | None) -> list[str]:
    """市发改委、市住建局 (or commas, semicolons, slashes, lines) → the units."""
    if not text:
        return []
    for sep in UNIT_SEPARATORS[1:]:
        text = text.replace(sep, UNIT_SEPARATORS[0])
    return [u.strip() for u in text.split(UNIT_SEPARATORS[0]) if u.strip()]


@dataclass
class Planned:
    """What one row will do, decided before anything is written."""

    row: Any                       # the ProblemIn
    existing: Any = None           # the problem row, when its code is known
    values: dict[str, Any] = field(default_factory=dict)
    state: str | None = None       # the state the row asks for


class ProblemSheet:
    """Plans and writes the rows of the 问题 sheet and the 存在问题及原因 cells."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader
        self.config = loader.config
        self.planned: list[Planned] = []
        self.reasons: list[Any] = []  # the 存在问题及原因 that are new

    # -- planning ----------------------------------------------------------------------
    def plan(self) -> None:
        ledger = self.loader.ledger
        known = {key: row.id for key, row in self.loader.milestones.items()}
        latest = latest_reasons(self.loader.conn, [known[(r.code, r.name)] for r in ledger.reasons
                                                   if (r.code, r.name) in known])
        for rec in ledger.reasons:
            key = (rec.code, rec.name)
            if key not in known and key not in ledger.milestones:
                self.loader.problem(rec.where("delay_reason", self.loader.lang),
                                    "unknown_milestone", rec.name, code=rec.code)
            said = latest.get(known[key]) if key in known else None
            if said is None or said.text != rec.get("delay_reason"):
                self.reasons.append(rec)  # what the milestone does not say already
        codes = [r.get("problem_code") for r in ledger.problem_rows if r.get("problem_code")]
        existing = {row.code: row for row in self.loader.conn.execute(
            select(PB).where(PB.c.code.in_(codes)))} if codes else {}
        # A row without a code is the problem of that project with that title, if there
        # is one (the same file imported twice raises nothing twice).
        titled = {(r.project, r.title): r for r in self.loader.conn.execute(
            select(PB, P.c.code.label("project")).join(P, P.c.id == PB.c.project_id)
            .where(P.c.code.in_({r.code for r in ledger.problem_rows})))}
        seen: dict[str, Where] = {}
        for rec in ledger.problem_rows:
            code = rec.get("problem_code")
            if code:
                if code in seen:
                    self.loader.problem(rec.values["problem_code"].where, "duplicate_problem",
                                        code, where=seen[code])
                    continue
                seen[code] = rec.row
            known = existing.get(code) if code else titled.get((rec.code,
                                                                rec.get("problem_title")))
            self.planned.append(self._plan_row(rec, known))
        self.loader.summary.changes.extend(self._changes())

    def _bad(self, rec: Any, key: str, exc: BadInput) -> None:
        self.loader.problem(rec.where(key, self.loader.lang), "problem_refused",
                            rec.values[key].raw if key in rec.values else None,
                            msg=dict(exc.words))

    def _plan_row(self, rec: Any, existing: Any) -> Planned:
        plan = Planned(rec, existing)
        config = self.config
        known = self.loader.projects.get(rec.code) or rec.code in self.loader.ledger.projects
        if not known:
            self.loader.problem(rec.where("code", self.loader.lang), "unknown_project", rec.code)
        name = rec.get("milestone")
        if name and (rec.code, name) not in self.loader.milestones and \
                (rec.code, name) not in self.loader.ledger.milestones:
            self.loader.problem(rec.where("milestone", self.loader.lang), "unknown_milestone",
                                name, code=rec.code)
        checks = (("problem_category", act.category_name), ("problem_level", act.level_code))
        for key, check in checks:
            if rec.get(key) is not None:
                try:
                    plan.values[key] = check(config, rec.get(key))
                except BadInput as exc:
                    self._bad(rec, key, exc)
        if existing is None:
            for key in ("problem_category", "problem_level", "lead"):
                if rec.get(key) is None and key not in rec.failed:
                    self.loader.problem(rec.where(key, self.loader.lang), "required")
        state_text = rec.get("problem_state")
        if state_text is not None:
            plan.state = code_of(STATE_LABELS, state_text)
            if plan.state is None:
                self.loader.problem(rec.where("problem_state", self.loader.lang), "choice",
                                    state_text, options={
                                        lang: "、".join(v[lang] for v in STATE_LABELS.values())
                                        for lang in ("zh", "en")})
            elif plan.state == "extension_requested" and (
                    existing is None or existing.state != "extension_requested"):
                self.loader.problem(rec.where("problem_state", self.loader.lang),
                                    "problem_extension", state_text)
            elif existing is not None and plan.state != existing.state:
                move = _MOVES.get(plan.state, {}).get(existing.state)
                try:
                    fire(existing.state, move or "none")
                except RefusedMove:
                    self.loader.problem(
                        rec.where("problem_state", self.loader.lang), "problem_move",
                        state_text, was={lang: state_label(existing.state, lang)
                                         for lang in ("zh", "en")})
        assist = units(rec.get("assist"))
        lead = rec.get("lead")
        if lead and lead in assist:
            self.loader.problem(rec.where("assist", self.loader.lang), "problem_refused",
                                rec.get("assist"), msg=dict(act.bad(
                                    "bad.assist_is_lead", unit=lead).words))
        if len(rec.get("problem_title") or "") > 200:
            self.loader.problem(rec.where("problem_title", self.loader.lang), "too_long",
                                rec.get("problem_title"), max=200)
        return plan

    def _changes(self) -> list[tuple[str, dict[str, Any]]]:
        new = sum(1 for p in self.planned if p.existing is None)
        known = sum(1 for p in self.planned if p.existing is not None and self._differs(p))
        out = []
        if new or known:
            out.append(("change.problems", {"new": new, "known": known}))
        if self.reasons:
            out.append(("change.reasons", {"n": len(self.reasons)}))
        return out

    # -- writing -------------------------------------------------------------------------
    def write(self, milestone_ids: dict[tuple[str, str], int]) -> None:
        conn, day = self.loader.conn, self.loader.as_of
        for rec in self.reasons:
            when = rec.get("report_date") or day
            record_reason(conn, milestone_ids[(rec.code, rec.name)], rec.get("delay_reason"),
                          when, author=self.loader.actor, source="ledger")
        for plan in self.planned:
            try:
                if plan.existing is None:
                    self._add(plan)
                else:
                    self._change(plan)
            except BadInput as exc:  # planned as allowed: a refusal here undoes the import
                raise BadInput(f"{plan.row.row.text('en')}: {exc.words['en']}",
                               f"{plan.row.row.text('zh')}：{exc.words['zh']}") from None

    def _add(self, plan: Planned) -> None:
        rec, conn, config = plan.row, self.loader.conn, self.config
        by = self.loader.actor or "台账导入"
        raised = rec.get("raised_on") or self.loader.as_of
        move = act.add(conn, config, rec.code, title=rec.get("problem_title"),
                       category=plan.values["problem_category"],
                       level=plan.values["problem_level"], lead=rec.get("lead"),
                       assist=units(rec.get("assist")), milestone=rec.get("milestone"),
                       by=by, as_of=raised, code=rec.get("problem_code"),
                       assign=plan.state != "pending", source="ledger")
        due = rec.get("problem_due")
        if due is not None and plan.state != "pending":
            self._set_due(move.code, due, by)
        self._move_to(move.code, plan.state, rec.get("handling"), by)

    def _edits(self, plan: Planned) -> dict[str, Any]:
        rec, row = plan.row, plan.existing
        edits: dict[str, Any] = {}
        wanted = {"title": rec.get("problem_title"),
                  "category": plan.values.get("problem_category"),
                  "level": plan.values.get("problem_level"), "lead": rec.get("lead")}
        for column, value in wanted.items():
            if value is not None and value != getattr(row, column):
                edits[column] = value
        if rec.get("assist") is not None and units(rec.get("assist")) != list(row.assist or []):
            edits["assist"] = units(rec.get("assist"))
        return edits

    def _differs(self, plan: Planned) -> bool:
        """Whether a known problem's row changes anything."""
        rec, row = plan.row, plan.existing
        due = rec.get("problem_due")
        handling = rec.get("handling")
        return bool(self._edits(plan)) or (
            due is not None and due != row.due_date and row.state != "pending") or (
            plan.state is not None and plan.state != row.state) or (
            bool(handling) and handling != _latest_text(self.loader.conn, row.id))

    def _change(self, plan: Planned) -> None:
        rec, row, conn = plan.row, plan.existing, self.loader.conn
        by = self.loader.actor or "台账导入"
        edits = self._edits(plan)
        if edits:
            conn.execute(update(PB).where(PB.c.id == row.id).values(updated_at=utcnow(),
                                                                      **edits))
            conn.execute(insert(PBE).values(
                problem_id=row.id, trigger="edit", from_state=row.state, to_state=row.state,
                as_of=self.loader.as_of, actor=by, text="台账导入",
                numbers={k: v for k, v in edits.items()}, created_at=utcnow()))
        due = rec.get("problem_due")
        if due is not None and due != row.due_date and row.state != "pending":
            self._set_due(row.code, due, by)
        handling = rec.get("handling")
        if plan.state is not None and plan.state != row.state:
            self._move_to(row.code, plan.state, handling, by)
        elif handling and handling != _latest_text(conn, row.id):
            conn.execute(insert(PBE).values(
                problem_id=row.id, trigger="edit", from_state=row.state, to_state=row.state,
                as_of=self.loader.as_of, actor=by, unit=row.lead, text=handling,
                numbers={"handling": True}, created_at=utcnow()))

    def _set_due(self, code: str, due: date, by: str) -> None:
        """The 办理时限 the ledger gives replaces the counted one (an ``edit`` event)."""
        conn = self.loader.conn
        row = act.resolve(conn, self.config, code)
        conn.execute(update(PB).where(PB.c.id == row.id).values(
            due_date=due, deadline=due if row.step is None else row.deadline,
            updated_at=utcnow()))
        conn.execute(insert(PBE).values(
            problem_id=row.id, trigger="edit", from_state=row.state, to_state=row.state,
            as_of=self.loader.as_of, actor=by, text="台账导入：办理时限",
            numbers={"due": due.isoformat(), "was": row.due_date.isoformat()
                     if row.due_date else None}, created_at=utcnow()))

    def _move_to(self, code: str, state: str | None, handling: str | None, by: str) -> None:
        conn, config, day = self.loader.conn, self.config, self.loader.as_of
        row = act.resolve(conn, config, code)
        if state is None or state == row.state:
            return
        move = _MOVES[state][row.state]
        text = handling or "台账导入"
        if move == "assign":
            act.assign(conn, config, code, by=by, as_of=day)
        elif move == "reply":
            act.reply(conn, config, code, text=text, by=by, as_of=day)
        elif move == "close":
            if row.state != "replied" and handling:
                act.reply(conn, config, code, text=handling, by=by, as_of=day)
            act.close(conn, config, code, result="solved", by=by, as_of=day)
        elif move == "reopen":
            act.reopen(conn, config, code, reason=text, by=by, as_of=day)
        elif move == "withdraw":
            act.withdraw(conn, config, code, reason=text, by=by, as_of=day)


def problem_rows(conn: Any, config: Any, codes: set[str], as_of: date,
                 lang: str) -> list[dict[str, Any]]:
    """The 问题 sheet of an export: the problems of these projects, in the import's
    columns (so that the file imports back as it is), states and levels in words."""
    from engine.problems.queries import list_problems

    rows = [r for r in list_problems(conn, config, as_of) if r["project"] in codes]
    said = _handling(conn, [r["code"] for r in rows])
    return [{"problem_code": r["code"], "code": r["project"], "milestone": r["milestone"],
             "problem_title": r["title"], "problem_category": r["category"],
             "problem_level": level_label(r["level"], lang), "lead": r["lead"],
             "assist": "、".join(r["assist"]) or None,
             "raised_on": date.fromisoformat(r["raised_on"]),
             "problem_due": date.fromisoformat(r["due_date"]) if r["due_date"] else None,
             "handling": said.get(r["code"]) or None,
             "problem_state": state_label(r["state"], lang)}
            for r in sorted(rows, key=lambda r: r["code"])]


HANDLING = ("reply", "assist_reply", "withdraw", "reopen", "close", "edit")


def _handling(conn: Any, codes: list[str]) -> dict[str, str]:
    """Each problem's 办理情况: the latest words on it (a reply, a helping unit's answer,
    why it was sent back, withdrawn or closed so, a ledger's note)."""
    out: dict[str, str] = {}
    for i in range(0, len(codes), 500):
        for code, text, trigger, numbers in conn.execute(
                select(PB.c.code, PBE.c.text, PBE.c.trigger, PBE.c.numbers)
                .select_from(PBE.join(PB, PB.c.id == PBE.c.problem_id))
                .where(PB.c.code.in_(codes[i:i + 500]),
                       PBE.c.trigger.in_(HANDLING))
                .order_by(PBE.c.id)):
            if (trigger != "edit" or (numbers or {}).get("handling")) and text:
                out[code] = text
    return out


def _latest_text(conn: Any, problem_id: int) -> str:
    code = conn.execute(select(PB.c.code).where(PB.c.id == problem_id)).scalar_one()
    return _handling(conn, [code]).get(code, "")

