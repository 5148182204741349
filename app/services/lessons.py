"""Lessons learned from exercises and the actions they call for.

Each lesson is its own record with its own version: marking one done, or changing its due date, checks only that
lesson's ETag, so it never conflicts with another lesson being added or changed (they used to share the exercise's
version, and "Mark done" failed whenever anyone had added a lesson meanwhile). A lesson takes its exercise's marking.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy import delete as sa_delete
from sqlmodel import Session, col

from app.core.clock import utcnow
from app.core.errors import NotFound
from app.core.security import Principal
from app.models.lessons import Lesson, LessonCreate, LessonRead, LessonStatus, LessonUpdate
from app.models.prepare import Exercise
from app.services import records


@dataclass(frozen=True)
class LessonFilters:
    """The filters of the lesson list (the tracker), combined with AND."""

    exercise_id: str | None = None
    status: LessonStatus | None = None
    overdue: bool | None = None
    owner: str | None = None
    due_before: date | None = None


def is_overdue(lesson: Lesson, today: date) -> bool:
    """Due before today (Europe/London) and still open."""
    return lesson.status == LessonStatus.OPEN and lesson.due_on is not None and lesson.due_on < today


def present(lesson: Lesson, *, exercise: Exercise, today: date) -> LessonRead:
    """The API view of a lesson: its exercise's title and marking, and whether it is overdue."""
    fields = lesson.model_dump(warnings=False)
    return LessonRead.model_validate(
        fields
        | {
            "exercise_title": exercise.title,
            "classification": exercise.classification,
            "overdue": is_overdue(lesson, today),
        }
    )


def present_many(session: Session, lessons: Sequence[Lesson], *, today: date) -> list[LessonRead]:
    """A page of lessons, their exercises looked up together."""
    ids = {lesson.exercise_id for lesson in lessons}
    found = session.execute(select(Exercise).where(col(Exercise.id).in_(ids))).scalars()
    exercises = {exercise.id: exercise for exercise in found}
    return [present(lesson, exercise=exercises[lesson.exercise_id], today=today) for lesson in lessons]


def of_exercise(session: Session, exercise_id: str) -> list[Lesson]:
    """An exercise's lessons, oldest first."""
    stmt = select(Lesson).where(col(Lesson.exercise_id) == exercise_id).order_by(col(Lesson.created_at), col(Lesson.id))
    return list(session.execute(stmt).scalars())


def list_statement(principal: Principal, filters: LessonFilters, *, today: date) -> Select[Any]:
    """The lessons of exercises the caller may see, matching every filter given."""
    visible = select(col(Exercise.id)).where(col(Exercise.classification).in_(principal.clearance.visible()))
    stmt = select(Lesson).where(col(Lesson.exercise_id).in_(visible))
    if filters.exercise_id:
        stmt = stmt.where(col(Lesson.exercise_id) == filters.exercise_id)
    if filters.status:
        stmt = stmt.where(col(Lesson.status) == filters.status)
    if filters.owner:
        stmt = stmt.where(col(Lesson.owner).ilike(f"%{filters.owner.strip()}%"))
    if filters.due_before:
        stmt = stmt.where(col(Lesson.due_on) < filters.due_before)
    if filters.overdue is not None:
        late = (col(Lesson.status) == LessonStatus.OPEN) & (col(Lesson.due_on) < today)
        stmt = stmt.where(late if filters.overdue else ~late | col(Lesson.due_on).is_(None))
    return stmt


def get(session: Session, lesson_id: str, *, exercise: Exercise) -> Lesson:
    """One lesson of an exercise the caller may see (the router has checked the exercise), or 404."""
    lesson = session.get(Lesson, lesson_id)
    if lesson is None or lesson.exercise_id != exercise.id:
        raise NotFound(f"Exercise {exercise.id!r} has no lesson with id {lesson_id!r}.")
    return lesson


def create(session: Session, data: LessonCreate, *, actor: Principal, exercise: Exercise) -> Lesson:
    """Add a lesson to an exercise; the exercise's own version is untouched, so nobody else's edit conflicts."""
    lesson = Lesson(exercise_id=exercise.id, **data.model_dump(exclude={"due_on"}, mode="json"), due_on=data.due_on)
    return records.create(session, lesson, actor=actor, marking=exercise.classification)


def update(session: Session, lesson: Lesson, data: LessonUpdate, *, actor: Principal, exercise: Exercise) -> Lesson:
    """Change a lesson: its words, owner or due date (`null` clears it), or its status (done, or reopened)."""
    changes = data.model_dump(exclude_unset=True)
    with records.changing(session, lesson, actor=actor, marking=exercise.classification):
        for name, value in changes.items():
            if value is not None or name == "due_on":
                setattr(lesson, name, value.value if isinstance(value, LessonStatus) else value)
    return lesson


def replace_all(session: Session, exercise: Exercise, lessons: Sequence[LessonCreate]) -> None:
    """Replace an exercise's lessons as a whole (the exercise's own PATCH and create, audited with the exercise)."""
    session.execute(sa_delete(Lesson).where(col(Lesson.exercise_id) == exercise.id))
    now = utcnow()  # one microsecond apart, so they keep the order given
    session.add_all(
        Lesson(
            exercise_id=exercise.id,
            **item.model_dump(exclude={"due_on"}, mode="json"),
            due_on=item.due_on,
            created_at=now + timedelta(microseconds=i),
            updated_at=now,
        )
        for i, item in enumerate(lessons)
    )
    session.flush()
