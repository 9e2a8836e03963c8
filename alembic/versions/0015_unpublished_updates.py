"""Tasks whose final update Redis missed

A final update is tried for a few seconds while Redis is away; a longer outage marks the
task, and the reaper publishes its state again once Redis is back, so that its sockets
learn how it ended.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 18:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "tasks",
        sa.Column("update_unpublished", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_index(
        "ix_tasks_update_unpublished",
        "tasks",
        ["update_unpublished"],
        postgresql_where=sa.text("update_unpublished"),
        sqlite_where=sa.text("update_unpublished"),
    )


def downgrade() -> None:
    op.drop_index("ix_tasks_update_unpublished", table_name="tasks")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("update_unpublished")
