"""The awareness training log and its statistics (`protect:read` / `protect:write`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
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
from app.core.pagination import SortKey
from app.core.security import Principal
from app.models.common import IsoDate, Page
from app.models.protect import (
    Audience,
    Course,
    TrainingCreate,
    TrainingRead,
    TrainingSession,
    TrainingStats,
    TrainingUpdate,
)
from app.services import training


def _key(expression: Any, descending: bool = False) -> SortKey:
    return SortKey(expression, descending)


router = APIRouter(prefix="/training-sessions", tags=["protect"])

Reader = Annotated[Principal, requires("protect:read")]
Writer = Annotated[Principal, requires("protect:write")]

ORDER = [_key(col(TrainingSession.delivered_on), True), _key(col(TrainingSession.id), True)]


async def training_filters(
    course: Course | None = None,
    audience: Audience | None = None,
    delivered_from: Annotated[IsoDate | None, Query(description="Delivered on or after this date.")] = None,
    delivered_to: Annotated[IsoDate | None, Query(description="Delivered on or before this date.")] = None,
) -> training.TrainingFilters:
    """The training log's filters from its query parameters."""
    return training.TrainingFilters(
        course=course, audience=audience, delivered_from=delivered_from, delivered_to=delivered_to
    )


Filters = Annotated[training.TrainingFilters, Depends(training_filters)]


@router.get("", response_model=Page[TrainingRead], responses=CSV_RESPONSE)
def list_training_sessions(
    request: Request,
    session: SessionDep,
    principal: Reader,
    filters: Filters,
    params: Annotated[PageParams, Depends(page_params)],
) -> Response:
    """Delivered sessions, newest first."""
    return collection(request, session, training.list_statement(principal, filters), ORDER, params, training.present)


# Declared before /{session_id}, so "stats" is never taken for an id.
@router.get("/stats", response_model=TrainingStats)
def training_stats(
    session: SessionDep,
    principal: Reader,
    filters: Filters,
    group_by: Annotated[training.GroupBy, Query(description="`quarter`, `course` or `audience`.")] = "quarter",
) -> TrainingStats:
    """Sessions and attendees per group, from the sessions the caller may see (filters apply).

    `quarter` uses UK financial quarters: the year runs April to March, so Q1 is April to June and a key reads
    `2026-27 Q1`; quarter groups come in date order, course and audience groups in key order.
    """
    return training.stats(session, principal, filters, group_by)


@router.post("", response_model=TrainingRead, status_code=201)
def create_training_session(
    request: Request,
    session: SessionDep,
    principal: Writer,
    data: TrainingCreate,
) -> Response:
    """Log a delivered session (OFFICIAL unless marked otherwise)."""
    record = training.create(session, data, actor=principal)
    return created(
        request,
        training.present(record),
        location=f"/training-sessions/{record.id}",
        version=record.version,
    )


@router.get("/{session_id}", response_model=TrainingRead)
def read_training_session(session: SessionDep, principal: Reader, session_id: str, response: Response) -> TrainingRead:
    """One session."""
    record = training.get(session, session_id, principal)
    with_etag(response, record.version)
    return training.present(record)


@router.patch("/{session_id}", response_model=TrainingRead, responses=IF_MATCH_RESPONSES)
def update_training_session(
    session: SessionDep,
    principal: Writer,
    session_id: str,
    data: TrainingUpdate,
    if_match: IfMatch,
    response: Response,
) -> TrainingRead:
    """Change a logged session."""
    record = training.get(session, session_id, principal)
    check_if_match(if_match, record.version)
    record = training.update(session, record, data, actor=principal)
    with_etag(response, record.version)
    return training.present(record)


@router.delete("/{session_id}", status_code=204, responses=IF_MATCH_RESPONSES)
def delete_training_session(session: SessionDep, principal: Writer, session_id: str, if_match: IfMatch) -> Response:
    """Remove a logged session."""
    record = training.get(session, session_id, principal)
    check_if_match(if_match, record.version)
    training.delete(session, record, actor=principal)
    return Response(status_code=204)
