"""Queues by kind of work (small, large, priority) and priority users

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 22:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(
            sa.Column("queue", sa.String(length=16), nullable=False, server_default="small")
        )
        batch.create_index("ix_tasks_status_queue_created_at", ["status", "queue", "created_at"])
        batch.create_index("ix_tasks_queue_status_finished_at", ["queue", "status", "finished_at"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("priority", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("priority")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_index("ix_tasks_queue_status_finished_at")
        batch.drop_index("ix_tasks_status_queue_created_at")
        batch.drop_column("queue")
