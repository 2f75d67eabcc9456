"""The data model: projects, their milestones (node tasks), progress and the audit.

Money is in 万元 as the ledgers write it, as exact decimals. States and enumerations
are stored as short strings (portable between SQLite and PostgreSQL); the values are
the ones in :mod:`rules.lights` and the ``*_VALUES`` tuples below.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

CATEGORIES = ("industrial", "infrastructure", "services", "social", "livelihood", "health")
LEVELS = ("provincial", "city", "county")
NATURES = ("new", "continuing")
PROJECT_STATUSES = ("active", "suspended", "cancelled")
RUN_MODES = ("nightly", "manual", "replay")
RUN_STATUSES = ("running", "ok", "failed", "interrupted")


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
