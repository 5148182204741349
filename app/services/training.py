"""The awareness training log and its statistics."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import Select, func, select
from sqlmodel import Session, col

from app.core.errors import NotFound
from app.core.security import Principal
from app.models.protect import (
    TrainingCreate,
    TrainingGroup,
    TrainingRead,
    TrainingSession,
    TrainingStats,
    TrainingUpdate,
)
from app.services import records

GroupBy = Literal["quarter", "course", "audience"]


def financial_quarter(day: date) -> str:
    """The UK financial quarter (years run April to March) of a date: 2026-05-01 → `2026-27 Q1`."""
    start = day.year if day.month >= 4 else day.year - 1
    quarter = (day.month - 4) % 12 // 3 + 1
    return f"{start}-{(start + 1) % 100:02d} Q{quarter}"


@dataclass(frozen=True)
class TrainingFilters:
    """The filters of the training log, combined with AND."""

    course: str | None = None
    audience: str | None = None
    delivered_from: date | None = None
    delivered_to: date | None = None


def list_statement(principal: Principal, filters: TrainingFilters) -> Select[Any]:
    """The sessions the principal may see that match every filter."""
    stmt = select(TrainingSession).where(col(TrainingSession.classification).in_(principal.clearance.visible()))
    if filters.course:
        stmt = stmt.where(col(TrainingSession.course) == filters.course)
    if filters.audience:
        stmt = stmt.where(col(TrainingSession.audience) == filters.audience)
    if filters.delivered_from:
        stmt = stmt.where(col(TrainingSession.delivered_on) >= filters.delivered_from)
    if filters.delivered_to:
        stmt = stmt.where(col(TrainingSession.delivered_on) <= filters.delivered_to)
    return stmt


def stats(session: Session, principal: Principal, filters: TrainingFilters, group_by: GroupBy) -> TrainingStats:
    """Sessions and attendees per financial quarter (chronological), course or audience (by key)."""
    visible = list_statement(principal, filters).subquery()
    column = visible.c.delivered_on if group_by == "quarter" else visible.c[group_by]
    rows = session.execute(select(column, func.count(), func.sum(visible.c.attendees)).group_by(column)).all()
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for key, sessions, attendees in rows:
        name = (
            financial_quarter(key if isinstance(key, date) else date.fromisoformat(str(key)))
            if group_by == "quarter"
            else str(key)
        )
        totals[name][0] += sessions
        totals[name][1] += int(attendees or 0)
    return TrainingStats(
        groups=[TrainingGroup(key=k, sessions=v[0], attendees=v[1]) for k, v in sorted(totals.items())]
    )


def present(record: TrainingSession) -> TrainingRead:
    """A training session as the API shows it."""
    return TrainingRead.model_validate(record)


def get(session: Session, session_id: str, principal: Principal) -> TrainingSession:
    """A training session the principal may see, or 404."""
    found = session.get(TrainingSession, session_id)
    if found is None or not principal.may_see(found.classification):
        raise NotFound(f"There is no training session with id {session_id!r}.")
    return found


def create(session: Session, data: TrainingCreate, *, actor: Principal) -> TrainingSession:
    """Log a delivered session."""
    return records.create(session, TrainingSession(**data.model_dump()), actor=actor)


def update(session: Session, record: TrainingSession, data: TrainingUpdate, *, actor: Principal) -> TrainingSession:
    """Change a logged session (null leaves a field as it is)."""
    with records.changing(session, record, actor=actor):
        for name, value in data.model_dump(exclude_unset=True).items():
            if value is not None:
                setattr(record, name, value)
    return record


def delete(session: Session, record: TrainingSession, *, actor: Principal) -> None:
    """Remove a logged session."""
    records.delete(session, record, actor=actor)
