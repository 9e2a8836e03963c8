"""Tokens record the token that made them; pages and results record their stored size

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "api_tokens_parent_id_fkey", "api_tokens", ["parent_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index("ix_api_tokens_parent_id", ["parent_id"])
    # Rows stored before this migration count 0 bytes: their sizes were never recorded.
    with op.batch_alter_table("task_pages") as batch:
        batch.add_column(sa.Column("size_bytes", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("results") as batch:
        batch.add_column(
            sa.Column("size_bytes", sa.BigInteger(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("results") as batch:
        batch.drop_column("size_bytes")
    with op.batch_alter_table("task_pages") as batch:
        batch.drop_column("size_bytes")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_index("ix_api_tokens_parent_id")
        batch.drop_constraint("api_tokens_parent_id_fkey", type_="foreignkey")
        batch.drop_column("parent_id")
