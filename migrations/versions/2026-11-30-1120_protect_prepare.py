"""Protect and Prepare on the common text types; a plan's site links point at the site register.

- Long texts (assessment and plan summaries, risk descriptions and mitigations, exercise summaries) become TEXT:
  the common `LongText` accepts 10,000 characters, more than their VARCHAR(4000/5000) columns held.
- `contingency_plan_site.site_id` gets its foreign key to `site` (ON DELETE CASCADE): a deleted site no longer
  leaves links behind. Links to sites that no longer exist are removed first.

Revision ID: 0012_protect_prepare
Revises: 0011_prevent
Create Date: 2026-11-30 11:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_protect_prepare"
down_revision: str | Sequence[str] | None = "0011_prevent"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LONG_TEXTS = [
    ("security_assessment", "summary", 5000),
    ("contingency_plan", "summary", 4000),
    ("risk", "description", 4000),
    ("risk", "mitigations", 4000),
    ("exercise", "summary", 4000),
]
SITE_FK = "fk_contingency_plan_site_site_id_site"


def upgrade() -> None:
    """Widen the long texts; link plans to sites by foreign key."""
    for table, column, length in LONG_TEXTS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, existing_type=sa.String(length), type_=sa.Text(), existing_nullable=False)
    op.execute("DELETE FROM contingency_plan_site WHERE site_id NOT IN (SELECT id FROM site)")
    with op.batch_alter_table("contingency_plan_site") as batch:
        batch.create_foreign_key(SITE_FK, "site", ["site_id"], ["id"], ondelete="CASCADE")


def downgrade() -> None:
    """Drop the foreign key; narrow the long texts again (longer values are cut to fit)."""
    with op.batch_alter_table("contingency_plan_site") as batch:
        batch.drop_constraint(SITE_FK, type_="foreignkey")
    for table, column, length in LONG_TEXTS:
        rows = sa.table(table, sa.column(column, sa.Text()))
        value = rows.c[column]
        op.execute(
            rows.update().where(sa.func.length(value) > length).values({column: sa.func.substr(value, 1, length)})
        )
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, existing_type=sa.Text(), type_=sa.String(length), existing_nullable=False)
