"""Exercises of contingency plans: who took part, and the lessons and actions that came out of them.

Lessons are records of their own (`app.services.lessons`) with their own versions; an exercise shows them, and its
own PATCH may still replace them all at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy import delete as sa_delete
from sqlmodel import Session, col

from app.core.errors import NotFound
from app.core.security import Principal
from app.models.lessons import LessonStatus
from app.models.prepare import (
    ContingencyPlan,
    Exercise,
    ExerciseCreate,
    ExercisePlan,
    ExerciseRead,
    ExerciseType,
    ExerciseUpdate,
)
from app.services import audit, lessons, links, records


@dataclass(frozen=True)
class ExerciseFilters:
    """The filters of the exercise list, combined with AND."""

    plan_id: str | None = None
    exercise_type: ExerciseType | None = None
    held_after: date | None = None
    held_before: date | None = None
    q: str | None = None


def list_statement(principal: Principal, filters: ExerciseFilters) -> Select[Any]:
    """The exercises the caller may see, matching every filter given (a plan they may not see matches none)."""
    stmt = select(Exercise).where(col(Exercise.classification).in_(principal.clearance.visible()))
    if filters.plan_id:
        stmt = stmt.where(
            col(Exercise.id).in_(
                select(col(ExercisePlan.exercise_id)).where(
                    col(ExercisePlan.plan_id) == filters.plan_id,
                    col(ExercisePlan.plan_id).in_(links.visible_ids(ContingencyPlan, principal)),
                )
            )
        )
    if filters.exercise_type:
        stmt = stmt.where(col(Exercise.exercise_type) == filters.exercise_type)
    if filters.held_after:
        stmt = stmt.where(col(Exercise.held_on) >= filters.held_after)
    if filters.held_before:
        stmt = stmt.where(col(Exercise.held_on) <= filters.held_before)
    if filters.q:
        like = f"%{filters.q.strip()}%"
        stmt = stmt.where(or_(col(Exercise.title).ilike(like), col(Exercise.summary).ilike(like)))
    return stmt


def get(session: Session, exercise_id: str, principal: Principal) -> Exercise:
    """An exercise the caller may see, or 404."""
    exercise = session.get(Exercise, exercise_id)
    if exercise is None or not principal.may_see(exercise.classification):
        raise NotFound(f"There is no exercise with id {exercise_id!r}.")
    return exercise


def _plan_ids(session: Session, exercise_id: str) -> list[str]:
    return list(
        session.execute(
            select(col(ExercisePlan.plan_id))
            .where(col(ExercisePlan.exercise_id) == exercise_id)
            .order_by(col(ExercisePlan.plan_id))
        ).scalars()
    )


def present(exercise: Exercise, *, session: Session, principal: Principal, today: date) -> ExerciseRead:
    """An exercise with the plans the caller may see, its lessons and its count of open actions."""
    shown = [
        lessons.present(item, exercise=exercise, today=today) for item in lessons.of_exercise(session, exercise.id)
    ]
    return ExerciseRead(
        id=exercise.id,
        created_at=exercise.created_at,
        updated_at=exercise.updated_at,
        version=exercise.version,
        classification=exercise.classification,
        title=exercise.title,
        held_on=exercise.held_on,
        exercise_type=exercise.exercise_type,
        plan_ids=links.visible(session, ContingencyPlan, _plan_ids(session, exercise.id), principal),
        participants=list(exercise.participants or []),
        lessons=shown,
        open_actions=sum(1 for lesson in shown if lesson.status == LessonStatus.OPEN),
        summary=exercise.summary,
    )


def _lesson_texts(session: Session, exercise_id: str) -> list[dict[str, Any]]:
    """The lessons as an exercise's audit events show them."""
    keep = {"text", "action", "owner", "status", "due_on"}
    return [lesson.model_dump(include=keep) for lesson in lessons.of_exercise(session, exercise_id)]


def _snapshot(session: Session, principal: Principal) -> records.Snapshot:
    """An exercise's stored fields (its lessons included) and the plans the actor sees, for its audit events."""

    def snapshot(exercise: Exercise) -> dict[str, Any] | None:
        fields = exercise.model_dump(exclude={"created_at", "updated_at", "version"})
        plan_ids = links.visible(session, ContingencyPlan, _plan_ids(session, exercise.id), principal)
        return audit.snapshot({**fields, "plan_ids": plan_ids, "lessons": _lesson_texts(session, exercise.id)})

    return snapshot


def create(session: Session, data: ExerciseCreate, *, actor: Principal) -> Exercise:
    """Record an exercise; the plans exercised must be ones the actor sees."""
    records.require_marking(actor, data.classification)
    plan_ids = links.require(session, ContingencyPlan, data.plan_ids, actor, field="plan_ids", noun="contingency plan")
    fields = data.model_dump(mode="json", exclude={"plan_ids", "held_on", "classification", "lessons"})
    exercise = Exercise(**fields, held_on=data.held_on, classification=data.classification)

    def snapshot(record: Exercise) -> dict[str, Any] | None:
        stored = record.model_dump(exclude={"created_at", "updated_at", "version"})
        return audit.snapshot(
            {**stored, "plan_ids": sorted(plan_ids), "lessons": data.model_dump(mode="json")["lessons"]}
        )

    records.create(session, exercise, actor=actor, snapshot=snapshot)
    session.add_all(ExercisePlan(exercise_id=exercise.id, plan_id=i) for i in plan_ids)
    lessons.replace_all(session, exercise, data.lessons)
    return exercise


def _set_plans(session: Session, exercise: Exercise, plan_ids: list[str], principal: Principal) -> None:
    """Replace the plan links the caller can see; links they cannot see are kept."""
    wanted = links.require(session, ContingencyPlan, plan_ids, principal, field="plan_ids", noun="contingency plan")
    kept = links.hidden(session, ContingencyPlan, _plan_ids(session, exercise.id), principal)
    session.execute(sa_delete(ExercisePlan).where(col(ExercisePlan.exercise_id) == exercise.id))
    session.add_all(ExercisePlan(exercise_id=exercise.id, plan_id=i) for i in dict.fromkeys([*wanted, *kept]))
    session.flush()


def update(session: Session, exercise: Exercise, data: ExerciseUpdate, *, actor: Principal) -> Exercise:
    """Change an exercise (lessons given replace the whole list).

    The exercise row is held first and checked unchanged: of two edits from one version, the second
    waits for the first, then gets 412 (or 404 after a delete) before it touches any link.
    """
    records.hold(session, exercise)
    changes = data.model_dump(exclude_unset=True, exclude={"plan_ids", "lessons"})
    json_fields = data.model_dump(mode="json", include={"participants"}, exclude_unset=True)
    with records.changing(session, exercise, actor=actor, snapshot=_snapshot(session, actor)):
        for name, value in (changes | json_fields).items():
            if value is not None:
                setattr(exercise, name, value)
        if data.plan_ids is not None:
            _set_plans(session, exercise, data.plan_ids, actor)
        if data.lessons is not None:
            lessons.replace_all(session, exercise, data.lessons)
    return exercise
