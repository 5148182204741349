"""prepare: contingency plans, exercises, the local risk register

Revision ID: 0005_prepare
Revises: 0001_foundation
Create Date: 2026-11-29 12:40:28.947584
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005_prepare"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contingency_plan",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("plan_type", sa.String(length=40), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version_label", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("review_due", sa.Date(), nullable=True),
        sa.Column("activation_level", sa.String(length=20), nullable=True),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("document_url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("classification", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contingency_plan")),
    )
    with op.batch_alter_table("contingency_plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contingency_plan_classification"), ["classification"], unique=False)
        batch_op.create_index(batch_op.f("ix_contingency_plan_plan_type"), ["plan_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_contingency_plan_review_due"), ["review_due"], unique=False)
        batch_op.create_index(batch_op.f("ix_contingency_plan_status"), ["status"], unique=False)

    op.create_table(
        "exercise",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("exercise_type", sa.String(length=20), nullable=False),
        sa.Column("participants", sa.JSON(), nullable=False),
        sa.Column("lessons", sa.JSON(), nullable=False),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("classification", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exercise")),
    )
    with op.batch_alter_table("exercise", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exercise_classification"), ["classification"], unique=False)
        batch_op.create_index(batch_op.f("ix_exercise_held_on"), ["held_on"], unique=False)

    op.create_table(
        "risk",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("likelihood", sa.Integer(), nullable=False),
        sa.Column("impact", sa.Integer(), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("mitigations", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("review_due", sa.Date(), nullable=True),
        sa.Column("classification", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk")),
    )
    with op.batch_alter_table("risk", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_classification"), ["classification"], unique=False)
        batch_op.create_index("ix_risk_likelihood_impact", ["likelihood", "impact"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_review_due"), ["review_due"], unique=False)

    op.create_table(
        "contingency_plan_risk",
        sa.Column("plan_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("risk_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["contingency_plan.id"],
            name=op.f("fk_contingency_plan_risk_plan_id_contingency_plan"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["risk_id"], ["risk.id"], name=op.f("fk_contingency_plan_risk_risk_id_risk"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("plan_id", "risk_id", name=op.f("pk_contingency_plan_risk")),
    )
    with op.batch_alter_table("contingency_plan_risk", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contingency_plan_risk_risk_id"), ["risk_id"], unique=False)

    op.create_table(
        "contingency_plan_site",
        sa.Column("plan_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("site_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["contingency_plan.id"],
            name=op.f("fk_contingency_plan_site_plan_id_contingency_plan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("plan_id", "site_id", name=op.f("pk_contingency_plan_site")),
    )
    with op.batch_alter_table("contingency_plan_site", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contingency_plan_site_site_id"), ["site_id"], unique=False)

    op.create_table(
        "exercise_plan",
        sa.Column("exercise_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("plan_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["exercise_id"],
            ["exercise.id"],
            name=op.f("fk_exercise_plan_exercise_id_exercise"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["contingency_plan.id"],
            name=op.f("fk_exercise_plan_plan_id_contingency_plan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("exercise_id", "plan_id", name=op.f("pk_exercise_plan")),
    )
    with op.batch_alter_table("exercise_plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exercise_plan_plan_id"), ["plan_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("exercise_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exercise_plan_plan_id"))

    op.drop_table("exercise_plan")
    with op.batch_alter_table("contingency_plan_site", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contingency_plan_site_site_id"))

    op.drop_table("contingency_plan_site")
    with op.batch_alter_table("contingency_plan_risk", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contingency_plan_risk_risk_id"))

    op.drop_table("contingency_plan_risk")
    with op.batch_alter_table("risk", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_review_due"))
        batch_op.drop_index("ix_risk_likelihood_impact")
        batch_op.drop_index(batch_op.f("ix_risk_classification"))
        batch_op.drop_index(batch_op.f("ix_risk_category"))

    op.drop_table("risk")
    with op.batch_alter_table("exercise", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exercise_held_on"))
        batch_op.drop_index(batch_op.f("ix_exercise_classification"))

    op.drop_table("exercise")
    with op.batch_alter_table("contingency_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contingency_plan_status"))
        batch_op.drop_index(batch_op.f("ix_contingency_plan_review_due"))
        batch_op.drop_index(batch_op.f("ix_contingency_plan_plan_type"))
        batch_op.drop_index(batch_op.f("ix_contingency_plan_classification"))

    op.drop_table("contingency_plan")
