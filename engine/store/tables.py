"""Every table of Lights (SQLAlchemy Core), and the alias each module queries it by.

Core tables, not SQLModel classes: a command that only reads (``lights status``) loads
SQLAlchemy Core and nothing more. The ORM classes some code and the tests use are
mapped onto these very tables in :mod:`engine.store.models`.

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

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

CATEGORIES = ("industrial", "infrastructure", "services", "social", "livelihood", "health")
LEVELS = ("provincial", "city", "county")
NATURES = ("new", "continuing")


def utcnow() -> datetime:
    """Timestamps are UTC and timezone-aware (UTCDateTime refuses naive ones)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes, stored as DateTime(timezone=True) and read back in UTC (SQLite
    keeps no offset): the type SQLModel gave these columns, without importing SQLModel."""

    impl = DateTime
    cache_ok = True

    def __init__(self) -> None:
        super().__init__(timezone=True)

    def __repr__(self) -> str:
        return "UTCDateTime()"

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError("Datetime values must have timezone information: "
                             "use datetime.now(UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None,
                             dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# Every Lights table: the migrations compare the database with it.
metadata = MetaData()


# A key project (重点项目) as the ledger (台账) records it.
P = Table(
    "project", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True, doc="项目编号"),
    Column("name", String(200), nullable=False, doc="项目名称"),
    Column("region", String(64), nullable=False, doc="所属地区 县(市)区"),
    Column("department", String(100), nullable=False, doc="责任单位"),
    Column("owner_company", String(200), nullable=False, default="", doc="建设单位"),
    Column("category", String(20), nullable=False, default="industrial", doc="项目类别"),
    Column("level", String(12), nullable=False, default="city", doc="项目级别"),
    Column("nature", String(12), nullable=False, default="new", doc="建设性质 新建/续建"),
    Column("total_investment", Numeric(18, 2), nullable=False, default=Decimal(0),
           doc="总投资（万元）"),
    Column("annual_plan", Numeric(18, 2), nullable=False, default=Decimal(0),
           doc="年度计划投资（万元）"),
    Column("leader", String(64), nullable=False, default="", doc="包保领导"),
    Column("leader_email", String(254), nullable=False, default=""),
    Column("secretary", String(64), nullable=False, default="", doc="服务秘书"),
    Column("secretary_email", String(254), nullable=False, default=""),
    Column("department_email", String(254), nullable=False, default=""),
    Column("outdoor", Boolean, nullable=False, default=True, doc="室外作业：冬季停工期适用"),
    Column("winter_pause", String(64),
           doc="per-project pause windows ('11-01..03-31', comma-separated) or 'none'"),
    Column("status", String(12), nullable=False, default="active"),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Column("updated_at", UTCDateTime, nullable=False, default=utcnow),
    Index("ix_project_department", "department"),
    Index("ix_project_leader", "leader"),
    Index("ix_project_region", "region"),
)

# A node task (节点任务) with its plan, its progress and its current light.
M = Table(
    "milestone", metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("project.id"), nullable=False, index=True),
    Column("seq", Integer, nullable=False, default=0, doc="order within the project"),
    Column("name", String(200), nullable=False, doc="节点名称"),
    Column("kind", String(32), nullable=False, default="custom", doc="节点类型 (catalogue code)"),
    Column("planned_start", Date, doc="计划开始时间"),
    Column("planned_date", Date, nullable=False, doc="计划完成时间"),
    Column("baseline_date", Date, nullable=False, doc="first planned date, kept when re-planned"),
    Column("weight", Float, nullable=False, default=1.0),
    Column("owner", String(64), nullable=False, default="", doc="责任人"),
    Column("owner_email", String(254), nullable=False, default=""),
    Column("percent", Float, nullable=False, default=0.0, doc="形象进度 %"),
    Column("actual_date", Date, doc="实际完成时间"),
    Column("last_report_date", Date),
    Column("state", String(12), nullable=False, default="planned"),
    Column("state_since", Date),
    Column("reason", String, nullable=False, default="", doc="why it shows its light, in words"),
    Column("light_rules", String(200), nullable=False, default="", doc="rules that set the light"),
    Column("light_facts", JSON, default=list),
    Column("updated_at", UTCDateTime, nullable=False, default=utcnow),
    Column("owner_mobile", String(20), nullable=False, default="", server_default="",
           doc="责任人手机, for @-mentions (revision 0004)"),
    UniqueConstraint("project_id", "name", name="uq_milestone_project_name"),
    Index("ix_milestone_planned_date", "planned_date"),
    Index("ix_milestone_state", "state"),
    # the keys a page of lights status sorts by, read from the index alone (revision 0006)
    Index("ix_milestone_project_order", "project_id", "state", "planned_date", "seq", "id"),
)

# An append-only progress report (进展报送).
REPORTS = Table(
    "progressreport", metadata,
    Column("id", Integer, primary_key=True),
    Column("milestone_id", Integer, ForeignKey("milestone.id"), nullable=False),
    Column("report_date", Date, nullable=False),
    Column("percent", Float, nullable=False),
    Column("completed_on", Date),
    Column("note", String, nullable=False, default=""),
    Column("reporter", String(64), nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Index("ix_progress_milestone_date", "milestone_id", "report_date"),
)

# One evaluation of the programme as of a date.
R = Table(
    "run", metadata,
    Column("id", Integer, primary_key=True),
    Column("as_of", Date, nullable=False),
    Column("mode", String(12), nullable=False, default="nightly"),
    Column("job", String(32), nullable=False, default=""),
    Column("status", String(12), nullable=False, default="running"),
    Column("started_at", UTCDateTime, nullable=False, default=utcnow),
    Column("finished_at", UTCDateTime),
    Column("evaluated", Integer, nullable=False, default=0),
    Column("moves", Integer, nullable=False, default=0),
    Column("counts", JSON, default=dict),
    Column("moves_by_trigger", JSON, default=dict),
    Column("warnings", JSON, default=list),
    Column("error", String, nullable=False, default=""),
    Index("ix_run_as_of", "as_of"),
)

# Append-only audit: every move of every milestone, with its reason.
T = Table(
    "transition", metadata,
    Column("id", Integer, primary_key=True),
    Column("milestone_id", Integer, ForeignKey("milestone.id"), nullable=False),
    Column("run_id", Integer, ForeignKey("run.id"), index=True),
    Column("trigger", String(16), nullable=False),
    Column("from_state", String(12), nullable=False),
    Column("to_state", String(12), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("rules", String(200), nullable=False, default=""),
    Column("reason", String, nullable=False, default=""),
    Column("numbers", JSON, default=list),
    Column("actor", String(64), nullable=False, default="", doc="who, for manual moves"),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Index("ix_transition_milestone", "milestone_id", "id"),
)

# A replay's result: the light a milestone would have had, kept apart from history.
REPLAY = Table(
    "replaylight", metadata,
    Column("run_id", Integer, ForeignKey("run.id"), primary_key=True),
    Column("milestone_id", Integer, ForeignKey("milestone.id"), primary_key=True),
    Column("light", String(12), nullable=False),
    Column("rules", String(200), nullable=False, default=""),
    Column("facts", JSON, default=list),
)

# -- investment ---------------------------------------------------------------------
# One project's investment report (投资报送), append-only.
IR = Table(
    "investment_report", metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("project.id"), nullable=False),
    Column("report_date", Date, nullable=False, doc="报送日期 (the figures stand as of this date)"),
    Column("month_amount", Numeric(18, 2), nullable=False, default=Decimal(0),
           doc="本月完成投资（万元）"),
    Column("ytd_amount", Numeric(18, 2), nullable=False, default=Decimal(0),
           doc="本年累计完成投资（万元）"),
    Column("funds_in_place", Numeric(18, 2), nullable=False, default=Decimal(0),
           doc="本年到位资金（万元）"),
    Column("actual_start", Date, doc="实际开工（复工）时间"),
    Column("note", String, nullable=False, default=""),
    Column("reporter", String(64), nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Index("ix_investment_project_date", "project_id", "report_date"),
)

# -- the night's machinery ----------------------------------------------------------
# The lock row on databases without advisory locks (times are Unix seconds).
L = Table(
    "run_lock", metadata,
    Column("name", String(32), primary_key=True),
    Column("owner", String(160), nullable=False, doc="host:pid:token of the holder"),
    Column("job", String(32), nullable=False, default=""),
    Column("host", String(100), nullable=False, default=""),
    Column("pid", Integer, nullable=False, default=0),
    Column("acquired_at", Float, nullable=False, default=0.0),
    Column("heartbeat_at", Float, nullable=False, default=0.0),
)

# One (job, night): claimed by one process, finished once.
J = Table(
    "job_run", metadata,
    Column("job", String(32), primary_key=True),
    Column("night", Date, primary_key=True),
    Column("status", String(12), nullable=False, default="running"),
    Column("run_id", Integer, ForeignKey("run.id")),
    Column("owner", String(160), nullable=False, default=""),
    Column("attempts", Integer, nullable=False, default=0),
    Column("started_at", UTCDateTime, nullable=False, default=utcnow),
    Column("finished_at", UTCDateTime),
    Column("detail", JSON, default=dict),
    Column("error", String, nullable=False, default=""),
)

# -- notices ------------------------------------------------------------------------
# Who answers for a role, within a scope; blank scope fields match everything.
CONTACT = Table(
    "contact", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False),
    Column("email", String(254), nullable=False),
    Column("role", String(32), nullable=False),
    Column("region", String(64), nullable=False, default=""),
    Column("department", String(100), nullable=False, default=""),
    Column("project", String(64), nullable=False, default="",
           doc="a project code: its own contact"),
    Column("lang", String(2)),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Column("mobile", String(20), nullable=False, default="", server_default="",
           doc="for @-mentions in chat groups (revision 0004)"),
    UniqueConstraint("email", "role", "region", "department", "project", name="uq_contact_scope"),
    Index("ix_contact_role", "role"),
)

# One milestone's current episode of yellow/red and what has been sent about it.
ESC = Table(
    "escalation", metadata,
    Column("milestone_id", Integer, ForeignKey("milestone.id"), primary_key=True),
    Column("opened_on", Date, nullable=False),
    Column("light", String(12), nullable=False, doc="the light of the last notice"),
    Column("step", Integer, nullable=False, doc="index in the ladder of the highest step notified"),
    Column("step_name", String(32), nullable=False),
    Column("notified", JSON, default=list, doc="every address told about this episode"),
    Column("last_sent", Date, nullable=False),
    Column("last_label", String(12), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False, default=utcnow),
)

# One e-mail to one recipient: the digest of a run, or a storm summary.
OUTBOX = Table(
    "outbox", metadata,
    Column("id", Integer, primary_key=True),
    Column("dedup_key", String(200), nullable=False, unique=True),
    Column("message_id", String(200), nullable=False, doc="RFC 5322 Message-ID, from dedup_key"),
    Column("kind", String(12), nullable=False, default="digest"),
    Column("as_of", Date, nullable=False),
    Column("recipient", String(254), nullable=False),
    Column("recipient_name", String(64), nullable=False, default=""),
    Column("lang", String(2), nullable=False, default="zh"),
    Column("step", String(32), nullable=False, default="", doc="highest ladder step in it"),
    Column("subject", String(500), nullable=False),
    Column("text", Text, nullable=False),
    Column("html", Text, nullable=False),
    Column("threads", JSON, default=list, doc="thread ids of its milestones (References)"),
    Column("status", String(12), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", String, nullable=False, default=""),
    Column("next_attempt_at", UTCDateTime),
    Column("sent_at", UTCDateTime),
    Column("reported_on", Date, doc="when a failure was told to the administrators"),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Index("ix_outbox_status", "status", "next_attempt_at"),
)

# Tell one person one thing about one milestone; batched into a digest later.
NOTICE = Table(
    "notice", metadata,
    Column("id", Integer, primary_key=True),
    Column("dedup_key", String(300), nullable=False, unique=True),
    Column("run_id", Integer, ForeignKey("run.id")),
    Column("as_of", Date, nullable=False),
    Column("milestone_id", Integer, ForeignKey("milestone.id"), nullable=False),
    Column("recipient", String(254), nullable=False),
    Column("recipient_name", String(64), nullable=False, default=""),
    Column("roles", String(200), nullable=False, default=""),
    Column("lang", String(2), nullable=False, default="zh"),
    Column("label", String(12), nullable=False),
    Column("step", Integer, nullable=False),
    Column("step_name", String(32), nullable=False),
    Column("light", String(12), nullable=False),
    Column("since", Date),
    Column("thread", String(200), nullable=False, doc="the milestone episode's thread id"),
    Column("message_id", Integer, ForeignKey("outbox.id")),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Column("climbed_by", String(16), nullable=False, default="", server_default="",
           doc="how the step was reached: days, streak, project_streak (blank: an earlier step)"),
    Column("streak", Integer, nullable=False, default=0, server_default="0",
           doc="the month ends in a row that reached it"),
    Index("ix_notice_milestone", "milestone_id", "as_of"),
    Index("ix_notice_pending", "message_id", "recipient"),
)

# Someone has seen a milestone's notices and is on it: escalation holds until a date.
ACK = Table(
    "acknowledgement", metadata,
    Column("id", Integer, primary_key=True),
    Column("milestone_id", Integer, ForeignKey("milestone.id"), nullable=False),
    Column("author", String(64), nullable=False),
    Column("reason", String, nullable=False),
    Column("as_of", Date, nullable=False),
    Column("hold_until", Date, nullable=False),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Index("ix_ack_milestone", "milestone_id", "id"),
)

# No notices for a milestone, a project or a recipient until a date; never deleted.
SIL = Table(
    "silence", metadata,
    Column("id", Integer, primary_key=True),
    Column("scope", String(12), nullable=False),
    Column("target", String(254), nullable=False, doc="milestone id, project code or address"),
    Column("author", String(64), nullable=False),
    Column("reason", String, nullable=False),
    Column("starts", Date, nullable=False),
    Column("ends", Date, nullable=False, doc="last day silenced"),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Column("ended_at", UTCDateTime),
    Column("ended_by", String(64), nullable=False, default=""),
    Column("end_reason", String, nullable=False, default=""),
    Column("weekdays", String(20), nullable=False, default="", server_default="",
           doc="ISO weekdays it recurs on (6,7); blank: every day"),
)

# -- people of the web interface ----------------------------------------------------
# A person who signs in to ``lights serve``; the role and unit bound what they see.
#
# ``unit`` is the account's scope: for a unit, a 责任单位 or a region (or the name a
# service secretary has in the ledger); for a leader, the name as the ledger's 包保领导
# column writes it. The password is an argon2 hash; a new account may instead hold a
# one-time invitation (the SHA-256 of its token) until the person sets a password.
ACCOUNT = Table(
    "account", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True, doc="sign-in name"),
    Column("role", String(12), nullable=False, doc="admin | office | leader | unit"),
    Column("unit", String(100), nullable=False, default="", doc="scope: unit, region or leader"),
    Column("email", String(254), nullable=False, default=""),
    Column("password_hash", String(200), nullable=False, default=""),
    Column("invite_hash", String(64), nullable=False, default=""),
    Column("invite_expires", UTCDateTime),
    Column("active", Boolean, nullable=False, default=True),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", UTCDateTime),
    Column("last_login_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Column("updated_at", UTCDateTime, nullable=False, default=utcnow),
)

# -- the answer: delay reasons and problems (问题清单) ----------------------------------
# A unit's own words on why a node is late and what it does about it, append-only.
#
# Given with a progress report (--note), a re-plan (--reason), an acknowledgement or
# the ledger's 存在问题及原因; the latest one is what notices and reports show.
REASON = Table(
    "milestone_reason", metadata,
    Column("id", Integer, primary_key=True),
    Column("milestone_id", Integer, ForeignKey("milestone.id"), nullable=False),
    Column("as_of", Date, nullable=False, doc="the day the unit gave it"),
    Column("text", Text, nullable=False, default=""),
    Column("author", String(64), nullable=False, default=""),
    Column("source", String(12), nullable=False, doc="progress, replan, ack, ledger"),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Index("ix_milestone_reason_milestone", "milestone_id", "id"),
)

# A blockage behind a project (问题清单), assigned to units with a time limit.
#
# ``due_date`` is the time limit (办理时限: set at 交办, moved by a granted extension,
# a 退回 or a 提级); ``deadline`` is the date the next answer is required by, which
# each escalation step sets anew. States: rules.problems.STATES.
PB = Table(
    "problem", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False, unique=True, doc="问题编号"),
    Column("project_id", Integer, ForeignKey("project.id"), nullable=False),
    Column("milestone_id", Integer, ForeignKey("milestone.id")),
    Column("title", String(200), nullable=False, doc="问题"),
    Column("description", Text, nullable=False, default=""),
    Column("category", String(32), nullable=False, doc="问题类别"),
    Column("level", String(12), nullable=False, doc="county, city, provincial: where it is solved"),
    Column("lead", String(100), nullable=False, doc="主办单位"),
    Column("assist", JSON, default=list, doc="协办单位"),
    Column("raised_by", String(64), nullable=False, default=""),
    Column("raised_on", Date, nullable=False),
    Column("assigned_on", Date, doc="交办"),
    Column("due_date", Date, doc="办理时限"),
    Column("assist_due", Date, doc="协办单位答复时限"),
    Column("deadline", Date, doc="the next answer is due by"),
    Column("state", String(24), nullable=False, default="pending"),
    Column("state_since", Date, nullable=False),
    Column("step", Integer, doc="index in the problem ladder reached"),
    Column("step_name", String(32), nullable=False, default=""),
    Column("raise_proposed_on", Date, doc="proposed for 提级"),
    Column("extension_to", Date),
    Column("extension_reason", Text, nullable=False, default=""),
    Column("replied_on", Date),
    Column("closed_on", Date),
    Column("result", String(12), nullable=False, default="", doc="solved, partly, unsolved"),
    Column("result_reason", Text, nullable=False, default=""),
    Column("source", String(12), nullable=False, default="cli"),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Column("updated_at", UTCDateTime, nullable=False, default=utcnow),
    Index("ix_problem_lead", "lead"),
    Index("ix_problem_project", "project_id"),
    Index("ix_problem_state", "state"),
)

# Append-only: every move of a problem and every reply, with who, when and why.
PBE = Table(
    "problem_event", metadata,
    Column("id", Integer, primary_key=True),
    Column("problem_id", Integer, ForeignKey("problem.id"), nullable=False),
    Column("run_id", Integer, ForeignKey("run.id"), index=True),
    Column("trigger", String(24), nullable=False),
    Column("from_state", String(24), nullable=False),
    Column("to_state", String(24), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("actor", String(64), nullable=False, default=""),
    Column("unit", String(100), nullable=False, default="", doc="the unit replying"),
    Column("text", Text, nullable=False, default=""),
    Column("numbers", JSON, default=dict),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Index("ix_problem_event_problem", "problem_id", "id"),
)

# Tell one person about one problem's step; batched into that person's digest.
PBN = Table(
    "problem_notice", metadata,
    Column("id", Integer, primary_key=True),
    Column("dedup_key", String(300), nullable=False, unique=True),
    Column("run_id", Integer, ForeignKey("run.id")),
    Column("as_of", Date, nullable=False),
    Column("problem_id", Integer, ForeignKey("problem.id"), nullable=False),
    Column("recipient", String(254), nullable=False),
    Column("recipient_name", String(64), nullable=False, default=""),
    Column("roles", String(200), nullable=False, default=""),
    Column("lang", String(2), nullable=False, default="zh"),
    Column("label", String(12), nullable=False, doc="step, raise, closed"),
    Column("step", Integer),
    Column("step_name", String(32), nullable=False, default=""),
    Column("deadline", Date),
    Column("message_id", Integer, ForeignKey("outbox.id")),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    Index("ix_problem_notice_pending", "message_id", "recipient"),
)



# The columns the rules read about a milestone (and its project's winter pause).
FACT_COLUMNS = (M.c.id, M.c.kind, M.c.state, M.c.planned_start, M.c.planned_date, M.c.percent,
                M.c.actual_date, M.c.last_report_date, M.c.light_facts, M.c.name,
                P.c.code, P.c.outdoor, P.c.winter_pause)


def column_defaults(table: Table) -> dict[str, Any]:
    """Every optional column's value when a row leaves it out, as the ORM fills it and
    Core does not: its default (called when a function), else None when it may be empty.
    An id the database assigns is left out."""
    out: dict[str, Any] = {}
    for column in table.columns:
        if column.autoincrement is True or column is table.autoincrement_column:
            continue
        default = column.default
        if default is not None:
            out[column.key] = default.arg(None) if default.is_callable else default.arg
        elif column.nullable:
            out[column.key] = None
    return out
