"""Community tensions: tension reports, community events and the events' links to sites.

- `tension_report`: a report from a member, officer or partner system (its reporter kept by kind and id, with the
  name and organisation they had), and the officers' assessment (level, trend, status, actions, reassurance).
- `community_event`: the calendar of protests, marches, vigils and gatherings; `community_event_site` links an
  event to sites of the Protect register (deleting either ends the link). A deleted event leaves its reports,
  unlinked (`ON DELETE SET NULL`).

Downgrade drops the three tables and their data.

Revision ID: 0016_tensions
Revises: 0015_search
Create Date: 2026-11-30 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0016_tensions"
down_revision: str | Sequence[str] | None = "0015_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the tables of community tensions."""
    op.create_table(
        "community_event",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("ward", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("expected_attendance", sa.Integer(), nullable=True),
        sa.Column("organiser", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("classification", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_event")),
    )
    with op.batch_alter_table("community_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_community_event_classification"), ["classification"], unique=False)
        batch_op.create_index(batch_op.f("ix_community_event_ends_at"), ["ends_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_community_event_kind"), ["kind"], unique=False)
        batch_op.create_index("ix_community_event_starts_id", ["starts_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_community_event_ward"), ["ward"], unique=False)

    op.create_table(
        "community_event_site",
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("site_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["community_event.id"],
            name=op.f("fk_community_event_site_event_id_community_event"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_community_event_site_site_id_site"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("event_id", "site_id", name=op.f("pk_community_event_site")),
    )
    with op.batch_alter_table("community_event_site", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_community_event_site_site_id"), ["site_id"], unique=False)

    op.create_table(
        "tension_report",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("ward", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("communities", sa.JSON(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("trigger_detail", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("community_event_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reporter_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("reporter_kind", sa.String(length=10), nullable=False),
        sa.Column("reporter_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("reporter_organisation", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("trend", sa.String(length=20), nullable=True),
        sa.Column("actions", sa.Text(), nullable=False),
        sa.Column("assessment_notes", sa.Text(), nullable=False),
        sa.Column("police_informed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reassurance_message", sa.Text(), nullable=False),
        sa.Column("classification", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_event_id"],
            ["community_event.id"],
            name=op.f("fk_tension_report_community_event_id_community_event"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tension_report")),
    )
    with op.batch_alter_table("tension_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tension_report_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_tension_report_classification"), ["classification"], unique=False)
        batch_op.create_index(batch_op.f("ix_tension_report_community_event_id"), ["community_event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tension_report_level"), ["level"], unique=False)
        batch_op.create_index("ix_tension_report_reported_id", ["reported_at", "id"], unique=False)
        batch_op.create_index(
            "ix_tension_report_reporter", ["reporter_kind", "reporter_id", "reported_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_tension_report_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_tension_report_ward"), ["ward"], unique=False)


def downgrade() -> None:
    """Drop them (their indexes go with them)."""
    op.drop_table("tension_report")
    op.drop_table("community_event_site")
    op.drop_table("community_event")
