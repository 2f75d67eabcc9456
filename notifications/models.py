"""Tables of the notices: contacts, escalation state, notices, the outbox, acks, silences.

Two levels, so that a notice is never lost and a person gets one e-mail a night:

- :class:`Notice` rows say "tell this person this about this milestone". The run
  writes them in the same transaction as the moves that caused them.
- :class:`OutboxMessage` rows are the e-mails: one digest per recipient, composed
  from the pending notices after the run, each with its status, attempts, last error
  and a Message-ID derived from its dedup key.

:class:`Escalation` is the state of one milestone's episode of yellow/red: the
highest ladder step notified and who was told. It is kept for as long as the
milestone stays yellow/red, however long that is, and removed when the resolution
has gone out.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from engine.models import utcnow

NOTICE_LABELS = ("new", "worse", "still_red", "resolved")
OUTBOX_STATUSES = ("pending", "held", "sent", "failed")
OUTBOX_KINDS = ("digest", "storm")
SILENCE_SCOPES = ("milestone", "project", "recipient")


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

    def covers(self, day: date) -> bool:
        return self.ended_at is None and self.starts <= day <= self.ends


def as_dict(row: Any) -> dict[str, Any]:
    return dict(row._mapping)
