"""Governance: working groups, their meetings and actions, escalations to EMT, EMT's priorities for the year.

Actions, escalations and priorities hold their links to other areas' records as a JSON list of `{type, id}`
(resolved and filtered by the reader's clearance when read, never joined).

Revision ID: 0018_governance
Revises: 0017_alerts
Create Date: 2026-11-30 14:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0018_governance"
down_revision: str | Sequence[str] | None = "0017_alerts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the governance tables."""
    op.create_table(
        "emt_priority",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("year", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("strand", sa.String(length=20), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("classification", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emt_priority")),
    )
    with op.batch_alter_table("emt_priority", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_emt_priority_classification"), ["classification"], unique=False)
        batch_op.create_index(batch_op.f("ix_emt_priority_status"), ["status"], unique=False)
        batch_op.create_index("ix_emt_priority_year_strand", ["year", "strand", "id"], unique=False)

    op.create_table(
        "working_group",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("strand", sa.String(length=20), nullable=False),
        sa.Column("chair", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("meets", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("classification", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_working_group")),
    )
    with op.batch_alter_table("working_group", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_working_group_classification"), ["classification"], unique=False)
        batch_op.create_index("ix_working_group_name", ["name"], unique=True)
        batch_op.create_index(batch_op.f("ix_working_group_strand"), ["strand"], unique=False)

    op.create_table(
        "escalation",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("group_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("impact", sa.Text(), nullable=False),
        sa.Column("ask", sa.String(length=20), nullable=False),
        sa.Column("resources_needed", sa.Text(), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(length=250), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("raised_by", sqlmodel.sql.sqltypes.AutoString(length=250), nullable=False),
        sa.Column("raised_by_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("classification", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["working_group.id"], name=op.f("fk_escalation_group_id_working_group"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation")),
    )
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escalation_classification"), ["classification"], unique=False)
        batch_op.create_index(batch_op.f("ix_escalation_group_id"), ["group_id"], unique=False)
        batch_op.create_index("ix_escalation_status_created", ["status", "created_at", "id"], unique=False)

    op.create_table(
        "meeting",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("group_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("attendees", sa.JSON(), nullable=False),
        sa.Column("apologies", sa.JSON(), nullable=False),
        sa.Column("agenda", sa.JSON(), nullable=False),
        sa.Column("minutes", sa.Text(), nullable=False),
        sa.Column("decisions", sa.JSON(), nullable=False),
        sa.Column("classification", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["working_group.id"], name=op.f("fk_meeting_group_id_working_group"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting")),
    )
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_classification"), ["classification"], unique=False)
        batch_op.create_index("ix_meeting_group_held", ["group_id", "held_on", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_meeting_held_on"), ["held_on"], unique=False)

    op.create_table(
        "governance_action",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("group_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("meeting_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("classification", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["working_group.id"],
            name=op.f("fk_governance_action_group_id_working_group"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meeting.id"], name=op.f("fk_governance_action_meeting_id_meeting"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_action")),
    )
    with op.batch_alter_table("governance_action", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_governance_action_classification"), ["classification"], unique=False)
        batch_op.create_index("ix_governance_action_group_due", ["group_id", "due_on", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_governance_action_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_governance_action_owner"), ["owner"], unique=False)
        batch_op.create_index("ix_governance_action_status_due", ["status", "due_on"], unique=False)


def downgrade() -> None:
    """Drop the governance tables (their indexes go with them), children first."""
    for table in ("governance_action", "meeting", "escalation", "working_group", "emt_priority"):
        op.drop_table(table)
