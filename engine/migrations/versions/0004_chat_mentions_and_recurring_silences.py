"""Chat robots (issue #14): mobiles for @-mentions, silences that recur on weekdays.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

- ``contact.mobile`` and ``milestone.owner_mobile``: whom a DingTalk or WeCom group
  message @-mentions (blank: no one);
- ``silence.weekdays``: ISO weekdays a silence covers (``6,7`` for every weekend;
  blank: every day from its start to its end).

Columns only, each with an empty default so that existing rows need no value; SQLite
adds them in place (ADD COLUMN), no table is copied.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COLUMNS = (("contact", "mobile"), ("milestone", "owner_mobile"), ("silence", "weekdays"))


def upgrade() -> None:
    for table, column in COLUMNS:
        op.add_column(table, sa.Column(column, sa.String(length=20), nullable=False,
                                       server_default=""))


def downgrade() -> None:
    for table, column in reversed(COLUMNS):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
