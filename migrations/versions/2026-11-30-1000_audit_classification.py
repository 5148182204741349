"""Audit events carry the marking of the record they are about, so the log can be read within a clearance.

Revision ID: 0008_audit_classification
Revises: 0007_one_head
Create Date: 2026-11-30 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_audit_classification"
down_revision: str | Sequence[str] | None = "0007_one_head"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the nullable marking (events written before it have none)."""
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("classification", sa.String(length=20), nullable=True))


def downgrade() -> None:
    """Drop the marking."""
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_column("classification")
