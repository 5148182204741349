"""The one place audit events are written, listed and verified."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python
from sqlalchemy import Select, text
from sqlmodel import Session, select

from app.core.audit_chain import GENESIS, event_hash
from app.core.clock import utcnow
from app.core.context import current_request_id
from app.core.security import Classification, Principal
from app.models.audit import AuditEvent, AuditVerification

CHAIN_LOCK_KEY = 727_001  # PostgreSQL advisory lock that serialises appends to the chain


def snapshot(value: BaseModel | dict[str, Any] | None, *, exclude: set[str] | None = None) -> dict[str, Any] | None:
    """A JSON-safe copy of a record's fields for the before/after of an event."""
    if value is None:
        return None
    data = value.model_dump(exclude=exclude) if isinstance(value, BaseModel) else dict(value)
    for name in exclude or ():
        data.pop(name, None)
    result: dict[str, Any] = to_jsonable_python(data)
    return result


def record(
    session: Session,
    *,
    actor: Principal | None,
    action: str,
    entity_type: str,
    entity_id: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    anonymous_name: str | None = None,
    classification: Classification | str | None = None,
) -> AuditEvent:
    """Append an event to the chain, in the caller's transaction.

    `classification` is the marking of the record the event is about (its parent's, for a child record), so the
    log can be read within the reader's clearance. It is part of the hashed content when given.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
    last = session.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar()  # type: ignore[union-attr]
    prev_hash = last or GENESIS
    content: dict[str, Any] = {
        "actor": actor.actor if actor else f"anonymous:{anonymous_name or '-'}",
        "actor_kind": actor.kind if actor else "anonymous",
        "organisation": actor.organisation if actor else None,
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "before": to_jsonable_python(before) if before is not None else None,
        "after": to_jsonable_python(after) if after is not None else None,
        "request_id": current_request_id(),
    }
    if classification is not None:
        content["classification"] = Classification(classification).value
    at = utcnow()
    event = AuditEvent(at=at, prev_hash=prev_hash, hash=event_hash(prev_hash, at, content), **content)
    session.add(event)
    session.flush()
    return event


def changed(before: dict[str, Any] | None, after: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that differ, so an event says what changed and not the whole record."""
    before, after = before or {}, after or {}
    keys = [k for k in after.keys() | before.keys() if before.get(k) != after.get(k) and k not in _NOISE]
    return {k: before.get(k) for k in sorted(keys)}, {k: after.get(k) for k in sorted(keys)}


_NOISE = {"updated_at", "version"}


def list_statement(
    *,
    entity_type: str | None = None,
    entity_id: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select[Any]:
    """Audit events matching every filter given."""
    stmt = select(AuditEvent)
    if entity_type:
        stmt = stmt.where(AuditEvent.entity_type == entity_type)
    if entity_id:
        stmt = stmt.where(AuditEvent.entity_id == entity_id)
    if actor:
        stmt = stmt.where(AuditEvent.actor == actor)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if since:
        stmt = stmt.where(AuditEvent.at >= since)
    if until:
        stmt = stmt.where(AuditEvent.at < until)
    return stmt


def verify(session: Session, *, batch: int = 1000) -> AuditVerification:
    """Walk the whole chain; report the first event whose hash or link does not hold."""
    prev_hash, checked, after_id = GENESIS, 0, 0
    while True:
        events = (
            session.execute(
                select(AuditEvent).where(AuditEvent.id > after_id).order_by(AuditEvent.id).limit(batch)  # type: ignore[arg-type,operator,union-attr]
            )
            .scalars()
            .all()
        )
        if not events:
            return AuditVerification(ok=True, checked=checked, first_bad_id=None)
        for event in events:
            content = {
                "actor": event.actor,
                "actor_kind": event.actor_kind,
                "organisation": event.organisation,
                "action": event.action,
                "entity_type": event.entity_type,
                "entity_id": event.entity_id,
                "before": event.before,
                "after": event.after,
                "request_id": event.request_id,
            }
            if event.classification is not None:
                content["classification"] = event.classification
            if event.prev_hash != prev_hash or event.hash != event_hash(prev_hash, event.at, content):
                return AuditVerification(ok=False, checked=checked, first_bad_id=event.id)
            prev_hash, checked = event.hash, checked + 1
            after_id = event.id or after_id
