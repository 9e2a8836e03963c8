"""An index on when tasks finished, for the reaper's retention query

The reaper deletes the tasks finished before the retention cutoff, oldest first, 200 at a
time: on (finished_at) that is an index range scan in order that stops after 200 rows; on
(status, finished_at) PostgreSQL still sorts every expired task (three statuses).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 09:00:00.000000
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_tasks_finished_at", "tasks", ["finished_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_tasks_finished_at", table_name="tasks")
