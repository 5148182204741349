"""Meetings of the groups: attendees, agenda, minutes and decisions; each hidden with a group the reader may not see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlmodel import Session

from app.core.errors import NotFound, Unprocessable
from app.core.security import Principal
from app.models.governance import Meeting, MeetingCreate, MeetingRead, MeetingUpdate
from app.services import records, working_groups

_M: Any = Meeting


@dataclass(frozen=True)
class MeetingFilters:
    """The filters of the meeting list, combined with AND."""

    group_id: str | None = None
    held_from: date | None = None
    held_to: date | None = None


def visible_statement(principal: Principal) -> Select[Any]:
    """Meetings the principal may see: their own marking and their group's within clearance."""
    return select(Meeting).where(
        _M.classification.in_(principal.clearance.visible()), _M.group_id.in_(working_groups.visible_ids(principal))
    )


def list_statement(principal: Principal, filters: MeetingFilters) -> Select[Any]:
    """The visible meetings matching every filter."""
    stmt = visible_statement(principal)
    if filters.group_id:
        stmt = stmt.where(_M.group_id == filters.group_id)
    if filters.held_from:
        stmt = stmt.where(_M.held_on >= filters.held_from)
    if filters.held_to:
        stmt = stmt.where(_M.held_on <= filters.held_to)
    return stmt


def get(session: Session, meeting_id: str, principal: Principal) -> Meeting:
    """A meeting the principal may see, or 404."""
    meeting = session.execute(visible_statement(principal).where(_M.id == meeting_id)).scalar_one_or_none()
    if meeting is None:
        raise NotFound(f"There is no meeting with id {meeting_id!r}.")
    return meeting


def present(meeting: Meeting) -> MeetingRead:
    """A meeting as the API shows it."""
    return MeetingRead.model_validate(meeting)


def create(session: Session, data: MeetingCreate, *, actor: Principal) -> Meeting:
    """Record a meeting of a group the writer can see."""
    working_groups.require_visible(session, data.group_id, actor)
    return records.create(session, Meeting(**data.model_dump()), actor=actor)


def update(session: Session, meeting: Meeting, data: MeetingUpdate, *, actor: Principal) -> Meeting:
    """Change a meeting; lists replace the whole list."""
    changes = data.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None:
            raise Unprocessable.field(name, "cannot be empty")
    with records.changing(session, meeting, actor=actor):
        for name, value in changes.items():
            setattr(meeting, name, value)
    return meeting
