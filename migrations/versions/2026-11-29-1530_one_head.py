"""Join the areas' migrations into a single head, so `alembic upgrade head` works as well as `heads`.

Revision ID: 0007_one_head
Revises: 0004_protect, 0005_prepare, 0006_feeds
Create Date: 2026-11-29 15:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0007_one_head"
down_revision: str | Sequence[str] | None = ("0004_protect", "0005_prepare", "0006_feeds")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to change: this revision only merges the branches."""


def downgrade() -> None:
    """Nothing to change: this revision only merges the branches."""
