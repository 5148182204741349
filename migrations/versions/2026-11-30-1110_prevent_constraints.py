"""Prevent's uniqueness rules as database rules: an item ref once per plan (any case), one approved plan.

Both were read-then-write checks before, which concurrent requests on PostgreSQL could pass together. Rows that
already break them (left by such races) are repaired first, so the indexes can be built: a repeated ref gets a
`~2`, `~3`, ... suffix (the oldest item keeps the ref), and of several approved plans the most recently approved
stays approved while the others become superseded, as approving them one after another would have left them.

Revision ID: 0011_prevent
Revises: 0009_trust
Create Date: 2026-11-30 11:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_prevent"
down_revision: str | Sequence[str] | None = "0009_trust"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONLY_APPROVED = sa.text("status = 'approved'")


def _repair_repeated_refs(connection: sa.Connection) -> None:
    rows = connection.execute(
        sa.text("SELECT id, plan_id, ref FROM prevent_item ORDER BY plan_id, created_at, id")
    ).all()
    taken: set[tuple[str, str]] = {(plan_id, ref.lower()) for _, plan_id, ref in rows}
    seen: set[tuple[str, str]] = set()
    for item_id, plan_id, ref in rows:
        if (plan_id, ref.lower()) not in seen:
            seen.add((plan_id, ref.lower()))
            continue
        number = 2
        while (plan_id, f"{ref[:16]}~{number}".lower()) in taken:
            number += 1
        new_ref = f"{ref[:16]}~{number}"
        taken.add((plan_id, new_ref.lower()))
        connection.execute(
            sa.text("UPDATE prevent_item SET ref = :ref, version = version + 1 WHERE id = :id"),
            {"ref": new_ref, "id": item_id},
        )


def _repair_approved_plans(connection: sa.Connection) -> None:
    approved = connection.execute(
        sa.text(
            "SELECT id FROM prevent_plan WHERE status = 'approved' ORDER BY "
            "CASE WHEN approved_on IS NULL THEN 1 ELSE 0 END, approved_on DESC, updated_at DESC, id DESC"
        )
    ).scalars()
    for plan_id in list(approved)[1:]:
        connection.execute(
            sa.text("UPDATE prevent_plan SET status = 'superseded', version = version + 1 WHERE id = :id"),
            {"id": plan_id},
        )


def upgrade() -> None:
    """Repair what earlier races left, then add the two unique indexes."""
    connection = op.get_bind()
    _repair_repeated_refs(connection)
    _repair_approved_plans(connection)
    op.create_index("ix_prevent_item_plan_ref_unique", "prevent_item", ["plan_id", sa.text("lower(ref)")], unique=True)
    op.create_index(
        "ix_prevent_plan_one_approved",
        "prevent_plan",
        ["status"],
        unique=True,
        sqlite_where=ONLY_APPROVED,
        postgresql_where=ONLY_APPROVED,
    )


def downgrade() -> None:
    """Drop the indexes (the repaired rows stay as they are)."""
    op.drop_index("ix_prevent_plan_one_approved", table_name="prevent_plan")
    op.drop_index("ix_prevent_item_plan_ref_unique", table_name="prevent_item")
