"""Every table of Lights, and the Core alias each module queries it by.

One module, so that the schema reads in one place, migrations compare against one
metadata, and no feature module has to be imported to register its tables.

- the programme: projects, their milestones (node tasks), progress reports and
  investment reports (append-only);
- the night: runs, the audit of every move (transitions), replays, the run lock and
  the scheduler's (job, night) claims;
- the notices: contacts, escalation episodes, notices, the outbox (one message per
  recipient and channel), acknowledgements and silences;
- the answer: the units' delay reasons, problems (问题清单), their events and notices.

Money is in 万元 as the ledgers write it, as exact decimals. States and enumerations
are stored as short strings (portable between SQLite and PostgreSQL): lights are the
values of :class:`rules.lights.Light`, the project fields the tuples below.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

CATEGORIES = ("industrial", "infrastructure", "services", "social", "livelihood", "health")
LEVELS = ("provincial", "city", "county")
NATURES = ("new", "continuing")


def utcnow() -> datetime:
    """Timestamps are UTC and timezone-aware (SQLModel refuses naive ones)."""
    return datetime.now(UTC)


class Project(SQLModel, table=True):
    """A key project (重点项目) as the ledger (台账) records it."""

    __table_args__ = (
        Index("ix_project_region", "region"),
        Index("ix_project_department", "department"),
        Index("ix_project_leader", "leader"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True, description="项目编号")
    name: str = Field(max_length=200, description="项目名称")
    region: str = Field(max_length=64, description="所属地区 县(市)区")
    department: str = Field(max_length=100, description="责任单位")
    owner_company: str = Field(default="", max_length=200, description="建设单位")
    category: str = Field(default="industrial", max_length=20, description="项目类别")
    level: str = Field(default="city", max_length=12, description="项目级别")
    nature: str = Field(default="new", max_length=12, description="建设性质 新建/续建")
    total_investment: Decimal = Field(default=Decimal(0), max_digits=18, decimal_places=2,
                                      description="总投资（万元）")
    annual_plan: Decimal = Field(default=Decimal(0), max_digits=18, decimal_places=2,
                                 description="年度计划投资（万元）")
    leader: str = Field(default="", max_length=64, description="包保领导")
    leader_email: str = Field(default="", max_length=254)
    secretary: str = Field(default="", max_length=64, description="服务秘书")
    secretary_email: str = Field(default="", max_length=254)
    department_email: str = Field(default="", max_length=254)
    outdoor: bool = Field(default=True, description="室外作业：冬季停工期适用")
    winter_pause: str | None = Field(
        default=None, max_length=64,
        description="per-project pause windows ('11-01..03-31', comma-separated) or 'none'")
    status: str = Field(default="active", max_length=12)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Milestone(SQLModel, table=True):
    """A node task (节点任务) with its plan, its progress and its current light."""

    __table_args__ = (
        UniqueConstraint("project_id", "name", name="uq_milestone_project_name"),
        Index("ix_milestone_state", "state"),
        Index("ix_milestone_planned_date", "planned_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    seq: int = Field(default=0, description="order within the project")
    name: str = Field(max_length=200, description="节点名称")
    kind: str = Field(default="custom", max_length=32, description="节点类型 (catalogue code)")
    planned_start: date | None = Field(default=None, description="计划开始时间")
    planned_date: date = Field(description="计划完成时间")
    baseline_date: date = Field(description="first planned date, kept when re-planned")
    weight: float = Field(default=1.0, ge=0)
    owner: str = Field(default="", max_length=64, description="责任人")
    owner_email: str = Field(default="", max_length=254)
    percent: float = Field(default=0.0, ge=0, le=100, description="形象进度 %")
    actual_date: date | None = Field(default=None, description="实际完成时间")
    last_report_date: date | None = None
    state: str = Field(default="planned", max_length=12)
    state_since: date | None = None
    reason: str = Field(default="", description="why it shows its light, in words")
    light_rules: str = Field(default="", max_length=200, description="rules that set the light")
    light_facts: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    updated_at: datetime = Field(default_factory=utcnow)
    owner_mobile: str = Field(default="", max_length=20, sa_column_kwargs={"server_default": ""},
                              description="责任人手机, for @-mentions (revision 0004)")


class ProgressReport(SQLModel, table=True):
    """An append-only progress report (进展报送)."""

    __table_args__ = (Index("ix_progress_milestone_date", "milestone_id", "report_date"),)

    id: int | None = Field(default=None, primary_key=True)
    milestone_id: int = Field(foreign_key="milestone.id")
    report_date: date
    percent: float = Field(ge=0, le=100)
    completed_on: date | None = None
    note: str = ""
    reporter: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class Run(SQLModel, table=True):
    """One evaluation of the programme as of a date."""

    __table_args__ = (Index("ix_run_as_of", "as_of"),)

    id: int | None = Field(default=None, primary_key=True)
    as_of: date
    mode: str = Field(default="nightly", max_length=12)
    job: str = Field(default="", max_length=32)
    status: str = Field(default="running", max_length=12)
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    evaluated: int = 0
    moves: int = 0
    counts: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON))
    moves_by_trigger: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON))
    warnings: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    error: str = ""


class Transition(SQLModel, table=True):
    """Append-only audit: every move of every milestone, with its reason."""

    __table_args__ = (Index("ix_transition_milestone", "milestone_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    milestone_id: int = Field(foreign_key="milestone.id")
    run_id: int | None = Field(default=None, foreign_key="run.id", index=True)
    trigger: str = Field(max_length=16)
    from_state: str = Field(max_length=12)
    to_state: str = Field(max_length=12)
    as_of: date
    rules: str = Field(default="", max_length=200)
    reason: str = ""
    numbers: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    actor: str = Field(default="", max_length=64, description="who, for manual moves")
    created_at: datetime = Field(default_factory=utcnow)


class ReplayLight(SQLModel, table=True):
    """A replay's result: the light a milestone would have had, kept apart from history."""

    run_id: int = Field(foreign_key="run.id", primary_key=True)
    milestone_id: int = Field(foreign_key="milestone.id", primary_key=True)
    light: str = Field(max_length=12)
    rules: str = Field(default="", max_length=200)
    facts: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))


# -- investment ---------------------------------------------------------------------
class InvestmentReport(SQLModel, table=True):
    """One project's investment report (投资报送), append-only."""

    __tablename__ = "investment_report"
    __table_args__ = (Index("ix_investment_project_date", "project_id", "report_date"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    report_date: date = Field(description="报送日期 (the figures stand as of this date)")
    month_amount: Decimal = Field(default=Decimal(0), max_digits=18, decimal_places=2,
                                  description="本月完成投资（万元）")
    ytd_amount: Decimal = Field(default=Decimal(0), max_digits=18, decimal_places=2,
                                description="本年累计完成投资（万元）")
    funds_in_place: Decimal = Field(default=Decimal(0), max_digits=18, decimal_places=2,
                                    description="本年到位资金（万元）")
    actual_start: date | None = Field(default=None, description="实际开工（复工）时间")
    note: str = ""
    reporter: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


# -- the night's machinery ----------------------------------------------------------
class RunLockRow(SQLModel, table=True):
    """The lock row on databases without advisory locks (times are Unix seconds)."""

    __tablename__ = "run_lock"

    name: str = Field(primary_key=True, max_length=32)
    owner: str = Field(max_length=160, description="host:pid:token of the holder")
    job: str = Field(default="", max_length=32)
    host: str = Field(default="", max_length=100)
    pid: int = 0
    acquired_at: float = 0.0
    heartbeat_at: float = 0.0


class JobRun(SQLModel, table=True):
    """One (job, night): claimed by one process, finished once."""

    __tablename__ = "job_run"

    job: str = Field(primary_key=True, max_length=32)
    night: date = Field(primary_key=True)
    status: str = Field(default="running", max_length=12)
    run_id: int | None = Field(default=None, foreign_key="run.id")
    owner: str = Field(default="", max_length=160)
    attempts: int = 0
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    error: str = ""


# -- notices ------------------------------------------------------------------------
class Contact(SQLModel, table=True):
    """Who answers for a role, within a scope; blank scope fields match everything."""

    __table_args__ = (
        UniqueConstraint("email", "role", "region", "department", "project",
                         name="uq_contact_scope"),
        Index("ix_contact_role", "role"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64)
    email: str = Field(max_length=254)
    role: str = Field(max_length=32)
    region: str = Field(default="", max_length=64)
    department: str = Field(default="", max_length=100)
    project: str = Field(default="", max_length=64, description="a project code: its own contact")
    lang: str | None = Field(default=None, max_length=2)
    created_at: datetime = Field(default_factory=utcnow)
    mobile: str = Field(default="", max_length=20, sa_column_kwargs={"server_default": ""},
                        description="for @-mentions in chat groups (revision 0004)")


class Escalation(SQLModel, table=True):
    """One milestone's current episode of yellow/red and what has been sent about it."""

    milestone_id: int = Field(foreign_key="milestone.id", primary_key=True)
    opened_on: date
    light: str = Field(max_length=12, description="the light of the last notice")
    step: int = Field(description="index in the ladder of the highest step notified")
    step_name: str = Field(max_length=32)
    notified: list[str] = Field(default_factory=list, sa_column=Column(JSON),
                                description="every address told about this episode")
    last_sent: date
    last_label: str = Field(max_length=12)
    updated_at: datetime = Field(default_factory=utcnow)


class OutboxMessage(SQLModel, table=True):
    """One e-mail to one recipient: the digest of a run, or a storm summary."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    dedup_key: str = Field(max_length=200, unique=True)
    message_id: str = Field(max_length=200, description="RFC 5322 Message-ID, from dedup_key")
    kind: str = Field(default="digest", max_length=12)
    as_of: date
    recipient: str = Field(max_length=254)
    recipient_name: str = Field(default="", max_length=64)
    lang: str = Field(default="zh", max_length=2)
    step: str = Field(default="", max_length=32, description="highest ladder step in it")
    subject: str = Field(max_length=500)
    text: str = Field(sa_column=Column(Text, nullable=False))
    html: str = Field(sa_column=Column(Text, nullable=False))
    threads: list[str] = Field(default_factory=list, sa_column=Column(JSON),
                               description="thread ids of its milestones (References)")
    status: str = Field(default="pending", max_length=12)
    attempts: int = 0
    last_error: str = ""
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    reported_on: date | None = Field(default=None,
                                     description="when a failure was told to the administrators")
    created_at: datetime = Field(default_factory=utcnow)


class Notice(SQLModel, table=True):
    """Tell one person one thing about one milestone; batched into a digest later."""

    __table_args__ = (Index("ix_notice_pending", "message_id", "recipient"),
                      Index("ix_notice_milestone", "milestone_id", "as_of"))

    id: int | None = Field(default=None, primary_key=True)
    dedup_key: str = Field(max_length=300, unique=True)
    run_id: int | None = Field(default=None, foreign_key="run.id")
    as_of: date
    milestone_id: int = Field(foreign_key="milestone.id")
    recipient: str = Field(max_length=254)
    recipient_name: str = Field(default="", max_length=64)
    roles: str = Field(default="", max_length=200)
    lang: str = Field(default="zh", max_length=2)
    label: str = Field(max_length=12)
    step: int
    step_name: str = Field(max_length=32)
    light: str = Field(max_length=12)
    since: date | None = None
    thread: str = Field(max_length=200, description="the milestone episode's thread id")
    message_id: int | None = Field(default=None, foreign_key="outbox.id")
    created_at: datetime = Field(default_factory=utcnow)
    climbed_by: str = Field(default="", max_length=16, sa_column_kwargs={"server_default": ""},
                            description="how the step was reached: days, streak, "
                                        "project_streak (blank: an earlier step)")
    streak: int = Field(default=0, sa_column_kwargs={"server_default": "0"},
                        description="the month ends in a row that reached it")


class Acknowledgement(SQLModel, table=True):
    """Someone has seen a milestone's notices and is on it: escalation holds until a date."""

    __table_args__ = (Index("ix_ack_milestone", "milestone_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    milestone_id: int = Field(foreign_key="milestone.id")
    author: str = Field(max_length=64)
    reason: str
    as_of: date
    hold_until: date
    created_at: datetime = Field(default_factory=utcnow)


class Silence(SQLModel, table=True):
    """No notices for a milestone, a project or a recipient until a date; never deleted."""

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=12)
    target: str = Field(max_length=254, description="milestone id, project code or address")
    author: str = Field(max_length=64)
    reason: str
    starts: date
    ends: date = Field(description="last day silenced")
    created_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None
    ended_by: str = Field(default="", max_length=64)
    end_reason: str = ""
    weekdays: str = Field(default="", max_length=20, sa_column_kwargs={"server_default": ""},
                          description="ISO weekdays it recurs on (6,7); blank: every day")


# -- people of the web interface -----------------------------------------------------
class Account(SQLModel, table=True):
    """A person who signs in to ``lights serve``; the role and unit bound what they see.

    ``unit`` is the account's scope: for a unit, a 责任单位 or a region (or the name a
    service secretary has in the ledger); for a leader, the name as the ledger's 包保领导
    column writes it. The password is an argon2 hash; a new account may instead hold a
    one-time invitation (the SHA-256 of its token) until the person sets a password.
    """

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True, description="sign-in name")
    role: str = Field(max_length=12, description="admin | office | leader | unit")
    unit: str = Field(default="", max_length=100, description="scope: unit, region or leader")
    email: str = Field(default="", max_length=254)
    password_hash: str = Field(default="", max_length=200)
    invite_hash: str = Field(default="", max_length=64)
    invite_expires: datetime | None = None
    active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = None
    last_login_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


# -- the answer: delay reasons and problems (问题清单) ---------------------------------
class MilestoneReason(SQLModel, table=True):
    """A unit's own words on why a node is late and what it does about it, append-only.

    Given with a progress report (--note), a re-plan (--reason), an acknowledgement or
    the ledger's 存在问题及原因; the latest one is what notices and reports show.
    """

    __tablename__ = "milestone_reason"
    __table_args__ = (Index("ix_milestone_reason_milestone", "milestone_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    milestone_id: int = Field(foreign_key="milestone.id")
    as_of: date = Field(description="the day the unit gave it")
    text: str = Field(sa_column=Column(Text, nullable=False, default=""))
    author: str = Field(default="", max_length=64)
    source: str = Field(max_length=12, description="progress, replan, ack, ledger")
    created_at: datetime = Field(default_factory=utcnow)


class Problem(SQLModel, table=True):
    """A blockage behind a project (问题清单), assigned to units with a time limit.

    ``due_date`` is the time limit (办理时限: set at 交办, moved by a granted extension,
    a 退回 or a 提级); ``deadline`` is the date the next answer is required by, which
    each escalation step sets anew. States: rules.problems.STATES.
    """

    __table_args__ = (
        Index("ix_problem_state", "state"),
        Index("ix_problem_lead", "lead"),
        Index("ix_problem_project", "project_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, description="问题编号")
    project_id: int = Field(foreign_key="project.id")
    milestone_id: int | None = Field(default=None, foreign_key="milestone.id")
    title: str = Field(max_length=200, description="问题")
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    category: str = Field(max_length=32, description="问题类别")
    level: str = Field(max_length=12, description="county, city, provincial: where it is solved")
    lead: str = Field(max_length=100, description="主办单位")
    assist: list[str] = Field(default_factory=list, sa_column=Column(JSON),
                              description="协办单位")
    raised_by: str = Field(default="", max_length=64)
    raised_on: date
    assigned_on: date | None = Field(default=None, description="交办")
    due_date: date | None = Field(default=None, description="办理时限")
    assist_due: date | None = Field(default=None, description="协办单位答复时限")
    deadline: date | None = Field(default=None, description="the next answer is due by")
    state: str = Field(default="pending", max_length=24)
    state_since: date
    step: int | None = Field(default=None, description="index in the problem ladder reached")
    step_name: str = Field(default="", max_length=32)
    raise_proposed_on: date | None = Field(default=None, description="proposed for 提级")
    extension_to: date | None = None
    extension_reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    replied_on: date | None = None
    closed_on: date | None = None
    result: str = Field(default="", max_length=12, description="solved, partly, unsolved")
    result_reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    source: str = Field(default="cli", max_length=12)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ProblemEvent(SQLModel, table=True):
    """Append-only: every move of a problem and every reply, with who, when and why."""

    __tablename__ = "problem_event"
    __table_args__ = (Index("ix_problem_event_problem", "problem_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    problem_id: int = Field(foreign_key="problem.id")
    run_id: int | None = Field(default=None, foreign_key="run.id", index=True)
    trigger: str = Field(max_length=24)
    from_state: str = Field(max_length=24)
    to_state: str = Field(max_length=24)
    as_of: date
    actor: str = Field(default="", max_length=64)
    unit: str = Field(default="", max_length=100, description="the unit replying")
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    numbers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow)


class ProblemNotice(SQLModel, table=True):
    """Tell one person about one problem's step; batched into that person's digest."""

    __tablename__ = "problem_notice"
    __table_args__ = (Index("ix_problem_notice_pending", "message_id", "recipient"),)

    id: int | None = Field(default=None, primary_key=True)
    dedup_key: str = Field(max_length=300, unique=True)
    run_id: int | None = Field(default=None, foreign_key="run.id")
    as_of: date
    problem_id: int = Field(foreign_key="problem.id")
    recipient: str = Field(max_length=254)
    recipient_name: str = Field(default="", max_length=64)
    roles: str = Field(default="", max_length=200)
    lang: str = Field(default="zh", max_length=2)
    label: str = Field(max_length=12, description="step, raise, closed")
    step: int | None = None
    step_name: str = Field(default="", max_length=32)
    deadline: date | None = None
    message_id: int | None = Field(default=None, foreign_key="outbox.id")
    created_at: datetime = Field(default_factory=utcnow)


# -- Core aliases: the tables as the set-based code queries them --------------------
P = Project.__table__  # type: ignore[attr-defined]
M = Milestone.__table__  # type: ignore[attr-defined]
REPORTS = ProgressReport.__table__  # type: ignore[attr-defined]
IR = InvestmentReport.__table__  # type: ignore[attr-defined]
R = Run.__table__  # type: ignore[attr-defined]
T = Transition.__table__  # type: ignore[attr-defined]
REPLAY = ReplayLight.__table__  # type: ignore[attr-defined]
L = RunLockRow.__table__  # type: ignore[attr-defined]
J = JobRun.__table__  # type: ignore[attr-defined]
CONTACT = Contact.__table__  # type: ignore[attr-defined]
ESC = Escalation.__table__  # type: ignore[attr-defined]
OUTBOX = OutboxMessage.__table__  # type: ignore[attr-defined]
NOTICE = Notice.__table__  # type: ignore[attr-defined]
ACK = Acknowledgement.__table__  # type: ignore[attr-defined]
SIL = Silence.__table__  # type: ignore[attr-defined]
REASON = MilestoneReason.__table__  # type: ignore[attr-defined]
PB = Problem.__table__  # type: ignore[attr-defined]
PBE = ProblemEvent.__table__  # type: ignore[attr-defined]
PBN = ProblemNotice.__table__  # type: ignore[attr-defined]
ACCOUNT = Account.__table__  # type: ignore[attr-defined]

# The columns the rules read about a milestone (and its project's winter pause).
FACT_COLUMNS = (M.c.id, M.c.kind, M.c.state, M.c.planned_start, M.c.planned_date, M.c.percent,
                M.c.actual_date, M.c.last_report_date, M.c.light_facts, M.c.name,
                P.c.code, P.c.outdoor, P.c.winter_pause)
