"""Actions agreed by the groups: owner, due date, status, links to the work they are about; `overdue` derived."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, not_, or_, select
from sqlmodel import Session

from app.core.clock import today_london
from app.core.errors import NotFound, Unprocessable
from app.core.security import Principal
from app.models.governance import (
    ActionCreate,
    ActionRead,
    ActionStatus,
    ActionUpdate,
    GovernanceAction,
    Meeting,
)
from app.services import governance_links, meetings, records, working_groups

_A: Any = GovernanceAction
_M: Any = Meeting
_OPEN = ActionStatus.OPEN.value


@dataclass(frozen=True)
class ActionFilters:
    """The filters of the action list, combined with AND."""

    group_id: str | None = None
    status: ActionStatus | None = None
    overdue: bool | None = None
    owner: str | None = None
    meeting_id: str | None = None
    q: str | None = None


def overdue_clause(today: date) -> ColumnElement[bool]:
    """SQL for `overdue`: open and due before today (Europe/London)."""
    return and_(_A.status == _OPEN, _A.due_on.is_not(None), _A.due_on < today)


def is_overdue(action: GovernanceAction, today: date) -> bool:
    """The same rule in Python, for presenting one action."""
    return action.status == _OPEN and action.due_on is not None and action.due_on < today


def visible_statement(principal: Principal) -> Select[Any]:
    """Actions the principal may see: their own marking and their group's within clearance."""
    return select(GovernanceAction).where(
        _A.classification.in_(principal.clearance.visible()), _A.group_id.in_(working_groups.visible_ids(principal))
    )


def list_statement(principal: Principal, filters: ActionFilters) -> Select[Any]:
    """Visible actions matching every filter; `overdue` is decided in SQL, before paging."""
    stmt, f = visible_statement(principal), filters
    if f.group_id:
        stmt = stmt.where(_A.group_id == f.group_id)
    if f.meeting_id:
        stmt = stmt.where(_A.meeting_id == f.meeting_id)
    if f.status:
        stmt = stmt.where(_A.status == f.status.value)
    if f.owner and f.owner.strip():
        stmt = stmt.where(func.lower(_A.owner) == f.owner.strip().lower())
    if f.overdue is not None:
        clause = overdue_clause(today_london())
        stmt = stmt.where(clause if f.overdue else not_(clause))
    if f.q and f.q.strip():
        text = f.q.strip()
        stmt = stmt.where(or_(_A.text.icontains(text, autoescape=True), _A.owner.icontains(text, autoescape=True)))
    return stmt


def get(session: Session, action_id: str, principal: Principal) -> GovernanceAction:
    """An action the principal may see, or 404."""
    action = session.execute(visible_statement(principal).where(_A.id == action_id)).scalar_one_or_none()
    if action is None:
        raise NotFound(f"There is no action with id {action_id!r}.")
    return action


def present_many(
    session: Session, actions: Sequence[GovernanceAction], *, principal: Principal, today: date
) -> list[ActionRead]:
    """Actions with `overdue` and the links the reader may see (one query per link type for them all)."""
    seen = governance_links.visible(session, principal, [a.links for a in actions])
    return [_read(a, seen, today) for a in actions]


def _read(action: GovernanceAction, seen: governance_links.Visible, today: date) -> ActionRead:
    fields = {name: getattr(action, name) for name in ActionRead.model_fields if name not in {"links", "overdue"}}
    return ActionRead.model_validate(
        fields | {"links": governance_links.shown(action.links, seen), "overdue": is_overdue(action, today)}
    )


def _check_meeting(session: Session, meeting_id: str | None, group_id: str, principal: Principal) -> None:
    if meeting_id is None:
        return
    meeting = session.execute(meetings.visible_statement(principal).where(_M.id == meeting_id)).scalar_one_or_none()
    if meeting is None or meeting.group_id != group_id:
        raise Unprocessable.field("meeting_id", "there is no meeting of this group you can see with this id")


def create(session: Session, data: ActionCreate, *, actor: Principal) -> GovernanceAction:
    """Add an action to a group the writer can see; its meeting and links must be ones they can see."""
    working_groups.require_visible(session, data.group_id, actor)
    _check_meeting(session, data.meeting_id, data.group_id, actor)
    stored = governance_links.require(session, actor, data.links)
    action = GovernanceAction(**data.model_dump(exclude={"links"}), links=stored)
    return records.create(session, action, actor=actor)


def update(session: Session, action: GovernanceAction, data: ActionUpdate, *, actor: Principal) -> GovernanceAction:
    """Change an action; `links` replaces the links the writer can see."""
    changes = data.model_dump(exclude_unset=True, exclude={"links"})
    for name, value in changes.items():
        if value is None and name not in {"due_on", "meeting_id"}:
            raise Unprocessable.field(name, "cannot be empty")
    if "meeting_id" in changes:
        _check_meeting(session, changes["meeting_id"], action.group_id, actor)
    with records.changing(session, action, actor=actor):
        for name, value in changes.items():
            setattr(action, name, value)
        if data.links is not None:
            action.links = governance_links.replaced(session, actor, action.links, data.links)
    return action
