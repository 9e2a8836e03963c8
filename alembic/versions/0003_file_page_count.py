"""Pages of a file as counted at upload, for the task's time limit

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 20:06:08.723033
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("files", sa.Column("page_count", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("files", "page_count")
