"""API tokens of their own (named, listed by prefix, revocable, expiring) and admins

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 20:55:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"], unique=False)
    # Each user's one token moves over; its secret was never stored, so no prefix is known.
    op.execute(
        "INSERT INTO api_tokens (user_id, name, prefix, token_hash, created_at)"
        " SELECT id, 'first token', 'ocr_unknown', token_hash, created_at FROM users"
    )
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("is_admin", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.drop_column("token_hash")


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("token_hash", sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE users SET token_hash = (SELECT token_hash FROM api_tokens"
        " WHERE api_tokens.user_id = users.id ORDER BY api_tokens.id LIMIT 1)"
    )
    op.execute("DELETE FROM users WHERE token_hash IS NULL")
    with op.batch_alter_table("users") as batch:
        batch.alter_column("token_hash", nullable=False)
        batch.create_unique_constraint("users_token_hash_key", ["token_hash"])
        batch.drop_column("is_admin")
    op.drop_index(op.f("ix_api_tokens_user_id"), table_name="api_tokens")
    op.drop_table("api_tokens")
