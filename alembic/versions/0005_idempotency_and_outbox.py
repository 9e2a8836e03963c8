"""Idempotency keys, and when the broker took each task (the outbox)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 20:22:28.640319
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


CONSTRAINT = "uq_tasks_user_id_idempotency_key"


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("idempotency_key", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_unique_constraint(CONSTRAINT, ["user_id", "idempotency_key"])
    # Tasks from before the outbox were all handed to the broker.
    op.execute("UPDATE tasks SET enqueued_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_constraint(CONSTRAINT, type_="unique")
        batch.drop_column("enqueued_at")
        batch.drop_column("idempotency_key")
