"""Escalations to EMT: blockages and requests for resources a group raises, and EMT's decisions on them.

Status changes only through `decide` (the approve scope): a PATCH may change what an escalation says, never where
it is, so nobody in a group decides their own escalation by editing it. Whoever raised it cannot decide it either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, or_, select
from sqlmodel import Session

from app.core.clock import today_london
from app.core.errors import Conflict, Forbidden, NotFound, Unprocessable
from app.core.security import Principal
from app.models.governance import (
    DecideRequest,
    Escalation,
    EscalationCreate,
    EscalationRead,
    EscalationStatus,
    EscalationUpdate,
    Outcome,
)
from app.services import governance_links, records, working_groups

_E: Any = Escalation
DECIDED_ONLY = ("status", "decision", "decided_by", "decided_on")
NOT_BY_PATCH = "cannot be changed by editing: EMT decides with POST /escalations/{id}/decide (the approve scope)"
# Where each status may go: a raised escalation is decided; an accepted one is resolved once done.
NEXT: dict[str, set[str]] = {
    EscalationStatus.RAISED.value: {Outcome.ACCEPTED.value, Outcome.DECLINED.value, Outcome.RESOLVED.value},
    EscalationStatus.ACCEPTED.value: {Outcome.RESOLVED.value},
}


@dataclass(frozen=True)
class EscalationFilters:
    """The filters of the escalation list, combined with AND."""

    group_id: str | None = None
    status: EscalationStatus | None = None
    q: str | None = None


def visible_statement(principal: Principal) -> Select[Any]:
    """Escalations the principal may see: their own marking and their group's within clearance."""
    return select(Escalation).where(
        _E.classification.in_(principal.clearance.visible()), _E.group_id.in_(working_groups.visible_ids(principal))
    )


def list_statement(principal: Principal, filters: EscalationFilters) -> Select[Any]:
    """Visible escalations matching every filter."""
    stmt = visible_statement(principal)
    if filters.group_id:
        stmt = stmt.where(_E.group_id == filters.group_id)
    if filters.status:
        stmt = stmt.where(_E.status == filters.status.value)
    if filters.q and filters.q.strip():
        text = filters.q.strip()
        stmt = stmt.where(
            or_(_E.title.icontains(text, autoescape=True), _E.description.icontains(text, autoescape=True))
        )
    return stmt


def get(session: Session, escalation_id: str, principal: Principal) -> Escalation:
    """An escalation the principal may see, or 404."""
    found = session.execute(visible_statement(principal).where(_E.id == escalation_id)).scalar_one_or_none()
    if found is None:
        raise NotFound(f"There is no escalation with id {escalation_id!r}.")
    return found


def present_many(session: Session, escalations: Sequence[Escalation], *, principal: Principal) -> list[EscalationRead]:
    """Escalations with the links the reader may see (one query per link type for them all)."""
    seen = governance_links.visible(session, principal, [e.links for e in escalations])
    return [
        EscalationRead.model_validate(
            {name: getattr(e, name) for name in EscalationRead.model_fields if name != "links"}
            | {"links": governance_links.shown(e.links, seen)}
        )
        for e in escalations
    ]


def create(session: Session, data: EscalationCreate, *, actor: Principal) -> Escalation:
    """Raise an escalation from a group the writer can see; it waits for EMT's decision."""
    working_groups.require_visible(session, data.group_id, actor)
    stored = governance_links.require(session, actor, data.links)
    escalation = Escalation(
        **data.model_dump(exclude={"links"}),
        links=stored,
        status=EscalationStatus.RAISED.value,
        raised_by=actor.display_name or actor.name,
        raised_by_id=actor.id,
    )
    return records.create(session, escalation, actor=actor)


def update(session: Session, escalation: Escalation, data: EscalationUpdate, *, actor: Principal) -> Escalation:
    """Change what an escalation says; its status and decision are EMT's, through `decide` (422 here)."""
    refused = [name for name in DECIDED_ONLY if name in data.model_fields_set]
    if refused:
        errors = [{"field": name, "message": NOT_BY_PATCH} for name in refused]
        raise Unprocessable(f"{refused[0]}: {NOT_BY_PATCH}", errors=errors)
    changes = data.model_dump(exclude_unset=True, exclude={"links", *DECIDED_ONLY})
    for name, value in changes.items():
        if value is None:
            raise Unprocessable.field(name, "cannot be empty")
    with records.changing(session, escalation, actor=actor):
        for name, value in changes.items():
            setattr(escalation, name, value)
        if data.links is not None:
            escalation.links = governance_links.replaced(session, actor, escalation.links, data.links)
    return escalation


def decide(session: Session, escalation: Escalation, data: DecideRequest, *, actor: Principal) -> Escalation:
    """EMT's decision: accepted, declined or resolved, with what was decided; who and when are recorded here.

    A raised escalation may be decided any way; an accepted one only resolved; a declined or resolved one is
    closed (409). The version is claimed atomically, so of two decisions at once one is recorded and the other
    gets 412 (or 409 once it sees the first).
    """
    if escalation.raised_by_id and escalation.raised_by_id == actor.id:
        raise Forbidden("You raised this escalation, so someone else on EMT must decide it.")
    if data.outcome.value not in NEXT.get(escalation.status, set()):
        raise Conflict(f"This escalation is {escalation.status}; it cannot now be {data.outcome.value}.")
    with records.changing(session, escalation, actor=actor, action="escalation.decide"):
        escalation.status = data.outcome.value
        escalation.decision = data.decision
        escalation.decided_by = actor.display_name or actor.name
        escalation.decided_on = today_london()
    return escalation
