"""Full-text search: SQLite FTS5 tables kept by triggers; PostgreSQL GIN expression indexes.

The SQL of both is in `app/services/search.py` (its docstring says how each works). On SQLite this makes
`search_entry`, `search_official` and `search_sensitive` (FTS5), the triggers on every indexed table, and indexes
the rows already there; on PostgreSQL, one GIN index per indexed table (`ix_search_<table>`).

Downgrade: drops them all (the data they index is untouched).

Revision ID: 0015_search
Revises: 0014_plan_approval
Create Date: 2026-11-30 14:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.services import search

revision: str = "0015_search"
down_revision: str | Sequence[str] | None = "0014_plan_approval"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(sa.text(statement))


def upgrade() -> None:
    """Make the search index of this dialect and fill it."""
    postgres = op.get_bind().dialect.name == "postgresql"
    _run(search.postgres_install() if postgres else search.sqlite_install())


def downgrade() -> None:
    """Drop the search index."""
    postgres = op.get_bind().dialect.name == "postgresql"
    _run(search.postgres_uninstall() if postgres else search.sqlite_uninstall())
