"""threat level

Revision ID: 0002_threat_level
Revises: 0001_foundation
Create Date: 2026-11-29 12:36:13.539778
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002_threat_level"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "threat_level_change",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("feed_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=250), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("changed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_threat_level_change")),
    )
    with op.batch_alter_table("threat_level_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_threat_level_change_feed_id"), ["feed_id"], unique=False)
        batch_op.create_index("ix_threat_level_change_scope_effective", ["scope", "effective_from", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("threat_level_change", schema=None) as batch_op:
        batch_op.drop_index("ix_threat_level_change_scope_effective")
        batch_op.drop_index(batch_op.f("ix_threat_level_change_feed_id"))

    op.drop_table("threat_level_change")
