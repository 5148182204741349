"""Exercises of contingency plans: who took part, and the lessons and actions that came out of them."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, delete, or_, select
from sqlmodel import Session, col

from app.core.clock import utcnow
from app.core.errors import NotFound
from app.core.security import Principal
from app.models.prepare import (
    ContingencyPlan,
    Exercise,
    ExerciseCreate,
    ExercisePlan,
    ExerciseRead,
    ExerciseType,
    ExerciseUpdate,
    Lesson,
    LessonStatus,
)
from app.services import audit
from app.services.contingency_plans import check_clearance, require_links, visible_links


def list_statement(
    principal: Principal,
    *,
    plan_id: str | None = None,
    exercise_type: ExerciseType | None = None,
    held_after: date | None = None,
    held_before: date | None = None,
    q: str | None = None,
) -> Select[Any]:
    """The exercises the caller may see, matching every filter given."""
    stmt = select(Exercise).where(col(Exercise.classification).in_(principal.clearance.visible()))
    if plan_id:
        stmt = stmt.where(
            col(Exercise.id).in_(select(col(ExercisePlan.exercise_id)).where(col(ExercisePlan.plan_id) == plan_id))
        )
    if exercise_type:
        stmt = stmt.where(col(Exercise.exercise_type) == exercise_type)
    if held_after:
        stmt = stmt.where(col(Exercise.held_on) >= held_after)
    if held_before:
        stmt = stmt.where(col(Exercise.held_on) <= held_before)
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(or_(col(Exercise.title).ilike(like), col(Exercise.summary).ilike(like)))
    return stmt


def get_exercise(session: Session, exercise_id: str, principal: Principal) -> Exercise:
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


def present(session: Session, exercise: Exercise, principal: Principal) -> ExerciseRead:
    """An exercise with the plans the caller may see and its count of open actions."""
    lessons = [Lesson.model_validate(item) for item in exercise.lessons or []]
    return ExerciseRead(
        id=exercise.id,
        created_at=exercise.created_at,
        updated_at=exercise.updated_at,
        version=exercise.version,
        classification=exercise.classification,
        title=exercise.title,
        held_on=exercise.held_on,
        exercise_type=exercise.exercise_type,
        plan_ids=visible_links(session, ContingencyPlan, _plan_ids(session, exercise.id), principal),
        participants=list(exercise.participants or []),
        lessons=lessons,
        open_actions=sum(1 for lesson in lessons if lesson.status == LessonStatus.OPEN),
        summary=exercise.summary,
    )


def _set_plans(session: Session, exercise: Exercise, plan_ids: list[str] | None, principal: Principal) -> None:
    if plan_ids is None:
        return
    wanted = require_links(
        "plan_ids", "contingency plan", plan_ids, visible_links(session, ContingencyPlan, plan_ids, principal)
    )
    current = _plan_ids(session, exercise.id)
    hidden = set(current) - set(visible_links(session, ContingencyPlan, current, principal))
    session.execute(delete(ExercisePlan).where(col(ExercisePlan.exercise_id) == exercise.id))
    session.add_all(ExercisePlan(exercise_id=exercise.id, plan_id=i) for i in dict.fromkeys([*wanted, *hidden]))


def _snapshot(session: Session, exercise: Exercise, principal: Principal) -> dict[str, Any] | None:
    return audit.snapshot(present(session, exercise, principal), exclude={"open_actions"})


def create_exercise(session: Session, data: ExerciseCreate, *, actor: Principal) -> Exercise:
    """Record an exercise."""
    check_clearance(actor, data.classification)
    fields = data.model_dump(mode="json", exclude={"plan_ids", "held_on", "classification"})
    exercise = Exercise(**fields, held_on=data.held_on, classification=data.classification)
    session.add(exercise)
    session.flush()
    _set_plans(session, exercise, data.plan_ids, actor)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="exercise.create",
        entity_type="exercise",
        entity_id=exercise.id,
        after=_snapshot(session, exercise, actor),
    )
    return exercise


def update_exercise(session: Session, exercise: Exercise, data: ExerciseUpdate, *, actor: Principal) -> Exercise:
    """Change an exercise (lessons given replace the whole list)."""
    before = _snapshot(session, exercise, actor)
    changes = data.model_dump(exclude_unset=True, exclude={"plan_ids"})
    if changes.get("classification"):
        check_clearance(actor, changes["classification"])
    json_fields = data.model_dump(mode="json", include={"participants", "lessons"}, exclude_unset=True)
    for name, value in (changes | json_fields).items():
        if value is not None:
            setattr(exercise, name, value)
    _set_plans(session, exercise, data.plan_ids, actor)
    exercise.updated_at, exercise.version = utcnow(), exercise.version + 1
    session.flush()
    old, new = audit.changed(before, _snapshot(session, exercise, actor))
    audit.record(
        session,
        actor=actor,
        action="exercise.update",
        entity_type="exercise",
        entity_id=exercise.id,
        before=old,
        after=new,
    )
    return exercise
