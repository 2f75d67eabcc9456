"""Roles to people: the contacts table, the ledger's own names, and scope.

For a role of a milestone, in this order:

1. contacts whose ``project`` is the milestone's project code (a project's own
   contacts override everything else);
2. the ledger: the milestone's 责任人 (owner), the project's 服务秘书 (secretary),
   责任单位 (department) and 包保领导 (leader), when their address is filled in;
3. contacts of that role whose region/department scope matches, the most specific
   scope winning (region and department > one of them > blank = everywhere).

Config contacts (``notices.contacts``) and the table's rows are used alike.

A chat channel (``notices.channels``) that lists a role is told too, for the
milestones in its regions and departments (none listed: all), as the recipient
``channel:NAME``: its notices are composed into the channel's summary. A role that a
channel covers is not a gap even when no person is found for it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from notifications.addresses import header_text, is_address

LEDGER_FIELDS = {
    "owner": ("owner", "owner_email"),
    "secretary": ("secretary", "secretary_email"),
    "department": ("department", "department_email"),
    "leader": ("leader", "leader_email"),
}


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    email: str  # or a chat channel's address, channel:NAME
    lang: str
    mobile: str = ""


@dataclass(frozen=True, slots=True)
class ContactRow:
    name: str
    email: str
    role: str
    region: str = ""
    department: str = ""
    project: str = ""
    lang: str | None = None
    mobile: str = ""


class Directory:
    """Everyone who can receive notices, indexed for routing many milestones quickly."""

    def __init__(self, contacts: Iterable[Any], default_lang: str,
                 channels: Iterable[Any] = ()) -> None:
        self.default_lang = default_lang
        self.channels = list(channels)
        self.mobiles: dict[str, str] = {}  # e-mail → mobile, from the contacts
        self._own: dict[tuple[str, str], list[ContactRow]] = defaultdict(list)
        self._gaps: dict[tuple[Any, ...], str | None] = {}  # see gap()
        self._valid: dict[str, bool] = {}  # a ledger address as written: valid?
        self._scoped: dict[str, list[ContactRow]] = defaultdict(list)
        for c in contacts:
            row = ContactRow(c.name, c.email, c.role, c.region or "", c.department or "",
                             c.project or "", c.lang, getattr(c, "mobile", "") or "")
            if row.mobile:
                self.mobiles.setdefault(row.email, row.mobile)
            if row.project:
                self._own[(row.project, row.role)].append(row)
            else:
                self._scoped[row.role].append(row)

    def _person(self, c: ContactRow) -> Person:
        return Person(c.name, c.email, c.lang or self.default_lang, c.mobile)

    def chats(self, role: str, m: Any) -> list[Person]:
        """The chat channels told about ``role`` on milestone row ``m``."""
        return [Person(c.name, c.address, c.lang or self.default_lang) for c in self.channels
                if role in c.roles and (not c.regions or m.region in c.regions)
                and (not c.departments or m.department in c.departments)]

    def gap(self, role: str, m: Any) -> str | None:
        """Why ``role`` reaches nobody on milestone row ``m`` (None: it reaches someone),
        as :func:`route` reports it. Remembered by what it depends on (the project, its
        region and department, the role's address as the ledger has it), so a night's
        check of every yellow and red milestone routes each project's roles, and checks
        each address, once."""
        ledger = LEDGER_FIELDS.get(role)
        written = getattr(m, ledger[1]) if ledger else None
        if written:  # the ledger names someone at a valid address: reached
            valid = self._valid.get(written)
            if valid is None:
                valid = self._valid[written] = is_address(written.strip())
            if valid:
                return None
        key = (role, m.code, m.region, m.department, written)
        if key not in self._gaps:
            people, problem = self.resolve(role, m)
            self._gaps[key] = None if people or self.chats(role, m) else problem
        return self._gaps[key]

    def mobile(self, person: Person, ledger_mobile: str = "") -> str:
        """A person's mobile for @-mentions: their contact's, else the ledger's."""
        return person.mobile or self.mobiles.get(person.email, "") or ledger_mobile

    def resolve(self, role: str, m: Any) -> tuple[list[Person], str | None]:
        """The people for ``role`` on milestone row ``m``, and a problem if there are none."""
        own = self._own.get((m.code, role))
        if own:
            return [self._person(c) for c in own], None
        problem = None
        ledger = LEDGER_FIELDS.get(role)
        if ledger is not None:
            name, email = (getattr(m, f) or "" for f in ledger)
            email = email.strip()
            if email and is_address(email):
                return [Person(header_text(name, 64) or email, email, self.default_lang,
                               self.mobiles.get(email, ""))], None
            if email:
                problem = f"{m.code}: {role} address {email!r} is not an e-mail address"
        best: list[ContactRow] = []
        best_score = -1
        for c in self._scoped.get(role, ()):
            if (c.region and c.region != m.region) or \
                    (c.department and c.department != m.department):
                continue
            score = bool(c.region) + bool(c.department)
            if score > best_score:
                best, best_score = [c], score
            elif score == best_score:
                best.append(c)
        if best:
            return [self._person(c) for c in best], None
        return [], problem or f"no contact for role {role}"

    def admins(self) -> list[Person]:
        """The administrators (role ``admin``, any scope)."""
        seen: dict[str, Person] = {}
        for c in self._scoped.get("admin", ()):
            seen.setdefault(c.email, self._person(c))
        for (_, role), rows in self._own.items():
            if role == "admin":
                for c in rows:
                    seen.setdefault(c.email, self._person(c))
        return list(seen.values())


def route(directory: Directory, roles: Iterable[str], m: Any
          ) -> tuple[dict[str, tuple[Person, list[str]]], list[str]]:
    """Everyone the roles reach for milestone ``m``: {email: (person, roles)}, problems."""
    out: dict[str, tuple[Person, list[str]]] = {}
    problems = []
    for role in roles:
        people, problem = directory.resolve(role, m)
        chats = directory.chats(role, m)
        if problem and not chats:
            problems.append(problem)
        for p in [*people, *chats]:
            if p.email in out:
                out[p.email][1].append(role)
            else:
                out[p.email] = (p, [role])
    return out, problems
