"""Cancellation: a cancelled status and a flag for a running task

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 20:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

STATUSES = ("queued", "processing", "completed", "failed")


def upgrade() -> None:
    op.add_column(
        "tasks",
        sa.Column("cancel_requested", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TYPE task_status ADD VALUE IF NOT EXISTS 'cancelled'")


def downgrade() -> None:
    op.execute("UPDATE tasks SET status = 'failed' WHERE status = 'cancelled'")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("cancel_requested")
    if op.get_bind().dialect.name == "postgresql":
        # PostgreSQL cannot drop one value of an enum type: build the type anew.
        op.execute("ALTER TYPE task_status RENAME TO task_status_old")
        sa.Enum(*STATUSES, name="task_status").create(op.get_bind())
        op.execute(
            "ALTER TABLE tasks ALTER COLUMN status TYPE task_status USING status::text::task_status"
        )
        op.execute("DROP TYPE task_status_old")
