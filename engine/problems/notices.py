"""Problems in the notices: the open problems beside each project's lights, and the
problem steps (蓝色提醒, 橙色督办, 红色督办) waiting for each recipient's digest.

The night writes a ``problem_notice`` row for everyone a step reaches
(:mod:`engine.problems.night`); the digest composer reads them here, shows them worded
for the reader (the unit is told what to do by when; a leader or an office is told who
is late and until when), and links them to the message that carried them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from engine.config import Config
from engine.delays import latest_reasons
from engine.problems.words import level_label, state_label
from engine.store.tables import PB, PBE, PBN, P
from rules.reasons import format_day

WORDS = {
    "line": {"zh": "{code} {title}（{category}，主办：{lead}{assist}；{state}，"
                   "办理时限{deadline}{late}）",
             "en": "{code} {title} ({category}; lead: {lead}{assist}; {state}, due {deadline}"
                   "{late})"},
    "assist": {"zh": "，协办：{units}", "en": "; helping: {units}"},
    "late": {"zh": "，已逾期", "en": ", late"},
    "actor": {"zh": "{step}：问题{code}“{title}”已超过办理时限，请于{deadline}前报送办理情况。",
              "en": "{step}: problem {code} \"{title}\" is past its time limit; report what "
                    "has been done by {deadline}."},
    "overseer": {"zh": "{step}：问题{code}“{title}”已超过办理时限，{lead}应于{deadline}前报送办理"
                       "情况。",
                 "en": "{step}: problem {code} \"{title}\" is past its time limit; {lead} must "
                       "report by {deadline}."},
    "raise": {"zh": "建议提级：问题{code}“{title}”经{step}仍未解决，"
                    "建议由{level}提级至{to}（{way}）。",
              "en": "Proposed for raising: problem {code} \"{title}\" is still open after "
                    "{step}; proposed to go from {level} to {to} ({way})."},
}


@dataclass
class Extras:
    """What a digest shows beside the lights (see :meth:`Composer.extras`)."""

    reasons: dict[int, Any] = field(default_factory=dict)          # milestone id → reason
    problems: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # project id →
    project_of: dict[int, int] = field(default_factory=dict)       # milestone id → project
    problem_notices: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # email →


def problem_line(p: dict[str, Any], lang: str, config: Config) -> str:
    """One open problem in a sentence, with its deadline."""
    late = WORDS["late"][lang] if p["overdue_days"] else ""
    assist = WORDS["assist"][lang].format(units="、".join(p["assist"])) if p["assist"] else ""
    deadline = format_day(date.fromisoformat(p["deadline"]), lang) if p["deadline"] else "—"
    return WORDS["line"][lang].format(code=p["code"], title=p["title"], category=p["category"],
                                      lead=p["lead"], assist=assist,
                                      state=state_label(p["state"], lang), deadline=deadline,
                                      late=late)


def pending_problem_notices(conn: Connection, config: Config) -> dict[str, list[dict[str, Any]]]:
    """The problem notices not yet in a message, by recipient."""
    rows = conn.execute(
        select(PBN, PB.c.code, PB.c.title, PB.c.lead, PB.c.assist, PB.c.level,
               PB.c.category, PB.c.milestone_id, P.c.code.label("project"),
               P.c.name.label("project_name"))
        .select_from(PBN.join(PB, PB.c.id == PBN.c.problem_id)
                     .join(P, P.c.id == PB.c.project_id))
        .where(PBN.c.message_id.is_(None)).order_by(PBN.c.id)).all()
    said = units_said(conn, {r.problem_id: r.milestone_id for r in rows})
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        out[r.recipient].append({
            "id": r.id, "problem": r.code, "title": r.title, "lead": r.lead,
            "assist": list(r.assist or []), "level": r.level, "category": r.category,
            "project": r.project, "project_name": r.project_name, "label": r.label,
            "step": r.step, "deadline": r.deadline, "as_of": r.as_of,
            "roles": [x for x in (r.roles or "").split(",") if x],
            "name": r.recipient_name, "lang": r.lang, "said": said.get(r.problem_id)})
    return dict(out)


ANSWERS = ("reply", "assist_reply", "request_extension")


def units_said(conn: Connection, milestones: dict[int, int | None]) -> dict[int, dict[str, Any]]:
    """What each problem's units last said: their latest answer on the problem (a reply,
    a helping unit's answer, an extension's reason), else the latest reason given on
    the milestone it blocks. {problem id: {text, as_of, by}}."""
    out: dict[int, dict[str, Any]] = {}
    ids = sorted(milestones)
    for i in range(0, len(ids), 500):
        for e in conn.execute(select(PBE).where(PBE.c.problem_id.in_(ids[i:i + 500]),
                                                 PBE.c.trigger.in_(ANSWERS))
                              .order_by(PBE.c.id)):
            out[e.problem_id] = {"text": e.text, "as_of": e.as_of, "by": e.unit or e.actor}
    reasons = latest_reasons(conn, [m for m in milestones.values() if m is not None])
    for pid, mid in milestones.items():
        reason = reasons.get(mid) if mid is not None else None
        if reason is not None and (pid not in out or reason.as_of > out[pid]["as_of"]):
            out[pid] = {"text": reason.text, "as_of": reason.as_of, "by": reason.author}
    return out


def problem_step_line(n: dict[str, Any], lang: str, reader: str,
                      config: Config) -> dict[str, Any]:
    """A problem step as its reader sees it: the unit is told what to do by when."""
    from engine.problems.words import LEVEL_WAYS
    from rules.problems import next_level

    ladder = config.problems.ladder
    step = ladder[n["step"]] if n["step"] is not None and n["step"] < len(ladder) else None
    step_name = (step.zh if lang == "zh" else step.en) if step else ""
    deadline = format_day(n["deadline"], lang) if n["deadline"] else ""
    if n["label"] == "raise":
        up = next_level(n["level"]) or n["level"]
        text = WORDS["raise"][lang].format(code=n["problem"], title=n["title"], step=step_name,
                                           level=level_label(n["level"], lang),
                                           to=level_label(up, lang),
                                           way=LEVEL_WAYS[up][lang])
    else:
        text = WORDS[reader if reader in ("actor", "overseer") else "overseer"][lang].format(
            step=step_name, code=n["problem"], title=n["title"], lead=n["lead"],
            deadline=deadline)
    said = n.get("said")
    return {"id": n["id"], "code": n["problem"], "project": n["project"],
            "said": {"text": said["text"], "date": format_day(said["as_of"], lang),
                     "by": said["by"]} if said else None,
            "project_name": n["project_name"], "colour": step.colour if step else "red",
            "step": step_name, "text": text, "deadline": deadline,
            "deadline_iso": n["deadline"].isoformat() if n["deadline"] else None}


def link_problem_notices(conn: Connection, pairs: list[tuple[int, int]]) -> None:
    """Mark problem notices as carried by a message: [(notice id, outbox id)]."""
    if pairs:
        conn.execute(update(PBN).where(PBN.c.id == bindparam("b_notice"))
                     .values(message_id=bindparam("b_msg")),
                     [{"b_notice": n, "b_msg": m} for n, m in pairs])
