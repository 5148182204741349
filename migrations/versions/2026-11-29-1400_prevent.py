"""prevent: police threat assessments, Prevent delivery plans, items and progress updates

Revision ID: 0003_prevent
Revises: 0001_foundation
Create Date: 2026-11-29 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003_prevent"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "threat_assessment",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("issued_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("priorities", sa.JSON(), nullable=False),
        sa.Column("classification", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_threat_assessment")),
    )
    with op.batch_alter_table("threat_assessment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_threat_assessment_classification"), ["classification"], unique=False)
        batch_op.create_index("ix_threat_assessment_period", ["period_end", "created_at"], unique=False)

    op.create_table(
        "prevent_plan",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("approved_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("threat_assessment_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("previous_plan_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("classification", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["previous_plan_id"],
            ["prevent_plan.id"],
            name=op.f("fk_prevent_plan_previous_plan_id_prevent_plan"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["threat_assessment_id"],
            ["threat_assessment.id"],
            name=op.f("fk_prevent_plan_threat_assessment_id_threat_assessment"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prevent_plan")),
    )
    with op.batch_alter_table("prevent_plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prevent_plan_classification"), ["classification"], unique=False)
        batch_op.create_index("ix_prevent_plan_period", ["period_start", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_prevent_plan_previous_plan_id"), ["previous_plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_prevent_plan_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_prevent_plan_threat_assessment_id"), ["threat_assessment_id"], unique=False
        )

    op.create_table(
        "prevent_item",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("plan_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("ref", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("key_area", sa.String(length=20), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("partners", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("rag", sa.String(length=10), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("measure", sa.Text(), nullable=False),
        sa.Column("priority_refs", sa.JSON(), nullable=False),
        sa.Column("classification", sa.String(length=20), nullable=False),
        sa.Column("continues_item_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["continues_item_id"],
            ["prevent_item.id"],
            name=op.f("fk_prevent_item_continues_item_id_prevent_item"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["prevent_plan.id"],
            name=op.f("fk_prevent_item_plan_id_prevent_plan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prevent_item")),
    )
    with op.batch_alter_table("prevent_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prevent_item_classification"), ["classification"], unique=False)
        batch_op.create_index(batch_op.f("ix_prevent_item_continues_item_id"), ["continues_item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_prevent_item_due_date"), ["due_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_prevent_item_owner"), ["owner"], unique=False)
        batch_op.create_index("ix_prevent_item_plan_area_status", ["plan_id", "key_area", "status"], unique=False)
        batch_op.create_index("ix_prevent_item_plan_due", ["plan_id", "due_date"], unique=False)
        batch_op.create_index("ix_prevent_item_plan_ref", ["plan_id", "ref", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_prevent_item_rag"), ["rag"], unique=False)
        batch_op.create_index(batch_op.f("ix_prevent_item_status"), ["status"], unique=False)

    op.create_table(
        "prevent_item_update",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("item_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status_from", sa.String(length=20), nullable=True),
        sa.Column("status_to", sa.String(length=20), nullable=True),
        sa.Column("rag_from", sa.String(length=10), nullable=True),
        sa.Column("rag_to", sa.String(length=10), nullable=True),
        sa.Column("author", sqlmodel.sql.sqltypes.AutoString(length=250), nullable=False),
        sa.Column("author_organisation", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["prevent_item.id"],
            name=op.f("fk_prevent_item_update_item_id_prevent_item"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prevent_item_update")),
    )
    with op.batch_alter_table("prevent_item_update", schema=None) as batch_op:
        batch_op.create_index("ix_prevent_item_update_item_created", ["item_id", "created_at", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("prevent_item_update", schema=None) as batch_op:
        batch_op.drop_index("ix_prevent_item_update_item_created")

    op.drop_table("prevent_item_update")
    with op.batch_alter_table("prevent_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prevent_item_status"))
        batch_op.drop_index(batch_op.f("ix_prevent_item_rag"))
        batch_op.drop_index("ix_prevent_item_plan_ref")
        batch_op.drop_index("ix_prevent_item_plan_due")
        batch_op.drop_index("ix_prevent_item_plan_area_status")
        batch_op.drop_index(batch_op.f("ix_prevent_item_owner"))
        batch_op.drop_index(batch_op.f("ix_prevent_item_due_date"))
        batch_op.drop_index(batch_op.f("ix_prevent_item_continues_item_id"))
        batch_op.drop_index(batch_op.f("ix_prevent_item_classification"))

    op.drop_table("prevent_item")
    with op.batch_alter_table("prevent_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prevent_plan_threat_assessment_id"))
        batch_op.drop_index(batch_op.f("ix_prevent_plan_status"))
        batch_op.drop_index(batch_op.f("ix_prevent_plan_previous_plan_id"))
        batch_op.drop_index("ix_prevent_plan_period")
        batch_op.drop_index(batch_op.f("ix_prevent_plan_classification"))

    op.drop_table("prevent_plan")
    with op.batch_alter_table("threat_assessment", schema=None) as batch_op:
        batch_op.drop_index("ix_threat_assessment_period")
        batch_op.drop_index(batch_op.f("ix_threat_assessment_classification"))

    op.drop_table("threat_assessment")
