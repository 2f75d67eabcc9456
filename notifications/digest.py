"""Compose digests: one e-mail per recipient from every pending notice, worst first.

Pending notices (written by the planner, not yet in a message) are read in bulk,
grouped by recipient and by project, rendered, and written as outbox rows in one
transaction together with the link from each notice to its message: a crash leaves
either the notices pending or the message composed, never both or neither.

:mod:`notifications.parts` reads and renders them outside the write lock, in parts
on a large night, and writes each part in one short transaction.

A run that would notify about more than ``storm_threshold`` of all milestones (and
more than ``storm_min_milestones``) is a storm: the digests are composed but held,
and the administrators get a summary instead, until ``lights send --confirm``.
Deliveries that failed for good are listed in the administrators' next digest.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import Connection, Text, cast, func, select, update

from engine.config import Config
from engine.delays import DelayReason, latest_reasons
from engine.i18n import light_label
from engine.links import Linker
from engine.problems.notices import (
    Extras,
    link_problem_notices,
    pending_problem_notices,
    problem_line,
    problem_step_line,
)
from engine.problems.queries import open_problems
from engine.queries import reason_text
from engine.store.bulk import update_rows
from engine.store.tables import (
    ACK,
    NOTICE,
    OUTBOX,
    PBN,
    M,
    P,
    T,
)
from notifications.channels import is_channel
from notifications.outbox import Outgoing, enqueue
from notifications.plan import Planner, load_directory, mail_domain
from notifications.render import Renderer
from notifications.routing import Person
from notifications.summary import channel_parts
from notifications.wording import Reader, climb_reason, reader_of, salutation, subject_tag
from rules.lights import SEVERITY, Light
from rules.problems import unexplained_days, working_day_after
from rules.reasons import format_day

LABELS = {
    "new": {"zh": "新增", "en": "NEW"},
    "worse": {"zh": "升级", "en": "WORSE"},
    # no count of days: the light's reason counts them, in one kind of day only
    "still_red": {"zh": "持续红灯", "en": "STILL RED"},
    "resolved": {"zh": "已解除", "en": "RESOLVED"},
}
LABEL_ORDER = {"worse": 0, "new": 1, "still_red": 2, "resolved": 3}
HISTORY_MOVES = 6
# A date, not a count of days: the light's reason counts days in its own kind of day.
UNEXPLAINED = {"zh": "逾期未说明原因：自{since}亮红灯以来，责任单位尚未说明原因和整改措施",
               "en": "No reason given: red since {since}, and the unit has not said why or "
                     "what it is doing"}


@dataclass
class Draft:
    """Digests rendered from a snapshot, not yet written (Composer.draft, then .write)."""

    result: ComposeResult
    messages: list[Outgoing] = field(default_factory=list)
    links: dict[str, list[int]] = field(default_factory=dict)  # message key → notice ids
    problem_links: dict[str, list[int]] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)
    admins: list[Person] = field(default_factory=list)
    as_of: date | None = None
    notices: int = 0


class Arranged(NamedTuple):
    """A digest's milestones, worst first (:meth:`Composer.arrange`)."""

    items: list[dict[str, Any]]  # every milestone: what orders and counts it
    listed: list[dict[str, Any]]  # the projects listed, their rows cut to the limit
    more: dict[str, int]  # what is left out


@dataclass
class Part:
    """A slice of a large night's recipients, composed and written on its own so that
    memory stays bounded (:func:`compose_pending`): the storm decided once for all."""

    recipients: list[str]
    storm: bool
    milestones: int
    last: bool = False
    storm_rows: list[Any] = field(default_factory=list)
    held_recipients: int = 0


@dataclass
class ComposeResult:
    messages: int = 0
    held: int = 0
    notices: int = 0
    storm: bool = False
    milestones: int = 0
    storm_messages: int = 0
    failures_reported: int = 0
    warnings: list[str] = field(default_factory=list)


def answering_unit(pn: dict[str, Any]) -> str:
    """The unit a problem notice's recipient answers for: the lead unit when told as the
    lead, the helping unit when told as the only one; else none (the page asks)."""
    if "lead" in pn["roles"]:
        return pn["lead"]
    if "assist" in pn["roles"] and len(pn["assist"]) == 1:
        return pn["assist"][0]
    return ""


def _item_key(item: dict[str, Any]) -> tuple[int, int, int, str]:
    return (-SEVERITY[Light(item["light"])] if item["label"] != "resolved" else 0,
            LABEL_ORDER[item["label"]], -item["days"], item["due"])


def _worst(projects: list[dict[str, Any]], limit: int
           ) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The projects (worst first) cut to their first ``limit`` items, and what was left
    out: ``{"milestones": n, "projects": n}`` (projects left out whole)."""
    listed: list[dict[str, Any]] = []
    room = limit
    for p in projects:
        if room <= 0:
            break
        listed.append(p if len(p["rows"]) <= room else {**p, "rows": p["rows"][:room]})
        room -= len(listed[-1]["rows"])
    left = sum(len(p["rows"]) for p in projects) - sum(len(p["rows"]) for p in listed)
    return listed, {"milestones": left, "projects": len(projects) - len(listed)}


class Composer:
    """Builds digest contexts and outbox rows for one configuration."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.ladder = config.notices.ladder
        self.renderer = Renderer(config.notices.templates_dir)
        # Links to the board (web.base_url and LIGHTS_WEB_SECRET), else none.
        self.linker = Linker(config.web.base_url)
        self.domain = mail_domain(config)
        self._planners: dict[date, Planner] = {}
        # One milestone's item as one kind of reader sees it, shared by the digests of
        # one draft that show it (a red node is in three or four people's digests).
        self._items: dict[tuple[Any, ...], dict[str, Any]] = {}
        # A light's reason in words, by its findings' stored JSON text (many milestones
        # share theirs: decoded and worded once a draft, not once a notice).
        self._reasons: dict[tuple[str | None, str, str], str] = {}

    def _planner(self, as_of: date) -> Planner:
        """For the working-day count, the same as the ladder's (one calendar per date)."""
        planner = self._planners.get(as_of)
        if planner is None:
            planner = self._planners[as_of] = Planner(self.config, as_of)
        return planner

    # -- reading ---------------------------------------------------------------------
    def pending(self, conn: Connection, recipient: str | None = None,
                milestone_id: int | None = None,
                recipients: Sequence[str] | None = None) -> list[Any]:
        query = (select(NOTICE, M.c.name.label("milestone"), M.c.kind, M.c.state,
                        M.c.reason, cast(M.c.light_facts, Text).label("light_facts"),
                        M.c.planned_date, M.c.percent,
                        P.c.code, P.c.name.label("project_name"), P.c.region, P.c.department,
                        P.c.leader)
                 .select_from(NOTICE.join(M, M.c.id == NOTICE.c.milestone_id).join(P))
                 .where(NOTICE.c.message_id.is_(None)).order_by(NOTICE.c.id))
        if recipient is not None:
            query = query.where(NOTICE.c.recipient == recipient)
        if recipients is not None:
            query = query.where(NOTICE.c.recipient.in_(list(recipients)))
        if milestone_id is not None:
            query = query.where(NOTICE.c.milestone_id == milestone_id)
        return list(conn.execute(query).all())

    def histories(self, conn: Connection, ids: Sequence[int]) -> dict[int, list[Any]]:
        out: dict[int, list[Any]] = defaultdict(list)
        for i in range(0, len(ids), 5000):
            part = ids[i:i + 5000]
            for row in conn.execute(select(T.c.milestone_id, T.c.to_state, T.c.as_of)
                                    .where(T.c.milestone_id.in_(part)).order_by(T.c.id)):
                out[row.milestone_id].append(row)
        return out

    def acks(self, conn: Connection, ids: Sequence[int]) -> dict[int, Any]:
        out: dict[int, Any] = {}
        for i in range(0, len(ids), 5000):
            part = ids[i:i + 5000]
            for row in conn.execute(select(ACK).where(ACK.c.milestone_id.in_(part))
                                    .order_by(ACK.c.id)):
                out[row.milestone_id] = row  # the latest wins
        return out

    # -- contexts --------------------------------------------------------------------
    def _reason(self, facts_json: str | None, stored: str, lang: str) -> str:
        key = (facts_json, stored, lang)
        said = self._reasons.get(key)
        if said is None:
            facts = json.loads(facts_json) if facts_json else None
            said = self._reasons[key] = reason_text(facts, stored, lang) or "—"
        return said

    def history_line(self, moves: list[Any], lang: str) -> str:
        if not moves:
            return "—"
        arrow = " → "
        shown = moves[-HISTORY_MOVES:]
        text = arrow.join(f"{light_label(m.to_state, lang)} {format_day(m.as_of, lang)}"
                          for m in shown)
        return ("… → " if len(moves) > len(shown) else "") + text

    def item(self, n: Any, lang: str, as_of: date, history: list[Any], ack: Any,
             reader: Reader = "actor", reason: DelayReason | None = None) -> dict[str, Any]:
        """One milestone as a reader sees it: working days only, a dated requirement
        worded for the reader, the unit's latest words (or that it has given none)."""
        step = self.ladder[min(n.step, len(self.ladder) - 1)]
        planner = self._planner(as_of)
        light, held, deadline = self._standing(n, as_of)
        resolved = n.label == "resolved"
        ctx = {"milestone": n.milestone, "project": n.project_name, "code": n.code,
               "days": held, "reader": reader, "department": n.department,
               "deadline": format_day(deadline, lang),
               "calendar_days": (as_of - n.since).days if n.since else 0}  # old overrides
        item = {
            "id": n.milestone_id, "milestone": n.milestone, "label": n.label,
            "label_text": LABELS[n.label][lang],
            "light": light, "light_text": light_label(light, lang),
            "kind": "" if self.config.kind_label(n.kind, lang) == n.milestone
            else self.config.kind_label(n.kind, lang),
            "reason": self._reason(n.light_facts, n.reason, lang),
            "history": self.history_line(history, lang),
            "step": "" if resolved else (step.zh if lang == "zh" else step.en),
            "step_text": "" if resolved else self.renderer.step_text(step.template, lang, ctx),
            "climbed": "" if resolved else climb_reason(n.climbed_by, n.streak,
                                                        light_label(n.light, lang), lang),
            "deadline": "" if resolved else format_day(deadline, lang),
            "deadline_iso": None if resolved else deadline.isoformat(),
            "days": held, "planned_date": format_day(n.planned_date, lang),
            "due": n.planned_date.isoformat(),
            "percent": f"{n.percent:g}%",
            "command": f"lights history {n.milestone_id}",
            "link": None,  # set per recipient in digest_context
            "ack": None,
            "unit_reason": None,
            "unexplained": "",
        }
        if reason is not None:
            item["unit_reason"] = {"text": reason.text, "date": format_day(reason.as_of, lang),
                                   "by": reason.author}
        if not resolved:
            late = unexplained_days(planner.calendar, light=n.light, since=n.since,
                                    reason_on=reason.as_of if reason else None, as_of=as_of,
                                    days=self.config.problems.reason_days)
            if late is not None:
                item["unexplained"] = UNEXPLAINED[lang].format(since=format_day(n.since, lang))
        if ack is not None and not resolved:
            item["ack"] = {"author": ack.author, "reason": ack.reason,
                           "date": format_day(ack.as_of, lang),
                           "until": format_day(ack.hold_until, lang)}
        return item

    def _standing(self, n: Any, as_of: date) -> tuple[str, int, date]:
        """A notice's light as shown (a resolved one's is where it went), the working
        days it has held it, and the day its step's reply is due."""
        planner = self._planner(as_of)
        step = self.ladder[min(n.step, len(self.ladder) - 1)]
        return (n.state if n.label == "resolved" else n.light, planner.held_days(n.since),
                working_day_after(planner.calendar, n.as_of, step.reply_days))

    def _shown(self, n: Any, person: Person, lang: str, reader: Reader, as_of: date,
               histories: dict[int, list[Any]], acks: dict[int, Any], extras: Extras
               ) -> dict[str, Any]:
        """A listed milestone's item, with the reader's own link; built once per draft
        for everyone who reads it the same way."""
        key = (n.milestone_id, n.step, n.label, n.light, n.since, n.as_of, n.climbed_by,
               n.streak, lang, reader)  # all of the notice item() reads
        shown = self._items.get(key)
        if shown is None:
            shown = self._items[key] = self.item(
                n, lang, as_of, histories.get(n.milestone_id, []), acks.get(n.milestone_id),
                reader, extras.reasons.get(n.milestone_id))
        return {**shown, "link": self.linker.url("milestone", n.milestone_id, person.email,
                                                 person.name)}

    def extras(self, conn: Connection, ids: Sequence[int], as_of: date,
               problem_notices: dict[str, list[dict[str, Any]]] | None = None) -> Extras:
        """What every item of milestones ``ids`` (sorted) shows beside its light: the
        units' latest words, the open problems of the projects, the problem steps
        waiting for each recipient."""
        projects: dict[int, int] = {}
        for i in range(0, len(ids), 5000):
            projects.update(conn.execute(select(M.c.id, M.c.project_id)
                                         .where(M.c.id.in_(ids[i:i + 5000]))).all())
        return Extras(latest_reasons(conn, ids),
                      open_problems(conn, self.config, set(projects.values()), as_of),
                      projects, problem_notices or {})

    def arrange(self, notices: list[Any], as_of: date) -> Arranged:
        """A digest's milestones as what orders and counts them (light, label, days
        held, due and reply dates), worst first, and the ones it lists (the worst
        ``digest_max_items``): only those are read and worded whole (a unit's digest
        counts thousands)."""
        projects: dict[str, dict[str, Any]] = {}
        seen: set[int] = set()
        for n in reversed(notices):
            if n.milestone_id in seen:  # two notices about one milestone: keep the latest
                continue
            seen.add(n.milestone_id)
            p = projects.setdefault(n.code, {"code": n.code, "name": n.project_name,
                                             "region": n.region, "department": n.department,
                                             "leader": n.leader, "rows": [], "problems": []})
            light, held, deadline = self._standing(n, as_of)
            p["rows"].append({"light": light, "label": n.label, "days": held,
                              "due": n.planned_date.isoformat(), "notice": n,
                              "deadline_iso": None if n.label == "resolved"
                              else deadline.isoformat()})
        for p in projects.values():
            p["rows"].sort(key=_item_key)
            open_lights = [Light(i["light"]) for i in p["rows"] if i["label"] != "resolved"]
            p["light"] = max(open_lights, key=SEVERITY.__getitem__).value if open_lights \
                else "green"
        ordered = sorted(projects.values(), key=lambda p: (
            -SEVERITY[Light(p["light"])],
            -sum(i["light"] == "red" and i["label"] != "resolved" for i in p["rows"]),
            -len(p["rows"]), _item_key(p["rows"][0]), p["code"]))  # rows sorted: [0] worst
        items = [i for p in ordered for i in p["rows"]]
        listed, more = _worst(ordered, self.config.notices.digest_max_items)
        return Arranged(items, listed, more)

    def digest_context(self, person: Person, notices: list[Any], as_of: date,
                       histories: dict[int, list[Any]], acks: dict[int, Any],
                       failures: list[dict[str, Any]], extras: Extras | None = None,
                       arranged: Arranged | None = None) -> dict[str, Any]:
        """The digest's template context; ``histories``, ``acks`` and ``extras`` need
        hold only the milestones ``arranged`` lists."""
        lang = person.lang
        extras = extras or Extras()
        roles = {r for n in notices for r in (n.roles or "").split(",") if r}
        problem_rows = extras.problem_notices.get(person.email, [])
        roles |= {r for pn in problem_rows for r in pn["roles"]}
        reader = reader_of(roles)
        items, listed, more = arranged or self.arrange(notices, as_of)
        for p in listed:
            p["rows"] = [self._shown(i["notice"], person, lang, reader, as_of, histories,
                                     acks, extras) for i in p["rows"]]
            pid = extras.project_of.get(p["rows"][0]["id"])
            p["problems"] = [problem_line(x, lang, self.config)
                             for x in extras.problems.get(pid, [])] if pid else []
        counts = Counter("resolved" if i["label"] == "resolved" else i["light"] for i in items)
        top = max((n.step for n in notices if n.label != "resolved"), default=None)
        problem_items = [problem_step_line(pn, lang, reader, self.config) for pn in problem_rows]
        for x, pn in zip(problem_items, problem_rows, strict=True):
            x["link"] = self.linker.url("problem", pn["problem"], person.email, person.name,
                                        answering_unit(pn))
        if top is not None:
            step = self.ladder[min(top, len(self.ladder) - 1)]
            top_step = subject_tag(step.zh, step.en, step.light, reader, lang)
        elif problem_items:
            top_step = subject_tag("问题督办", "Problem supervision", "red", reader, lang)
        else:
            top_step = {"zh": "解除", "en": "Resolved"}[lang] if items else \
                {"zh": "投递失败", "en": "Delivery failures"}[lang]
        dated = sorted(d for d in [*(i["deadline_iso"] for i in items),
                                   *(x["deadline_iso"] for x in problem_items)] if d)
        admin = "admin" in roles
        return {"lang": lang, "as_of": format_day(as_of, lang),
                "recipient": {"name": person.name, "email": person.email},
                "salutation": salutation(person.name, roles, lang), "reader": reader,
                "admin": admin, "deadline": format_day(date.fromisoformat(dated[0]), lang)
                if dated else "",
                "reply": {"address": self.config.notices.reply_address},
                "counts": {"total": len(items), "red": counts["red"],
                           "yellow": counts["yellow"], "resolved": counts["resolved"],
                           "problems": len(problem_items)},
                "top_step": top_step, "projects": listed, "more": more,
                "board": self.config.web.base_url, "problem_items": problem_items,
                "failures": failures}

    # -- composing --------------------------------------------------------------------
    def compose(self, conn: Connection, as_of: date | None = None, *,
                preview: bool = False, recipient: str | None = None,
                milestone_id: int | None = None) -> ComposeResult:
        """Turn every pending notice into digests (one per recipient); see the module doc.

        ``preview``: only the notices for ``recipient`` / ``milestone_id``, no storm
        check and no failure report (the caller rolls back).
        """
        return self.write(conn, self.draft(conn, as_of, preview=preview, recipient=recipient,
                                           milestone_id=milestone_id))

    def draft(self, conn: Connection, as_of: date | None = None, *, preview: bool = False,
              recipient: str | None = None, milestone_id: int | None = None,
              part: Part | None = None) -> Draft:
        """Read the pending notices and render their digests; writes nothing.

        ``part``: only its recipients' notices (see :func:`compose_pending`); the
        failures, problem steps and storm summary only with its ``last``.
        """
        result = ComposeResult()
        self._items.clear()
        self._reasons.clear()
        if preview:
            rows = self.pending(conn, recipient, milestone_id)
        else:
            rows = self.pending(conn, recipients=part.recipients if part else None)
        directory = load_directory(conn, self.config)
        extra = not preview and (part is None or part.last)
        admins = directory.admins() if extra else []
        failures = self._unreported_failures(conn) if extra else []
        problem_notices = pending_problem_notices(conn, self.config) if extra else {}
        summary_due = part is not None and part.last and part.storm and bool(admins)
        if not rows and not problem_notices and not (failures and admins) and not summary_due:
            return Draft(result)
        as_of = as_of or max((r.as_of for r in rows), default=None) or self.config.today()
        ids = sorted({r.milestone_id for r in rows})
        by_recipient: dict[str, list[Any]] = defaultdict(list)
        people: dict[str, Person] = {}
        for r in rows:
            by_recipient[r.recipient].append(r)
            people.setdefault(r.recipient, Person(r.recipient_name or r.recipient,
                                                  r.recipient, r.lang))
        # what each digest lists first; then the moves, acknowledgements and the units'
        # words of those milestones only (a chat summary's: of all its milestones)
        arranged = {email: self.arrange(notices, as_of)
                    for email, notices in by_recipient.items() if not is_channel(email)}
        shown = sorted({i["notice"].milestone_id for a in arranged.values()
                        for p in a.listed for i in p["rows"]}
                       | {r.milestone_id for r in rows if is_channel(r.recipient)})
        histories, acks = self.histories(conn, shown), self.acks(conn, shown)
        extras = self.extras(conn, shown, as_of, problem_notices)
        for admin in admins if failures else ():
            people.setdefault(admin.email, admin)
            by_recipient.setdefault(admin.email, [])
        for email, told in problem_notices.items():  # problem steps only: a digest too
            people.setdefault(email, Person(told[0]["name"] or email, email, told[0]["lang"]))
            by_recipient.setdefault(email, [])
        result.milestones = len(ids)
        total = 0  # every active milestone: the storm's measure, and its summary's
        if part is None or (part.storm and part.last):  # (a part's storm is decided)
            total = conn.execute(select(func.count()).select_from(M.join(P))
                                 .where(P.c.status == "active")).scalar_one()
        n = self.config.notices
        result.storm = not preview and (result.milestones > n.storm_min_milestones
                        and result.milestones > n.storm_threshold * max(total, 1))
        if part is not None:  # decided once for all the parts
            result.storm, result.milestones = part.storm, part.milestones
        admin_emails = {a.email for a in admins}
        messages: list[Outgoing] = []
        links: dict[str, list[int]] = {}
        problem_links: dict[str, list[int]] = {}
        for email, notices in by_recipient.items():
            person = people[email]
            if is_channel(email):  # a chat channel: its summary, in numbered parts
                for part, shown in channel_parts(self, conn, directory, person, notices,
                                                 as_of, histories, acks):
                    messages.append(Outgoing(part.key, part.kind, as_of, email, part.subject,
                                             part.text, recipient_name=person.name,
                                             lang=person.lang, step=self._step_name(notices),
                                             held=bool(result.storm)))
                    links[part.key] = shown
                continue
            mine = list(failures) if email in admin_emails else []
            ctx = self.digest_context(person, notices, as_of, histories, acks,
                                      self._failure_rows(mine, person.lang), extras,
                                      arranged.get(email))
            rendered = self.renderer.message("digest", person.lang, ctx, inline=False)
            told = [x["id"] for x in problem_notices.get(email, [])]
            ids_part = ",".join([*(str(x.id) for x in notices), *(f"p{x}" for x in told)]) or \
                ",".join(f"f{f['id']}" for f in mine)
            key = (f"digest|{as_of}|{email}|"
                   f"{hashlib.sha1(ids_part.encode()).hexdigest()[:12]}")
            messages.append(self._message(key, "digest", as_of, person, rendered,
                                          bool(result.storm and notices),
                                          self._step_name(notices),
                                          sorted({x.thread for x in notices})[:20] if notices
                                          else [], first=notices[0].thread if notices else None))
            links[key] = [x.id for x in notices]
            problem_links[key] = told
        messages = self.renderer.inline_css(messages)  # all at once: on every core
        if result.storm and part is None:
            messages += self._storm(conn, rows, as_of, admins, total,
                                    sum(1 for v in by_recipient.values() if v))
        elif result.storm and part.last:
            messages += self._storm(conn, part.storm_rows, as_of, admins, total,
                                    part.held_recipients)
        return Draft(result, messages, links, problem_links, failures, admins, as_of, len(rows))

    def taken(self, conn: Connection, draft: Draft) -> bool:
        """Whether another process composed (or reported) any of the draft's notices."""
        checks = ((NOTICE, NOTICE.c.message_id, [n for ns in draft.links.values() for n in ns]),
                  (PBN, PBN.c.message_id, [n for ns in draft.problem_links.values() for n in ns]),
                  (OUTBOX, OUTBOX.c.reported_on, [f["id"] for f in draft.failures]))
        for table, done, ids in checks:
            for i in range(0, len(ids), 5000):
                if conn.execute(select(func.count()).select_from(table).where(
                        table.c.id.in_(ids[i:i + 5000]), done.is_not(None))).scalar():
                    return True
        return False

    def write(self, conn: Connection, draft: Draft) -> ComposeResult:
        """Queue the draft's digests and link its notices to them, in the caller's
        transaction (a writer)."""
        result, messages, links, problem_links = (draft.result, draft.messages, draft.links,
                                                  draft.problem_links)
        failures, admins, as_of = draft.failures, draft.admins, draft.as_of
        if as_of is None:  # nothing to compose
            return result
        ids = enqueue(conn, messages, domain=self.domain).ids
        update_rows(conn, NOTICE, [{"id": nid, "message_id": ids[key]}
                                   for key, nids in links.items() for nid in nids])
        link_problem_notices(conn, [(nid, ids[key]) for key, nids in problem_links.items()
                                    for nid in nids])
        if failures and admins:
            conn.execute(update(OUTBOX).where(OUTBOX.c.id.in_([f["id"] for f in failures]))
                         .values(reported_on=as_of))
            result.failures_reported = len(failures)
        elif failures:
            result.warnings.append(f"{len(failures)} failed deliveries and no administrator "
                                   f"(contact role admin) to tell")
        result.messages = sum(1 for m in messages if not m.held)
        result.held = sum(1 for m in messages if m.held)
        result.storm_messages = sum(1 for m in messages if m.kind == "storm")
        result.notices = draft.notices
        if result.storm and not admins:
            result.warnings.append("notice storm held, and no administrator (contact role "
                                   "admin) to tell: run lights send --confirm")
        if self.linker.warning and result.notices:
            result.warnings.append(self.linker.warning)  # a base URL but no secret: no links
        return result

    def _step_name(self, notices: list[Any]) -> str:
        steps = [n.step for n in notices if n.label != "resolved"]
        return self.ladder[min(max(steps), len(self.ladder) - 1)].step if steps else ""

    def _message(self, key: str, kind: str, as_of: date, person: Person, rendered: Any,
                 held: bool, step: str, threads: list[str], first: str | None) -> Outgoing:
        if first is not None and first in threads:  # In-Reply-To: the worst milestone's thread
            threads = [first, *(t for t in threads if t != first)]
        return Outgoing(key, kind, as_of, person.email, rendered.subject, rendered.text,
                        rendered.html, recipient_name=person.name, lang=person.lang,
                        step=step, threads=threads, held=held)

    def _unreported_failures(self, conn: Connection) -> list[dict[str, Any]]:
        rows = conn.execute(select(OUTBOX.c.id, OUTBOX.c.recipient, OUTBOX.c.subject,
                                   OUTBOX.c.last_error, OUTBOX.c.attempts)
                            .where(OUTBOX.c.status == "failed", OUTBOX.c.reported_on.is_(None))
                            .order_by(OUTBOX.c.id)).all()
        return [dict(r._mapping) for r in rows]

    def _failure_rows(self, failures: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
        return [{"recipient": f["recipient"], "subject": f["subject"],
                 "error": f["last_error"] or "—", "attempts": f["attempts"]} for f in failures]

    def _storm(self, conn: Connection, rows: list[Any], as_of: date, admins: list[Person],
               total: int, held_messages: int) -> list[Outgoing]:
        by_milestone = {r.milestone_id: r for r in rows}
        if not by_milestone:  # another process composed them meanwhile and told the storm
            return []
        counts = Counter("resolved" if r.label == "resolved" else r.light
                         for r in by_milestone.values())
        per_project = Counter((r.code, r.project_name) for r in by_milestone.values())
        out = []
        n = self.config.notices
        for admin in admins:
            ctx = {"lang": admin.lang, "as_of": format_day(as_of, admin.lang),
                   "recipient": {"name": admin.name, "email": admin.email},
                   "milestones": len(by_milestone), "total": total,
                   "share": f"{len(by_milestone) / max(total, 1):.0%}",
                   "threshold": f"{n.storm_threshold:.0%}", "messages": held_messages,
                   "counts": {"red": counts["red"], "yellow": counts["yellow"],
                              "resolved": counts["resolved"]},
                   "projects": [{"code": c, "name": name, "count": k}
                                for (c, name), k in per_project.most_common(10)],
                   "confirm_command": "lights send --confirm"}
            rendered = self.renderer.message("storm", admin.lang, ctx)
            key = f"storm|{as_of}|{admin.email}|{len(by_milestone)}|{min(by_milestone)}"
            out.append(self._message(key, "storm", as_of, admin, rendered, False, "", [], None))
        return out


def compose(conn: Connection, config: Config, as_of: date | None = None) -> ComposeResult:
    """Compose in the caller's transaction (a writer): reads, renders and writes under
    its lock. :func:`compose_pending` holds the lock only for the writing."""
    return Composer(config).compose(conn, as_of)
