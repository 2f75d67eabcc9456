"""store.bulk.insert_rows writes what SQLAlchemy's INSERT writes, on SQLite and on
PostgreSQL (where it goes by COPY in the binary format: each value dumped by its
column's type, JSON text and floats in NUMERIC columns made to fit)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Float,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    insert,
    select,
)

from engine.store.bulk import JsonText, insert_rows
from engine.store.tables import UTCDateTime


def _probe(name: str) -> Table:
    return Table(name, MetaData(), Column("id", Integer, primary_key=True),
                 Column("amount", Numeric(18, 2)), Column("facts", JSON),
                 Column("day", Date), Column("at", UTCDateTime), Column("name", String(20)),
                 Column("flag", Boolean), Column("share", Float),
                 Column("kind", String(8), nullable=False, default="plain"))


ROWS = [
    {"id": 1, "amount": 2.345, "facts": JsonText('[{"rule": "late",  "days": 3}]'),
     "day": date(2026, 11, 23), "at": datetime(2026, 11, 23, 8, 30, tzinfo=UTC),
     "name": "南岗区", "flag": True, "share": 60},
    {"id": 2, "amount": Decimal("12.5"), "facts": [{"rule": "done"}], "day": None,
     "at": None, "name": "", "flag": False, "share": 0.35},
    {"id": 3, "amount": None, "facts": None, "day": None, "at": None, "name": None,
     "flag": None, "share": None},
]


def test_insert_rows_stores_what_an_insert_stores(engine) -> None:
    copied, inserted = _probe("bulk_copied"), _probe("bulk_inserted")
    for table in (copied, inserted):
        table.create(engine)
    try:
        with engine.begin() as conn:
            insert_rows(conn, copied, [dict(r) for r in ROWS])
            conn.execute(insert(inserted), [
                {**r, "facts": [{"rule": "late", "days": 3}] if r["id"] == 1 else r["facts"]}
                for r in ROWS])
        with engine.connect() as conn:
            got = conn.execute(select(copied).order_by(copied.c.id)).all()
            want = conn.execute(select(inserted).order_by(inserted.c.id)).all()
        assert got == want
        assert got[0].amount == Decimal("2.35") and got[0].kind == "plain"
    finally:
        for table in (copied, inserted):
            table.drop(engine)
