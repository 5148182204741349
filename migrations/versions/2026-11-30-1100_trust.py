"""Trust: no secrets in the idempotency store, replays tied to the principal as it was, atomic sign-in throttling.

- `idempotency_record` gains `principal_fingerprint` (a replay after the principal's clearance or scopes changed is
  refused) and `secret_bearing` (the response carried a secret, so it was not kept). Stored responses that carry a
  secret in clear (a new API key, user token or feed signing secret, written before this revision) are deleted.
- `login_throttle` counts failed sign-ins per username and per client address, changed only by atomic updates.

Audit events written before 0008 keep their NULL marking: a backfill would change what each event's hash covers
and break the chain, so the log resolves a NULL marking when it is read (see `app.services.audit.visible_to`).

Revision ID: 0009_trust
Revises: 0008_audit_classification
Create Date: 2026-11-30 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009_trust"
down_revision: str | Sequence[str] | None = "0008_audit_classification"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What a stored response holding a secret looks like: our key and token prefixes, a feed's signing secret field.
_SECRET_MARKS = (b"chub_", b"chut_", b'"secret"')


def upgrade() -> None:
    """Add the columns and the table; scrub stored responses that hold a secret in clear."""
    with op.batch_alter_table("idempotency_record") as batch:
        batch.add_column(sa.Column("principal_fingerprint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch.add_column(sa.Column("secret_bearing", sa.Boolean(), nullable=False, server_default=sa.false()))
    record = sa.table("idempotency_record", sa.column("id", sa.String), sa.column("response_body", sa.LargeBinary))
    bind = op.get_bind()
    leaking = [
        row.id
        for row in bind.execute(sa.select(record.c.id, record.c.response_body))
        if row.response_body and any(mark in bytes(row.response_body) for mark in _SECRET_MARKS)
    ]
    for start in range(0, len(leaking), 500):
        bind.execute(sa.delete(record).where(record.c.id.in_(leaking[start : start + 500])))
    op.create_table(
        "login_throttle",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    """Drop the table and the columns (the scrubbed responses stay gone)."""
    op.drop_table("login_throttle")
    with op.batch_alter_table("idempotency_record") as batch:
        batch.drop_column("secret_bearing")
        batch.drop_column("principal_fingerprint")
