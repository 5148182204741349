"""Meetings of the groups (`governance:read` / `governance:write`)."""

from __future__ import annotations

from typing import Annotated

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
from app.models.governance import Meeting, MeetingCreate, MeetingRead, MeetingUpdate
from app.services import meetings
from app.services.meetings import MeetingFilters

router = APIRouter(prefix="/meetings", tags=["governance"])

Reader = Annotated[Principal, requires("governance:read")]
Writer = Annotated[Principal, requires("governance:write")]
ORDER = [SortKey(col(Meeting.held_on), descending=True), SortKey(col(Meeting.id), descending=True)]


async def meeting_filters(
    group_id: Annotated[str | None, Query(max_length=36, description="Meetings of this group.")] = None,
    held_from: Annotated[IsoDate | None, Query(description="Held on or after this date.")] = None,
    held_to: Annotated[IsoDate | None, Query(description="Held on or before this date.")] = None,
) -> MeetingFilters:
    """The meeting list's filters from its query parameters."""
    return MeetingFilters(group_id=group_id, held_from=held_from, held_to=held_to)


@router.get("", response_model=Page[MeetingRead], responses=CSV_RESPONSE)
def list_meetings(
    request: Request,
    session: SessionDep,
    principal: Reader,
    params: Annotated[PageParams, Depends(page_params)],
    filters: Annotated[MeetingFilters, Depends(meeting_filters)],
) -> Response:
    """The meetings you may see, newest first."""
    stmt = meetings.list_statement(principal, filters)
    return collection(request, session, stmt, ORDER, params, meetings.present)


@router.post("", response_model=MeetingRead, status_code=201)
def create_meeting(request: Request, session: SessionDep, principal: Writer, data: MeetingCreate) -> Response:
    """Record a meeting of a group you can see (else 422 on `group_id`)."""
    meeting = meetings.create(session, data, actor=principal)
    return created(request, meetings.present(meeting), location=f"/meetings/{meeting.id}", version=meeting.version)


@router.get("/{meeting_id}", response_model=MeetingRead)
def read_meeting(session: SessionDep, principal: Reader, meeting_id: str, response: Response) -> MeetingRead:
    """One meeting: attendees, agenda, minutes, decisions."""
    meeting = meetings.get(session, meeting_id, principal)
    with_etag(response, meeting.version)
    return meetings.present(meeting)


@router.patch("/{meeting_id}", response_model=MeetingRead, responses=IF_MATCH_RESPONSES)
def update_meeting(
    session: SessionDep,
    principal: Writer,
    meeting_id: str,
    data: MeetingUpdate,
    if_match: IfMatch,
    response: Response,
) -> MeetingRead:
    """Change a meeting (If-Match required)."""
    meeting = meetings.get(session, meeting_id, principal)
    check_if_match(if_match, meeting.version)
    meeting = meetings.update(session, meeting, data, actor=principal)
    with_etag(response, meeting.version)
    return meetings.present(meeting)
