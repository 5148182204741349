"""Police threat assessments: the ranked priorities the Prevent delivery plan is reviewed against."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import Session

from app.core.errors import NotFound, Unprocessable
from app.core.security import Principal
from app.models.prevent import (
    Priority,
    PriorityRead,
    ThreatAssessment,
    ThreatAssessmentCreate,
    ThreatAssessmentRead,
    ThreatAssessmentUpdate,
)
from app.services import records

_T: Any = ThreatAssessment  # the table's columns, typed loosely for SQL expressions


def present(assessment: ThreatAssessment) -> ThreatAssessmentRead:
    """The API view of an assessment: priorities with their rank."""
    fields = {name: getattr(assessment, name) for name in ThreatAssessmentRead.model_fields if name != "priorities"}
    return ThreatAssessmentRead.model_validate(fields | {"priorities": priorities_of(assessment)})


def priorities_of(assessment: ThreatAssessment) -> list[PriorityRead]:
    """The ranked priorities of an assessment."""
    return [PriorityRead(rank=i, **p) for i, p in enumerate(assessment.priorities, start=1)]


def _stored_priorities(priorities: list[Priority]) -> list[dict[str, Any]]:
    """Priorities as stored: each with a ref (P1, P2, ... by rank unless given), refs unique."""
    stored, seen = [], set()
    for rank, priority in enumerate(priorities, start=1):
        ref = priority.ref or f"P{rank}"
        if ref.lower() in seen:
            raise Unprocessable.field(f"priorities.{rank - 1}.ref", f"the reference {ref!r} is used twice")
        seen.add(ref.lower())
        stored.append(priority.model_dump(mode="json") | {"ref": ref})
    return stored


def _check_period(start: Any, end: Any) -> None:
    if start and end and end < start:
        raise Unprocessable.field("period_end", "must be on or after the start of the period")


@dataclass(frozen=True)
class ThreatAssessmentFilters:
    """The filters of the assessment list."""

    q: str | None = None


def list_statement(principal: Principal, filters: ThreatAssessmentFilters) -> Any:
    """The assessments the principal may see, matching the text if given."""
    stmt = select(ThreatAssessment).where(_T.classification.in_(principal.clearance.visible()))
    if filters.q and filters.q.strip():
        like = f"%{filters.q.strip()}%"
        stmt = stmt.where(or_(_T.title.ilike(like), _T.issued_by.ilike(like), _T.summary.ilike(like)))
    return stmt


def get(session: Session, assessment_id: str, principal: Principal) -> ThreatAssessment:
    """An assessment the principal may see, or 404 (an unseen one does not exist for them)."""
    assessment = session.get(ThreatAssessment, assessment_id)
    if assessment is None or not principal.may_see(assessment.classification):
        raise NotFound(f"There is no threat assessment with id {assessment_id!r}.")
    return assessment


def newest_visible(session: Session, principal: Principal) -> ThreatAssessment | None:
    """The most recent assessment (by period, then by when it was recorded) the principal may see."""
    stmt = list_statement(principal, ThreatAssessmentFilters()).order_by(
        _T.period_end.desc(),
        _T.created_at.desc(),
    )
    return session.execute(stmt.limit(1)).scalar_one_or_none()


def create(
    session: Session, data: ThreatAssessmentCreate, *, actor: Principal, external_id: str | None = None
) -> ThreatAssessment:
    """Record a threat assessment (`external_id`: the sender's own id, when a push feed brings it)."""
    _check_period(data.period_start, data.period_end)
    assessment = ThreatAssessment(
        title=data.title,
        issued_by=data.issued_by,
        period_start=data.period_start,
        period_end=data.period_end,
        summary=data.summary,
        priorities=_stored_priorities(data.priorities),
        classification=data.classification,
        external_id=external_id,
    )
    return records.create(session, assessment, actor=actor)


def update(
    session: Session, assessment: ThreatAssessment, data: ThreatAssessmentUpdate, *, actor: Principal
) -> ThreatAssessment:
    """Change an assessment; a new priorities list replaces the old one."""
    changes = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}
    _check_period(
        changes.get("period_start", assessment.period_start), changes.get("period_end", assessment.period_end)
    )
    if data.priorities is not None:
        changes["priorities"] = _stored_priorities(data.priorities)
    with records.changing(session, assessment, actor=actor):
        for name, value in changes.items():
            setattr(assessment, name, value)
    return assessment
