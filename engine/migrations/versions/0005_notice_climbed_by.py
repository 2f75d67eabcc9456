"""Escalation by a project's streak (issue #13): how a notice's step was reached.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

- ``notice.climbed_by``: ``days`` (the light held for the step's working days),
  ``streak`` (the milestone's month ends in a row at its light) or ``project_streak``
  (its project's); blank for notices written before, or at an earlier step;
- ``notice.streak``: the month ends in a row that reached the step.

The digest says in words why a node climbed by repetition. Columns only, each with a
default so that existing rows need no value; SQLite adds them in place.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("notice", sa.Column("climbed_by", sa.String(length=16), nullable=False,
                                      server_default=""))
    op.add_column("notice", sa.Column("streak", sa.Integer(), nullable=False,
                                      server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("notice") as batch:
        batch.drop_column("streak")
        batch.drop_column("climbed_by")
