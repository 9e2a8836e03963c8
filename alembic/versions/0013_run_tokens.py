"""The token of the run that holds a task or a range

A run's admission records a new token; a run that finds another at a checkpoint was
superseded (the reaper sent its task again) and stops without writing.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 11:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tasks", sa.Column("run_token", sa.String(length=36), nullable=True))
    op.add_column("task_ranges", sa.Column("run_token", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("task_ranges") as batch:
        batch.drop_column("run_token")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("run_token")
