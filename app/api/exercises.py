"""Exercises of contingency plans (`prepare:read` / `prepare:write`)."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

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
from app.core.pagination import SortKey
from app.core.security import Principal
from app.models.common import IsoDate, Page
from app.models.prepare import Exercise, ExerciseCreate, ExerciseRead, ExerciseType, ExerciseUpdate
from app.services import exercises

router = APIRouter(prefix="/exercises", tags=["prepare"])

Reader = Annotated[Principal, requires("prepare:read")]
Writer = Annotated[Principal, requires("prepare:write")]
ORDER = [
    SortKey(Exercise.held_on, descending=True),
    SortKey(Exercise.id, descending=True),
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
    present = partial(exercises.present, session=session, principal=principal)
    return collection(request, session, stmt, ORDER, params, present)


@router.post("", response_model=ExerciseRead, status_code=201)
def create_exercise(request: Request, session: SessionDep, principal: Writer, data: ExerciseCreate) -> Response:
    """Record an exercise; the plans exercised must exist and be visible to you (else 422)."""
    exercise = exercises.create(session, data, actor=principal)
    body = exercises.present(exercise, session=session, principal=principal)
    return created(request, body, location=f"/exercises/{exercise.id}", version=exercise.version)


@router.get("/{exercise_id}", response_model=ExerciseRead)
def read_exercise(session: SessionDep, principal: Reader, exercise_id: str, response: Response) -> ExerciseRead:
    """One exercise with its lessons."""
    exercise = exercises.get(session, exercise_id, principal)
    with_etag(response, exercise.version)
    return exercises.present(exercise, session=session, principal=principal)


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
    return exercises.present(exercise, session=session, principal=principal)
