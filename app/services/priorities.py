"""EMT's operational priorities for each financial year (written with the approve scope)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlmodel import Session

from app.core.errors import NotFound, Unprocessable
from app.core.security import Principal
from app.models.governance import (
    EmtPriority,
    EmtPriorityCreate,
    EmtPriorityRead,
    EmtPriorityUpdate,
    PriorityStatus,
    Strand,
)
from app.services import governance_links, records

_P: Any = EmtPriority


@dataclass(frozen=True)
class PriorityFilters:
    """The filters of the priority list, combined with AND."""

    year: str | None = None
    strand: Strand | None = None
    status: PriorityStatus | None = None


def check_year(year: str) -> None:
    """A financial year is written "2026/27": the second part is the year after the first."""
    first, second = year.split("/")
    if (int(first) + 1) % 100 != int(second):
        raise Unprocessable.field("year", f"must be a financial year such as {first}/{(int(first) + 1) % 100:02d}")


def financial_year(start_year: int) -> str:
    """The financial year starting in April of `start_year`: 2026 → "2026/27"."""
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def list_statement(principal: Principal, filters: PriorityFilters) -> Select[Any]:
    """The priorities the principal may see, matching every filter."""
    stmt = select(EmtPriority).where(_P.classification.in_(principal.clearance.visible()))
    if filters.year:
        stmt = stmt.where(_P.year == filters.year)
    if filters.strand:
        stmt = stmt.where(_P.strand == filters.strand.value)
    if filters.status:
        stmt = stmt.where(_P.status == filters.status.value)
    return stmt


def get(session: Session, priority_id: str, principal: Principal) -> EmtPriority:
    """A priority the principal may see, or 404."""
    priority = session.get(EmtPriority, priority_id)
    if priority is None or not principal.may_see(priority.classification):
        raise NotFound(f"There is no priority with id {priority_id!r}.")
    return priority


def present_many(session: Session, priorities: Sequence[EmtPriority], *, principal: Principal) -> list[EmtPriorityRead]:
    """Priorities with the links the reader may see (one query per link type for them all)."""
    seen = governance_links.visible(session, principal, [p.links for p in priorities])
    return [
        EmtPriorityRead.model_validate(
            {name: getattr(p, name) for name in EmtPriorityRead.model_fields if name != "links"}
            | {"links": governance_links.shown(p.links, seen)}
        )
        for p in priorities
    ]


def create(session: Session, data: EmtPriorityCreate, *, actor: Principal) -> EmtPriority:
    """Set a priority for a year."""
    check_year(data.year)
    stored = governance_links.require(session, actor, data.links)
    return records.create(session, EmtPriority(**data.model_dump(exclude={"links"}), links=stored), actor=actor)


def update(session: Session, priority: EmtPriority, data: EmtPriorityUpdate, *, actor: Principal) -> EmtPriority:
    """Change a priority; `links` replaces the links the writer can see."""
    changes = data.model_dump(exclude_unset=True, exclude={"links"})
    for name, value in changes.items():
        if value is None:
            raise Unprocessable.field(name, "cannot be empty")
    if "year" in changes:
        check_year(changes["year"])
    with records.changing(session, priority, actor=actor):
        for name, value in changes.items():
            setattr(priority, name, value)
        if data.links is not None:
            priority.links = governance_links.replaced(session, actor, priority.links, data.links)
    return priority
