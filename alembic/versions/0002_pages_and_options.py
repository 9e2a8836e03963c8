"""Per-page results, page progress and request options

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 19:47:25.932479
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "task_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("rotation", sa.Integer(), nullable=False),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.Column("confidence_score", sa.Float(), nullable=False),
        sa.Column("result_key", sa.String(length=512), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("task_id", "number"),
    )
    op.create_index(op.f("ix_task_pages_task_id"), "task_pages", ["task_id"], unique=False)
    op.add_column("tasks", sa.Column("page", sa.Integer(), nullable=True))
    op.add_column("tasks", sa.Column("page_count", sa.Integer(), nullable=True))
    op.add_column("tasks", sa.Column("options", sa.JSON(), server_default="{}", nullable=False))


def downgrade() -> None:
    op.drop_column("tasks", "options")
    op.drop_column("tasks", "page_count")
    op.drop_column("tasks", "page")
    op.drop_index(op.f("ix_task_pages_task_id"), table_name="task_pages")
    op.drop_table("task_pages")
