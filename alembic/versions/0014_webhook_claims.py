"""When a webhook delivery's try under way was taken

A redelivery asked for while a try is under way is refused until that try's outcome is
recorded (or its worker is lost), rather than sent beside it.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 12:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "webhook_deliveries", sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.drop_column("claimed_at")
