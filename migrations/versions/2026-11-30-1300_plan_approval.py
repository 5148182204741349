"""Prevent plan approval: submitted and returned plans, EMT's decisions, plans in force by date.

- `prevent_plan.decisions`: EMT's decisions about the plan, oldest first (JSON list of
  `{outcome, by, at, meeting, comments}`).
- A plan comes into force on its period start and supersedes the plan before it then, so several approved plans
  (for different periods) may coexist: the rule "at most one approved plan" becomes "at most one approved plan per
  period start" (`ix_prevent_plan_one_approved_per_start` replaces `ix_prevent_plan_one_approved`). Plans already
  marked `superseded` stay so.

Downgrade: the later approved plans stay approved only for the newest; the others are marked superseded (the old
rule), `submitted` and `returned` plans become drafts again, and the decisions are dropped.

Revision ID: 0014_plan_approval
Revises: 0013_edges
Create Date: 2026-11-30 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_plan_approval"
down_revision: str | Sequence[str] | None = "0013_edges"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONLY_APPROVED = sa.text("status = 'approved'")


def upgrade() -> None:
    """Add the decisions; one approved plan per period start instead of one in all."""
    op.drop_index("ix_prevent_plan_one_approved", table_name="prevent_plan")  # first: a batch copy keeps no WHERE
    with op.batch_alter_table("prevent_plan") as batch:
        batch.add_column(sa.Column("decisions", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    with op.batch_alter_table("prevent_plan") as batch:
        batch.alter_column("decisions", server_default=None)
    op.create_index(
        "ix_prevent_plan_one_approved_per_start",
        "prevent_plan",
        ["period_start"],
        unique=True,
        sqlite_where=ONLY_APPROVED,
        postgresql_where=ONLY_APPROVED,
    )


def downgrade() -> None:
    """Back to one approved plan in all: the newest approved plan stays approved, the rest are superseded."""
    connection = op.get_bind()
    op.drop_index("ix_prevent_plan_one_approved_per_start", table_name="prevent_plan")
    with op.batch_alter_table("prevent_plan") as batch:
        batch.drop_column("decisions")
    connection.execute(
        sa.text(
            "UPDATE prevent_plan SET status = 'draft', version = version + 1 WHERE status IN ('submitted', 'returned')"
        )
    )
    approved = connection.execute(
        sa.text("SELECT id FROM prevent_plan WHERE status = 'approved' ORDER BY period_start DESC, id DESC")
    ).scalars()
    for plan_id in list(approved)[1:]:
        connection.execute(
            sa.text("UPDATE prevent_plan SET status = 'superseded', version = version + 1 WHERE id = :id"),
            {"id": plan_id},
        )
    op.create_index(
        "ix_prevent_plan_one_approved",
        "prevent_plan",
        ["status"],
        unique=True,
        sqlite_where=ONLY_APPROVED,
        postgresql_where=ONLY_APPROVED,
    )
