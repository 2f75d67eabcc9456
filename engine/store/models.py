"""The ORM classes (SQLModel) of the tables, for the code and the tests that want objects.

Each class is mapped onto the Core table of :mod:`engine.store.tables` itself, so a
query may mix ``Milestone.state`` and ``M.c.id``; its fields, their types and their
defaults are read from the table's columns, so the schema is written once. Importing
this module loads SQLModel and pydantic (~0.3 s): the set-based code and every
read-only command use the Core tables and never import it.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import PydanticUndefined
from sqlalchemy import JSON, Column, Integer, Table
from sqlmodel import Field, SQLModel
from sqlmodel.main import SQLModelMetaclass

from engine.store import tables as t


def _annotation(column: Column[Any], table: Table) -> Any:
    """The field's Python type: the column's, optional when it may be empty (an id the
    database assigns included); JSON documents as they are."""
    if isinstance(column.type, JSON):
        return Any
    kind = column.type.python_type
    assigned = column is table.autoincrement_column and isinstance(column.type, Integer)
    return kind | None if column.nullable or assigned else kind


def _field(column: Column[Any], table: Table) -> Any:
    default = column.default
    if default is not None and default.is_callable:
        call = default.arg
        return Field(default_factory=lambda: call(None), sa_column=column)
    if default is not None:
        return Field(default=default.arg, sa_column=column)
    if column.nullable or column is table.autoincrement_column:
        return Field(default=None, sa_column=column)
    return Field(default=PydanticUndefined, sa_column=column)


def orm_class(name: str, table: Table) -> type[SQLModel]:
    """A SQLModel class mapped onto ``table``, with a field for each of its columns."""
    namespace: dict[str, Any] = {"__module__": __name__, "__table__": table,
                                 "__doc__": f"The ORM class of the {table.name} table.",
                                 "__annotations__": {}}
    for column in table.columns:
        namespace["__annotations__"][column.key] = _annotation(column, table)
        namespace[column.key] = _field(column, table)
    return SQLModelMetaclass(name, (SQLModel,), namespace, table=True)


Project = orm_class("Project", t.P)
Milestone = orm_class("Milestone", t.M)
ProgressReport = orm_class("ProgressReport", t.REPORTS)
Run = orm_class("Run", t.R)
Transition = orm_class("Transition", t.T)
ReplayLight = orm_class("ReplayLight", t.REPLAY)
InvestmentReport = orm_class("InvestmentReport", t.IR)
RunLockRow = orm_class("RunLockRow", t.L)
JobRun = orm_class("JobRun", t.J)
Contact = orm_class("Contact", t.CONTACT)
Escalation = orm_class("Escalation", t.ESC)
OutboxMessage = orm_class("OutboxMessage", t.OUTBOX)
Notice = orm_class("Notice", t.NOTICE)
Acknowledgement = orm_class("Acknowledgement", t.ACK)
Silence = orm_class("Silence", t.SIL)
Account = orm_class("Account", t.ACCOUNT)
MilestoneReason = orm_class("MilestoneReason", t.REASON)
Problem = orm_class("Problem", t.PB)
ProblemEvent = orm_class("ProblemEvent", t.PBE)
ProblemNotice = orm_class("ProblemNotice", t.PBN)
