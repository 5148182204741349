"""The awareness training log and its statistics."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import Select, func, select
from sqlmodel import Session, col

from app.core.clock import utcnow
from app.core.errors import Forbidden, NotFound
from app.core.security import Classification, Principal
from app.models.protect import (
    TrainingCreate,
    TrainingGroup,
    TrainingRead,
    TrainingSession,
    TrainingStats,
    TrainingUpdate,
)
from app.services import audit

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


def get_session(session: Session, session_id: str, principal: Principal) -> TrainingSession:
    """A training session the principal may see, or 404."""
    found = session.get(TrainingSession, session_id)
    if found is None or not principal.may_see(found.classification):
        raise NotFound(f"There is no training session with id {session_id!r}.")
    return found


def _check_marking(principal: Principal, marking: Classification) -> None:
    if not principal.may_see(marking):
        raise Forbidden(f"You cannot mark a record {marking.value}: it is above your clearance.")


def create_session(session: Session, data: TrainingCreate, *, actor: Principal) -> TrainingSession:
    """Log a delivered session."""
    _check_marking(actor, data.classification)
    record = TrainingSession(**data.model_dump())
    session.add(record)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="training_session.create",
        entity_type="training_session",
        entity_id=record.id,
        after=audit.snapshot(TrainingRead.model_validate(record)),
    )
    return record


def update_session(
    session: Session, record: TrainingSession, data: TrainingUpdate, *, actor: Principal
) -> TrainingSession:
    """Change a logged session (null leaves a field as it is)."""
    if data.classification is not None:
        _check_marking(actor, data.classification)
    before = audit.snapshot(TrainingRead.model_validate(record))
    for name, value in data.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(record, name, value)
    record.updated_at, record.version = utcnow(), record.version + 1
    session.flush()
    old, new = audit.changed(before, audit.snapshot(TrainingRead.model_validate(record)))
    audit.record(
        session,
        actor=actor,
        action="training_session.update",
        entity_type="training_session",
        entity_id=record.id,
        before=old,
        after=new,
    )
    return record


def delete_session(session: Session, record: TrainingSession, *, actor: Principal) -> None:
    """Remove a logged session."""
    before = audit.snapshot(TrainingRead.model_validate(record))
    session.delete(record)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="training_session.delete",
        entity_type="training_session",
        entity_id=record.id,
        before=before,
    )
