"""feeds

Revision ID: 0006_feeds
Revises: 0002_threat_level, 0003_prevent
Create Date: 2026-11-29 15:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006_feeds"
down_revision: str | Sequence[str] | None = ("0002_threat_level", "0003_prevent")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feed",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("poll_interval_seconds", sa.Integer(), nullable=False),
        sa.Column("max_age_seconds", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("last_polled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("http_etag", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("http_last_modified", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("secret_sealed", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed")),
        sa.UniqueConstraint("name", name=op.f("uq_feed_name")),
    )
    op.create_table(
        "feed_assessment_link",
        sa.Column("feed_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("threat_assessment_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["feed_id"], ["feed.id"], name=op.f("fk_feed_assessment_link_feed_id_feed"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["threat_assessment_id"],
            ["threat_assessment.id"],
            name=op.f("fk_feed_assessment_link_threat_assessment_id_threat_assessment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("feed_id", "external_id", name="pk_feed_assessment_link"),
    )
    with op.batch_alter_table("feed_assessment_link", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feed_assessment_link_threat_assessment_id"), ["threat_assessment_id"], unique=False
        )
    op.create_table(
        "feed_event",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("feed_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("webhook_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("event_type", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.ForeignKeyConstraint(["feed_id"], ["feed.id"], name=op.f("fk_feed_event_feed_id_feed"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_event")),
        sa.UniqueConstraint("feed_id", "webhook_id", name="uq_feed_event_feed_id_webhook_id"),
    )


def downgrade() -> None:
    op.drop_table("feed_event")
    with op.batch_alter_table("feed_assessment_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feed_assessment_link_threat_assessment_id"))
    op.drop_table("feed_assessment_link")
    op.drop_table("feed")
