"""protect: the site register, security assessments, the training log

Revision ID: 0004_protect
Revises: 0001_foundation
Create Date: 2026-11-29 12:39:53.417819
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004_protect"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "site",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("postcode", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("ward", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("uprn", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("response_level", sa.String(length=20), nullable=True),
        sa.Column("protective_measures", sa.JSON(), nullable=False),
        sa.Column("operator", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("last_assessed_on", sa.Date(), nullable=True),
        sa.Column("next_review_due", sa.Date(), nullable=True),
        sa.Column("classification", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site")),
    )

    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_capacity"), ["capacity"], unique=False)
        batch_op.create_index(batch_op.f("ix_site_category"), ["category"], unique=False)
        batch_op.create_index("ix_site_lat_lon", ["lat", "lon"], unique=False)
        batch_op.create_index("ix_site_name_id", ["name", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_site_next_review_due"), ["next_review_due"], unique=False)
        batch_op.create_index(batch_op.f("ix_site_postcode"), ["postcode"], unique=False)
        batch_op.create_index(batch_op.f("ix_site_ward"), ["ward"], unique=False)

    op.create_table(
        "training_session",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("course", sa.String(length=40), nullable=False),
        sa.Column("delivered_on", sa.Date(), nullable=False),
        sa.Column("audience", sa.String(length=20), nullable=False),
        sa.Column("organisation", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("attendees", sa.Integer(), nullable=False),
        sa.Column("delivered_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("classification", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_session")),
    )

    with op.batch_alter_table("training_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_training_session_audience"), ["audience"], unique=False)
        batch_op.create_index(batch_op.f("ix_training_session_classification"), ["classification"], unique=False)
        batch_op.create_index(batch_op.f("ix_training_session_course"), ["course"], unique=False)
        batch_op.create_index("ix_training_session_delivered_id", ["delivered_on", "id"], unique=False)

    op.create_table(
        "security_assessment",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("site_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("assessor", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(length=5000), nullable=False),
        sa.Column("recommendations", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_security_assessment_site_id_site"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_assessment")),
    )

    with op.batch_alter_table("security_assessment", schema=None) as batch_op:
        batch_op.create_index("ix_security_assessment_site_assessed", ["site_id", "assessed_on", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("security_assessment", schema=None) as batch_op:
        batch_op.drop_index("ix_security_assessment_site_assessed")

    op.drop_table("security_assessment")

    with op.batch_alter_table("training_session", schema=None) as batch_op:
        batch_op.drop_index("ix_training_session_delivered_id")
        batch_op.drop_index(batch_op.f("ix_training_session_course"))
        batch_op.drop_index(batch_op.f("ix_training_session_classification"))
        batch_op.drop_index(batch_op.f("ix_training_session_audience"))

    op.drop_table("training_session")

    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_ward"))
        batch_op.drop_index(batch_op.f("ix_site_postcode"))
        batch_op.drop_index(batch_op.f("ix_site_next_review_due"))
        batch_op.drop_index("ix_site_name_id")
        batch_op.drop_index("ix_site_lat_lon")
        batch_op.drop_index(batch_op.f("ix_site_category"))
        batch_op.drop_index(batch_op.f("ix_site_capacity"))

    op.drop_table("site")
