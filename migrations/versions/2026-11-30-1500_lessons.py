"""Lessons become records of their own, with a due date.

- `lesson`: one row per lesson learned in an exercise (text, action, owner, status, `due_on`), with its own version,
  so a change to one lesson is checked against that lesson only. Lessons leave with their exercise.
- `exercise.lessons` (a JSON list inside the exercise) is moved into `lesson`, in the order it was written, and
  dropped.

Downgrade: the lessons go back into `exercise.lessons` (oldest first) without their due dates, and `lesson` is
dropped.

On SQLite dropping (or, going down, adding) the column rebuilds `exercise`, which loses its search triggers: they are
made again (`search.sqlite_triggers`).

Revision ID: 0019_lessons
Revises: 0018_governance
Create Date: 2026-11-30 14:30:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from app.core.ids import new_id
from app.services import search

revision: str = "0019_lessons"
down_revision: str | Sequence[str] | None = "0018_governance"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

exercise = sa.table(
    "exercise",
    sa.column("id", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("lessons", sa.JSON),
)
lesson = sa.table(
    "lesson",
    sa.column("id", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
    sa.column("version", sa.Integer),
    sa.column("exercise_id", sa.String),
    sa.column("text", sa.Text),
    sa.column("action", sa.Text),
    sa.column("owner", sa.String),
    sa.column("status", sa.String),
    sa.column("due_on", sa.Date),
)


def upgrade() -> None:
    """Create `lesson`, move every exercise's lessons into it, drop the JSON list."""
    op.create_table(
        "lesson",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("exercise_id", sa.String(length=36), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["exercise_id"], ["exercise.id"], name=op.f("fk_lesson_exercise_id_exercise"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesson")),
    )
    op.create_index(op.f("ix_lesson_exercise_id"), "lesson", ["exercise_id"])
    op.create_index("ix_lesson_status_due_on", "lesson", ["status", "due_on"])
    connection = op.get_bind()
    rows = []
    for exercise_id, created_at, lessons in connection.execute(
        sa.select(exercise.c.id, exercise.c.created_at, exercise.c.lessons)
    ):
        for i, item in enumerate(lessons or []):
            at = _aware(created_at) + timedelta(microseconds=i)
            rows.append(
                {
                    "id": new_id(),
                    "created_at": at,
                    "updated_at": at,
                    "version": 1,
                    "exercise_id": exercise_id,
                    "text": item.get("text", ""),
                    "action": item.get("action", ""),
                    "owner": item.get("owner", ""),
                    "status": item.get("status", "open"),
                    "due_on": None,
                }
            )
    # The column goes before the rows arrive: SQLite's batch mode rebuilds `exercise` (drop and rename), and
    # dropping it would cascade to lessons already stored.
    with op.batch_alter_table("exercise") as batch:
        batch.drop_column("lessons")
    _remake_search_triggers()
    if rows:
        connection.execute(lesson.insert(), rows)


def downgrade() -> None:
    """Put the lessons back into each exercise's JSON list (oldest first), then drop `lesson`."""
    connection = op.get_bind()
    grouped: dict[str, list[dict[str, str]]] = {}
    ordered = sa.select(lesson).order_by(lesson.c.exercise_id, lesson.c.created_at, lesson.c.id)
    for row in connection.execute(ordered).mappings():  # read first: SQLite's rebuild of `exercise` cascades
        grouped.setdefault(row["exercise_id"], []).append(
            {"text": row["text"], "action": row["action"], "owner": row["owner"], "status": row["status"]}
        )
    with op.batch_alter_table("exercise") as batch:
        batch.add_column(sa.Column("lessons", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    with op.batch_alter_table("exercise") as batch:
        batch.alter_column("lessons", server_default=None)
    _remake_search_triggers()
    for exercise_id, items in grouped.items():
        connection.execute(exercise.update().where(exercise.c.id == exercise_id).values(lessons=items))
    op.drop_index("ix_lesson_status_due_on", table_name="lesson")
    op.drop_index(op.f("ix_lesson_exercise_id"), table_name="lesson")
    op.drop_table("lesson")


def _remake_search_triggers() -> None:
    """SQLite's batch rebuild of `exercise` dropped its search triggers (PostgreSQL's indexes are untouched)."""
    if op.get_bind().dialect.name == "sqlite":
        for statement in search.sqlite_triggers():
            op.execute(sa.text(statement))


def _aware(value: datetime) -> datetime:
    """SQLite gives back naive UTC times."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
