"""The one way every area creates, changes and deletes a versioned, marked record.

- `require_marking(principal, marking)`: nobody creates or raises a record above their own clearance (403).
- `create(...)`: add the record, flush, write its audit event.
- `changing(...)`: a context manager around an edit. It snapshots the record, lets the caller change it, then
  claims the next version atomically and writes the audit event of what changed. Nothing changed: no new version,
  no event.
- `claim_version(...)`: the atomic version check on its own, for a change that is not an edit of the record's own
  fields (a child added under it, a derived field that follows its children).
- `delete(...)`: the same atomic check, then the delete and its audit event.
- `lock(...)`: hold a row (a parent) for the rest of the transaction, so work derived from its children (the next
  reference number, "is there already an approved plan?") cannot interleave with another transaction's.
- `unique(...)`: a block whose insert or update may break a unique index; the loser of a race gets 409, not 500.

The version check is `UPDATE … SET version = v + 1 WHERE id = :id AND version = :v` and a row count of one, where
`v` is the version the request read (and the router matched against If-Match). It holds between concurrent
transactions and between processes: on PostgreSQL the second writer waits for the first's row lock, then finds the
version gone and gets 412; SQLite serialises writers. A read-then-compare in Python would not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import delete as sa_delete
from sqlalchemy import select
from sqlalchemy import update as sa_update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from app.core.clock import utcnow
from app.core.errors import Conflict, Forbidden, NotFound, PreconditionFailed
from app.core.security import Classification, Principal
from app.services import audit

R = TypeVar("R")
Snapshot = Callable[[Any], dict[str, Any] | None]
"""A record's fields as its audit events show them (see `audit.snapshot`)."""


def require_marking(principal: Principal | None, marking: Classification | str) -> None:
    """403 when the principal would create or raise a record above their own clearance."""
    marking = Classification(marking)
    if principal is not None and not principal.may_see(marking):
        raise Forbidden(f"You cannot mark a record {marking.value}: it is above your clearance.")


def stored(record: Any) -> dict[str, Any] | None:
    """The default snapshot: every stored column but the change bookkeeping."""
    # Tables keep enums as their plain string values, which pydantic would warn about for enum-typed fields.
    return audit.snapshot(record.model_dump(exclude={"created_at", "updated_at", "version"}, warnings=False))


def _marking(record: Any, marking: Classification | str | None) -> Classification | str | None:
    return marking if marking is not None else getattr(record, "classification", None)


def _entity_type(record: Any, entity_type: str | None) -> str:
    return entity_type or str(type(record).__tablename__)


def create(
    session: Session,
    record: R,
    *,
    actor: Principal | None,
    action: str | None = None,
    snapshot: Snapshot = stored,
    entity_type: str | None = None,
    marking: Classification | str | None = None,
) -> R:
    """Add a new record and its `<entity>.create` audit event; the record's own marking is checked first."""
    entity = _entity_type(record, entity_type)
    level = _marking(record, marking)
    if level is not None:
        require_marking(actor, level)
    session.add(record)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=action or f"{entity}.create",
        entity_type=entity,
        entity_id=str(record.id),  # type: ignore[attr-defined]
        after=snapshot(record),
        classification=level,
    )
    return record


def claim_version(session: Session, record: Any, expected: int | None = None) -> None:
    """Move the record from the version it was read at to the next, or 412 if another change got there first."""
    model, expected = type(record), record.version if expected is None else expected
    now = utcnow()
    result = session.execute(
        sa_update(model)
        .where(model.id == record.id, model.version == expected)
        .values(version=expected + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise PreconditionFailed()
    set_committed_value(record, "version", expected + 1)
    set_committed_value(record, "updated_at", now)


@contextmanager
def changing(
    session: Session,
    record: R,
    *,
    actor: Principal | None,
    action: str | None = None,
    snapshot: Snapshot = stored,
    entity_type: str | None = None,
    marking: Classification | str | None = None,
) -> Iterator[R]:
    """Change a record inside the block; on leaving it, claim the next version and audit what changed.

    A new marking set inside the block is checked against the actor's clearance. The audit event carries the
    higher of the old and new markings, so a record raised to OFFICIAL-SENSITIVE takes its last event with it.
    """
    expected: int = record.version  # type: ignore[attr-defined]
    before = snapshot(record)
    old_marking = _marking(record, marking)
    yield record
    new_marking = _marking(record, marking)
    if new_marking is not None and new_marking != old_marking:
        require_marking(actor, new_marking)
    # The claim comes before the changed fields are flushed: a row deleted meanwhile is then a 412, not an ORM
    # error for an UPDATE that matched nothing.
    with session.no_autoflush:
        old, new = audit.changed(before, snapshot(record))
        if not old and not new:
            return
        claim_version(session, record, expected)
    session.flush()
    entity = _entity_type(record, entity_type)
    audit.record(
        session,
        actor=actor,
        action=action or f"{entity}.update",
        entity_type=entity,
        entity_id=str(record.id),  # type: ignore[attr-defined]
        before=old,
        after=new,
        classification=_higher(old_marking, new_marking),
    )


def delete(
    session: Session,
    record: Any,
    *,
    actor: Principal | None,
    action: str | None = None,
    snapshot: Snapshot = stored,
    entity_type: str | None = None,
    marking: Classification | str | None = None,
) -> None:
    """Delete the record at the version it was read at (412 if it changed meanwhile) and audit it.

    Children are the caller's to remove first, in the same transaction.
    """
    model, entity = type(record), _entity_type(record, entity_type)
    before = snapshot(record)
    session.flush()
    result = session.execute(
        sa_delete(model)
        .where(model.id == record.id, model.version == record.version)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise PreconditionFailed()
    session.expunge(record)
    audit.record(
        session,
        actor=actor,
        action=action or f"{entity}.delete",
        entity_type=entity,
        entity_id=str(record.id),
        before=before,
        classification=_marking(record, marking),
    )


def hold(session: Session, record: Any) -> None:
    """Lock the record's row for the rest of the transaction and check it is still the version the request read:
    404 if it has gone, 412 if it changed. For a change that writes other tables (its links) before its own row."""
    model = type(record)
    current = session.execute(select(model.version).where(model.id == record.id).with_for_update()).scalar()
    if current is None:
        raise NotFound(f"There is no {model.__tablename__.replace('_', ' ')} with id {record.id!r}.")
    if current != record.version:
        raise PreconditionFailed()


def lock(session: Session, record: Any) -> None:
    """Hold the record's row until the transaction ends (PostgreSQL `FOR UPDATE`; SQLite's writer already holds
    the whole database)."""
    model = type(record)
    session.execute(select(model.id).where(model.id == record.id).with_for_update())


@contextmanager
def unique(session: Session, message: str) -> Iterator[None]:
    """Run the block in a savepoint and flush it; a unique index it breaks is a 409 with `message`.

    Uniqueness is the database's to enforce: a read-then-insert check passes for two concurrent writers.
    """
    try:
        with session.begin_nested():
            yield
            session.flush()
    except IntegrityError as exc:
        if not _is_unique_violation(exc):
            raise
        raise Conflict(message) from exc


def _is_unique_violation(exc: IntegrityError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None)  # psycopg
    if sqlstate is not None:
        return bool(sqlstate == "23505")
    return "UNIQUE constraint failed" in str(exc.orig)  # sqlite3


def _higher(a: Classification | str | None, b: Classification | str | None) -> Classification | None:
    levels = [Classification(m) for m in (a, b) if m is not None]
    return max(levels, key=lambda m: m.rank) if levels else None
