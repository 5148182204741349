"""The API at its edges: partner rate limits, and push feeds' rotation grace and refused signatures.

- `api_rate_limit`: requests per partner API key in the current one-minute window (one row per key, changed by one
  atomic `INSERT … ON CONFLICT DO UPDATE … RETURNING`).
- `feed.previous_secret_sealed` / `feed.previous_secret_until`: after a rotation the previous signing secret (sealed
  like the current one) keeps verifying for a grace window.
- `feed.refused_pushes`, `feed.last_refused_at`, `feed.last_refused_reason`: pushes refused for their signature.
- `feed_event.body_sha256`: the same `webhook-id` with another body is refused (409).
- `threat_assessment.external_id`: the sender's id of a pushed assessment (from `feed_assessment_link`).

Revision ID: 0013_edges
Revises: 0012_protect_prepare
Create Date: 2026-11-30 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_edges"
down_revision: str | Sequence[str] | None = "0012_protect_prepare"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the rate-limit counter and the feed columns."""
    op.create_table(
        "api_rate_limit",
        sa.Column("key_id", sa.String(length=36), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key_id", name="pk_api_rate_limit"),
    )
    with op.batch_alter_table("feed") as batch:
        batch.add_column(sa.Column("previous_secret_sealed", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("previous_secret_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("refused_pushes", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("last_refused_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("last_refused_reason", sa.String(length=500), nullable=True))
    with op.batch_alter_table("feed_event") as batch:
        batch.add_column(sa.Column("body_sha256", sa.String(length=64), nullable=True))
    with op.batch_alter_table("threat_assessment") as batch:
        batch.add_column(sa.Column("external_id", sa.String(length=200), nullable=True))
    op.execute(
        "UPDATE threat_assessment SET external_id = (SELECT MIN(external_id) FROM feed_assessment_link"
        " WHERE feed_assessment_link.threat_assessment_id = threat_assessment.id)"
    )


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("threat_assessment") as batch:
        batch.drop_column("external_id")
    with op.batch_alter_table("feed_event") as batch:
        batch.drop_column("body_sha256")
    with op.batch_alter_table("feed") as batch:
        for column in (
            "last_refused_reason",
            "last_refused_at",
            "refused_pushes",
            "previous_secret_until",
            "previous_secret_sealed",
        ):
            batch.drop_column(column)
    op.drop_table("api_rate_limit")
