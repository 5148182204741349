"""Working groups: EMT and the groups that deliver each strand, with their members (officers in work roles)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, or_, select
from sqlmodel import Session

from app.core.errors import NotFound, Unprocessable
from app.core.security import Principal
from app.models.governance import Strand, WorkingGroup, WorkingGroupCreate, WorkingGroupRead, WorkingGroupUpdate
from app.services import records

_G: Any = WorkingGroup
NAME_TAKEN = "There is already a group with this name."


@dataclass(frozen=True)
class GroupFilters:
    """The filters of the group list, combined with AND."""

    strand: Strand | None = None
    q: str | None = None


def visible_ids(principal: Principal) -> Select[Any]:
    """The ids of the groups the principal may see (their children are hidden with them)."""
    return select(_G.id).where(_G.classification.in_(principal.clearance.visible()))


def list_statement(principal: Principal, filters: GroupFilters) -> Select[Any]:
    """The groups the principal may see, matching every filter."""
    stmt = select(WorkingGroup).where(_G.classification.in_(principal.clearance.visible()))
    if filters.strand:
        stmt = stmt.where(_G.strand == filters.strand.value)
    if filters.q and filters.q.strip():
        text = filters.q.strip()
        stmt = stmt.where(or_(_G.name.icontains(text, autoescape=True), _G.purpose.icontains(text, autoescape=True)))
    return stmt


def get(session: Session, group_id: str, principal: Principal) -> WorkingGroup:
    """A group the principal may see, or 404."""
    group = session.get(WorkingGroup, group_id)
    if group is None or not principal.may_see(group.classification):
        raise NotFound(f"There is no working group with id {group_id!r}.")
    return group


def require_visible(session: Session, group_id: str, principal: Principal) -> WorkingGroup:
    """The group a new record belongs to: 422 on `group_id` if it does not exist for the writer."""
    group = session.get(WorkingGroup, group_id)
    if group is None or not principal.may_see(group.classification):
        raise Unprocessable.field("group_id", "there is no working group you can see with this id")
    return group


def names(session: Session, principal: Principal) -> dict[str, str]:
    """Each visible group's name by id (for lists that show the group of each row)."""
    rows = session.execute(select(_G.id, _G.name).where(_G.classification.in_(principal.clearance.visible())))
    return dict(rows.tuples().all())


def present(group: WorkingGroup) -> WorkingGroupRead:
    """A group as the API shows it."""
    return WorkingGroupRead.model_validate(group)


def create(session: Session, data: WorkingGroupCreate, *, actor: Principal) -> WorkingGroup:
    """Add a group; names are unique (a database index)."""
    group = WorkingGroup(**data.model_dump())
    with records.unique(session, NAME_TAKEN):
        records.create(session, group, actor=actor)
    return group


def update(session: Session, group: WorkingGroup, data: WorkingGroupUpdate, *, actor: Principal) -> WorkingGroup:
    """Change a group; `members` replaces the list."""
    changes = data.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None:
            raise Unprocessable.field(name, "cannot be empty")
    with records.unique(session, NAME_TAKEN), records.changing(session, group, actor=actor):
        for name, value in changes.items():
            setattr(group, name, value)
    return group
