"""Exercises of contingency plans (`prepare:read` / `prepare:write`)."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import func
from sqlmodel import col

from app.api.deps import SessionDep, requires
from app.api.http import (
    CSV_RESPONSE,
    IF_MATCH_RESPONSES,
    IfMatch,
    PageParams,
    check_if_match,
    collection,
    created,
    page_params,
    with_etag,
)
from app.core.clock import today_london
from app.core.pagination import SortKey
from app.core.security import Principal
from app.models.common import IsoDate, Page
from app.models.lessons import Lesson, LessonCreate, LessonRead, LessonStatus, LessonUpdate
from app.models.prepare import Exercise, ExerciseCreate, ExerciseRead, ExerciseType, ExerciseUpdate
from app.services import exercises, lessons

router = APIRouter(prefix="/exercises", tags=["prepare"])

Reader = Annotated[Principal, requires("prepare:read")]
Writer = Annotated[Principal, requires("prepare:write")]
ORDER = [
    SortKey(Exercise.held_on, descending=True),
    SortKey(Exercise.id, descending=True),
]
_NO_DUE_DATE = date(9999, 12, 31)
LESSON_ORDER = [  # soonest due first, so open lessons that are overdue come first; no due date last
    SortKey(func.coalesce(col(Lesson.due_on), _NO_DUE_DATE)),
    SortKey(col(Lesson.id)),
]


async def exercise_filters(
    plan_id: Annotated[str | None, Query(max_length=36, description="Exercises of this plan.")] = None,
    exercise_type: ExerciseType | None = None,
    held_after: Annotated[IsoDate | None, Query(description="Held on or after this date.")] = None,
    held_before: Annotated[IsoDate | None, Query(description="Held on or before this date.")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in title or summary.")] = None,
) -> exercises.ExerciseFilters:
    """The exercise list's filters from its query parameters."""
    return exercises.ExerciseFilters(
        plan_id=plan_id, exercise_type=exercise_type, held_after=held_after, held_before=held_before, q=q
    )


@router.get("", response_model=Page[ExerciseRead], responses=CSV_RESPONSE)
def list_exercises(
    request: Request,
    session: SessionDep,
    principal: Reader,
    params: Annotated[PageParams, Depends(page_params)],
    filters: Annotated[exercises.ExerciseFilters, Depends(exercise_filters)],
) -> Response:
    """The exercises you may see, newest first."""
    stmt = exercises.list_statement(principal, filters)
    present = partial(exercises.present, session=session, principal=principal, today=today_london())
    return collection(request, session, stmt, ORDER, params, present)


@router.post("", response_model=ExerciseRead, status_code=201)
def create_exercise(request: Request, session: SessionDep, principal: Writer, data: ExerciseCreate) -> Response:
    """Record an exercise; the plans exercised must exist and be visible to you (else 422)."""
    exercise = exercises.create(session, data, actor=principal)
    body = exercises.present(exercise, session=session, principal=principal, today=today_london())
    return created(request, body, location=f"/exercises/{exercise.id}", version=exercise.version)


async def lesson_filters(
    exercise_id: Annotated[str | None, Query(max_length=36, description="Lessons of this exercise.")] = None,
    status: LessonStatus | None = None,
    overdue: Annotated[bool | None, Query(description="Open and due before today (Europe/London).")] = None,
    owner: Annotated[str | None, Query(max_length=200, description="Text in the owner.")] = None,
    due_before: Annotated[IsoDate | None, Query(description="Due before this date.")] = None,
) -> lessons.LessonFilters:
    """The lesson list's filters from its query parameters."""
    return lessons.LessonFilters(
        exercise_id=exercise_id, status=status, overdue=overdue, owner=owner, due_before=due_before
    )


@router.get("/lessons", response_model=Page[LessonRead], responses=CSV_RESPONSE)
def list_lessons(
    request: Request,
    session: SessionDep,
    principal: Reader,
    params: Annotated[PageParams, Depends(page_params)],
    filters: Annotated[lessons.LessonFilters, Depends(lesson_filters)],
) -> Response:
    """Lessons across every exercise you may see (the tracker), soonest due first, so overdue ones lead."""
    today = today_london()
    stmt = lessons.list_statement(principal, filters, today=today)
    return collection(
        request, session, stmt, LESSON_ORDER, params, present_many=partial(lessons.present_many, session, today=today)
    )


@router.get("/{exercise_id}", response_model=ExerciseRead)
def read_exercise(session: SessionDep, principal: Reader, exercise_id: str, response: Response) -> ExerciseRead:
    """One exercise with its lessons."""
    exercise = exercises.get(session, exercise_id, principal)
    with_etag(response, exercise.version)
    return exercises.present(exercise, session=session, principal=principal, today=today_london())


@router.patch("/{exercise_id}", response_model=ExerciseRead, responses=IF_MATCH_RESPONSES)
def update_exercise(
    session: SessionDep,
    principal: Writer,
    exercise_id: str,
    data: ExerciseUpdate,
    if_match: IfMatch,
    response: Response,
) -> ExerciseRead:
    """Change an exercise (If-Match required); `lessons` replaces the whole list."""
    exercise = exercises.get(session, exercise_id, principal)
    check_if_match(if_match, exercise.version)
    exercise = exercises.update(session, exercise, data, actor=principal)
    with_etag(response, exercise.version)
    return exercises.present(exercise, session=session, principal=principal, today=today_london())


@router.post("/{exercise_id}/lessons", response_model=LessonRead, status_code=201)
def create_lesson(
    request: Request, session: SessionDep, principal: Writer, exercise_id: str, data: LessonCreate
) -> Response:
    """Add a lesson; no If-Match, as a new lesson changes nothing anyone else is editing."""
    exercise = exercises.get(session, exercise_id, principal)
    lesson = lessons.create(session, data, actor=principal, exercise=exercise)
    body = lessons.present(lesson, exercise=exercise, today=today_london())
    return created(request, body, location=f"/exercises/{exercise.id}/lessons/{lesson.id}", version=lesson.version)


@router.get("/{exercise_id}/lessons/{lesson_id}", response_model=LessonRead)
def read_lesson(
    session: SessionDep, principal: Reader, exercise_id: str, lesson_id: str, response: Response
) -> LessonRead:
    """One lesson, with its own ETag."""
    exercise = exercises.get(session, exercise_id, principal)
    lesson = lessons.get(session, lesson_id, exercise=exercise)
    with_etag(response, lesson.version)
    return lessons.present(lesson, exercise=exercise, today=today_london())


@router.patch("/{exercise_id}/lessons/{lesson_id}", response_model=LessonRead, responses=IF_MATCH_RESPONSES)
def update_lesson(
    session: SessionDep,
    principal: Writer,
    exercise_id: str,
    lesson_id: str,
    data: LessonUpdate,
    if_match: IfMatch,
    response: Response,
) -> LessonRead:
    """Change a lesson, mark it done or reopen it (If-Match: the lesson's own ETag, not the exercise's)."""
    exercise = exercises.get(session, exercise_id, principal)
    lesson = lessons.get(session, lesson_id, exercise=exercise)
    check_if_match(if_match, lesson.version)
    lesson = lessons.update(session, lesson, data, actor=principal, exercise=exercise)
    with_etag(response, lesson.version)
    return lessons.present(lesson, exercise=exercise, today=today_london())
