"""Warn and inform: the `alert` table (public warnings as CAP 1.2 messages).

- `identifier` is CAP's: unique (a database constraint), never changed.
- `previous_id` names the warning an Update or Cancel follows.
- (created_at, id) serves the staff list, (sent, id) the public list and the Atom feed.

Revision ID: 0017_alerts
Revises: 0016_tensions
Create Date: 2026-11-30 14:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0017_alerts"
down_revision: str | Sequence[str] | None = "0016_tensions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the alert table."""
    op.create_table(
        "alert",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("identifier", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("sender", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("sent", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("msg_type", sa.String(length=20), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("category", sa.JSON(), nullable=False),
        sa.Column("event", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("urgency", sa.String(length=20), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("certainty", sa.String(length=20), nullable=False),
        sa.Column("headline", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("instruction", sa.Text(), nullable=False),
        sa.Column("web", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("expires", sa.DateTime(timezone=True), nullable=True),
        sa.Column("area", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("references", sa.Text(), nullable=False),
        sa.Column("previous_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("author_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("author", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("approved_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("classification", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["previous_id"], ["alert.id"], name=op.f("fk_alert_previous_id_alert")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert")),
        sa.UniqueConstraint("identifier", name=op.f("uq_alert_identifier")),
    )
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.create_index("ix_alert_created_id", ["created_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alert_previous_id"), ["previous_id"], unique=False)
        batch_op.create_index("ix_alert_sent_id", ["sent", "id"], unique=False)


def downgrade() -> None:
    """Drop the alert table (its audit events stay in the log)."""
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_sent_id")
        batch_op.drop_index(batch_op.f("ix_alert_previous_id"))
        batch_op.drop_index("ix_alert_created_id")
    op.drop_table("alert")
