"""Pages levelled before they were read

A page fed askew is turned back by the angle its lines rose by before it is read; the
page's row keeps that angle beside its rotation, for the page list and its webhook.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 07:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("task_pages", sa.Column("skew", sa.Float(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("task_pages") as batch:
        batch.drop_column("skew")
